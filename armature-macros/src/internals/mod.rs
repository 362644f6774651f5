//! Token-level helpers shared by every macro: the error context, spelling
//! suggestions, serde naming and syntactic type inspection.

pub mod attr;
pub mod case;
pub mod ctxt;
pub mod respan;
pub mod suggest;
pub mod ty;

pub use ctxt::Ctxt;
