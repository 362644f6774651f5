//! The synchronous checks of a field: what `validate()` runs, what each
//! parallel unit runs, and the first half of the async pass.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Ident, Type};

use super::Scope;
use super::field_path;
use crate::internals::respan::respan;
use crate::internals::ty;
use crate::validate::model::{Field, Rule, RuleKind};

impl Scope<'_, '_> {
    /// The sync checks of one field. `skip_nested`: the async pass validates
    /// nested values with their own `validate_async` instead.
    pub fn field_sync(&self, field: &Field, skip_nested: bool) -> TokenStream {
        let rules: Vec<&Rule> = field
            .rules
            .iter()
            .filter(|r| !matches!(r.kind, RuleKind::CustomAsync(_)))
            .filter(|r| {
                !(skip_nested && field.nested_async() && matches!(r.kind, RuleKind::Nested))
            })
            .collect();
        if rules.is_empty() {
            return TokenStream::new();
        }
        let path = field_path(field);
        let binding = field.binding();
        let checks = self.value_checks(&rules, &binding, Some(field.ty), &format_ident!("__p"), 0);
        quote! {{
            #path
            #checks
        }}
    }

    /// Checks of `rules` on `binding` (a reference to a field or an item).
    /// `required` and `must_match` look at the value itself; the other rules at
    /// the inner value when the type is spelled `Option<…>` (skipped on `None`).
    fn value_checks(
        &self,
        rules: &[&Rule],
        binding: &Ident,
        ty: Option<&Type>,
        path: &Ident,
        depth: usize,
    ) -> TokenStream {
        let (a, fields) = (&self.a, self.fields);
        let mut outer = TokenStream::new();
        let mut inner = TokenStream::new();
        let value = format_ident!("__v{}", depth);
        for rule in rules {
            let fail = |error: TokenStream| self.push_error(rule, path, error);
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
                _ => inner.extend(self.rule_check(rule, &value, ty, path, depth)),
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

    pub fn push_error(&self, rule: &Rule, path: &Ident, error: TokenStream) -> TokenStream {
        let a = &self.a;
        let error = if rule.code.is_some() || rule.message.is_some() {
            let code = option_lit(&rule.code);
            let message = option_lit(&rule.message);
            quote!(#a::rules::fail::customize(#error, #code, #message))
        } else {
            error
        };
        quote!(__errors.push(#path.render(), #error);)
    }

    /// A rule on the (unwrapped) value `value`.
    fn rule_check(
        &self,
        rule: &Rule,
        value: &Ident,
        ty: Option<&Type>,
        path: &Ident,
        depth: usize,
    ) -> TokenStream {
        let a = &self.a;
        let span = rule.span;
        // The value carries the rule's span: a trait bound it fails is reported there.
        let value = &Ident::new(&value.to_string(), span);
        let fail = |error: TokenStream| self.push_error(rule, path, error);
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
                let checks = self.value_checks(&inner, &item, item_ty, &item_path, depth + 1);
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
}

fn option_lit(lit: &Option<syn::LitStr>) -> TokenStream {
    match lit {
        Some(lit) => quote!(::core::option::Option::Some(#lit)),
        None => quote!(::core::option::Option::None),
    }
}
