//! Harm weighting: counts of crimes by police.uk crime type, each multiplied by a weight for how
//! much harm one crime of that type does, so a burglary counts for more than a shoplifting.
//!
//! A [`HarmTable`] maps crime types to weights. [`default_table`] is Safer's default: for each
//! police.uk category, the mean Cambridge Crime Harm Index (CCHI) of its Home Office offence
//! subgroups, weighted by the England and Wales 2024/25 offence mix. Its unit is **days of
//! custody-equivalent per crime** (CCHI days: the sentencing-guideline starting point for a
//! first offender; Sherman, Neyroud & Neyroud 2016). Anti-social behaviour has weight 0 (it is
//! not a crime and has no sentencing starting point), so harm-weighted totals leave it out
//! unless a partnership's own table gives it a weight. The derivation, its sources and its
//! caveats are in `docs/harm.md`; `scripts/derive-harm-weights.py` reproduces the table, and the
//! same figures ship as `data/harm/default-police-uk-category-weights.csv` for people to copy
//! and edit (a test holds the file and [`DEFAULT_WEIGHTS`] equal).
//!
//! [`harm_weighted`] applies a table to counts. A crime type with a count but no weight is
//! listed in [`HarmWeighted::unweighted_types`], never silently counted as 0.
//!
//! Harm-weighted totals are not Poisson counts: do not put them through
//! [`crate::stats::exact_poisson_comparison`]. [`HarmWeighted::variance`] gives the Poisson
//! variance of the weighted sum for a rough normal approximation.

use std::collections::BTreeMap;

/// One crime type's weight in a [`HarmTable`].
#[derive(Debug, Clone, PartialEq)]
pub struct HarmEntry {
    /// The harm of one crime of this type, in the table's unit; finite and at least 0.
    pub weight: f64,
    /// Where the weight comes from.
    pub source: String,
    /// Anything a reader needs to know about it; may be empty.
    pub note: String,
}

/// Harm weights by police.uk crime type.
#[derive(Debug, Clone, PartialEq)]
pub struct HarmTable {
    /// What the table is, for output: `default` or the file it was read from.
    pub name: String,
    /// The unit of the weights, such as `CCHI days`; empty when the table does not say.
    pub unit: String,
    /// Weights by crime type as police.uk writes it (`Violence and sexual offences`).
    pub entries: BTreeMap<String, HarmEntry>,
}

impl HarmTable {
    /// The weight of `crime_type`, or `None` when the table has none.
    pub fn weight(&self, crime_type: &str) -> Option<f64> {
        self.entries.get(crime_type).map(|entry| entry.weight)
    }
}

/// The unit of [`default_table`]: days of custody-equivalent per crime.
pub const DEFAULT_UNIT: &str = "CCHI days";

/// The name of [`default_table`].
pub const DEFAULT_NAME: &str = "default";

/// The source of every derived row of [`DEFAULT_WEIGHTS`].
pub const DEFAULT_SOURCE: &str = "Derived from isthisben/cbl-realcrime data/cchi_weights.csv \
     @5591939 (median CCHI days per Home Office subgroup x E&W 2024/25 counts); see docs/harm.md";

/// The source of the anti-social behaviour row of [`DEFAULT_WEIGHTS`].
pub const ASB_SOURCE: &str = "Safer default; see docs/harm.md";

/// One row of the default table: crime type, weight (CCHI days), source, note.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DefaultWeight {
    /// The police.uk crime type.
    pub crime_type: &'static str,
    /// The weight in [`DEFAULT_UNIT`].
    pub weight: f64,
    /// Where it comes from.
    pub source: &'static str,
    /// What it is made of, or why it is 0.
    pub note: &'static str,
}

const fn derived(crime_type: &'static str, weight: f64, note: &'static str) -> DefaultWeight {
    DefaultWeight { crime_type, weight, source: DEFAULT_SOURCE, note }
}

