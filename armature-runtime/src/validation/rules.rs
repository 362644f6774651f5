//! What `#[derive(Validate)]` expands to: small checks over borrowed values.
//! Each generic helper is bounded by a trait carrying a diagnostic, so a
//! rule on the wrong type reads as an Armature error at the rule's token.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::future::Future;
use std::rc::Rc;
use std::sync::{Arc, OnceLock};

use serde::Serialize;
use serde_json::Value;

use super::ValidationError;

/// Values the `length` rule measures: chars of a string, items of a collection.
#[diagnostic::on_unimplemented(
    message = "the `length` rule cannot measure `{Self}`",
    label = "`length` needs a string or a collection here",
    note = "`length` counts the chars of a string and the items of a collection; use `range` for numbers"
)]
pub trait HasLength {
    /// Chars for strings, items for collections.
    fn length(&self) -> usize;
}

impl HasLength for str {
    fn length(&self) -> usize {
        // `chars().count()` is vectorised by std; ASCII needs no decoding at all.
        if self.is_ascii() {
            self.len()
        } else {
            self.chars().count()
        }
    }
}

macro_rules! length_via_deref {
    ($($ty:ty),*) => {$(
        impl HasLength for $ty {
            fn length(&self) -> usize {
                HasLength::length(&**self)
            }
        }
    )*};
}
length_via_deref!(String, Box<str>, Rc<str>, Arc<str>, Cow<'_, str>);

macro_rules! length_via_len {
    ($($ty:ty => [$($gen:tt)*]),* $(,)?) => {$(
        impl<$($gen)*> HasLength for $ty {
            fn length(&self) -> usize {
                self.len()
            }
        }
    )*};
}
length_via_len!(
    Vec<T> => [T],
    [T] => [T],
    VecDeque<T> => [T],
    HashSet<T, S> => [T, S],
    BTreeSet<T> => [T],
    HashMap<K, V, S> => [K, V, S],
    BTreeMap<K, V> => [K, V],
);

impl<T, const N: usize> HasLength for [T; N] {
    fn length(&self) -> usize {
        N
    }
}

impl<T: HasLength + ?Sized> HasLength for &T {
    fn length(&self) -> usize {
        HasLength::length(&**self)
    }
}

/// Strings, for the `email`, `url`, `pattern`, `contains` and
/// `does_not_contain` rules.
#[diagnostic::on_unimplemented(
    message = "this rule needs a string, but the field is `{Self}`",
    label = "string rule on a `{Self}`",
    note = "`email`, `url`, `pattern`, `contains` and `does_not_contain` apply to `String`, `&str`, `Cow<str>`, `Box<str>`, `Arc<str>` (or an `Option` of one)"
)]
pub trait AsStr {
    /// The text to check.
    fn as_str(&self) -> &str;
}

macro_rules! as_str_via_deref {
    ($($ty:ty),*) => {$(
        impl AsStr for $ty {
            fn as_str(&self) -> &str {
                self
            }
        }
    )*};
}
as_str_via_deref!(str, String, Box<str>, Rc<str>, Arc<str>, Cow<'_, str>);

impl<T: AsStr + ?Sized> AsStr for &T {
    fn as_str(&self) -> &str {
        (**self).as_str()
    }
}

/// Values the `range` rule compares with its bounds.
///
/// Implemented for the primitive numbers; implement it for your own ordered
/// types (decimals, dates) to use `range` on them.
#[diagnostic::on_unimplemented(
    message = "the `range` rule cannot compare `{Self}`",
    label = "`range` needs a number here",
    note = "`range` applies to numbers (and types implementing `armature::validation::Ranged`); use `length` for strings and collections"
)]
pub trait Ranged {
    /// The type the bounds are written in.
    type Bound: PartialOrd + ?Sized;
    /// The value to compare.
    fn ranged(&self) -> &Self::Bound;
}

macro_rules! ranged_numbers {
    ($($ty:ty),*) => {$(
        impl Ranged for $ty {
            type Bound = $ty;
            fn ranged(&self) -> &$ty {
                self
            }
        }
    )*};
}
ranged_numbers!(
    i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64
);

impl<T: Ranged + ?Sized> Ranged for &T {
    type Bound = T::Bound;
    fn ranged(&self) -> &T::Bound {
        (**self).ranged()
    }
}

/// Collections whose items `each(…)` validates.
#[diagnostic::on_unimplemented(
    message = "`each(…)` cannot iterate over `{Self}`",
    label = "`each` needs a collection here",
    note = "`each` applies to `Vec`, slices, arrays, `VecDeque`, `HashSet` and `BTreeSet`"
)]
pub trait Each {
    /// The item type.
    type Item;
    /// The items in iteration order.
    fn each_items(&self) -> impl Iterator<Item = &Self::Item>;
}

