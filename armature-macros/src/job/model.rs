//! The typed model of a `#[job]` function.

use syn::{Ident, Type};

/// Options of `#[job(…)]`.
pub const OPTIONS: &[&str] = &[
    "cpu_intensive",
    "queue",
    "retries",
    "backoff",
    "timeout",
    "batch",
    "crate",
];

#[derive(Clone, Copy)]
pub enum Backoff {
    Exponential,
    Fixed,
}

pub struct Job {
    pub krate: syn::Path,
    pub item: syn::ItemFn,
    pub name: Ident,
    pub queue: String,
    pub cpu_intensive: bool,
    pub retries: u32,
    pub backoff: Backoff,
    pub timeout_ms: Option<u64>,
    pub batch: Option<usize>,
    /// `None` when the signature could not be read (then only the
    /// fallback is emitted).
    pub payload: Option<Type>,
    /// Takes `JobContext` as its second parameter.
    pub takes_context: bool,
}
