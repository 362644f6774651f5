//! The one way every Armature macro reads its options, as serde_derive's
//! `Attr<T>` / `BoolAttr` do: a typed slot per option that reports a
//! duplicate at its second occurrence, unknown keys with "did you mean"
//! and the list of valid keys, one `crate = "…"` parser, and parse errors
//! collected in the [`Ctxt`] so one mistake does not hide the others.

use std::fmt::Display;

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::meta::ParseNestedMeta;
use syn::parse::{ParseStream, Parser};
use syn::{LitStr, Token};

use super::{Ctxt, suggest};

/// The option every macro takes: `crate = "my::armature"`.
pub const CRATE: &str = "crate";

/// One option that may be given at most once.
pub struct Attr<'c, T> {
    cx: &'c Ctxt,
    name: &'static str,
    /// What to do instead, appended to the duplicate error.
    hint: Option<&'static str>,
    value: Option<T>,
}

impl<'c, T> Attr<'c, T> {
    /// An empty slot for option `name`.
    pub fn none(cx: &'c Ctxt, name: &'static str) -> Self {
        Attr {
            cx,
            name,
            hint: None,
            value: None,
        }
    }

    /// A slot whose duplicate error says what to write instead.
    pub fn with_hint(cx: &'c Ctxt, name: &'static str, hint: &'static str) -> Self {
        Attr {
            hint: Some(hint),
            ..Attr::none(cx, name)
        }
    }

    /// Records `value`; a second occurrence is an error at `at` and the
    /// first value stays.
    pub fn set<A: ToTokens>(&mut self, at: A, value: T) {
        if self.value.is_some() {
            let message = match self.hint {
                Some(hint) => format!("duplicate `{}`: {hint}", self.name),
                None => format!("duplicate `{}`", self.name),
            };
            self.cx.error_spanned_by(at, message);
        } else {
            self.value = Some(value);
        }
    }

    pub fn get(self) -> Option<T> {
        self.value
    }
}

/// A flag option (`prerender`, `independent`, `cpu_intensive`).
pub struct BoolAttr<'c>(Attr<'c, ()>);

impl<'c> BoolAttr<'c> {
    pub fn none(cx: &'c Ctxt, name: &'static str) -> Self {
        BoolAttr(Attr::none(cx, name))
    }

    /// Sets the flag; a flag given twice is an error at the second.
    pub fn set_true<A: ToTokens>(&mut self, at: A) {
        self.0.set(at, ());
    }

    pub fn get(self) -> bool {
        self.0.value.is_some()
    }
}

/// Options whose valid keys depend on what they belong to (a validation
/// rule's options): each key once, in any order.
pub struct Keyed<'c, T> {
    cx: &'c Ctxt,
    given: Vec<(String, Span, T)>,
}

impl<'c, T> Keyed<'c, T> {
    pub fn new(cx: &'c Ctxt) -> Self {
        Keyed {
            cx,
            given: Vec::new(),
        }
    }

    /// Records `key`; a key given twice is an error at the second.
    pub fn set(&mut self, key: String, span: Span, value: T) {
        if self.has(&key) {
            self.cx.error_at(span, format!("duplicate `{key}`"));
        } else {
            self.given.push((key, span, value));
        }
    }

    pub fn has(&self, key: &str) -> bool {
        self.given.iter().any(|(k, _, _)| k == key)
    }

    /// Removes and returns `key`'s value and where it was written.
    pub fn take(&mut self, key: &str) -> Option<(Span, T)> {
        let i = self.given.iter().position(|(k, _, _)| k == key)?;
        let (_, span, value) = self.given.remove(i);
        Some((span, value))
    }
}

/// A meta key as written: `length`, `serde::rename`.
pub fn key(meta: &ParseNestedMeta) -> String {
    meta.path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}

