//! `#[controller("/prefix")]` on an impl block: parse (and strip the route
//! attributes) -> expand.

mod expand;
mod model;
mod parse;
mod path;

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::ItemImpl;

pub fn attribute(args: TokenStream, input: TokenStream) -> TokenStream {
    let item: ItemImpl = match syn::parse2(input) {
        Ok(item) => item,
        Err(_) => {
            return syn::Error::new(
                proc_macro2::Span::call_site(),
                "`#[controller]` goes on an impl block: `#[controller(\"/users\")] impl Users { … }`",
            )
            .to_compile_error();
        }
    };
    crate::expand_with(|cx| parse::controller(cx, args, item))
}

impl crate::Expand for model::Controller {
    fn expand(&self) -> TokenStream {
        let mut out = self.item.to_token_stream();
        out.extend(expand::expand(self));
        out
    }

    /// The impl itself (route attributes stripped), so one mistake does not
    /// also hide the methods from the rest of the crate, and an `impl
    /// Controller` without routes, so `App::controller(x)` adds no error.
    fn fallback(&self) -> TokenStream {
        let mut out = self.item.to_token_stream();
        out.extend(expand::fallback(self));
        out
    }
}
