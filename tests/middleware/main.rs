//! Middleware: stages computed at compile time, members of a stage run
//! concurrently in the request's task, values flow through `Ext<T>`,
//! rejections are deterministic, tower layers mount, pipelines apply
//! app-wide and per controller.

#[path = "../support/mod.rs"]
mod support;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use armature::RequestContext;
use armature::middleware::Pipeline;
use armature::prelude::*;
use bytes::Bytes;
use tokio::time::Instant;

use support::http::TestServer;

fn request(path: &str) -> RequestContext {
    RequestContext::from_request(
        http::Request::builder()
            .uri(path)
            .header("authorization", "Bearer sesame")
            .body(Bytes::new())
            .unwrap(),
    )
}

async fn ok(_: RequestContext) -> Response {
    "ok".into_response()
}

// --- concurrency --------------------------------------------------------

static LOG: Mutex<Vec<(&str, u128)>> = Mutex::new(Vec::new());

fn log(name: &'static str, start: Instant) {
    LOG.lock()
        .unwrap()
        .push((name, start.elapsed().as_millis()));
}

thread_local! {
    static START: std::cell::Cell<Option<Instant>> = const { std::cell::Cell::new(None) };
}

fn started() -> Instant {
    START.with(|s| s.get().expect("START set by the test"))
}

#[middleware(independent)]
async fn slow_a(_: &RequestHead) {
    tokio::time::sleep(Duration::from_millis(50)).await;
    log("slow_a", started());
}

#[middleware(independent)]
async fn slow_b(_: &RequestHead) {
    tokio::time::sleep(Duration::from_millis(50)).await;
    log("slow_b", started());
}

#[middleware(independent)]
async fn slow_c(_: &RequestHead) {
    tokio::time::sleep(Duration::from_millis(50)).await;
    log("slow_c", started());
}

#[middleware(after(slow_a, slow_b, slow_c))]
async fn joined(_: &RequestHead) {
    log("joined", started());
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn three_independent_members_of_50ms_take_50ms_not_150() {
    let start = Instant::now();
    START.with(|s| s.set(Some(start)));
    let pipeline = Arc::new(pipeline![joined, slow_a, slow_b, slow_c]);
    let response = pipeline.run(request("/"), ok).await;
    assert_eq!(response.status(), 200);
    assert_eq!(start.elapsed(), Duration::from_millis(50));
    let log = LOG.lock().unwrap().clone();
    assert_eq!(
        log,
        [
            ("slow_a", 50),
            ("slow_b", 50),
            ("slow_c", 50),
            ("joined", 50)
        ]
    );
    // Stages as computed at compile time: the three in stage 1, `joined` in 2.
    let stages: Vec<(&str, u32)> = pipeline.steps().iter().map(|s| (s.name, s.stage)).collect();
    assert_eq!(
        stages,
        [("joined", 2), ("slow_a", 1), ("slow_b", 1), ("slow_c", 1)]
    );
}

// --- stages of a diamond, seen through `steps()` --------------------------

#[middleware(independent)]
async fn top(_: &RequestHead) {}
#[middleware(after(top))]
async fn left(_: &RequestHead) {}
#[middleware(after(top))]
async fn right(_: &RequestHead) {}
#[middleware(after(left, right))]
async fn bottom(_: &RequestHead) {}

#[test]
fn a_diamond_compiles_to_three_stages() {
    let stages: Vec<(&str, u32)> = pipeline![bottom, right, left, top]
        .steps()
        .iter()
        .map(|s| (s.name, s.stage))
        .collect();
    assert_eq!(
        stages,
        [("bottom", 3), ("right", 2), ("left", 2), ("top", 1)]
    );
}

// --- values through Ext<T> ---------------------------------------------

#[derive(Clone, Debug, PartialEq)]
struct RequestId(String);

#[derive(Clone, Debug, PartialEq)]
struct User {
    name: String,
    request: RequestId,
}

#[middleware(independent)]
async fn request_id(req: &RequestHead) -> RequestId {
    RequestId(req.header("x-request-id").unwrap_or("generated").to_owned())
}

#[middleware(after(request_id))]
async fn auth(req: &RequestHead, id: Ext<RequestId>) -> Result<User, HttpError> {
    match req.header("authorization") {
        Some("Bearer sesame") => Ok(User {
            name: "ali".into(),
            request: id.0,
        }),
        _ => Err(HttpError::unauthorized("missing or wrong bearer token")),
    }
}

#[middleware(after(auth))]
async fn audit(_: &RequestHead, user: Ext<User>, id: Ext<RequestId>) -> Result<(), HttpError> {
    assert_eq!(user.0.request, id.0);
    Ok(())
}

#[tokio::test]
async fn provided_values_reach_later_members_and_the_inner_handler() {
    let pipeline = Arc::new(pipeline![audit, auth, request_id]);
    let seen = Arc::new(Mutex::new(None));
    let seen2 = seen.clone();
    let response = pipeline
        .run(request("/"), move |ctx| async move {
            *seen2.lock().unwrap() = ctx.ext::<User>().cloned();
            "done".into_response()
        })
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        seen.lock().unwrap().clone(),
        Some(User {
            name: "ali".into(),
            request: RequestId("generated".into())
        })
    );
}

