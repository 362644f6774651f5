//! The built app as a page source for `prerender_site`: each route is a
//! `GET` answered in process (no socket), so a pre-rendered page is byte
//! for byte what the server sends.

use bytes::Bytes;
use futures::future::BoxFuture;
use http_body_util::BodyExt;

use super::AppService;
use crate::ssr::{PageSource, RenderError, RenderErrorKind};

impl AppService {
    /// The `GET` routes marked `#[get(path, prerender)]`, for
    /// [`prerender_site`](crate::ssr::prerender_site).
    pub fn prerender_routes(&self) -> Vec<String> {
        self.routes()
            .iter()
            .filter(|r| r.prerender && r.method == http::Method::GET)
            .map(|r| r.path.clone())
            .collect()
    }
}

impl PageSource for AppService {
    fn page<'a>(&'a self, route: &'a str) -> BoxFuture<'a, Result<Bytes, RenderError>> {
        Box::pin(async move {
            let request = http::Request::get(route).body(()).map_err(|e| {
                RenderError::new(
                    RenderErrorKind::InvalidRoute,
                    format!("route `{route}`: {e}"),
                )
            })?;
            let response = self.handle(request).await;
            let status = response.status();
            let body = response.into_body().collect().await.map_err(|e| {
                RenderError::new(RenderErrorKind::Io, format!("route `{route}`: {e}"))
            })?;
            if !status.is_success() {
                return Err(RenderError::new(
                    RenderErrorKind::Status,
                    format!("route `{route}` answered {status}"),
                ));
            }
            Ok(body.to_bytes())
        })
    }

    fn concurrency(&self) -> usize {
        crate::pool::cores()
    }
}
