//! The count-only scan of street files: month × crime type × LSOA counts without building
//! columns.
//!
//! [`count_street_bytes`] reads one street file and adds its rows to a [`StreetCounts`]. It
//! accepts and rejects exactly the rows the full scan ([`super::scan_street`],
//! [`super::scan_street_slices`]) accepts and rejects, and reports the same [`RowError`]s and
//! [`Warning`]s, but it keeps nothing of a row except its crime type and LSOA:
//!
//! - **Splitting.** The file is read in 64-byte blocks; for each block, bit masks of its commas,
//!   quotes and newlines are built (the compiler turns the loop into SIMD compares), and the
//!   set bits are walked in order. A record with no quote is split from those bits alone,
//!   with the splitter's rules for unquoted data (a record ends at `\n`, one `\r` before it is
//!   dropped, blank lines are skipped but counted). A record with a quote anywhere is handed
//!   to the shared quote-aware splitter ([`super::split`]), so RFC 4180 quoting (commas,
//!   newlines and `""` inside quotes, a quote inside an unquoted field being data, and the
//!   quoting problems) follows one implementation.
//! - **UTF-8.** Checked once per file, not per field: while the blocks are ASCII nothing is
//!   checked; at the first non-ASCII byte the rest of the file is checked with
//!   `std::str::from_utf8`. If that fails, the rest of the file is read record by record with
//!   the full per-field checks, so invalid fields are reported exactly as the full scan
//!   reports them.
//! - **Checks on every row.** The field count; `Month` is `YYYY-MM` and the file's month;
//!   `Longitude` and `Latitude` are both empty or both numbers in range (parsed with the same
//!   parser as the full scan, then dropped); `LSOA code` is empty or `E01`/`W01` and six
//!   digits; `Crime type` is not empty; every field is UTF-8. A row that fails any check is
//!   re-read with the full checker ([`super::fields`]), which writes its errors, so the
//!   messages are the full scan's by construction.
//! - **Decoded.** Only `Crime type` (a small table), `LSOA code` (its country letter and six
//!   digits index a table of ids, so a code is never hashed or compared as text) and, for
//!   [`LsoaFilter::District`], `LSOA name` (checked once per run of equal names). `Crime ID`,
//!   `Reported by`, `Falls within`, `Location`, `Last outcome category` and `Context` are
//!   split and UTF-8-checked but never copied or interned, and the coordinates are checked but
//!   not kept: use the full scan or `safer import police-uk` for anything but counts.
//!
//! Counts are dense per month: `[LSOA id][crime type id]` with 16 crime type slots (police.uk
//! publishes 14); rarer types past the 16th go to a hash map, so a file with thousands of
//! invented crime types costs memory per non-zero count, not per slot.

use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasherDefault;

use super::dictionary::FxHasher;
use super::fields::{self, parse_f64, LATITUDE_RANGE, LONGITUDE_RANGE};
use super::split::Splitter;
use super::{open, CountCube, FileInfo, FileKind, LsoaFilter, Month, RowError, Warning};
use crate::Result;

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// Crime type slots per LSOA in the dense counts.
const TYPE_SLOTS: usize = 16;

/// The most distinct crime types a store holds, as in the full scan (ids are `u16`, and the
/// full scan's id 0 is the empty string).
const MAX_CRIME_TYPES: usize = 65_535;

/// The field separators of a street row: 12 fields, 11 commas.
const N_COMMAS: usize = 11;

/// Crime type hash slots; a slot holds the id of the last type that hashed there.
const TYPE_CACHE: usize = 256;

