use std::borrow::Cow;
use std::fmt;

use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Serialize, Serializer};
use serde_json::Value;

/// One failed rule: a machine-readable `code`, an optional human `message`
/// and the rule's arguments as `params`.
///
/// Params carry the rule's arguments (`min`, `max`, …), never the rejected
/// value: a 422 body must not echo a password back.
///
/// ```
/// use armature_runtime::validation::ValidationError;
///
/// let err = ValidationError::new("weak_password")
///     .with_message("needs a digit")
///     .with_param("min_digits", 1);
/// assert_eq!(err.code(), "weak_password");
/// assert_eq!(err.message(), "needs a digit");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ValidationError {
    code: Cow<'static, str>,
    message: Option<Cow<'static, str>>,
    params: Vec<(Cow<'static, str>, Value)>,
}

impl ValidationError {
    /// An error with this code, no message and no params.
    pub fn new(code: impl Into<Cow<'static, str>>) -> Self {
        Self {
            code: code.into(),
            message: None,
            params: Vec::new(),
        }
    }

    /// Sets the human-readable message.
    #[must_use]
    pub fn with_message(mut self, message: impl Into<Cow<'static, str>>) -> Self {
        self.message = Some(message.into());
        self
    }

    /// Adds (or replaces) a parameter. Params keep insertion order.
    #[must_use]
    pub fn with_param(
        mut self,
        key: impl Into<Cow<'static, str>>,
        value: impl Into<Value>,
    ) -> Self {
        let key = key.into();
        let value = value.into();
        match self.params.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.params.push((key, value)),
        }
        self
    }

    /// Replaces the code (the `code = "…"` option of a rule).
    #[must_use]
    pub fn with_code(mut self, code: impl Into<Cow<'static, str>>) -> Self {
        self.code = code.into();
        self
    }

    /// The machine-readable code, e.g. `"length"`.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The message given, or a default one derived from the code and params.
    pub fn message(&self) -> Cow<'_, str> {
        match &self.message {
            Some(message) => Cow::Borrowed(message),
            None => default_message(&self.code, &self.params),
        }
    }

    /// The rule's arguments in insertion order.
    pub fn params(&self) -> impl ExactSizeIterator<Item = (&str, &Value)> {
        self.params.iter().map(|(k, v)| (k.as_ref(), v))
    }

    /// One parameter by name.
    pub fn param(&self, key: &str) -> Option<&Value> {
        self.params.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

fn default_message(code: &str, params: &[(Cow<'static, str>, Value)]) -> Cow<'static, str> {
    let param = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v);
    let bounds = |low: &str, high: &str, what: &str| match (param(low), param(high)) {
        (Some(lo), Some(hi)) => format!("{what} must be between {lo} and {hi}"),
        (Some(lo), None) => format!("{what} must be at least {lo}"),
        (None, Some(hi)) => format!("{what} must be at most {hi}"),
        (None, None) => format!("{what} is out of range"),
    };
    Cow::Owned(match code {
        "required" => return Cow::Borrowed("is required"),
        "email" => return Cow::Borrowed("must be a valid email address"),
        "url" => return Cow::Borrowed("must be a valid URL with a scheme and a host"),
        "pattern" => return Cow::Borrowed("does not match the required pattern"),
        "length" => match param("equal") {
            Some(n) => format!("length must be exactly {n}"),
            None => bounds("min", "max", "length"),
        },
        "range" => match (param("exclusive_min"), param("exclusive_max")) {
            (None, None) => bounds("min", "max", "value"),
            (lo, hi) => {
                let mut parts = Vec::new();
                if let Some(lo) = param("min") {
                    parts.push(format!("at least {lo}"));
                }
                if let Some(lo) = lo {
                    parts.push(format!("greater than {lo}"));
                }
                if let Some(hi) = param("max") {
                    parts.push(format!("at most {hi}"));
                }
                if let Some(hi) = hi {
                    parts.push(format!("less than {hi}"));
                }
                format!("value must be {}", parts.join(" and "))
            }
        },
        "contains" => match param("value") {
            Some(v) => format!("must contain {v}"),
            None => "is missing a required part".to_owned(),
        },
        "does_not_contain" => match param("value") {
            Some(v) => format!("must not contain {v}"),
            None => "contains a forbidden part".to_owned(),
        },
        "must_match" => match param("other") {
            Some(Value::String(other)) => format!("must match `{other}`"),
            _ => "must match the other field".to_owned(),
        },
        other => format!("failed the `{other}` check"),
    })
}

/// A failed rule and where: `path` is `email`, `address.zip` or `tags[3]`.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    /// Where the rule failed, in the names the client sent (serde renames apply).
    pub path: Cow<'static, str>,
    /// What failed.
    pub error: ValidationError,
}

/// Every failed rule of a value, in field declaration order.
///
/// Serializes as `{"errors":[{"path":…,"code":…,"message":…,"params":{…}}]}`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ValidationErrors {
    errors: Vec<FieldError>,
}

impl ValidationErrors {
    /// No errors. Does not allocate.
    pub const fn new() -> Self {
        Self { errors: Vec::new() }
    }

    /// Whether no rule failed.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// Number of failed rules.
    pub fn len(&self) -> usize {
        self.errors.len()
    }

    /// The failures in declaration order.
    pub fn iter(&self) -> std::slice::Iter<'_, FieldError> {
        self.errors.iter()
    }

    /// Adds a failure at `path`.
    pub fn push(&mut self, path: impl Into<Cow<'static, str>>, error: ValidationError) {
        self.errors.push(FieldError {
            path: path.into(),
            error,
        });
    }

    /// Appends all of `other`, keeping its order.
    pub fn append(&mut self, mut other: ValidationErrors) {
        if self.errors.is_empty() {
            self.errors = other.errors;
        } else {
            self.errors.append(&mut other.errors);
        }
    }

    /// Inserts failures at a position; used to merge async results into
    /// declaration order.
    pub fn insert_all(&mut self, at: usize, other: ValidationErrors) {
        self.errors.splice(at..at, other.errors);
    }

    /// Puts `prefix` in front of every path (`zip` -> `address.zip`).
    pub fn prefixed(mut self, prefix: &str) -> Self {
        if prefix.is_empty() {
            return self;
        }
        for e in &mut self.errors {
            e.path = Cow::Owned(if e.path.is_empty() {
                prefix.to_owned()
            } else if e.path.starts_with('[') {
                format!("{prefix}{}", e.path)
            } else {
                format!("{prefix}.{}", e.path)
            });
        }
        self
    }

    /// `Ok(())` when empty, else `Err(self)`.
    pub fn into_result(self) -> Result<(), ValidationErrors> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }

    /// The failures at exactly `path`.
    pub fn at<'a>(&'a self, path: &'a str) -> impl Iterator<Item = &'a ValidationError> + 'a {
        self.errors
            .iter()
            .filter(move |e| e.path == path)
            .map(|e| &e.error)
    }
}

