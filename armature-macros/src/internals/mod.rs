//! What two or more macros share; a macro's folder never imports from
//! another macro's folder. Token-level helpers (the error context, the
//! option toolkit, signature and type inspection, spelling suggestions,
//! serde naming) and token-free logic (the dependency graph, byte sizes).

pub mod case;
pub mod ctxt;
pub mod duration;
pub mod graph;
pub mod item;
pub mod options;
pub mod respan;
pub mod serde_attrs;
pub mod sig;
pub mod size;
pub mod suggest;
pub mod ty;

pub use ctxt::Ctxt;
