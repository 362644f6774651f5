//! `#[derive(Validate)]`: parse -> check -> expand.

mod check;
mod expand;
mod model;
mod parse;

use proc_macro2::TokenStream;
use syn::DeriveInput;

pub fn derive(input: &DeriveInput) -> TokenStream {
    crate::expand_with(|cx| {
        let container = parse::container(cx, input);
        check::container(cx, &container);
        container
    })
}

impl crate::Expand for model::Container<'_> {
    fn expand(&self) -> TokenStream {
        expand::expand(self)
    }

    /// Empty impls, so the user sees the real error and not a cascade of
    /// "`Validate` is not implemented".
    fn fallback(&self) -> TokenStream {
        expand::fallback(self)
    }
}
