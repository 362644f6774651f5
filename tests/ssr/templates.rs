//! TemplateRenderer from a folder, shared by concurrent requests, behind
//! the `Ssr` extractor through a real socket.

use std::sync::Arc;

use armature::prelude::*;
use armature::ssr::{RenderError, Renderer, Ssr, TemplateRenderer};
use serde_json::json;

use crate::support::http::{TestServer, text};

/// A folder of templates, a fresh one per call (tests run concurrently).
pub fn site() -> std::path::PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = crate::scratch(&format!("templates-{n}"));
    std::fs::create_dir_all(dir.join("layouts")).unwrap();
    std::fs::create_dir_all(dir.join("docs")).unwrap();
    std::fs::write(
        dir.join("layouts/base.html"),
        "<!doctype html><title>{{ title }}</title>\n{% block body %}{% endblock %}\n",
    )
    .unwrap();
    std::fs::write(dir.join("nav.html"), "<nav><a href=\"/\">Home</a></nav>").unwrap();
    std::fs::write(
        dir.join("index.html"),
        "{% extends \"layouts/base.html\" %}{% block body %}{% include \"nav.html\" %}<h1>{{ title }}</h1>{% endblock %}",
    )
    .unwrap();
    std::fs::write(
        dir.join("docs/index.html"),
        "{% extends \"layouts/base.html\" %}{% block body %}<p>{{ missing.field }}</p>{% endblock %}",
    )
    .unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_folder_of_templates_renders_concurrently() {
    let renderer = Arc::new(TemplateRenderer::from_dir(site()).unwrap());
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let renderer = renderer.clone();
            tokio::spawn(async move {
                renderer
                    .render("/", json!({"title": format!("<{i}>")}))
                    .await
                    .unwrap()
            })
        })
        .collect();
    for (i, task) in tasks.into_iter().enumerate() {
        let html = task.await.unwrap();
        assert!(html.contains(&format!("<h1>&lt;{i}&gt;</h1>")), "{html}");
        assert!(html.contains("<nav>"));
    }
}

struct Pages;

#[controller]
impl Pages {
    #[get("/", prerender)]
    async fn home(&self, ssr: Ssr) -> Result<Html<String>, RenderError> {
        ssr.page("/", json!({"title": "Home"})).await
    }

    #[get("/docs", prerender)]
    async fn docs(&self, ssr: Ssr) -> Result<Html<String>, RenderError> {
        ssr.page("/docs", json!({"title": "Docs"})).await
    }

    #[get("/about", prerender)]
    async fn about(&self, ssr: Ssr) -> Result<Html<String>, RenderError> {
        ssr.page("/", json!({"title": "About"})).await
    }

    #[get("/nowhere")]
    async fn nowhere(&self, ssr: Ssr) -> Result<Html<String>, RenderError> {
        ssr.page("/nowhere", json!({})).await
    }
}

pub fn app() -> App {
    App::new()
        .renderer(TemplateRenderer::from_dir(site()).unwrap())
        .controller(Pages)
}

#[tokio::test]
async fn handlers_render_through_the_ssr_extractor() {
    let server = TestServer::start(app()).await;
    let response = server.request("GET", "/", None, "").await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/html; charset=utf-8"
    );
    assert!(text(response).await.contains("<h1>Home</h1>"));
    // A template error is a 500 that does not leak template details.
    let (status, body) = server.get_json("/docs").await;
    assert_eq!(status, 500);
    assert!(!body.to_string().contains("docs/index.html"), "{body}");
    let (status, _) = server.get_json("/nowhere").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_route_without_a_renderer_says_so() {
    let server = TestServer::start(App::new().controller(Pages)).await;
    let (status, body) = server.get_json("/").await;
    assert_eq!(status, 500);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("App::renderer")
    );
}