/// Counts of street rows by month × crime type × LSOA code, filled by
/// [`count_street_bytes`] from one file or many.
///
/// The [`LsoaFilter`] is fixed when the counts are made, so every file is counted under the
/// same selection. Every accepted row's crime type is recorded whether or not the filter
/// selects the row, as the full scan's dictionary does, so [`StreetCounts::to_cube`] equals
/// [`super::count_by_month_type_lsoa`] over the full scan of the same files.
#[derive(Debug, Clone)]
pub struct StreetCounts {
    filter: LsoaFilter,
    crime_types: Vec<String>,
    /// Crime type ids by a hash of the text; `u16::MAX` when empty. Checked before use.
    type_cache: Box<[u16; TYPE_CACHE]>,
    /// LSOA code by id; id 0 is `""` (rows with no location).
    lsoa_codes: Vec<String>,
    /// LSOA ids by [`lsoa_slot`], plus one (0: not seen yet): 2 million `u32`s, allocated
    /// zeroed, so only the pages of codes in use are ever touched.
    lsoa_index: Vec<u32>,
    /// For [`LsoaFilter::Codes`]: whether each LSOA id is selected.
    lsoa_selected: Vec<bool>,
    /// Dense counts per month, `[lsoa id * TYPE_SLOTS + crime type id]`; may be shorter than
    /// the LSOA ids (missing cells are zero).
    months: BTreeMap<Month, Vec<u32>>,
    /// Counts for crime type ids from `TYPE_SLOTS` on: (month, lsoa id, crime type id).
    overflow: FxMap<(Month, u32, u32), u64>,
}

impl StreetCounts {
    /// No counts yet; rows will be selected by `filter`.
    pub fn new(filter: LsoaFilter) -> StreetCounts {
        StreetCounts {
            lsoa_selected: vec![filter.matches("", "")],
            filter,
            crime_types: Vec::new(),
            type_cache: Box::new([u16::MAX; TYPE_CACHE]),
            lsoa_codes: vec![String::new()],
            lsoa_index: vec![0; LSOA_SLOTS],
            months: BTreeMap::new(),
            overflow: FxMap::default(),
        }
    }

    /// The filter the rows are selected by.
    pub fn filter(&self) -> &LsoaFilter {
        &self.filter
    }

    /// Every crime type of an accepted row, selected or not, in order of first use.
    pub fn crime_types(&self) -> &[String] {
        &self.crime_types
    }

    /// The number of selected rows counted.
    pub fn total(&self) -> u64 {
        let dense: u64 = self.months.values().flatten().map(|&n| u64::from(n)).sum();
        dense + self.overflow.values().sum::<u64>()
    }

    /// The non-zero counts as `(month, crime type, LSOA code, count)`, sorted; rows with no
    /// location have the LSOA code `""`.
    pub fn rows(&self) -> Vec<(Month, &str, &str, u64)> {
        let mut rows = Vec::new();
        for (&month, cells) in &self.months {
            for (idx, &n) in cells.iter().enumerate() {
                if n > 0 {
                    rows.push((
                        month,
                        self.crime_types[idx % TYPE_SLOTS].as_str(),
                        self.lsoa_codes[idx / TYPE_SLOTS].as_str(),
                        u64::from(n),
                    ));
                }
            }
        }
        for (&(month, lsoa, crime_type), &n) in &self.overflow {
            rows.push((
                month,
                self.crime_types[crime_type as usize].as_str(),
                self.lsoa_codes[lsoa as usize].as_str(),
                n,
            ));
        }
        rows.sort_unstable();
        rows
    }

    /// The counts as a dense [`CountCube`], laid out exactly as
    /// [`super::count_by_month_type_lsoa`] lays out the same rows: months from the first to
    /// the last with a selected row, every crime type sorted, the LSOA codes with a selected
    /// row sorted.
    pub fn to_cube(&self) -> CountCube {
        let rows = self.rows();
        let mut crime_types = self.crime_types.clone();
        crime_types.sort_unstable();
        let mut lsoa_codes: Vec<String> = rows.iter().map(|r| r.2.to_string()).collect();
        lsoa_codes.sort_unstable();
        lsoa_codes.dedup();
        let months: Vec<Month> = match (rows.first(), rows.last()) {
            (Some(first), Some(last)) => (0..=first.0.months_until(last.0))
                .map(|n| first.0.offset(n).expect("between two valid months"))
                .collect(),
            _ => Vec::new(),
        };
        let mut counts = vec![0u32; months.len() * crime_types.len() * lsoa_codes.len()];
        if let Some(&first) = months.first() {
            for (month, crime_type, lsoa_code, n) in rows {
                let m = first.months_until(month) as usize;
                let t = crime_types.binary_search_by(|x| x.as_str().cmp(crime_type));
                let l = lsoa_codes.binary_search_by(|x| x.as_str().cmp(lsoa_code));
                let (Ok(t), Ok(l)) = (t, l) else { unreachable!("every key was collected") };
                let cell = &mut counts[(m * crime_types.len() + t) * lsoa_codes.len() + l];
                *cell = u32::try_from(u64::from(*cell) + n).unwrap_or(u32::MAX);
            }
        }
        CountCube::from_parts(months, crime_types, lsoa_codes, counts)
    }

