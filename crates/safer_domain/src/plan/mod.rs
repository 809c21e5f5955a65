//! A partnership plan as data.
//!
//! The plan is the document a Community Safety Partnership publishes every three years (the
//! Crime and Disorder Regulations 2007, regs 10–11): its core priorities and cross-cutting
//! themes, what each is for, what partners will do, which sub-groups deliver it and how the
//! partnership is governed. Safer reads plans from a versioned TOML format described in
//! `docs/plan-format.md`; [`parse_plan`] turns a file into a validated [`Plan`] or a list of
//! [`PlanError`]s that name the line and the field.

mod parse;
mod validate;

use serde::{Deserialize, Serialize};

pub use parse::{parse_plan, PlanError};

/// The plan file format this version of Safer reads and writes.
pub const PLAN_FORMAT: u32 = 1;

/// A whole partnership plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// The file format version; must equal [`PLAN_FORMAT`].
    pub format: u32,
    /// What the plan is and whose it is.
    pub plan: PlanInfo,
    /// Matters the partnership considers across all priorities ("other considerations").
    #[serde(default)]
    pub considerations: Vec<Note>,
    /// County, force or police and crime commissioner priorities the plan aligns with.
    #[serde(default)]
    pub alignment: Vec<Alignment>,
    /// Core priorities and cross-cutting themes, in the order the plan presents them.
    pub priorities: Vec<Priority>,
    /// Sub-groups, working groups, panels and meetings that deliver the plan.
    #[serde(default)]
    pub groups: Vec<Group>,
    /// How the partnership is governed.
    #[serde(default)]
    pub governance: Governance,
}

/// What a plan is and whose it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanInfo {
    /// Stable slug, for example `maidstone-2022-25`.
    pub id: String,
    /// The plan's title as published.
    pub title: String,
    /// The partnership's name, for example "Safer Maidstone Partnership".
    pub partnership: String,
    /// The partnership's usual abbreviation, for example "SMP".
    #[serde(default)]
    pub partnership_short: Option<String>,
    /// The area the partnership covers, for example "Maidstone".
    pub area: String,
    /// ONS local authority district codes of the area, for example `E07000110`.
    #[serde(default)]
    pub lad_codes: Vec<String>,
    /// First year the plan covers.
    pub starts: u16,
    /// Last year the plan covers.
    pub ends: u16,
    /// Whether the plan is a draft or has been adopted.
    pub status: PlanStatus,
    /// The plan's strapline, if it has one.
    #[serde(default)]
    pub strapline: Option<String>,
    /// Where the plan comes from: its publisher and edition.
    pub source: String,
    /// How the priorities were set, in the plan's words.
    #[serde(default)]
    pub summary: Option<String>,
    /// The foreword, if the plan has one.
    #[serde(default)]
    pub introduction: Option<Introduction>,
}

/// Whether a plan is a draft or adopted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    /// Not yet adopted.
    Draft,
    /// Adopted by the partnership.
    Adopted,
}

/// A plan's foreword.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Introduction {
    /// Who wrote it.
    pub author: String,
    /// The text; paragraphs are separated by blank lines.
    pub text: String,
}

/// A titled piece of text with optional bullet points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Note {
    /// Stable slug, where the note is referred to.
    #[serde(default)]
    pub id: Option<String>,
    /// The heading.
    pub title: String,
    /// The body text.
    #[serde(default)]
    pub text: Option<String>,
    /// Bullet points that follow the text.
    #[serde(default)]
    pub points: Vec<String>,
    /// Text that follows the bullet points.
    #[serde(default)]
    pub closing: Option<String>,
}

/// Priorities of another body that the plan aligns with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Alignment {
    /// Stable slug.
    pub id: String,
    /// The body whose priorities these are, for example "Kent Police".
    pub body: String,
    /// The heading under which the plan lists them.
    pub title: String,
    /// The priorities, one per entry.
    pub priorities: Vec<String>,
}

/// Whether a priority is a core priority or a cross-cutting theme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PriorityKind {
    /// A core priority, delivered by its own sub-group with its own objective.
    Core,
    /// A theme integrated within every core priority, delivered through working groups.
    CrossCutting,
}

impl PriorityKind {
    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            PriorityKind::Core => "Core priority",
            PriorityKind::CrossCutting => "Cross-cutting theme",
        }
    }
}

