//! `pipeline![a, b, tower(layer)]`: one proc-macro invocation that sees
//! the whole middleware graph.
//!
//! Proc-macro invocations share no state, so each `#[middleware]` emits a
//! callback `macro_rules!` macro under the function's own name (macro
//! namespace; the function and a marker type keep the value and type
//! namespaces). `pipeline!` calls the first member's callback with the
//! collection state; the callback appends its metadata (kind, `after`,
//! provided and taken types) and calls `pipeline_step!`, which calls the
//! next member's callback, and so on. The last step sees every member:
//! it checks the graph, computes the stages and emits the pipeline type.
//! Spans survive the round trip, so errors point at the member the user
//! listed.

mod check;
mod expand;
mod model;
mod parse;

use proc_macro2::TokenStream;

use crate::internals::Ctxt;

/// `pipeline![…]` as the user wrote it.
pub fn pipeline(input: TokenStream) -> TokenStream {
    match parse::user_input(input) {
        Ok(state) => expand::advance(state),
        Err(e) => fallback(e, &syn::parse_quote!(::armature)),
    }
}

/// A callback's report: record the member, then go on.
pub fn step(input: TokenStream) -> TokenStream {
    let step: parse::Step = match syn::parse2(input) {
        Ok(step) => step,
        Err(e) => return e.to_compile_error(),
    };
    let mut state = step.state;
    if let (Some(path), Some(meta)) = (state.current.take(), step.meta) {
        state.done.push(model::Entry::Middleware { path, meta });
    }
    expand::advance(state)
}

fn resolve(state: model::State) -> TokenStream {
    // A member whose `#[middleware]` failed already has its error: an
    // empty pipeline keeps this one from adding any.
    if state.done.iter().any(model::Entry::is_broken) {
        return expand::pipeline(&empty(&state.krate), &[]);
    }
    let cx = Ctxt::new();
    let stages = check::check(&cx, &state.done);
    match (cx.check(), stages) {
        (Ok(()), Some(stages)) => expand::pipeline(&state, &stages),
        (Err(e), _) => fallback(e, &state.krate),
        (Ok(()), None) => fallback(
            syn::Error::new(proc_macro2::Span::call_site(), "invalid pipeline"),
            &state.krate,
        ),
    }
}

/// The errors, and an empty pipeline so the code using it type-checks and
/// the user sees only the real mistake.
fn fallback(e: syn::Error, krate: &syn::Path) -> TokenStream {
    let errors = e.to_compile_error();
    let pipeline = expand::pipeline(&empty(krate), &[]);
    quote::quote!({ #errors #pipeline })
}

fn empty(krate: &syn::Path) -> model::State {
    model::State {
        krate: krate.clone(),
        todo: Vec::new(),
        done: Vec::new(),
        current: None,
    }
}
