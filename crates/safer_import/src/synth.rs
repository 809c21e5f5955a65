//! Synthetic police.uk street files, for demos, tests and benchmarks.
//!
//! [`StreetSynth`] writes files in exactly the format police.uk publishes
//! (`YYYY-MM/YYYY-MM-<force>-street.csv`, the published header, CRLF line endings, 64-hex
//! `Crime ID`s for crimes, an empty `Crime ID` and outcome for anti-social behaviour, rows
//! grouped by district and LSOA with the "No Location" rows last), over an invented geography:
//!
//! - **Everything is synthetic.** District names are the force's name and a landscape word
//!   ("Kent Downs", "Kent Marsh"), LSOA names follow the police.uk pattern
//!   (`Kent Downs 001A`), LSOA codes are well-formed but fictional (`E019xxxxx`, above every
//!   real code, which end near `E0103xxxx`), and streets are drawn from an invented list. No
//!   row describes a real place or a real crime.
//! - **The category mix is real.** Crime types and outcomes are drawn with the shares of the 23
//!   real Kent street files (see [`CRIME_TYPE_MIX`]), with a town-centre tilt in hotspot LSOAs.
//! - **Crime clusters.** Each LSOA has a heavy-tailed weight (Pareto, α = 2) raised near its
//!   district's centre, so a few hotspot LSOAs get many times the median; each LSOA has a few
//!   snap points ("On or near Mill Lane") that all of its rows use, as police.uk snaps to a
//!   master list of points.
//! - **Months wobble.** Monthly totals follow a seasonal curve (summer high, winter low) that
//!   averages to `rows_per_month`, and the total over all months is exactly
//!   `months × rows_per_month`.
//!
//! Generation is pure and deterministic: the same [`SynthConfig`] gives the same bytes on any
//! machine (the generator uses only integer arithmetic, IEEE `+ − × ÷` and `sqrt`, which are
//! exact everywhere, and its own PRNG). The geography is laid out once; each month then has its
//! own random stream, so files can be generated in any order or in parallel.

use std::fmt;

use crate::police_uk::{Month, CRIME_TYPES, STREET_HEADER};

/// Crime type counts in the 23 real Kent street files in `shared/data` (police.uk, Kent Police,
/// 2021-03 to 2023-01, 394,759 rows; see `shared/data/PROVENANCE.md`), in the order of
/// [`CRIME_TYPES`]. Used as weights, so the synthetic mix matches Kent's shares: violence and
/// sexual offences 41.7 %, anti-social behaviour 15.3 %, criminal damage and arson 9.9 %, …
pub const CRIME_TYPE_MIX: [u64; 14] = [
    60_441,  // Anti-social behaviour
    2_024,   // Bicycle theft
    12_683,  // Burglary
    38_935,  // Criminal damage and arson
    8_318,   // Drugs
    11_000,  // Other crime
    25_538,  // Other theft
    2_589,   // Possession of weapons
    25_609,  // Public order
    2_405,   // Robbery
    21_267,  // Shoplifting
    1_868,   // Theft from the person
    17_465,  // Vehicle crime
    164_617, // Violence and sexual offences
];

/// Crime type counts among the 4,234 "No Location" rows of the same files, in the order of
/// [`CRIME_TYPES`]: rows with no location are mostly violence, almost never ASB.
const NO_LOCATION_MIX: [u64; 14] = [4, 9, 51, 169, 201, 240, 332, 37, 251, 60, 48, 47, 132, 2_653];

/// Multipliers (in tenths) applied to [`CRIME_TYPE_MIX`] in town-centre LSOAs (the hotspots):
/// more shoplifting, theft from the person, robbery and public order; less burglary and vehicle
/// crime. Invented, to give hotspots a plausible character.
const TOWN_CENTRE_TILT: [u64; 14] = [12, 10, 5, 10, 15, 10, 12, 12, 15, 20, 40, 40, 7, 11];

