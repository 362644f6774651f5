//! `#[job(…)]` on a function: parse (options, signature) -> expand.

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
                "`#[job]` goes on a function: `#[job(retries = 3)] async fn send_email(mail: Email) -> Result<(), JobError> { … }`",
            )
            .to_compile_error();
            out.extend(input);
            return out;
        }
    };
    crate::expand_with(|cx| parse::job(cx, args, item))
}

impl crate::Expand for model::Job {
    fn expand(&self) -> TokenStream {
        expand::expand(self)
    }

    /// The type and its `enqueue` functions, so its callers add no errors.
    fn fallback(&self) -> TokenStream {
        expand::fallback(self)
    }
}
