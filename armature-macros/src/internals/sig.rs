//! Function signatures as the attribute macros require them (`async`, not
//! generic, the right receiver), each requirement an error at the token
//! that breaks it, in words the calling macro chooses.

use std::fmt::Display;

use syn::{FnArg, ReturnType, Signature, Type};

use super::Ctxt;

/// `async fn`, or an error at `fn`; whether it held.
pub fn require_async(cx: &Ctxt, sig: &Signature, message: impl Display) -> bool {
    if sig.asyncness.is_none() {
        cx.error_spanned_by(sig.fn_token, message);
        return false;
    }
    true
}

/// No generic parameters, or an error on them; whether it held.
pub fn require_not_generic(cx: &Ctxt, sig: &Signature, message: impl Display) -> bool {
    if !sig.generics.params.is_empty() {
        cx.error_spanned_by(&sig.generics, message);
        return false;
    }
    true
}

/// What a function takes `self` as.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Receiver {
    /// A free function or an associated function without `self`.
    None,
    /// `&self`
    Ref,
    /// `&mut self`
    RefMut,
    /// `self`, `mut self`, `self: Box<Self>`, …
    Value,
}

/// The receiver and its tokens (for errors).
pub fn receiver(sig: &Signature) -> (Receiver, Option<&syn::Receiver>) {
    match sig.inputs.first() {
        Some(FnArg::Receiver(r)) => {
            let kind = match (&r.reference, &r.mutability) {
                (Some(_), Some(_)) => Receiver::RefMut,
                (Some(_), None) => Receiver::Ref,
                (None, _) => Receiver::Value,
            };
            (kind, Some(r))
        }
        _ => (Receiver::None, None),
    }
}

/// The types of the parameters after the receiver.
pub fn param_types(sig: &Signature) -> impl Iterator<Item = &Type> {
    sig.inputs.iter().filter_map(|arg| match arg {
        FnArg::Typed(t) => Some(&*t.ty),
        FnArg::Receiver(_) => None,
    })
}

/// The declared return type (`None` for `()` by omission).
pub fn output(sig: &Signature) -> Option<&Type> {
    match &sig.output {
        ReturnType::Default => None,
        ReturnType::Type(_, ty) => Some(ty),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receivers() {
        let of = |s: Signature| receiver(&s).0;
        assert_eq!(of(syn::parse_quote!(fn f(&self))), Receiver::Ref);
        assert_eq!(
            of(syn::parse_quote!(fn f(&mut self, a: u8))),
            Receiver::RefMut
        );
        assert_eq!(of(syn::parse_quote!(fn f(self))), Receiver::Value);
        assert_eq!(of(syn::parse_quote!(fn f(a: u8))), Receiver::None);
        let sig: Signature = syn::parse_quote!(fn f(&self, a: u8, b: String));
        assert_eq!(param_types(&sig).count(), 2);
    }

    #[test]
    fn requirements_report_at_the_token() {
        let cx = Ctxt::new();
        let sig: Signature = syn::parse_quote!(fn f<T>(t: T));
        assert!(!require_async(&cx, &sig, "must be async"));
        assert!(!require_not_generic(&cx, &sig, "no generics"));
        let errors: Vec<String> = cx
            .check()
            .unwrap_err()
            .into_iter()
            .map(|e| e.to_string())
            .collect();
        assert_eq!(errors, ["must be async", "no generics"]);
    }
}
