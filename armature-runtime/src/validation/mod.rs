//! Validation: the traits `#[derive(Validate)]` implements, its errors, and
//! the parallel and batch runners.
//!
//! The success path allocates nothing: paths are stack frames
//! ([`FieldPath`]) rendered only when a rule fails, and an empty
//! [`ValidationErrors`] owns no heap memory.

mod batch;
mod email;
mod error;
mod parallel;
mod path;
pub(crate) mod rules;
mod url;

use std::future::Future;

pub use batch::{BatchReport, validate_batch};
pub use email::is_email;
pub use error::{FieldError, ValidationError, ValidationErrors};
pub use parallel::{CostEstimate, Unit, validate_adaptive, validate_units};
pub use path::FieldPath;
pub use rules::{AsStr, AsyncCheck, Each, HasLength, Ranged, Required};
pub use url::is_url;

/// A value whose rules can be checked.
///
/// Derive it with `#[derive(Validate)]`; implement [`Validate::validate_into`]
/// by hand for types the derive cannot describe.
///
/// ```
/// use armature_runtime::validation::{FieldPath, Validate, ValidationError, ValidationErrors};
///
/// struct Even(u32);
///
/// impl Validate for Even {
///     fn validate_into(&self, path: &FieldPath<'_>, errors: &mut ValidationErrors) {
///         if self.0 % 2 != 0 {
///             errors.push(path.render(), ValidationError::new("even"));
///         }
///     }
/// }
///
/// assert!(Even(4).validate().is_ok());
/// assert_eq!(Even(3).validate().unwrap_err().len(), 1);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not implement `Validate`",
    label = "`nested` needs a type that implements `Validate`",
    note = "add `#[derive(Validate)]` to `{Self}`, or implement `armature::Validate` for it"
)]
pub trait Validate {
    /// Checks every rule, appending each failure under `path` in
    /// declaration order. The building block of the other methods.
    fn validate_into(&self, path: &FieldPath<'_>, errors: &mut ValidationErrors);

    /// Checks every rule of every field; all failures, in declaration order.
    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        self.validate_into(&FieldPath::Root, &mut errors);
        errors.into_result()
    }

    /// The same result as [`Validate::validate`], byte for byte. Fields are
    /// spread over the compute pool when checking them costs enough to pay
    /// for it, and checked inline otherwise.
    fn validate_parallel(&self) -> Result<(), ValidationErrors>
    where
        Self: Sync,
    {
        self.validate()
    }

    /// What [`AsyncValidate::validate_async`] runs; the derive overrides it
    /// for types with `custom_async` checks or nested values.
    #[doc(hidden)]
    fn __validate_async(&self) -> impl Future<Output = Result<(), ValidationErrors>> + Send
    where
        Self: Sync + Sized,
    {
        std::future::ready(self.validate())
    }
}

/// Validation including `custom_async` checks, for every [`Validate`] type.
///
/// It lives on `Validate` itself (a hidden method the derive fills in), so a
/// `nested` field needs nothing beyond `Validate`, and hand-written
/// implementations get it for free (their sync rules).
pub trait AsyncValidate: Validate {
    /// Runs the sync rules, then every async check of every field
    /// concurrently (a field whose sync rules failed skips its async checks,
    /// so an invalid value never reaches a database). Failures come back in
    /// declaration order, a field's sync failures before its async ones.
    fn validate_async(&self) -> impl Future<Output = Result<(), ValidationErrors>> + Send
    where
        Self: Sync + Sized;
}

impl<T: Validate + ?Sized> AsyncValidate for T {
    fn validate_async(&self) -> impl Future<Output = Result<(), ValidationErrors>> + Send
    where
        Self: Sync + Sized,
    {
        self.__validate_async()
    }
}

impl<T: Validate + ?Sized> Validate for &T {
    fn validate_into(&self, path: &FieldPath<'_>, errors: &mut ValidationErrors) {
        (**self).validate_into(path, errors);
    }
}

impl<T: Validate + ?Sized> Validate for Box<T> {
    fn validate_into(&self, path: &FieldPath<'_>, errors: &mut ValidationErrors) {
        (**self).validate_into(path, errors);
    }
}

impl<T: Validate + ?Sized> Validate for std::sync::Arc<T> {
    fn validate_into(&self, path: &FieldPath<'_>, errors: &mut ValidationErrors) {
        (**self).validate_into(path, errors);
    }
}

impl<T: Validate> Validate for Option<T> {
    fn validate_into(&self, path: &FieldPath<'_>, errors: &mut ValidationErrors) {
        if let Some(value) = self {
            value.validate_into(path, errors);
        }
    }
}

impl<T: Validate> Validate for [T] {
    fn validate_into(&self, path: &FieldPath<'_>, errors: &mut ValidationErrors) {
        for (i, item) in self.iter().enumerate() {
            item.validate_into(&path.index(i), errors);
        }
    }
}

impl<T: Validate> Validate for Vec<T> {
    fn validate_into(&self, path: &FieldPath<'_>, errors: &mut ValidationErrors) {
        self.as_slice().validate_into(path, errors);
    }
}
