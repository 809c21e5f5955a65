//! Enforcement powers on a case: the powers used and the clocks they started
//! (`/cases/{id}/powers`), one GOV.UK form per power (`/cases/{id}/powers/{kind}`), the due list
//! across the user's cases (`/due`), and the same clocks as JSON (`/api/v1/cases/{id}/clocks`,
//! `/api/v1/due`).
//!
//! The statute is the store's business: it calls the domain rules in the same transaction as
//! the write, and a refusal ([`StoreError::Rule`]) comes back here as the form's error, in the
//! rule's own words with dates written out ("A CPN may be issued from 17 March 2026"). Access
//! is the store's too: a case the user may not read is 404 on every route, exactly as a missing
//! one, and so is every route for a user whose roles work no cases. Paths carry case ids only;
//! recipients and notices are chosen by id in the POSTed form.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Json, Router};
use safer_domain::access::Viewer;
use safer_domain::case::{is_iso_date, SubjectKind};
use safer_domain::casework::powers::{ClosureIssuer, RequirementKind};
use safer_domain::casework::{ClockKind, Due};
use safer_domain::ids::{CaseId, SubjectId};
use safer_storage::{
    CaseClock, CasePowers, ClockSource, NewCpn, NewRequirement, NewWarning, Power, PowerKind,
    StoreError,
};
use serde_json::{json, Value};
use time::{Duration, OffsetDateTime};

use crate::error::render;
use crate::form::FormState;
use crate::format::{capitalise, show_date, today};
use crate::session::{Ctx, SignedIn};
use crate::viewer::{case_viewer, home_viewer};
use crate::views::{FieldError, Layout, Section, SelectOption};
use crate::{AppError, AppState};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/cases/{id}/powers", get(show_powers))
        .route("/cases/{id}/powers/{kind}", get(show_power_form).post(record_power))
        .route("/due", get(show_due))
        .route("/api/v1/cases/{id}/clocks", get(api_case_clocks))
        .route("/api/v1/due", get(api_due))
}

/// How far ahead the due list looks.
const DUE_WEEKS: i64 = 8;

/// The forms, by the last segment of their path (the JSON API takes the same segments).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FormKind {
    Cpw,
    Cpn,
    Appeal,
    Fpn,
    ClosureNotice,
    ClosureOrder,
    Pspo,
    Injunction,
}

impl FormKind {
    /// Every form, in the order the powers page lists them.
    pub(crate) const ALL: [FormKind; 8] = [
        FormKind::Cpw,
        FormKind::Cpn,
        FormKind::Appeal,
        FormKind::Fpn,
        FormKind::ClosureNotice,
        FormKind::ClosureOrder,
        FormKind::Pspo,
        FormKind::Injunction,
    ];

    /// The last segment of the form's path.
    pub(crate) fn slug(self) -> &'static str {
        match self {
            FormKind::Cpw => "cpw",
            FormKind::Cpn => "cpn",
            FormKind::Appeal => "appeal",
            FormKind::Fpn => "fpn",
            FormKind::ClosureNotice => "closure-notice",
            FormKind::ClosureOrder => "closure-order",
            FormKind::Pspo => "pspo",
            FormKind::Injunction => "injunction",
        }
    }

    fn heading(self) -> &'static str {
        match self {
            FormKind::Cpw => "Record a Community Protection Warning",
            FormKind::Cpn => "Issue a Community Protection Notice",
            FormKind::Appeal => "Record an appeal",
            FormKind::Fpn => "Give a fixed penalty notice",
            FormKind::ClosureNotice => "Record a closure notice",
            FormKind::ClosureOrder => "Record a closure order",
            FormKind::Pspo => "Record a Public Spaces Protection Order",
            FormKind::Injunction => "Record a civil injunction",
        }
    }

    fn button(self) -> &'static str {
        match self {
            FormKind::Cpw => "Record the warning",
            FormKind::Cpn => "Issue the notice",
            FormKind::Appeal => "Record the appeal",
            FormKind::Fpn => "Give the penalty notice",
            FormKind::ClosureNotice => "Record the closure notice",
            FormKind::ClosureOrder => "Record the closure order",
            FormKind::Pspo => "Record the order",
            FormKind::Injunction => "Record the injunction",
        }
    }

    /// The form at `slug`, or not found.
    pub(crate) fn parse(slug: &str) -> Result<FormKind, AppError> {
        FormKind::ALL.into_iter().find(|k| k.slug() == slug).ok_or(AppError::NotFound)
    }
}

/// The checks the powers forms make, recording each problem on the form it came from.
impl FormState {
    fn fail(&mut self, field: &'static str, message: impl Into<String>) {
        if !self.has_error(field) {
            self.errors.push(FieldError { field, message: message.into() });
        }
    }

