//! `#[validate(…)]` attributes -> the model. Every mistake is recorded in
//! the context and parsing goes on, so all of them are reported at once.

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Attribute, DeriveInput, Expr, ExprLit, Lit, LitStr, Member};

use super::model::{Container, Data, Field, RULES, Rule, RuleKind, Variant};
use crate::internals::attr::{crate_path, serde_names, skip_value};
use crate::internals::case::RenameRule;
use crate::internals::{Ctxt, suggest};

const ATTR: &str = "validate";
const CONTAINER_OPTIONS: &[&str] = &["crate"];

pub fn container<'a>(cx: &Ctxt, input: &'a DeriveInput) -> Container<'a> {
    let mut krate: syn::Path = syn::parse_quote!(::armature);
    for attr in validate_attrs(&input.attrs) {
        let parsed = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("crate") {
                krate = crate_path(&meta)?;
            } else {
                let name = path_name(&meta);
                let head = format!("unknown container option `{name}`");
                cx.error_spanned_by(
                    &meta.path,
                    suggest::unknown(&head, &name, CONTAINER_OPTIONS),
                );
                skip_value(&meta)?;
            }
            Ok(())
        });
        if let Err(e) = parsed {
            cx.push(e);
        }
    }
    let container_names = serde_names(&input.attrs);
    let rename_all = container_names.rename_all;
    let params: Vec<&syn::Ident> = input.generics.type_params().map(|p| &p.ident).collect();
    let fields = |f| fields(cx, f, &params, rename_all);
    let data = match &input.data {
        syn::Data::Struct(s) => Data::Struct(fields(&s.fields)),
        syn::Data::Enum(e) => Data::Enum(
            e.variants
                .iter()
                .map(|v| {
                    let variant_rule = serde_names(&v.attrs).rename_all;
                    for attr in validate_attrs(&v.attrs) {
                        cx.error_spanned_by(
                            attr,
                            "`#[validate]` goes on the variant's fields, not on the variant",
                        );
                    }
                    Variant {
                        ident: &v.ident,
                        fields: self::fields(
                            cx,
                            &v.fields,
                            &params,
                            variant_rule.or(container_names.rename_all_fields),
                        ),
                    }
                })
                .collect(),
        ),
        syn::Data::Union(u) => {
            cx.error_spanned_by(u.union_token, "`Validate` cannot be derived for a union");
            Data::Struct(Vec::new())
        }
    };
    Container {
        ident: &input.ident,
        generics: &input.generics,
        krate,
        data,
    }
}

fn validate_attrs(attrs: &[Attribute]) -> impl Iterator<Item = &Attribute> {
    attrs.iter().filter(|a| a.path().is_ident(ATTR))
}

fn fields<'a>(
    cx: &Ctxt,
    fields: &'a syn::Fields,
    params: &[&syn::Ident],
    rename_all: Option<RenameRule>,
) -> Vec<Field<'a>> {
    fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let serde = serde_names(&f.attrs);
            let member = match &f.ident {
                Some(ident) => Member::Named(ident.clone()),
                None => Member::Unnamed(syn::Index {
                    index: i as u32,
                    span: f.ty.span(),
                }),
            };
            let rust_name = match &f.ident {
                Some(ident) => ident.to_string().trim_start_matches("r#").to_owned(),
                None => i.to_string(),
            };
            let path_name = if serde.flatten {
                None
            } else {
                Some(serde.rename.unwrap_or_else(|| match rename_all {
                    Some(rule) => rule.apply_to_field(&rust_name),
                    None => rust_name,
                }))
            };
            let mut rules = Vec::new();
            for attr in validate_attrs(&f.attrs) {
                if let Err(e) = attr.parse_nested_meta(|meta| {
                    if let Some(rule) = rule(cx, &meta)? {
                        rules.push(rule);
                    }
                    Ok(())
                }) {
                    cx.push(e);
                }
            }
            Field {
                member,
                path_name,
                ty: &f.ty,
                generic: crate::internals::ty::mentions_any(&f.ty, params),
                rules,
            }
        })
        .collect()
}

fn path_name(meta: &ParseNestedMeta) -> String {
    meta.path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}

/// The options a rule accepts in its parenthesized form.
fn options_of(rule: &str) -> &'static [&'static str] {
    match rule {
        "length" => &["min", "max", "equal", "code", "message"],
        "range" => &[
            "min",
            "max",
            "exclusive_min",
            "exclusive_max",
            "code",
            "message",
        ],
        "pattern" => &["regex", "code", "message"],
        "contains" | "does_not_contain" => &["value", "code", "message"],
        "must_match" => &["other", "code", "message"],
        "custom" | "custom_async" => &["function", "code", "message"],
        "nested" => &[],
        _ => &["code", "message"],
    }
}

/// The option holding a rule's main value, for `rule = value` shorthands.
fn value_option(rule: &str) -> Option<&'static str> {
    Some(match rule {
        "pattern" => "regex",
        "contains" | "does_not_contain" => "value",
        "must_match" => "other",
        "custom" | "custom_async" => "function",
        _ => return None,
    })
}

#[derive(Default)]
struct Options {
    given: Vec<(String, Span, Expr)>,
}

impl Options {
    fn has(&self, key: &str) -> bool {
        self.given.iter().any(|(k, _, _)| k == key)
    }

    fn take(&mut self, key: &str) -> Option<(Span, Expr)> {
        let i = self.given.iter().position(|(k, _, _)| k == key)?;
        let (_, span, expr) = self.given.remove(i);
        Some((span, expr))
    }

    fn expr(&mut self, key: &str) -> Option<Expr> {
        self.take(key).map(|(_, e)| e)
    }

