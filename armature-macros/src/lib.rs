//! Procedural macros of [Armature](https://docs.rs/armature). Use them
//! through the `armature` crate, whose docs describe every attribute.
//!
//! Each macro lives in its own folder as `parse` (attributes -> a typed
//! model, every user error collected), `check` (rules across the model) and
//! `expand` (model -> tokens naming `::armature::__private`).

mod controller;
mod internals;
mod middleware;
mod pipeline;
mod validate;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

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
