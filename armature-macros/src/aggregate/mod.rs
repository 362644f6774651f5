//! `#[aggregate]` on an async fn: parse (options, signature) -> analyze
//! (the body cut into kept statements and runs to join) -> expand.

mod analyze;
mod expand;
mod model;
mod parse;

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::ItemFn;

pub fn attribute(args: TokenStream, input: TokenStream) -> TokenStream {
    let item: ItemFn = match syn::parse2(input.clone()) {
        Ok(item) => item,
        Err(_) => {
            // At the item's first token after its attributes (`struct`, …).
            let mut tokens = input.clone().into_iter();
            let mut at = proc_macro2::Span::call_site();
            while let Some(tt) = tokens.next() {
                match tt {
                    proc_macro2::TokenTree::Punct(p) if p.as_char() == '#' => {
                        tokens.next();
                    }
                    other => {
                        at = other.span();
                        break;
                    }
                }
            }
            let mut out = syn::Error::new(
                at,
                "`#[aggregate]` goes on an async fn with a body: `#[aggregate] async fn dashboard(…) -> … { … }`",
            )
            .to_compile_error();
            out.extend(input);
            return out;
        }
    };
    crate::expand_with(|cx| parse::aggregate(cx, args, item))
}

impl crate::Expand for model::Aggregate {
    fn expand(&self) -> TokenStream {
        expand::expand(self)
    }

    /// The function as written, so its callers add no errors.
    fn fallback(&self) -> TokenStream {
        self.item.to_token_stream()
    }
}
