//! The body -> segments: which statements join, what each reads, and what
//! forces an order. Conservative by construction: a dependency the analysis
//! is unsure of is added (it only costs concurrency), and a statement it
//! cannot reason about is a barrier that ends the run (meaning is kept).
//!
//! The rules, in the order they are applied:
//! - A run is made of consecutive `let PAT = EXPR.await?;` or
//!   `let PAT = EXPR.await;` statements (no attributes, no `else`).
//! - A statement reads a binding of the run when the binding's name appears
//!   anywhere in `EXPR`'s tokens (receivers, field bases, arguments, macro
//!   arguments, `{name}` captures in format strings); shadowing is followed:
//!   the latest statement introducing the name is the one read.
//! - It is a barrier when `EXPR` holds control flow that an async block
//!   would change (`?`, `return`, `break`, `continue`, `yield` outside a
//!   closure), a closure or async block naming a binding of the run, or a
//!   macro call that does not parse as expressions and names a binding of
//!   the run or holds such control flow.
//! - A statement that uses a resource which may be borrowed mutably (a
//!   method receiver rooted at a `mut` binding, a `&mut` parameter or
//!   `&mut self`, a place written `&mut x`, or a name listed in
//!   `#[aggregate(sequential(x))]`) starts a new run when a statement of the
//!   current run names that resource, and so does a statement naming a
//!   resource the current run uses that way: such uses keep their order
//!   (and two futures never borrow one place mutably).

use std::collections::{HashMap, HashSet};

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use syn::visit_mut::VisitMut;
use syn::{Expr, FnArg, Ident, ItemFn, Pat, Stmt, Type};

use super::model::{Cell, Joined, Segment, bindings};
use crate::internals::graph;

/// `let PAT = EXPR.await?;` / `let PAT = EXPR.await;` -> (PAT, EXPR, tried).
fn candidate(stmt: &Stmt) -> Option<(&Pat, &Expr, bool)> {
    let Stmt::Local(local) = stmt else {
        return None;
    };
    let init = local.init.as_ref()?;
    if !local.attrs.is_empty() || init.diverge.is_some() {
        return None;
    }
    let (awaited, tried) = match &*init.expr {
        Expr::Try(t) if t.attrs.is_empty() => (&*t.expr, true),
        other => (other, false),
    };
    match awaited {
        Expr::Await(a) if a.attrs.is_empty() => Some((&local.pat, &*a.base, tried)),
        _ => None,
    }
}

/// Every identifier in `tokens`, and the names captured by format strings
/// (`"{user}"`, `"{user:?}"`).
fn mentions(tokens: TokenStream, out: &mut HashSet<String>) {
    for tt in tokens {
        match tt {
            TokenTree::Ident(i) => {
                out.insert(i.to_string().trim_start_matches("r#").to_owned());
            }
            TokenTree::Group(g) => mentions(g.stream(), out),
            TokenTree::Literal(l) => format_captures(&l.to_string(), out),
            TokenTree::Punct(_) => {}
        }
    }
}

fn format_captures(literal: &str, out: &mut HashSet<String>) {
    if !literal.ends_with('"') {
        return;
    }
    let mut rest = literal;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let name: String = after
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() && after[name.len()..].starts_with(['}', ':']) {
            out.insert(name);
        }
        rest = after;
    }
}

fn mentioned(node: &impl ToTokens) -> HashSet<String> {
    let mut out = HashSet::new();
    mentions(node.to_token_stream(), &mut out);
    out
}

/// Control flow an async block would change, and closures or unparsable
/// macros that name a binding of the run.
struct Hazards<'a> {
    run: &'a HashMap<String, usize>,
    found: bool,
    receivers: Vec<String>,
    mut_places: Vec<String>,
}

impl Hazards<'_> {
    fn names_run(&self, node: &impl ToTokens) -> bool {
        mentioned(node).iter().any(|n| self.run.contains_key(n))
    }
}

