//! prerender_site into a real folder: the app's pages byte for byte as
//! its server sends them, failures reported, nothing outside the folder.

use armature::ssr::{
    FileLayout, PrerenderOptions, RenderErrorKind, TemplateRenderer, prerender_site,
};
use http_body_util::BodyExt;

use crate::support::http::TestServer;
use crate::{files_under, scratch};

fn quiet() -> PrerenderOptions {
    PrerenderOptions {
        progress: false,
        ..PrerenderOptions::default()
    }
}

#[tokio::test]
async fn the_apps_prerender_routes_are_byte_for_byte_what_it_serves() {
    let service = super::templates::app().build().unwrap();
    let routes = service.prerender_routes();
    assert_eq!(routes, ["/", "/docs", "/about"]);
    let out = scratch("app");
    let stats = prerender_site(&service, routes, &out, quiet())
        .await
        .unwrap();
    assert_eq!(stats.pages, 2, "{stats}");
    assert_eq!(stats.failures.len(), 1);
    assert_eq!(stats.failures[0].route, "/docs");
    assert_eq!(stats.failures[0].error.kind(), RenderErrorKind::Status);
    assert_eq!(files_under(&out), ["about/index.html", "index.html"]);

    let server = TestServer::start(super::templates::app()).await;
    for (route, file) in [("/", "index.html"), ("/about", "about/index.html")] {
        let response = server.request("GET", route, None, "").await;
        let served = response.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(std::fs::read(out.join(file)).unwrap(), served, "{route}");
    }
    assert_eq!(
        stats.bytes,
        files_under(&out)
            .iter()
            .map(|f| std::fs::metadata(out.join(f)).unwrap().len())
            .sum::<u64>()
    );
}

#[tokio::test]
async fn hostile_routes_are_refused_and_nothing_leaves_the_folder() {
    let parent = scratch("hostile");
    let out = parent.join("site");
    let renderer = TemplateRenderer::new()
        .template("index.html", "x")
        .unwrap()
        .route("/evil", "index.html");
    let routes = [
        "/",
        "/../escape",
        "/a/../../escape",
        "//etc/passwd",
        "relative",
        "/a\\..\\..\\escape",
        "/ok/../../escape",
    ];
    let stats = prerender_site(&renderer, routes, &out, quiet())
        .await
        .unwrap();
    assert_eq!(stats.pages, 1);
    assert_eq!(stats.failures.len(), 6);
    assert!(
        stats
            .failures
            .iter()
            .all(|f| f.error.kind() == RenderErrorKind::InvalidRoute)
    );
    assert_eq!(files_under(&parent), ["site/index.html"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_pages_render_and_a_failed_one_does_not_stop_the_rest() {
    let renderer = TemplateRenderer::new()
        .template("page.html", "<h1>{{ route }}</h1>")
        .unwrap()
        .template("broken.html", "{{ route.nope.deeper }}")
        .unwrap();
    let mut renderer = (0..500).fold(renderer, |r, i| r.route(format!("/p/{i}"), "page.html"));
    renderer = renderer.route("/broken", "broken.html");
    let mut routes: Vec<String> = (0..500).map(|i| format!("/p/{i}")).collect();
    routes.insert(250, "/broken".into());
    let out = scratch("many");
    let stats = prerender_site(
        &renderer,
        routes,
        &out,
        PrerenderOptions {
            layout: FileLayout::HtmlFiles,
            ..quiet()
        },
    )
    .await
    .unwrap();
    assert_eq!((stats.pages, stats.failures.len()), (500, 1), "{stats}");
    let message = stats.failures[0].error.message();
    assert!(
        message.contains("route `/broken`") && message.contains("broken.html"),
        "{message}"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("p/42.html")).unwrap(),
        "<h1>&#x2f;p&#x2f;42</h1>"
    );
    assert_eq!(files_under(&out).len(), 500, "no temporary files left");
    assert!(stats.pages_per_sec > 0.0);
}
