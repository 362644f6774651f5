use rayon::prelude::*;
use serde::Serialize;

use super::{Validate, ValidationErrors};
use crate::pool;

/// Below this many records per task, rayon's splitting costs more than the work.
const MIN_RECORDS_PER_TASK: usize = 32;

/// The outcome of [`validate_batch`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BatchReport {
    /// Records checked.
    pub total: usize,
    /// The failing records' indices and errors, sorted by index.
    pub failures: Vec<(usize, ValidationErrors)>,
}

impl BatchReport {
    /// Whether every record passed.
    pub fn is_ok(&self) -> bool {
        self.failures.is_empty()
    }

    /// Records that passed.
    pub fn passed(&self) -> usize {
        self.total - self.failures.len()
    }
}

/// Validates many records across the compute pool: the bulk-import case,
/// where parallelism pays even for cheap records.
///
/// Blocks the calling thread; from async code, wrap it in
/// [`compute`](crate::compute) (with owned records) or `spawn_blocking`.
///
/// ```
/// use armature_runtime::validation::{FieldPath, Validate, ValidationError, ValidationErrors, validate_batch};
///
/// struct Age(u32);
/// impl Validate for Age {
///     fn validate_into(&self, path: &FieldPath<'_>, errors: &mut ValidationErrors) {
///         if self.0 > 130 {
///             errors.push(path.render(), ValidationError::new("range"));
///         }
///     }
/// }
///
/// let report = validate_batch(&[Age(30), Age(200), Age(40)]);
/// assert_eq!(report.total, 3);
/// assert_eq!(report.failures.len(), 1);
/// assert_eq!(report.failures[0].0, 1);
/// ```
pub fn validate_batch<T: Validate + Sync>(records: &[T]) -> BatchReport {
    let failures = pool::install(|| {
        records
            .par_iter()
            .with_min_len(MIN_RECORDS_PER_TASK)
            .enumerate()
            .filter_map(|(i, record)| record.validate().err().map(|errors| (i, errors)))
            // rayon's collect keeps the sequential order.
            .collect()
    });
    BatchReport {
        total: records.len(),
        failures,
    }
}
