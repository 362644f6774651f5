//! `GET /`, `/about` and a page per feature: HTML rendered by the
//! `TemplateRenderer` from `templates/` (embedded in the binary), all
//! marked `prerender` so `showcase prerender OUT` writes them as a static site.

use armature::prelude::*;
use armature::ssr::{RenderError, TemplateRenderer};
use serde::Serialize;
use serde_json::{Value, json};

#[derive(Serialize)]
struct Feature {
    slug: &'static str,
    name: &'static str,
    summary: &'static str,
    routes: &'static [&'static str],
}

const FEATURES: &[Feature] = &[
    Feature {
        slug: "validation",
        name: "Validation",
        summary: "#[derive(Validate)] checks every field of a sign-up and answers 422 with the path and code of each failure; `showcase validate` bulk-validates 2,400 records in parallel.",
        routes: &["POST /users", "GET /users/{id}", "GET /users?ids=…"],
    },
    Feature {
        slug: "middleware",
        name: "Middleware",
        summary: "request_id, access_log and rate_limit form a pipeline whose order is checked at compile time; admin_auth guards /admin.",
        routes: &["GET /metrics", "GET /admin/stats"],
    },
    Feature {
        slug: "jobs",
        name: "Jobs",
        summary: "POST /thumbnails enqueues a cpu_intensive job that a worker in the same process runs on the compute pool.",
        routes: &["POST /thumbnails", "GET /jobs/stats", "GET /jobs/{id}"],
    },
    Feature {
        slug: "uploads",
        name: "Uploads",
        summary: "A streaming multipart parser stores files under sanitized names as they arrive, with every limit enforced while streaming.",
        routes: &["GET /upload", "POST /upload"],
    },
    Feature {
        slug: "aggregate",
        name: "Aggregate",
        summary: "#[aggregate] runs the dashboard's four independent sources concurrently: the page takes the slowest, not the sum.",
        routes: &["GET /dashboard/{id}"],
    },
];

const ROUTES: &[(&str, &str, &str)] = &[
    ("GET", "/", "this page"),
    ("GET", "/about", "what Armature is"),
    (
        "POST",
        "/users",
        "create a user (validated: 201, 409 or 422)",
    ),
    ("GET", "/users/{id}", "one user, through the cache"),
    (
        "GET",
        "/users?limit=N&ids=…",
        "a page of users, or several by id in one cache round trip",
    ),
    ("GET", "/cache/stats", "cache hits and misses"),
    (
        "GET",
        "/dashboard/{id}",
        "four sources joined by #[aggregate]",
    ),
    ("POST", "/thumbnails", "enqueue a background job"),
    ("GET", "/jobs/stats", "queue counts"),
    ("GET", "/jobs/{id}", "one job's state"),
    ("GET", "/upload", "an upload form"),
    (
        "POST",
        "/upload",
        "multipart upload, files stored under ./uploads",
    ),
    ("GET", "/metrics", "Prometheus metrics"),
    ("GET", "/admin/stats", "behind a bearer token"),
];

/// The showcase's templates, compiled into the binary.
pub fn renderer() -> Result<TemplateRenderer, RenderError> {
    TemplateRenderer::new()
        .template("layout.html", include_str!("templates/layout.html"))?
        .template("index.html", include_str!("templates/index.html"))?
        .template("about.html", include_str!("templates/about.html"))?
        .template(
            "features/feature.html",
            include_str!("templates/features/feature.html"),
        )
        .map(|renderer| {
            FEATURES.iter().fold(renderer, |r, f| {
                r.route(format!("/features/{}", f.slug), "features/feature.html")
            })
        })
}

fn props(title: &str, extra: Value) -> Value {
    let mut props = json!({ "title": title, "features": FEATURES });
    if let (Some(props), Value::Object(extra)) = (props.as_object_mut(), extra) {
        props.extend(extra);
    }
    props
}

async fn feature(ssr: &Ssr, slug: &str) -> Result<Html<String>, RenderError> {
    let feature = FEATURES
        .iter()
        .find(|f| f.slug == slug)
        .expect("a listed feature");
    let route = format!("/features/{slug}");
    let props = props(feature.name, json!({ "feature": feature }));
    ssr.renderer().render(&route, props).await.map(Html)
}

pub struct Pages;

#[controller]
impl Pages {
    #[get("/", prerender)]
    async fn home(&self, ssr: Ssr) -> Result<Html<String>, RenderError> {
        let routes: Vec<Value> = ROUTES
            .iter()
            .map(|(method, path, doc)| json!({"method": method, "path": path, "doc": doc}))
            .collect();
        ssr.page("/", props("Home", json!({ "routes": routes })))
            .await
    }

    #[get("/about", prerender)]
    async fn about(&self, ssr: Ssr) -> Result<Html<String>, RenderError> {
        ssr.page("/about", props("About", json!({}))).await
    }

    #[get("/features/validation", prerender)]
    async fn validation(&self, ssr: Ssr) -> Result<Html<String>, RenderError> {
        feature(&ssr, "validation").await
    }

    #[get("/features/middleware", prerender)]
    async fn middleware(&self, ssr: Ssr) -> Result<Html<String>, RenderError> {
        feature(&ssr, "middleware").await
    }

    #[get("/features/jobs", prerender)]
    async fn jobs(&self, ssr: Ssr) -> Result<Html<String>, RenderError> {
        feature(&ssr, "jobs").await
    }

    #[get("/features/uploads", prerender)]
    async fn uploads(&self, ssr: Ssr) -> Result<Html<String>, RenderError> {
        feature(&ssr, "uploads").await
    }

    #[get("/features/aggregate", prerender)]
    async fn aggregate(&self, ssr: Ssr) -> Result<Html<String>, RenderError> {
        feature(&ssr, "aggregate").await
    }
}