/// `Last outcome category` counts among the crimes (not ASB) of the same Kent files.
const OUTCOMES: [(&str, u64); 15] = [
    ("Unable to prosecute suspect", 163_730),
    ("Investigation complete; no suspect identified", 109_121),
    ("Court result unavailable", 15_872),
    ("Status update unavailable", 11_640),
    ("Action to be taken by another organisation", 8_008),
    ("Further investigation is not in the public interest", 7_892),
    ("Local resolution", 4_421),
    ("Awaiting court outcome", 4_060),
    ("Under investigation", 3_944),
    ("Offender given a caution", 3_719),
    ("Offender given a drugs possession warning", 713),
    ("Further action is not in the public interest", 478),
    ("Formal action is not in the public interest", 456),
    ("Offender given penalty notice", 249),
    ("Suspect charged as part of another case", 15),
];

/// The share of rows with no location, in parts per 10,000: 4,234 of 394,759 Kent rows (1.07 %)
/// had none.
const NO_LOCATION_PER_10K: u64 = 107;

/// Seasonal factors by calendar month (January first), in thousandths: a summer high and a
/// winter low of about ±8 %, the shape of the Kent monthly totals (July 2021 had 19,920 rows,
/// February 2022 15,383). Hard-coded rather than computed with `cos`, so output does not depend
/// on the platform's maths library.
const SEASON: [u64; 12] = [931, 920, 960, 1000, 1040, 1069, 1080, 1069, 1040, 1000, 960, 931];

/// Average rows per LSOA per month: Kent has about 17,000 rows a month over about 900 LSOAs.
const ROWS_PER_LSOA_MONTH: u64 = 18;

/// At most this many LSOAs: about the number in England and Wales (34,753 in 2011).
const MAX_LSOAS: u64 = 35_000;

/// LSOAs per district: Kent's 13 districts average about 70.
const LSOAS_PER_DISTRICT: u64 = 70;

/// Words that, after the force's name, make the synthetic district names ("Kent Downs").
const DISTRICT_WORDS: [&str; 40] = [
    "Abbey",
    "Bay",
    "Brook",
    "Castle",
    "Chase",
    "Cliffs",
    "Coast",
    "Common",
    "Dale",
    "Downs",
    "Estuary",
    "Fells",
    "Fens",
    "Ford",
    "Forest",
    "Gate",
    "Glen",
    "Harbour",
    "Heath",
    "Hills",
    "Hollow",
    "Isle",
    "Lakes",
    "Levels",
    "Marsh",
    "Meadows",
    "Mere",
    "Moor",
    "Park",
    "Point",
    "Reach",
    "Ridge",
    "Riverside",
    "Sands",
    "Vale",
    "Valley",
    "Water",
    "Weald",
    "Wells",
    "Wolds",
];

/// First words of the synthetic street names.
const STREET_FIRST: [&str; 48] = [
    "Acorn", "Albert", "Alder", "Ash", "Barley", "Beech", "Birch", "Bridge", "Castle", "Cedar",
    "Chapel", "Cherry", "Church", "Clover", "Copse", "Elm", "Fern", "Field", "Forge", "Garden",
    "Green", "Hawthorn", "Hazel", "High", "Holly", "Kiln", "King", "Larch", "Linden", "Manor",
    "Maple", "Market", "Meadow", "Mill", "Oak", "Orchard", "Park", "Poplar", "Priory", "Queen's",
    "Rowan", "School", "Spring", "Station", "Victoria", "Well", "Willow", "Windmill",
];

/// Second words of the synthetic street names.
const STREET_KIND: [&str; 12] = [
    "Road", "Street", "Lane", "Close", "Avenue", "Way", "Drive", "Gardens", "Place", "Crescent",
    "Grove", "Walk",
];

/// Public places police.uk snaps to, as it names them.
const PLACES: [&str; 8] = [
    "Supermarket",
    "Parking Area",
    "Petrol Station",
    "Shopping Area",
    "Sports/Recreation Area",
    "Nightclub",
    "Further/Higher Educational Building",
    "Hospital",
];

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthConfig {
    /// The force slug used in file names, for example `kent`; `Reported by` and `Falls within`
    /// read "Kent Police".
    pub force: String,
    /// The number of consecutive months, one file each.
    pub months: u32,
    /// The average number of rows per file; the total is exactly `months × rows_per_month`.
    pub rows_per_month: u64,
    /// The seed: the same configuration gives the same bytes.
    pub seed: u64,
    /// The first month.
    pub start: Month,
}

