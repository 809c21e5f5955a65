//! The vocabulary of multi-agency cases: case types, subjects and their parts in a case,
//! consent, the legal bases for sharing, retention, and the duplicate-matching key.
//!
//! The statutory rules that run on cases (powers, the Community Trigger, DASH and MARAC, ASB
//! risk) live in [`crate::casework`]; who may see a case lives in [`crate::access`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Declares a closed vocabulary stored as text: the enum, `as_str`, `label`, `ALL`,
/// `Display` and `FromStr` (which accepts exactly the stored spelling).
macro_rules! vocabulary {
    (
        $(#[$meta:meta])* $name:ident, $what:literal {
            $($(#[$vmeta:meta])* $variant:ident = $text:literal, $label:literal;)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant,)+
        }

        impl $name {
            /// Every value, in the order they are offered to people.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored spelling.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            /// The name shown to people.
            pub fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label,)+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::ALL.iter().copied().find(|v| v.as_str() == s).ok_or_else(|| UnknownValue {
                    what: $what,
                    value: s.chars().take(40).collect(),
                    expected: $name::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", "),
                })
            }
        }
    };
}

/// A stored or submitted value outside its vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{value}`; expected one of {expected}")]
pub struct UnknownValue {
    /// What kind of value it was meant to be.
    pub what: &'static str,
    /// The value (at most 40 characters of it).
    pub value: String,
    /// The accepted spellings.
    pub expected: String,
}

vocabulary! {
    /// The kinds of case the partnership works.
    CaseType, "case type" {
        /// Anti-social behaviour: victim-focused response and enforcement powers.
        Asb = "asb", "Anti-social behaviour";
        /// A vulnerable person discussed at the Community Safety and Vulnerability Group.
        Vulnerability = "vulnerability", "Vulnerability (CSVG)";
        /// Contextual safeguarding at the DCSM: young people, peer groups and locations.
        Contextual = "contextual", "Contextual safeguarding (DCSM)";
        /// Domestic abuse: DASH risk checklist and MARAC.
        DomesticAbuse = "domestic-abuse", "Domestic abuse (MARAC)";
    }
}

impl CaseType {
    /// Whether cases of this type are restricted to the case team (see [`crate::access`]):
    /// domestic abuse and the safeguarding of children are.
    pub fn restricted(self) -> bool {
        matches!(self, CaseType::DomesticAbuse | CaseType::Contextual)
    }

    /// Whether the Anti-social Behaviour, Crime and Policing Act 2014's powers (warnings,
    /// notices, closures, PSPOs, injunctions) are recorded on cases of this type: ASB cases,
    /// vulnerability cases (the CSVG's complex ASB, with a vulnerable victim or perpetrator) and
    /// contextual safeguarding cases (closing premises where young people are exploited, a PSPO
    /// for a place, an injunction against an adult who exploits them). Not on domestic abuse
    /// cases: abuse within a relationship is answered by the police's protection notices and
    /// orders and the family courts, and a MARAC case's restricted record is not the place to
    /// serve an ASB notice from.
    pub fn takes_enforcement_powers(self) -> bool {
        !matches!(self, CaseType::DomesticAbuse)
    }

    /// The prefix of case references, such as `ASB` in `ASB-000123`.
    pub fn reference_prefix(self) -> &'static str {
        match self {
            CaseType::Asb => "ASB",
            CaseType::Vulnerability => "VUL",
            CaseType::Contextual => "CS",
            CaseType::DomesticAbuse => "DA",
        }
    }

    /// The default retention after closure, in years: six years for every type, the period
    /// most partnership information-sharing agreements and the Limitation Act 1980's six-year
    /// civil claims period lead councils and forces to use for case records. Configurable per
    /// partnership.
    pub fn default_retention_years(self) -> u32 {
        6
    }
}

vocabulary! {
    /// What a case subject is.
    SubjectKind, "subject kind" {
        /// A person.
        Person = "person", "Person";
        /// A peer group of young people (contextual safeguarding).
        PeerGroup = "peer-group", "Peer group";
        /// A place: a street, park, estate or other location.
        Location = "location", "Location";
        /// Premises: a shop, licensed venue or dwelling.
        Premises = "premises", "Premises";
    }
}

vocabulary! {
    /// A subject's part in a case.
    LinkRole, "part in the case" {
        /// Harmed by the behaviour.
        Victim = "victim", "Victim";
        /// Complained about it (may also be the victim).
        Complainant = "complainant", "Complainant";
        /// Alleged to be responsible.
        Perpetrator = "perpetrator", "Alleged perpetrator";
        /// A young person at risk (contextual safeguarding).
        YoungPerson = "young-person", "Young person";
        /// An offender under management.
        Offender = "offender", "Offender";
        /// Saw or heard it.
        Witness = "witness", "Witness";
        /// Where it happens.
        Location = "location", "Location";
        /// A peer group involved.
        PeerGroup = "peer-group", "Peer group";
        /// Premises involved.
        Premises = "premises", "Premises";
    }
}