impl IntoIterator for ValidationErrors {
    type Item = FieldError;
    type IntoIter = std::vec::IntoIter<FieldError>;
    fn into_iter(self) -> Self::IntoIter {
        self.errors.into_iter()
    }
}

impl<'a> IntoIterator for &'a ValidationErrors {
    type Item = &'a FieldError;
    type IntoIter = std::slice::Iter<'a, FieldError>;
    fn into_iter(self) -> Self::IntoIter {
        self.errors.iter()
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() {
            "(value)"
        } else {
            self.path.as_ref()
        };
        write!(f, "{path}: {} [{}]", self.error.message(), self.error.code)
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}]", self.message(), self.code)
    }
}

impl std::error::Error for ValidationErrors {}
impl std::error::Error for ValidationError {}

struct Params<'a>(&'a [(Cow<'static, str>, Value)]);

impl Serialize for Params<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl Serialize for FieldError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("FieldError", 4)?;
        s.serialize_field("path", &self.path)?;
        s.serialize_field("code", &self.error.code)?;
        s.serialize_field("message", &self.error.message())?;
        s.serialize_field("params", &Params(&self.error.params))?;
        s.end()
    }
}

impl Serialize for ValidationErrors {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("ValidationErrors", 1)?;
        s.serialize_field("errors", &self.errors)?;
        s.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_shape() {
        let mut errors = ValidationErrors::new();
        errors.push(
            "username",
            ValidationError::new("length")
                .with_param("min", 3)
                .with_param("max", 32),
        );
        errors.push("email", ValidationError::new("email").with_message("bad"));
        let json = serde_json::to_value(&errors).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"errors": [
                {"path": "username", "code": "length",
                 "message": "length must be between 3 and 32", "params": {"min": 3, "max": 32}},
                {"path": "email", "code": "email", "message": "bad", "params": {}},
            ]})
        );
    }

    #[test]
    fn display_lists_every_error() {
        let mut errors = ValidationErrors::new();
        errors.push("age", ValidationError::new("range").with_param("min", 13));
        errors.push("tags[2]", ValidationError::new("custom_code"));
        assert_eq!(
            errors.to_string(),
            "age: value must be at least 13 [range]\ntags[2]: failed the `custom_code` check [custom_code]"
        );
    }

    #[test]
    fn prefixing_keeps_index_syntax() {
        let mut errors = ValidationErrors::new();
        errors.push("zip", ValidationError::new("length"));
        errors.push("[1]", ValidationError::new("length"));
        errors.push("", ValidationError::new("length"));
        let paths: Vec<_> = errors
            .prefixed("address")
            .iter()
            .map(|e| e.path.to_string())
            .collect();
        assert_eq!(paths, ["address.zip", "address[1]", "address"]);
    }

    #[test]
    fn with_param_replaces_same_key() {
        let e = ValidationError::new("x")
            .with_param("k", 1)
            .with_param("k", 2);
        assert_eq!(e.params().len(), 1);
        assert_eq!(e.param("k"), Some(&Value::from(2)));
    }

    #[test]
    fn exclusive_range_message() {
        let e = ValidationError::new("range")
            .with_param("exclusive_min", 0)
            .with_param("max", 10);
        assert_eq!(e.message(), "value must be greater than 0 and at most 10");
    }
}
