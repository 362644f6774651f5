//! Independent and ordered members: the trait `#[middleware]` implements,
//! their extractors, and how a member's value reaches the extensions.

use std::future::Future;

use crate::http::{Ext, HttpError, IntoResponse, RequestHead, Response, State};

use super::check::TypeRef;

/// An independent or ordered middleware, implemented by
/// `#[middleware(independent)]` / `#[middleware(after(…))]` on a marker
/// type named like the function.
pub trait Middleware: 'static {
    /// The function's name.
    const NAME: &'static str;
    /// The type it provides through `Ext<T>`, if any.
    const PROVIDES: Option<TypeRef>;
    /// The `Ext<T>` types it takes.
    const NEEDS: &'static [TypeRef];
    /// The `State<T>` types it takes.
    const STATES: &'static [TypeRef];
    /// What a successful run yields (`()` when it provides nothing).
    type Output: Clone + Send + Sync + 'static;
    /// Extracts the arguments and runs the function.
    fn call(head: &RequestHead)
    -> impl Future<Output = Result<Self::Output, Response>> + Send + '_;
}

/// Runs member `M` and keeps its value in `slot`: the future a stage polls.
pub async fn member<M: Middleware>(
    head: &RequestHead,
    slot: &mut Option<M::Output>,
) -> Result<(), Response> {
    *slot = Some(M::call(head).await?);
    Ok(())
}

/// Stores what member `M` provided, once its stage is over.
#[inline]
pub fn provide<M: Middleware>(head: &mut RequestHead, value: Option<M::Output>) {
    if M::PROVIDES.is_some()
        && let Some(value) = value
    {
        head.parts.extensions.insert(value);
    }
}

/// A parameter of an independent or ordered middleware, read from the
/// request head (middleware of one stage share the head, so nothing here
/// reads the body).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a middleware parameter",
    label = "not readable from the request head",
    note = "independent and ordered middleware take `&RequestHead` and then `State<T>` or `Ext<T>` parameters (or a type implementing `armature::middleware::FromHead`); to read the body or change the request, write an around middleware: `#[middleware] async fn m(req: Request, next: Next) -> Response`"
)]
pub trait FromHead: Sized {
    /// Builds the value, or the response that rejects the request.
    // The same shape as `FromRequest`: a rejection is the rare path, and
    // boxing it would cost every user an allocation to spell.
    #[allow(clippy::result_large_err)]
    fn from_head(head: &RequestHead) -> Result<Self, Response>;
}

impl<T: Clone + Send + Sync + 'static> FromHead for State<T> {
    fn from_head(head: &RequestHead) -> Result<Self, Response> {
        head.state::<T>().cloned().map(State).ok_or_else(|| {
            tracing::error!(
                r#type = std::any::type_name::<T>(),
                "State<T> requested but never registered"
            );
            HttpError::internal(format!(
                "no `{}` was registered with `App::state`",
                std::any::type_name::<T>()
            ))
            .into_response()
        })
    }
}

impl<T: Clone + Send + Sync + 'static> FromHead for Ext<T> {
    fn from_head(head: &RequestHead) -> Result<Self, Response> {
        head.ext::<T>().cloned().map(Ext).ok_or_else(|| {
            HttpError::internal(format!(
                "no `{}` was provided by a middleware for this request",
                std::any::type_name::<T>()
            ))
            .into_response()
        })
    }
}

impl<T: FromHead> FromHead for Option<T> {
    fn from_head(head: &RequestHead) -> Result<Self, Response> {
        Ok(T::from_head(head).ok())
    }
}
