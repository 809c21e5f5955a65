//! A small seeded generator for permutation tests: xoshiro256** (Blackman and Vigna, 2018),
//! seeded through SplitMix64, with one independent stream per unit.
//!
//! Each unit's draws come from its own stream, derived from the caller's seed and the unit's
//! index only, so a unit's pseudo p-value does not depend on which thread computed it or on
//! how many threads there were.

/// xoshiro256**: 256 bits of state, period 2^256 − 1, fast and statistically strong for
/// simulation (not for cryptography).
#[derive(Debug, Clone)]
pub(crate) struct Xoshiro256 {
    s: [u64; 4],
    /// The unused upper half of the last word, for [`Xoshiro256::below_u32`].
    spare: Option<u32>,
}

/// One step of SplitMix64 (Steele, Lea and Flood, 2014): advances `state` and returns a
/// well-mixed word. Used only to fill xoshiro's state.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Xoshiro256 {
    /// The generator for `stream` (a unit index) under `seed`. Different streams start from
    /// unrelated states: the seed and the stream are mixed separately, then combined.
    pub(crate) fn for_stream(seed: u64, stream: u64) -> Xoshiro256 {
        let mut seed_state = seed;
        let mut stream_state = stream ^ 0x6A09_E667_F3BC_C908;
        let mut mix = splitmix64(&mut seed_state) ^ splitmix64(&mut stream_state);
        let mut s = [0u64; 4];
        for word in &mut s {
            *word = splitmix64(&mut mix);
        }
        // An all-zero state is the one xoshiro cannot leave; SplitMix64 cannot give four
        // zero words in a row, but be explicit.
        if s == [0; 4] {
            s[0] = 1;
        }
        Xoshiro256 { s, spare: None }
    }

    /// The next 64 random bits.
    #[inline]
    pub(crate) fn next_u64(&mut self) -> u64 {
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

    /// The next 32 random bits: each 64-bit word serves two calls.
    #[inline]
    pub(crate) fn next_u32(&mut self) -> u32 {
        match self.spare.take() {
            Some(half) => half,
            None => {
                let word = self.next_u64();
                self.spare = Some((word >> 32) as u32);
                word as u32
            }
        }
    }

    /// A uniform integer in `0..bound` (`bound` > 0) from 32 random bits, without modulo
    /// bias (Lemire's method, as [`Xoshiro256::below`]).
    #[inline]
    pub(crate) fn below_u32(&mut self, bound: u32) -> u32 {
        debug_assert!(bound > 0);
        let mut product = u64::from(self.next_u32()) * u64::from(bound);
        let mut low = product as u32;
        if low < bound {
            let threshold = bound.wrapping_neg() % bound;
            while low < threshold {
                product = u64::from(self.next_u32()) * u64::from(bound);
                low = product as u32;
            }
        }
        (product >> 32) as u32
    }

    /// A uniform integer in `0..bound` (`bound` > 0), without modulo bias: Lemire's
    /// multiply-and-shift with rejection ("Fast random integer generation in an interval",
    /// ACM TOMACS 2019).
    #[inline]
    pub(crate) fn below(&mut self, bound: u64) -> u64 {
        debug_assert!(bound > 0);
        let mut product = u128::from(self.next_u64()) * u128::from(bound);
        let mut low = product as u64;
        if low < bound {
            let threshold = bound.wrapping_neg() % bound;
            while low < threshold {
                product = u128::from(self.next_u64()) * u128::from(bound);
                low = product as u64;
            }
        }
        (product >> 64) as u64
    }
}

/// Walker's alias table (Vose's construction) for drawing from a discrete distribution over
/// `0..len` in constant time: one 64-bit word picks a cell (upper 32 bits) and tosses its coin
/// (lower 32 bits), so probabilities are kept to 2^-32.
#[derive(Debug, Clone)]
pub(crate) struct AliasTable {
    /// Per cell: (coin threshold, alias), side by side so a draw touches one cache line.
    cells: Vec<(u32, u32)>,
}

impl AliasTable {
    /// The table for weights `weights` (non-negative, not all zero; need not sum to 1).
    pub(crate) fn new(weights: &[f64]) -> AliasTable {
        let len = weights.len();
        let total: f64 = weights.iter().sum();
        let mut scaled: Vec<f64> = weights.iter().map(|w| w * len as f64 / total).collect();
        let mut alias: Vec<u32> = (0..len as u32).collect();
        let mut threshold = vec![u32::MAX; len];
        let (mut small, mut large): (Vec<usize>, Vec<usize>) =
            (0..len).partition(|&i| scaled[i] < 1.0);
        while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
            small.pop();
            threshold[s] = (scaled[s] * 4_294_967_296.0).min(4_294_967_295.0) as u32;
            alias[s] = l as u32;
            scaled[l] -= 1.0 - scaled[s];
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        // What is left has probability 1 up to rounding: keep its own cell.
        AliasTable { cells: threshold.into_iter().zip(alias).collect() }
    }

    /// The number of cells.
    pub(crate) fn len(&self) -> usize {
        self.cells.len()
    }

    /// One draw.
    #[inline]
    pub(crate) fn sample(&self, rng: &mut Xoshiro256) -> usize {
        let word = rng.next_u64();
        let cell = (((word >> 32) * self.cells.len() as u64) >> 32) as usize;
        let (threshold, alias) = self.cells[cell];
        if (word as u32) < threshold || threshold == u32::MAX {
            cell
        } else {
            alias as usize
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xoshiro_matches_the_reference_sequence() {
        // The reference C implementation started from s = {1, 2, 3, 4} gives these words.
        let mut rng = Xoshiro256 { s: [1, 2, 3, 4], spare: None };
        let words: Vec<u64> = (0..4).map(|_| rng.next_u64()).collect();
        assert_eq!(words, vec![11520, 0, 1509978240, 1215971899390074240]);
    }

    #[test]
    fn streams_differ_and_repeat() {
        let a: Vec<u64> = {
            let mut r = Xoshiro256::for_stream(7, 0);
            (0..8).map(|_| r.next_u64()).collect()
        };
        let b: Vec<u64> = {
            let mut r = Xoshiro256::for_stream(7, 1);
            (0..8).map(|_| r.next_u64()).collect()
        };
        let again: Vec<u64> = {
            let mut r = Xoshiro256::for_stream(7, 0);
            (0..8).map(|_| r.next_u64()).collect()
        };
        assert_ne!(a, b);
        assert_eq!(a, again);
    }

    #[test]
    fn below_is_uniform_enough() {
        let mut rng = Xoshiro256::for_stream(1, 2);
        let mut counts = [0u32; 6];
        for k in 0..120_000 {
            let face = if k % 2 == 0 { rng.below(6) as usize } else { rng.below_u32(6) as usize };
            counts[face] += 1;
        }
        let counts = counts.map(|c| c / 2);
        // Each face expects 10,000 with sd ≈ 91; 5 sd is a safe bound.
        for count in counts {
            assert!((count as i64 - 10_000).abs() < 460, "{counts:?}");
        }
    }

    #[test]
    fn alias_table_draws_in_proportion() {
        let table = AliasTable::new(&[1.0, 0.0, 3.0, 6.0]);
        let mut rng = Xoshiro256::for_stream(5, 0);
        let mut counts = [0u32; 4];
        for _ in 0..100_000 {
            counts[table.sample(&mut rng)] += 1;
        }
        assert_eq!(counts[1], 0);
        for (count, expected) in counts.iter().zip([10_000.0, 0.0, 30_000.0, 60_000.0]) {
            assert!((*count as f64 - expected).abs() < 800.0, "{counts:?}");
        }
    }
}
