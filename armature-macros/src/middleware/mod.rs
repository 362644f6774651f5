//! `#[middleware]`, `#[middleware(independent)]`, `#[middleware(after(…))]`
//! on an async fn: parse -> expand. The graph itself is checked by
//! `pipeline!` (see `crate::pipeline`), which collects every member's
//! metadata through the callback macro emitted here.

mod expand;
mod model;
mod parse;

use proc_macro2::TokenStream;
use syn::ItemFn;

pub fn attribute(args: TokenStream, input: TokenStream) -> TokenStream {
    let item: ItemFn = match syn::parse2(input.clone()) {
        Ok(item) => item,
        Err(_) => {
            let mut out = syn::Error::new(
                proc_macro2::Span::call_site(),
                "`#[middleware]` goes on an async fn: `#[middleware(independent)] async fn request_id(req: &RequestHead) -> RequestId { … }`",
            )
            .to_compile_error();
            out.extend(input);
            return out;
        }
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
