//! "Is it ASB?": the rules that tell a resident where their problem should go before any form,
//! as a data file the partnership edits (docs/asb-triage.md).
//!
//! Residents told the partnership that ASB is not dealt with, and reporting tools send every
//! problem to one form. The plan's own table ("Is it Anti-Social Behaviour?") separates four
//! answers, and each behaviour in the file names one:
//!
//! - **police first** ([`Route::PoliceFirst`]): a crime, such as violence, hate incidents or
//!   drug dealing, goes to the police, with the reason given (and 999 whenever someone is in
//!   danger now);
//! - **council ASB** ([`Route::CouncilAsb`]): behaviour the partnership handles as ASB, which
//!   becomes a report on a case;
//! - **not ASB** ([`Route::NotAsb`]): cooking smells, children playing, parking disputes and
//!   the like, answered kindly with where else to go;
//! - **environmental crime** ([`Route::EnvironmentalCrime`]): littering and fly-tipping, which
//!   are not ASB but are crimes the council's environmental enforcement deals with.
//!
//! The emergency question comes first for every behaviour: a resident who says someone is in
//! danger or a crime is happening now is sent to 999, whatever they chose.

use serde::Deserialize;
use toml_edit::ImDocument;

use crate::plan::PlanError;
use crate::slug::is_slug;
use crate::toml_spans::{line_column, span_of, Seg};

/// The format version this code reads.
pub const TRIAGE_FORMAT: i64 = 1;

/// Where a behaviour goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Route {
    /// A crime: report it to the police first (999 in an emergency, 101 or online otherwise).
    PoliceFirst,
    /// Anti-social behaviour the partnership handles: it becomes a report.
    CouncilAsb,
    /// Not anti-social behaviour: explained kindly, with where else to go.
    NotAsb,
    /// Not ASB but a crime the council's environmental enforcement deals with.
    EnvironmentalCrime,
}

/// A triage rules file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TriageRules {
    /// Always [`TRIAGE_FORMAT`].
    pub format: i64,
    /// The partnership the rules are for.
    pub partnership: String,
    /// How to reach the police.
    pub police: PoliceContacts,
    /// How to reach the council's environmental enforcement.
    pub environmental_enforcement: Contact,
    /// The behaviours a resident can choose from, in the order they are offered.
    #[serde(rename = "behaviour")]
    pub behaviours: Vec<Behaviour>,
}

/// The police's contacts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoliceContacts {
    /// The emergency number, `999`.
    pub emergency: String,
    /// The non-emergency number, `101`.
    pub non_emergency: String,
    /// The web address for reporting online.
    pub online: String,
}

/// Another service's contact.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// Its name.
    pub name: String,
    /// Its web address.
    pub online: String,
    /// Its telephone number, if it has one.
    pub phone: Option<String>,
}

/// One behaviour.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Behaviour {
    /// A stable slug, such as `noise`.
    pub id: String,
    /// The words a resident chooses, such as "Noise".
    pub label: String,
    /// Where it goes.
    pub route: Route,
    /// Why, in plain words, shown on the answer page.
    pub why: String,
    /// For behaviours that are not ASB: where else to go.
    pub where_else: Option<String>,
    /// The row of the plan's "Is it ASB?" table this behaviour encodes, word for word; absent
    /// for behaviours the partnership added.
    pub plan_row: Option<String>,
}

/// What the resident is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Someone is in danger or a crime is happening: call 999 now.
    Emergency {
        /// The number to call.
        call: String,
    },
    /// A crime: report it to the police.
    Police {
        /// Why the police, not the council.
        why: String,
        /// The non-emergency number.
        call: String,
        /// The address to report online.
        online: String,
    },
    /// Anti-social behaviour: go on to report it.
    Report {
        /// The behaviour's id, carried to the report.
        behaviour: String,
        /// What happens next.
        why: String,
    },
    /// Not ASB.
    NotAsb {
        /// Why, kindly.
        why: String,
        /// Where else to go.
        where_else: String,
    },
    /// A crime for environmental enforcement.
    Environmental {
        /// Why.
        why: String,
        /// Who to tell.
        contact: Contact,
    },
}

impl TriageRules {
    /// The behaviour with this id.
    pub fn behaviour(&self, id: &str) -> Option<&Behaviour> {
        self.behaviours.iter().find(|b| b.id == id)
    }

    /// The answer for a resident who chose `behaviour` and said whether someone is in danger or
    /// a crime is happening now. `None` for an unknown behaviour.
    pub fn decide(&self, behaviour: &str, emergency_now: bool) -> Option<Outcome> {
        let behaviour = self.behaviour(behaviour)?;
        if emergency_now {
            return Some(Outcome::Emergency { call: self.police.emergency.clone() });
        }
        Some(match behaviour.route {
            Route::PoliceFirst => Outcome::Police {
                why: behaviour.why.clone(),
                call: self.police.non_emergency.clone(),
                online: self.police.online.clone(),
            },
            Route::CouncilAsb => {
                Outcome::Report { behaviour: behaviour.id.clone(), why: behaviour.why.clone() }
            }
            Route::NotAsb => Outcome::NotAsb {
                why: behaviour.why.clone(),
                where_else: behaviour.where_else.clone().unwrap_or_default(),
            },
            Route::EnvironmentalCrime => Outcome::Environmental {
                why: behaviour.why.clone(),
                contact: self.environmental_enforcement.clone(),
            },
        })
    }
}

