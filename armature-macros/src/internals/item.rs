//! The item an attribute macro is written on.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::ItemFn;

/// `input` as a function, or `message` at the item's first token after
/// its attributes (`struct`, `impl`, …) followed by the input unchanged, so
/// the rest of the crate still sees the item.
pub fn function(input: TokenStream, message: &str) -> Result<ItemFn, TokenStream> {
    syn::parse2(input.clone()).map_err(|_| {
        let mut tokens = input.clone().into_iter();
        let mut at = Span::call_site();
        while let Some(tt) = tokens.next() {
            match tt {
                TokenTree::Punct(p) if p.as_char() == '#' => {
                    tokens.next();
                }
                other => {
                    at = other.span();
                    break;
                }
            }
        }
        let mut out = syn::Error::new(at, message).to_compile_error();
        out.extend(input);
        out
    })
}
