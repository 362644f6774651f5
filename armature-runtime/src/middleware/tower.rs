//! A `tower::Layer` as an around member: `pipeline![tower(CorsLayer::permissive()), …]`.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::future::BoxFuture;
use tower_layer::Layer;
use tower_service::Service;

use crate::http::{Body, BoxError, HttpError, IntoResponse, RequestBody, RequestContext, Response};

use super::around::{Around, Next, Request};

/// The rest of the pipeline as the innermost `tower::Service` of a layer.
///
/// It can run once: `Next` is consumed. A layer that calls its service a
/// second time for one request (a retry layer) gets a 500 for that call.
pub struct NextService {
    next: Option<Next>,
}

impl Service<http::Request<RequestBody>> for NextService {
    type Response = Response;
    type Error = Infallible;
    type Future = NextFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut request: http::Request<RequestBody>) -> NextFuture {
        let rest = request.extensions_mut().remove();
        match (self.next.take(), rest) {
            (Some(next), Some(rest)) => {
                NextFuture(next.into_future(RequestContext::rejoin(request, rest)))
            }
            (None, _) => NextFuture(Box::pin(async {
                HttpError::internal("a tower layer called the rest of the pipeline twice")
                    .into_response()
            })),
            (Some(_), None) => NextFuture(Box::pin(async {
                HttpError::internal(
                    "a tower layer replaced the request's extensions, losing Armature's context",
                )
                .into_response()
            })),
        }
    }
}

/// The future of [`NextService`].
pub struct NextFuture(BoxFuture<'static, Response>);

impl Future for NextFuture {
    type Output = Result<Response, Infallible>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.0.as_mut().poll(cx).map(Ok)
    }
}

/// A `tower::Layer` mounted as an around middleware. Its service receives
/// an `http::Request<RequestBody>` and may answer with any body, which is
/// streamed through.
pub struct TowerLayer<L> {
    layer: L,
}

impl<L> TowerLayer<L> {
    /// Wraps `layer`.
    pub fn new(layer: L) -> Self {
        TowerLayer { layer }
    }
}

/// A tower service's response as Armature's: its body is streamed as the
/// layer produces it (a compressing layer's output is never collected).
pub trait IntoArmatureResponse: Send {
    /// The response with its body wrapped.
    fn into_armature(self) -> Response;
}

impl<B> IntoArmatureResponse for http::Response<B>
where
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    fn into_armature(self) -> Response {
        let (parts, body) = self.into_parts();
        Response::from_parts(parts, Body::new(body))
    }
}

impl<L> Around for TowerLayer<L>
where
    L: Layer<NextService> + Send + Sync + 'static,
    L::Service: Service<http::Request<RequestBody>> + Send,
    <L::Service as Service<http::Request<RequestBody>>>::Response: IntoArmatureResponse,
    <L::Service as Service<http::Request<RequestBody>>>::Error: Into<BoxError>,
    <L::Service as Service<http::Request<RequestBody>>>::Future: Send,
{
    fn name(&self) -> &'static str {
        std::any::type_name::<L>()
    }

    fn call(&self, req: Request, next: Next) -> impl Future<Output = Response> + Send + '_ {
        let (mut request, rest) = req.split();
        request.extensions_mut().insert(rest);
        let mut service = self.layer.layer(NextService { next: Some(next) });
        async move {
            let failed = |e: BoxError| {
                HttpError::internal(format!("tower layer failed: {e}")).into_response()
            };
            if let Err(e) = std::future::poll_fn(|cx| service.poll_ready(cx)).await {
                return failed(e.into());
            }
            let response = match service.call(request).await {
                Ok(response) => response,
                Err(e) => return failed(e.into()),
            };
            response.into_armature()
        }
    }
}
