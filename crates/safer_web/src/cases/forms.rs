//! The case forms: what each posts, how it is checked, and the values and errors a page shows
//! again when a check fails. The JSON API checks the same fields with the same messages.

use safer_domain::case::{is_iso_date, CaseType, Consent, LegalBasis, LinkRole, SubjectKind};
use safer_domain::ids::{AgencyId, SubjectId, UserId};
use safer_storage::NewSubject;
use serde::{Deserialize, Serialize};

use crate::views::FieldError;

pub(crate) use crate::form::FormState;

fn error(field: &'static str, message: impl Into<String>) -> FieldError {
    FieldError { field, message: message.into() }
}

/// A date typed as day, month and year; `what` names it in messages ("the date the case was
/// opened"), `label` starts the "must be a real date" message ("Date opened").
pub(crate) fn date_parts(
    field: &'static str,
    what: &str,
    label: &str,
    (day, month, year): (&str, &str, &str),
    required: bool,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let (day, month, year) = (day.trim(), month.trim(), year.trim());
    if day.is_empty() && month.is_empty() && year.is_empty() {
        if required {
            errors.push(error(field, format!("Enter {what}")));
        }
        return None;
    }
    let number = |text: &str| -> Option<u32> {
        (!text.is_empty() && text.len() <= 4 && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| text.parse().ok())
            .flatten()
    };
    let missing: Vec<&str> = [("day", day), ("month", month), ("year", year)]
        .into_iter()
        .filter(|(_, v)| v.is_empty())
        .map(|(name, _)| name)
        .collect();
    if !missing.is_empty() {
        errors.push(error(field, format!("{label} must include a {}", missing.join(" and "))));
        return None;
    }
    match (number(day), number(month), number(year)) {
        (Some(d), Some(m), Some(y)) if year.len() == 4 => {
            let iso = format!("{y:04}-{m:02}-{d:02}");
            if is_iso_date(&iso) {
                Some(iso)
            } else {
                errors.push(error(field, format!("{label} must be a real date")));
                None
            }
        }
        (_, _, Some(_)) if year.len() != 4 => {
            errors.push(error(field, format!("{label} must include a year with 4 numbers")));
            None
        }
        _ => {
            errors.push(error(field, format!("{label} must be a real date")));
            None
        }
    }
}

/// A date given as `YYYY-MM-DD` (the JSON API).
pub(crate) fn iso_date(
    field: &'static str,
    what: &str,
    label: &str,
    text: Option<&str>,
    required: bool,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => {
            if required {
                errors.push(error(field, format!("Enter {what}")));
            }
            None
        }
        Some(text) if is_iso_date(text) => Some(text.to_string()),
        Some(_) => {
            errors.push(error(field, format!("{label} must be a real date, as YYYY-MM-DD")));
            None
        }
    }
}

/// Text that must be given and not too long.
fn text(
    field: &'static str,
    value: &str,
    missing: &str,
    label: &str,
    max_chars: usize,
    errors: &mut Vec<FieldError>,
) -> String {
    let value = value.trim();
    if value.is_empty() {
        errors.push(error(field, missing));
    } else if value.chars().count() > max_chars {
        errors.push(error(field, format!("{label} must be {max_chars} characters or fewer")));
    }
    value.to_string()
}

/// Text that may be left out.
fn optional_text(
    field: &'static str,
    value: &str,
    label: &str,
    max_chars: usize,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let value = value.trim();
    if value.chars().count() > max_chars {
        errors.push(error(field, format!("{label} must be {max_chars} characters or fewer")));
    }
    (!value.is_empty()).then(|| value.to_string())
}

/// One of a vocabulary's values.
fn choice<T: std::str::FromStr>(
    field: &'static str,
    value: &str,
    missing: &str,
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    match value.parse::<T>() {
        Ok(v) => Some(v),
        Err(_) => {
            errors.push(error(field, missing));
            None
        }
    }
}

fn id_choice(
    field: &'static str,
    value: &str,
    missing: &str,
    errors: &mut Vec<FieldError>,
) -> Option<i64> {
    match value.trim().parse::<i64>() {
        Ok(id) if id > 0 => Some(id),
        _ => {
            errors.push(error(field, missing));
            None
        }
    }
}

