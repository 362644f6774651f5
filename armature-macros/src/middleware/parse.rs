//! `#[middleware(…)]` + its function -> the model.

use proc_macro2::TokenStream;
use syn::spanned::Spanned;
use syn::{GenericArgument, Ident, ItemFn, PathArguments, Type};

use super::model::{Kind, Middleware, OPTIONS, Output};
use crate::internals::Ctxt;
use crate::internals::options::{self, Attr, BoolAttr};
use crate::internals::sig;
use crate::internals::ty::{is_named, last_segment, wrapped};

pub fn middleware(cx: &Ctxt, args: TokenStream, item: ItemFn) -> Middleware {
    let (kind, krate, understood) = options(cx, args);
    let sig = &item.sig;
    sig::require_async(cx, sig, "`#[middleware]` goes on an `async fn`");
    sig::require_not_generic(
        cx,
        sig,
        "a middleware cannot be generic: `pipeline!` names it as one concrete type",
    );
    let mut middleware = Middleware {
        item: item.clone(),
        krate,
        vis: item.vis.clone(),
        name: sig.ident.clone(),
        kind,
        extractors: Vec::new(),
        needs: Vec::new(),
        states: Vec::new(),
        output: Output::Unit,
    };
    if let (_, Some(r)) = sig::receiver(sig) {
        cx.error_spanned_by(r, "a middleware is a free function, not a method");
    }
    let params: Vec<&Type> = sig::param_types(sig).collect();
    match &middleware.kind {
        // With a misspelt option the intended kind is unknown: checking the
        // signature against "around" would only add a confusing error.
        Kind::Around if !understood => {}
        Kind::Around => around_params(cx, sig, &params),
        Kind::Independent | Kind::After(_) => {
            staged_params(cx, sig, &params, &mut middleware);
            middleware.output = output(sig::output(sig));
        }
    }
    middleware
}

fn options(cx: &Ctxt, args: TokenStream) -> (Kind, syn::Path, bool) {
    let mut krate = Attr::none(cx, options::CRATE);
    let mut understood = true;
    let mut independent = BoolAttr::none(cx, "independent");
    let mut after = Attr::with_hint(cx, "after(…)", "list every dependency in one `after(a, b)`");
    let parsed = options::parse(cx, args, |meta| {
        if meta.path.is_ident("independent") {
            independent.set_true(&meta.path);
        } else if meta.path.is_ident("after") {
            let names = options::names(
                cx,
                &meta,
                "`after()` needs at least one middleware: `after(request_id)`; with none, write `independent`",
            )?;
            let mut seen: Vec<&Ident> = Vec::new();
            for name in &names {
                if seen.contains(&name) {
                    cx.error_spanned_by(name, format!("`{name}` is listed twice in `after(…)`"));
                }
                seen.push(name);
            }
            after.set(&meta.path, (meta.path.span(), names.into_iter().collect()));
        } else if meta.path.is_ident(options::CRATE) {
            krate.set(&meta.path, options::crate_path(&meta)?);
        } else {
            understood = false;
            options::unknown(cx, &meta, "`#[middleware]` option", OPTIONS)?;
        }
        Ok(())
    });
    // A syntax error leaves the intended kind unknown, as an unknown key does.
    understood &= parsed;
    let kind = match (independent.get(), after.get()) {
        (true, Some((span, names))) => {
            cx.error_at(
                span,
                "a middleware cannot be both `independent` and `after(…)`: an independent middleware runs in the first stage, with no dependencies; remove one of them",
            );
            Kind::After(names)
        }
        (true, None) => Kind::Independent,
        (false, Some((_, names))) => Kind::After(names),
        (false, None) => Kind::Around,
    };
    let krate = krate.get().unwrap_or_else(|| syn::parse_quote!(::armature));
    (kind, krate, understood)
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
        if let Some(inner) = wrapped(ty, "Ext") {
            middleware.needs.push(inner.clone());
        }
        if let Some(inner) = wrapped(ty, "State") {
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

fn output(ret: Option<&Type>) -> Output {
    let Some(ty) = ret else {
        return Output::Unit;
    };
    if matches!(ty, Type::Tuple(t) if t.elems.is_empty()) {
        return Output::Unit;
    }
    if let Some(segment) = last_segment(ty).filter(|s| s.ident == "Result")
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
