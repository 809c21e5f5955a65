//! Rules a parsed plan must satisfy beyond its shape: ids are slugs and unique, references
//! resolve, and every core priority says what it is for.

use std::collections::HashMap;

use super::{Plan, PriorityKind, PLAN_FORMAT};
use crate::slug::is_slug;

pub(super) use crate::toml_spans::Seg;

/// A rule a plan breaks, located by path; `parse` turns the path into a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Problem {
    pub(super) path: Vec<Seg>,
    pub(super) message: String,
    /// Where the thing this problem conflicts with is, such as the first use of a duplicate id.
    pub(super) first: Option<Vec<Seg>>,
}

use Seg::{Index, Key};

struct Checker {
    problems: Vec<Problem>,
}

impl Checker {
    fn report(&mut self, path: Vec<Seg>, message: impl Into<String>) {
        self.problems.push(Problem { path, message: message.into(), first: None });
    }

    fn non_empty(&mut self, path: Vec<Seg>, what: &str, value: &str) {
        if value.trim().is_empty() {
            self.report(path, format!("{what} must not be empty"));
        }
    }

    fn slug(&mut self, path: Vec<Seg>, value: &str) {
        if !is_slug(value) {
            self.report(
                path,
                format!("`{value}` is not a valid id; use lowercase letters, digits and hyphens"),
            );
        }
    }

    /// Reports every id seen before, pointing at where it was first used.
    fn unique<'a>(
        &mut self,
        kind: &str,
        ids: impl Iterator<Item = (Vec<Seg>, &'a str)>,
        first_seen: &mut HashMap<&'a str, Vec<Seg>>,
    ) {
        for (path, id) in ids {
            if let Some(first) = first_seen.get(id) {
                self.problems.push(Problem {
                    path,
                    message: format!("duplicate {kind} id `{id}`"),
                    first: Some(first.clone()),
                });
            } else {
                first_seen.insert(id, path);
            }
        }
    }
}