fn not_after(
    field: &'static str,
    date: &Option<String>,
    limit: &str,
    message: &str,
    errors: &mut Vec<FieldError>,
) {
    if date.as_deref().is_some_and(|d| d > limit) && !errors.iter().any(|e| e.field == field) {
        errors.push(error(field, message));
    }
}

/// The new-case form.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub(crate) struct NewCaseForm {
    pub(crate) case_type: String,
    pub(crate) summary: String,
    pub(crate) opened_day: String,
    pub(crate) opened_month: String,
    pub(crate) opened_year: String,
}

/// A case to open, checked.
#[derive(Debug)]
pub(crate) struct ValidCase {
    pub(crate) case_type: CaseType,
    pub(crate) summary: String,
    pub(crate) opened_on: String,
}

pub(crate) fn check_case(
    case_type: &str,
    summary: &str,
    opened_on: Option<String>,
    today: &str,
    mut errors: Vec<FieldError>,
) -> Result<ValidCase, Vec<FieldError>> {
    let mut head = Vec::new();
    let case_type =
        choice::<CaseType>("case_type", case_type, "Select the type of case", &mut head);
    let summary =
        text("summary", summary, "Enter a summary of the case", "Summary", 200, &mut head);
    head.append(&mut errors);
    not_after("opened", &opened_on, today, "Date opened must be today or in the past", &mut head);
    match (case_type, opened_on) {
        (Some(case_type), Some(opened_on)) if head.is_empty() => {
            Ok(ValidCase { case_type, summary, opened_on })
        }
        _ => Err(head),
    }
}

impl NewCaseForm {
    pub(crate) fn check(&self, today: &str) -> Result<ValidCase, Vec<FieldError>> {
        let mut errors = Vec::new();
        let opened = date_parts(
            "opened",
            "the date the case was opened",
            "Date opened",
            (&self.opened_day, &self.opened_month, &self.opened_year),
            true,
            &mut errors,
        );
        check_case(&self.case_type, &self.summary, opened, today, errors)
    }
}

/// The add-incident form.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub(crate) struct IncidentForm {
    pub(crate) occurred_day: String,
    pub(crate) occurred_month: String,
    pub(crate) occurred_year: String,
    pub(crate) reported_day: String,
    pub(crate) reported_month: String,
    pub(crate) reported_year: String,
    pub(crate) category: String,
    pub(crate) location: String,
    pub(crate) description: String,
}

/// An incident, checked.
#[derive(Debug)]
pub(crate) struct ValidIncident {
    pub(crate) occurred_on: String,
    pub(crate) reported_on: String,
    pub(crate) category: String,
    pub(crate) location: Option<String>,
    pub(crate) description: String,
}

pub(crate) fn check_incident(
    occurred_on: Option<String>,
    reported_on: Option<String>,
    category: &str,
    location: &str,
    description: &str,
    today: &str,
    mut errors: Vec<FieldError>,
) -> Result<ValidIncident, Vec<FieldError>> {
    not_after(
        "occurred",
        &occurred_on,
        today,
        "Date it happened must be today or in the past",
        &mut errors,
    );
    not_after(
        "reported",
        &reported_on,
        today,
        "Date reported must be today or in the past",
        &mut errors,
    );
    if let (Some(occurred), Some(reported)) = (&occurred_on, &reported_on) {
        if reported < occurred && !errors.iter().any(|e| e.field == "reported") {
            errors.push(error(
                "reported",
                "Date reported must be the same as or after the date it happened",
            ));
        }
    }
    let category =
        text("category", category, "Enter the kind of behaviour", "Category", 80, &mut errors);
    let location = optional_text("location", location, "Location", 200, &mut errors);
    let description =
        text("description", description, "Enter what happened", "Description", 5000, &mut errors);
    match (occurred_on, reported_on) {
        (Some(occurred_on), Some(reported_on)) if errors.is_empty() => {
            Ok(ValidIncident { occurred_on, reported_on, category, location, description })
        }
        _ => Err(errors),
    }
}