/// `a` of `a.b[0].c`, `(*a)`, `&mut a`.
fn root(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Path(p) if p.qself.is_none() => p.path.get_ident().map(ToString::to_string),
        Expr::Field(f) => root(&f.base),
        Expr::Index(i) => root(&i.expr),
        Expr::Paren(p) => root(&p.expr),
        Expr::Group(g) => root(&g.expr),
        Expr::Reference(r) => root(&r.expr),
        Expr::Unary(u) => root(&u.expr),
        _ => None,
    }
}

impl VisitMut for Hazards<'_> {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        match expr {
            Expr::Try(_)
            | Expr::Return(_)
            | Expr::Break(_)
            | Expr::Continue(_)
            | Expr::Yield(_) => {
                self.found = true;
            }
            // Their own control flow is theirs; capturing the run is not.
            Expr::Closure(_) | Expr::Async(_) => {
                if self.names_run(expr) {
                    self.found = true;
                }
                return;
            }
            Expr::MethodCall(call) => {
                if let Some(r) = root(&call.receiver) {
                    self.receivers.push(r);
                }
            }
            Expr::Reference(r) if r.mutability.is_some() => {
                if let Some(r) = root(&r.expr) {
                    self.mut_places.push(r);
                }
            }
            _ => {}
        }
        syn::visit_mut::visit_expr_mut(self, expr);
    }

    fn visit_macro_mut(&mut self, mac: &mut syn::Macro) {
        let parsed = mac
            .parse_body_with(syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated);
        match parsed {
            Ok(mut args) => args.iter_mut().for_each(|e| self.visit_expr_mut(e)),
            Err(_) => {
                let control = mac.tokens.clone().into_iter().any(|tt| match tt {
                    TokenTree::Punct(p) => p.as_char() == '?',
                    TokenTree::Ident(i) => {
                        matches!(i.to_string().as_str(), "return" | "break" | "continue")
                    }
                    _ => false,
                });
                if control || self.names_run(&mac.tokens) {
                    self.found = true;
                }
            }
        }
    }
}

/// Names whose uses may borrow mutably: `mut` bindings and parameters,
/// `&mut` parameters, `&mut self`.
fn mutable_roots(item: &ItemFn) -> HashSet<String> {
    let mut roots = HashSet::new();
    for input in &item.sig.inputs {
        match input {
            FnArg::Receiver(r) if r.mutability.is_some() => {
                roots.insert("self".to_owned());
            }
            FnArg::Receiver(_) => {}
            FnArg::Typed(t) => {
                let by_mut_ref = matches!(&*t.ty, Type::Reference(r) if r.mutability.is_some());
                for name in bindings(&t.pat) {
                    if by_mut_ref {
                        roots.insert(name.to_string());
                    }
                }
                mut_bindings(&t.pat, &mut roots);
            }
        }
    }
    for stmt in &item.block.stmts {
        if let Stmt::Local(local) = stmt {
            mut_bindings(&local.pat, &mut roots);
        }
    }
    roots
}

fn mut_bindings(pat: &Pat, out: &mut HashSet<String>) {
    struct Muts<'a>(&'a mut HashSet<String>);
    impl VisitMut for Muts<'_> {
        fn visit_pat_ident_mut(&mut self, p: &mut syn::PatIdent) {
            if p.mutability.is_some() {
                self.0.insert(p.ident.to_string());
            }
            syn::visit_mut::visit_pat_ident_mut(self, p);
        }
    }
    Muts(out).visit_pat_mut(&mut pat.clone());
}

/// One statement of a run, before cells are chosen.
struct Pending {
    stmt: Stmt,
    pat: Pat,
    expr: Expr,
    tried: bool,
    reads: Vec<usize>,
}

/// The run being collected.
#[derive(Default)]
struct Run {
    pending: Vec<Pending>,
    /// Name -> the run statement that introduced it last.
    names: HashMap<String, usize>,
    /// What the run's statements name, and the resources they use.
    mentions: HashSet<String>,
    resources: HashSet<String>,
}