/// Parses and checks a triage rules file; every problem is located by line and column.
pub fn parse_triage(source: &str) -> Result<TriageRules, Vec<PlanError>> {
    let located = |at: usize, field: &str, message: String| {
        let (line, column) = line_column(source, at);
        PlanError { line, column, field: field.to_string(), message }
    };
    let doc = ImDocument::parse(source).map_err(|err| {
        let at = err.span().map_or(0, |span| span.start);
        vec![located(at, "", err.message().lines().next().unwrap_or("").to_string())]
    })?;
    match doc.get("format").and_then(|item| item.as_integer()) {
        Some(TRIAGE_FORMAT) => {}
        _ => {
            let at = doc.get("format").and_then(|item| item.span()).map_or(0, |s| s.start);
            return Err(vec![located(
                at,
                "format",
                format!("this version of Safer reads `format = {TRIAGE_FORMAT}`"),
            )]);
        }
    }
    let rules: TriageRules = toml::from_str(source).map_err(|err| {
        let at = err.span().map_or(0, |span| span.start);
        vec![located(at, "", err.message().lines().next().unwrap_or("").to_string())]
    })?;
    let mut problems: Vec<(Vec<Seg>, &str, String)> = Vec::new();
    if rules.behaviours.is_empty() {
        problems.push((vec![], "behaviour", "add at least one `[[behaviour]]`".to_string()));
    }
    for (i, behaviour) in rules.behaviours.iter().enumerate() {
        let at = |key: &'static str| vec![Seg::Key("behaviour"), Seg::Index(i), Seg::Key(key)];
        if !is_slug(&behaviour.id) {
            problems.push((at("id"), "behaviour.id", format!("`{}` is not a slug", behaviour.id)));
        } else if rules.behaviours[..i].iter().any(|b| b.id == behaviour.id) {
            problems.push((at("id"), "behaviour.id", format!("`{}` is used twice", behaviour.id)));
        }
        for (key, text) in [("label", &behaviour.label), ("why", &behaviour.why)] {
            if text.trim().is_empty() {
                problems.push((at(key), key, format!("`{}` needs a {key}", behaviour.id)));
            }
        }
        let where_else = behaviour.where_else.as_deref().map(str::trim).unwrap_or("");
        if behaviour.route == Route::NotAsb && where_else.is_empty() {
            problems.push((
                at("route"),
                "behaviour.where_else",
                format!("`{}` is not ASB: say where else to go in `where_else`", behaviour.id),
            ));
        }
    }
    if problems.is_empty() {
        return Ok(rules);
    }
    let mut errors: Vec<PlanError> = problems
        .into_iter()
        .map(|(path, field, message)| {
            let at = span_of(&doc, &path).map_or(0, |span| span.start);
            located(at, field, message)
        })
        .collect();
    errors.sort_by_key(|e| (e.line, e.column));
    Err(errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r#"format = 1
partnership = "Test"
police = { emergency = "999", non_emergency = "101", online = "https://police.example/report" }
environmental_enforcement = { name = "Street scene", online = "https://council.example/fly-tipping" }

[[behaviour]]
id = "noise"
label = "Noise"
route = "council-asb"
why = "Persistent noise is ASB the council deals with."

[[behaviour]]
id = "violence"
label = "Physical violence"
route = "police-first"
why = "Violence is a crime."

[[behaviour]]
id = "cooking"
label = "Cooking smells"
route = "not-asb"
why = "Everyday living is not ASB."
where_else = "Talk to your neighbour."

[[behaviour]]
id = "fly-tipping"
label = "Fly-tipping"
route = "environmental-crime"
why = "Fly-tipping is a crime."
"#;

    #[test]
    fn each_route_gives_its_answer_and_danger_always_means_999() {
        let rules = parse_triage(SMALL).unwrap();
        assert!(matches!(rules.decide("noise", false), Some(Outcome::Report { .. })));
        assert!(matches!(
            rules.decide("violence", false),
            Some(Outcome::Police { ref call, .. }) if call == "101"
        ));
        assert!(matches!(
            rules.decide("cooking", false),
            Some(Outcome::NotAsb { ref where_else, .. }) if where_else == "Talk to your neighbour."
        ));
        assert!(matches!(rules.decide("fly-tipping", false), Some(Outcome::Environmental { .. })));
        for id in ["noise", "violence", "cooking", "fly-tipping"] {
            assert_eq!(
                rules.decide(id, true),
                Some(Outcome::Emergency { call: "999".to_string() }),
                "{id}"
            );
        }
        assert_eq!(rules.decide("unknown", false), None);
    }

    #[test]
    fn problems_name_their_line() {
        let duplicate = SMALL.replace("id = \"violence\"", "id = \"noise\"");
        let errors = parse_triage(&duplicate).unwrap_err();
        assert_eq!((errors[0].line, errors[0].message.as_str()), (13, "`noise` is used twice"));
        let no_where = SMALL.replace("where_else = \"Talk to your neighbour.\"\n", "");
        let errors = parse_triage(&no_where).unwrap_err();
        assert_eq!(errors[0].line, 21, "{errors:?}");
        assert!(errors[0].message.contains("where_else"));
        let bad_route = SMALL.replace("route = \"council-asb\"", "route = \"somewhere\"");
        let errors = parse_triage(&bad_route).unwrap_err();
        assert_eq!(errors[0].line, 9, "{errors:?}");
        let errors = parse_triage("format = 2").unwrap_err();
        assert_eq!(errors[0].field, "format");
    }
}
