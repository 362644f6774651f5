//! Procedural macros of [Armature](https://docs.rs/armature). Use them
//! through the `armature` crate, whose docs describe every attribute.
//!
//! Each macro lives in its own folder as `parse` (attributes -> a typed
//! model, every user error collected), `check` (rules across the model) and
//! `expand` (model -> tokens naming `::armature::__private`).

mod internals;
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
