//! `#[middleware(…)]` + its function -> the model.

use proc_macro2::{Span, TokenStream};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{FnArg, GenericArgument, Ident, ItemFn, PathArguments, ReturnType, Token, Type};

use super::model::{Kind, Middleware, OPTIONS, Output};
use crate::internals::{Ctxt, attr, suggest};

pub fn middleware(cx: &Ctxt, args: TokenStream, item: &ItemFn) -> Middleware {
    let (kind, krate, understood) = options(cx, args);
    let sig = &item.sig;
    if sig.asyncness.is_none() {
        cx.error_spanned_by(sig.fn_token, "`#[middleware]` goes on an `async fn`");
    }
    if !sig.generics.params.is_empty() {
        cx.error_spanned_by(
            &sig.generics,
            "a middleware cannot be generic: `pipeline!` names it as one concrete type",
        );
    }
    let mut middleware = Middleware {
        krate,
        vis: item.vis.clone(),
        name: sig.ident.clone(),
        kind,
        extractors: Vec::new(),
        needs: Vec::new(),
        states: Vec::new(),
        output: Output::Unit,
    };
    let mut params = Vec::new();
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(r) => {
                cx.error_spanned_by(r, "a middleware is a free function, not a method")
            }
            FnArg::Typed(p) => params.push(&*p.ty),
        }
    }
    match &middleware.kind {
        // With a misspelt option the intended kind is unknown: checking the
        // signature against "around" would only add a confusing error.
        Kind::Around if !understood => {}
        Kind::Around => around_params(cx, sig, &params),
        Kind::Independent | Kind::After(_) => {
            staged_params(cx, sig, &params, &mut middleware);
            middleware.output = output(&sig.output);
        }
    }
    middleware
}

fn options(cx: &Ctxt, args: TokenStream) -> (Kind, syn::Path, bool) {
    let mut krate: syn::Path = syn::parse_quote!(::armature);
    let mut understood = true;
    let mut independent: Option<Span> = None;
    let mut after: Option<(Span, Vec<Ident>)> = None;
    let parser = syn::meta::parser(|meta| {
        let span = meta.path.span();
        if meta.path.is_ident("independent") {
            if independent.replace(span).is_some() {
                cx.error_at(span, "duplicate `independent`");
            }
        } else if meta.path.is_ident("after") {
            let content;
            syn::parenthesized!(content in meta.input);
            let names = Punctuated::<Ident, Token![,]>::parse_terminated(&content)?;
            if names.is_empty() {
                cx.error_at(
                    span,
                    "`after()` needs at least one middleware: `after(request_id)`; with none, write `independent`",
                );
            }
            let mut seen: Vec<&Ident> = Vec::new();
            for name in &names {
                if seen.contains(&name) {
                    cx.error_spanned_by(name, format!("`{name}` is listed twice in `after(…)`"));
                }
                seen.push(name);
            }
            if after.is_some() {
                cx.error_at(
                    span,
                    "duplicate `after(…)`: list every dependency in one `after(a, b)`",
                );
            }
            after = Some((span, names.into_iter().collect()));
        } else if meta.path.is_ident("crate") {
            krate = attr::crate_path(&meta)?;
        } else {
            let name = meta
                .path
                .get_ident()
                .map(ToString::to_string)
                .unwrap_or_default();
            let head = format!("unknown `#[middleware]` option `{name}`");
            cx.error_at(span, suggest::unknown(&head, &name, OPTIONS));
            understood = false;
            attr::skip_value(&meta)?;
        }
        Ok(())
    });
    if let Err(e) = parser.parse2(args) {
        cx.push(e);
        understood = false;
    }
    let kind = match (independent, after) {
        (Some(_), Some((span, names))) => {
            cx.error_at(
                span,
                "a middleware cannot be both `independent` and `after(…)`: an independent middleware runs in the first stage, with no dependencies; remove one of them",
            );
            Kind::After(names)
        }
        (Some(_), None) => Kind::Independent,
        (None, Some((_, names))) => Kind::After(names),
        (None, None) => Kind::Around,
    };
    (kind, krate, understood)
}

/// The last path segment's name: `Request`, `Next`, `RequestHead`, …
fn last_ident(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last(),
        Type::Paren(p) => last_ident(&p.elem),
        Type::Group(g) => last_ident(&g.elem),
        _ => None,
    }
}

fn is_named(ty: &Type, name: &str) -> bool {
    last_ident(ty).is_some_and(|s| s.ident == name)
}

