//! The model -> the function, a marker type named like it (what
//! `pipeline!` names), its trait impl, and a callback macro carrying its
//! graph metadata to `pipeline!`.

use std::hash::{Hash, Hasher};

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::model::{BROKEN, Kind, Middleware, Output};
use crate::internals::respan::respan;
use crate::internals::ty::type_ref;

pub fn expand(m: &Middleware) -> TokenStream {
    let krate = &m.krate;
    let a = quote!(#krate::__private);
    let name = &m.name;
    let name_str = name.to_string();
    let imp = match &m.kind {
        Kind::Around => quote! {
            impl #a::middleware::Around for #name {
                fn name(&self) -> &'static str {
                    #name_str
                }
                fn call(
                    &self,
                    req: #a::middleware::Request,
                    next: #a::middleware::Next,
                ) -> impl ::core::future::Future<Output = #a::http::Response> + ::core::marker::Send + '_ {
                    async move { #a::http::IntoResponse::into_response(#name(req, next).await) }
                }
            }
        },
        Kind::Independent | Kind::After(_) => staged_impl(m, &a),
    };
    let (after, provides, needs) = meta(m);
    let kind = format_ident!("{}", m.kind.word());
    let report = quote! {
        { name = #name kind = #kind after = [#(#after),*] provides = [#provides] needs = [#(#needs),*] }
    };
    let mut out = items(m, &a, report);
    out.extend(quote!(const _: () = { #imp };));
    out
}

/// With errors: the function, the marker type and a callback reporting the
/// member as broken.
pub fn fallback(m: &Middleware) -> TokenStream {
    let krate = &m.krate;
    let a = quote!(#krate::__private);
    let name = &m.name;
    let kind = format_ident!("{}", BROKEN);
    items(
        m,
        &a,
        quote!({ name = #name kind = #kind after = [] provides = [] needs = [] }),
    )
}

/// The function, the marker type `pipeline!` names, and the callback
/// macro carrying `report` (the member's graph metadata) to `pipeline!`.
fn items(m: &Middleware, a: &TokenStream, report: TokenStream) -> TokenStream {
    let item = &m.item;
    let name = &m.name;
    let vis = &m.vis;
    let callback = callback_name(m);
    // `pub` cannot re-export a `macro_rules!` macro out of its crate:
    // middleware are named by pipelines of their own crate.
    let macro_vis = match vis {
        syn::Visibility::Public(p) => quote_spanned!(p.span()=> pub(crate)),
        other => quote!(#other),
    };
    quote! {
        #item

        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #vis struct #name {}

        #[doc(hidden)]
        macro_rules! #callback {
            ($($state:tt)*) => {
                #a::pipeline_step! {
                    $($state)*
                    #report
                }
            };
        }
        #[doc(hidden)]
        #[allow(unused_imports)]
        #macro_vis use #callback as #name;
    }
}

fn meta(m: &Middleware) -> (Vec<&syn::Ident>, TokenStream, Vec<&syn::Type>) {
    let after = match &m.kind {
        Kind::After(names) => names.iter().collect(),
        _ => Vec::new(),
    };
    let provides = match m.output.provided() {
        Some(t) => quote!(#t),
        None => TokenStream::new(),
    };
    (after, provides, m.needs.iter().collect())
}

/// Unique per function in a crate (two middleware of one name in different
/// modules must not shadow each other's textually scoped `macro_rules!`).
fn callback_name(m: &Middleware) -> syn::Ident {
    let item = &m.item;
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    quote!(#item).to_string().hash(&mut hasher);
    format_ident!("__armature_middleware_{}_{:016x}", m.name, hasher.finish())
}

fn staged_impl(m: &Middleware, a: &TokenStream) -> TokenStream {
    let name = &m.name;
    let name_str = name.to_string();
    let bindings: Vec<_> = (0..m.extractors.len())
        .map(|i| format_ident!("__arg{}", i))
        .collect();
    let extracts = m.extractors.iter().zip(&bindings).map(|(ty, binding)| {
        let at = respan(a, ty.span());
        let call = quote_spanned!(ty.span()=> <#ty as #at::middleware::FromHead>::from_head(__head));
        quote! {
            let #binding = match #call {
                ::core::result::Result::Ok(value) => value,
                ::core::result::Result::Err(rejection) => return ::core::result::Result::Err(rejection),
            };
        }
    });
    let call = quote!(#name(__head, #(#bindings),*).await);
    let (output_ty, finish) = match &m.output {
        Output::Unit => (
            quote!(()),
            quote! {
                let () = #call;
                ::core::result::Result::Ok(())
            },
        ),
        Output::Provide(t) => (quote!(#t), quote!(::core::result::Result::Ok(#call))),
        Output::Reject => (
            quote!(()),
            quote! {
                #call.map_err(#a::http::IntoResponse::into_response)
            },
        ),
        Output::RejectOrProvide(t) => (
            quote!(#t),
            quote! {
                #call.map_err(#a::http::IntoResponse::into_response)
            },
        ),
    };
    let provides = match m.output.provided() {
        Some(t) => {
            let t = type_ref(a, t);
            quote!(::core::option::Option::Some(#t))
        }
        None => quote!(::core::option::Option::None),
    };
    let needs = m.needs.iter().map(|t| type_ref(a, t));
    let states = m.states.iter().map(|t| type_ref(a, t));
    quote! {
        impl #a::middleware::Middleware for #name {
            const NAME: &'static str = #name_str;
            const PROVIDES: ::core::option::Option<#a::middleware::TypeRef> = #provides;
            const NEEDS: &'static [#a::middleware::TypeRef] = &[#(#needs),*];
            const STATES: &'static [#a::middleware::TypeRef] = &[#(#states),*];
            type Output = #output_ty;
            fn call(
                __head: &#a::http::RequestHead,
            ) -> impl ::core::future::Future<
                Output = ::core::result::Result<Self::Output, #a::http::Response>,
            > + ::core::marker::Send + '_ {
                async move {
                    #(#extracts)*
                    #finish
                }
            }
        }
    }
}
