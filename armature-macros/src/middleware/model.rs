//! The typed model of a `#[middleware]` function.

use syn::{Ident, Type};

/// Options of `#[middleware(…)]`.
pub const OPTIONS: &[&str] = &["independent", "after", "crate"];

pub enum Kind {
    /// `#[middleware(independent)]`: no dependencies.
    Independent,
    /// `#[middleware(after(a, b))]`.
    After(Vec<Ident>),
    /// `#[middleware]`: `(Request, Next) -> Response`.
    Around,
}

/// The kind a fallback callback reports: `pipeline!` then resolves to an
/// empty pipeline without errors of its own.
pub const BROKEN: &str = "broken";

impl Kind {
    /// The word the generated metadata and the errors use.
    pub fn word(&self) -> &'static str {
        match self {
            Kind::Independent => "independent",
            Kind::After(_) => "after",
            Kind::Around => "around",
        }
    }
}

/// What an independent or ordered middleware returns.
pub enum Output {
    /// `()`: neither a value nor a rejection.
    Unit,
    /// `T`: a value for `Ext<T>`.
    Provide(Type),
    /// `Result<(), E>`.
    Reject,
    /// `Result<T, E>`.
    RejectOrProvide(Type),
}

impl Output {
    pub fn provided(&self) -> Option<&Type> {
        match self {
            Output::Provide(t) | Output::RejectOrProvide(t) => Some(t),
            Output::Unit | Output::Reject => None,
        }
    }
}

pub struct Middleware {
    /// The function, emitted unchanged.
    pub item: syn::ItemFn,
    pub krate: syn::Path,
    pub vis: syn::Visibility,
    pub name: Ident,
    pub kind: Kind,
    /// Parameters after `&RequestHead` (independent/ordered only).
    pub extractors: Vec<Type>,
    /// `T` of every `Ext<T>` parameter.
    pub needs: Vec<Type>,
    /// `T` of every `State<T>` parameter (checked at `App::bind`).
    pub states: Vec<Type>,
    pub output: Output,
}