    /// A required date from its three boxes, as `YYYY-MM-DD`; `label` names it in errors.
    fn date(&mut self, field: &'static str, label: &str) -> Option<String> {
        let (day, month, year) = (
            self.day(field).trim().to_string(),
            self.month(field).trim().to_string(),
            self.year(field).trim().to_string(),
        );
        if day.is_empty() && month.is_empty() && year.is_empty() {
            self.fail(field, format!("Enter {label}"));
            return None;
        }
        self.parse_date(field, label, &day, &month, &year)
    }

    /// An optional date: `None` when all three boxes are empty.
    fn optional_date(&mut self, field: &'static str, label: &str) -> Option<Option<String>> {
        if self.day(field).trim().is_empty()
            && self.month(field).trim().is_empty()
            && self.year(field).trim().is_empty()
        {
            return Some(None);
        }
        self.date(field, label).map(Some)
    }

    fn parse_date(
        &mut self,
        field: &'static str,
        label: &str,
        day: &str,
        month: &str,
        year: &str,
    ) -> Option<String> {
        let number = |text: &str| {
            (!text.is_empty() && text.len() <= 4 && text.bytes().all(|b| b.is_ascii_digit()))
                .then(|| text.parse::<u32>().ok())
                .flatten()
        };
        match (number(day), number(month), number(year)) {
            (Some(d), Some(m), Some(y)) if year.len() == 4 => {
                let iso = format!("{y:04}-{m:02}-{d:02}");
                if is_iso_date(&iso) {
                    Some(iso)
                } else {
                    self.fail(field, format!("{} must be a real date", capitalise(label)));
                    None
                }
            }
            (_, _, Some(_)) if year.len() != 4 => {
                self.fail(
                    field,
                    format!("{} must include a year with 4 numbers", capitalise(label)),
                );
                None
            }
            _ => {
                self.fail(field, format!("{} must be a real date", capitalise(label)));
                None
            }
        }
    }

    /// A required id chosen from a list.
    fn id(&mut self, field: &'static str, message: &str) -> Option<i64> {
        match self.value(field).parse::<i64>() {
            Ok(id) if id > 0 => Some(id),
            _ => {
                self.fail(field, message);
                None
            }
        }
    }

    /// Required short text.
    fn text(&mut self, field: &'static str, message: &str, max_chars: usize) -> Option<String> {
        let text = self.value(field).split_whitespace().collect::<Vec<_>>().join(" ");
        if text.is_empty() {
            self.fail(field, message);
            None
        } else if text.chars().count() > max_chars {
            self.fail(field, format!("Use {max_chars} characters or fewer"));
            None
        } else {
            Some(text)
        }
    }
}

/// A rule's message in plain words: a capital letter, and every `YYYY-MM-DD` written out.
fn plain_words(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(found) = (0..rest.len()).find(|&i| {
        rest.get(i..i + 10).is_some_and(is_iso_date)
            && (i == 0 || !rest.as_bytes()[i - 1].is_ascii_digit())
    }) {
        out.push_str(&rest[..found]);
        out.push_str(&show_date(&rest[found..found + 10]));
        rest = &rest[found + 10..];
    }
    out.push_str(rest);
    capitalise(&out)
}

/// A unix time as the pages show it: "22 March 2026 at 10:00 UTC".
fn show_instant(at: OffsetDateTime) -> String {
    format!("{} at {:02}:{:02} UTC", show_date(&at.date().to_string()), at.hour(), at.minute())
}

fn describe_due(due: Due) -> String {
    match due {
        Due::Date(date) => show_date(&date.to_string()),
        Due::Instant(at) => show_instant(at),
    }
}

fn pounds(pence: i64) -> String {
    format!("£{}.{:02}", pence / 100, pence % 100)
}

fn parse_case(text: &str) -> Result<CaseId, AppError> {
    match text.parse::<i64>() {
        Ok(id) if id > 0 && text.bytes().all(|b| b.is_ascii_digit()) => Ok(CaseId(id)),
        _ => Err(AppError::NotFound),
    }
}

/// A clock as a table row shows it.
#[derive(Debug, Clone)]
pub(crate) struct ClockRow {
    pub(crate) case_href: String,
    pub(crate) reference: String,
    pub(crate) name: String,
    pub(crate) due: String,
    pub(crate) tag: &'static str,
    pub(crate) tag_class: &'static str,
    pub(crate) overdue: bool,
}

