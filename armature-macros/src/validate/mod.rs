//! `#[derive(Validate)]`: parse -> check -> expand.

mod check;
mod expand;
mod model;
mod parse;

use proc_macro2::TokenStream;
use syn::DeriveInput;

use crate::internals::Ctxt;

pub fn derive(input: &DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    let container = parse::container(&cx, input);
    check::container(&cx, &container);
    match cx.check() {
        Ok(()) => expand::expand(&container),
        Err(errors) => {
            let mut out = errors.to_compile_error();
            out.extend(expand::fallback(&container));
            out
        }
    }
}
