//! The model -> `impl Validate` and `impl AsyncValidate`.
//!
//! Every check borrows the field (`let Self { name: __field_name, .. } = self`),
//! so the same field code serves structs, enum variants, the sequential
//! method and the parallel units. Checks that the compiler verifies (a rule
//! on the wrong type, a `nested` type without `Validate`) are spanned on the
//! user's token so the error lands there.

mod asynchronous;
mod parallel;
mod sync;

use proc_macro2::TokenStream;
use quote::quote;
use syn::Ident;

use super::model::{Container, Data, Field, RuleKind};
use crate::internals::ty;

/// The expansion context of one field list (a struct's, or a variant's):
/// the path generated code names runtime items through, and the sibling
/// fields a `must_match` compares with.
struct Scope<'f, 'a> {
    a: &'f TokenStream,
    fields: &'f [Field<'a>],
}

impl<'f, 'a> Scope<'f, 'a> {
    fn new(a: &'f TokenStream, fields: &'f [Field<'a>]) -> Self {
        Scope { a, fields }
    }
}

pub fn expand(c: &Container) -> TokenStream {
    let a = private(c);
    let ident = c.ident;
    let validate_generics = bounded_generics(c, &quote!(#a::Validate));
    let (impl_g, ty_g, where_c) = validate_generics.split_for_impl();

    let body = match &c.data {
        Data::Struct(fields) => {
            let pattern = pattern(quote!(Self), fields, |f| f.has_sync_rules());
            let scope = Scope::new(&a, fields);
            let checks = fields.iter().map(|f| scope.field_sync(f, false));
            quote! {
                let #pattern = self;
                #(#checks)*
            }
        }
        Data::Enum(variants) => {
            let arms = variants.iter().map(|v| {
                let name = v.ident;
                let pattern = pattern(quote!(Self::#name), &v.fields, |f| f.has_sync_rules());
                let scope = Scope::new(&a, &v.fields);
                let checks = v.fields.iter().map(|f| scope.field_sync(f, false));
                quote!(#pattern => { #(#checks)* })
            });
            quote! {
                match self {
                    #(#arms)*
                }
            }
        }
    };
    let parallel = parallel::method(&a, c);
    let async_method = asynchronous::method(&a, c);
    quote! {
        const _: () = {
            #[automatically_derived]
            impl #impl_g #a::Validate for #ident #ty_g #where_c {
                #[allow(unused_variables)]
                fn validate_into(
                    &self,
                    __path: &#a::FieldPath<'_>,
                    __errors: &mut #a::ValidationErrors,
                ) {
                    #body
                }
                #parallel
                #async_method
            }
        };
    }
}

/// When the derive input has errors: empty impls, so the user sees the real
/// error and not a cascade of "`Validate` is not implemented".
pub fn fallback(c: &Container) -> TokenStream {
    let a = private(c);
    let ident = c.ident;
    let (impl_g, ty_g, where_c) = c.generics.split_for_impl();
    quote! {
        const _: () = {
            impl #impl_g #a::Validate for #ident #ty_g #where_c {
                fn validate_into(&self, _: &#a::FieldPath<'_>, _: &mut #a::ValidationErrors) {}
            }
        };
    }
}

fn private(c: &Container) -> TokenStream {
    let krate = &c.krate;
    quote!(#krate::__private)
}

/// The type's generics plus `FieldType: bound` for every `nested` field whose
/// type mentions a type parameter (`struct Page<T> { #[validate(nested)] item: T }`).
fn bounded_generics(c: &Container, bound: &TokenStream) -> syn::Generics {
    let mut generics = c.generics.clone();
    let params: Vec<&Ident> = c.generics.type_params().map(|p| &p.ident).collect();
    if params.is_empty() {
        return generics;
    }
    let fields: Vec<&Field> = match &c.data {
        Data::Struct(fields) => fields.iter().collect(),
        Data::Enum(variants) => variants.iter().flat_map(|v| &v.fields).collect(),
    };
    let where_clause = generics.make_where_clause();
    for field in fields {
        if field.rules.iter().any(|r| r.kind.has_opaque_cost())
            && ty::mentions_any(field.ty, &params)
        {
            let ty = field.ty;
            where_clause.predicates.push(syn::parse_quote!(#ty: #bound));
        }
    }
    generics
}

/// `Self { a: __field_a, b: __field_b, .. }` binding the fields `wanted`
/// selects plus every field a `must_match` of theirs compares with.
fn pattern(path: TokenStream, fields: &[Field], wanted: impl Fn(&Field) -> bool) -> TokenStream {
    let mut needed: Vec<bool> = fields.iter().map(&wanted).collect();
    for field in fields.iter().filter(|f| wanted(f)) {
        for rule in &field.rules {
            if let RuleKind::MustMatch(other) = &rule.kind
                && let Some(i) = fields
                    .iter()
                    .position(|f| matches!(&f.member, syn::Member::Named(n) if n == other))
            {
                needed[i] = true;
            }
        }
    }
    let bindings = fields.iter().zip(needed).filter(|(_, n)| *n).map(|(f, _)| {
        let member = &f.member;
        let binding = f.binding();
        quote!(#member: #binding)
    });
    quote!(#path { #(#bindings,)* .. })
}

fn field_path(field: &Field) -> TokenStream {
    match &field.path_name {
        Some(name) => quote!(let __p = __path.field(#name);),
        // `#[serde(flatten)]`: the inner fields sit at the parent's level.
        None => quote!(let __p = *__path;),
    }
}