/// Whether a clock has passed, and the tag that says where it stands.
fn standing(clock: &CaseClock, now: i64) -> (&'static str, &'static str, bool) {
    let today = today(now);
    let passed = match clock.clock.due {
        Due::Date(date) => date < today,
        Due::Instant(at) => at.unix_timestamp() < now,
    };
    let due_today = clock.clock.due.date() == today;
    match clock.clock.kind {
        ClockKind::EarliestAction if passed || due_today => ("Open now", "app-tag--green", false),
        ClockKind::EarliestAction => ("Not yet", "app-tag--grey", false),
        ClockKind::Expiry if passed => ("Ended", "app-tag--grey", false),
        ClockKind::Deadline | ClockKind::Review if passed => ("Overdue", "app-tag--red", true),
        _ if due_today => ("Due today", "app-tag--orange", false),
        _ => ("Upcoming", "app-tag--blue", false),
    }
}

/// Where a clock's row links: a power's to the case's powers page, a review's to the case, an
/// application's to the application.
fn clock_href(clock: &CaseClock) -> String {
    match &clock.source {
        ClockSource::Power { .. } => format!("/cases/{}/powers", clock.case.0),
        ClockSource::CaseReview => format!("/cases/{}", clock.case.0),
        ClockSource::TriggerApplication { id, .. } => format!("/trigger/{id}"),
    }
}

fn clock_row(clock: &CaseClock, now: i64) -> ClockRow {
    let (tag, tag_class, overdue) = standing(clock, now);
    let name = match &clock.source {
        ClockSource::TriggerApplication { reference, .. } => {
            format!("{} ({reference})", clock.clock.name)
        }
        _ => clock.clock.name.clone(),
    };
    ClockRow {
        case_href: clock_href(clock),
        reference: clock.reference.clone(),
        name,
        due: describe_due(clock.clock.due),
        tag,
        tag_class,
        overdue,
    }
}

/// A clock as the JSON API gives it.
pub(crate) fn clock_json(clock: &CaseClock, now: i64) -> Value {
    let due = match clock.clock.due {
        Due::Date(date) => date.to_string(),
        Due::Instant(at) => format!(
            "{}T{:02}:{:02}:{:02}Z",
            at.date(),
            at.to_offset(time::UtcOffset::UTC).hour(),
            at.minute(),
            at.second()
        ),
    };
    let kind = match clock.clock.kind {
        ClockKind::Deadline => "deadline",
        ClockKind::EarliestAction => "earliest-action",
        ClockKind::Expiry => "expiry",
        ClockKind::Review => "review",
    };
    let (_, _, overdue) = standing(clock, now);
    json!({
        "case": clock.case.0,
        "reference": clock.reference,
        "source": clock.source.as_str(),
        "power": match clock.source { ClockSource::Power { id, .. } => Some(id), _ => None },
        "power_kind": match clock.source {
            ClockSource::Power { kind, .. } => Some(kind.as_str()),
            _ => None,
        },
        "application": match &clock.source {
            ClockSource::TriggerApplication { id, reference } => {
                Some(json!({ "id": id, "reference": reference }))
            }
            _ => None,
        },
        "name": clock.clock.name,
        "kind": kind,
        "due": due,
        "overdue": overdue,
    })
}

/// A power as the case's powers table shows it.
#[derive(Debug, Clone)]
pub(crate) struct PowerRow {
    pub(crate) label: &'static str,
    pub(crate) recipient: String,
    pub(crate) details: Vec<String>,
    pub(crate) status: &'static str,
    pub(crate) status_class: &'static str,
}

fn status_tag(status: &str) -> (&'static str, &'static str) {
    match status {
        "in-force" => ("In force", "app-tag--green"),
        "appeal-pending" => ("Appeal pending", "app-tag--yellow"),
        "quashed" => ("Quashed", "app-tag--grey"),
        _ => ("Ended", "app-tag--grey"),
    }
}

fn requirement_label(kind: RequirementKind) -> &'static str {
    match kind {
        RequirementKind::Stop => "Stop",
        RequirementKind::Do => "Do",
        RequirementKind::TakeSteps => "Take steps",
    }
}

