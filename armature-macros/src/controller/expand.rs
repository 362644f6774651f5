//! The model -> `impl Controller`: one `RouteDef` per route, each handler
//! running its extractors in parameter order, then the method.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::model::Controller;
use crate::internals::respan::respan;
use crate::internals::ty::{type_ref, wrapped};

/// With errors: an `impl Controller` with no routes (when the type can
/// have one), so mounting it adds no second error.
pub fn fallback(c: &Controller) -> TokenStream {
    if !c.item.generics.params.is_empty() || c.item.trait_.is_some() {
        return TokenStream::new();
    }
    let krate = &c.krate;
    let a = quote!(#krate::__private);
    let self_ty = &c.self_ty;
    quote! {
        const _: () = {
            impl #a::http::Controller for #self_ty {
                fn routes(self: ::std::sync::Arc<Self>) -> ::std::vec::Vec<#a::http::RouteDef> {
                    ::std::vec::Vec::new()
                }
            }
        };
    }
}

pub fn expand(c: &Controller) -> TokenStream {
    let krate = &c.krate;
    let a = quote!(#krate::__private);
    let self_ty = &c.self_ty;
    let routes = c.routes.iter().map(|route| {
        let method = format_ident!("{}", route.method.to_uppercase());
        let path = &route.full_path;
        let handler = &route.handler;
        let name = format!("{}::{}", c.type_name, handler);
        let prerender = route.prerender;
        let body_limit = match route.body_limit {
            Some(n) => quote!(::core::option::Option::Some(#n)),
            None => quote!(::core::option::Option::None),
        };
        let bindings: Vec<_> = (0..route.args.len()).map(|i| format_ident!("__arg{}", i)).collect();
        let extracts = route.args.iter().zip(&bindings).map(|(ty, binding)| {
            // Spanned on the parameter's type: a type that is not an
            // extractor is reported there, in Armature's words.
            let at = respan(&a, ty.span());
            let call = quote_spanned!(ty.span()=> <#ty as #at::http::FromRequest>::from_request(&mut __ctx));
            quote! {
                let #binding = match #call.await {
                    ::core::result::Result::Ok(value) => value,
                    ::core::result::Result::Err(rejection) => return rejection,
                };
            }
        });
        let needs = route.args.iter().filter_map(|t| wrapped(t, "Ext")).map(|t| type_ref(&a, t));
        let states = route.args.iter().filter_map(|t| wrapped(t, "State")).map(|t| type_ref(&a, t));
        let respond = match &route.output {
            Some(ty) => {
                let at = respan(&a, ty.span());
                quote_spanned!(ty.span()=> #at::http::IntoResponse::into_response(__output))
            }
            None => quote!(#a::http::IntoResponse::into_response(__output)),
        };
        let endpoint = quote! {
            async move {
                #(#extracts)*
                let __output = __this.#handler(#(#bindings),*).await;
                #respond
            }
        };
        // With a pipeline the handler runs as its `inner`: one future,
        // boxed once for the route.
        let (capture, run) = match &c.middleware {
            None => (quote!(), endpoint),
            Some(_) => (
                quote!(let __pipeline = ::std::sync::Arc::clone(&__pipeline);),
                quote! {
                    #a::middleware::Pipeline::run(&__pipeline, __ctx, move |mut __ctx: #a::http::RequestContext| #endpoint)
                },
            ),
        };
        quote! {
            #a::http::RouteDef {
                method: #a::http::Method::#method,
                path: ::std::string::String::from(#path),
                handler: {
                    let __this = ::std::sync::Arc::clone(&self);
                    #capture
                    ::std::sync::Arc::new(move |mut __ctx: #a::http::RequestContext| -> #a::http::HandlerFuture {
                        let __this = ::std::sync::Arc::clone(&__this);
                        ::std::boxed::Box::pin(#run)
                    })
                },
                steps: {
                    let mut __steps = ::std::clone::Clone::clone(&__steps);
                    __steps.push(#a::middleware::Step {
                        name: #name,
                        stage: ::core::primitive::u32::MAX,
                        provides: ::core::option::Option::None,
                        needs: {
                            const NEEDS: &[#a::middleware::TypeRef] = &[#(#needs),*];
                            NEEDS
                        },
                        states: {
                            const STATES: &[#a::middleware::TypeRef] = &[#(#states),*];
                            STATES
                        },
                        handler: true,
                    });
                    __steps
                },
                body_limit: #body_limit,
                prerender: #prerender,
                name: #name,
            }
        }
    });
    let pipeline = match &c.middleware {
        None => {
            quote!(let __steps: ::std::vec::Vec<#a::middleware::Step> = ::std::vec::Vec::new();)
        }
        Some(expr) => quote! {
            let __pipeline = ::std::sync::Arc::new(#expr);
            let __steps = #a::middleware::Pipeline::steps(&*__pipeline);
        },
    };
    quote! {
        const _: () = {
            #[automatically_derived]
            impl #a::http::Controller for #self_ty {
                #[allow(unused_mut, unused_variables)]
                fn routes(self: ::std::sync::Arc<Self>) -> ::std::vec::Vec<#a::http::RouteDef> {
                    #pipeline
                    ::std::vec![#(#routes),*]
                }
            }
        };
    }
}
