//! View structs: what each template is given. Templates never see domain or storage types, only
//! these, so a page shows exactly what its view holds.

use askama::Template;
use safer_domain::Role;

use crate::session::{Ctx, CurrentUser};
use crate::VERSION;

/// The signed-in user as the header shows them.
#[derive(Debug, Clone)]
pub(crate) struct UserBadge {
    pub(crate) display_name: String,
    pub(crate) agency_name: String,
    /// The partnership they work in, for users in several (who can change it on their account
    /// page); `None` for everyone else.
    pub(crate) working_in: Option<String>,
}

/// A link in the service navigation.
#[derive(Debug, Clone)]
pub(crate) struct NavItem {
    pub(crate) label: &'static str,
    pub(crate) href: String,
    pub(crate) active: bool,
}

/// A breadcrumb.
#[derive(Debug, Clone)]
pub(crate) struct Crumb {
    pub(crate) label: String,
    pub(crate) href: String,
}

/// What every page's frame needs.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub(crate) title: String,
    pub(crate) user: Option<UserBadge>,
    pub(crate) csrf_token: String,
    pub(crate) nav: Vec<NavItem>,
    pub(crate) crumbs: Vec<Crumb>,
    pub(crate) version: &'static str,
}

/// Which navigation item a page belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    Plans,
    Assessments,
    Cases,
    Tasks,
    Due,
    Panels,
    CaseReviews,
    Surveys,
    Account,
    None,
}

impl Layout {
    pub(crate) fn new(title: impl Into<String>, ctx: &Ctx, section: Section) -> Layout {
        let user = ctx.user.as_ref().map(|u: &CurrentUser| UserBadge {
            display_name: u.display_name.clone(),
            agency_name: u.agency_name.clone(),
            working_in: u
                .memberships
                .first()
                .filter(|_| u.memberships.len() > 1)
                .map(|m| m.name.clone()),
        });
        let works_cases =
            ctx.user.as_ref().is_some_and(|u| u.roles.iter().any(|r| r.works_cases()));
        let reviews_cases = ctx.user.as_ref().is_some_and(|u| {
            u.roles.iter().any(|r| matches!(r, Role::Coordinator | Role::PanelChair))
        });
        let nav = if user.is_some() {
            let mut nav = vec![
                NavItem {
                    label: "Plans",
                    href: "/plans".to_string(),
                    active: section == Section::Plans,
                },
                NavItem {
                    label: "Assessments",
                    href: "/assessments".to_string(),
                    active: section == Section::Assessments,
                },
            ];
            if works_cases {
                let items = [
                    ("Cases", "/cases", Section::Cases),
                    ("Your tasks", "/tasks", Section::Tasks),
                    ("Due", "/due", Section::Due),
                    ("Panels", "/panels", Section::Panels),
                ];
                for (label, href, item) in items {
                    nav.push(NavItem { label, href: href.to_string(), active: section == item });
                }
            }
            if reviews_cases {
                nav.push(NavItem {
                    label: "Case reviews",
                    href: "/trigger".to_string(),
                    active: section == Section::CaseReviews,
                });
            }
            let runs_surveys = ctx.user.as_ref().is_some_and(|u| {
                u.roles.iter().any(|r| matches!(r, Role::Analyst | Role::Coordinator))
            });
            if runs_surveys {
                nav.push(NavItem {
                    label: "Surveys",
                    href: "/online-surveys".to_string(),
                    active: section == Section::Surveys,
                });
            }
            nav.push(NavItem {
                label: "Your account",
                href: "/account".to_string(),
                active: section == Section::Account,
            });
            nav
        } else {
            Vec::new()
        };
        Layout {
            title: title.into(),
            user,
            csrf_token: ctx.csrf_token.clone(),
            nav,
            crumbs: Vec::new(),
            version: VERSION,
        }
    }