impl Run {
    /// Ends the run (`later`: the statements after it) and starts a new one.
    fn end(&mut self, later: &[Stmt], out: &mut Vec<Segment>) {
        finish(std::mem::take(&mut self.pending), later, out);
        *self = Run::default();
    }
}

pub fn segments(item: &ItemFn, sequential: &[Ident]) -> Vec<Segment> {
    let mutable = mutable_roots(item);
    let sequential: HashSet<String> = sequential.iter().map(ToString::to_string).collect();
    let stmts = &item.block.stmts;
    let mut out = Vec::new();
    let mut run = Run::default();
    for (at, stmt) in stmts.iter().enumerate() {
        let Some((pat, expr, tried)) = candidate(stmt) else {
            run.end(&stmts[at..], &mut out);
            out.push(Segment::Kept(Box::new(stmt.clone())));
            continue;
        };
        let mut hazards = Hazards {
            run: &run.names,
            found: false,
            receivers: Vec::new(),
            mut_places: Vec::new(),
        };
        hazards.visit_expr_mut(&mut expr.clone());
        if hazards.found {
            run.end(&stmts[at..], &mut out);
            out.push(Segment::Kept(Box::new(stmt.clone())));
            continue;
        }
        let seen = mentioned(expr);
        let resources: HashSet<String> = hazards
            .receivers
            .into_iter()
            .filter(|r| mutable.contains(r))
            .chain(hazards.mut_places)
            .chain(seen.iter().filter(|n| sequential.contains(*n)).cloned())
            .collect();
        let conflict = resources.iter().any(|r| run.mentions.contains(r))
            || seen.iter().any(|n| run.resources.contains(n));
        if conflict {
            run.end(&stmts[at..], &mut out);
        }
        let mut reads: Vec<usize> = seen
            .iter()
            .filter_map(|n| run.names.get(n).copied())
            .collect();
        reads.sort_unstable();
        reads.dedup();
        let index = run.pending.len();
        for name in bindings(pat) {
            run.names.insert(name.to_string(), index);
        }
        run.mentions.extend(seen);
        run.resources.extend(resources);
        run.pending.push(Pending {
            stmt: stmt.clone(),
            pat: pat.clone(),
            expr: expr.clone(),
            tried,
            reads,
        });
    }
    run.end(&[], &mut out);
    out
}

/// Ends a run: joined when some of its statements are independent, kept
/// as written otherwise. `later`: the statements after it.
fn finish(pending: Vec<Pending>, later: &[Stmt], out: &mut Vec<Segment>) {
    let deps: Vec<Vec<usize>> = pending.iter().map(|p| p.reads.clone()).collect();
    if pending.len() < 2 || graph::is_chain(&deps) {
        out.extend(pending.into_iter().map(|p| Segment::Kept(Box::new(p.stmt))));
        return;
    }
    let mut used_later = HashSet::new();
    for stmt in later {
        mentions_into(stmt, &mut used_later);
    }
    let joined = pending
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let readers = pending.iter().filter(|q| q.reads.contains(&i)).count();
            let names_later = bindings(&p.pat)
                .iter()
                .any(|n| used_later.contains(&n.to_string()));
            let cell = if readers == 1 && !names_later {
                Cell::Handoff
            } else {
                Cell::Shared
            };
            Joined {
                pat: p.pat.clone(),
                expr: p.expr.clone(),
                tried: p.tried,
                reads: p.reads.clone(),
                cell,
            }
        })
        .collect();
    out.push(Segment::Run(joined));
}

