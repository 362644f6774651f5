//! `#[controller("/prefix")]` on an impl block: parse (and strip the route
//! attributes) -> expand.

pub mod expand;
mod model;
mod parse;
mod path;

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::ItemImpl;

use crate::internals::Ctxt;

pub fn attribute(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut item: ItemImpl = match syn::parse2(input) {
        Ok(item) => item,
        Err(_) => {
            return syn::Error::new(
                proc_macro2::Span::call_site(),
                "`#[controller]` goes on an impl block: `#[controller(\"/users\")] impl Users { … }`",
            )
            .to_compile_error();
        }
    };
    let cx = Ctxt::new();
    let controller = parse::controller(&cx, args, &mut item);
    // The impl itself is always emitted (route attributes stripped), so
    // one mistake does not also hide the methods from the rest of the crate.
    let mut out = item.to_token_stream();
    match cx.check() {
        Ok(()) => out.extend(expand::expand(&controller)),
        Err(errors) => out.extend(errors.to_compile_error()),
    }
    out
}
