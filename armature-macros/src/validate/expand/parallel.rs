//! `validate_parallel`: one unit per field, run adaptively on the compute
//! pool when the struct is costly enough to pay for it.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Scope, pattern};
use crate::validate::model::{Container, Data, Field, RuleKind};

/// `validate_parallel` for structs with rules of unknown cost (`custom`,
/// `nested`): one unit per field, run adaptively. Cheap structs keep the
/// trait's default, which is `validate()` with no overhead at all.
pub fn method(a: &TokenStream, c: &Container) -> TokenStream {
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
                super::pattern(quote!(Self), fields, only_f)
            } else {
                pattern
            };
            let checks = Scope::new(a, fields).field_sync(f, false);
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
