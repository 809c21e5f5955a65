//! The public dashboard ("Community safety in numbers") and the coordinators' page that writes
//! its "You said, we did" entries.
//!
//! `GET /public/dashboard` shows the borough: crime and ASB recorded by police each month (an
//! SVG chart with the numbers in a table), the latest 12 months against the 12 before when the
//! stored data covers both, the crime types, the wards, the plan's progress by priority from
//! its indicators, "You said, we did" and the Community Trigger figures the Act requires
//! published. `GET /public/dashboard/wards/{code}` shows one ward.
//!
//! These pages are served outside the session layer: no cookie is read or set, nothing depends
//! on who asks, and every figure is an aggregate, so a response carries
//! `Cache-Control: public, max-age=300` and a strong `ETag` (a hash of the body), and a request
//! whose `If-None-Match` names it gets 304 with no body.
//!
//! Which rows are the borough's: the LSOAs the ward and district lookup puts in the plan's
//! local authority districts (`lad_codes`), when the lookup is imported; otherwise the area of
//! the plan's first police.uk indicator; otherwise LSOAs named after the plan's area
//! (`Maidstone 001A`). Wards need the lookup.
//!
//! The staff page (`/you-said-we-did`, coordinators only, 404 for everyone else) is in
//! [`staff_router`], inside the session layer, since it has a form.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use safer_analytics::chart::{line_chart, LineChart, Series};
use safer_analytics::findings::format_count;
use safer_analytics::rag::{evaluate, Rag};
use safer_domain::geography::{is_gss_code, AreaKind, Geography};
use safer_domain::ids::{AgencyId, PartnershipId, UserId};
use safer_domain::indicator::Series as IndicatorSeries;
use safer_domain::month::{month_number, month_text};
use safer_storage::{
    police_uk_observations, street_area, NewYouSaidWeDid, StoreError, StoredPlan, StreetArea,
    StreetCount, HISTORY_MONTHS,
};
use sha2::{Digest, Sha256};

use super::{FrontDoor, PublicLayout, PublicSection};
use crate::error::render;
use crate::form::FormState;
use crate::format::{parse_id, show_date, show_month, today};
use crate::marac::date_from_parts;
use crate::session::{CurrentUser, SignedIn};
use crate::views::{FieldError, Layout, Section};
use crate::{AppError, AppState};

/// The public dashboard's routes, outside the session layer.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/public/dashboard", get(overview))
        .route("/public/dashboard/wards/{code}", get(ward_page))
}

/// The coordinators' "You said, we did" page; must be merged inside the session layer.
pub(crate) fn staff_router() -> Router<AppState> {
    Router::new()
        .route("/you-said-we-did", get(show_entries).post(add_entry))
        .route("/you-said-we-did/{id}/remove", post(remove_entry))
}

/// How long browsers and shared caches may keep a dashboard page.
const CACHE_CONTROL: &str = "public, max-age=300";

/// The crime type police.uk publishes anti-social behaviour under.
const ASB: &str = "Anti-social behaviour";

/// Months charted: two years, the longest comparison.
const CHART_MONTHS: i32 = 24;

// ---------------------------------------------------------------------------------------------
// Caching

/// The page with its caching headers, or 304 when the client already holds this body.
fn cacheable(request_headers: &HeaderMap, html: String) -> Response {
    let digest = Sha256::digest(html.as_bytes());
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    let etag = format!("\"{hex}\"");
    let matches = request_headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == etag || tag == "*");
    let mut response = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        axum::response::Html(html).into_response()
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE_CONTROL));
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    response
}

// ---------------------------------------------------------------------------------------------
// Months

/// A whole number with thousands separators.
fn count(n: i64) -> String {
    let digits = format_count(n.unsigned_abs());
    if n < 0 {
        format!("-{digits}")
    } else {
        digits
    }
}

// ---------------------------------------------------------------------------------------------
// The area and its figures

/// A ward of the borough.
#[derive(Debug, Clone)]
pub(crate) struct Ward {
    pub(crate) code: String,
    name: String,
    /// The LSOA codes (both vintages) whose rows are the ward's.
    codes: Vec<String>,
}