pub(super) fn validate(plan: &Plan) -> Vec<Problem> {
    let mut c = Checker { problems: Vec::new() };

    if plan.format != PLAN_FORMAT {
        c.report(
            vec![Key("format")],
            format!(
                "unsupported plan format {}; this version of Safer reads format {PLAN_FORMAT}",
                plan.format
            ),
        );
    }

    let info = &plan.plan;
    c.slug(vec![Key("plan"), Key("id")], &info.id);
    c.non_empty(vec![Key("plan"), Key("title")], "the plan's title", &info.title);
    c.non_empty(vec![Key("plan"), Key("partnership")], "the partnership's name", &info.partnership);
    c.non_empty(vec![Key("plan"), Key("area")], "the area", &info.area);
    c.non_empty(vec![Key("plan"), Key("source")], "the source", &info.source);
    if info.starts > info.ends {
        c.report(
            vec![Key("plan"), Key("ends")],
            format!("the plan ends ({}) before it starts ({})", info.ends, info.starts),
        );
    }
    for (i, code) in info.lad_codes.iter().enumerate() {
        let well_formed = code.len() == 9
            && matches!(&code[..1], "E" | "W" | "S" | "N")
            && code[1..].bytes().all(|b| b.is_ascii_digit());
        if !well_formed {
            c.report(
                vec![Key("plan"), Key("lad_codes"), Index(i)],
                format!("`{code}` is not an ONS area code such as E07000110"),
            );
        }
    }

    // Groups first: priorities refer to them.
    let mut group_ids = HashMap::new();
    c.unique(
        "group",
        plan.groups
            .iter()
            .enumerate()
            .map(|(i, g)| (vec![Key("groups"), Index(i), Key("id")], g.id.as_str())),
        &mut group_ids,
    );
    for (i, group) in plan.groups.iter().enumerate() {
        let at = |key| vec![Key("groups"), Index(i), Key(key)];
        c.slug(at("id"), &group.id);
        c.non_empty(at("name"), "a group's name", &group.name);
        if let Some(target) = &group.escalates_to {
            if !group_ids.contains_key(target.as_str()) {
                c.report(
                    at("escalates_to"),
                    format!("group `{}` escalates to unknown group `{target}`", group.id),
                );
            } else if target == &group.id {
                c.report(at("escalates_to"), format!("group `{}` escalates to itself", group.id));
            }
        }
    }

    if plan.priorities.is_empty() {
        c.report(vec![Key("priorities")], "a plan needs at least one priority");
    } else if plan.core_priorities().next().is_none() {
        c.report(
            vec![Key("priorities")],
            "a plan needs at least one core priority (kind = \"core\")",
        );
    }

    let mut priority_ids = HashMap::new();
    c.unique(
        "priority",
        plan.priorities
            .iter()
            .enumerate()
            .map(|(i, p)| (vec![Key("priorities"), Index(i), Key("id")], p.id.as_str())),
        &mut priority_ids,
    );
    let mut action_ids = HashMap::new();
    c.unique(
        "action",
        plan.priorities.iter().enumerate().flat_map(|(i, p)| {
            p.actions.iter().enumerate().map(move |(j, a)| {
                (
                    vec![Key("priorities"), Index(i), Key("actions"), Index(j), Key("id")],
                    a.id.as_str(),
                )
            })
        }),
        &mut action_ids,
    );

    for (i, priority) in plan.priorities.iter().enumerate() {
        let at = |key| vec![Key("priorities"), Index(i), Key(key)];
        let name = &priority.id;
        c.slug(at("id"), name);
        c.non_empty(at("title"), "a priority's title", &priority.title);
        c.non_empty(at("why"), "why a priority matters", &priority.why);
        if priority.kind == PriorityKind::Core {
            match &priority.objective {
                None => c.report(at("id"), format!("core priority `{name}` has no objective")),
                Some(o) => c.non_empty(at("objective"), "the objective", o),
            }
            match &priority.focus {
                None => c.report(at("id"), format!("core priority `{name}` has no focus line")),
                Some(f) => c.non_empty(at("focus"), "the focus line", f),
            }
            if priority.focus_points.is_empty() {
                c.report(at("id"), format!("core priority `{name}` has no focus points"));
            }
            if priority.groups.is_empty() {
                c.report(at("id"), format!("core priority `{name}` names no delivering group"));
            }
        }
        if priority.actions.is_empty() {
            c.report(at("id"), format!("priority `{name}` has no actions"));
        }
        for (j, point) in priority.focus_points.iter().enumerate() {
            c.non_empty(
                vec![Key("priorities"), Index(i), Key("focus_points"), Index(j), Key("text")],
                "a focus point",
                &point.text,
            );
        }
        for (j, action) in priority.actions.iter().enumerate() {
            let at = |key| vec![Key("priorities"), Index(i), Key("actions"), Index(j), Key(key)];
            c.slug(at("id"), &action.id);
            c.non_empty(at("text"), "an action", &action.text);
            if let Some(group) = &action.group {
                if !group_ids.contains_key(group.as_str()) {
                    c.report(
                        at("group"),
                        format!(
                            "action `{}` names unknown group `{group}`; add it under [[groups]]",
                            action.id
                        ),
                    );
                }
            }
        }
        for (j, group) in priority.groups.iter().enumerate() {
            if !group_ids.contains_key(group.as_str()) {
                c.report(
                    vec![Key("priorities"), Index(i), Key("groups"), Index(j)],
                    format!(
                        "priority `{name}` names unknown group `{group}`; add it under [[groups]]"
                    ),
                );
            }
        }
    }

    let mut body_ids = HashMap::new();
    c.unique(
        "governance body",
        plan.governance.bodies.iter().enumerate().map(|(i, b)| {
            (vec![Key("governance"), Key("bodies"), Index(i), Key("id")], b.id.as_str())
        }),
        &mut body_ids,
    );
    for (i, body) in plan.governance.bodies.iter().enumerate() {
        let at = |key| vec![Key("governance"), Key("bodies"), Index(i), Key(key)];
        c.slug(at("id"), &body.id);
        c.non_empty(at("name"), "a governance body's name", &body.name);
        if body.description.as_deref().is_none_or(|d| d.trim().is_empty())
            && body.functions.is_empty()
        {
            c.report(
                at("id"),
                format!("governance body `{}` needs a description or functions", body.id),
            );
        }
    }

    let mut alignment_ids = HashMap::new();
    c.unique(
        "alignment",
        plan.alignment
            .iter()
            .enumerate()
            .map(|(i, a)| (vec![Key("alignment"), Index(i), Key("id")], a.id.as_str())),
        &mut alignment_ids,
    );
    for (i, alignment) in plan.alignment.iter().enumerate() {
        c.slug(vec![Key("alignment"), Index(i), Key("id")], &alignment.id);
    }
    for (i, note) in plan.considerations.iter().enumerate() {
        if let Some(id) = &note.id {
            c.slug(vec![Key("considerations"), Index(i), Key("id")], id);
        }
    }

    c.problems
}
