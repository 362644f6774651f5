//! `#[middleware]`, `#[middleware(independent)]`, `#[middleware(after(…))]`
//! on an async fn: parse -> expand. The graph itself is checked by
//! `pipeline!` (see `crate::pipeline`), which collects every member's
//! metadata through the callback macro emitted here.

mod expand;
mod model;
mod parse;

use proc_macro2::TokenStream;

pub fn attribute(args: TokenStream, input: TokenStream) -> TokenStream {
    let item = match crate::internals::item::function(
        input,
        "`#[middleware]` goes on an async fn: `#[middleware(independent)] async fn request_id(req: &RequestHead) -> RequestId { … }`",
    ) {
        Ok(item) => item,
        Err(tokens) => return tokens,
    };
    crate::expand_with(|cx| parse::middleware(cx, args, item))
}

impl crate::Expand for model::Middleware {
    fn expand(&self) -> TokenStream {
        expand::expand(self)
    }

    /// The function (so its callers do not also fail), its marker type and
    /// a callback that tells `pipeline!` the member is broken, so a
    /// pipeline naming it adds no error of its own.
    fn fallback(&self) -> TokenStream {
        expand::fallback(self)
    }
}