/// Reports `meta` as an unknown key of `owner` (e.g. "`#[middleware]`
/// option"), suggesting the nearest of `valid` and listing them all, and
/// skips its value so the options after it are still read.
pub fn unknown(cx: &Ctxt, meta: &ParseNestedMeta, owner: &str, valid: &[&str]) -> syn::Result<()> {
    let name = key(meta);
    let head = format!("unknown {owner} `{name}`");
    cx.error_spanned_by(&meta.path, suggest::unknown(&head, &name, valid));
    skip_value(meta)
}

/// Consumes whatever follows a meta key (`= expr` or `(…)`), so one unknown
/// key does not stop the parse of the rest.
pub fn skip_value(meta: &ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<syn::Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.input.parse::<proc_macro2::Group>()?;
    }
    Ok(())
}

/// `crate = "path"`: the path under which `armature` is reachable.
pub fn crate_path(meta: &ParseNestedMeta) -> syn::Result<syn::Path> {
    crate_lit(&meta.value()?.parse()?)
}

/// The path in `crate = "…"`'s literal (for macros whose input is not
/// meta syntax, like `pipeline![crate = "…"; …]`).
pub fn crate_lit(lit: &LitStr) -> syn::Result<syn::Path> {
    lit.parse::<syn::Path>().map_err(|_| {
        syn::Error::new(
            lit.span(),
            "`crate` must be a path, e.g. `crate = \"my::armature\"`",
        )
    })
}

/// A byte size: `key = 10_485_760` or `key = "10 MiB"`, at least 1 byte.
pub fn size(meta: &ParseNestedMeta) -> syn::Result<usize> {
    let name = key(meta);
    // Any expression parses, so a wrong value is one error at it and the
    // options after it are still read.
    let value: syn::Expr = meta.value()?.parse()?;
    let text = match &value {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(i),
            ..
        }) => i.base10_digits().to_owned(),
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => s.value(),
        _ => String::new(),
    };
    match super::size::parse(&text) {
        Ok(0) => Err(syn::Error::new_spanned(
            &value,
            format!("`{name}` must be at least 1 byte"),
        )),
        Ok(n) => Ok(n),
        Err(e) => Err(syn::Error::new_spanned(&value, e)),
    }
}

/// Names in parentheses: `key(a, b)`; none is an error saying `empty`.
pub fn names(cx: &Ctxt, meta: &ParseNestedMeta, empty: &str) -> syn::Result<Vec<syn::Ident>> {
    let content;
    syn::parenthesized!(content in meta.input);
    let names = syn::punctuated::Punctuated::<syn::Ident, Token![,]>::parse_terminated(&content)?;
    if names.is_empty() {
        cx.error_spanned_by(&meta.path, empty);
    }
    Ok(names.into_iter().collect())
}

/// A duration: `key = "30s"`, in milliseconds.
pub fn duration(meta: &ParseNestedMeta) -> syn::Result<u64> {
    let name = key(meta);
    let value: syn::Expr = meta.value()?.parse()?;
    match &value {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => super::duration::parse(&s.value()).map_err(|e| syn::Error::new_spanned(s, e)),
        other => Err(syn::Error::new_spanned(
            other,
            format!("`{name}` takes a duration string: `{name} = \"30s\"`"),
        )),
    }
}

/// A whole number: `key = 3`.
pub fn int<N: std::str::FromStr>(meta: &ParseNestedMeta) -> syn::Result<N>
where
    N::Err: std::fmt::Display,
{
    let name = key(meta);
    let value: syn::Expr = meta.value()?.parse()?;
    match &value {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(i),
            ..
        }) => i.base10_parse(),
        other => Err(syn::Error::new_spanned(
            other,
            format!("`{name}` takes a whole number: `{name} = 3`"),
        )),
    }
}

/// A string: `key = "…"`.
pub fn string(meta: &ParseNestedMeta) -> syn::Result<LitStr> {
    let name = key(meta);
    let value: syn::Expr = meta.value()?.parse()?;
    match value {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Ok(s),
        other => Err(syn::Error::new_spanned(
            other,
            format!("`{name}` takes a string: `{name} = \"…\"`"),
        )),
    }
}