/// The default weights for the 14 police.uk crime types, in police.uk's order; the same rows
/// as `data/harm/default-police-uk-category-weights.csv` (printed by
/// `scripts/derive-harm-weights.py`; docs/harm.md explains every figure).
pub const DEFAULT_WEIGHTS: [DefaultWeight; 14] = [
    DefaultWeight {
        crime_type: "Anti-social behaviour",
        weight: 0.0,
        source: ASB_SOURCE,
        note: "Excluded: ASB is not a crime and has no sentencing starting point; weight 0 so \
               harm-weighted totals leave ASB out unless your own file gives it a weight",
    },
    derived("Bicycle theft", 2.0, "One Home Office subgroup: Bicycle theft"),
    derived(
        "Burglary",
        244.68,
        "Mix of Home Office subgroups (share of E&W 2024/25 count): Residential burglary 68.0%; \
         Non-residential burglary 32.0%",
    ),
    derived(
        "Criminal damage and arson",
        11.18,
        "Mix of Home Office subgroups (share of E&W 2024/25 count): Criminal damage 95.0%; \
         Arson 5.0%",
    ),
    derived(
        "Drugs",
        3.66,
        "Mix of Home Office subgroups (share of E&W 2024/25 count): Possession of drugs 67.1%; \
         Trafficking of drugs 32.9%",
    ),
    derived("Other crime", 10.0, "One Home Office subgroup: Miscellaneous crimes against society"),
    derived("Other theft", 2.0, "One Home Office subgroup: Other theft offences"),
    derived(
        "Possession of weapons",
        273.75,
        "One Home Office subgroup: Possession of weapons offences",
    ),
    derived("Public order", 7.5, "One Home Office subgroup: Public order offences"),
    derived(
        "Robbery",
        365.0,
        "Mix of Home Office subgroups (share of E&W 2024/25 count): Robbery of business \
         property 19.7%; Robbery of personal property 80.3%",
    ),
    derived("Shoplifting", 1.0, "One Home Office subgroup: Shoplifting"),
    derived("Theft from the person", 2.0, "One Home Office subgroup: Theft from the person"),
    derived("Vehicle crime", 5.0, "One Home Office subgroup: Vehicle offences"),
    derived(
        "Violence and sexual offences",
        194.21,
        "Mix of Home Office subgroups (share of E&W 2024/25 count): Homicide 0.02%; Violence \
         with injury 24.3%; Violence without injury 37.8%; Stalking and harassment 28.1%; Death \
         or serious injury - unlawful driving 0.11%; Rape offences 3.4%; Other sexual offences \
         6.4%",
    ),
];

/// Safer's default harm table ([`DEFAULT_WEIGHTS`]), named [`DEFAULT_NAME`], in
/// [`DEFAULT_UNIT`]. See the module documentation and `docs/harm.md`.
pub fn default_table() -> HarmTable {
    HarmTable {
        name: DEFAULT_NAME.to_string(),
        unit: DEFAULT_UNIT.to_string(),
        entries: DEFAULT_WEIGHTS
            .iter()
            .map(|row| {
                let entry = HarmEntry {
                    weight: row.weight,
                    source: row.source.to_string(),
                    note: row.note.to_string(),
                };
                (row.crime_type.to_string(), entry)
            })
            .collect(),
    }
}

/// One crime type's count and harm.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct WeightedCount {
    /// The number of crimes.
    pub count: u64,
    /// The table's weight for the type.
    pub weight: f64,
    /// `count × weight`, in the table's unit.
    pub harm: f64,
}

/// Counts with harm weights applied.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct HarmWeighted {
    /// The sum of `harm` over the weighted types, in the table's unit.
    pub total: f64,
    /// The Poisson variance of `total`, estimated as Σ count × weight²: the square root is a
    /// standard error for a rough normal approximation (crude when a few heavily weighted
    /// crimes dominate).
    pub variance: f64,
    /// Count, weight and harm for each crime type the table weights (zero counts included
    /// when the caller passed them).
    pub by_crime_type: BTreeMap<String, WeightedCount>,
    /// Crime types with a count above 0 but no weight in the table, in order. Their crimes are
    /// not in `total`; say so in any output.
    pub unweighted_types: Vec<String>,
    /// The number of crimes of the `unweighted_types`.
    pub n_unweighted: u64,
    /// Crime types with a count above 0 and weight 0 (anti-social behaviour in the default
    /// table): weighted, but contributing nothing to `total`.
    pub zero_weight_types: Vec<String>,
}

