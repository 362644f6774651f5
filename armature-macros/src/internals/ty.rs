//! Syntactic type inspection. A macro sees tokens, not types: these helpers
//! recognise the spellings users write (`Option<T>`, `Vec<T>`), and the
//! generated code leaves everything else to trait bounds.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{GenericArgument, PathArguments, Type};

/// The last path segment of a type (`Request` of `armature::Request`),
/// through parentheses and invisible groups.
pub fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last(),
        Type::Paren(p) => last_segment(&p.elem),
        Type::Group(g) => last_segment(&g.elem),
        _ => None,
    }
}

/// Whether the type's last segment is `name`.
pub fn is_named(ty: &Type, name: &str) -> bool {
    last_segment(ty).is_some_and(|s| s.ident == name)
}

/// `T` of `Option<T>` (also `std::option::Option<T>`).
pub fn option_inner(ty: &Type) -> Option<&Type> {
    single_generic(ty, &["Option"])
}

/// `T` of `Wrapper<T>` (by the last segment's name: `Ext<T>`, `State<T>`).
pub fn wrapped<'a>(ty: &'a Type, wrapper: &str) -> Option<&'a Type> {
    single_generic(ty, &[wrapper])
}

/// The item type of the collections `each(…)` knows by name.
pub fn collection_item(ty: &Type) -> Option<&Type> {
    match ty {
        Type::Slice(s) => Some(&s.elem),
        Type::Array(a) => Some(&a.elem),
        Type::Reference(r) => collection_item(&r.elem),
        _ => single_generic(ty, &["Vec", "VecDeque", "HashSet", "BTreeSet", "Box"]),
    }
}

fn single_generic<'a>(ty: &'a Type, names: &[&str]) -> Option<&'a Type> {
    let last = last_segment(ty)?;
    if !names.iter().any(|n| last.ident == n) {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    args.args.iter().find_map(|arg| match arg {
        GenericArgument::Type(t) => Some(t),
        _ => None,
    })
}

/// Whether `ty` mentions one of the type parameters.
pub fn mentions_any(ty: &Type, params: &[&syn::Ident]) -> bool {
    use quote::ToTokens;
    fn walk(tokens: proc_macro2::TokenStream, params: &[&syn::Ident]) -> bool {
        tokens.into_iter().any(|tt| match tt {
            proc_macro2::TokenTree::Ident(i) => params.iter().any(|p| **p == i),
            proc_macro2::TokenTree::Group(g) => walk(g.stream(), params),
            _ => false,
        })
    }
    walk(ty.to_token_stream(), params)
}

/// `TypeRef::of::<T>("T")`: a type for the runtime's bind-time checks.
pub fn type_ref(private: &TokenStream, t: &Type) -> TokenStream {
    let shown = type_name(t);
    quote!(#private::middleware::TypeRef::of::<#t>(#shown))
}

/// A type as the user wrote it, without the spaces `to_string` adds.
pub fn type_name(ty: &Type) -> String {
    let s = quote!(#ty).to_string();
    let mut out = String::with_capacity(s.len());
    let mut prev: Option<char> = None;
    for c in s.chars() {
        if c == ' ' {
            prev = Some(' ');
            continue;
        }
        if prev == Some(' ')
            && out
                .chars()
                .last()
                .is_some_and(|l| l.is_alphanumeric() || l == '_')
            && (c.is_alphanumeric() || c == '_')
        {
            out.push(' ');
        }
        out.push(c);
        prev = Some(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_spellings() {
        let t: Type = syn::parse_quote!(Option<String>);
        assert!(option_inner(&t).is_some());
        let t: Type = syn::parse_quote!(std::option::Option<u8>);
        assert!(option_inner(&t).is_some());
        let t: Type = syn::parse_quote!(Vec<Option<String>>);
        assert!(option_inner(collection_item(&t).unwrap()).is_some());
        let t: Type = syn::parse_quote!([u8; 4]);
        assert!(collection_item(&t).is_some());
        let t: Type = syn::parse_quote!(String);
        assert!(option_inner(&t).is_none() && collection_item(&t).is_none());
        let t: Type = syn::parse_quote!(armature::Ext<(RequestId)>);
        assert!(wrapped(&t, "Ext").is_some() && wrapped(&t, "State").is_none());
        assert!(is_named(&syn::parse_quote!((armature::Next)), "Next"));
    }

    #[test]
    fn names_types_as_written() {
        assert_eq!(
            type_name(&syn::parse_quote!(Vec<Option<u8>>)),
            "Vec<Option<u8>>"
        );
        assert_eq!(
            type_name(&syn::parse_quote!(&'static dyn Fn())),
            "&'static dyn Fn()"
        );
    }
}