/// `T` of `Ext<T>`.
pub fn ext_inner(ty: &Type) -> Option<&Type> {
    wrapped(ty, "Ext")
}

/// `T` of `State<T>`.
pub fn state_inner(ty: &Type) -> Option<&Type> {
    wrapped(ty, "State")
}

/// `T` of `Wrapper<T>`, by the last path segment's name.
fn wrapped<'a>(ty: &'a Type, wrapper: &str) -> Option<&'a Type> {
    let segment = last_ident(ty).filter(|s| s.ident == wrapper)?;
    match &segment.arguments {
        PathArguments::AngleBracketed(args) if args.args.len() == 1 => match &args.args[0] {
            GenericArgument::Type(t) => Some(t),
            _ => None,
        },
        _ => None,
    }
}

fn staged_params(cx: &Ctxt, sig: &syn::Signature, params: &[&Type], middleware: &mut Middleware) {
    let what = match middleware.kind {
        Kind::Independent => {
            "an `independent` middleware runs concurrently with the other members of its stage"
        }
        _ => {
            "an ordered middleware (`after(…)`) runs concurrently with the other members of its stage"
        }
    };
    let fix = "to change the request or call the rest of the pipeline, write an around middleware: `#[middleware] async fn m(req: Request, next: Next) -> Response`";
    let mut ok = true;
    for ty in params {
        let problem = if matches!(ty, Type::Reference(r) if r.mutability.is_some()) {
            Some("cannot take `&mut`: the members of a stage share the request")
        } else if is_named(ty, "Next") {
            Some("cannot take `Next`: the pipeline runs it, stage by stage")
        } else if is_named(ty, "Request") {
            Some(
                "cannot take `Request` by value: the members of a stage share it through `&RequestHead`",
            )
        } else {
            None
        };
        if let Some(problem) = problem {
            cx.error_spanned_by(ty, format!("{what}, so it {problem}; {fix}"));
            ok = false;
        }
    }
    if !ok {
        return;
    }
    let head_ok = params.first().is_some_and(|ty| {
        matches!(ty, Type::Reference(r) if r.mutability.is_none() && is_named(&r.elem, "RequestHead"))
    });
    if !head_ok {
        let span = params
            .first()
            .map_or(sig.paren_token.span.join(), |ty| ty.span());
        cx.error_at(
            span,
            "the first parameter of an independent or ordered middleware is `&RequestHead`, e.g. `async fn auth(req: &RequestHead, id: Ext<RequestId>)`",
        );
        return;
    }
    for ty in &params[1..] {
        middleware.extractors.push((*ty).clone());
        if let Some(inner) = ext_inner(ty) {
            middleware.needs.push(inner.clone());
        }
        if let Some(inner) = state_inner(ty) {
            middleware.states.push(inner.clone());
        }
    }
}

fn around_params(cx: &Ctxt, sig: &syn::Signature, params: &[&Type]) {
    let fits =
        params.len() == 2 && !is_named(params[0], "RequestHead") && is_named(params[1], "Next");
    let reads_head = params
        .first()
        .is_some_and(|ty| matches!(ty, Type::Reference(r) if is_named(&r.elem, "RequestHead")));
    if !fits {
        let span = if params.is_empty() {
            sig.ident.span()
        } else {
            sig.paren_token.span.join()
        };
        let hint = if reads_head {
            "; a middleware that reads `&RequestHead` is staged: add `independent` or `after(…)`, e.g. `#[middleware(independent)]`"
        } else {
            ""
        };
        cx.error_at(
            span,
            format!("an around middleware (`#[middleware]` without options) takes `(req: Request, next: Next)` and returns a response{hint}"),
        );
    }
}

fn output(ret: &ReturnType) -> Output {
    let ty = match ret {
        ReturnType::Default => return Output::Unit,
        ReturnType::Type(_, ty) => &**ty,
    };
    if matches!(ty, Type::Tuple(t) if t.elems.is_empty()) {
        return Output::Unit;
    }
    if let Some(segment) = last_ident(ty).filter(|s| s.ident == "Result")
        && let PathArguments::AngleBracketed(args) = &segment.arguments
        && let Some(GenericArgument::Type(ok)) = args.args.first()
    {
        return if matches!(ok, Type::Tuple(t) if t.elems.is_empty()) {
            Output::Reject
        } else {
            Output::RejectOrProvide(ok.clone())
        };
    }
    Output::Provide(ty.clone())
}
