//! `#[validate(…)]` attributes -> the model. Every mistake is recorded in
//! the context and parsing goes on, so all of them are reported at once.

use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Attribute, DeriveInput, Expr, ExprLit, Lit, LitStr, Member};

use super::model::{Container, Data, Field, Rule, RuleKind, Variant, rule_names, rule_spec};
use crate::internals::case::RenameRule;
use crate::internals::options::{self, Attr, Keyed, skip_value};
use crate::internals::serde_attrs::serde_names;
use crate::internals::{Ctxt, suggest};

const ATTR: &str = "validate";
const CONTAINER_OPTIONS: &[&str] = &["crate"];

pub fn container<'a>(cx: &Ctxt, input: &'a DeriveInput) -> Container<'a> {
    let mut krate = Attr::none(cx, options::CRATE);
    for attr in validate_attrs(&input.attrs) {
        let parsed = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident(options::CRATE) {
                krate.set(&meta.path, options::crate_path(&meta)?);
                Ok(())
            } else {
                options::unknown(cx, &meta, "container option", CONTAINER_OPTIONS)
            }
        });
        if let Err(e) = parsed {
            cx.push(e);
        }
    }
    let krate = krate.get().unwrap_or_else(|| syn::parse_quote!(::armature));
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

/// A rule's options, each given once.
type Options<'c> = Keyed<'c, Expr>;

fn string(cx: &Ctxt, options: &mut Options, key: &str) -> Option<LitStr> {
    let (_, expr) = options.take(key)?;
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

fn path(cx: &Ctxt, options: &mut Options, key: &str) -> Option<syn::Path> {
    let (_, expr) = options.take(key)?;
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

fn expr(options: &mut Options, key: &str) -> Option<Expr> {
    options.take(key).map(|(_, e)| e)
}

/// One rule; `None` (with the error recorded) when it cannot be understood.
fn rule(cx: &Ctxt, meta: &ParseNestedMeta) -> syn::Result<Option<Rule>> {
    let span = meta.path.span();
    let Some(spec) = rule_spec(&options::key(meta)) else {
        options::unknown(cx, meta, "validation rule", &rule_names())?;
        return Ok(None);
    };
    let known = spec.name;

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

    let mut options = Options::new(cx);
    let mut reported = false;
    if meta.input.peek(syn::Token![=]) {
        let value: Expr = meta.value()?.parse()?;
        match spec.shorthand {
            Some(key) => options.set(key.to_owned(), value.span(), value),
            None => {
                let hint = if spec.options.len() > 2 {
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
        let allowed = spec.options;
        meta.parse_nested_meta(|opt| {
            let key = options::key(&opt);
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
            options.set(key, key_span, value);
            Ok(())
        })?;
    } else if let Some(key) = spec.shorthand {
        cx.error_at(
            span,
            format!("`{known}` needs a value: `{known} = …` or `{known}({key} = …)`"),
        );
        return Ok(None);
    }

    let code = string(cx, &mut options, "code");
    let message = string(cx, &mut options, "message");
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
            min: expr(&mut options, "min"),
            max: expr(&mut options, "max"),
            equal: expr(&mut options, "equal"),
        },
        "range" => RuleKind::Range {
            min: expr(&mut options, "min"),
            max: expr(&mut options, "max"),
            exclusive_min: expr(&mut options, "exclusive_min"),
            exclusive_max: expr(&mut options, "exclusive_max"),
        },
        "pattern" | "contains" | "does_not_contain" => {
            let key = spec.shorthand.unwrap_or("value");
            let given = options.has(key);
            let Some(lit) = string(cx, &mut options, key) else {
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
        // "custom" | "custom_async": the rules left in the table.
        _ => {
            let given = options.has("function");
            let Some(path) = path(cx, &mut options, "function") else {
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
