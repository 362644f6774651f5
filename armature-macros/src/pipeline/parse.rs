//! Parsing `pipeline![…]` and the state its callbacks pass along.
//! The state format is private to this module and `expand::state_tokens`.

use proc_macro2::TokenStream;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, Path, Token, Type, braced, bracketed};

use super::model::{Entry, Item, Meta, State};
use crate::internals::options;

mod kw {
    syn::custom_keyword!(krate);
    syn::custom_keyword!(todo);
    syn::custom_keyword!(done);
    syn::custom_keyword!(current);
    syn::custom_keyword!(name);
    syn::custom_keyword!(kind);
    syn::custom_keyword!(after);
    syn::custom_keyword!(provides);
    syn::custom_keyword!(needs);
    syn::custom_keyword!(mw);
    syn::custom_keyword!(tower);
}

/// The most members a pipeline takes: collecting a member nests two macro
/// expansions, and rustc's default recursion limit is 128. (This also keeps
/// every stage within the runtime's 64-member bound.)
pub const MAX_MEMBERS: usize = 48;

/// `pipeline![crate = "path"; a, b, tower(layer)]` (the `crate` part optional).
pub fn user_input(input: TokenStream) -> syn::Result<State> {
    syn::parse::Parser::parse2(
        |input: ParseStream| {
            let mut krate: Path = syn::parse_quote!(::armature);
            if input.peek(Token![crate]) && input.peek2(Token![=]) {
                input.parse::<Token![crate]>()?;
                input.parse::<Token![=]>()?;
                krate = options::crate_lit(&input.parse()?)?;
                input.parse::<Token![;]>()?;
            }
            let items = Punctuated::<Expr, Token![,]>::parse_terminated(input)?;
            if let Some(extra) = items.iter().nth(MAX_MEMBERS) {
                return Err(syn::Error::new_spanned(
                    extra,
                    format!(
                        "a pipeline holds at most {MAX_MEMBERS} members: `pipeline!` reads each member through one nested macro call, within rustc's default recursion limit; split it between the app and its controllers"
                    ),
                ));
            }
            let todo = items.into_iter().map(item).collect::<syn::Result<_>>()?;
            Ok(State {
                krate,
                todo,
                done: Vec::new(),
                current: None,
            })
        },
        input,
    )
}

fn item(expr: Expr) -> syn::Result<Item> {
    match expr {
        Expr::Path(p) if p.qself.is_none() && p.attrs.is_empty() => Ok(Item::Middleware(p.path)),
        Expr::Call(call) if matches!(&*call.func, Expr::Path(p) if p.path.is_ident("tower")) => {
            let mut args = call.args.into_iter();
            match (args.next(), args.next()) {
                (Some(layer), None) => Ok(Item::Tower(layer)),
                _ => Err(syn::Error::new_spanned(
                    &call.func,
                    "`tower(…)` takes one `tower::Layer`: `tower(CorsLayer::permissive())`",
                )),
            }
        }
        other => Err(syn::Error::new_spanned(
            other,
            "a pipeline member is a `#[middleware]` function's name or `tower(layer)`",
        )),
    }
}

/// What a callback passes to `pipeline_step!`: the state, then (after a
/// middleware's callback) its metadata.
pub struct Step {
    pub state: State,
    pub meta: Option<Meta>,
}

impl Parse for Step {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let content;
        braced!(content in input);
        let state = state(&content)?;
        let meta = if input.is_empty() {
            None
        } else {
            let content;
            braced!(content in input);
            Some(meta(&content)?)
        };
        Ok(Step { state, meta })
    }
}

fn list<T>(input: ParseStream, f: fn(ParseStream) -> syn::Result<T>) -> syn::Result<Vec<T>> {
    let content;
    bracketed!(content in input);
    let mut out = Vec::new();
    while !content.is_empty() {
        out.push(f(&content)?);
        if !content.is_empty() {
            content.parse::<Token![,]>()?;
        }
    }
    Ok(out)
}

fn state(input: ParseStream) -> syn::Result<State> {
    input.parse::<kw::krate>()?;
    input.parse::<Token![=]>()?;
    let krate = list(input, Path::parse_mod_style)?
        .pop()
        .ok_or_else(|| input.error("krate"))?;
    input.parse::<kw::todo>()?;
    input.parse::<Token![=]>()?;
    let todo = list(input, |i| item(i.parse()?))?;
    input.parse::<kw::done>()?;
    input.parse::<Token![=]>()?;
    let done = list(input, entry)?;
    input.parse::<kw::current>()?;
    input.parse::<Token![=]>()?;
    let current = list(input, |i| i.parse::<Path>())?.pop();
    Ok(State {
        krate,
        todo,
        done,
        current,
    })
}

fn entry(input: ParseStream) -> syn::Result<Entry> {
    if input.peek(kw::tower) {
        input.parse::<kw::tower>()?;
        let content;
        syn::parenthesized!(content in input);
        return Ok(Entry::Tower(content.parse()?));
    }
    input.parse::<kw::mw>()?;
    let path = list(input, |i| i.parse::<Path>())?
        .pop()
        .ok_or_else(|| input.error("path"))?;
    let content;
    braced!(content in input);
    Ok(Entry::Middleware {
        path,
        meta: meta(&content)?,
    })
}

fn meta(input: ParseStream) -> syn::Result<Meta> {
    input.parse::<kw::name>()?;
    input.parse::<Token![=]>()?;
    let name: Ident = input.parse()?;
    input.parse::<kw::kind>()?;
    input.parse::<Token![=]>()?;
    let kind: Ident = input.parse()?;
    input.parse::<kw::after>()?;
    input.parse::<Token![=]>()?;
    let after = list(input, |i| i.parse::<Ident>())?;
    input.parse::<kw::provides>()?;
    input.parse::<Token![=]>()?;
    let provides = list(input, |i| i.parse::<Type>())?.pop();
    input.parse::<kw::needs>()?;
    input.parse::<Token![=]>()?;
    let needs = list(input, |i| i.parse::<Type>())?;
    Ok(Meta {
        name,
        kind,
        after,
        provides,
        needs,
    })
}
