//! `validate_parallel`: fields spread over the compute pool only when that
//! pays, with a result identical to the sequential one.
//!
//! What a rayon join costs decides it (measured on the 2-core machine):
//! ~90 ns from inside the pool, ~12 µs from a thread outside it (a wake-up
//! and a hand-back). A struct cheaper than a few times that runs inline.
//! The derive skips all of this for structs without `custom`/`nested`
//! rules (their cost is known to be small at compile time); for the rest
//! the cost is measured: on the first call, then once every
//! [`RESAMPLE_EVERY`] calls per thread.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use rayon::prelude::*;

use super::{FieldPath, Validate, ValidationErrors};
use crate::pool;

/// A share of a struct's fields: validates them into the given errors.
pub type Unit<T> = fn(&T, &FieldPath<'_>, &mut ValidationErrors);

/// Sequential cost above which fields go to the pool from outside it.
const OUTSIDE_POOL_MIN_NANOS: u64 = 40_000;
/// The same from a compute-pool thread, where a join is nearly free.
const INSIDE_POOL_MIN_NANOS: u64 = 4_000;
/// How often a thread re-measures a type's sequential cost.
const RESAMPLE_EVERY: u32 = 256;

thread_local! {
    static CALLS: Cell<u32> = const { Cell::new(0) };
}

/// The measured sequential cost of validating one type (a moving average).
#[derive(Debug, Default)]
pub struct CostEstimate {
    nanos: AtomicU64,
}

impl CostEstimate {
    /// Nothing measured yet.
    pub const fn new() -> Self {
        Self {
            nanos: AtomicU64::new(0),
        }
    }

    fn record(&self, nanos: u64) {
        let nanos = nanos.max(1);
        let old = self.nanos.load(Ordering::Relaxed);
        let new = if old == 0 {
            nanos
        } else {
            (old * 3 + nanos) / 4
        };
        self.nanos.store(new, Ordering::Relaxed);
    }

    /// The current estimate in nanoseconds (0: not measured yet).
    pub fn nanos(&self) -> u64 {
        self.nanos.load(Ordering::Relaxed)
    }
}

/// Runs each unit into its own errors on the compute pool and concatenates
/// them in unit order, so the result equals running them one after another.
pub fn validate_units<T: Sync>(value: &T, units: &[Unit<T>]) -> ValidationErrors {
    let parts: Vec<ValidationErrors> = pool::install(|| {
        units
            .par_iter()
            .map(|unit| {
                let mut errors = ValidationErrors::new();
                unit(value, &FieldPath::Root, &mut errors);
                errors
            })
            .collect()
    });
    let mut errors = ValidationErrors::new();
    for part in parts {
        errors.append(part);
    }
    errors
}

/// `validate_parallel` of a struct whose cost is not known at compile time.
/// `units` together check exactly what `value.validate()` checks.
pub fn validate_adaptive<T: Validate + Sync>(
    cost: &CostEstimate,
    value: &T,
    units: &[Unit<T>],
) -> Result<(), ValidationErrors> {
    // The inline path is `validate` itself (inlined field code), not a walk
    // over the units' function pointers.
    let sequential = |value: &T| value.validate();
    let estimate = cost.nanos();
    let resample = CALLS.with(|calls| {
        let n = calls.get().wrapping_add(1);
        calls.set(n);
        n % RESAMPLE_EVERY == 0
    });
    if estimate == 0 || resample {
        let start = Instant::now();
        let result = sequential(value);
        cost.record(u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX));
        return result;
    }
    let worth_it = estimate >= INSIDE_POOL_MIN_NANOS
        && units.len() > 1
        && (estimate >= OUTSIDE_POOL_MIN_NANOS || pool::on_compute_pool());
    if worth_it {
        validate_units(value, units).into_result()
    } else {
        sequential(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::ValidationError;

    struct Pair(u32, u32);

    impl Validate for Pair {
        fn validate_into(&self, path: &FieldPath<'_>, errors: &mut ValidationErrors) {
            first(self, path, errors);
            second(self, path, errors);
        }
    }

    fn first(v: &Pair, path: &FieldPath<'_>, errors: &mut ValidationErrors) {
        if v.0 > 10 {
            errors.push(path.field("a").render(), ValidationError::new("a"));
        }
    }

    fn second(v: &Pair, path: &FieldPath<'_>, errors: &mut ValidationErrors) {
        std::thread::sleep(std::time::Duration::from_micros(200));
        if v.1 > 10 {
            errors.push(path.field("b").render(), ValidationError::new("b"));
        }
    }

    #[test]
    fn parallel_units_keep_declaration_order() {
        let units: [Unit<Pair>; 4] = [second, first, second, first];
        let errors = validate_units(&Pair(11, 12), &units);
        let paths: Vec<_> = errors.iter().map(|e| e.path.as_ref()).collect();
        assert_eq!(paths, ["b", "a", "b", "a"]);
    }

    #[test]
    fn adaptive_measures_then_goes_parallel_for_costly_values() {
        let cost = CostEstimate::new();
        let units: [Unit<Pair>; 2] = [first, second];
        for _ in 0..3 {
            let err = validate_adaptive(&cost, &Pair(11, 12), &units).unwrap_err();
            assert_eq!(err.len(), 2);
        }
        assert!(cost.nanos() >= 150_000, "{}", cost.nanos());
    }
}
