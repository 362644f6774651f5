//! Checks across the parsed model: what each attribute alone cannot tell.

use std::collections::HashSet;

use syn::{Expr, ExprLit, ExprUnary, Lit, Member, UnOp};

use super::model::{Container, Data, Field, Rule, RuleKind};
use crate::internals::Ctxt;

pub fn container(cx: &Ctxt, container: &Container) {
    match &container.data {
        Data::Struct(fields) => sibling_fields(cx, fields),
        Data::Enum(variants) => variants.iter().for_each(|v| sibling_fields(cx, &v.fields)),
    }
}

fn sibling_fields(cx: &Ctxt, fields: &[Field]) {
    for field in fields {
        rules(cx, &field.rules, false);
        for rule in &field.rules {
            if let RuleKind::MustMatch(other) = &rule.kind {
                must_match(cx, field, other, fields);
            }
        }
    }
}

fn must_match(cx: &Ctxt, field: &Field, other: &syn::Ident, fields: &[Field]) {
    let is_other = |f: &Field| matches!(&f.member, Member::Named(n) if n == other);
    if is_other(field) {
        cx.error_spanned_by(
            other,
            format!("`must_match` compares a field with another one, not with itself (`{other}`)"),
        );
    } else if !fields.iter().any(is_other) {
        let names: Vec<String> = fields
            .iter()
            .filter_map(|f| match &f.member {
                Member::Named(n) => Some(n.to_string()),
                Member::Unnamed(_) => None,
            })
            .collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let head = format!("`must_match` names no field `{other}`");
        cx.error_spanned_by(
            other,
            crate::internals::suggest::unknown(&head, &other.to_string(), &names),
        );
    }
}

fn rules(cx: &Ctxt, rules: &[Rule], in_each: bool) {
    let mut seen = HashSet::new();
    for rule in rules {
        let name = rule.kind.name();
        let repeatable = matches!(rule.kind, RuleKind::Custom(_) | RuleKind::CustomAsync(_));
        if !repeatable && !seen.insert(name) {
            cx.error_at(
                rule.span,
                format!("duplicate rule `{name}`: merge its options into one `{name}(…)`"),
            );
        }
        match &rule.kind {
            RuleKind::Length { min, max, equal } => {
                if min.is_none() && max.is_none() && equal.is_none() {
                    cx.error_at(rule.span, "`length` needs `min`, `max` or `equal`");
                }
                if equal.is_some() && (min.is_some() || max.is_some()) {
                    cx.error_at(
                        rule.span,
                        "`length(equal = …)` cannot be combined with `min` or `max`",
                    );
                }
                ordered(cx, "length", min.as_ref(), max.as_ref());
                for bound in [min, max, equal].into_iter().flatten() {
                    if literal_value(bound).is_some_and(|v| v < 0.0) {
                        cx.error_spanned_by(bound, "a length cannot be negative");
                    }
                }
            }
            RuleKind::Range {
                min,
                max,
                exclusive_min,
                exclusive_max,
            } => {
                if [min, max, exclusive_min, exclusive_max]
                    .iter()
                    .all(|b| b.is_none())
                {
                    cx.error_at(rule.span, "`range` needs at least one of `min`, `max`, `exclusive_min`, `exclusive_max`");
                }
                if min.is_some() && exclusive_min.is_some() {
                    cx.error_at(
                        rule.span,
                        "`range` takes `min` or `exclusive_min`, not both",
                    );
                }
                if max.is_some() && exclusive_max.is_some() {
                    cx.error_at(
                        rule.span,
                        "`range` takes `max` or `exclusive_max`, not both",
                    );
                }
                ordered(
                    cx,
                    "range",
                    min.as_ref().or(exclusive_min.as_ref()),
                    max.as_ref().or(exclusive_max.as_ref()),
                );
            }
            RuleKind::Pattern(lit) => {
                if let Err(e) = regex_syntax::Parser::new().parse(&lit.value()) {
                    cx.error_spanned_by(lit, format!("invalid regex in `pattern`:\n{e}"));
                }
            }
            RuleKind::Each(inner) => self::rules(cx, inner, true),
            RuleKind::CustomAsync(path) if in_each => {
                cx.error_spanned_by(path, "`custom_async` is not supported inside `each(…)`; validate the collection with one `custom_async` check");
            }
            RuleKind::MustMatch(other) if in_each => {
                cx.error_spanned_by(
                    other,
                    "`must_match` compares fields and cannot be used inside `each(…)`",
                );
            }
            _ => {}
        }
    }
}

fn ordered(cx: &Ctxt, rule: &str, low: Option<&Expr>, high: Option<&Expr>) {
    if let (Some(low), Some(high)) = (low, high)
        && let (Some(l), Some(h)) = (literal_value(low), literal_value(high))
        && l > h
    {
        let mut e = syn::Error::new_spanned(
            low,
            format!("`{rule}` lower bound is greater than its upper bound"),
        );
        e.combine(syn::Error::new_spanned(high, "upper bound given here"));
        cx.push(e);
    }
}

/// The value of a numeric literal, possibly negated; other expressions are
/// constants the compiler checks later.
fn literal_value(expr: &Expr) -> Option<f64> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Int(i), ..
        }) => i.base10_parse::<f64>().ok(),
        Expr::Lit(ExprLit {
            lit: Lit::Float(f), ..
        }) => f.base10_parse::<f64>().ok(),
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_),
            expr,
            ..
        }) => literal_value(expr).map(|v| -v),
        Expr::Paren(p) => literal_value(&p.expr),
        Expr::Group(g) => literal_value(&g.expr),
        _ => None,
    }
}
