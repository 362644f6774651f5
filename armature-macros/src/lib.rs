//! Procedural macros of [Armature](https://docs.rs/armature). Use them
//! through the `armature` crate, whose docs describe every attribute.
//!
//! Each macro lives in its own folder as `parse` (attributes -> a typed
//! model, every user error collected), `check` (rules across the model) and
//! `expand` (model -> tokens naming `::armature::__private`); what two
//! macros share lives in `internals/`. Every macro runs through one driver,
//! [`expand_with`], and one fallback rule: on a user error it still emits
//! the minimal items other code names (the trait impl, the marker type, the
//! callback macro), so the user sees the one real error, not follow-ons.

mod aggregate;
mod controller;
mod internals;
mod job;
mod middleware;
mod pipeline;
mod validate;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

use internals::Ctxt;

/// A macro's parsed model: how it expands, and what it emits instead when
/// the input had errors.
trait Expand {
    /// The full expansion of a model without errors.
    fn expand(&self) -> proc_macro2::TokenStream;
    /// The items other code names (a trait impl with no behaviour, a
    /// marker type, a callback), emitted beside the errors.
    fn fallback(&self) -> proc_macro2::TokenStream;
}

/// The one driver: `parse` records every user error in the context and
/// returns the model it could build; without errors the model expands,
/// with errors they are emitted with the model's fallback.
fn expand_with<M: Expand>(parse: impl FnOnce(&Ctxt) -> M) -> proc_macro2::TokenStream {
    let cx = Ctxt::new();
    let model = parse(&cx);
    match cx.check() {
        Ok(()) => model.expand(),
        Err(errors) => {
            let mut out = errors.to_compile_error();
            out.extend(model.fallback());
            out
        }
    }
}

/// Derives `Validate` and `AsyncValidate` from `#[validate(…)]` field rules.
/// See `armature::Validate` for the rules.
#[proc_macro_derive(Validate, attributes(validate))]
pub fn derive_validate(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    validate::derive(&input).into()
}

/// Turns an impl block into a controller: its `#[get("/path")]`,
/// `#[post]`, `#[put]`, `#[patch]`, `#[delete]`, `#[head]` and `#[options]`
/// methods become routes under the prefix. See `armature::http`.
#[proc_macro_attribute]
pub fn controller(args: TokenStream, input: TokenStream) -> TokenStream {
    controller::attribute(args.into(), input.into()).into()
}

/// Declares a middleware: `#[middleware(independent)]`,
/// `#[middleware(after(a, b))]` or `#[middleware]` (around). See
/// `armature::middleware`.
#[proc_macro_attribute]
pub fn middleware(args: TokenStream, input: TokenStream) -> TokenStream {
    middleware::attribute(args.into(), input.into()).into()
}

/// Joins a function's independent `let … = ….await?;` statements so they
/// run concurrently, each starting as soon as its inputs exist. See
/// `armature::aggregate`.
#[proc_macro_attribute]
pub fn aggregate(args: TokenStream, input: TokenStream) -> TokenStream {
    aggregate::attribute(args.into(), input.into()).into()
}

/// Declares a background job: `#[job(cpu_intensive, retries = 3)]` on a
/// `fn`, or `#[job(queue = "email", timeout = "30s")]` on an `async fn`.
/// See `armature::queue`.
#[proc_macro_attribute]
pub fn job(args: TokenStream, input: TokenStream) -> TokenStream {
    job::attribute(args.into(), input.into()).into()
}

/// Composes middleware into stages at compile time: `pipeline![a, b, tower(layer)]`.
/// See `armature::middleware`.
#[proc_macro]
pub fn pipeline(input: TokenStream) -> TokenStream {
    pipeline::pipeline(input.into()).into()
}

#[doc(hidden)]
#[proc_macro]
pub fn pipeline_step(input: TokenStream) -> TokenStream {
    pipeline::step(input.into()).into()
}