macro_rules! each_via_iter {
    ($($ty:ty => [$($gen:tt)*]),* $(,)?) => {$(
        impl<$($gen)*> Each for $ty {
            type Item = T;
            fn each_items(&self) -> impl Iterator<Item = &T> {
                self.iter()
            }
        }
    )*};
}
each_via_iter!(
    Vec<T> => [T],
    [T] => [T],
    VecDeque<T> => [T],
    HashSet<T, S> => [T, S],
    BTreeSet<T> => [T],
);

impl<T, const N: usize> Each for [T; N] {
    type Item = T;
    fn each_items(&self) -> impl Iterator<Item = &T> {
        self.iter()
    }
}

impl<C: Each + ?Sized> Each for &C {
    type Item = C::Item;
    fn each_items(&self) -> impl Iterator<Item = &C::Item> {
        (**self).each_items()
    }
}

/// Values the `required` rule checks for presence.
#[diagnostic::on_unimplemented(
    message = "`required` applies to `Option<T>` fields, but this field is `{Self}`",
    label = "a `{Self}` is always present",
    note = "make the field an `Option<…>` (the client may omit it) or remove `required`"
)]
pub trait Required {
    /// Whether a value was given.
    fn is_present(&self) -> bool;
}

impl<T> Required for Option<T> {
    fn is_present(&self) -> bool {
        self.is_some()
    }
}

impl<T: Required + ?Sized> Required for &T {
    fn is_present(&self) -> bool {
        (**self).is_present()
    }
}

/// The future a `custom_async` check returns.
#[diagnostic::on_unimplemented(
    message = "`custom_async` needs an `async fn` returning `Result<(), ValidationError>`, but this returns `{Self}`",
    label = "not an async check",
    note = "write `async fn check(value: &T) -> Result<(), ValidationError>`, or use `custom = …` for a synchronous check"
)]
pub trait AsyncCheck {
    /// The check's future.
    type Future: Future<Output = Result<(), ValidationError>>;
    /// The future to await.
    fn into_check(self) -> Self::Future;
}

// Not a supertrait bound: `AsyncCheck: Future` would report a wrong check
// twice (once per trait).
impl<F: Future<Output = Result<(), ValidationError>>> AsyncCheck for F {
    type Future = F;
    fn into_check(self) -> F {
        self
    }
}

/// Whether a `required` value is present; the bound gives the diagnostic.
#[inline]
pub fn is_present<T: Required + ?Sized>(value: &T) -> bool {
    value.is_present()
}

/// Pins a `custom` check's result type, so a wrong signature is reported at
/// the user's function path.
#[inline]
pub fn custom_result(result: Result<(), ValidationError>) -> Result<(), ValidationError> {
    result
}

/// Length in chars or items; the bound gives the diagnostic.
#[inline]
pub fn length<T: HasLength + ?Sized>(value: &T) -> usize {
    value.length()
}

/// Whether a length satisfies the bounds given (`None`: not given).
#[inline]
pub fn length_within(
    length: usize,
    min: Option<usize>,
    max: Option<usize>,
    equal: Option<usize>,
) -> bool {
    min.is_none_or(|min| length >= min)
        && max.is_none_or(|max| length <= max)
        && equal.is_none_or(|equal| length == equal)
}

/// The text of a string-like field; the bound gives the diagnostic.
#[inline]
pub fn text<T: AsStr + ?Sized>(value: &T) -> &str {
    value.as_str()
}

/// The items of a collection with their indices. Opaque, so a field that
/// is not a collection is reported once, at the rule.
#[inline]
pub fn each<C: Each + ?Sized>(value: &C) -> impl Iterator<Item = (usize, &C::Item)> {
    value.each_items().enumerate()
}

/// Whether a `range` value satisfies one bound (`>=`, `<=`, `>`, `<`).
#[inline]
pub fn in_bound<T: Ranged + ?Sized>(value: &T, bound: &T::Bound, op: Bound) -> bool {
    let value = value.ranged();
    match op {
        Bound::Min => value >= bound,
        Bound::Max => value <= bound,
        Bound::ExclusiveMin => value > bound,
        Bound::ExclusiveMax => value < bound,
    }
}

/// Which side of a `range` a bound is.
#[derive(Clone, Copy, Debug)]
pub enum Bound {
    /// `min`: value >= bound.
    Min,
    /// `max`: value <= bound.
    Max,
    /// `exclusive_min`: value > bound.
    ExclusiveMin,
    /// `exclusive_max`: value < bound.
    ExclusiveMax,
}