/// A core priority or a cross-cutting theme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Priority {
    /// Stable slug, used in URLs and by indicators.
    pub id: String,
    /// Core priority or cross-cutting theme.
    pub kind: PriorityKind,
    /// The title as the plan states it.
    pub title: String,
    /// The one-line focus, for example "A Space to Feel Safe". Required for core priorities.
    #[serde(default)]
    pub focus: Option<String>,
    /// Why it matters.
    pub why: String,
    /// The partnership's objective. Required for core priorities.
    #[serde(default)]
    pub objective: Option<String>,
    /// The line that introduces the focus points, for example "SMP Partners will:".
    #[serde(default)]
    pub focus_intro: Option<String>,
    /// What partners will focus on.
    #[serde(default)]
    pub focus_points: Vec<FocusPoint>,
    /// The line that introduces the actions.
    #[serde(default)]
    pub actions_intro: Option<String>,
    /// What the partnership will do.
    #[serde(default)]
    pub actions: Vec<Action>,
    /// Ids of the groups that deliver it.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Boxed content that accompanies the priority.
    #[serde(default)]
    pub notes: Vec<Note>,
}

/// One focus bullet, with optional sub-bullets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FocusPoint {
    /// The bullet.
    pub text: String,
    /// Its sub-bullets.
    #[serde(default)]
    pub points: Vec<String>,
}

/// Something the partnership will do under a priority.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Action {
    /// Stable slug, unique across the whole plan; action plans track progress against it.
    pub id: String,
    /// What will be done.
    pub text: String,
    /// The heading the plan groups the action under, if any.
    #[serde(default)]
    pub heading: Option<String>,
    /// The id of the group whose action plan carries this action, where the plan says.
    #[serde(default)]
    pub group: Option<String>,
}

/// What kind of group delivers work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GroupKind {
    /// A sub-group of the partnership that owns a core priority's action plan.
    SubGroup,
    /// A working group for a cross-cutting theme.
    WorkingGroup,
    /// A multi-agency panel that discusses cases.
    Panel,
    /// A board, usually county-wide.
    Board,
    /// A recurring meeting.
    Meeting,
}

impl GroupKind {
    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            GroupKind::SubGroup => "Sub-group",
            GroupKind::WorkingGroup => "Working group",
            GroupKind::Panel => "Panel",
            GroupKind::Board => "Board",
            GroupKind::Meeting => "Meeting",
        }
    }
}

/// Whether a group exists yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupStatus {
    /// The group meets.
    Active,
    /// The plan proposes the group.
    Proposed,
}

/// A sub-group, working group, panel or meeting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    /// Stable slug.
    pub id: String,
    /// The group's name.
    pub name: String,
    /// Its usual abbreviation.
    #[serde(default)]
    pub short_name: Option<String>,
    /// What kind of group it is.
    pub kind: GroupKind,
    /// Whether it exists yet.
    pub status: GroupStatus,
    /// The id of the group cases escalate to.
    #[serde(default)]
    pub escalates_to: Option<String>,
    /// What it does.
    #[serde(default)]
    pub description: Option<String>,
    /// How often it meets, where the plan says.
    #[serde(default)]
    pub meets: Option<String>,
}

/// How the partnership is governed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Governance {
    /// What every priority's action plan must contain.
    #[serde(default)]
    pub action_plan_elements: Vec<String>,
    /// The governance bodies.
    #[serde(default)]
    pub bodies: Vec<GovernanceBody>,
    /// Other governance content.
    #[serde(default)]
    pub notes: Vec<Note>,
}

/// A body in the partnership's governance: an executive group, a scrutiny committee.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GovernanceBody {
    /// Stable slug.
    pub id: String,
    /// The body's name.
    pub name: String,
    /// Its usual abbreviation.
    #[serde(default)]
    pub short_name: Option<String>,
    /// What it is.
    #[serde(default)]
    pub description: Option<String>,
    /// Its functions or responsibilities.
    #[serde(default)]
    pub functions: Vec<String>,
    /// The legislation that requires it, if any.
    #[serde(default)]
    pub statutory_basis: Option<String>,
}

impl Plan {
    /// The core priorities, in plan order.
    pub fn core_priorities(&self) -> impl Iterator<Item = &Priority> {
        self.priorities.iter().filter(|p| p.kind == PriorityKind::Core)
    }

    /// The cross-cutting themes, in plan order.
    pub fn themes(&self) -> impl Iterator<Item = &Priority> {
        self.priorities.iter().filter(|p| p.kind == PriorityKind::CrossCutting)
    }

    /// The priority or theme with this id.
    pub fn priority(&self, id: &str) -> Option<&Priority> {
        self.priorities.iter().find(|p| p.id == id)
    }

    /// The group with this id.
    pub fn group(&self, id: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.id == id)
    }

    /// The priorities and themes a group delivers.
    pub fn priorities_of_group<'a>(
        &'a self,
        group_id: &'a str,
    ) -> impl Iterator<Item = &'a Priority> {
        self.priorities.iter().filter(move |p| p.groups.iter().any(|g| g == group_id))
    }

    /// The number of actions across all priorities and themes.
    pub fn n_actions(&self) -> usize {
        self.priorities.iter().map(|p| p.actions.len()).sum()
    }
}