/// The borough the dashboard shows.
#[derive(Debug, Clone)]
pub(crate) struct Borough {
    name: String,
    pub(crate) area: StreetArea,
    /// Whether `area` is the LSOAs the national statistics lookup puts in the plan's districts
    /// (rather than the plan's police.uk indicator area or its name).
    pub(crate) from_lookup: bool,
    /// How the borough's rows are chosen, in words.
    how: String,
    pub(crate) wards: Vec<Ward>,
}

/// The partnership's area as the dashboard counts it (see the module notes): its name, the
/// street rows it selects, how, and its wards. Shared with the report journey's map.
pub(crate) async fn borough(
    state: &AppState,
    plan: Option<&StoredPlan>,
    geography: &Geography,
) -> Result<Option<Borough>, AppError> {
    let Some(plan) = plan else { return Ok(None) };
    let info = &plan.plan.plan;
    let lsoas: BTreeSet<String> =
        info.lad_codes.iter().flat_map(|lad| geography.lsoas_in(AreaKind::Lad, lad)).collect();
    if !lsoas.is_empty() {
        let mut by_ward: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for lsoa in &lsoas {
            if let Some(ward) = geography.ward_of(lsoa) {
                by_ward.entry(ward.to_string()).or_default().insert(lsoa.to_string());
            }
        }
        let mut wards: Vec<Ward> = by_ward
            .into_iter()
            .map(|(code, lsoas)| Ward {
                name: geography.name(&code).map_or_else(|| code.clone(), |n| n.name.clone()),
                codes: geography.area_codes(lsoas).codes.into_iter().collect(),
                code,
            })
            .collect();
        wards.sort_by(|a, b| (&a.name, &a.code).cmp(&(&b.name, &b.code)));
        let codes = geography.area_codes(lsoas).codes.into_iter().collect();
        return Ok(Some(Borough {
            name: info.area.clone(),
            area: StreetArea::LsoaCodes(codes),
            from_lookup: true,
            how: format!(
                "Figures for {} count crimes whose approximate location is in one of its \
                 neighbourhoods (lower layer super output areas) in the national statistics lookup.",
                info.area
            ),
            wards,
        }));
    }
    let indicator_area = state.store.plan_indicators(plan.id).await?.and_then(|file| {
        file.indicators.iter().find_map(|indicator| match &indicator.series {
            IndicatorSeries::PoliceUk { area, .. } => street_area(area),
            _ => None,
        })
    });
    let area = indicator_area.unwrap_or_else(|| StreetArea::District(info.area.clone()));
    let name = match &area {
        StreetArea::District(name) => name.clone(),
        _ => info.area.clone(),
    };
    Ok(Some(Borough {
        how: format!(
            "Figures for {name} count crimes whose approximate location is in one of its \
             neighbourhoods (lower layer super output areas) as police.uk names them."
        ),
        name,
        area,
        from_lookup: false,
        wards: Vec::new(),
    }))
}

/// One month's figures.
#[derive(Debug, Clone)]
pub(crate) struct MonthRow {
    pub(crate) month: String,
    /// `None` when the month's data is not held.
    pub(crate) crime: Option<i64>,
    pub(crate) asb: Option<i64>,
}

impl MonthRow {
    pub(crate) fn crime_text(&self) -> String {
        self.crime.map_or_else(|| "No data".to_string(), count)
    }

    pub(crate) fn asb_text(&self) -> String {
        self.asb.map_or_else(|| "No data".to_string(), count)
    }
}

/// One crime type's count over a period.
#[derive(Debug, Clone)]
pub(crate) struct TypeRow {
    pub(crate) crime_type: String,
    pub(crate) n: String,
}

/// An area's figures, ready for a page.
#[derive(Debug, Clone)]
pub(crate) struct Trend {
    /// The chart, an SVG built with every text escaped.
    pub(crate) chart_svg: String,
    pub(crate) months: Vec<MonthRow>,
    /// The period covered, in words, and the comparison when the data allows one.
    pub(crate) summary: Vec<String>,
    /// The period the crime types cover, in words.
    pub(crate) types_period: String,
    pub(crate) types: Vec<TypeRow>,
}

