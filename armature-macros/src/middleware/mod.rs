//! `#[middleware]`, `#[middleware(independent)]`, `#[middleware(after(…))]`
//! on an async fn: parse -> expand. The graph itself is checked by
//! `pipeline!` (see `crate::pipeline`), which collects every member's
//! metadata through the callback macro emitted here.

pub mod expand;
mod model;
pub mod parse;

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::ItemFn;

use crate::internals::Ctxt;

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
    let cx = Ctxt::new();
    let model = parse::middleware(&cx, args, &item);
    match cx.check() {
        Ok(()) => expand::expand(&model, &item),
        Err(errors) => {
            // The function stays, so its callers do not also fail.
            let mut out = item.to_token_stream();
            out.extend(errors.to_compile_error());
            out
        }
    }
}
