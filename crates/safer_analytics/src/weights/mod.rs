//! Spatial weights: for each unit, its neighbours and the weight of each.
//!
//! A [`Weights`] is a sparse matrix W over `n` units (LSOAs, wards, grid cells), stored as one
//! list of `(neighbour index, weight)` per unit, sorted by neighbour index. A unit is never its
//! own neighbour here: statistics that include the unit itself (Gi*) add the self-weight
//! themselves, as esda and spdep document. Units with no neighbours are *islands*.
//!
//! Builders live beside this type, all in planar coordinates (projected metres, such as the
//! British National Grid; project WGS84 first):
//! - [`contiguity::contiguity`]: polygons that touch or overlap within a tolerance (queen
//!   style: a shared corner counts);
//! - [`distance::distance_band`]: points within a distance of each other;
//! - [`distance::knn`]: each point's k nearest points.
//!
//! All three give binary weights; [`Weights::row_standardised`] turns any of them into
//! row-standardised weights. [`gal`] reads and writes the GAL format of GeoDa and PySAL so
//! analysts can bring their own weights. See `ANALYTICS.md` §2.1–2.2 for the conventions
//! followed.

use std::fmt;

pub mod contiguity;
pub mod distance;
pub mod gal;

pub use contiguity::contiguity;
pub use distance::{distance_band, knn};
pub use gal::{read_gal, write_gal, GalError};

/// Why a set of weights was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WeightsError {
    /// `ids` and `neighbours` differ in length.
    #[error("{ids} unit ids but {lists} neighbour lists")]
    LengthMismatch {
        /// Number of ids.
        ids: usize,
        /// Number of neighbour lists.
        lists: usize,
    },
    /// A neighbour index is not a unit.
    #[error("unit {unit} names neighbour index {neighbour}, but there are {n} units")]
    UnknownNeighbour {
        /// The unit's id.
        unit: String,
        /// The bad index.
        neighbour: usize,
        /// Number of units.
        n: usize,
    },
    /// A unit lists itself.
    #[error("unit {unit} is listed as its own neighbour")]
    SelfNeighbour {
        /// The unit's id.
        unit: String,
    },
    /// A unit lists a neighbour twice.
    #[error("unit {unit} lists neighbour {neighbour} twice")]
    DuplicateNeighbour {
        /// The unit's id.
        unit: String,
        /// The neighbour's id.
        neighbour: String,
    },
    /// A weight is negative, NaN or infinite.
    #[error("unit {unit} has weight {weight} for neighbour {neighbour}; weights must be finite and at least 0")]
    BadWeight {
        /// The unit's id.
        unit: String,
        /// The neighbour's id.
        neighbour: String,
        /// The weight, as text.
        weight: String,
    },
    /// Two units share an id.
    #[error("the unit id {id} appears twice")]
    DuplicateId {
        /// The id.
        id: String,
    },
    /// A builder was given a different number of ids and geometries (points or polygons).
    #[error("{ids} unit ids but {geometries} geometries")]
    GeometryCountMismatch {
        /// Number of ids.
        ids: usize,
        /// Number of points or polygons.
        geometries: usize,
    },
    /// A point or a polygon vertex has a NaN or infinite coordinate.
    #[error("unit {unit} has a coordinate that is not a finite number")]
    NonFiniteCoordinate {
        /// The unit's id.
        unit: String,
    },
    /// The k of k nearest neighbours is 0, or not less than the number of units.
    #[error("k is {k} but must be at least 1 and less than the number of units ({n})")]
    BadK {
        /// The k asked for.
        k: usize,
        /// Number of units.
        n: usize,
    },
    /// A distance band's threshold is zero, negative, NaN or infinite.
    #[error("the distance threshold {threshold} must be a positive finite number")]
    BadThreshold {
        /// The threshold, as text.
        threshold: String,
    },
    /// A contiguity tolerance is negative, NaN or infinite.
    #[error("the contiguity tolerance {tolerance} must be a finite number of at least 0")]
    BadTolerance {
        /// The tolerance, as text.
        tolerance: String,
    },
}

