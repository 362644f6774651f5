//! `#[job(…)]` on a function: parse (options, signature) -> expand.

mod expand;
mod model;
mod parse;

use proc_macro2::TokenStream;

pub fn attribute(args: TokenStream, input: TokenStream) -> TokenStream {
    let item = match crate::internals::item::function(
        input,
        "`#[job]` goes on a function: `#[job(retries = 3)] async fn send_email(mail: Email) -> Result<(), JobError> { … }`",
    ) {
        Ok(item) => item,
        Err(tokens) => return tokens,
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
