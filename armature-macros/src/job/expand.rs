//! The model -> a unit type named like the function (what
//! `Worker::register` takes), its typed `enqueue` functions, the handler as
//! an associated function, and its `Job` impl.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::model::{Backoff, Job};
use crate::internals::respan::respan;

pub fn expand(m: &Job) -> TokenStream {
    items(m, true)
}

/// With errors: the type and its `enqueue` functions (so callers add no
/// errors), with a handler that is never run.
pub fn fallback(m: &Job) -> TokenStream {
    items(m, false)
}

fn items(m: &Job, full: bool) -> TokenStream {
    let krate = &m.krate;
    let a = quote!(#krate::__private);
    let name = &m.name;
    let vis = &m.item.vis;
    let queue = &m.queue;
    let payload = m.payload.clone().unwrap_or_else(|| syn::parse_quote!(()));
    let docs = m.item.attrs.iter().filter(|a| a.path().is_ident("doc"));
    let cpu = m.cpu_intensive;
    let retries = m.retries;
    let backoff = match m.backoff {
        Backoff::Exponential => quote!(#a::queue::Backoff::Exponential),
        Backoff::Fixed => quote!(#a::queue::Backoff::Fixed),
    };
    let timeout = match m.timeout_ms {
        Some(ms) => quote!(::core::option::Option::Some(::core::time::Duration::from_millis(#ms))),
        None => quote!(::core::option::Option::None),
    };
    let batch = match m.batch {
        Some(n) => quote!(::core::option::Option::Some(#n)),
        None => quote!(::core::option::Option::None),
    };
    let (run_fn, handler) = if full {
        let item = &m.item;
        let sig = &item.sig;
        let (inputs, output, asyncness, block) =
            (&sig.inputs, &sig.output, &sig.asyncness, &item.block);
        let attrs = item.attrs.iter().filter(|a| !a.path().is_ident("doc"));
        let ctx = if m.takes_context {
            quote!(__ctx)
        } else {
            quote!()
        };
        // The conversion is spanned on the return type: a handler that
        // returns something else is reported there.
        let span = match output {
            syn::ReturnType::Type(_, ty) => ty.span(),
            syn::ReturnType::Default => sig.ident.span(),
        };
        let at = respan(&a, span);
        let call = if cpu {
            quote_spanned!(span=> Self::run(__payload, #ctx))
        } else {
            quote_spanned!(span=> Self::run(__payload, #ctx).await)
        };
        let converted = quote_spanned!(span=> #at::queue::IntoJobResult::into_job_result(#call));
        let handler = if cpu {
            quote! {
                #a::queue::Handler::Cpu(|__payload, __ctx| {
                    let _ = &__ctx;
                    #converted
                })
            }
        } else {
            quote! {
                #a::queue::Handler::Async(|__payload, __ctx| {
                    ::std::boxed::Box::pin(async move {
                        let _ = &__ctx;
                        #converted
                    })
                })
            }
        };
        (
            quote! {
                /// The handler as written.
                #(#attrs)*
                #vis #asyncness fn run(#inputs) #output #block
            },
            handler,
        )
    } else {
        (
            TokenStream::new(),
            quote!(#a::queue::Handler::Cpu(|_, _| ::core::result::Result::Ok(()))),
        )
    };
    let payload_bound = quote_spanned!(payload.span()=> #payload);
    quote! {
        #(#docs)*
        #[allow(non_camel_case_types)]
        #[derive(Clone, Copy, Debug, Default)]
        #vis struct #name;

        impl #name {
            #run_fn

            /// Enqueues one job; its id.
            #vis async fn enqueue(
                queue: &#a::queue::Queue,
                payload: #payload,
            ) -> ::core::result::Result<#a::queue::JobId, #a::queue::QueueError> {
                queue.enqueue::<Self>(&payload).await
            }

            /// Enqueues one job to run after `delay`.
            #vis async fn enqueue_in(
                queue: &#a::queue::Queue,
                delay: ::core::time::Duration,
                payload: #payload,
            ) -> ::core::result::Result<#a::queue::JobId, #a::queue::QueueError> {
                queue.enqueue_in::<Self>(::core::option::Option::Some(delay), &payload).await
            }

            /// Enqueues many jobs in one round trip; their ids, in order.
            #vis async fn enqueue_many(
                queue: &#a::queue::Queue,
                payloads: &[#payload],
            ) -> ::core::result::Result<::std::vec::Vec<#a::queue::JobId>, #a::queue::QueueError> {
                queue.enqueue_many::<Self>(payloads).await
            }
        }

        impl #a::queue::Job for #name {
            type Payload = #payload_bound;
            const QUEUE: &'static str = #queue;
            const OPTIONS: #a::queue::JobOptions = #a::queue::JobOptions {
                cpu_intensive: #cpu,
                retries: #retries,
                backoff: #backoff,
                timeout: #timeout,
                batch: #batch,
            };
            fn handler() -> #a::queue::Handler<Self::Payload> {
                #handler
            }
        }
    }
}