vocabulary! {
    /// What a subject agreed to about sharing their information.
    Consent, "consent" {
        /// They agreed.
        Given = "given", "Given";
        /// They refused: share only on another legal basis.
        Refused = "refused", "Refused";
        /// Not asked yet.
        NotSought = "not-sought", "Not sought";
        /// Not needed (a location, or sharing on another basis).
        NotRequired = "not-required", "Not required";
    }
}

vocabulary! {
    /// The legal basis for sharing a case with another agency (UK GDPR art. 6 and, for
    /// safeguarding, Data Protection Act 2018 sch. 1 para 18; the power to share is Crime and
    /// Disorder Act 1998 s.115).
    LegalBasis, "legal basis" {
        /// The subject agreed.
        Consent = "consent", "Consent";
        /// A legal obligation on the sharing agency.
        LegalObligation = "legal-obligation", "Legal obligation";
        /// A task in the public interest or official authority (CDA 1998 s.115).
        PublicTask = "public-task", "Public task";
        /// To protect someone's life.
        VitalInterests = "vital-interests", "Vital interests";
        /// Safeguarding children or individuals at risk.
        Safeguarding = "safeguarding", "Safeguarding";
    }
}

vocabulary! {
    /// The partnership's case panels.
    PanelKind, "panel" {
        /// The Community Safety and Vulnerability Group: vulnerable people and ASB, weekly.
        Csvg = "csvg", "Community Safety and Vulnerability Group";
        /// The District Contextual Safeguarding Meeting: young people, peer groups, places.
        Dcsm = "dcsm", "District Contextual Safeguarding Meeting";
        /// The Multi-Agency Risk Assessment Conference: high-risk domestic abuse.
        Marac = "marac", "MARAC";
        /// A Ward Cluster Meeting: neighbourhood problems in a group of wards.
        WardCluster = "ward-cluster", "Ward Cluster Meeting";
    }
}

impl PanelKind {
    /// The usual days between meetings: the CSVG meets weekly (the plan says so); MARAC and
    /// the DCSM usually monthly; Ward Cluster Meetings about every six weeks. Configurable.
    pub fn default_cadence_days(self) -> u32 {
        match self {
            PanelKind::Csvg => 7,
            PanelKind::Dcsm | PanelKind::Marac => 28,
            PanelKind::WardCluster => 42,
        }
    }
}

/// The key duplicate warnings compare: the name folded to lower case, with everything but
/// letters and digits turned into single spaces, so "O'Brien,  Sam" and "o brien sam" match.
pub fn match_key(name: &str) -> String {
    let mut key = String::with_capacity(name.len());
    let mut gap = false;
    for ch in name.chars().flat_map(char::to_lowercase) {
        if ch.is_alphanumeric() {
            if gap && !key.is_empty() {
                key.push(' ');
            }
            gap = false;
            key.push(ch);
        } else {
            gap = true;
        }
    }
    key
}

/// Checks a `YYYY-MM-DD` date: four-digit year, real month and day (leap years included).
pub fn is_iso_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return false;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = &text[range];
        part.bytes().all(|b| b.is_ascii_digit()).then(|| part.parse().ok()).flatten()
    };
    let (Some(year), Some(month), Some(day)) = (digits(0..4), digits(5..7), digits(8..10)) else {
        return false;
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    year >= 1900 && (1..=days).contains(&day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabularies_round_trip_and_refuse_strangers() {
        for t in CaseType::ALL {
            assert_eq!(t.as_str().parse::<CaseType>().unwrap(), *t);
        }
        let err = "ASB".parse::<CaseType>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown case type `ASB`; expected one of asb, vulnerability, contextual, domestic-abuse"
        );
        assert_eq!("given".parse::<Consent>().unwrap(), Consent::Given);
        assert!("yes".parse::<LegalBasis>().is_err());
    }

    #[test]
    fn domestic_abuse_and_safeguarding_are_restricted() {
        assert!(CaseType::DomesticAbuse.restricted());
        assert!(CaseType::Contextual.restricted());
        assert!(!CaseType::Asb.restricted());
        assert!(!CaseType::Vulnerability.restricted());
    }

    #[test]
    fn match_keys_fold_case_punctuation_and_spacing() {
        assert_eq!(match_key("O'Brien,  Sam"), "o brien sam");
        assert_eq!(match_key("  o brien sam "), "o brien sam");
        assert_eq!(match_key("ZOË-Ann"), "zoë ann");
        assert_eq!(match_key("!!!"), "");
    }

    #[test]
    fn iso_dates_are_checked_for_real_days() {
        assert!(is_iso_date("2024-02-29"));
        assert!(!is_iso_date("2023-02-29"));
        assert!(!is_iso_date("2100-02-29"));
        assert!(is_iso_date("2000-02-29"));
        assert!(!is_iso_date("2024-13-01"));
        assert!(!is_iso_date("2024-1-01"));
        assert!(!is_iso_date("24-01-01xx"));
        assert!(!is_iso_date("2024-04-31"));
    }
}