/// Why a [`SynthConfig`] cannot be generated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SynthError {
    /// The force is not a slug (lowercase letters, digits and single hyphens).
    #[error("force `{force}` is not a slug like `kent` or `avon-and-somerset`")]
    Force {
        /// The force as given.
        force: String,
    },
    /// `months` or `rows_per_month` is zero.
    #[error("months and rows per month must be at least 1")]
    Empty,
    /// The last month would be after 9999-12.
    #[error("the months run past 9999-12")]
    MonthOutOfRange,
}

/// A generator of synthetic police.uk street files for one [`SynthConfig`].
///
/// Building it lays out the geography; [`StreetSynth::file`] then writes one month's file.
#[derive(Debug, Clone)]
pub struct StreetSynth {
    config: SynthConfig,
    /// "Kent Police": `Reported by` and `Falls within`, with the commas around them.
    force_field: String,
    /// Rows in each month's file.
    month_rows: Vec<u64>,
    lsoas: Vec<Lsoa>,
    /// Cumulative LSOA weights, for sampling.
    cumulative_weight: Vec<f64>,
    n_districts: usize,
}

/// One synthetic LSOA.
#[derive(Debug, Clone)]
struct Lsoa {
    /// Each snap point's fields from `Longitude` to `LSOA name`, with a trailing comma:
    /// `0.969601,51.253674,On or near Mill Lane,E01900001,Kent Downs 001A,`.
    points: Vec<Box<[u8]>>,
    town_centre: bool,
}

