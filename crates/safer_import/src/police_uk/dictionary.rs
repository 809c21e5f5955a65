//! [`Dictionary`]: interned strings with dense `u32` ids.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A set of distinct strings, each with a dense id (0, 1, 2, … in order of first use).
///
/// Id 0 is always the empty string ([`Dictionary::EMPTY`]), so "absent" (an empty police.uk
/// field) needs no special case.
#[derive(Debug, Clone)]
pub struct Dictionary {
    strings: Vec<Box<str>>,
    ids: HashMap<Box<str>, u32, BuildHasherDefault<FxHasher>>,
}

impl Dictionary {
    /// The id of the empty string.
    pub const EMPTY: u32 = 0;

    /// A dictionary holding only the empty string.
    pub fn new() -> Dictionary {
        let mut dictionary = Dictionary { strings: Vec::new(), ids: HashMap::default() };
        dictionary.intern("");
        dictionary
    }

    /// The id of `text`, adding it if it is new.
    ///
    /// Panics if the dictionary already holds `u32::MAX` strings.
    pub fn intern(&mut self, text: &str) -> u32 {
        if let Some(&id) = self.ids.get(text) {
            return id;
        }
        let id = u32::try_from(self.strings.len()).expect("dictionary holds 2^32 strings");
        self.strings.push(text.into());
        self.ids.insert(text.into(), id);
        id
    }

    /// The id of `text`, if it is present.
    pub fn id(&self, text: &str) -> Option<u32> {
        self.ids.get(text).copied()
    }

    /// The string with id `id`. Panics if `id` is not an id of this dictionary.
    pub fn get(&self, id: u32) -> &str {
        &self.strings[id as usize]
    }

    /// The number of strings, the empty string included.
    pub fn len(&self) -> usize {
        self.strings.len()
    }

    /// Always false: a dictionary holds at least the empty string.
    pub fn is_empty(&self) -> bool {
        self.strings.is_empty()
    }

    /// Every `(id, string)` pair in id order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (u32, &str)> + '_ {
        self.strings.iter().enumerate().map(|(id, text)| (id as u32, &**text))
    }

    /// For each id of `other`, the id of the same string in `self`, adding strings as needed.
    pub(crate) fn absorb(&mut self, other: &Dictionary) -> Vec<u32> {
        other.strings.iter().map(|text| self.intern(text)).collect()
    }
}

impl Default for Dictionary {
    fn default() -> Dictionary {
        Dictionary::new()
    }
}

/// Interns one column's values, hashing only when a value differs from the previous row's.
///
/// police.uk files are grouped by LSOA, so most columns repeat from one row to the next and
/// the common case is one `memcmp` against the previous value.
#[derive(Debug, Default)]
pub(crate) struct RunEncoder {
    previous: Vec<u8>,
    previous_id: u32,
}

impl RunEncoder {
    #[inline]
    pub(crate) fn encode(&mut self, dictionary: &mut Dictionary, text: &str) -> u32 {
        if !same_bytes(text.as_bytes(), &self.previous) {
            self.previous_id = dictionary.intern(text);
            self.previous.clear();
            self.previous.extend_from_slice(text.as_bytes());
        }
        self.previous_id
    }
}

/// Byte equality for short slices, eight bytes at a time and inlined: the values compared
/// here are 10 to 60 bytes, where a call into the C library's `memcmp` costs more than the
/// comparison.
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

/// The multiply-rotate hash used by rustc (FxHash): fast for short keys, and hash flooding is
/// not a concern for data the partnership chose to load.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, mut bytes: &[u8]) {
        while let Some((chunk, rest)) = bytes.split_first_chunk::<8>() {
            self.add(u64::from_le_bytes(*chunk));
            bytes = rest;
        }
        if let Some((chunk, rest)) = bytes.split_first_chunk::<4>() {
            self.add(u64::from(u32::from_le_bytes(*chunk)));
            bytes = rest;
        }
        for &b in bytes {
            self.add(u64::from(b));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

#[cfg(test)]
mod tests {
    use super::{Dictionary, RunEncoder};

    #[test]
    fn interns_with_dense_ids_and_empty_first() {
        let mut d = Dictionary::new();
        assert_eq!(d.id(""), Some(Dictionary::EMPTY));
        assert_eq!(d.intern("Burglary"), 1);
        assert_eq!(d.intern("Drugs"), 2);
        assert_eq!(d.intern("Burglary"), 1);
        assert_eq!(d.get(2), "Drugs");
        assert_eq!(d.len(), 3);
        assert_eq!(d.iter().map(|(_, s)| s).collect::<Vec<_>>(), ["", "Burglary", "Drugs"]);
    }

    #[test]
    fn same_bytes_is_slice_equality() {
        let texts =
            ["", "a", "abcdefgh", "abcdefgi", "abcdefghi", "abcdefghj", "On or near Week Street"];
        for a in texts {
            for b in texts {
                assert_eq!(super::same_bytes(a.as_bytes(), b.as_bytes()), a == b, "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn run_encoder_and_absorb() {
        let mut d = Dictionary::new();
        let mut enc = RunEncoder::default();
        let ids: Vec<u32> =
            ["a", "a", "b", "a", "", ""].iter().map(|s| enc.encode(&mut d, s)).collect();
        assert_eq!(ids, [1, 1, 2, 1, 0, 0]);

        let mut other = Dictionary::new();
        other.intern("b");
        other.intern("c");
        assert_eq!(d.absorb(&other), [0, 2, 3]);
        assert_eq!(d.get(3), "c");
    }
}
