//! The typed model of an `#[aggregate]` function: its body cut into
//! statements kept as written and runs of statements to join.

use syn::{Expr, Ident, Pat, Stmt};

/// Options of `#[aggregate(…)]`.
pub const OPTIONS: &[&str] = &["sequential", "crate"];

pub struct Aggregate {
    pub krate: syn::Path,
    pub item: syn::ItemFn,
    /// The body, in order.
    pub segments: Vec<Segment>,
}

pub enum Segment {
    /// A statement emitted as written (a barrier, or a run with nothing to
    /// join).
    Kept(Box<Stmt>),
    /// Two or more `let PAT = EXPR.await[?];` statements, some independent.
    Run(Vec<Joined>),
}

/// One statement of a run.
pub struct Joined {
    pub pat: Pat,
    /// What is awaited.
    pub expr: Expr,
    /// Written with `?`.
    pub tried: bool,
    /// Earlier statements of the run whose bindings it reads: what it
    /// waits for.
    pub reads: Vec<usize>,
    /// How its value reaches the statements that read it.
    pub cell: Cell,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Cell {
    /// Read by reference by later statements; the code after the run gets it.
    Shared,
    /// Moved into the one later statement that reads it: nothing after the
    /// run names its bindings.
    Handoff,
}

/// What a run statement's value is bound to after the join, and by its
/// readers inside it.
pub fn bindings(pat: &Pat) -> Vec<Ident> {
    let mut out = Vec::new();
    collect(pat, &mut out);
    out
}

fn collect(pat: &Pat, out: &mut Vec<Ident>) {
    match pat {
        Pat::Ident(p) => {
            out.push(p.ident.clone());
            if let Some((_, sub)) = &p.subpat {
                collect(sub, out);
            }
        }
        Pat::Tuple(t) => t.elems.iter().for_each(|p| collect(p, out)),
        Pat::TupleStruct(t) => t.elems.iter().for_each(|p| collect(p, out)),
        Pat::Struct(s) => s.fields.iter().for_each(|f| collect(&f.pat, out)),
        Pat::Slice(s) => s.elems.iter().for_each(|p| collect(p, out)),
        Pat::Reference(r) => collect(&r.pat, out),
        Pat::Type(t) => collect(&t.pat, out),
        Pat::Paren(p) => collect(&p.pat, out),
        // Every alternative binds the same names.
        Pat::Or(o) => {
            if let Some(first) = o.cases.first() {
                collect(first, out);
            }
        }
        _ => {}
    }
}