    /// A frame with no user and no navigation, for error pages rendered outside a session.
    pub(crate) fn bare(title: impl Into<String>) -> Layout {
        Layout {
            title: title.into(),
            user: None,
            csrf_token: String::new(),
            nav: Vec::new(),
            crumbs: Vec::new(),
            version: VERSION,
        }
    }

    pub(crate) fn crumb(mut self, label: impl Into<String>, href: impl Into<String>) -> Layout {
        self.crumbs.push(Crumb { label: label.into(), href: href.into() });
        self
    }
}

/// Splits text into paragraphs at blank lines, joining wrapped lines.
pub(crate) fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect()
}

/// Percent-encodes a string for a query parameter.
pub(crate) fn url_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// An error page.
#[derive(Template)]
#[template(path = "error.html")]
pub(crate) struct ErrorPage {
    pub(crate) layout: Layout,
    pub(crate) title: String,
    pub(crate) body: String,
}

/// One field error, for the error summary and the field itself.
#[derive(Debug, Clone)]
pub(crate) struct FieldError {
    pub(crate) field: &'static str,
    pub(crate) message: String,
}

/// The sign-in page.
#[derive(Template)]
#[template(path = "sign_in.html")]
pub(crate) struct SignInPage {
    pub(crate) layout: Layout,
    pub(crate) next: String,
    pub(crate) username: String,
    pub(crate) errors: Vec<FieldError>,
    pub(crate) signed_out: bool,
}

impl SignInPage {
    pub(crate) fn error_for(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }
}

/// A row of the plans list.
#[derive(Debug, Clone)]
pub(crate) struct PlanRow {
    pub(crate) slug: String,
    pub(crate) title: String,
    pub(crate) partnership: String,
    pub(crate) period: String,
    pub(crate) status: String,
}

/// The list of plans.
#[derive(Template)]
#[template(path = "plans.html")]
pub(crate) struct PlansPage {
    pub(crate) layout: Layout,
    pub(crate) plans: Vec<PlanRow>,
}

/// A stored assessment as listed.
#[derive(Debug, Clone)]
pub(crate) struct AssessmentRow {
    pub(crate) href: String,
    pub(crate) title: String,
    pub(crate) created: String,
}

/// The list of stored assessments, newest first.
#[derive(Template)]
#[template(path = "assessments.html")]
pub(crate) struct AssessmentsPage {
    pub(crate) layout: Layout,
    pub(crate) assessments: Vec<AssessmentRow>,
    /// Whether the "New assessment" button is shown (analysts, with an assessor).
    pub(crate) can_generate: bool,
}

/// One stored assessment: when it was generated and links to the report and its figures.
#[derive(Template)]
#[template(path = "assessment.html")]
pub(crate) struct AssessmentPage {
    pub(crate) layout: Layout,
    pub(crate) title: String,
    pub(crate) created: String,
    pub(crate) report_href: String,
    pub(crate) html_href: String,
    pub(crate) html_file: String,
    pub(crate) json_href: String,
    pub(crate) json_file: String,
    pub(crate) html_kb: usize,
    pub(crate) json_kb: usize,
    /// Where the "Regenerate" form posts, shown to analysts when the settings were kept.
    pub(crate) regenerate_href: Option<String>,
    /// The new-assessment form filled in from this one's settings.
    pub(crate) new_from_href: String,
}

/// An option of a select.
#[derive(Debug, Clone)]
pub(crate) struct SelectOption {
    pub(crate) value: String,
    pub(crate) label: String,
    pub(crate) selected: bool,
}

/// The form that starts a new assessment, with the values typed and their errors.
#[derive(Template)]
#[template(path = "assessment_new.html")]
pub(crate) struct NewAssessmentPage {
    pub(crate) layout: Layout,
    pub(crate) title: String,
    pub(crate) area: String,
    pub(crate) base: String,
    pub(crate) current: String,
    pub(crate) peers: String,
    pub(crate) start_from: Vec<SelectOption>,
    pub(crate) errors: Vec<FieldError>,
}