impl IncidentForm {
    pub(crate) fn check(&self, today: &str) -> Result<ValidIncident, Vec<FieldError>> {
        let mut errors = Vec::new();
        let occurred = date_parts(
            "occurred",
            "the date it happened",
            "Date it happened",
            (&self.occurred_day, &self.occurred_month, &self.occurred_year),
            true,
            &mut errors,
        );
        let reported = date_parts(
            "reported",
            "the date it was reported",
            "Date reported",
            (&self.reported_day, &self.reported_month, &self.reported_year),
            true,
            &mut errors,
        );
        check_incident(
            occurred,
            reported,
            &self.category,
            &self.location,
            &self.description,
            today,
            errors,
        )
    }
}

/// The add-note form.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub(crate) struct NoteForm {
    pub(crate) note: String,
}

pub(crate) fn check_note(body: &str) -> Result<String, Vec<FieldError>> {
    let mut errors = Vec::new();
    let body = text("note", body, "Enter the note", "Note", 10_000, &mut errors);
    if errors.is_empty() {
        Ok(body)
    } else {
        Err(errors)
    }
}

/// The add-task form.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub(crate) struct TaskForm {
    pub(crate) title: String,
    pub(crate) owner: String,
    pub(crate) due_day: String,
    pub(crate) due_month: String,
    pub(crate) due_year: String,
}

/// A task, checked.
#[derive(Debug)]
pub(crate) struct ValidTask {
    pub(crate) title: String,
    pub(crate) owner: UserId,
    pub(crate) due_on: String,
}

pub(crate) fn check_task(
    title: &str,
    owner: &str,
    due_on: Option<String>,
    mut errors: Vec<FieldError>,
) -> Result<ValidTask, Vec<FieldError>> {
    let mut head = Vec::new();
    let title = text("title", title, "Enter what needs doing", "Task", 200, &mut head);
    let owner = id_choice("owner", owner, "Select who will do it", &mut head);
    head.append(&mut errors);
    match (owner, due_on) {
        (Some(owner), Some(due_on)) if head.is_empty() => {
            Ok(ValidTask { title, owner: UserId(owner), due_on })
        }
        _ => Err(head),
    }
}

impl TaskForm {
    pub(crate) fn check(&self) -> Result<ValidTask, Vec<FieldError>> {
        let mut errors = Vec::new();
        let due = date_parts(
            "due",
            "the date it is due",
            "Due date",
            (&self.due_day, &self.due_month, &self.due_year),
            true,
            &mut errors,
        );
        check_task(&self.title, &self.owner, due, errors)
    }
}

/// The add-subject form (also carried, hidden, on the duplicate warning).
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub(crate) struct SubjectForm {
    pub(crate) kind: String,
    pub(crate) name: String,
    pub(crate) born_day: String,
    pub(crate) born_month: String,
    pub(crate) born_year: String,
    pub(crate) address: String,
    pub(crate) postcode: String,
    pub(crate) part: String,
    pub(crate) consent: String,
}

/// A subject, checked.
#[derive(Debug)]
pub(crate) struct ValidSubject {
    pub(crate) kind: SubjectKind,
    pub(crate) name: String,
    pub(crate) born_on: Option<String>,
    pub(crate) address: Option<String>,
    pub(crate) postcode: Option<String>,
    pub(crate) part: LinkRole,
    pub(crate) consent: Consent,
}

impl ValidSubject {
    /// The subject to store.
    pub(crate) fn new_subject(&self) -> NewSubject<'_> {
        NewSubject {
            kind: self.kind,
            name: &self.name,
            born_on: self.born_on.as_deref(),
            address: self.address.as_deref(),
            postcode: self.postcode.as_deref(),
        }
    }
}

impl SubjectForm {
    pub(crate) fn check(&self, today: &str) -> Result<ValidSubject, Vec<FieldError>> {
        let mut errors = Vec::new();
        let kind =
            choice::<SubjectKind>("kind", &self.kind, "Select what the subject is", &mut errors);
        let name = text("name", &self.name, "Enter the name", "Name", 200, &mut errors);
        let born_on = date_parts(
            "born",
            "the date of birth",
            "Date of birth",
            (&self.born_day, &self.born_month, &self.born_year),
            false,
            &mut errors,
        );
        not_after("born", &born_on, today, "Date of birth must be in the past", &mut errors);
        let address = optional_text("address", &self.address, "Address", 300, &mut errors);
        let postcode = optional_text("postcode", &self.postcode, "Postcode", 10, &mut errors);
        let part =
            choice::<LinkRole>("part", &self.part, "Select their part in the case", &mut errors);
        let consent =
            choice::<Consent>("consent", &self.consent, "Select what they agreed to", &mut errors);
        match (kind, part, consent) {
            (Some(kind), Some(part), Some(consent)) if errors.is_empty() => {
                Ok(ValidSubject { kind, name, born_on, address, postcode, part, consent })
            }
            _ => Err(errors),
        }
    }
}