    fn string(&mut self, cx: &Ctxt, key: &str) -> Option<LitStr> {
        let (_, expr) = self.take(key)?;
        match expr {
            Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) => Some(s),
            other => {
                cx.error_spanned_by(other, format!("`{key}` takes a string literal"));
                None
            }
        }
    }

    fn path(&mut self, cx: &Ctxt, key: &str) -> Option<syn::Path> {
        let (_, expr) = self.take(key)?;
        match expr {
            Expr::Path(p) if p.qself.is_none() => Some(p.path),
            other => {
                cx.error_spanned_by(
                    other,
                    format!("`{key}` takes a path, e.g. `{key} = my_check`"),
                );
                None
            }
        }
    }
}

/// One rule; `None` (with the error recorded) when it cannot be understood.
fn rule(cx: &Ctxt, meta: &ParseNestedMeta) -> syn::Result<Option<Rule>> {
    let name = path_name(meta);
    let span = meta.path.span();
    let Some(&known) = RULES.iter().find(|r| **r == name) else {
        let head = format!("unknown validation rule `{name}`");
        cx.error_at(span, suggest::unknown(&head, &name, RULES));
        skip_value(meta)?;
        return Ok(None);
    };

    if known == "each" {
        if !meta.input.peek(syn::token::Paren) {
            cx.error_at(
                span,
                "`each` takes the rules for every item: `each(length(max = 20))`",
            );
            skip_value(meta)?;
            return Ok(None);
        }
        let mut inner = Vec::new();
        meta.parse_nested_meta(|item| {
            if let Some(r) = rule(cx, &item)? {
                inner.push(r);
            }
            Ok(())
        })?;
        return Ok(Some(Rule {
            kind: RuleKind::Each(inner),
            span,
            code: None,
            message: None,
        }));
    }

    let mut options = Options::default();
    let mut reported = false;
    if meta.input.peek(syn::Token![=]) {
        let value: Expr = meta.value()?.parse()?;
        match value_option(known) {
            Some(key) => options.given.push((key.to_owned(), value.span(), value)),
            None => {
                let hint = if options_of(known).len() > 2 {
                    format!("`{known}` takes options in parentheses: `{known}(min = …, max = …)`")
                } else {
                    format!(
                        "`{known}` takes no value: write `{known}` or `{known}(code = \"…\", message = \"…\")`"
                    )
                };
                cx.error_spanned_by(&value, hint);
                return Ok(None);
            }
        }
    } else if meta.input.peek(syn::token::Paren) {
        let allowed = options_of(known);
        meta.parse_nested_meta(|opt| {
            let key = path_name(&opt);
            let key_span = opt.path.span();
            if !allowed.contains(&key.as_str()) {
                reported = true;
                if allowed.is_empty() {
                    cx.error_at(key_span, format!("`{known}` takes no options"));
                } else {
                    let head = format!("unknown option `{key}` for `{known}`");
                    cx.error_at(key_span, suggest::unknown(&head, &key, allowed));
                }
                return skip_value(&opt);
            }
            let value: Expr = opt.value()?.parse()?;
            if options.has(&key) {
                cx.error_at(key_span, format!("`{key}` is given twice"));
            } else {
                options.given.push((key, key_span, value));
            }
            Ok(())
        })?;
    } else if let Some(key) = value_option(known) {
        cx.error_at(
            span,
            format!("`{known}` needs a value: `{known} = …` or `{known}({key} = …)`"),
        );
        return Ok(None);
    }

    let code = options.string(cx, "code");
    let message = options.string(cx, "message");
    // After an unknown option, "needs `regex`" would only repeat the same mistake.
    let missing = |key: &str| {
        if !reported {
            cx.error_at(span, format!("`{known}` needs `{key} = …`"));
        }
    };
    let kind = match known {
        "required" => RuleKind::Required,
        "email" => RuleKind::Email,
        "url" => RuleKind::Url,
        "nested" => RuleKind::Nested,
        "length" => RuleKind::Length {
            min: options.expr("min"),
            max: options.expr("max"),
            equal: options.expr("equal"),
        },
        "range" => RuleKind::Range {
            min: options.expr("min"),
            max: options.expr("max"),
            exclusive_min: options.expr("exclusive_min"),
            exclusive_max: options.expr("exclusive_max"),
        },
        "pattern" | "contains" | "does_not_contain" => {
            let key = value_option(known).unwrap_or("value");
            let given = options.has(key);
            let Some(lit) = options.string(cx, key) else {
                if !given {
                    missing(key);
                }
                return Ok(None);
            };
            match known {
                "pattern" => RuleKind::Pattern(lit),
                "contains" => RuleKind::Contains(lit),
                _ => RuleKind::DoesNotContain(lit),
            }
        }
        "must_match" => match options.take("other") {
            Some((_, Expr::Path(p))) if p.qself.is_none() && p.path.get_ident().is_some() => {
                match p.path.segments.into_iter().next() {
                    Some(segment) => RuleKind::MustMatch(segment.ident),
                    None => return Ok(None),
                }
            }
            Some((_, other)) => {
                cx.error_spanned_by(
                    other,
                    "`must_match` takes the name of another field: `must_match = password`",
                );
                return Ok(None);
            }
            None => {
                missing("other");
                return Ok(None);
            }
        },
        // "custom" | "custom_async": the names left in RULES.
        _ => {
            let given = options.has("function");
            let Some(path) = options.path(cx, "function") else {
                if !given {
                    missing("function");
                }
                return Ok(None);
            };
            if known == "custom" {
                RuleKind::Custom(path)
            } else {
                RuleKind::CustomAsync(path)
            }
        }
    };
    Ok(Some(Rule {
        kind,
        span,
        code,
        message,
    }))
}