/// Parses `tokens` as options (`key`, `key = value`, `key(…)`, separated by
/// commas), handing each to `each`; a syntax error goes to `cx` and makes
/// it return `false`.
pub fn parse(
    cx: &Ctxt,
    tokens: TokenStream,
    each: impl FnMut(ParseNestedMeta) -> syn::Result<()>,
) -> bool {
    match syn::meta::parser(each).parse2(tokens) {
        Ok(()) => true,
        Err(e) => {
            cx.push(e);
            false
        }
    }
}

/// Parses `"literal", options…`, as route and controller attributes take
/// them. The literal is required when `missing` is `Some` (its error).
pub fn parse_after_literal(
    cx: &Ctxt,
    tokens: TokenStream,
    missing: Option<&dyn Display>,
    each: impl FnMut(ParseNestedMeta) -> syn::Result<()>,
) -> Option<LitStr> {
    let mut literal = None;
    let mut rest = TokenStream::new();
    let split = |input: ParseStream| {
        if input.peek(LitStr) {
            literal = Some(input.parse::<LitStr>()?);
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        } else if let Some(missing) = missing {
            return Err(input.error(missing));
        }
        rest = input.parse()?;
        Ok(())
    };
    match split.parse2(tokens) {
        Ok(()) => {
            parse(cx, rest, each);
        }
        Err(e) => cx.push(e),
    }
    literal
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(tokens: TokenStream) -> (bool, Option<String>, syn::Result<()>) {
        let cx = Ctxt::new();
        let mut flag = BoolAttr::none(&cx, "prerender");
        let mut name = Attr::none(&cx, "name");
        parse(&cx, tokens, |meta| {
            if meta.path.is_ident("prerender") {
                flag.set_true(&meta.path);
                Ok(())
            } else if meta.path.is_ident("name") {
                let v: LitStr = meta.value()?.parse()?;
                name.set(&meta.path, v.value());
                Ok(())
            } else {
                unknown(&cx, &meta, "option", &["prerender", "name"])
            }
        });
        let (flag, name) = (flag.get(), name.get());
        (flag, name, cx.check())
    }

    #[test]
    fn reads_flags_and_values() {
        let (flag, name, result) = run(quote::quote!(prerender, name = "x"));
        assert!(flag && result.is_ok());
        assert_eq!(name.as_deref(), Some("x"));
    }

    #[test]
    fn second_occurrence_is_an_error_and_the_first_stays() {
        let (flag, name, result) = run(quote::quote!(prerender, prerender, name = "a", name = "b"));
        assert!(flag);
        assert_eq!(name.as_deref(), Some("a"));
        let errors: Vec<String> = result
            .unwrap_err()
            .into_iter()
            .map(|e| e.to_string())
            .collect();
        assert_eq!(errors, ["duplicate `prerender`", "duplicate `name`"]);
    }

    #[test]
    fn unknown_keys_suggest_and_do_not_stop_the_parse() {
        let (_, name, result) = run(quote::quote!(prerendr = 3, name = "n"));
        assert_eq!(name.as_deref(), Some("n"));
        let e = result.unwrap_err().to_string();
        assert!(e.contains("did you mean `prerender`"), "{e}");
        assert!(e.contains("valid: `prerender`, `name`"), "{e}");
    }

    #[test]
    fn literal_first() {
        let cx = Ctxt::new();
        let missing: &dyn Display = &"path first";
        let lit = parse_after_literal(&cx, quote::quote!("/x", a), Some(missing), |_| Ok(()));
        assert_eq!(lit.unwrap().value(), "/x");
        assert!(cx.check().is_ok());
        let cx = Ctxt::new();
        assert!(parse_after_literal(&cx, quote::quote!(a), Some(missing), |_| Ok(())).is_none());
        assert_eq!(cx.check().unwrap_err().to_string(), "path first");
    }
}