/// Applies `table` to counts by crime type. Never fails: a type without a weight is reported
/// in [`HarmWeighted::unweighted_types`] rather than counted as 0.
pub fn harm_weighted(counts: &BTreeMap<String, u64>, table: &HarmTable) -> HarmWeighted {
    let mut weighted = HarmWeighted {
        total: 0.0,
        variance: 0.0,
        by_crime_type: BTreeMap::new(),
        unweighted_types: Vec::new(),
        n_unweighted: 0,
        zero_weight_types: Vec::new(),
    };
    for (crime_type, &count) in counts {
        let Some(weight) = table.weight(crime_type) else {
            if count > 0 {
                weighted.unweighted_types.push(crime_type.clone());
                weighted.n_unweighted += count;
            }
            continue;
        };
        if count > 0 && weight == 0.0 {
            weighted.zero_weight_types.push(crime_type.clone());
        }
        let harm = count as f64 * weight;
        weighted.total += harm;
        weighted.variance += harm * weight;
        weighted.by_crime_type.insert(crime_type.clone(), WeightedCount { count, weight, harm });
    }
    weighted
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shipped CSV, for the agreement test.
    const DEFAULT_CSV: &str =
        include_str!("../../../data/harm/default-police-uk-category-weights.csv");

    use safer_domain::crime_type::CRIME_TYPES;

    /// Splits one CSV line on commas, honouring double quotes (`""` is one `"`).
    fn split_line(line: &str) -> Vec<String> {
        let mut fields = vec![String::new()];
        let mut quoted = false;
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match (c, quoted) {
                ('"', true) if chars.peek() == Some(&'"') => {
                    chars.next();
                    fields.last_mut().unwrap().push('"');
                }
                ('"', _) => quoted = !quoted,
                (',', false) => fields.push(String::new()),
                (c, _) => fields.last_mut().unwrap().push(c),
            }
        }
        fields
    }

    #[test]
    fn the_const_table_equals_the_shipped_csv() {
        let mut lines = DEFAULT_CSV.lines();
        assert_eq!(lines.next(), Some("crime_type,weight,source,note"));
        let rows: Vec<Vec<String>> = lines.map(split_line).collect();
        assert_eq!(rows.len(), DEFAULT_WEIGHTS.len());
        for (row, expected) in rows.iter().zip(DEFAULT_WEIGHTS.iter()) {
            assert_eq!(row.len(), 4, "{row:?}");
            assert_eq!(row[0], expected.crime_type);
            assert_eq!(row[1].parse::<f64>().unwrap(), expected.weight, "{}", row[0]);
            assert_eq!(row[1], format!("{:.2}", expected.weight), "two decimals, as derived");
            assert_eq!(row[2], expected.source, "{}", row[0]);
            assert_eq!(row[3], expected.note, "{}", row[0]);
        }
    }

    #[test]
    fn every_police_uk_crime_type_is_weighted_or_explicitly_excluded() {
        let table = default_table();
        assert_eq!(table.entries.len(), CRIME_TYPES.len());
        for crime_type in CRIME_TYPES {
            let entry = &table.entries[crime_type];
            assert!(entry.weight.is_finite() && entry.weight >= 0.0, "{crime_type}");
            if entry.weight == 0.0 {
                assert!(entry.note.starts_with("Excluded: "), "{crime_type}: {}", entry.note);
            }
        }
        let excluded: Vec<&str> = DEFAULT_WEIGHTS
            .iter()
            .filter(|row| row.weight == 0.0)
            .map(|row| row.crime_type)
            .collect();
        assert_eq!(excluded, ["Anti-social behaviour"]);
        assert_eq!(table.name, "default");
        assert_eq!(table.unit, "CCHI days");
    }

    fn counts(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
        pairs.iter().map(|&(crime_type, count)| (crime_type.to_string(), count)).collect()
    }

    #[test]
    fn weighted_counts_by_hand() {
        let weighted = harm_weighted(
            &counts(&[
                ("Anti-social behaviour", 100),
                ("Burglary", 3),
                ("Shoplifting", 10),
                ("Bicycle theft", 0),
            ]),
            &default_table(),
        );
        // 3 × 244.68 + 10 × 1 + 0 × 2; ASB at weight 0.
        assert!((weighted.total - 744.04).abs() < 1e-9, "{}", weighted.total);
        assert!((weighted.variance - (3.0 * 244.68 * 244.68 + 10.0)).abs() < 1e-6);
        assert_eq!(weighted.by_crime_type.len(), 4);
        assert_eq!(
            weighted.by_crime_type["Burglary"],
            WeightedCount { count: 3, weight: 244.68, harm: 3.0 * 244.68 }
        );
        assert!(weighted.unweighted_types.is_empty());
        assert_eq!(weighted.n_unweighted, 0);
        assert_eq!(weighted.zero_weight_types, ["Anti-social behaviour"]);
    }

    #[test]
    fn types_without_a_weight_are_reported_not_zeroed() {
        let mut table = default_table();
        table.entries.remove("Drugs");
        let weighted = harm_weighted(
            &counts(&[("Drugs", 7), ("Fraud", 2), ("Robbery", 1), ("Unheard of", 0)]),
            &table,
        );
        assert_eq!(weighted.total, 365.0);
        assert_eq!(weighted.unweighted_types, ["Drugs", "Fraud"]);
        assert_eq!(weighted.n_unweighted, 9);
        assert_eq!(weighted.by_crime_type.keys().collect::<Vec<_>>(), ["Robbery"]);
        assert!(weighted.zero_weight_types.is_empty());
    }

    #[test]
    fn empty_counts_weigh_nothing() {
        let weighted = harm_weighted(&BTreeMap::new(), &default_table());
        assert_eq!(weighted.total, 0.0);
        assert_eq!(weighted.variance, 0.0);
        assert!(weighted.by_crime_type.is_empty() && weighted.unweighted_types.is_empty());
    }
}
