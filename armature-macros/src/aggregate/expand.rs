//! The model -> the function with each run joined: one future per
//! statement, all polled by one `try_join!` in the caller's task.
//!
//! ```text
//! let user = svc.user(id).await?;            let __c0 = Shared::new(); let __e0 = Shared::new(); …
//! let posts = svc.posts(id).await?;    =>    let __j = try_join!(
//! let team = svc.team(user.team_id).await?;      async { settle(svc.user(id).await, |v| __c0.set(v), &__e0) },
//!                                                 async { settle(svc.posts(id).await, …) },
//!                                                 async { let user = __c0.get().await;     // &User
//!                                                         settle(svc.team(user.team_id).await, …) });
//!                                            if __j.is_err() { if let Some(r) = __e0.into_inner() { match r? {} } … }
//!                                            let user = __c0.into_inner() …; let posts = …; let team = …;
//! ```
//!
//! The residual of a failed `?` is returned with the function's own `?`
//! after the join, so errors convert exactly as in the sequential code.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote};
use syn::visit_mut::VisitMut;
use syn::{Ident, Pat};

use super::model::{Aggregate, Cell, Joined, Segment, bindings};

pub fn expand(m: &Aggregate) -> TokenStream {
    let krate = &m.krate;
    let a = quote!(#krate::__private);
    let mut body = TokenStream::new();
    let mut run_index = 0;
    for segment in &m.segments {
        match segment {
            Segment::Kept(stmt) => stmt.to_tokens(&mut body),
            Segment::Run(run) => {
                body.extend(run_tokens(&a, run, run_index));
                run_index += 1;
            }
        }
    }
    let item = &m.item;
    let (attrs, vis, sig) = (&item.attrs, &item.vis, &item.sig);
    quote! {
        #(#attrs)*
        #vis #sig {
            #body
        }
    }
}

/// Internal names, invisible to the user's code (mixed-site hygiene).
fn hidden(name: &str, run: usize, i: usize) -> Ident {
    Ident::new(&format!("__armature_{name}{run}_{i}"), Span::mixed_site())
}

fn run_tokens(a: &TokenStream, run: &[Joined], r: usize) -> TokenStream {
    let cells: Vec<Ident> = (0..run.len()).map(|i| hidden("cell", r, i)).collect();
    let fails: Vec<Ident> = (0..run.len()).map(|i| hidden("failed", r, i)).collect();
    let joined = hidden("joined", r, 0);
    let mut declare = TokenStream::new();
    for (i, stmt) in run.iter().enumerate() {
        let cell = &cells[i];
        declare.extend(match stmt.cell {
            Cell::Shared => quote!(let #cell = #a::aggregate::Shared::new();),
            Cell::Handoff => quote!(let #cell = #a::aggregate::Handoff::new();),
        });
        if stmt.tried {
            let fail = &fails[i];
            declare.extend(quote!(let #fail = #a::aggregate::Shared::new();));
        }
    }
    let futures = run.iter().enumerate().map(|(i, stmt)| {
        let inputs = stmt.reads.iter().map(|&d| {
            let cell = &cells[d];
            match run[d].cell {
                // Lent: bound by reference, then each name rebound to a copy
                // when its type is `Copy` (so `[a, b]` and `Some(a)` mean what
                // they meant), or left a reference otherwise.
                Cell::Shared => {
                    let pat = by_reference(&run[d].pat);
                    let copies = bindings(&run[d].pat).into_iter().map(|name| {
                        quote! {
                            #[allow(unused_variables)]
                            let #name = (&&#a::aggregate::Lent(#name)).value();
                        }
                    });
                    quote! {
                        #[allow(unused_variables)]
                        let #pat = #cell.get().await;
                        #(#copies)*
                    }
                }
                Cell::Handoff => {
                    let pat = &run[d].pat;
                    quote! {
                        #[allow(unused_variables, unused_mut)]
                        let #pat = #cell.take().await;
                    }
                }
            }
        });
        let expr = &stmt.expr;
        let cell = &cells[i];
        let finish = if stmt.tried {
            let fail = &fails[i];
            let v = Ident::new("__value", Span::mixed_site());
            quote!(#a::aggregate::settle(#expr.await, |#v| #cell.set(#v), &#fail))
        } else {
            quote! {{
                #cell.set(#expr.await);
                ::core::result::Result::<(), #a::aggregate::Stopped>::Ok(())
            }}
        };
        quote! {
            async {
                #[allow(unused_imports)]
                use #a::aggregate::{LentCopy as _, LentRef as _};
                #(#inputs)*
                #finish
            }
        }
    });
    // The first failure in time is the one recorded: `try_join!` stops at it.
    let propagate = run
        .iter()
        .enumerate()
        .filter(|(_, s)| s.tried)
        .map(|(i, _)| {
            let fail = &fails[i];
            let residual = Ident::new("__residual", Span::mixed_site());
            quote! {
                if let ::core::option::Option::Some(#residual) = #fail.into_inner() {
                    match #residual? {}
                }
            }
        });
    let bind = run
        .iter()
        .enumerate()
        .filter(|(_, s)| s.cell == Cell::Shared)
        .map(|(i, stmt)| {
            let cell = &cells[i];
            let pat = &stmt.pat;
            let read_in_run = run.iter().any(|s| s.reads.contains(&i));
            let allow = read_in_run.then(|| quote!(#[allow(unused_variables, unused_mut)]));
            let value = Ident::new("__value", Span::mixed_site());
            quote! {
                #allow
                let #pat = match #cell.into_inner() {
                    ::core::option::Option::Some(#value) => #value,
                    // Every statement filled its cell: the join succeeded.
                    ::core::option::Option::None => ::core::unreachable!(),
                };
            }
        });
    let futures: Vec<TokenStream> = futures.collect();
    let names: Vec<Ident> = (0..futures.len())
        .map(|i| format_ident!("__armature_f{}", i, span = Span::mixed_site()))
        .collect();
    quote! {
        #declare
        let #joined = {
            // A value lent by reference makes the user's `&value` a
            // borrow of a borrow, which is what they meant.
            #(
                #[allow(clippy::needless_borrow, clippy::needless_borrows_for_generic_args)]
                let #names = #futures;
            )*
            #a::futures::try_join!(#(#names),*)
        };
        if #joined.is_err() {
            #(#propagate)*
            ::core::unreachable!("a joined statement failed without its error");
        }
        #(#bind)*
    }
}

/// `PAT` to bind references into the cell: no `mut`, `ref` or type
/// annotations (binding modes do the rest).
fn by_reference(pat: &Pat) -> Pat {
    struct Strip;
    impl VisitMut for Strip {
        fn visit_pat_mut(&mut self, pat: &mut Pat) {
            if let Pat::Type(t) = pat {
                *pat = (*t.pat).clone();
            }
            syn::visit_mut::visit_pat_mut(self, pat);
        }
        fn visit_pat_ident_mut(&mut self, p: &mut syn::PatIdent) {
            p.mutability = None;
            p.by_ref = None;
            syn::visit_mut::visit_pat_ident_mut(self, p);
        }
    }
    let mut pat = pat.clone();
    Strip.visit_pat_mut(&mut pat);
    pat
}