    /// Adds `other`'s counts (and crime types) to these, for counts made on several threads.
    /// `other` should have been made with the same filter.
    pub fn merge(&mut self, other: &StreetCounts) {
        let type_ids: Vec<Option<usize>> =
            other.crime_types.iter().map(|t| self.crime_type_id(t.as_bytes())).collect();
        let lsoa_ids: Vec<u32> =
            other.lsoa_codes.iter().map(|code| self.lsoa_id(code.as_bytes())).collect();
        for (&month, cells) in &other.months {
            for (idx, &n) in cells.iter().enumerate() {
                if n > 0 {
                    let lsoa = lsoa_ids[idx / TYPE_SLOTS];
                    if let Some(crime_type) = type_ids[idx % TYPE_SLOTS] {
                        self.add(month, lsoa, crime_type, n);
                    }
                }
            }
        }
        for (&(month, lsoa, crime_type), &n) in &other.overflow {
            if let Some(crime_type) = type_ids[crime_type as usize] {
                let n = u32::try_from(n).unwrap_or(u32::MAX);
                self.add(month, lsoa_ids[lsoa as usize], crime_type, n);
            }
        }
    }

    fn add(&mut self, month: Month, lsoa: u32, crime_type: usize, n: u32) {
        if crime_type < TYPE_SLOTS {
            let cells = self.months.entry(month).or_default();
            let idx = lsoa as usize * TYPE_SLOTS + crime_type;
            if idx >= cells.len() {
                cells.resize(self.lsoa_codes.len() * TYPE_SLOTS, 0);
            }
            cells[idx] += n;
        } else {
            *self.overflow.entry((month, lsoa, crime_type as u32)).or_insert(0) += u64::from(n);
        }
    }

    /// The id of a crime type, adding it if new; `None` past [`MAX_CRIME_TYPES`].
    #[inline]
    fn crime_type_id(&mut self, text: &[u8]) -> Option<usize> {
        let slot = type_hash(text);
        let cached = usize::from(self.type_cache[slot]);
        if self.crime_types.get(cached).is_some_and(|t| same_bytes(t.as_bytes(), text)) {
            return Some(cached);
        }
        let id = match self.crime_types.iter().position(|t| t.as_bytes() == text) {
            Some(id) => id,
            None if self.crime_types.len() >= MAX_CRIME_TYPES => return None,
            None => {
                // Every caller passes text from a checked-UTF-8 row.
                self.crime_types.push(String::from_utf8_lossy(text).into_owned());
                self.crime_types.len() - 1
            }
        };
        if let Ok(small) = u16::try_from(id) {
            self.type_cache[slot] = small;
        }
        Some(id)
    }

    /// The id of an LSOA code (`""` or a checked `E01`/`W01` code), adding it if new.
    #[inline]
    fn lsoa_id(&mut self, code: &[u8]) -> u32 {
        let Some(slot) = lsoa_slot(code) else {
            // `""`, the only other value a checked row has.
            return 0;
        };
        match self.lsoa_index[slot] {
            0 => self.new_lsoa(slot, code),
            id_plus_one => id_plus_one - 1,
        }
    }

    #[cold]
    fn new_lsoa(&mut self, slot: usize, code: &[u8]) -> u32 {
        let id = u32::try_from(self.lsoa_codes.len()).expect("fewer than 2^32 LSOA codes");
        let text = String::from_utf8_lossy(code).into_owned();
        self.lsoa_selected.push(self.filter.matches(&text, ""));
        self.lsoa_codes.push(text);
        self.lsoa_index[slot] = id + 1;
        id
    }
}

