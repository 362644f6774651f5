//! `#[aggregate]` on an async fn: parse (options, signature) -> analyze
//! (the body cut into kept statements and runs to join) -> expand.

mod analyze;
mod expand;
mod model;
mod parse;

use proc_macro2::TokenStream;
use quote::ToTokens;

pub fn attribute(args: TokenStream, input: TokenStream) -> TokenStream {
    let item = match crate::internals::item::function(
        input,
        "`#[aggregate]` goes on an async fn with a body: `#[aggregate] async fn dashboard(…) -> … { … }`",
    ) {
        Ok(item) => item,
        Err(tokens) => return tokens,
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
