//! Syntactic type inspection. A macro sees tokens, not types: these helpers
//! recognise the spellings users write (`Option<T>`, `Vec<T>`), and the
//! generated code leaves everything else to trait bounds.

use syn::{GenericArgument, PathArguments, Type};

/// `T` of `Option<T>` (also `std::option::Option<T>`).
pub fn option_inner(ty: &Type) -> Option<&Type> {
    single_generic(ty, &["Option"])
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
    let Type::Path(path) = ty else { return None };
    if path.qself.is_some() {
        return None;
    }
    let last = path.path.segments.last()?;
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
    }
}
