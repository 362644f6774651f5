//! `AsyncValidate`: the sync checks, then every async check of every field
//! joined in the caller's task, merged in declaration order.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::Ident;
use syn::spanned::Spanned;

use super::{Scope, field_path, pattern};
use crate::internals::respan::respan;
use crate::internals::ty;
use crate::validate::model::{Container, Data, Field, Rule, RuleKind};

/// `__validate_async` (what `AsyncValidate::validate_async` runs) when
/// there is async work: sync checks, then all async checks joined, merged
/// in declaration order. Otherwise the trait's default (the sync result).
pub fn method(a: &TokenStream, c: &Container) -> TokenStream {
    let has_async = |fields: &[Field]| fields.iter().any(Field::has_async_work);
    let wanted = |f: &Field| f.has_sync_rules() || f.has_async_work();
    let body = match &c.data {
        Data::Struct(fields) if has_async(fields) => {
            let pattern = pattern(quote!(Self), fields, wanted);
            let body = Scope::new(a, fields).async_fields();
            quote! {
                let #pattern = self;
                #body
            }
        }
        Data::Enum(variants) if variants.iter().any(|v| has_async(&v.fields)) => {
            let arms = variants.iter().map(|v| {
                let name = v.ident;
                let pattern = pattern(quote!(Self::#name), &v.fields, wanted);
                let body = Scope::new(a, &v.fields).async_fields();
                quote!(#pattern => { #body })
            });
            quote!(match self { #(#arms)* })
        }
        _ => return TokenStream::new(),
    };
    quote! {
        #[allow(unused_variables)]
        fn __validate_async(&self) -> impl ::core::future::Future<
            Output = ::core::result::Result<(), #a::ValidationErrors>,
        > + ::core::marker::Send
        where
            Self: ::core::marker::Sync + ::core::marker::Sized,
        {
            async move { #body }
        }
    }
}

impl Scope<'_, '_> {
    fn async_fields(&self) -> TokenStream {
        let (a, fields) = (&self.a, self.fields);
        let mut sync = TokenStream::new();
        let mut futures = Vec::new();
        let mut merges = Vec::new();
        let mut results = Vec::new();
        for (i, field) in fields.iter().enumerate() {
            let start = format_ident!("__start{}", i);
            let end = format_ident!("__end{}", i);
            let ok = format_ident!("__ok{}", i);
            let checks = self.field_sync(field, true);
            sync.extend(quote! {
                let #start = __all.len();
                { let __errors = &mut __all; #checks }
                let #end = __all.len();
                let #ok = #end == #start;
            });
            for rule in &field.rules {
                if let Some(future) = self.async_rule(field, rule, &ok) {
                    let result = format_ident!("__result{}", futures.len());
                    merges.push(quote!(__all.insert_all(#end, #result);));
                    results.push(result);
                    futures.push(future);
                }
            }
        }
        // Insert from the last field back, so earlier positions stay valid.
        merges.reverse();
        quote! {
            let mut __all = #a::ValidationErrors::new();
            let __root = #a::FieldPath::Root;
            let __path = &__root;
            #sync
            // Joined in this task: no spawn, no box; the checks' I/O overlaps.
            let (#(#results,)*) = #a::futures::join!(#(#futures),*);
            #(#merges)*
            __all.into_result()
        }
    }

    /// The future of one async check (`custom_async`, or a nested value's own
    /// `validate_async`), yielding that check's errors with full paths.
    fn async_rule(&self, field: &Field, rule: &Rule, ok: &Ident) -> Option<TokenStream> {
        let a = &self.a;
        let binding = field.binding();
        let path = field_path(field);
        let unwrap = |body: TokenStream| {
            if ty::option_inner(field.ty).is_some() {
                quote!(if let ::core::option::Option::Some(__v0) = #binding { #body })
            } else {
                quote!({ let __v0 = #binding; #body })
            }
        };
        let body = match &rule.kind {
            RuleKind::CustomAsync(function) => {
                let fa = respan(a, function.span());
                let call = quote_spanned!(function.span()=> #fa::rules::async_check(#function(__v0)).await);
                let push = self.push_error(rule, &format_ident!("__p"), quote!(__error));
                unwrap(quote! {
                    if let ::core::result::Result::Err(__error) = #call { #push }
                })
            }
            RuleKind::Nested if field.nested_async() => {
                let span = field.ty.span();
                let value = Ident::new("__v0", span);
                let at = respan(a, span);
                let call = quote_spanned!(span=> #at::Validate::__validate_async(#value));
                unwrap(quote! {
                    if let ::core::result::Result::Err(__nested) = #call.await {
                        __errors.append(__nested.prefixed(&__p.render()));
                    }
                })
            }
            _ => return None,
        };
        Some(quote! {
            async {
                let mut __errors = #a::ValidationErrors::new();
                if #ok {
                    #path
                    let __errors = &mut __errors;
                    #body
                }
                __errors
            }
        })
    }
}