impl NewAssessmentPage {
    pub(crate) fn error_for(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }
}

/// An assessment job: where the build is, or how it ended.
#[derive(Template)]
#[template(path = "assessment_job.html")]
pub(crate) struct JobPage {
    pub(crate) layout: Layout,
    pub(crate) heading: &'static str,
    /// The title of the assessment being built.
    pub(crate) title: String,
    pub(crate) status: &'static str,
    /// While the job is queued or running, this page's own address for "Check progress"
    /// (no timed refresh: WCAG 2.2.1, axe-core's `meta-refresh`).
    pub(crate) check_href: Option<String>,
    /// The step running now.
    pub(crate) step: Option<String>,
    pub(crate) steps_done: i64,
    pub(crate) steps_total: i64,
    pub(crate) started: String,
    pub(crate) assessment_href: Option<String>,
    /// Done, but the assessment it made has since been replaced or deleted.
    pub(crate) replaced: bool,
    pub(crate) error: Option<String>,
}

/// A link to a priority, with the line that describes it.
#[derive(Debug, Clone)]
pub(crate) struct PriorityLink {
    pub(crate) href: String,
    pub(crate) title: String,
    pub(crate) focus: Option<String>,
    pub(crate) groups: Vec<GroupLink>,
}

/// A link to a group.
#[derive(Debug, Clone)]
pub(crate) struct GroupLink {
    pub(crate) href: String,
    pub(crate) name: String,
    pub(crate) proposed: bool,
}

/// A titled text with points.
#[derive(Debug, Clone)]
pub(crate) struct NoteView {
    pub(crate) title: String,
    pub(crate) paragraphs: Vec<String>,
    pub(crate) points: Vec<String>,
    pub(crate) closing: Option<String>,
}

/// A body whose priorities the plan aligns with.
#[derive(Debug, Clone)]
pub(crate) struct AlignmentView {
    pub(crate) title: String,
    pub(crate) priorities: Vec<String>,
}

/// Links within one plan, shown on each of its pages.
#[derive(Debug, Clone)]
pub(crate) struct PlanNav {
    pub(crate) overview: String,
    pub(crate) groups: String,
    pub(crate) governance: String,
}

/// A plan's overview page.
#[derive(Template)]
#[template(path = "plan.html")]
pub(crate) struct PlanPage {
    pub(crate) layout: Layout,
    pub(crate) plan_nav: PlanNav,
    pub(crate) title: String,
    pub(crate) partnership: String,
    pub(crate) period: String,
    pub(crate) draft: bool,
    pub(crate) strapline: Option<String>,
    pub(crate) summary: Vec<String>,
    pub(crate) introduction_author: Option<String>,
    pub(crate) introduction: Vec<String>,
    pub(crate) core: Vec<PriorityLink>,
    pub(crate) themes: Vec<PriorityLink>,
    pub(crate) considerations: Vec<NoteView>,
    pub(crate) alignment: Vec<AlignmentView>,
    pub(crate) source: String,
}

/// A focus bullet and its sub-bullets.
#[derive(Debug, Clone)]
pub(crate) struct FocusView {
    pub(crate) text: String,
    pub(crate) points: Vec<String>,
}

/// Actions under one heading (or none).
#[derive(Debug, Clone)]
pub(crate) struct ActionGroupView {
    pub(crate) heading: Option<String>,
    pub(crate) actions: Vec<String>,
}

/// One priority or theme.
#[derive(Template)]
#[template(path = "priority.html")]
pub(crate) struct PriorityPage {
    pub(crate) layout: Layout,
    pub(crate) plan_nav: PlanNav,
    pub(crate) kind: &'static str,
    pub(crate) core: bool,
    pub(crate) title: String,
    pub(crate) focus: Option<String>,
    pub(crate) why: Vec<String>,
    pub(crate) objective: Option<String>,
    pub(crate) focus_intro: Option<String>,
    pub(crate) focus_points: Vec<FocusView>,
    pub(crate) actions_intro: Option<String>,
    pub(crate) action_groups: Vec<ActionGroupView>,
    pub(crate) groups: Vec<GroupLink>,
    pub(crate) notes: Vec<NoteView>,
    pub(crate) previous: Option<(String, String)>,
    pub(crate) next: Option<(String, String)>,
    pub(crate) indicators: Vec<IndicatorView>,
}