/// A slot in the crime type cache: the length and the first and last bytes, mixed.
#[inline]
fn type_hash(text: &[u8]) -> usize {
    let (first, last) = match text {
        [] => (0, 0),
        [first, .., last] => (*first, *last),
        [only] => (*only, *only),
    };
    let mixed = (text.len() as u32).wrapping_mul(0x9E37_79B9)
        ^ u32::from(first).wrapping_mul(0x85EB_CA6B)
        ^ u32::from(last).wrapping_mul(0xC2B2_AE35);
    (mixed >> 24) as usize % TYPE_CACHE
}

/// Slots in the LSOA index: one per possible `E01`/`W01` code.
const LSOA_SLOTS: usize = 2_000_000;

/// The slot of an LSOA code in [`StreetCounts`]' index: its six digits, plus a million for
/// Wales; `None` for anything but `E01`/`W01` and six digits (in a checked row, only `""`).
#[inline]
fn lsoa_slot(code: &[u8]) -> Option<usize> {
    let [country, b'0', b'1', digits @ ..] = code else {
        return None;
    };
    let wales = match country {
        b'E' => 0,
        b'W' => 1,
        _ => return None,
    };
    if digits.len() != 6 {
        return None;
    }
    let mut number = 0usize;
    for &d in digits {
        let d = d.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        number = number * 10 + usize::from(d);
    }
    Some(wales * 1_000_000 + number)
}

/// What [`count_street_bytes`] found in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountReport {
    /// What the file is.
    pub info: FileInfo,
    /// Good rows: the rows the full scan keeps, selected by the filter or not.
    pub rows: usize,
    /// Good rows the filter selected, which were counted.
    pub selected: usize,
    /// The bad rows, in file order, exactly as the full scan reports them; they are not
    /// counted.
    pub errors: Vec<RowError>,
    /// Crime types outside [`super::CRIME_TYPES`], as the full scan reports them.
    pub warnings: Vec<Warning>,
}

/// Counts one street file (`YYYY-MM-<force>-street.csv`, whole contents in `data`) into
/// `counts` by month × crime type × LSOA code, under the counts' [`LsoaFilter`]: the
/// count-only fast path of the full scan plus [`super::count_by_month_type_lsoa`].
///
/// Same file-level errors as [`super::scan_street`] (an empty file, a wrong name, kind or
/// header; nothing is counted), and the same rows accepted, rejected and reported: every
/// field is split quote-aware and the row's field count, UTF-8, month, coordinates, LSOA
/// code and crime type are checked, and a bad row's [`RowError`]s come from the full scan's
/// own checker. What it does not do is keep anything but the counts: the coordinates are
/// parsed only to be checked, and `Crime ID`, `Location` and the other text columns are never
/// copied or interned. `safer import police-uk` and the full scan keep them.
pub fn count_street_bytes(
    file_name: &str,
    data: &[u8],
    counts: &mut StreetCounts,
) -> Result<CountReport> {
    let (info, body_start) = open(file_name, data, FileKind::Street)?;
    let mut month_text = [0u8; 7];
    month_text.copy_from_slice(info.month.to_string().as_bytes());
    let mut cells = counts.months.remove(&info.month).unwrap_or_default();
    let mut file = FileState {
        month: info.month,
        month_text,
        errors: Vec::new(),
        type_lines: Vec::new(),
        rows: 0,
        selected: 0,
        prev_name: None,
    };
    file.scan(counts, &mut cells, data, body_start);
    if !cells.is_empty() {
        counts.months.insert(info.month, cells);
    }
    let warnings = file.warnings(counts);
    Ok(CountReport {
        info,
        rows: file.rows,
        selected: file.selected,
        errors: file.errors,
        warnings,
    })
}