/// The months the imports ledger holds (any force), as month numbers.
async fn held_months(state: &AppState) -> Result<BTreeSet<i32>, AppError> {
    Ok(state
        .store
        .police_uk_street_months()
        .await?
        .iter()
        .filter_map(|m| month_number(&m.month))
        .collect())
}

fn change_words(what: &str, current: i64, previous: i64, period: &str, before: &str) -> String {
    let change = if previous == 0 {
        String::new()
    } else {
        let pct = 100.0 * (current - previous) as f64 / previous as f64;
        if pct.round() == 0.0 {
            ", about the same".to_string()
        } else if pct > 0.0 {
            format!(", {:.0}% more", pct)
        } else {
            format!(", {:.0}% fewer", -pct)
        }
    };
    format!(
        "In the 12 months {period}, police recorded {} {what}, compared with {} in the 12 months {before}{change}.",
        count(current),
        count(previous)
    )
}

async fn trend(
    state: &AppState,
    area: &StreetArea,
    title: &str,
    held: &BTreeSet<i32>,
) -> Result<Option<Trend>, AppError> {
    let Some(&latest) = held.iter().next_back() else { return Ok(None) };
    let window = latest + 1 - CHART_MONTHS;
    let first = held.range(window..).next().copied().unwrap_or(latest);
    let counts =
        state.store.police_uk_street_counts(area, &month_text(first), &month_text(latest)).await?;
    let mut crime: HashMap<&str, i64> = HashMap::new();
    let mut asb: HashMap<&str, i64> = HashMap::new();
    let last_12 = latest - 11;
    let mut types: BTreeMap<&str, i64> = BTreeMap::new();
    for row in &counts {
        let bucket = if row.crime_type == ASB { &mut asb } else { &mut crime };
        *bucket.entry(row.month.as_str()).or_default() += row.n_in_area;
        if month_number(&row.month).is_some_and(|m| m >= last_12) && row.n_in_area > 0 {
            *types.entry(row.crime_type.as_str()).or_default() += row.n_in_area;
        }
    }
    let months: Vec<MonthRow> = (first..=latest)
        .map(|number| {
            let month = month_text(number);
            let is_held = held.contains(&number);
            MonthRow {
                crime: is_held.then(|| crime.get(month.as_str()).copied().unwrap_or(0)),
                asb: is_held.then(|| asb.get(month.as_str()).copied().unwrap_or(0)),
                month: show_month(&month),
            }
        })
        .collect();
    let chart = LineChart {
        title: title.to_string(),
        labels: (first..=latest)
            .map(|number| {
                let text = show_month(&month_text(number));
                let (name, year) = text.split_once(' ').unwrap_or((&text, ""));
                format!("{} {year}", name.get(..3).unwrap_or(name))
            })
            .collect(),
        series: vec![
            Series {
                name: "Crimes (not ASB)".to_string(),
                values: months.iter().map(|m| m.crime.map(|n| n as f64)).collect(),
            },
            Series {
                name: "Anti-social behaviour".to_string(),
                values: months.iter().map(|m| m.asb.map(|n| n as f64)).collect(),
            },
        ],
        y_label: "Recorded by police each month".to_string(),
        width: 640,
        height: 320,
    };
    let n_held = (first..=latest).filter(|m| held.contains(m)).count();
    let span = format!("{} to {}", show_month(&month_text(first)), show_month(&month_text(latest)));
    let mut summary = vec![if n_held == (latest - first + 1) as usize {
        format!("The figures cover {n_held} months, {span}.")
    } else {
        format!(
            "The figures cover {span}, but {} of those months have not been published or loaded yet, so they show no data.",
            (latest - first + 1) as usize - n_held
        )
    }];
    let covers_two_years = (window..=latest).all(|m| held.contains(&m));
    if covers_two_years {
        let sum = |map: &HashMap<&str, i64>, from: i32, to: i32| -> i64 {
            (from..=to).map(|m| map.get(month_text(m).as_str()).copied().unwrap_or(0)).sum()
        };
        let period = format!("to {}", show_month(&month_text(latest)));
        let before = format!("to {}", show_month(&month_text(latest - 12)));
        summary.push(change_words(
            "crimes (not counting anti-social behaviour)",
            sum(&crime, last_12, latest),
            sum(&crime, window, last_12 - 1),
            &period,
            &before,
        ));
        summary.push(change_words(
            "incidents of anti-social behaviour",
            sum(&asb, last_12, latest),
            sum(&asb, window, last_12 - 1),
            &period,
            &before,
        ));
    } else {
        summary.push(
            "There is not yet enough data to compare the latest 12 months with the 12 months before."
                .to_string(),
        );
    }
    let types_first = last_12.max(first);
    let mut types: Vec<(&str, i64)> = types.into_iter().collect();
    types.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    Ok(Some(Trend {
        chart_svg: line_chart(&chart),
        months,
        summary,
        types_period: format!(
            "{} to {}",
            show_month(&month_text(types_first)),
            show_month(&month_text(latest))
        ),
        types: types
            .into_iter()
            .map(|(crime_type, n)| TypeRow { crime_type: crime_type.to_string(), n: count(n) })
            .collect(),
    }))
}