impl StreetSynth {
    /// Lays out the geography for `config`: about one LSOA per 18 rows a month (at least 5,
    /// at most 35,000), in 3 to 40 districts of about 70 LSOAs, inside a box somewhere in
    /// England chosen by the force's name and the seed.
    pub fn new(config: SynthConfig) -> Result<StreetSynth, SynthError> {
        if !safer_domain::slug::is_slug(&config.force) {
            return Err(SynthError::Force { force: config.force.clone() });
        }
        if config.months == 0 || config.rows_per_month == 0 {
            return Err(SynthError::Empty);
        }
        let months_i32 = i32::try_from(config.months).map_err(|_| SynthError::MonthOutOfRange)?;
        config.start.offset(months_i32 - 1).ok_or(SynthError::MonthOutOfRange)?;

        let month_rows = month_rows(&config);
        let mut rng = Rng::new(mix(config.seed, fnv1a(config.force.as_bytes())));
        let title = force_title(&config.force);
        let n_lsoas = (config.rows_per_month / ROWS_PER_LSOA_MONTH).clamp(5, MAX_LSOAS) as usize;
        let n_districts =
            n_lsoas.div_ceil(LSOAS_PER_DISTRICT as usize).clamp(3, DISTRICT_WORDS.len());

        // The force's box: centred somewhere in England, larger for more LSOAs (Kent, with
        // about 900, spans about 0.9° of longitude and 0.5° of latitude).
        let scale = (n_lsoas as f64 / 900.0).sqrt();
        let half_lon = (0.45 * scale).clamp(0.05, 1.2);
        let half_lat = (0.25 * scale).clamp(0.03, 0.8);
        let centre_lon = -2.6 + 3.2 * rng.unit();
        let centre_lat = 51.0 + 2.8 * rng.unit();

        // Districts in alphabetical order, as police.uk orders rows; LSOA codes follow the
        // order of names, as the real ones roughly do.
        let mut words: Vec<&str> = DISTRICT_WORDS.to_vec();
        rng.shuffle(&mut words);
        words.truncate(n_districts);
        words.sort_unstable();
        let code_base = 900_001 + rng.below(64_000 - n_lsoas as u64);
        let district_radius_lon = half_lon / (n_districts as f64).sqrt();
        let district_radius_lat = half_lat / (n_districts as f64).sqrt();

        let mut lsoas = Vec::with_capacity(n_lsoas);
        let mut weights = Vec::with_capacity(n_lsoas);
        for (district_idx, word) in words.iter().enumerate() {
            let district = format!("{title} {word}");
            let d_lon = centre_lon + half_lon * (2.0 * rng.unit() - 1.0);
            let d_lat = centre_lat + half_lat * (2.0 * rng.unit() - 1.0);
            let start = district_idx * n_lsoas / n_districts;
            let end = (district_idx + 1) * n_lsoas / n_districts;
            for lsoa_idx in 0..end - start {
                let code = format!("E01{:06}", code_base + (start + lsoa_idx) as u64);
                // Five LSOAs to an MSOA: 001A … 001E, 002A …
                let letter = char::from(b'A' + (lsoa_idx % 5) as u8);
                let name = format!("{district} {:03}{letter}", lsoa_idx / 5 + 1);
                let dx = rng.normal();
                let dy = rng.normal();
                let lon = d_lon + district_radius_lon * 0.5 * dx;
                let lat = d_lat + district_radius_lat * 0.5 * dy;
                // Heavy-tailed weight, raised near the district's centre (its town).
                let near_centre = 1.0 + 3.0 / (1.0 + 4.0 * (dx * dx + dy * dy));
                weights.push(near_centre / (1.0 - rng.unit()).sqrt());
                let n_points = 4 + rng.below(17) as usize;
                let points = (0..n_points)
                    .map(|_| {
                        let p_lon = lon + 0.004 * rng.normal();
                        let p_lat = lat + 0.003 * rng.normal();
                        let street = if rng.below(10) == 0 {
                            rng.pick(&PLACES).to_string()
                        } else {
                            // "Oak Road" or "Oak Mill Road": about 28,000 names, so the
                            // `Location` column is as varied as the real one.
                            let first = rng.pick(&STREET_FIRST);
                            let kind = rng.pick(&STREET_KIND);
                            if rng.below(2) == 0 {
                                format!("{first} {kind}")
                            } else {
                                format!("{first} {} {kind}", rng.pick(&STREET_FIRST))
                            }
                        };
                        let mut point = Vec::with_capacity(80);
                        push_coordinate(&mut point, p_lon.clamp(-10.5, 2.5));
                        point.push(b',');
                        push_coordinate(&mut point, p_lat.clamp(49.5, 60.5));
                        point.extend_from_slice(
                            format!(",On or near {street},{code},{name},").as_bytes(),
                        );
                        point.into_boxed_slice()
                    })
                    .collect();
                lsoas.push(Lsoa { points, town_centre: false });
            }
        }
        // The top 3 % by weight are town centres.
        let mut order: Vec<usize> = (0..n_lsoas).collect();
        order.sort_by(|&a, &b| weights[b].total_cmp(&weights[a]).then(a.cmp(&b)));
        for &idx in order.iter().take(n_lsoas.div_ceil(33)) {
            lsoas[idx].town_centre = true;
        }
        let cumulative_weight = weights
            .iter()
            .scan(0.0, |sum, w| {
                *sum += w;
                Some(*sum)
            })
            .collect();
        Ok(StreetSynth {
            force_field: format!(",{title} Police,{title} Police,"),
            config,
            month_rows,
            lsoas,
            cumulative_weight,
            n_districts,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &SynthConfig {
        &self.config
    }

    /// The number of files (one per month).
    pub fn n_files(&self) -> usize {
        self.month_rows.len()
    }

    /// The month of file `file_idx`.
    pub fn month(&self, file_idx: usize) -> Month {
        self.config.start.offset(file_idx as i32).expect("checked in new")
    }

    /// The number of data rows in file `file_idx`.
    pub fn n_rows(&self, file_idx: usize) -> u64 {
        self.month_rows[file_idx]
    }

    /// The number of data rows in all files: `months × rows_per_month`.
    pub fn total_rows(&self) -> u64 {
        self.month_rows.iter().sum()
    }

    /// The number of synthetic LSOAs.
    pub fn n_lsoas(&self) -> usize {
        self.lsoas.len()
    }

    /// The number of synthetic districts.
    pub fn n_districts(&self) -> usize {
        self.n_districts
    }

    /// The path of file `file_idx` relative to the output folder, as police.uk lays out its
    /// downloads: `2021-03/2021-03-kent-street.csv`.
    pub fn file_path(&self, file_idx: usize) -> String {
        let month = self.month(file_idx);
        format!("{month}/{month}-{}-street.csv", self.config.force)
    }

    /// The bytes of file `file_idx`.
    pub fn file(&self, file_idx: usize) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_file(file_idx, &mut out);
        out
    }

    /// Appends the bytes of file `file_idx` to `out` (reserving about 210 bytes a row).
    pub fn write_file(&self, file_idx: usize, out: &mut Vec<u8>) {
        let n_rows = self.month_rows[file_idx];
        let month = self.month(file_idx).to_string();
        let mut rng = Rng::new(mix(
            mix(self.config.seed, fnv1a(self.config.force.as_bytes())),
            0x4D4F_4E54_4800_0000 | file_idx as u64,
        ));
        out.reserve(usize::try_from(n_rows.saturating_mul(210)).unwrap_or(usize::MAX));
        out.extend_from_slice(STREET_HEADER.as_bytes());
        out.extend_from_slice(b"\r\n");

        let n_no_location = (n_rows * NO_LOCATION_PER_10K + 5_000) / 10_000;
        let n_located = n_rows - n_no_location;
        let mut per_lsoa = vec![0u32; self.lsoas.len()];
        let total_weight = *self.cumulative_weight.last().expect("at least five LSOAs");
        for _ in 0..n_located {
            let target = rng.unit() * total_weight;
            let idx = self.cumulative_weight.partition_point(|&c| c <= target);
            per_lsoa[idx.min(self.lsoas.len() - 1)] += 1;
        }

        let normal_mix = Sampler::new(&CRIME_TYPE_MIX);
        let centre_weights: Vec<u64> =
            CRIME_TYPE_MIX.iter().zip(TOWN_CENTRE_TILT).map(|(w, t)| w * t).collect();
        let centre_mix = Sampler::new(&centre_weights);
        let no_location_mix = Sampler::new(&NO_LOCATION_MIX);
        let outcome_weights: Vec<u64> = OUTCOMES.iter().map(|&(_, w)| w).collect();
        let outcomes = Sampler::new(&outcome_weights);
        let row_start = |out: &mut Vec<u8>, rng: &mut Rng, crime_type: usize| {
            if crime_type != ASB {
                push_crime_id(out, rng);
            }
            out.push(b',');
            out.extend_from_slice(month.as_bytes());
            out.extend_from_slice(self.force_field.as_bytes());
        };
        let row_end = |out: &mut Vec<u8>, rng: &mut Rng, crime_type: usize| {
            out.extend_from_slice(CRIME_TYPES[crime_type].as_bytes());
            out.push(b',');
            if crime_type != ASB {
                out.extend_from_slice(OUTCOMES[outcomes.sample(rng)].0.as_bytes());
            }
            out.extend_from_slice(b",\r\n");
        };

        for (lsoa, &n) in self.lsoas.iter().zip(&per_lsoa) {
            let mix = if lsoa.town_centre { &centre_mix } else { &normal_mix };
            for _ in 0..n {
                let crime_type = mix.sample(&mut rng);
                row_start(out, &mut rng, crime_type);
                let point = &lsoa.points[rng.below(lsoa.points.len() as u64) as usize];
                out.extend_from_slice(point);
                row_end(out, &mut rng, crime_type);
            }
        }
        for _ in 0..n_no_location {
            let crime_type = no_location_mix.sample(&mut rng);
            row_start(out, &mut rng, crime_type);
            out.extend_from_slice(b",,No Location,,,");
            row_end(out, &mut rng, crime_type);
        }
    }
}

/// The index of "Anti-social behaviour" in [`CRIME_TYPES`].
const ASB: usize = 0;

/// Splits `months × rows_per_month` rows over the months by the seasonal curve, exactly
/// (largest remainder, ties to the earlier month).
fn month_rows(config: &SynthConfig) -> Vec<u64> {
    let factors: Vec<u64> = (0..config.months)
        .map(|idx| {
            let month = config.start.offset(idx as i32).expect("checked by the caller");
            SEASON[usize::from(month.month()) - 1]
        })
        .collect();
    let total = u128::from(config.rows_per_month) * u128::from(config.months);
    let sum: u128 = factors.iter().map(|&f| u128::from(f)).sum();
    let mut rows: Vec<u128> = factors.iter().map(|&f| total * u128::from(f) / sum).collect();
    let mut remainders: Vec<(u128, usize)> =
        factors.iter().enumerate().map(|(idx, &f)| (total * u128::from(f) % sum, idx)).collect();
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let short = total - rows.iter().sum::<u128>();
    for &(_, idx) in remainders.iter().take(short as usize) {
        rows[idx] += 1;
    }
    rows.into_iter().map(|n| n as u64).collect()
}

/// "avon-and-somerset" → "Avon and Somerset".
fn force_title(force: &str) -> String {
    force
        .split('-')
        .map(|word| match word {
            "and" | "of" | "the" => word.to_string(),
            _ => {
                let mut chars = word.chars();
                chars.next().map_or(String::new(), |c| c.to_uppercase().chain(chars).collect())
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Writes `value` with six decimals, as police.uk does (`-0.969601`), without the platform's
/// float formatting.
fn push_coordinate(out: &mut Vec<u8>, value: f64) {
    let micro = (value * 1e6).round() as i64;
    if micro < 0 {
        out.push(b'-');
    }
    let micro = micro.unsigned_abs();
    out.extend_from_slice((micro / 1_000_000).to_string().as_bytes());
    out.extend_from_slice(format!(".{:06}", micro % 1_000_000).as_bytes());
}

/// 64 lowercase hex digits, like police.uk's (SHA-256) crime ids.
fn push_crime_id(out: &mut Vec<u8>, rng: &mut Rng) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut id = [0u8; 64];
    for chunk in id.chunks_exact_mut(16) {
        let mut bits = rng.next_u64();
        for digit in chunk.iter_mut() {
            *digit = HEX[(bits & 15) as usize];
            bits >>= 4;
        }
    }
    out.extend_from_slice(&id);
}

/// Samples indexes in proportion to integer weights.
struct Sampler {
    cumulative: Vec<u64>,
}

impl Sampler {
    fn new(weights: &[u64]) -> Sampler {
        let cumulative = weights
            .iter()
            .scan(0u64, |sum, &w| {
                *sum += w;
                Some(*sum)
            })
            .collect();
        Sampler { cumulative }
    }

    #[inline]
    fn sample(&self, rng: &mut Rng) -> usize {
        let target = rng.below(*self.cumulative.last().expect("non-empty weights"));
        self.cumulative.iter().position(|&c| target < c).expect("target below the total")
    }
}

impl fmt::Debug for Sampler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sampler").field("n", &self.cumulative.len()).finish()
    }
}

/// FNV-1a, to turn the force's name into part of the seed.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Combines two 64-bit values into a well-mixed seed (SplitMix64's finaliser over both).
fn mix(a: u64, b: u64) -> u64 {
    let mut state = a ^ b.rotate_left(32);
    splitmix64(&mut state) ^ splitmix64(&mut state)
}

/// SplitMix64 (Steele, Lea and Flood 2014): one step.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// xoshiro256** (Blackman and Vigna 2018), seeded by SplitMix64: small, fast and good enough
/// for synthetic data. Not for anything secret.
#[derive(Debug, Clone)]
struct Rng {
    s: [u64; 4],
}

impl Rng {
    fn new(seed: u64) -> Rng {
        let mut state = seed;
        Rng { s: std::array::from_fn(|_| splitmix64(&mut state)) }
    }

    #[inline]
    fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in `0..n` (Lemire's multiply-shift; the bias is below 2^-40 for our `n`).
    #[inline]
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `[0, 1)` with 53 random bits.
    #[inline]
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Roughly standard normal: the sum of four uniforms, centred and scaled (Irwin–Hall), so
    /// no `ln` or `cos` whose last bit could differ between platforms.
    fn normal(&mut self) -> f64 {
        let sum = self.unit() + self.unit() + self.unit() + self.unit();
        (sum - 2.0) * 3.0f64.sqrt()
    }

    /// One of `words`, uniformly.
    fn pick<'w>(&mut self, words: &[&'w str]) -> &'w str {
        words[self.below(words.len() as u64) as usize]
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for idx in (1..items.len()).rev() {
            items.swap(idx, self.below(idx as u64 + 1) as usize);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::police_uk::{count_by_month_type_lsoa, scan_street, LsoaFilter};

    fn config(seed: u64) -> SynthConfig {
        SynthConfig {
            force: "kent".to_string(),
            months: 3,
            rows_per_month: 4_000,
            seed,
            start: "2021-11".parse().unwrap(),
        }
    }

    #[test]
    fn files_are_police_uk_street_files_our_scanner_reads_without_errors() {
        let synth = StreetSynth::new(config(7)).unwrap();
        assert_eq!(synth.n_files(), 3);
        assert_eq!(synth.total_rows(), 12_000);
        assert_eq!(synth.file_path(0), "2021-11/2021-11-kent-street.csv");
        assert_eq!(synth.file_path(2), "2022-01/2022-01-kent-street.csv");
        for file_idx in 0..synth.n_files() {
            let bytes = synth.file(file_idx);
            let name = synth.file_path(file_idx);
            let scan = scan_street(&name, &bytes).unwrap();
            assert!(
                scan.errors.is_empty(),
                "{name}: {:?}",
                &scan.errors[..3.min(scan.errors.len())]
            );
            assert!(scan.warnings.is_empty(), "{name}: {:?}", scan.warnings);
            assert_eq!(scan.columns.len() as u64, synth.n_rows(file_idx));
            assert_eq!(scan.info.month, synth.month(file_idx));
            // CRLF throughout, ending with one.
            let text = std::str::from_utf8(&bytes).unwrap();
            assert!(text.ends_with(",\r\n"));
            assert_eq!(text.matches('\n').count(), text.matches("\r\n").count());
            assert_eq!(text.lines().count() as u64, synth.n_rows(file_idx) + 1);
        }
    }

    #[test]
    fn rows_look_like_police_uk_rows() {
        let synth = StreetSynth::new(config(3)).unwrap();
        let bytes = synth.file(1);
        let text = std::str::from_utf8(&bytes).unwrap();
        let mut lines = text.split("\r\n");
        assert_eq!(lines.next(), Some(STREET_HEADER));
        let rows: Vec<Vec<&str>> =
            lines.filter(|l| !l.is_empty()).map(|l| l.split(',').collect()).collect();
        let mut seen_no_location = false;
        let mut last_name = "";
        for row in &rows {
            assert_eq!(row.len(), 12, "{row:?}");
            assert_eq!(row[1], "2021-12");
            assert_eq!((row[2], row[3]), ("Kent Police", "Kent Police"));
            let asb = row[9] == "Anti-social behaviour";
            assert_eq!(row[0].is_empty(), asb, "{row:?}");
            assert_eq!(row[10].is_empty(), asb, "{row:?}");
            if !asb {
                assert_eq!(row[0].len(), 64);
                assert!(row[0].bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
            }
            assert_eq!(row[11], "");
            if row[6] == "No Location" {
                seen_no_location = true;
                assert_eq!(&row[4..6], ["", ""]);
                assert_eq!(&row[7..9], ["", ""]);
            } else {
                // No Location rows come last; located rows are sorted by LSOA name.
                assert!(!seen_no_location, "located row after a No Location row");
                assert!(row[6].starts_with("On or near "), "{row:?}");
                assert!(row[7].starts_with("E019") && row[7].len() == 9, "{row:?}");
                assert!(row[8].starts_with("Kent "), "{row:?}");
                assert!(row[8] >= last_name, "{} after {last_name}", row[8]);
                last_name = row[8];
                let lon: f64 = row[4].parse().unwrap();
                let lat: f64 = row[5].parse().unwrap();
                assert!((-10.5..=2.5).contains(&lon) && (49.5..=60.5).contains(&lat));
                assert_eq!(row[4].split('.').nth(1).map(str::len), Some(6));
            }
        }
        let n_no_location = rows.iter().filter(|r| r[6] == "No Location").count();
        assert!((20..=70).contains(&n_no_location), "{n_no_location}");
    }

    #[test]
    fn the_mix_is_kents_and_crime_clusters() {
        let mut config = config(11);
        config.rows_per_month = 60_000;
        config.months = 2;
        let synth = StreetSynth::new(config).unwrap();
        let files: Vec<(String, Vec<u8>)> =
            (0..2).map(|idx| (synth.file_path(idx), synth.file(idx))).collect();
        let slices: Vec<(&str, &[u8])> =
            files.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
        let batch = crate::police_uk::scan_street_slices(&slices, 1);
        assert_eq!(batch.n_row_errors(), 0);
        let cube = count_by_month_type_lsoa(&batch.columns, &LsoaFilter::All);
        assert_eq!(cube.total(), 120_000);
        let by_type = cube.by_crime_type();
        let share = |t: &str| by_type[t] as f64 / 120_000.0;
        let violence = share("Violence and sexual offences");
        let asb = share("Anti-social behaviour");
        assert!((0.38..0.46).contains(&violence), "violence {violence}");
        assert!((0.13..0.18).contains(&asb), "asb {asb}");
        assert_eq!(by_type.len(), 14);
        // Hotspots: the busiest LSOA has many times the median.
        let mut per_lsoa: Vec<u64> =
            cube.by_lsoa().into_iter().filter(|(c, _)| !c.is_empty()).map(|(_, n)| n).collect();
        per_lsoa.sort_unstable();
        let median = per_lsoa[per_lsoa.len() / 2];
        let max = *per_lsoa.last().unwrap();
        assert!(max > 8 * median, "max {max}, median {median}");
        assert!(synth.n_districts() > 1);
        // District filters work on the synthetic names.
        let first = batch.columns.row(0).lsoa_name.unwrap();
        let district = first.rsplit_once(' ').unwrap().0.to_string();
        let one = count_by_month_type_lsoa(&batch.columns, &LsoaFilter::District(district));
        assert!(one.total() > 0 && one.total() < cube.total());
    }

    #[test]
    fn same_seed_same_bytes_different_seed_different_bytes() {
        let a = StreetSynth::new(config(42)).unwrap();
        let b = StreetSynth::new(config(42)).unwrap();
        let c = StreetSynth::new(config(43)).unwrap();
        for idx in 0..3 {
            assert_eq!(a.file(idx), b.file(idx));
            assert_ne!(a.file(idx), c.file(idx));
        }
        assert_ne!(a.file(0), a.file(1));
    }

    #[test]
    fn months_wobble_but_add_up() {
        let mut config = config(1);
        config.months = 12;
        config.rows_per_month = 1_000;
        config.start = "2022-01".parse().unwrap();
        let synth = StreetSynth::new(config).unwrap();
        let rows: Vec<u64> = (0..12).map(|idx| synth.n_rows(idx)).collect();
        assert_eq!(rows.iter().sum::<u64>(), 12_000);
        assert!(rows[6] > 1_050 && rows[1] < 950, "{rows:?}");
    }

    #[test]
    fn rejects_bad_configs() {
        let mut bad = config(1);
        bad.force = "Kent Police".to_string();
        assert!(matches!(StreetSynth::new(bad), Err(SynthError::Force { .. })));
        let mut bad = config(1);
        bad.months = 0;
        assert_eq!(StreetSynth::new(bad).unwrap_err(), SynthError::Empty);
        let mut bad = config(1);
        bad.start = "9999-12".parse().unwrap();
        assert_eq!(StreetSynth::new(bad).unwrap_err(), SynthError::MonthOutOfRange);
    }

    #[test]
    fn helpers() {
        assert_eq!(force_title("avon-and-somerset"), "Avon and Somerset");
        assert_eq!(force_title("kent"), "Kent");
        let mut out = Vec::new();
        push_coordinate(&mut out, -0.9696014);
        out.push(b' ');
        push_coordinate(&mut out, 51.25);
        out.push(b' ');
        push_coordinate(&mut out, -0.0000004);
        assert_eq!(String::from_utf8(out).unwrap(), "-0.969601 51.250000 0.000000");
        assert_eq!(CRIME_TYPE_MIX.iter().sum::<u64>(), 394_759);
        assert_eq!(NO_LOCATION_MIX.iter().sum::<u64>(), 4_234);
    }
}
