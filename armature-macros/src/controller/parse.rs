//! `#[controller(…)]` + its impl block -> the model. Route attributes are
//! read and stripped here, so one invocation sees the whole controller.

use proc_macro2::TokenStream;
use syn::{Expr, ImplItem, ItemImpl};

use super::model::{CONTROLLER_OPTIONS, Controller, METHODS, ROUTE_OPTIONS, Route};
use super::path;
use crate::internals::Ctxt;
use crate::internals::options::{self, Attr, BoolAttr};
use crate::internals::sig::{self, Receiver};

pub fn controller(cx: &Ctxt, args: TokenStream, mut item: ItemImpl) -> Controller {
    let (prefix, krate, middleware) = controller_args(cx, args);
    if let Some((_, trait_path, _)) = &item.trait_ {
        cx.error_spanned_by(
            trait_path,
            "`#[controller]` goes on an inherent impl (`impl Users { … }`), not a trait impl",
        );
    }
    if !item.generics.params.is_empty() {
        cx.error_spanned_by(
            &item.generics,
            "a controller cannot be generic: mount a concrete type",
        );
    }
    let type_name = match &*item.self_ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
    .unwrap_or_else(|| "Controller".to_owned());

    let mut routes: Vec<Route> = Vec::new();
    for impl_item in &mut item.items {
        let ImplItem::Fn(method) = impl_item else {
            continue;
        };
        let mut found = Vec::new();
        method.attrs.retain(|attr| {
            let name = attr.path().get_ident().map(ToString::to_string);
            match name
                .as_deref()
                .and_then(|n| METHODS.iter().find(|m| **m == n))
            {
                Some(m) => {
                    found.push((*m, attr.clone()));
                    false
                }
                None => true,
            }
        });
        for (verb, attr) in found {
            if let Some(route) = route(cx, verb, &attr, method, &prefix) {
                let normalized = &route.full_path;
                if let Some(first) = routes
                    .iter()
                    .find(|r| r.method == route.method && r.full_path == *normalized)
                {
                    let mut e = syn::Error::new(
                        route.span,
                        format!(
                            "duplicate route: {} {normalized} is already handled by `{}`",
                            verb.to_uppercase(),
                            first.handler
                        ),
                    );
                    e.combine(syn::Error::new(first.span, "first declared here"));
                    cx.push(e);
                } else {
                    routes.push(route);
                }
            }
        }
    }
    Controller {
        self_ty: (*item.self_ty).clone(),
        item,
        krate,
        type_name,
        routes,
        middleware,
    }
}

fn controller_args(cx: &Ctxt, args: TokenStream) -> (String, syn::Path, Option<Expr>) {
    let mut krate = Attr::none(cx, options::CRATE);
    let mut middleware =
        Attr::with_hint(cx, "middleware", "list every member in one `pipeline![…]`");
    let prefix = options::parse_after_literal(cx, args, None, |meta| {
        if meta.path.is_ident("middleware") {
            let value: Expr = meta.value()?.parse()?;
            middleware.set(&meta.path, value);
        } else if meta.path.is_ident(options::CRATE) {
            krate.set(&meta.path, options::crate_path(&meta)?);
        } else {
            options::unknown(cx, &meta, "`#[controller]` option", CONTROLLER_OPTIONS)?;
        }
        Ok(())
    });
    let prefix = match prefix {
        Some(lit) => match path::params(&lit.value()) {
            Ok(_) => lit.value(),
            Err(e) => {
                cx.error_spanned_by(&lit, e);
                String::new()
            }
        },
        None => String::new(),
    };
    let krate = krate.get().unwrap_or_else(|| syn::parse_quote!(::armature));
    (prefix, krate, middleware.get())
}

fn route(
    cx: &Ctxt,
    verb: &'static str,
    attr: &syn::Attribute,
    method: &syn::ImplItemFn,
    prefix: &str,
) -> Option<Route> {
    let sig = &method.sig;
    let name = &sig.ident;
    let mut ok = sig::require_async(cx, sig, format!("route `{name}` must be an `async fn`"));
    match sig::receiver(sig) {
        (Receiver::Ref, _) => {}
        (Receiver::RefMut, Some(r)) => {
            cx.error_spanned_by(
                r,
                "route methods take `&self`, not `&mut self`: requests run concurrently, so keep mutable state behind a lock or an atomic",
            );
            ok = false;
        }
        (Receiver::Value, Some(r)) => {
            cx.error_spanned_by(r, "route methods take `&self`, not `self`");
            ok = false;
        }
        _ => {
            cx.error_spanned_by(name, format!("route `{name}` must take `&self` first"));
            ok = false;
        }
    }
    ok &= sig::require_not_generic(cx, sig, "route methods cannot be generic");

    let syn::Meta::List(list) = &attr.meta else {
        cx.error_spanned_by(
            attr,
            format!("`#[{verb}]` takes the route path: `#[{verb}(\"/path\")]`"),
        );
        return None;
    };
    let mut prerender = BoolAttr::none(cx, "prerender");
    let mut body_limit = Attr::none(cx, "body_limit");
    let missing = format!("`#[{verb}]` takes the route path first: `#[{verb}(\"/path\")]`");
    let path = options::parse_after_literal(cx, list.tokens.clone(), Some(&missing), |meta| {
        if meta.path.is_ident("prerender") {
            prerender.set_true(&meta.path);
        } else if meta.path.is_ident("body_limit") {
            match options::size(&meta) {
                Ok(n) => body_limit.set(&meta.path, n),
                Err(e) => cx.push(e),
            }
        } else {
            options::unknown(cx, &meta, "route option", ROUTE_OPTIONS)?;
        }
        Ok(())
    })?;
    if let Err(e) = path::params(&path.value()) {
        cx.error_spanned_by(&path, e);
    }
    if !ok {
        return None;
    }
    Some(Route {
        method: verb,
        prerender: prerender.get(),
        body_limit: body_limit.get(),
        handler: sig.ident.clone(),
        args: sig::param_types(sig).cloned().collect(),
        output: sig::output(sig).cloned(),
        span: path.span(),
        full_path: path::full_path(prefix, &path.value()),
    })
}
