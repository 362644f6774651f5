//! The typed model `#[derive(Validate)]` parses into and expands from.

use proc_macro2::Span;
use syn::{Expr, Ident, LitStr, Member, Path, Type};

/// One rule as users write it: its name, the options of its parenthesized
/// form, and the option its `rule = value` shorthand sets. The single
/// source for parsing, "did you mean" and every message naming a rule.
pub struct RuleSpec {
    pub name: &'static str,
    pub options: &'static [&'static str],
    /// `pattern = "…"` is `pattern(regex = "…")`.
    pub shorthand: Option<&'static str>,
}

const fn spec(
    name: &'static str,
    options: &'static [&'static str],
    shorthand: Option<&'static str>,
) -> RuleSpec {
    RuleSpec {
        name,
        options,
        shorthand,
    }
}

const CODE_MESSAGE: &[&str] = &["code", "message"];

/// Every rule, in the order the "valid:" lists show them.
pub const RULES: &[RuleSpec] = &[
    spec("required", CODE_MESSAGE, None),
    spec("email", CODE_MESSAGE, None),
    spec("url", CODE_MESSAGE, None),
    spec("length", &["min", "max", "equal", "code", "message"], None),
    spec(
        "range",
        &[
            "min",
            "max",
            "exclusive_min",
            "exclusive_max",
            "code",
            "message",
        ],
        None,
    ),
    spec("pattern", &["regex", "code", "message"], Some("regex")),
    spec("contains", &["value", "code", "message"], Some("value")),
    spec(
        "does_not_contain",
        &["value", "code", "message"],
        Some("value"),
    ),
    spec("must_match", &["other", "code", "message"], Some("other")),
    spec("custom", &["function", "code", "message"], Some("function")),
    spec(
        "custom_async",
        &["function", "code", "message"],
        Some("function"),
    ),
    spec("nested", &[], None),
    // Takes rules, not options: parsed on its own.
    spec("each", &[], None),
];

pub fn rule_spec(name: &str) -> Option<&'static RuleSpec> {
    RULES.iter().find(|r| r.name == name)
}

pub fn rule_names() -> Vec<&'static str> {
    RULES.iter().map(|r| r.name).collect()
}

pub struct Container<'a> {
    pub ident: &'a Ident,
    pub generics: &'a syn::Generics,
    pub krate: Path,
    pub data: Data<'a>,
}

pub enum Data<'a> {
    Struct(Vec<Field<'a>>),
    Enum(Vec<Variant<'a>>),
}

pub struct Variant<'a> {
    pub ident: &'a Ident,
    pub fields: Vec<Field<'a>>,
}

pub struct Field<'a> {
    /// `name` or `0`: how the field is matched in a pattern.
    pub member: Member,
    /// The segment in error paths (the serde name); `None` when flattened.
    pub path_name: Option<String>,
    pub ty: &'a Type,
    /// The type names a type parameter of the container (`items: Vec<T>`).
    pub generic: bool,
    pub rules: Vec<Rule>,
}

impl Field<'_> {
    pub fn binding(&self) -> Ident {
        match &self.member {
            Member::Named(ident) => quote::format_ident!("__field_{}", ident),
            Member::Unnamed(index) => quote::format_ident!("__field_{}", index.index),
        }
    }

    pub fn has_sync_rules(&self) -> bool {
        self.rules
            .iter()
            .any(|r| !matches!(r.kind, RuleKind::CustomAsync(_)))
    }

    pub fn has_async_work(&self) -> bool {
        self.rules.iter().any(|r| match r.kind {
            RuleKind::CustomAsync(_) => true,
            RuleKind::Nested => self.nested_async(),
            _ => false,
        })
    }

    /// Whether the async pass validates this `nested` value with its own
    /// async checks. Not for generic types: that needs `T: Sync`, a bound
    /// the impl cannot demand, so those stay on the sync path.
    pub fn nested_async(&self) -> bool {
        !self.generic
    }
}

pub struct Rule {
    pub kind: RuleKind,
    /// The rule's name token: where errors about the rule point.
    pub span: Span,
    pub code: Option<LitStr>,
    pub message: Option<LitStr>,
}

pub enum RuleKind {
    Required,
    Email,
    Url,
    Length {
        min: Option<Expr>,
        max: Option<Expr>,
        equal: Option<Expr>,
    },
    Range {
        min: Option<Expr>,
        max: Option<Expr>,
        exclusive_min: Option<Expr>,
        exclusive_max: Option<Expr>,
    },
    Pattern(LitStr),
    Contains(LitStr),
    DoesNotContain(LitStr),
    MustMatch(Ident),
    Custom(Path),
    CustomAsync(Path),
    Nested,
    Each(Vec<Rule>),
}

impl RuleKind {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::Email => "email",
            Self::Url => "url",
            Self::Length { .. } => "length",
            Self::Range { .. } => "range",
            Self::Pattern(_) => "pattern",
            Self::Contains(_) => "contains",
            Self::DoesNotContain(_) => "does_not_contain",
            Self::MustMatch(_) => "must_match",
            Self::Custom(_) => "custom",
            Self::CustomAsync(_) => "custom_async",
            Self::Nested => "nested",
            Self::Each(_) => "each",
        }
    }

    /// Rules whose cost the macro cannot bound: user code, or another type's rules.
    pub fn has_opaque_cost(&self) -> bool {
        match self {
            Self::Custom(_) | Self::Nested => true,
            Self::Each(rules) => rules.iter().any(|r| r.kind.has_opaque_cost()),
            _ => false,
        }
    }
}