fn power_row(power: &Power) -> PowerRow {
    let date = |text: &Option<String>| text.as_deref().map(show_date).unwrap_or_default();
    let mut details = Vec::new();
    if let Some(conduct) = &power.conduct {
        details.push(format!("Conduct: {conduct}"));
    }
    match power.kind {
        PowerKind::Cpw => details.push(format!(
            "Given {}; time to stop ends {}",
            date(&power.issued_on),
            date(&power.comply_by_on)
        )),
        PowerKind::Cpn => {
            details.push(format!("Issued {}", date(&power.issued_on)));
            for requirement in &power.requirements {
                let by = requirement
                    .deadline_on
                    .as_deref()
                    .map(|d| format!(" (by {})", show_date(d)))
                    .unwrap_or_default();
                let suspended =
                    if requirement.in_force { "" } else { " (suspended pending appeal)" };
                details.push(format!(
                    "{}: {}{by}{suspended}",
                    requirement_label(requirement.kind),
                    requirement.text
                ));
            }
        }
        PowerKind::Fpn => {
            let amount = power.amount_pence.map(pounds).unwrap_or_default();
            let early = match (power.early_amount_pence, &power.early_by_on) {
                (Some(pence), Some(by)) => {
                    format!(" ({} if paid by {})", pounds(pence), show_date(by))
                }
                _ => String::new(),
            };
            details.push(format!("{amount}{early}; pay by {}", date(&power.pay_by_on)));
            details.push(format!(
                "Offence on {}; given {}; rules in force from {}",
                date(&power.offence_on),
                date(&power.issued_on),
                date(&power.rules_valid_from_on)
            ));
        }
        PowerKind::ClosureNotice => {
            let served = power
                .served_at
                .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
                .map(show_instant)
                .unwrap_or_default();
            let issuer = match power.issuer.as_deref() {
                Some("local-authority") => "the local authority",
                _ => "a police inspector or above",
            };
            details.push(format!(
                "Served {served} for {} hours by {issuer}",
                power.hours.unwrap_or_default()
            ));
        }
        PowerKind::ClosureOrder => details.push(format!(
            "Made {}; until {}",
            date(&power.issued_on),
            date(&power.until_on)
        )),
        PowerKind::Pspo => {
            details.push(format!(
                "Made {}; in force until {}",
                date(&power.issued_on),
                date(&power.until_on)
            ));
            if power.extended_on.is_some() {
                details.push(format!("Extended on {}", date(&power.extended_on)));
            }
        }
        PowerKind::Injunction => {
            let until = match &power.until_on {
                Some(until) => format!("; until {}", show_date(until)),
                None => String::new(),
            };
            details.push(format!("Granted {}{until}", date(&power.issued_on)));
            if power.power_of_arrest == Some(true) {
                details.push("Power of arrest attached".to_string());
            }
        }
        PowerKind::Prosecution => details.push(format!("Offence on {}", date(&power.offence_on))),
    }
    if let Some(lodged) = &power.appeal_lodged_on {
        let outcome = power.appeal_outcome.as_deref().map(|o| format!(": {o}")).unwrap_or_default();
        details.push(format!("Appeal lodged {}{outcome}", show_date(lodged)));
    }
    let (status, status_class) = status_tag(&power.status);
    PowerRow {
        label: power.kind.label(),
        recipient: power.subject_name.clone().unwrap_or_else(|| "—".to_string()),
        details,
        status,
        status_class,
    }
}

/// A link to one of the forms.
#[derive(Debug, Clone)]
pub(crate) struct FormLink {
    pub(crate) href: String,
    pub(crate) label: &'static str,
}

/// `/cases/{id}/powers`.
#[derive(Template)]
#[template(path = "powers.html")]
pub(crate) struct PowersPage {
    pub(crate) layout: Layout,
    pub(crate) case_href: String,
    pub(crate) reference: String,
    pub(crate) powers: Vec<PowerRow>,
    pub(crate) clocks: Vec<ClockRow>,
    pub(crate) forms: Vec<FormLink>,
}

/// A radio button.
#[derive(Debug, Clone)]
pub(crate) struct RadioOption {
    pub(crate) value: &'static str,
    pub(crate) label: &'static str,
}

/// `/cases/{id}/powers/{kind}`: one form.
#[derive(Template)]
#[template(path = "powers_form.html")]
pub(crate) struct FormStatePage {
    pub(crate) layout: Layout,
    pub(crate) action: String,
    pub(crate) back_href: String,
    pub(crate) reference: String,
    pub(crate) heading: &'static str,
    pub(crate) button: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) form: FormState,
    pub(crate) recipients: Vec<SelectOption>,
    pub(crate) notices: Vec<SelectOption>,
    pub(crate) issuers: Vec<RadioOption>,
    pub(crate) yes_no: Vec<RadioOption>,
}

/// `/due`.
#[derive(Template)]
#[template(path = "powers_due.html")]
pub(crate) struct DuePage {
    pub(crate) layout: Layout,
    pub(crate) until: String,
    pub(crate) clocks: Vec<ClockRow>,
    pub(crate) overdue: usize,
}

/// `GET /cases/{id}/powers`.
async fn show_powers(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let case = parse_case(&id)?;
    let viewer = case_viewer(&state, &signed_in.user, case).await?;
    let now = state.now();
    let loaded = state.store.case_powers(&viewer, case, now).await?;
    let page = PowersPage {
        layout: Layout::new(
            format!("Enforcement powers: {}", loaded.reference),
            &signed_in.ctx,
            Section::Cases,
        )
        .crumb("Cases", "/cases")
        .crumb(loaded.reference.clone(), format!("/cases/{}", case.0)),
        case_href: format!("/cases/{}", case.0),
        reference: loaded.reference.clone(),
        powers: loaded.powers.iter().map(power_row).collect(),
        clocks: loaded.clocks.iter().map(|c| clock_row(c, now)).collect(),
        forms: FormKind::ALL
            .into_iter()
            .map(|k| FormLink {
                href: format!("/cases/{}/powers/{}", case.0, k.slug()),
                label: k.heading(),
            })
            .collect(),
    };
    Ok(render(&page)?.into_response())
}