/// "Use this record" on the duplicate warning.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub(crate) struct LinkForm {
    pub(crate) subject: String,
    pub(crate) part: String,
    pub(crate) consent: String,
}

impl LinkForm {
    pub(crate) fn check(&self) -> Option<(SubjectId, LinkRole, Consent)> {
        let subject = self.subject.parse::<i64>().ok().filter(|id| *id > 0)?;
        Some((SubjectId(subject), self.part.parse().ok()?, self.consent.parse().ok()?))
    }
}

/// The share form.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub(crate) struct ShareForm {
    pub(crate) agency: String,
    pub(crate) purpose: String,
    pub(crate) legal_basis: String,
}

impl ShareForm {
    pub(crate) fn check(&self) -> Result<(AgencyId, String, LegalBasis), Vec<FieldError>> {
        let mut errors = Vec::new();
        let agency =
            id_choice("agency", &self.agency, "Select the agency to share with", &mut errors);
        let purpose = text(
            "purpose",
            &self.purpose,
            "Enter why the case is being shared",
            "Purpose",
            300,
            &mut errors,
        );
        let basis = choice::<LegalBasis>(
            "legal_basis",
            &self.legal_basis,
            "Select the legal basis for sharing",
            &mut errors,
        );
        match (agency, basis) {
            (Some(agency), Some(basis)) if errors.is_empty() => {
                Ok((AgencyId(agency), purpose, basis))
            }
            _ => Err(errors),
        }
    }
}

/// The add-team-member form.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub(crate) struct TeamForm {
    pub(crate) member: String,
}

impl TeamForm {
    pub(crate) fn check(&self) -> Result<UserId, Vec<FieldError>> {
        let mut errors = Vec::new();
        match id_choice("member", &self.member, "Select who to add to the team", &mut errors) {
            Some(id) => Ok(UserId(id)),
            None => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(day: &str, month: &str, year: &str) -> (Option<String>, Vec<String>) {
        let mut errors = Vec::new();
        let date = date_parts("d", "the date", "Date", (day, month, year), true, &mut errors);
        (date, errors.into_iter().map(|e| e.message).collect())
    }

    #[test]
    fn dates_in_three_parts_are_checked_as_gov_uk_asks() {
        assert_eq!(parts("4", "5", "1990"), (Some("1990-05-04".to_string()), vec![]));
        assert_eq!(parts("", "", "").1, ["Enter the date"]);
        assert_eq!(parts("31", "2", "2026").1, ["Date must be a real date"]);
        assert_eq!(parts("1", "", "2026").1, ["Date must include a month"]);
        assert_eq!(parts("", "", "2026").1, ["Date must include a day and month"]);
        assert_eq!(parts("1", "2", "26").1, ["Date must include a year with 4 numbers"]);
        assert_eq!(parts("x", "2", "2026").1, ["Date must be a real date"]);
    }

    #[test]
    fn a_new_case_needs_a_type_a_summary_and_a_past_date() {
        let form = NewCaseForm {
            case_type: "asb".into(),
            summary: " Noise ".into(),
            opened_day: "1".into(),
            opened_month: "10".into(),
            opened_year: "2026".into(),
        };
        let valid = form.check("2026-11-01").unwrap();
        assert_eq!((valid.summary.as_str(), valid.opened_on.as_str()), ("Noise", "2026-10-01"));
        let errors = form.check("2026-09-01").unwrap_err();
        assert_eq!(errors[0].message, "Date opened must be today or in the past");
        let empty = NewCaseForm::default().check("2026-11-01").unwrap_err();
        let fields: Vec<_> = empty.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["case_type", "summary", "opened"]);
    }

    #[test]
    fn values_are_kept_without_the_csrf_token() {
        let state = FormState::failed(&NoteForm { note: "hello".into() }, vec![]);
        assert_eq!(state.value("note"), "hello");
        assert_eq!(state.value("csrf_token"), "");
    }
}
