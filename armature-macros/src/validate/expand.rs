//! The model -> `impl Validate` and `impl AsyncValidate`.
//!
//! Every check borrows the field (`let Self { name: __field_name, .. } = self`),
//! so the same field code serves structs, enum variants, the sequential
//! method and the parallel units. Checks that the compiler verifies (a rule
//! on the wrong type, a `nested` type without `Validate`) are spanned on the
//! user's token so the error lands there.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Ident, Type};

use super::model::{Container, Data, Field, Rule, RuleKind};
use crate::internals::respan::respan;
use crate::internals::ty;

pub fn expand(c: &Container) -> TokenStream {
    let a = private(c);
    let ident = c.ident;
    let validate_generics = bounded_generics(c, &quote!(#a::Validate));
    let (impl_g, ty_g, where_c) = validate_generics.split_for_impl();

    let body = match &c.data {
        Data::Struct(fields) => {
            let pattern = pattern(quote!(Self), fields, |f| f.has_sync_rules());
            let checks = fields.iter().map(|f| field_sync(&a, f, fields, false));
            quote! {
                let #pattern = self;
                #(#checks)*
            }
        }
        Data::Enum(variants) => {
            let arms = variants.iter().map(|v| {
                let name = v.ident;
                let pattern = pattern(quote!(Self::#name), &v.fields, |f| f.has_sync_rules());
                let checks = v.fields.iter().map(|f| field_sync(&a, f, &v.fields, false));
                quote!(#pattern => { #(#checks)* })
            });
            quote! {
                match self {
                    #(#arms)*
                }
            }
        }
    };
    let parallel = parallel_method(&a, c);
    let async_method = async_method(&a, c);
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

/// The sync checks of one field. `skip_nested`: the async pass validates
/// nested values with their own `validate_async` instead.
fn field_sync(a: &TokenStream, field: &Field, fields: &[Field], skip_nested: bool) -> TokenStream {
    let rules: Vec<&Rule> = field
        .rules
        .iter()
        .filter(|r| !matches!(r.kind, RuleKind::CustomAsync(_)))
        .filter(|r| !(skip_nested && field.nested_async() && matches!(r.kind, RuleKind::Nested)))
        .collect();
    if rules.is_empty() {
        return TokenStream::new();
    }
    let path = field_path(field);
    let binding = field.binding();
    let checks = value_checks(
        a,
        &rules,
        &binding,
        Some(field.ty),
        &format_ident!("__p"),
        0,
        fields,
    );
    quote! {{
        #path
        #checks
    }}
}

/// Checks of `rules` on `binding` (a reference to a field or an item).
/// `required` and `must_match` look at the value itself; the other rules at
/// the inner value when the type is spelled `Option<…>` (skipped on `None`).
fn value_checks(
    a: &TokenStream,
    rules: &[&Rule],
    binding: &Ident,
    ty: Option<&Type>,
    path: &Ident,
    depth: usize,
    fields: &[Field],
) -> TokenStream {
    let mut outer = TokenStream::new();
    let mut inner = TokenStream::new();
    let value = format_ident!("__v{}", depth);
    for rule in rules {
        let fail = |error: TokenStream| push_error(a, rule, path, error);
        match &rule.kind {
            RuleKind::Required => {
                let binding = Ident::new(&binding.to_string(), rule.span);
                let at = respan(a, rule.span);
                let check = quote_spanned!(rule.span=> #at::rules::is_present(#binding));
                let fail = fail(quote!(#a::rules::fail::required()));
                outer.extend(quote!(if !#check { #fail }));
            }
            RuleKind::MustMatch(other) => {
                let other_binding = fields
                    .iter()
                    .find(|f| matches!(&f.member, syn::Member::Named(n) if n == other))
                    .map(Field::binding);
                if let Some(other_binding) = other_binding {
                    let name = other.to_string();
                    let check = quote_spanned!(other.span()=> *#binding != *#other_binding);
                    let fail = fail(quote!(#a::rules::fail::must_match(#name)));
                    outer.extend(quote!(if #check { #fail }));
                }
            }
            _ => inner.extend(rule_check(a, rule, &value, ty, path, depth, fields)),
        }
    }
    if !inner.is_empty() {
        let unwrapped = ty.and_then(ty::option_inner);
        outer.extend(if unwrapped.is_some() {
            quote!(if let ::core::option::Option::Some(#value) = #binding { #inner })
        } else {
            quote!({ let #value = #binding; #inner })
        });
    }
    outer
}

fn push_error(a: &TokenStream, rule: &Rule, path: &Ident, error: TokenStream) -> TokenStream {
    let error = if rule.code.is_some() || rule.message.is_some() {
        let code = option_lit(&rule.code);
        let message = option_lit(&rule.message);
        quote!(#a::rules::fail::customize(#error, #code, #message))
    } else {
        error
    };
    quote!(__errors.push(#path.render(), #error);)
}

fn option_lit(lit: &Option<syn::LitStr>) -> TokenStream {
    match lit {
        Some(lit) => quote!(::core::option::Option::Some(#lit)),
        None => quote!(::core::option::Option::None),
    }
}

/// A rule on the (unwrapped) value `value`.
fn rule_check(
    a: &TokenStream,
    rule: &Rule,
    value: &Ident,
    ty: Option<&Type>,
    path: &Ident,
    depth: usize,
    fields: &[Field],
) -> TokenStream {
    let span = rule.span;
    // The value carries the rule's span: a trait bound it fails is reported there.
    let value = &Ident::new(&value.to_string(), span);
    let fail = |error: TokenStream| push_error(a, rule, path, error);
    let at = &respan(a, span);
    let text = quote_spanned!(span=> #at::rules::text(#value));
    match &rule.kind {
        RuleKind::Email => {
            let fail = fail(quote!(#a::rules::fail::email()));
            quote!(if !#a::is_email(#text) { #fail })
        }
        RuleKind::Url => {
            let fail = fail(quote!(#a::rules::fail::url()));
            quote!(if !#a::is_url(#text) { #fail })
        }
        RuleKind::Length { min, max, equal } => {
            let given = [("min", min), ("max", max), ("equal", equal)];
            let bound = |e: &Option<syn::Expr>| match e {
                Some(e) => quote!(::core::option::Option::Some(#e)),
                None => quote!(::core::option::Option::None),
            };
            let (lo, hi, eq) = (bound(min), bound(max), bound(equal));
            let params = given
                .iter()
                .filter_map(|(k, e)| e.as_ref().map(|e| quote!((#k, #a::rules::param(&(#e))))));
            let fail = fail(quote!(#a::rules::fail::bounds("length", &[#(#params),*])));
            let measure = quote_spanned!(span=> #at::rules::length(#value));
            quote! {
                if !#a::rules::length_within(#measure, #lo, #hi, #eq) { #fail }
            }
        }
        RuleKind::Range {
            min,
            max,
            exclusive_min,
            exclusive_max,
        } => {
            let given: Vec<_> = [
                ("min", min, quote!(Min)),
                ("max", max, quote!(Max)),
                ("exclusive_min", exclusive_min, quote!(ExclusiveMin)),
                ("exclusive_max", exclusive_max, quote!(ExclusiveMax)),
            ]
            .into_iter()
            .filter_map(|(k, e, op)| e.as_ref().map(|e| (k, e, op)))
            .collect();
            let conditions = given.iter().map(|(_, bound, op)| {
                quote_spanned!(span=> #at::rules::in_bound(#value, &(#bound), #at::rules::Bound::#op))
            });
            let params = given
                .iter()
                .map(|(k, bound, _)| quote!((#k, #a::rules::param(&(#bound)))));
            let fail = fail(quote!(#a::rules::fail::bounds("range", &[#(#params),*])));
            quote!(if !(#(#conditions)&&*) { #fail })
        }
        RuleKind::Pattern(lit) => {
            let fail = fail(quote!(#a::rules::fail::pattern(#lit)));
            quote! {{
                static __PATTERN: #a::rules::LazyRegex = #a::rules::LazyRegex::new(#lit);
                if !__PATTERN.is_match(#text) { #fail }
            }}
        }
        RuleKind::Contains(lit) => {
            let fail = fail(quote!(#a::rules::fail::contains(#lit)));
            quote!(if !#text.contains(#lit) { #fail })
        }
        RuleKind::DoesNotContain(lit) => {
            let fail = fail(quote!(#a::rules::fail::does_not_contain(#lit)));
            quote!(if #text.contains(#lit) { #fail })
        }
        RuleKind::Custom(function) => {
            let fa = respan(a, function.span());
            let call =
                quote_spanned!(function.span()=> #fa::rules::custom_result(#function(#value)));
            let fail = fail(quote!(__error));
            quote!(if let ::core::result::Result::Err(__error) = #call { #fail })
        }
        RuleKind::Nested => {
            // On the field's type: "`Address` does not implement `Validate`".
            let span = if depth == 0 {
                ty.map_or(span, Spanned::span)
            } else {
                span
            };
            let value = Ident::new(&value.to_string(), span);
            let at = respan(a, span);
            quote_spanned!(span=> #at::Validate::validate_into(#value, &#path, __errors);)
        }
        RuleKind::Each(inner) => {
            let item = format_ident!("__item{}", depth + 1);
            let item_path = format_ident!("__p{}", depth + 1);
            let item_ty = ty.and_then(ty::collection_item);
            let inner: Vec<&Rule> = inner.iter().collect();
            let checks = value_checks(a, &inner, &item, item_ty, &item_path, depth + 1, fields);
            let items = quote_spanned!(span=> #at::rules::each(#value));
            quote! {
                for (__index, #item) in #items {
                    let #item_path = #path.index(__index);
                    #checks
                }
            }
        }
        // Handled by `value_checks` (value itself) or the async pass.
        RuleKind::Required | RuleKind::MustMatch(_) | RuleKind::CustomAsync(_) => {
            TokenStream::new()
        }
    }
}

/// `validate_parallel` for structs with rules of unknown cost (`custom`,
/// `nested`): one unit per field, run adaptively. Cheap structs keep the
/// trait's default, which is `validate()` with no overhead at all.
fn parallel_method(a: &TokenStream, c: &Container) -> TokenStream {
    let Data::Struct(fields) = &c.data else {
        return TokenStream::new();
    };
    if !fields
        .iter()
        .flat_map(|f| &f.rules)
        .any(|r| r.kind.has_opaque_cost())
    {
        return TokenStream::new();
    }
    let units: Vec<TokenStream> = fields
        .iter()
        .filter(|f| f.has_sync_rules())
        .map(|f| {
            let pattern = pattern(quote!(Self), std::slice::from_ref(f), |_| true);
            // A unit binds its own field, plus the one a `must_match` reads.
            let pattern = if f.rules.iter().any(|r| matches!(r.kind, RuleKind::MustMatch(_))) {
                let only_f = |g: &Field| g.member == f.member;
                self::pattern(quote!(Self), fields, only_f)
            } else {
                pattern
            };
            let checks = field_sync(a, f, fields, false);
            quote!(|__self: &Self, __path: &#a::FieldPath<'_>, __errors: &mut #a::ValidationErrors| {
                let #pattern = __self;
                #checks
            })
        })
        .collect();
    let count = units.len();
    quote! {
        fn validate_parallel(&self) -> ::core::result::Result<(), #a::ValidationErrors>
        where
            Self: ::core::marker::Sync,
        {
            static __COST: #a::CostEstimate = #a::CostEstimate::new();
            let __units: [#a::Unit<Self>; #count] = [#(#units),*];
            #a::validate_adaptive(&__COST, self, &__units)
        }
    }
}

/// `__validate_async` (what `AsyncValidate::validate_async` runs) when
/// there is async work: sync checks, then all async checks joined, merged
/// in declaration order. Otherwise the trait's default (the sync result).
fn async_method(a: &TokenStream, c: &Container) -> TokenStream {
    let has_async = |fields: &[Field]| fields.iter().any(Field::has_async_work);
    let wanted = |f: &Field| f.has_sync_rules() || f.has_async_work();
    let body = match &c.data {
        Data::Struct(fields) if has_async(fields) => {
            let pattern = pattern(quote!(Self), fields, wanted);
            let body = async_fields(a, fields);
            quote! {
                let #pattern = self;
                #body
            }
        }
        Data::Enum(variants) if variants.iter().any(|v| has_async(&v.fields)) => {
            let arms = variants.iter().map(|v| {
                let name = v.ident;
                let pattern = pattern(quote!(Self::#name), &v.fields, wanted);
                let body = async_fields(a, &v.fields);
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

fn async_fields(a: &TokenStream, fields: &[Field]) -> TokenStream {
    let mut sync = TokenStream::new();
    let mut futures = Vec::new();
    let mut merges = Vec::new();
    let mut results = Vec::new();
    for (i, field) in fields.iter().enumerate() {
        let start = format_ident!("__start{}", i);
        let end = format_ident!("__end{}", i);
        let ok = format_ident!("__ok{}", i);
        let checks = field_sync(a, field, fields, true);
        sync.extend(quote! {
            let #start = __all.len();
            { let __errors = &mut __all; #checks }
            let #end = __all.len();
            let #ok = #end == #start;
        });
        for rule in &field.rules {
            if let Some(future) = async_rule(a, field, rule, &ok) {
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
fn async_rule(a: &TokenStream, field: &Field, rule: &Rule, ok: &Ident) -> Option<TokenStream> {
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
            let call =
                quote_spanned!(function.span()=> #fa::rules::async_check(#function(__v0)).await);
            let push = push_error(a, rule, &format_ident!("__p"), quote!(__error));
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
