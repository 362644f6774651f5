//! `Valid<E>`: another extractor, then validation (422 on failure).

use super::uri::{Path, Query};
use super::{Form, FromRequest, RequestContext};
use crate::http::response::{IntoResponse, Json, Response};
use crate::validation::{AsyncValidate, Validate};

/// Extractors whose value `Valid<E>` validates.
pub trait ValidTarget {
    /// The validated value.
    type Target: Validate + Sync;
    /// It.
    fn target(&self) -> &Self::Target;
}

macro_rules! valid_target {
    ($($wrapper:ident),*) => {$(
        impl<T: Validate + Sync> ValidTarget for $wrapper<T> {
            type Target = T;
            fn target(&self) -> &T {
                &self.0
            }
        }
    )*};
}
valid_target!(Json, Form, Query, Path);

/// Runs the extractor, then validation (sync rules and `custom_async`
/// checks): 422 with the `ValidationErrors` JSON when a rule fails.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Valid<E>(pub E);

impl<E> FromRequest for Valid<E>
where
    E: FromRequest + ValidTarget + Send,
{
    async fn from_request(ctx: &mut RequestContext) -> Result<Self, Response> {
        let inner = E::from_request(ctx).await?;
        match inner.target().validate_async().await {
            Ok(()) => Ok(Valid(inner)),
            Err(errors) => Err(errors.into_response()),
        }
    }
}
