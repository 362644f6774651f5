//! `#[controller(…)]` + its impl block -> the model. Route attributes are
//! read and stripped here, so one invocation sees the whole controller.

use proc_macro2::TokenStream;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Expr, ExprLit, FnArg, ImplItem, ItemImpl, Lit, LitStr, ReturnType, Token};

use super::model::{CONTROLLER_OPTIONS, Controller, METHODS, ROUTE_OPTIONS, Route};
use super::path;
use crate::internals::{Ctxt, suggest};

pub fn controller(cx: &Ctxt, args: TokenStream, item: &mut ItemImpl) -> Controller {
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
        krate,
        self_ty: (*item.self_ty).clone(),
        type_name,
        routes,
        middleware,
    }
}

fn controller_args(cx: &Ctxt, args: TokenStream) -> (String, syn::Path, Option<Expr>) {
    let mut prefix = String::new();
    let mut middleware = None;
    let mut krate: syn::Path = syn::parse_quote!(::armature);
    let parser = |input: syn::parse::ParseStream| {
        if input.peek(LitStr) {
            let lit: LitStr = input.parse()?;
            match path::params(&lit.value()) {
                Ok(_) => prefix = lit.value(),
                Err(e) => cx.error_spanned_by(&lit, e),
            }
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        let options = Punctuated::<syn::MetaNameValue, Token![,]>::parse_terminated(input)?;
        for option in options {
            if option.path.is_ident("middleware") {
                if middleware.replace(option.value).is_some() {
                    cx.error_spanned_by(
                        &option.path,
                        "duplicate `middleware`: list every member in one `pipeline![…]`",
                    );
                }
            } else if option.path.is_ident("crate") {
                match &option.value {
                    Expr::Lit(ExprLit {
                        lit: Lit::Str(s), ..
                    }) => match s.parse() {
                        Ok(p) => krate = p,
                        Err(_) => cx.error_spanned_by(
                            s,
                            "`crate` must be a path, e.g. `crate = \"my::armature\"`",
                        ),
                    },
                    other => cx.error_spanned_by(
                        other,
                        "`crate` takes a string: `crate = \"my::armature\"`",
                    ),
                }
            } else {
                let name = option
                    .path
                    .get_ident()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                let head = format!("unknown `#[controller]` option `{name}`");
                cx.error_spanned_by(
                    &option.path,
                    suggest::unknown(&head, &name, CONTROLLER_OPTIONS),
                );
            }
        }
        Ok(())
    };
    if let Err(e) = parser.parse2(args) {
        cx.push(e);
    }
    (prefix, krate, middleware)
}

fn route(
    cx: &Ctxt,
    verb: &'static str,
    attr: &syn::Attribute,
    method: &syn::ImplItemFn,
    prefix: &str,
) -> Option<Route> {
    let sig = &method.sig;
    let mut ok = true;
    if sig.asyncness.is_none() {
        cx.error_spanned_by(
            sig.fn_token,
            format!("route `{}` must be an `async fn`", sig.ident),
        );
        ok = false;
    }
    match sig.inputs.first() {
        Some(FnArg::Receiver(r)) if r.mutability.is_some() && r.reference.is_some() => {
            cx.error_spanned_by(
                r,
                "route methods take `&self`, not `&mut self`: requests run concurrently, so keep mutable state behind a lock or an atomic",
            );
            ok = false;
        }
        Some(FnArg::Receiver(r)) if r.reference.is_none() => {
            cx.error_spanned_by(r, "route methods take `&self`, not `self`");
            ok = false;
        }
        Some(FnArg::Receiver(_)) => {}
        _ => {
            cx.error_spanned_by(
                &sig.ident,
                format!("route `{}` must take `&self` first", sig.ident),
            );
            ok = false;
        }
    }
    if !sig.generics.params.is_empty() {
        cx.error_spanned_by(&sig.generics, "route methods cannot be generic");
        ok = false;
    }

    let mut path_lit = None;
    let mut prerender = false;
    let mut body_limit = None;
    let parser = |input: syn::parse::ParseStream| {
        if !input.peek(LitStr) {
            return Err(input.error(format!(
                "`#[{verb}]` takes the route path first: `#[{verb}(\"/path\")]`"
            )));
        }
        let lit: LitStr = input.parse()?;
        if let Err(e) = path::params(&lit.value()) {
            cx.error_spanned_by(&lit, e);
        }
        path_lit = Some(lit);
        while !input.is_empty() {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            let key: syn::Ident = input.parse()?;
            match key.to_string().as_str() {
                "prerender" => prerender = true,
                "body_limit" => {
                    input.parse::<Token![=]>()?;
                    let value: Lit = input.parse()?;
                    let text = match &value {
                        Lit::Int(i) => i.base10_digits().to_owned(),
                        Lit::Str(s) => s.value(),
                        _ => String::new(),
                    };
                    match path::size(&text) {
                        Ok(n) if n > 0 => body_limit = Some(n),
                        Ok(_) => {
                            cx.error_spanned_by(&value, "`body_limit` must be at least 1 byte")
                        }
                        Err(e) => cx.error_spanned_by(&value, e),
                    }
                }
                other => {
                    let head = format!("unknown route option `{other}`");
                    cx.error_spanned_by(&key, suggest::unknown(&head, other, ROUTE_OPTIONS));
                    if input.peek(Token![=]) {
                        input.parse::<Token![=]>()?;
                        input.parse::<Expr>()?;
                    }
                }
            }
        }
        Ok(())
    };
    let args = match &attr.meta {
        syn::Meta::List(list) => list.tokens.clone(),
        _ => {
            cx.error_spanned_by(
                attr,
                format!("`#[{verb}]` takes the route path: `#[{verb}(\"/path\")]`"),
            );
            return None;
        }
    };
    if let Err(e) = parser.parse2(args) {
        cx.push(e);
        return None;
    }
    let path = path_lit?;
    if !ok {
        return None;
    }
    let args = sig
        .inputs
        .iter()
        .skip(1)
        .filter_map(|arg| match arg {
            FnArg::Typed(t) => Some((*t.ty).clone()),
            FnArg::Receiver(_) => None,
        })
        .collect();
    let output = match &sig.output {
        ReturnType::Default => None,
        ReturnType::Type(_, ty) => Some((**ty).clone()),
    };
    Some(Route {
        method: verb,
        prerender,
        body_limit,
        handler: sig.ident.clone(),
        args,
        output,
        span: path.span(),
        full_path: path::full_path(prefix, &path.value()),
    })
}