fn mentions_into(stmt: &Stmt, out: &mut HashSet<String>) {
    mentions(stmt.to_token_stream(), out);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analyse(item: ItemFn) -> Vec<Segment> {
        segments(&item, &[])
    }

    fn runs(segments: &[Segment]) -> Vec<Vec<(Vec<usize>, Cell)>> {
        segments
            .iter()
            .filter_map(|s| match s {
                Segment::Run(r) => Some(r.iter().map(|j| (j.reads.clone(), j.cell)).collect()),
                Segment::Kept(_) => None,
            })
            .collect()
    }

    #[test]
    fn dashboard() {
        let s = analyse(syn::parse_quote! {
            async fn dashboard(svc: &Services, id: u64) -> Result<Dashboard, Error> {
                let user = svc.user(id).await?;
                let posts = svc.posts(id).await?;
                let team = svc.team(user.team_id).await?;
                Ok(Dashboard { user, posts, team })
            }
        });
        // `user` is read by `team` and named after the run: shared.
        assert_eq!(
            runs(&s),
            [vec![
                (vec![], Cell::Shared),
                (vec![], Cell::Shared),
                (vec![0], Cell::Shared)
            ]]
        );
    }

    #[test]
    fn a_value_read_once_and_never_again_is_handed_off() {
        let s = analyse(syn::parse_quote! {
            async fn f() -> u64 {
                let a = one().await;
                let b = two().await;
                let c = three(a).await;
                b + c
            }
        });
        assert_eq!(
            runs(&s),
            [vec![
                (vec![], Cell::Handoff),
                (vec![], Cell::Shared),
                (vec![0], Cell::Shared)
            ]]
        );
    }

    #[test]
    fn chains_and_single_statements_are_kept() {
        let s = analyse(syn::parse_quote! {
            async fn f() -> Result<u64, E> {
                let a = one().await?;
                let b = two(a).await?;
                let c = three(&b).await?;
                Ok(c)
            }
        });
        assert!(runs(&s).is_empty());
        assert_eq!(s.len(), 4);
    }

    #[test]
    fn barriers_end_runs() {
        let s = analyse(syn::parse_quote! {
            async fn f(mut db: Db) -> Result<u64, E> {
                let a = one().await?;
                let b = two().await?;
                println!("between");
                let c = three(a?).await?;
                let d = four(|| b).await?;
                let e = db.get(1).await?;
                let f = db.get(2).await?;
                let g = other(format!("{e}")).await;
                Ok(0)
            }
        });
        // [a, b] joined; println kept; c (a nested `?`) kept; d (a closure
        // naming `b` of an earlier run: no longer in the run) starts a run
        // with e; f uses `db` again: a new run [f, g], g reading nothing of it.
        let r = runs(&s);
        assert_eq!(r.len(), 3, "{}", r.len());
        assert_eq!((r[0].len(), r[1].len(), r[2].len()), (2, 2, 2));
    }

    #[test]
    fn closures_naming_the_run_and_sequential_names() {
        let s = analyse(syn::parse_quote! {
            async fn f() -> u64 {
                let a = one().await;
                let b = two().await;
                let c = three(move || a).await;
                0
            }
        });
        // c is a barrier: the run [a, b] is joined, c kept.
        assert_eq!(runs(&s).len(), 1);
        let item: ItemFn = syn::parse_quote! {
            async fn f(cache: &Cache) -> u64 {
                let a = cache.get(1).await;
                let b = cache.get(2).await;
                0
            }
        };
        assert_eq!(runs(&segments(&item, &[])).len(), 1);
        let seq: Ident = syn::parse_quote!(cache);
        assert!(
            runs(&segments(&item, &[seq])).is_empty(),
            "ordered: a chain"
        );
    }

    #[test]
    fn shadowing_reads_the_latest() {
        let s = analyse(syn::parse_quote! {
            async fn f() -> u64 {
                let a = one().await;
                let z = zero().await;
                let a = two(a).await;
                let b = three(a).await;
                b
            }
        });
        let deps: Vec<Vec<usize>> = runs(&s)[0].iter().map(|(d, _)| d.clone()).collect();
        assert_eq!(deps, [vec![], vec![], vec![0], vec![2]]);
    }

    #[test]
    fn format_captures_count() {
        let mut out = HashSet::new();
        format_captures("\"{user} and {id:?} {{x}} {}\"", &mut out);
        assert!(out.contains("user") && out.contains("id"));
    }
}