/// The state of one file's count.
struct FileState {
    month: Month,
    month_text: [u8; 7],
    errors: Vec<RowError>,
    /// For each crime type id: (first line in this file, rows in this file); line 0 = none.
    type_lines: Vec<(usize, usize)>,
    rows: usize,
    selected: usize,
    /// For [`LsoaFilter::District`]: the previous row's LSOA name and whether it matched.
    prev_name: Option<(Vec<u8>, bool)>,
}

/// Bit masks of the commas, quotes and newlines in a 64-byte block (bit `i` for byte `i`),
/// and whether any byte is not ASCII.
///
/// On x86-64, SSE2 (part of the base instruction set, so always present): 16 bytes per
/// compare and `pmovmskb` for the masks, about twice as fast over the whole count as the
/// portable [`classify_swar`]. The 16 bytes are passed by value (the compiler turns that into
/// one load), so no pointer is involved; the one `unsafe` is the call of a
/// `#[target_feature]` function, sound because the feature is enabled at compile time.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline(always)]
fn classify(block: &[u8; 64]) -> (u64, u64, u64, bool) {
    // SAFETY: SSE2 is enabled at compile time (`cfg` above; it is part of x86-64's base
    // instruction set), which is all these intrinsics require.
    unsafe { classify_sse2(block) }
}

#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[target_feature(enable = "sse2")]
fn classify_sse2(block: &[u8; 64]) -> (u64, u64, u64, bool) {
    use std::arch::x86_64::{_mm_cmpeq_epi8, _mm_movemask_epi8, _mm_set1_epi8, _mm_set_epi8};
    let (mut comma, mut quote, mut newline, mut high) = (0u64, 0u64, 0u64, 0u64);
    for (k, b) in block.chunks_exact(16).enumerate() {
        let v = _mm_set_epi8(
            b[15] as i8,
            b[14] as i8,
            b[13] as i8,
            b[12] as i8,
            b[11] as i8,
            b[10] as i8,
            b[9] as i8,
            b[8] as i8,
            b[7] as i8,
            b[6] as i8,
            b[5] as i8,
            b[4] as i8,
            b[3] as i8,
            b[2] as i8,
            b[1] as i8,
            b[0] as i8,
        );
        let mask = |byte: u8| {
            let eq = _mm_cmpeq_epi8(v, _mm_set1_epi8(byte as i8));
            u64::from(_mm_movemask_epi8(eq) as u16) << (16 * k)
        };
        comma |= mask(b',');
        quote |= mask(b'"');
        newline |= mask(b'\n');
        high |= u64::from(_mm_movemask_epi8(v) as u16);
    }
    (comma, quote, newline, high != 0)
}

/// [`classify`] where SSE2 is not available.
#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
#[inline(always)]
fn classify(block: &[u8; 64]) -> (u64, u64, u64, bool) {
    classify_swar(block)
}