/// Spatial weights over `n` units; see the module documentation.
#[derive(Debug, Clone, PartialEq)]
pub struct Weights {
    ids: Vec<String>,
    neighbours: Vec<Vec<(usize, f64)>>,
}

impl Weights {
    /// Weights from unit ids and, per unit, `(neighbour index, weight)` pairs (any order; they
    /// are sorted). Refuses unknown indices, self-neighbours, repeats, bad weights and
    /// duplicate ids.
    pub fn new(
        ids: Vec<String>,
        mut neighbours: Vec<Vec<(usize, f64)>>,
    ) -> Result<Weights, WeightsError> {
        if ids.len() != neighbours.len() {
            return Err(WeightsError::LengthMismatch { ids: ids.len(), lists: neighbours.len() });
        }
        let mut seen = std::collections::HashSet::with_capacity(ids.len());
        for id in &ids {
            if !seen.insert(id.as_str()) {
                return Err(WeightsError::DuplicateId { id: id.clone() });
            }
        }
        let n = ids.len();
        for (unit, list) in neighbours.iter_mut().enumerate() {
            list.sort_by_key(|&(j, _)| j);
            for (k, &(j, w)) in list.iter().enumerate() {
                if j >= n {
                    return Err(WeightsError::UnknownNeighbour {
                        unit: ids[unit].clone(),
                        neighbour: j,
                        n,
                    });
                }
                if j == unit {
                    return Err(WeightsError::SelfNeighbour { unit: ids[unit].clone() });
                }
                if k > 0 && list[k - 1].0 == j {
                    return Err(WeightsError::DuplicateNeighbour {
                        unit: ids[unit].clone(),
                        neighbour: ids[j].clone(),
                    });
                }
                if !w.is_finite() || w < 0.0 {
                    return Err(WeightsError::BadWeight {
                        unit: ids[unit].clone(),
                        neighbour: ids[j].clone(),
                        weight: w.to_string(),
                    });
                }
            }
        }
        Ok(Weights { ids, neighbours })
    }

    /// Binary weights (every weight 1) from neighbour index lists.
    pub fn binary(ids: Vec<String>, neighbours: Vec<Vec<usize>>) -> Result<Weights, WeightsError> {
        let lists = neighbours.into_iter().map(|list| list.into_iter().map(|j| (j, 1.0)).collect());
        Weights::new(ids, lists.collect())
    }

    /// The number of units.
    pub fn n(&self) -> usize {
        self.ids.len()
    }

    /// The unit ids, in unit order.
    pub fn ids(&self) -> &[String] {
        &self.ids
    }

    /// Unit `i`'s neighbours and weights, sorted by neighbour index.
    pub fn neighbours(&self, i: usize) -> &[(usize, f64)] {
        &self.neighbours[i]
    }

    /// W_i = Σ_j w_ij, the row sum of unit `i`.
    pub fn row_sum(&self, i: usize) -> f64 {
        self.neighbours[i].iter().map(|&(_, w)| w).sum()
    }

    /// The units with no neighbours.
    pub fn islands(&self) -> Vec<usize> {
        (0..self.n()).filter(|&i| self.neighbours[i].is_empty()).collect()
    }

    /// The total number of (unit, neighbour) pairs.
    pub fn n_links(&self) -> usize {
        self.neighbours.iter().map(Vec::len).sum()
    }

    /// Row-standardised weights: each row divided by its sum (islands stay empty), as esda's
    /// `transform='R'` and spdep's `style="W"`.
    pub fn row_standardised(&self) -> Weights {
        let neighbours = self
            .neighbours
            .iter()
            .map(|list| {
                let sum: f64 = list.iter().map(|&(_, w)| w).sum();
                if sum > 0.0 {
                    list.iter().map(|&(j, w)| (j, w / sum)).collect()
                } else {
                    list.clone()
                }
            })
            .collect();
        Weights { ids: self.ids.clone(), neighbours }
    }