/// A plan indicator on its priority's page, judged at page load.
#[derive(Debug, Clone)]
pub(crate) struct IndicatorView {
    /// A page-unique id for the chart's title and description.
    pub(crate) id: String,
    pub(crate) title: String,
    /// `Green`, `Amber`, `Red` or `No status`: the word is always shown, never colour alone.
    pub(crate) rag_label: &'static str,
    pub(crate) rag_class: &'static str,
    /// The latest period's value and what it covers.
    pub(crate) latest: Option<String>,
    /// The change from the period before, in words.
    pub(crate) change: Option<String>,
    /// The test's p-value in words, for counts.
    pub(crate) significance: Option<String>,
    /// Why the status is what it is.
    pub(crate) reason: Option<String>,
    /// "Lower is better" or "Higher is better".
    pub(crate) better: &'static str,
    pub(crate) target: Option<String>,
    /// Where the values come from.
    pub(crate) source: String,
    /// Why there is no status, such as "no data for 2022-12".
    pub(crate) no_data: Option<String>,
    /// The trend chart, an SVG built with every text escaped.
    pub(crate) chart_svg: String,
    /// One sentence summarising the chart.
    pub(crate) chart_summary: String,
    /// The charted values, for the visually hidden table.
    pub(crate) points: Vec<TrendPoint>,
}

/// One charted value.
#[derive(Debug, Clone)]
pub(crate) struct TrendPoint {
    pub(crate) label: String,
    pub(crate) value: String,
}

/// A group as listed.
#[derive(Debug, Clone)]
pub(crate) struct GroupView {
    pub(crate) anchor: String,
    pub(crate) name: String,
    pub(crate) short_name: Option<String>,
    pub(crate) kind: &'static str,
    pub(crate) proposed: bool,
    pub(crate) meets: Option<String>,
    pub(crate) description: Vec<String>,
    pub(crate) escalates_to: Option<GroupLink>,
    pub(crate) delivers: Vec<PriorityLink>,
}

/// The plan's groups.
#[derive(Template)]
#[template(path = "groups.html")]
pub(crate) struct GroupsPage {
    pub(crate) layout: Layout,
    pub(crate) plan_nav: PlanNav,
    pub(crate) plan_title: String,
    pub(crate) groups: Vec<GroupView>,
}

/// A governance body.
#[derive(Debug, Clone)]
pub(crate) struct BodyView {
    pub(crate) name: String,
    pub(crate) short_name: Option<String>,
    pub(crate) description: Vec<String>,
    pub(crate) functions: Vec<String>,
    pub(crate) statutory_basis: Option<String>,
}

/// The plan's governance.
#[derive(Template)]
#[template(path = "governance.html")]
pub(crate) struct GovernancePage {
    pub(crate) layout: Layout,
    pub(crate) plan_nav: PlanNav,
    pub(crate) plan_title: String,
    pub(crate) bodies: Vec<BodyView>,
    pub(crate) action_plan_elements: Vec<String>,
    pub(crate) notes: Vec<NoteView>,
}

/// The signed-in user's account.
#[derive(Template)]
#[template(path = "account.html")]
pub(crate) struct AccountPage {
    pub(crate) layout: Layout,
    pub(crate) username: String,
    pub(crate) display_name: String,
    pub(crate) agency_name: String,
    pub(crate) roles: Vec<&'static str>,
    pub(crate) partnerships: Vec<String>,
    /// For a user in several partnerships, each as (id, name, whether they work in it now),
    /// to choose from; empty for everyone else.
    pub(crate) working_in: Vec<(i64, String, bool)>,
}