/// The portable [`classify`]: eight bytes at a time in a `u64` (SWAR). Tested against the
/// SSE2 one.
#[cfg_attr(all(target_arch = "x86_64", target_feature = "sse2", not(test)), allow(dead_code))]
#[inline(always)]
fn classify_swar(block: &[u8; 64]) -> (u64, u64, u64, bool) {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    const ONES: u64 = 0x0101_0101_0101_0101;
    let eq = |word: u64, byte: u8| {
        let x = word ^ (ONES * u64::from(byte));
        let zero = !(((x & LOW7) + LOW7) | x | LOW7);
        ((zero >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56
    };
    let (mut comma, mut quote, mut newline, mut high) = (0u64, 0u64, 0u64, 0u64);
    for (k, chunk) in block.chunks_exact(8).enumerate() {
        let word = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
        comma |= eq(word, b',') << (8 * k);
        quote |= eq(word, b'"') << (8 * k);
        newline |= eq(word, b'\n') << (8 * k);
        high |= word & !LOW7;
    }
    (comma, quote, newline, high != 0)
}

impl FileState {
    /// Counts the records of `data[body_start..]`.
    fn scan(
        &mut self,
        counts: &mut StreetCounts,
        cells: &mut Vec<u32>,
        data: &[u8],
        body_start: usize,
    ) {
        let len = data.len();
        // The record being read: where it starts, its physical line, its commas so far.
        let mut start = body_start;
        let mut line = 2usize;
        let mut commas = [0usize; N_COMMAS + 1];
        let mut n_commas = 0usize;
        // True once the bytes from `start` to the end are known to be valid UTF-8.
        let mut utf8_checked = false;
        let mut pos = body_start;
        let mut tail = [0u8; 64];
        'blocks: while pos < len {
            let block: &[u8; 64] = match data.get(pos..pos + 64) {
                Some(block) => block.try_into().expect("64 bytes"),
                None => {
                    // The last partial block, padded with zeros (which match nothing).
                    tail.fill(0);
                    tail[..len - pos].copy_from_slice(&data[pos..]);
                    &tail
                }
            };
            let (comma, quote, newline, high) = classify(block);
            if high && !utf8_checked {
                // Every byte before this block is ASCII; check the rest once.
                if std::str::from_utf8(&data[start..]).is_ok() {
                    utf8_checked = true;
                } else {
                    self.slow_rest(counts, cells, data, start, line);
                    return;
                }
            }
            let mut bits = comma | quote | newline;
            while bits != 0 {
                let bit = bits & bits.wrapping_neg();
                bits ^= bit;
                let at = pos + bit.trailing_zeros() as usize;
                if newline & bit != 0 {
                    let end = if at > start && data[at - 1] == b'\r' { at - 1 } else { at };
                    if end > start || n_commas > 0 {
                        self.record(counts, cells, data, start, end, &commas, n_commas, line);
                    }
                    start = at + 1;
                    line += 1;
                    n_commas = 0;
                } else if comma & bit != 0 {
                    commas[n_commas.min(N_COMMAS)] = at;
                    n_commas += 1;
                } else {
                    // A quote: this record goes to the quote-aware splitter, and the blocks
                    // start again after it.
                    (start, line) = self.slow_one(counts, cells, data, start, line);
                    n_commas = 0;
                    pos = start;
                    continue 'blocks;
                }
            }
            pos += 64;
        }
        // The last record, with no newline after it.
        if start < len {
            let end = if data[len - 1] == b'\r' { len - 1 } else { len };
            if end > start || n_commas > 0 {
                self.record(counts, cells, data, start, end, &commas, n_commas, line);
            }
        }
    }

    /// One record with no quote, `data[start..end]` (line ending removed), with its commas.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn record(
        &mut self,
        counts: &mut StreetCounts,
        cells: &mut Vec<u32>,
        data: &[u8],
        start: usize,
        end: usize,
        commas: &[usize; N_COMMAS + 1],
        n_commas: usize,
        line: usize,
    ) {
        if n_commas == N_COMMAS {
            let field = |idx: usize| {
                let from = if idx == 0 { start } else { commas[idx - 1] + 1 };
                let to = if idx == N_COMMAS { end } else { commas[idx] };
                &data[from..to]
            };
            let crime_type = field(9);
            let lsoa_code = field(7);
            if field(1) == self.month_text
                && coordinates_ok(field(4), field(5))
                && (lsoa_code.is_empty() || is_lsoa_code(lsoa_code))
                && !crime_type.is_empty()
            {
                self.count(counts, cells, crime_type, lsoa_code, field(8), line);
                return;
            }
        }
        // A bad row: the full checker writes its errors.
        self.slow_one(counts, cells, data, start, line);
    }

    /// Splits and checks one record at `data[start..]` with the shared splitter and the full
    /// checker, counting it if good; returns where the next record starts and its line.
    fn slow_one(
        &mut self,
        counts: &mut StreetCounts,
        cells: &mut Vec<u32>,
        data: &[u8],
        start: usize,
        line: usize,
    ) -> (usize, usize) {
        let mut splitter = Splitter::with_text(&data[start..], line, None);
        if let Some(record) = splitter.next_record() {
            if let Some(row) = fields::street(&record, self.month, &mut self.errors) {
                let (crime_type, code, name) = (row.crime_type, row.lsoa_code, row.lsoa_name);
                self.count(
                    counts,
                    cells,
                    crime_type.as_bytes(),
                    code.as_bytes(),
                    name.as_bytes(),
                    record.line,
                );
            }
        }
        let (next, next_line) = splitter.position();
        (start + next, next_line)
    }

    /// Reads every record from `data[start..]` with the full per-field checks: the rest of a
    /// file that is not valid UTF-8.
    fn slow_rest(
        &mut self,
        counts: &mut StreetCounts,
        cells: &mut Vec<u32>,
        data: &[u8],
        start: usize,
        line: usize,
    ) {
        let mut splitter = Splitter::with_text(&data[start..], line, None);
        while let Some(record) = splitter.next_record() {
            if let Some(row) = fields::street(&record, self.month, &mut self.errors) {
                let (crime_type, code, name) = (row.crime_type, row.lsoa_code, row.lsoa_name);
                self.count(
                    counts,
                    cells,
                    crime_type.as_bytes(),
                    code.as_bytes(),
                    name.as_bytes(),
                    record.line,
                );
            }
        }
    }

    /// Counts one good row.
    #[inline]
    fn count(
        &mut self,
        counts: &mut StreetCounts,
        cells: &mut Vec<u32>,
        crime_type: &[u8],
        lsoa_code: &[u8],
        lsoa_name: &[u8],
        line: usize,
    ) {
        let Some(type_id) = counts.crime_type_id(crime_type) else {
            self.errors.push(RowError {
                line,
                field: Some("Crime type"),
                reason: "more than 65,535 distinct crime types".to_string(),
            });
            return;
        };
        self.rows += 1;
        if type_id >= self.type_lines.len() {
            self.type_lines.resize(type_id + 1, (0, 0));
        }
        let type_line = &mut self.type_lines[type_id];
        if type_line.0 == 0 {
            type_line.0 = line;
        }
        type_line.1 += 1;

        let lsoa = match &counts.filter {
            LsoaFilter::All => counts.lsoa_id(lsoa_code),
            LsoaFilter::District(_) => {
                if !self.district_matches(counts, lsoa_name) {
                    return;
                }
                counts.lsoa_id(lsoa_code)
            }
            LsoaFilter::Codes(_) => {
                let lsoa = counts.lsoa_id(lsoa_code);
                if !counts.lsoa_selected[lsoa as usize] {
                    return;
                }
                lsoa
            }
        };
        self.selected += 1;
        if type_id < TYPE_SLOTS {
            let idx = lsoa as usize * TYPE_SLOTS + type_id;
            if idx >= cells.len() {
                cells.resize(counts.lsoa_codes.len() * TYPE_SLOTS, 0);
            }
            cells[idx] += 1;
        } else {
            *counts.overflow.entry((self.month, lsoa, type_id as u32)).or_insert(0) += 1;
        }
    }

    fn district_matches(&mut self, counts: &StreetCounts, name: &[u8]) -> bool {
        if let Some((prev, matched)) = &self.prev_name {
            if prev.as_slice() == name {
                return *matched;
            }
        }
        let matched = std::str::from_utf8(name).is_ok_and(|name| counts.filter.matches("", name));
        self.prev_name = Some((name.to_vec(), matched));
        matched
    }

    /// One warning per crime type outside [`super::CRIME_TYPES`] in this file, in order of
    /// first appearance, as the full scan writes them.
    fn warnings(&self, counts: &StreetCounts) -> Vec<Warning> {
        let mut unknown: Vec<(usize, usize, &str)> = self
            .type_lines
            .iter()
            .enumerate()
            .filter(|&(id, &(first, _))| {
                first != 0 && !super::is_known_crime_type(&counts.crime_types[id])
            })
            .map(|(id, &(first, n))| (first, n, counts.crime_types[id].as_str()))
            .collect();
        unknown.sort_unstable();
        unknown
            .into_iter()
            .map(|(first_line, n_rows, crime_type)| Warning::UnknownCrimeType {
                crime_type: crime_type.to_string(),
                n_rows,
                first_line,
            })
            .collect()
    }
}