// ---------------------------------------------------------------------------------------------
// The overview

/// A ward in the list.
#[derive(Debug, Clone)]
pub(crate) struct WardLink {
    pub(crate) name: String,
    pub(crate) href: String,
    /// Crime and ASB recorded in the latest 12 months held.
    pub(crate) total: String,
}

/// One indicator's progress, in words.
#[derive(Debug, Clone)]
pub(crate) struct ProgressIndicator {
    pub(crate) title: String,
    /// The status in words, such as "On track (green)".
    pub(crate) status: &'static str,
    pub(crate) class: &'static str,
    /// The latest value judged, with its period.
    pub(crate) latest: Option<String>,
}

/// A priority with its indicators.
#[derive(Debug, Clone)]
pub(crate) struct ProgressPriority {
    pub(crate) title: String,
    pub(crate) indicators: Vec<ProgressIndicator>,
}

/// A "You said, we did" entry as shown.
#[derive(Debug, Clone)]
pub(crate) struct EntryView {
    pub(crate) id: i64,
    pub(crate) you_said: String,
    pub(crate) we_did: String,
    pub(crate) published: String,
}

#[derive(Template)]
#[template(path = "public/dashboard.html")]
struct OverviewPage {
    layout: PublicLayout,
    borough: Option<String>,
    how: String,
    trend: Option<Trend>,
    wards: Vec<WardLink>,
    wards_period: String,
    plan_title: Option<String>,
    priorities: Vec<ProgressPriority>,
    entries: Vec<EntryView>,
    trigger: crate::trigger::FiguresTable,
}

fn progress_words(rag: Option<Rag>) -> (&'static str, &'static str) {
    match rag {
        Some(Rag::Green) => ("On track (green)", "app-tag--green"),
        Some(Rag::Amber) => ("Needs attention (amber)", "app-tag--orange"),
        Some(Rag::Red) => ("Off track (red)", "app-tag--red"),
        None => ("Not enough data yet", "app-tag--grey"),
    }
}

/// A value as the page shows it: whole numbers grouped, percentages with their sign.
fn value_text(value: f64, unit: &str) -> String {
    let number = if value.fract() == 0.0 && value.abs() < 1e15 {
        count(value as i64)
    } else {
        format!("{value:.1}")
    };
    if unit == "percent" {
        format!("{number}%")
    } else {
        number
    }
}