    /// True when w_ij = w_ji for every pair (contiguity and distance bands are; k nearest
    /// neighbours and row-standardised weights usually are not).
    pub fn is_symmetric(&self) -> bool {
        self.neighbours.iter().enumerate().all(|(i, list)| {
            list.iter().all(|&(j, w)| {
                self.neighbours[j]
                    .binary_search_by_key(&i, |&(k, _)| k)
                    .is_ok_and(|pos| self.neighbours[j][pos].1 == w)
            })
        })
    }
}

impl fmt::Display for Weights {
    /// `95 units, 530 links, 0 islands`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} units, {} links, {} islands", self.n(), self.n_links(), self.islands().len())
    }
}

/// Below this many tasks, [`par_map`] stays on the calling thread: spawning threads would cost
/// more than it saves.
const PARALLEL_MIN_TASKS: usize = 2048;

/// `(0..n).map(task)`, shared between threads (one per available core) when `n` is large. The
/// result does not depend on the number of threads; a panic in a task is passed on.
pub(crate) fn par_map<T, F>(n: usize, task: F) -> Vec<T>
where
    T: Send,
    F: Fn(usize) -> T + Sync,
{
    let n_threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if n < PARALLEL_MIN_TASKS || n_threads < 2 {
        return (0..n).map(task).collect();
    }
    let chunk_len = n.div_ceil(n_threads);
    let task = &task;
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..n)
            .step_by(chunk_len)
            .map(|start| {
                scope.spawn(move || (start..n.min(start + chunk_len)).map(task).collect::<Vec<T>>())
            })
            .collect();
        let mut results = Vec::with_capacity(n);
        for handle in handles {
            match handle.join() {
                Ok(chunk) => results.extend(chunk),
                Err(payload) => std::panic::resume_unwind(payload),
            }
        }
        results
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("u{i}")).collect()
    }

    #[test]
    fn validates_and_row_standardises() {
        let w = Weights::binary(ids(3), vec![vec![2, 1], vec![0], vec![]]).unwrap();
        assert_eq!(w.neighbours(0), &[(1, 1.0), (2, 1.0)]);
        assert_eq!(w.islands(), vec![2]);
        assert!(!w.is_symmetric());
        let r = w.row_standardised();
        assert_eq!(r.neighbours(0), &[(1, 0.5), (2, 0.5)]);
        assert_eq!(r.row_sum(1), 1.0);
        assert_eq!(w.to_string(), "3 units, 3 links, 1 islands");
        let sym = Weights::binary(ids(2), vec![vec![1], vec![0]]).unwrap();
        assert!(sym.is_symmetric());
    }

    #[test]
    fn refuses_bad_weights() {
        assert!(matches!(
            Weights::binary(ids(2), vec![vec![0], vec![]]),
            Err(WeightsError::SelfNeighbour { .. })
        ));
        assert!(matches!(
            Weights::binary(ids(2), vec![vec![5], vec![]]),
            Err(WeightsError::UnknownNeighbour { .. })
        ));
        assert!(matches!(
            Weights::binary(ids(2), vec![vec![1, 1], vec![]]),
            Err(WeightsError::DuplicateNeighbour { .. })
        ));
        assert!(matches!(
            Weights::new(ids(2), vec![vec![(1, f64::NAN)], vec![]]),
            Err(WeightsError::BadWeight { .. })
        ));
        assert!(matches!(
            Weights::binary(vec!["a".into(), "a".into()], vec![vec![], vec![]]),
            Err(WeightsError::DuplicateId { .. })
        ));
        assert!(matches!(
            Weights::binary(ids(2), vec![vec![]]),
            Err(WeightsError::LengthMismatch { .. })
        ));
    }
}