fn form_page(
    signed_in: &SignedIn,
    loaded: &CasePowers,
    kind: FormKind,
    form: FormState,
) -> FormStatePage {
    let title = if form.errors.is_empty() {
        kind.heading().to_string()
    } else {
        format!("Error: {}", kind.heading())
    };
    let chosen = |field: &str, id: String| form.value(field) == id;
    let mut recipients = vec![SelectOption {
        value: String::new(),
        label: "Choose a person or premises".to_string(),
        selected: form.value("subject").is_empty(),
    }];
    recipients.extend(loaded.recipients.iter().map(|r| SelectOption {
        selected: chosen("subject", r.id.0.to_string()),
        value: r.id.0.to_string(),
        label: match r.kind {
            SubjectKind::Premises => format!("{} (premises)", r.name),
            _ => r.name.clone(),
        },
    }));
    let wanted: &[PowerKind] = match kind {
        FormKind::Appeal => &[PowerKind::Cpn, PowerKind::ClosureOrder],
        _ => &[PowerKind::Cpn],
    };
    let mut notices = vec![SelectOption {
        value: String::new(),
        label: "Choose a notice or order".to_string(),
        selected: form.value("power").is_empty(),
    }];
    notices.extend(loaded.powers.iter().filter(|p| wanted.contains(&p.kind)).map(|p| {
        let on = p.issued_on.as_deref().map(show_date).unwrap_or_default();
        let to = p.subject_name.as_deref().map(|n| format!(" to {n}")).unwrap_or_default();
        SelectOption {
            selected: chosen("power", p.id.to_string()),
            value: p.id.to_string(),
            label: format!("{}{to}, {on}", p.kind.label()),
        }
    }));
    FormStatePage {
        layout: Layout::new(title, &signed_in.ctx, Section::Cases)
            .crumb("Cases", "/cases")
            .crumb(loaded.reference.clone(), format!("/cases/{}", loaded.case.0))
            .crumb("Enforcement powers", format!("/cases/{}/powers", loaded.case.0)),
        action: format!("/cases/{}/powers/{}", loaded.case.0, kind.slug()),
        back_href: format!("/cases/{}/powers", loaded.case.0),
        reference: loaded.reference.clone(),
        heading: kind.heading(),
        button: kind.button(),
        kind: kind.slug(),
        form,
        recipients,
        notices,
        issuers: vec![
            RadioOption {
                value: "police-inspector",
                label: "A police officer of the rank of inspector or above",
            },
            RadioOption {
                value: "police-below-inspector",
                label: "A police officer below the rank of inspector",
            },
            RadioOption { value: "local-authority", label: "The local authority" },
        ],
        yes_no: vec![
            RadioOption { value: "yes", label: "Yes" },
            RadioOption { value: "no", label: "No" },
        ],
    }
}

/// `GET /cases/{id}/powers/{kind}`.
async fn show_power_form(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((id, kind)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let case = parse_case(&id)?;
    let kind = FormKind::parse(&kind)?;
    let viewer = case_viewer(&state, &signed_in.user, case).await?;
    let loaded = state.store.case_powers(&viewer, case, state.now()).await?;
    let page = form_page(&signed_in, &loaded, kind, FormState::default());
    Ok(render(&page)?.into_response())
}

/// The field a rule's refusal belongs to, so the error summary links to it.
fn rule_field(kind: FormKind, message: &str) -> &'static str {
    if message.contains("requirement") {
        "requirements"
    } else if message.contains("aged")
        || message.contains("recipient")
        || message.contains("a person, or")
    {
        "subject"
    } else if message.contains("inspector") {
        "issuer"
    } else if message.contains("hours") {
        "hours"
    } else {
        match kind {
            FormKind::Cpw => "comply_by",
            FormKind::Cpn => "issued",
            FormKind::Appeal => "lodged",
            FormKind::Fpn => "offence",
            FormKind::ClosureNotice => "served",
            FormKind::ClosureOrder | FormKind::Pspo => "until",
            FormKind::Injunction => "until",
        }
    }
}