/// An observation's label in words: `2022-01 to 2022-12` as "January 2022 to December 2022",
/// `2021-01-01 to 2021-12-31` as "1 January 2021 to 31 December 2021"; a wave label as it is.
fn period_words(label: &str) -> String {
    label
        .split(" to ")
        .map(|part| match part.len() {
            7 => show_month(part),
            10 => show_date(part),
            _ => part.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" to ")
}

/// Each priority of the plan with its indicators judged now, by the rule the staff pages use
/// ([`evaluate`]); police.uk counts are read once per area, not once per indicator.
async fn plan_progress(
    state: &AppState,
    plan: &StoredPlan,
    held: &BTreeSet<i32>,
) -> Result<Vec<ProgressPriority>, AppError> {
    let Some(file) = state.store.plan_indicators(plan.id).await? else { return Ok(Vec::new()) };
    let mut counts_by_area: HashMap<String, Vec<StreetCount>> = HashMap::new();
    let mut priorities = Vec::new();
    for priority in &plan.plan.priorities {
        let mut indicators = Vec::new();
        for indicator in file.for_priority(&priority.id) {
            let observations = match (&indicator.series, held.iter().next_back()) {
                (IndicatorSeries::PoliceUk { area, crime_types }, Some(&latest)) => {
                    let Some(street) = street_area(area) else {
                        indicators.push((indicator, Vec::new()));
                        continue;
                    };
                    if !counts_by_area.contains_key(area) {
                        let first = latest + 1 - HISTORY_MONTHS as i32;
                        let counts = state
                            .store
                            .police_uk_street_counts(
                                &street,
                                &month_text(first),
                                &month_text(latest),
                            )
                            .await?;
                        counts_by_area.insert(area.clone(), counts);
                    }
                    police_uk_observations(&counts_by_area[area], crime_types, held, latest)
                }
                _ => state.store.indicator_observations(&indicator.series).await?,
            };
            indicators.push((indicator, observations));
        }
        if indicators.is_empty() {
            continue;
        }
        priorities.push(ProgressPriority {
            title: priority.title.clone(),
            indicators: indicators
                .into_iter()
                .map(|(indicator, observations)| {
                    let evaluation = evaluate(indicator, &observations);
                    let (status, class) = progress_words(evaluation.rag);
                    ProgressIndicator {
                        title: indicator.title.clone(),
                        status,
                        class,
                        latest: evaluation.current.as_ref().map(|(label, value)| {
                            let period = period_words(label);
                            format!("{} ({period})", value_text(*value, &evaluation.unit))
                        }),
                    }
                })
                .collect(),
        });
    }
    Ok(priorities)
}

fn entry_view(entry: safer_storage::YouSaidWeDid) -> EntryView {
    EntryView {
        id: entry.id,
        you_said: entry.you_said,
        we_did: entry.we_did,
        published: show_date(&entry.published_on),
    }
}

/// `GET /public/dashboard`.
async fn overview(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    let started = std::time::Instant::now();
    let door = FrontDoor::of(&state).await?;
    let plan = door.plan(&state).await?;
    let geography = state.store.geography().await?;
    let borough = borough(&state, plan.as_ref(), &geography).await?;
    let held = held_months(&state).await?;
    let (trend, wards, wards_period) = match &borough {
        Some(borough) => {
            let title =
                format!("Crime and anti-social behaviour recorded in {} each month", borough.name);
            let trend = trend(&state, &borough.area, &title, &held).await?;
            let (wards, period) = ward_links(&state, borough, &held).await?;
            (trend, wards, period)
        }
        None => (None, Vec::new(), String::new()),
    };
    let priorities = match &plan {
        Some(plan) => plan_progress(&state, plan, &held).await?,
        None => Vec::new(),
    };
    let entries = state
        .store
        .you_said_we_did(door.partnership.id())
        .await?
        .into_iter()
        .map(entry_view)
        .collect();
    let trigger = crate::trigger::figures_table(&state, door.partnership.id(), state.now()).await?;
    let page = OverviewPage {
        layout: PublicLayout::cacheable(
            "Community safety in numbers",
            &door,
            PublicSection::Dashboard,
        ),
        borough: borough.as_ref().map(|b| b.name.clone()),
        how: borough.as_ref().map(|b| b.how.clone()).unwrap_or_default(),
        trend,
        wards,
        wards_period,
        plan_title: plan.as_ref().map(|p| p.plan.plan.title.clone()),
        priorities,
        entries,
        trigger,
    };
    let html = page.render()?;
    tracing::debug!(duration_ms = started.elapsed().as_millis() as u64, "public dashboard built");
    Ok(cacheable(&headers, html))
}

/// The wards with their totals over the latest 12 months held.
async fn ward_links(
    state: &AppState,
    borough: &Borough,
    held: &BTreeSet<i32>,
) -> Result<(Vec<WardLink>, String), AppError> {
    if borough.wards.is_empty() {
        return Ok((Vec::new(), String::new()));
    }
    let Some(&latest) = held.iter().next_back() else {
        let links = borough
            .wards
            .iter()
            .map(|ward| WardLink {
                name: ward.name.clone(),
                href: format!("/public/dashboard/wards/{}", ward.code),
                total: "No data".to_string(),
            })
            .collect();
        return Ok((links, String::new()));
    };
    let first = held.range(latest - 11..).next().copied().unwrap_or(latest);
    let by_lsoa: HashMap<String, i64> = state
        .store
        .police_uk_street_lsoa_counts(&month_text(first), &month_text(latest))
        .await?
        .into_iter()
        .fold(HashMap::new(), |mut map, row| {
            *map.entry(row.lsoa_code).or_default() += row.n;
            map
        });
    let links = borough
        .wards
        .iter()
        .map(|ward| WardLink {
            name: ward.name.clone(),
            href: format!("/public/dashboard/wards/{}", ward.code),
            total: count(ward.codes.iter().filter_map(|code| by_lsoa.get(code)).sum()),
        })
        .collect();
    let period =
        format!("{} to {}", show_month(&month_text(first)), show_month(&month_text(latest)));
    Ok((links, period))
}

// ---------------------------------------------------------------------------------------------
// A ward

#[derive(Template)]
#[template(path = "public/dashboard_ward.html")]
struct WardPage {
    layout: PublicLayout,
    ward: String,
    borough: String,
    trend: Option<Trend>,
}

/// A ward code's shape: a GSS code of a ward in England (E05) or Wales (W05).
fn is_ward_code(code: &str) -> bool {
    is_gss_code(code) && (code.starts_with("E05") || code.starts_with("W05"))
}

/// `GET /public/dashboard/wards/{code}`.
async fn ward_page(
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    if !is_ward_code(&code) {
        return Err(AppError::NotFound);
    }
    let door = FrontDoor::of(&state).await?;
    let plan = door.plan(&state).await?;
    let geography = state.store.geography().await?;
    let borough = borough(&state, plan.as_ref(), &geography).await?.ok_or(AppError::NotFound)?;
    let ward = borough.wards.iter().find(|w| w.code == code).ok_or(AppError::NotFound)?;
    let held = held_months(&state).await?;
    let title =
        format!("Crime and anti-social behaviour recorded in {} ward each month", ward.name);
    let trend = trend(&state, &StreetArea::LsoaCodes(ward.codes.clone()), &title, &held).await?;
    let page = WardPage {
        layout: PublicLayout::cacheable(
            format!("{} ward – Community safety in numbers", ward.name),
            &door,
            PublicSection::Dashboard,
        ),
        ward: ward.name.clone(),
        borough: borough.name.clone(),
        trend,
    };
    Ok(cacheable(&headers, page.render()?))
}

// ---------------------------------------------------------------------------------------------
// The coordinators' page

/// The partnership where the user coordinates; not found for everyone else.
fn coordinator_partnership(user: &CurrentUser) -> Result<PartnershipId, AppError> {
    crate::trigger::coordinator_viewer(user).map(|(partnership, _)| partnership)
}

#[derive(Template)]
#[template(path = "you_said_we_did.html")]
struct EntriesPage {
    layout: Layout,
    form: FormState,
    entries: Vec<EntryView>,
}

/// The form as posted.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
struct EntryForm {
    #[serde(default)]
    you_said: String,
    #[serde(default)]
    we_did: String,
    #[serde(default)]
    published_on_day: String,
    #[serde(default)]
    published_on_month: String,
    #[serde(default)]
    published_on_year: String,
}

/// Longest text accepted in either box.
const MAX_TEXT: usize = 1000;

async fn entries_page(
    state: &AppState,
    signed_in: &SignedIn,
    partnership: PartnershipId,
    form: FormState,
) -> Result<EntriesPage, AppError> {
    let entries =
        state.store.you_said_we_did(partnership).await?.into_iter().map(entry_view).collect();
    let title = if form.errors.is_empty() { "You said, we did" } else { "Error: You said, we did" };
    Ok(EntriesPage { layout: Layout::new(title, &signed_in.ctx, Section::None), form, entries })
}

/// `GET /you-said-we-did`.
async fn show_entries(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Response, AppError> {
    let partnership = coordinator_partnership(&signed_in.user)?;
    let day = today(state.now());
    let blank = EntryForm {
        you_said: String::new(),
        we_did: String::new(),
        published_on_day: day.day().to_string(),
        published_on_month: u8::from(day.month()).to_string(),
        published_on_year: day.year().to_string(),
    };
    let page = entries_page(&state, &signed_in, partnership, FormState::filled(&blank)).await?;
    Ok(render(&page)?.into_response())
}

fn check_text(text: &str, field: &'static str, what: &str, errors: &mut Vec<FieldError>) {
    let text = text.trim();
    if text.is_empty() {
        errors.push(FieldError { field, message: format!("Enter {what}") });
    } else if text.chars().count() > MAX_TEXT {
        errors.push(FieldError {
            field,
            message: format!(
                "{} must be {MAX_TEXT} characters or fewer",
                crate::format::capitalise(what)
            ),
        });
    }
}

/// `POST /you-said-we-did`.
async fn add_entry(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Form(form): Form<EntryForm>,
) -> Result<Response, AppError> {
    let partnership = coordinator_partnership(&signed_in.user)?;
    let mut errors = Vec::new();
    check_text(&form.you_said, "you_said", "what residents said", &mut errors);
    check_text(&form.we_did, "we_did", "what the partnership did", &mut errors);
    let published_on = match date_from_parts(
        &form.published_on_day,
        &form.published_on_month,
        &form.published_on_year,
    ) {
        Ok(date) => Some(date),
        Err(why) => {
            let message = if why == "missing" {
                "Enter the date to show with the entry"
            } else {
                "The date must be a real date, such as 27 3 2024"
            };
            errors.push(FieldError { field: "published_on", message: message.to_string() });
            None
        }
    };
    let Some(published_on) = published_on.filter(|_| errors.is_empty()) else {
        let page =
            entries_page(&state, &signed_in, partnership, FormState::failed(&form, errors)).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    };
    let entry = NewYouSaidWeDid {
        you_said: form.you_said.trim(),
        we_did: form.we_did.trim(),
        published_on: &published_on,
    };
    state
        .store
        .add_you_said_we_did(partnership, &entry, Some(actor(&signed_in)), state.now())
        .await?;
    Ok(Redirect::to("/you-said-we-did").into_response())
}

/// Who the audit log names for a change to the entries.
fn actor(signed_in: &SignedIn) -> (UserId, AgencyId) {
    (signed_in.user.id, signed_in.user.agency_id)
}

/// `POST /you-said-we-did/{id}/remove`.
async fn remove_entry(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let partnership = coordinator_partnership(&signed_in.user)?;
    let id = parse_id(&id)?;
    let removed =
        state.store.remove_you_said_we_did(partnership, id, Some(actor(&signed_in)), state.now());
    match removed.await {
        Ok(true) => Ok(Redirect::to("/you-said-we-did").into_response()),
        Ok(false) => Err(AppError::NotFound),
        Err(StoreError::Rule(_)) => Err(AppError::NotFound),
        Err(err) => Err(err.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_and_counts_read_as_people_write_them() {
        assert_eq!(month_number("2023-01").map(month_text).as_deref(), Some("2023-01"));
        assert_eq!(month_text(month_number("2023-01").unwrap() - 1), "2022-12");
        assert_eq!(count(1234567), "1,234,567");
        assert!(is_ward_code("E05005000"));
        assert!(!is_ward_code("E07000110"));
        assert!(!is_ward_code("E05'; --"));
    }

    #[test]
    fn a_matching_etag_gets_304_and_both_carry_the_cache_headers() {
        let first = cacheable(&HeaderMap::new(), "<p>hello</p>".to_string());
        assert_eq!(first.status(), StatusCode::OK);
        let etag = first.headers()[header::ETAG].clone();
        let mut headers = HeaderMap::new();
        headers.insert(header::IF_NONE_MATCH, etag.clone());
        let second = cacheable(&headers, "<p>hello</p>".to_string());
        assert_eq!(second.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(second.headers()[header::ETAG], etag);
        assert_eq!(second.headers()[header::CACHE_CONTROL], CACHE_CONTROL);
    }
}