/// Passes a `custom_async` future through; the bound gives the diagnostic.
/// The opaque return type keeps a wrong check to that one error (no
/// follow-on "is not a future" at the `.await`).
#[inline]
pub fn async_check<F: AsyncCheck>(future: F) -> impl Future<Output = Result<(), ValidationError>> {
    future.into_check()
}

/// A rule argument as a JSON param. Runs only when a rule fails.
pub fn param<T: Serialize + ?Sized>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// A regex compiled on first use and then shared by the whole process.
/// The macro has already checked the pattern with the same parser.
pub struct LazyRegex {
    pattern: &'static str,
    compiled: OnceLock<regex::Regex>,
}

impl LazyRegex {
    /// A regex for `pattern`, compiled on first [`LazyRegex::is_match`].
    pub const fn new(pattern: &'static str) -> Self {
        Self {
            pattern,
            compiled: OnceLock::new(),
        }
    }

    /// Whether `text` matches. Linear time in `text` (the `regex` crate has no backtracking).
    pub fn is_match(&self, text: &str) -> bool {
        self.compiled
            .get_or_init(|| {
                regex::Regex::new(self.pattern).unwrap_or_else(|e| {
                    // Unreachable for derived code: the macro parsed the pattern
                    // with regex-syntax. Only a size limit could be hit here.
                    panic!("armature: pattern {:?} does not compile: {e}", self.pattern)
                })
            })
            .is_match(text)
    }

    /// The pattern's source.
    pub fn as_str(&self) -> &'static str {
        self.pattern
    }
}

/// Error constructors: the codes and params of the built-in rules.
pub mod fail {
    use super::*;

    /// `required` on a `None`.
    pub fn required() -> ValidationError {
        ValidationError::new("required")
    }

    /// `email`.
    pub fn email() -> ValidationError {
        ValidationError::new("email")
    }

    /// `url`.
    pub fn url() -> ValidationError {
        ValidationError::new("url")
    }

    /// `pattern`: the pattern is the param (it is the rule's argument).
    pub fn pattern(pattern: &'static str) -> ValidationError {
        ValidationError::new("pattern").with_param("pattern", pattern)
    }

    /// `contains`.
    pub fn contains(needle: &'static str) -> ValidationError {
        ValidationError::new("contains").with_param("value", needle)
    }

    /// `does_not_contain`.
    pub fn does_not_contain(needle: &'static str) -> ValidationError {
        ValidationError::new("does_not_contain").with_param("value", needle)
    }

    /// `must_match`: names the other field, never either value.
    pub fn must_match(other: &'static str) -> ValidationError {
        ValidationError::new("must_match").with_param("other", other)
    }

    /// `length`, `range`: a code with the bounds that were given.
    pub fn bounds(code: &'static str, bounds: &[(&'static str, Value)]) -> ValidationError {
        bounds.iter().fold(ValidationError::new(code), |e, (k, v)| {
            e.with_param(*k, v.clone())
        })
    }

    /// Applies a rule's `code = …` / `message = …` options.
    pub fn customize(
        mut error: ValidationError,
        code: Option<&'static str>,
        message: Option<&'static str>,
    ) -> ValidationError {
        if let Some(message) = message {
            error = error.with_message(message);
        } else if code.is_some() {
            // Default messages are keyed by code: keep the rule's own text.
            let text = error.message().into_owned();
            error = error.with_message(text);
        }
        if let Some(code) = code {
            error = error.with_code(code);
        }
        error
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_counts_chars() {
        assert_eq!(length("héllo"), 5);
        assert_eq!(length(&String::from("ab")), 2);
        assert_eq!(length(&vec![1, 2, 3]), 3);
        assert_eq!(length(&[0u8; 4]), 4);
        assert_eq!(length(&"🦀".repeat(3)), 3);
    }

    #[test]
    fn lazy_regex_compiles_once() {
        static RE: LazyRegex = LazyRegex::new("^[a-z]+$");
        assert!(RE.is_match("abc"));
        assert!(!RE.is_match("ab1"));
        let first = RE.compiled.get().unwrap() as *const _;
        assert!(RE.is_match("x"));
        assert_eq!(first, RE.compiled.get().unwrap() as *const _);
    }

    #[test]
    fn bounds_keep_given_params_only() {
        let e = fail::bounds("length", &[("min", 3.into())]);
        assert_eq!(e.params().len(), 1);
        assert_eq!(e.message(), "length must be at least 3");
    }
}