/// Byte equality for short slices, eight bytes at a time and inlined (a call into the C
/// library's `memcmp` costs more than comparing a crime type).
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (mut a, mut b) = (a, b);
    while let (Some((x, a_rest)), Some((y, b_rest))) =
        (a.split_first_chunk::<8>(), b.split_first_chunk::<8>())
    {
        if x != y {
            return false;
        }
        (a, b) = (a_rest, b_rest);
    }
    a.iter().zip(b).all(|(x, y)| x == y)
}

/// Both coordinates empty, or both numbers in range: the full scan's rule, without its
/// messages.
#[inline]
fn coordinates_ok(longitude: &[u8], latitude: &[u8]) -> bool {
    if longitude.is_empty() && latitude.is_empty() {
        return true;
    }
    parse_f64(longitude).is_some_and(|lon| LONGITUDE_RANGE.contains(&lon))
        && parse_f64(latitude).is_some_and(|lat| LATITUDE_RANGE.contains(&lat))
}

/// [`fields::is_lsoa_code`] on bytes.
#[inline]
fn is_lsoa_code(code: &[u8]) -> bool {
    code.len() == 9
        && (code.starts_with(b"E01") || code.starts_with(b"W01"))
        && code[3..].iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::{classify, classify_swar, lsoa_slot, type_hash, LSOA_SLOTS, TYPE_CACHE};
    use crate::police_uk::CRIME_TYPES;

    #[test]
    fn classify_finds_every_delimiter() {
        let mut block = [b'x'; 64];
        for (i, b) in block.iter_mut().enumerate() {
            *b = match i % 7 {
                0 => b',',
                3 => b'"',
                5 => b'\n',
                _ => b'a',
            };
        }
        block[63] = 0xC3;
        let (comma, quote, newline, high) = classify(&block);
        assert_eq!(classify_swar(&block), (comma, quote, newline, high));
        for (i, &b) in block.iter().enumerate() {
            assert_eq!(comma >> i & 1 == 1, b == b',', "{i}");
            assert_eq!(quote >> i & 1 == 1, b == b'"', "{i}");
            assert_eq!(newline >> i & 1 == 1, b == b'\n', "{i}");
        }
        assert!(high);
        assert!(!classify(&[b'a'; 64]).3);
        assert!(!classify_swar(&[b'a'; 64]).3);
        // Every byte value in every position, against a plain loop.
        for value in 0..=255u8 {
            for shift in 0..64 {
                let mut block = [b'a'; 64];
                block[shift] = value;
                block[(shift * 7 + 3) % 64] = value;
                let plain = |byte: u8| {
                    block.iter().enumerate().fold(0u64, |m, (i, &b)| m | u64::from(b == byte) << i)
                };
                let expected = (plain(b','), plain(b'"'), plain(b'\n'), value >= 0x80);
                assert_eq!(classify(&block), expected);
                assert_eq!(classify_swar(&block), expected);
            }
        }
    }

    #[test]
    fn lsoa_slots_are_distinct_and_in_range() {
        let codes = ["E01024403", "W01024403", "E01024404", "E01000000", "W01999999"];
        let slots: Vec<usize> = codes.iter().map(|c| lsoa_slot(c.as_bytes()).unwrap()).collect();
        assert_eq!(slots, [24403, 1_024_403, 24404, 0, 1_999_999]);
        assert!(slots.iter().all(|&s| s < LSOA_SLOTS));
        for bad in ["", "E0102440", "E010244033", "S01024403", "E02024403", "E0102440x"] {
            assert_eq!(lsoa_slot(bad.as_bytes()), None, "{bad}");
        }
    }

    #[test]
    fn police_uk_crime_types_hash_to_different_slots() {
        let mut slots: Vec<usize> = CRIME_TYPES.iter().map(|t| type_hash(t.as_bytes())).collect();
        assert!(slots.iter().all(|&s| s < TYPE_CACHE));
        slots.sort_unstable();
        slots.dedup();
        // Not needed for correctness (a slot is checked before use), only for speed.
        assert_eq!(slots.len(), CRIME_TYPES.len());
    }
}