// --- rejection order and cancellation -----------------------------------

static LATE_FINISHED: AtomicBool = AtomicBool::new(false);
static LATE_DROPPED: AtomicUsize = AtomicUsize::new(0);

struct DropCount;
impl Drop for DropCount {
    fn drop(&mut self) {
        LATE_DROPPED.fetch_add(1, Ordering::SeqCst);
    }
}

#[middleware(independent)]
async fn reject_late(_: &RequestHead) -> Result<(), HttpError> {
    tokio::time::sleep(Duration::from_millis(30)).await;
    Err(HttpError::unauthorized("first in declaration order"))
}

#[middleware(independent)]
async fn reject_now(_: &RequestHead) -> Result<(), HttpError> {
    Err(HttpError::forbidden("rejected first in time"))
}

#[middleware(independent)]
async fn very_slow(_: &RequestHead) {
    let _guard = DropCount;
    tokio::time::sleep(Duration::from_millis(100)).await;
    LATE_FINISHED.store(true, Ordering::SeqCst);
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn the_first_rejection_in_declaration_order_wins_and_the_rest_is_cancelled() {
    let start = Instant::now();
    let reached = Arc::new(AtomicBool::new(false));
    let flag = reached.clone();
    // very_slow starts at 0 ms (it is before reject_now), then is dropped
    // mid-sleep when the outcome is known.
    let response = Arc::new(pipeline![reject_late, very_slow, reject_now])
        .run(request("/"), move |_| async move {
            flag.store(true, Ordering::SeqCst);
            "unreachable".into_response()
        })
        .await;
    // reject_now answered at 0 ms, but reject_late is declared first.
    assert_eq!(response.status(), 401);
    // Decided when reject_late finished, not when very_slow would have.
    assert_eq!(start.elapsed(), Duration::from_millis(30));
    assert!(!reached.load(Ordering::SeqCst), "the handler must not run");
    assert_eq!(
        LATE_DROPPED.load(Ordering::SeqCst),
        1,
        "very_slow was started, then dropped"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        !LATE_FINISHED.load(Ordering::SeqCst),
        "a cancelled member kept running"
    );
}

static NEVER_STARTED: AtomicUsize = AtomicUsize::new(0);

#[middleware(independent)]
async fn counts_starts(_: &RequestHead) {
    NEVER_STARTED.fetch_add(1, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(100)).await;
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_rejection_with_nothing_before_it_ends_the_stage_at_once() {
    // reject_now is declared first: nothing can win over it, so the stage
    // ends at once and the members after it are not even started.
    let start = Instant::now();
    let response = Arc::new(pipeline![reject_now, counts_starts])
        .run(request("/"), ok)
        .await;
    assert_eq!(response.status(), 403);
    assert_eq!(start.elapsed(), Duration::ZERO);
    assert_eq!(NEVER_STARTED.load(Ordering::SeqCst), 0);
}

// --- around members --------------------------------------------------------

static AROUND_LOG: Mutex<Vec<String>> = Mutex::new(Vec::new());

#[middleware]
async fn outer(req: Request, next: Next) -> Response {
    AROUND_LOG.lock().unwrap().push("outer in".into());
    let mut response = next.run(req).await;
    response
        .headers_mut()
        .insert("x-outer", "1".parse().unwrap());
    AROUND_LOG.lock().unwrap().push("outer out".into());
    response
}

#[middleware]
async fn inner_around(mut req: Request, next: Next) -> Response {
    AROUND_LOG.lock().unwrap().push("inner in".into());
    req.parts
        .headers
        .insert("x-seen-by", "inner_around".parse().unwrap());
    let response = next.run(req).await;
    AROUND_LOG.lock().unwrap().push("inner out".into());
    response
}

#[middleware(independent)]
async fn staged_sees_change(req: &RequestHead) -> Result<(), HttpError> {
    AROUND_LOG.lock().unwrap().push("stage".into());
    match req.header("x-seen-by") {
        Some("inner_around") => Ok(()),
        _ => Err(HttpError::internal("around member ran after the stages")),
    }
}

#[tokio::test]
async fn around_members_wrap_the_stages_in_declaration_order() {
    let response = Arc::new(pipeline![outer, staged_sees_change, inner_around])
        .run(request("/"), |_| async {
            AROUND_LOG.lock().unwrap().push("handler".into());
            "ok".into_response()
        })
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-outer"], "1");
    assert_eq!(
        *AROUND_LOG.lock().unwrap(),
        [
            "outer in",
            "inner in",
            "stage",
            "handler",
            "inner out",
            "outer out"
        ]
    );
}

// --- through a real server: app-wide, per controller, tower ------------------

/// Stamps every response with what the stage provided (taken from the
/// extensions the inner part of the pipeline filled in).
#[middleware]
async fn stamp(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let mut response = next.run(req).await;
    response
        .headers_mut()
        .insert("x-stamp", method.as_str().parse().unwrap());
    response
}

struct Admin;

#[controller("/admin", middleware = pipeline![auth, request_id])]
impl Admin {
    #[get("/whoami")]
    async fn whoami(&self, user: Ext<User>) -> String {
        format!("{} ({})", user.0.name, user.0.request.0)
    }
}

struct Open;

#[controller("/open")]
impl Open {
    #[get("/")]
    async fn index(&self) -> &'static str {
        "open"
    }
}

#[tokio::test]
async fn app_and_controller_pipelines_through_a_socket() {
    let app = App::new()
        .middleware(pipeline![tower(tower_http::cors::CorsLayer::permissive())])
        .controller(Admin)
        .controller(Open);
    let server = TestServer::start(app).await;
    let response = server.request("GET", "/open", None, "").await;
    assert_eq!(response.status(), 200);
    // The tower layer saw the request (CORS headers on every response)...
    let response = server
        .request_with(
            "GET",
            "/admin/whoami",
            &[
                ("origin", "https://example.com"),
                ("authorization", "Bearer sesame"),
                ("x-request-id", "r-42"),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    assert_eq!(support::http::text(response).await, "ali (r-42)");
    // ...and answers a preflight itself, before routing.
    let response = server
        .request_with(
            "OPTIONS",
            "/admin/whoami",
            &[
                ("origin", "https://example.com"),
                ("access-control-request-method", "GET"),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    assert!(
        response
            .headers()
            .contains_key("access-control-allow-methods")
    );
    // The controller's pipeline rejects without the token.
    let response = server.request("GET", "/admin/whoami", None, "").await;
    assert_eq!(response.status(), 401);
    server.handle.shutdown();
    server.stopped().await;
}

#[tokio::test]
async fn an_app_pipeline_also_wraps_404_and_405() {
    let app = App::new()
        .middleware(pipeline![stamp, request_id])
        .controller(Open);
    let server = TestServer::start(app).await;
    let response = server.request("GET", "/nowhere", None, "").await;
    assert_eq!(response.status(), 404);
    assert_eq!(response.headers()["x-stamp"], "GET");
    let response = server.request("DELETE", "/open", None, "").await;
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["x-stamp"], "DELETE");
    server.handle.shutdown();
    server.stopped().await;
}

// --- the bind-time Ext<T> check ---------------------------------------------

struct NeedsUser;

#[controller("/me")]
impl NeedsUser {
    #[get("/")]
    async fn me(&self, user: Ext<User>) -> String {
        user.0.name
    }
}

#[tokio::test]
async fn a_handler_taking_an_unprovided_ext_fails_bind_naming_it() {
    let err = App::new()
        .middleware(pipeline![request_id])
        .controller(NeedsUser)
        .bind("127.0.0.1:0")
        .await
        .err()
        .expect("bind must fail");
    assert_eq!(
        err.to_string(),
        "route GET /me: handler `NeedsUser::me` takes `Ext<User>`, but no middleware before it provides `User` (the middleware are: request_id)"
    );
}

#[tokio::test]
async fn the_app_pipeline_can_provide_what_a_controller_pipeline_takes() {
    // `who` (controller) takes Ext<RequestId> from request_id (app-wide).
    // (`after(x)` names a member of the same pipeline; across pipelines the
    // app-wide one runs first, and bind checks the types.)
    #[middleware(independent)]
    async fn who(_: &RequestHead, id: Ext<RequestId>) -> User {
        User {
            name: "who".into(),
            request: id.0,
        }
    }
    struct OnlyAuth;
    #[controller("/a", middleware = pipeline![who])]
    impl OnlyAuth {
        #[get("/")]
        async fn get(&self, user: Ext<User>) -> String {
            user.0.request.0
        }
    }
    let server = TestServer::start(
        App::new()
            .middleware(pipeline![request_id])
            .controller(OnlyAuth),
    )
    .await;
    let response = server
        .request_with(
            "GET",
            "/a",
            &[
                ("authorization", "Bearer sesame"),
                ("x-request-id", "from-app"),
            ],
        )
        .await;
    assert_eq!(support::http::text(response).await, "from-app");
    // Without the app pipeline, bind says what is missing.
    let err = App::new()
        .controller(OnlyAuth)
        .bind("127.0.0.1:0")
        .await
        .err()
        .expect("bind must fail");
    assert!(
        err.to_string()
            .contains("middleware `who` takes `Ext<RequestId>`, but no middleware before it provides `RequestId`"),
        "{err}"
    );
    server.handle.shutdown();
    server.stopped().await;
}

// --- a tower layer that changes the body type --------------------------------

struct Big;

#[controller("/big")]
impl Big {
    #[get("/")]
    async fn text(&self) -> String {
        "armature ".repeat(2000)
    }
}

#[tokio::test]
async fn a_compression_layer_rewrites_the_body() {
    let app = App::new()
        .middleware(pipeline![
            request_id,
            tower(tower_http::compression::CompressionLayer::new())
        ])
        .controller(Big);
    let server = TestServer::start(app).await;
    let response = server
        .request_with("GET", "/big", &[("accept-encoding", "gzip")])
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-encoding"], "gzip");
    let body = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    assert_eq!(&body[..2], &[0x1f, 0x8b], "gzip magic");
    assert!(body.len() < 18_000 / 10, "{} bytes", body.len());
    // Without accept-encoding the layer leaves the body alone.
    let response = server.request("GET", "/big", None, "").await;
    assert!(response.headers().get("content-encoding").is_none());
    assert_eq!(support::http::text(response).await.len(), 18_000);
    server.handle.shutdown();
    server.stopped().await;
}

// --- around members may insert extensions themselves ------------------------

#[derive(Clone)]
struct Tenant(&'static str);

#[middleware]
async fn tenant(mut req: Request, next: Next) -> Response {
    req.parts.extensions.insert(Tenant("acme"));
    next.run(req).await
}

struct Tenanted;

#[controller("/tenant")]
impl Tenanted {
    #[get("/")]
    async fn show(&self, tenant: Ext<Tenant>) -> &'static str {
        tenant.0.0
    }
}

#[tokio::test]
async fn an_ext_inserted_by_an_around_member_passes_bind_and_reaches_the_handler() {
    let server = TestServer::start(
        App::new()
            .middleware(pipeline![tenant])
            .controller(Tenanted),
    )
    .await;
    let response = server.request("GET", "/tenant", None, "").await;
    assert_eq!(support::http::text(response).await, "acme");
    server.handle.shutdown();
    server.stopped().await;
}

// --- the bind-time State<T> check ---------------------------------------------

#[derive(Clone)]
struct Quota(u32);

#[middleware(independent)]
async fn quota(_: &RequestHead, quota: State<Quota>) -> Result<(), HttpError> {
    match quota.0.0 {
        0 => Err(HttpError::new(StatusCode::TOO_MANY_REQUESTS, "no quota")),
        _ => Ok(()),
    }
}

struct Limits;

#[controller("/limits", middleware = pipeline![quota])]
impl Limits {
    #[get("/")]
    async fn show(&self, State(limit): State<u64>) -> String {
        limit.to_string()
    }
}

#[tokio::test]
async fn state_that_was_never_registered_fails_bind_naming_the_taker() {
    let err = App::new()
        .state(7u64)
        .controller(Limits)
        .bind("127.0.0.1:0")
        .await
        .err()
        .expect("bind must fail");
    assert_eq!(
        err.to_string(),
        "route GET /limits: middleware `quota` takes `State<Quota>`, but no `Quota` was registered: add `App::state(…)` with one"
    );
    let err = App::new()
        .state(Quota(1))
        .controller(Limits)
        .bind("127.0.0.1:0")
        .await
        .err()
        .expect("bind must fail");
    assert!(
        err.to_string()
            .contains("handler `Limits::show` takes `State<u64>`, but no `u64` was registered"),
        "{err}"
    );
    let server = TestServer::start(App::new().state(Quota(0)).state(7u64).controller(Limits)).await;
    let response = server.request("GET", "/limits", None, "").await;
    assert_eq!(response.status(), 429);
    server.handle.shutdown();
    server.stopped().await;
}
