//! What `pipeline!` knows: the members the user listed, and the metadata
//! each middleware's callback macro delivered.

use syn::{Expr, Ident, Path, Type};

/// A member as written in `pipeline![…]`, not yet resolved.
#[derive(Clone)]
pub enum Item {
    /// A `#[middleware]` function, by path.
    Middleware(Path),
    /// `tower(layer)`.
    Tower(Expr),
}

/// What a middleware's callback macro reports about it.
#[derive(Clone)]
pub struct Meta {
    /// The function's name (spanned at its definition).
    pub name: Ident,
    /// `independent`, `after` or `around`.
    pub kind: Ident,
    pub after: Vec<Ident>,
    pub provides: Option<Type>,
    pub needs: Vec<Type>,
}

/// A resolved member.
#[derive(Clone)]
pub enum Entry {
    Middleware { path: Path, meta: Meta },
    Tower(Expr),
}

impl Entry {
    /// A member whose `#[middleware]` had errors (its fallback callback).
    pub fn is_broken(&self) -> bool {
        matches!(self, Entry::Middleware { meta, .. } if meta.kind == "broken")
    }

    pub fn is_around(&self) -> bool {
        match self {
            Entry::Middleware { meta, .. } => meta.kind == "around",
            Entry::Tower(_) => true,
        }
    }
}

/// The collection in progress, carried from one callback to the next.
pub struct State {
    pub krate: Path,
    pub todo: Vec<Item>,
    pub done: Vec<Entry>,
    /// The member whose callback is running.
    pub current: Option<Path>,
}
