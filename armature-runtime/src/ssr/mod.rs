//! Server-side rendering and static pre-rendering.
//!
//! - [`Renderer`]: `render(route, props) -> html`. Two come with Armature:
//!   [`TemplateRenderer`] (minijinja templates from a folder; the embedded
//!   default, feature `templates`) and [`NodeRenderer`] (a pool of
//!   long-lived `node` processes running your SSR script, feature
//!   `ssr-node`).
//! - [`Ssr`]: the extractor handing a handler the renderer registered with
//!   [`App::renderer`](crate::app::App::renderer).
//! - [`prerender_site`]: renders many routes into a folder with bounded
//!   concurrency and atomic writes; given the built app, it calls the app
//!   in process, so a static page is byte for byte what the server answers.
//!
//! Why a *pool* of long-lived Node processes: spawning `node` per page
//! costs 41-64 ms a page here, while one warm process renders thousands of
//! pages a second; the win is in the design, not in the core count.

mod error;
#[cfg(feature = "ssr-node")]
mod node;
mod prerender;
#[cfg(feature = "templates")]
mod template;

use std::sync::Arc;

use futures::future::BoxFuture;
use serde_json::Value;

pub use error::{RenderError, RenderErrorKind};
#[cfg(feature = "ssr-node")]
pub use node::{NodeOptions, NodeRenderer};
pub use prerender::{
    FileLayout, PageFailure, PageSource, PrerenderOptions, SiteStats, file_for_route,
    prerender_site,
};
#[cfg(feature = "templates")]
pub use template::TemplateRenderer;

use crate::http::{FromRequest, HttpError, IntoResponse, RequestContext, Response};

/// Turns a route and its props into HTML.
///
/// Implementations must be safe to call concurrently: one renderer
/// serves every request.
pub trait Renderer: Send + Sync + 'static {
    /// Renders `route` with `props`.
    fn render<'a>(
        &'a self,
        route: &'a str,
        props: Value,
    ) -> BoxFuture<'a, Result<String, RenderError>>;

    /// How many renders are worth running at once (what pre-rendering
    /// bounds itself to): the cores, unless the renderer knows better.
    fn concurrency(&self) -> usize {
        crate::pool::cores()
    }
}

/// The renderer registered with [`App::renderer`](crate::app::App::renderer).
#[derive(Clone)]
pub(crate) struct SharedRenderer(pub(crate) Arc<dyn Renderer>);

/// A handler parameter giving access to the app's renderer.
///
/// ```no_run
/// use armature_runtime::http::Html;
/// use armature_runtime::ssr::{RenderError, Ssr};
///
/// async fn about(ssr: Ssr) -> Result<Html<String>, RenderError> {
///     ssr.page("/about", serde_json::json!({"title": "About"})).await
/// }
/// ```
#[derive(Clone)]
pub struct Ssr(Arc<dyn Renderer>);

impl Ssr {
    /// Renders `route` with `props`.
    pub async fn render(&self, route: &str, props: Value) -> Result<String, RenderError> {
        self.0.render(route, props).await
    }

    /// Renders `route` with `props` as an HTML response.
    pub async fn page(
        &self,
        route: &str,
        props: Value,
    ) -> Result<crate::http::Html<String>, RenderError> {
        self.render(route, props).await.map(crate::http::Html)
    }

    /// The renderer itself.
    pub fn renderer(&self) -> &Arc<dyn Renderer> {
        &self.0
    }
}

impl FromRequest for Ssr {
    async fn from_request(ctx: &mut RequestContext) -> Result<Self, Response> {
        match ctx.state::<SharedRenderer>() {
            Some(shared) => Ok(Ssr(Arc::clone(&shared.0))),
            None => Err(HttpError::internal(
                "this route renders pages but the app has no renderer: call `App::renderer`",
            )
            .into_response()),
        }
    }
}