/// `POST /cases/{id}/powers/{kind}`: checks the form, asks the store (which applies the
/// statute), and goes back to the powers page; a refusal shows the form again with the
/// rule's words in the error summary.
async fn record_power(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((id, kind)): Path<(String, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let case = parse_case(&id)?;
    let kind = FormKind::parse(&kind)?;
    let viewer = case_viewer(&state, &signed_in.user, case).await?;
    let now = state.now();
    let loaded = state.store.case_powers(&viewer, case, now).await?;
    let mut form = FormState::from_pairs(fields, Vec::new());
    if record_from_form(&state, &viewer, &loaded, kind, &mut form, now).await? {
        Ok(Redirect::to(&format!("/cases/{}/powers", case.0)).into_response())
    } else {
        let page = form_page(&signed_in, &loaded, kind, form);
        Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
    }
}

/// Checks the fields of `kind` and records the power: `Ok(true)` when it was recorded,
/// `Ok(false)` when the form has errors, a refusal of the statute among them (in the rule's
/// words, on the field it belongs to). The form's page and the JSON API both record through
/// this.
pub(crate) async fn record_from_form(
    state: &AppState,
    viewer: &Viewer,
    loaded: &CasePowers,
    kind: FormKind,
    form: &mut FormState,
    now: i64,
) -> Result<bool, StoreError> {
    match submit(state, viewer, loaded, kind, form, now).await {
        Ok(outcome) => Ok(outcome.is_some() && form.errors.is_empty()),
        Err(StoreError::Rule(message)) => {
            form.fail(rule_field(kind, &message), plain_words(&message));
            Ok(false)
        }
        Err(other) => Err(other),
    }
}

/// Checks the fields of `kind` and, if they are complete, makes the store call. `Ok(None)`
/// when the form has errors of its own.
async fn submit(
    state: &AppState,
    viewer: &Viewer,
    loaded: &CasePowers,
    kind: FormKind,
    form: &mut FormState,
    now: i64,
) -> Result<Option<()>, StoreError> {
    let store = &state.store;
    let case = loaded.case;
    // A notice chosen on one case's form must be that case's.
    let own_power = |power: i64| {
        if loaded.powers.iter().any(|p| p.id == power) {
            Ok(())
        } else {
            Err(StoreError::NotFound)
        }
    };
    match kind {
        FormKind::Cpw => {
            let subject = form.id("subject", "Choose who the warning was given to");
            let conduct = form.text("conduct", "Enter the conduct the warning is about", 80);
            let issued = form.date("issued", "the day the warning was given");
            let comply_by = form.date("comply_by", "the last day of the time given to stop");
            let (Some(subject), Some(conduct), Some(issued), Some(comply_by)) =
                (subject, conduct, issued, comply_by)
            else {
                return Ok(None);
            };
            let warning = NewWarning {
                subject: SubjectId(subject),
                conduct: &conduct,
                issued_on: &issued,
                comply_by_on: &comply_by,
            };
            store.record_cpw(viewer, case, &warning, now).await?;
        }
        FormKind::Cpn => {
            let subject = form.id("subject", "Choose who the notice is for");
            let conduct = form.text("conduct", "Enter the conduct the notice is about", 80);
            let issued = form.date("issued", "the day the notice is issued");
            let requirements = requirements(form);
            let (Some(subject), Some(conduct), Some(issued), Some(requirements)) =
                (subject, conduct, issued, requirements)
            else {
                return Ok(None);
            };
            let cpn = NewCpn {
                subject: SubjectId(subject),
                conduct: &conduct,
                issued_on: &issued,
                requirements,
            };
            store.issue_cpn_under(viewer, case, &cpn, &state.config.casework.powers, now).await?;
        }
        FormKind::Appeal => {
            let power = form.id("power", "Choose the notice or order appealed");
            let lodged = form.date("lodged", "the day the appeal was lodged");
            let (Some(power), Some(lodged)) = (power, lodged) else { return Ok(None) };
            own_power(power)?;
            store.record_appeal(viewer, power, &lodged, now).await?;
        }
        FormKind::Fpn => {
            let power = form.id("power", "Choose the CPN that was not complied with");
            let offence = form.date("offence", "the day of the failure to comply");
            let given = form.date("given", "the day the penalty notice is given");
            let (Some(power), Some(offence), Some(given)) = (power, offence, given) else {
                return Ok(None);
            };
            own_power(power)?;
            store
                .issue_fpn(viewer, power, &offence, &given, &state.config.casework.powers, now)
                .await?;
        }
        FormKind::ClosureNotice => {
            let issuer = match form.value("issuer") {
                "police-inspector" => Some(ClosureIssuer::PoliceInspectorOrAbove),
                "police-below-inspector" => Some(ClosureIssuer::PoliceBelowInspector),
                "local-authority" => Some(ClosureIssuer::LocalAuthority),
                _ => {
                    form.fail("issuer", "Choose who issued the notice");
                    None
                }
            };
            let served = form.date("served", "the day the notice was served");
            let time_of_day = served_time(form);
            let hours = match form.value("hours").trim().parse::<u8>() {
                Ok(hours) if hours > 0 => Some(hours),
                _ => {
                    form.fail("hours", "Enter how many hours the notice lasts, from 1 to 24");
                    None
                }
            };
            let (Some(issuer), Some(served), Some((hour, minute)), Some(hours)) =
                (issuer, served, time_of_day, hours)
            else {
                return Ok(None);
            };
            let served_at = served_at(&served, hour, minute);
            store.issue_closure_notice(viewer, case, issuer, served_at, hours, now).await?;
        }
        FormKind::ClosureOrder => {
            let made = form.date("made", "the day the order was made");
            let until = form.date("until", "the last day the order has effect");
            let (Some(made), Some(until)) = (made, until) else { return Ok(None) };
            store.make_closure_order(viewer, case, &made, &until, now).await?;
        }
        FormKind::Pspo => {
            let made = form.date("made", "the day the order was made");
            let until = form.optional_date("until", "the last day the order has effect");
            let (Some(made), Some(until)) = (made, until) else { return Ok(None) };
            store.make_pspo(viewer, case, &made, until.as_deref(), now).await?;
        }
        FormKind::Injunction => {
            let subject = form.id("subject", "Choose the respondent");
            let granted = form.date("granted", "the day it was granted");
            let until = form.optional_date("until", "the last day it has effect");
            let arrest = match form.value("arrest") {
                "yes" => Some(true),
                "no" => Some(false),
                _ => {
                    form.fail("arrest", "Say whether a power of arrest is attached");
                    None
                }
            };
            let (Some(subject), Some(granted), Some(until), Some(arrest)) =
                (subject, granted, until, arrest)
            else {
                return Ok(None);
            };
            store
                .record_injunction(
                    viewer,
                    case,
                    SubjectId(subject),
                    &granted,
                    until.as_deref(),
                    arrest,
                    now,
                )
                .await?;
        }
    }
    Ok(Some(()))
}

/// The CPN's requirements, one a line: `Stop: …`, `Do: …` or `Take steps: …`, each optionally
/// ending `by YYYY-MM-DD`.
fn requirements(form: &mut FormState) -> Option<Vec<NewRequirement>> {
    let text = form.value("requirements").to_string();
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    if lines.is_empty() {
        form.fail(
            "requirements",
            "Enter at least one requirement: to stop, to do, or to take reasonable steps",
        );
        return None;
    }
    let mut requirements = Vec::new();
    for (idx, line) in lines.iter().enumerate() {
        let (head, rest) = line.split_once(':').unwrap_or(("", line));
        let kind = match head.trim().to_lowercase().as_str() {
            "stop" => RequirementKind::Stop,
            "do" => RequirementKind::Do,
            "take steps" | "take-steps" | "take reasonable steps" => RequirementKind::TakeSteps,
            _ => {
                form.fail(
                    "requirements",
                    format!("Start requirement {} with Stop:, Do: or Take steps:", idx + 1),
                );
                return None;
            }
        };
        let rest = rest.trim();
        let (text, deadline_on) = match rest.rsplit_once(" by ") {
            Some((text, date)) if is_iso_date(date.trim()) => {
                (text.trim(), Some(date.trim().to_string()))
            }
            _ => (rest, None),
        };
        if text.is_empty() {
            form.fail("requirements", format!("Say what requirement {} requires", idx + 1));
            return None;
        }
        requirements.push(NewRequirement { kind, text: text.to_string(), deadline_on });
    }
    Some(requirements)
}

/// The time of service, `HH:MM` (24-hour, UTC).
fn served_time(form: &mut FormState) -> Option<(u8, u8)> {
    let text = form.value("served_time").trim().to_string();
    let parsed = text.split_once(':').and_then(|(h, m)| {
        let (hour, minute) = (h.parse::<u8>().ok()?, m.parse::<u8>().ok()?);
        (hour < 24 && minute < 60 && m.len() == 2).then_some((hour, minute))
    });
    if parsed.is_none() {
        form.fail("served_time", "Enter the time the notice was served, such as 10:30");
    }
    parsed
}

/// Unix seconds of a day and time in UTC.
fn served_at(iso: &str, hour: u8, minute: u8) -> i64 {
    let date = time::Date::parse(iso, time::macros::format_description!("[year]-[month]-[day]"))
        .unwrap_or(time::Date::MIN);
    date.midnight().assume_utc().unix_timestamp() + i64::from(hour) * 3600 + i64::from(minute) * 60
}

/// `GET /due`: every clock on the user's cases due within the next weeks, overdue ones
/// included, soonest first.
async fn show_due(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Response, AppError> {
    let (partnership, viewer) = home_viewer(&signed_in.user)?;
    let now = state.now();
    let until = today(now) + Duration::weeks(DUE_WEEKS);
    let clocks = state.store.due_list(&viewer, partnership, &until.to_string(), now).await?;
    let rows: Vec<ClockRow> = clocks.iter().map(|c| clock_row(c, now)).collect();
    let page = DuePage {
        layout: Layout::new("Due and overdue", &signed_in.ctx, Section::Due)
            .crumb("Cases", "/cases"),
        until: show_date(&until.to_string()),
        overdue: rows.iter().filter(|r| r.overdue).count(),
        clocks: rows,
    };
    Ok(render(&page)?.into_response())
}

/// The JSON API's answer to a request without a session.
fn unauthorised() -> Response {
    (StatusCode::UNAUTHORIZED, Json(json!({ "error": "sign in first" }))).into_response()
}

fn api_error(err: AppError) -> Response {
    match err {
        AppError::NotFound => {
            (StatusCode::NOT_FOUND, Json(json!({ "error": "not found" }))).into_response()
        }
        other => other.into_response(),
    }
}

/// `GET /api/v1/cases/{id}/clocks`.
async fn api_case_clocks(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Response {
    let Some(user) = ctx.user.as_ref() else { return unauthorised() };
    let result: Result<Value, AppError> = async {
        let case = parse_case(&id)?;
        let viewer = case_viewer(&state, user, case).await?;
        let now = state.now();
        let clocks = state.store.case_clocks(&viewer, case, now).await?;
        Ok(json!({
            "case": case.0,
            "clocks": clocks.iter().map(|c| clock_json(c, now)).collect::<Vec<_>>(),
        }))
    }
    .await;
    match result {
        Ok(body) => Json(body).into_response(),
        Err(err) => api_error(err),
    }
}

/// `GET /api/v1/due`: the due list as `/due` shows it.
async fn api_due(State(state): State<AppState>, ctx: Ctx) -> Response {
    let Some(user) = ctx.user.as_ref() else { return unauthorised() };
    let result: Result<Value, AppError> = async {
        let (partnership, viewer) = home_viewer(user)?;
        let now = state.now();
        let until = (today(now) + Duration::weeks(DUE_WEEKS)).to_string();
        let clocks = state.store.due_list(&viewer, partnership, &until, now).await?;
        Ok(json!({
            "until": until,
            "clocks": clocks.iter().map(|c| clock_json(c, now)).collect::<Vec<_>>(),
        }))
    }
    .await;
    match result {
        Ok(body) => Json(body).into_response(),
        Err(err) => api_error(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_messages_are_written_out_in_plain_words() {
        assert_eq!(
            plain_words("too soon for a CPN: the warning gave until 2026-03-16 to stop, so a CPN may be issued from 2026-03-17"),
            "Too soon for a CPN: the warning gave until 16 March 2026 to stop, so a CPN may be issued from 17 March 2026"
        );
        assert_eq!(plain_words("no date here"), "No date here");
    }

    #[test]
    fn requirements_are_one_a_line_with_a_kind() {
        let mut form = FormState::from_pairs(
            vec![(
                "requirements".to_string(),
                "Stop: playing music after 23:00\n\ntake steps: fit a limiter by 2026-04-30"
                    .to_string(),
            )],
            Vec::new(),
        );
        let parsed = requirements(&mut form).unwrap();
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed[0].kind, RequirementKind::Stop);
        assert_eq!(parsed[0].text, "playing music after 23:00");
        assert_eq!(parsed[1].kind, RequirementKind::TakeSteps);
        assert_eq!(parsed[1].deadline_on.as_deref(), Some("2026-04-30"));
        let mut bad = FormState::from_pairs(
            vec![("requirements".to_string(), "be nice".to_string())],
            Vec::new(),
        );
        assert!(requirements(&mut bad).is_none());
        assert_eq!(
            bad.error("requirements"),
            Some("Start requirement 1 with Stop:, Do: or Take steps:")
        );
    }

    #[test]
    fn dates_come_from_three_boxes() {
        let fields = |d: &str, m: &str, y: &str| {
            FormState::from_pairs(
                vec![
                    ("issued_day".to_string(), d.to_string()),
                    ("issued_month".to_string(), m.to_string()),
                    ("issued_year".to_string(), y.to_string()),
                ],
                Vec::new(),
            )
        };
        assert_eq!(
            fields("2", "3", "2026").date("issued", "the day").as_deref(),
            Some("2026-03-02")
        );
        let mut bad = fields("30", "2", "2026");
        assert!(bad.date("issued", "the day").is_none());
        assert_eq!(bad.error("issued"), Some("The day must be a real date"));
        let mut empty = fields("", "", "");
        assert!(empty.date("issued", "the day").is_none());
        assert_eq!(empty.error("issued"), Some("Enter the day"));
        assert_eq!(served_at("1970-01-02", 10, 30), 86_400 + 37_800);
    }
}
