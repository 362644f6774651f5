//! The runtime of [Armature](https://docs.rs/armature): thread pools and the
//! capabilities the macros expand to. Users depend on the `armature` facade;
//! this crate's items are re-exported there.

#![warn(missing_docs)]

pub mod cache;
pub mod http;
pub mod middleware;
pub mod pool;
pub mod validation;

pub use pool::{ParallelConfig, PoolError, compute, compute_pool};
pub use validation::{
    AsyncValidate, BatchReport, FieldError, FieldPath, Validate, ValidationError, ValidationErrors,
    validate_batch,
};

/// Crates the facade re-exports for generated code (`armature::__private`).
#[doc(hidden)]
pub mod __deps {
    pub use bytes;
    pub use futures;
    pub use rayon;
    pub use serde_json;
}
