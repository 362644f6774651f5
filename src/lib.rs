//! # Armature
//!
//! A Rust web framework of procedural macros and a small runtime, built on
//! one promise: **parallelism done right by default**. Independent work runs
//! concurrently, CPU work runs on a compute pool and never blocks the async
//! runtime, and every claimed speed-up is measured by a bench in the repository.
//!
//! ```
//! use armature::prelude::*;
//!
//! #[derive(Validate)]
//! struct SignUp {
//!     #[validate(length(min = 3, max = 32), pattern = "^[a-z0-9_]+$")]
//!     username: String,
//!     #[validate(email)]
//!     email: String,
//!     #[validate(range(min = 13, max = 130))]
//!     age: u32,
//! }
//!
//! let errors = SignUp { username: "x".into(), email: "a@b@c".into(), age: 9 }
//!     .validate()
//!     .unwrap_err();
//! let paths: Vec<_> = errors.iter().map(|e| e.path.as_ref()).collect();
//! assert_eq!(paths, ["username", "email", "age"]);
//! ```
//!
//! # `#[derive(Validate)]` rules
//!
//! | rule | applies to | params on failure |
//! |---|---|---|
//! | `required` | `Option<T>` | — |
//! | `email` | strings: the HTML standard's valid e-mail address | — |
//! | `url` | strings: an absolute URL with a scheme and a host (WHATWG) | — |
//! | `length(min, max, equal)` | chars of a string, items of a collection | the bounds given |
//! | `range(min, max, exclusive_min, exclusive_max)` | numbers, or any [`validation::Ranged`] | the bounds given |
//! | `pattern = "regex"` | strings; the regex is checked at compile time | `pattern` |
//! | `contains = "…"`, `does_not_contain = "…"` | strings | `value` |
//! | `must_match = other_field` | any `PartialEq` field | `other` (the name, never a value) |
//! | `custom = path` | `fn(&T) -> Result<(), ValidationError>` | what the function adds |
//! | `custom_async = path` | `async fn(&T) -> Result<(), ValidationError>`, run by [`AsyncValidate`] only | what the function adds |
//! | `nested` | a type implementing [`Validate`] (also `Option`, `Vec`, `Box` of one) | the inner errors, under `field.inner` |
//! | `each(rules…)` | every item of a `Vec`, slice, array, set | paths `field[i]` |
//!
//! Every rule also has a parenthesized form taking `code = "…"` and
//! `message = "…"`: `email(code = "work_email")`, `pattern(regex = "…", message = "…")`,
//! `contains(value = "…")`, `must_match(other = field)`, `custom(function = path)`.
//! On an `Option<T>` field, rules other than `required` apply when it is `Some`.
//! Paths use serde's names (`#[serde(rename)]`, `#[serde(rename_all)]`,
//! `#[serde(flatten)]`). `#[validate(crate = "path")]` names a re-export of armature.
//!
//! # Middleware
//!
//! ```
//! use armature::prelude::*;
//!
//! #[derive(Clone)]
//! struct RequestId(String);
//! #[derive(Clone)]
//! struct CurrentUser(String);
//!
//! // Provides a value: later members and handlers take it as `Ext<RequestId>`.
//! #[middleware(independent)]
//! async fn request_id(req: &RequestHead) -> RequestId {
//!     RequestId(req.header("x-request-id").unwrap_or("generated").to_owned())
//! }
//!
//! // Runs in the same stage as `request_id`, concurrently: a rejection is
//! // any `IntoResponse` error.
//! #[middleware(independent)]
//! async fn maintenance(_req: &RequestHead, down: State<bool>) -> Result<(), HttpError> {
//!     if down.0 { Err(HttpError::new(StatusCode::SERVICE_UNAVAILABLE, "maintenance")) } else { Ok(()) }
//! }
//!
//! // A later stage: it needs the id.
//! #[middleware(after(request_id))]
//! async fn auth(req: &RequestHead, id: Ext<RequestId>) -> Result<CurrentUser, HttpError> {
//!     let _ = id;
//!     req.header("authorization")
//!         .map(|t| CurrentUser(t.to_owned()))
//!         .ok_or_else(|| HttpError::unauthorized("sign in"))
//! }
//!
//! // Around: sees the whole request and the response.
//! #[middleware]
//! async fn server_header(req: Request, next: Next) -> Response {
//!     let mut response = next.run(req).await;
//!     response.headers_mut().insert("server", "armature".parse().unwrap());
//!     response
//! }
//!
//! struct Account;
//!
//! #[controller("/account", middleware = pipeline![auth, request_id])]
//! impl Account {
//!     #[get("/")]
//!     async fn show(&self, user: Ext<CurrentUser>) -> String {
//!         user.0 .0
//!     }
//! }
//!
//! let app = App::new()
//!     .state(false)
//!     .middleware(pipeline![server_header, maintenance])
//!     .controller(Account);
//! ```
//!
//! `pipeline![…]` sorts its members into stages **at compile time**: a member
//! runs one stage after its latest `after(…)` dependency; the members of a
//! stage are polled together inside the request's task (no spawn, no
//! allocation), so two I/O-bound checks cost one round trip. Around members
//! (and `tower(layer)` for any `tower::Layer` whose service fits) wrap the
//! stages in declaration order. A rejection answers with the first rejecting
//! member in declaration order; the members after it are dropped.
//! Compile errors name the middleware: a cycle (with its path), `after(x)`
//! with `x` not in the pipeline, a duplicate member, `independent` with
//! `after`, an independent member taking `Request`, `&mut` or `Next`, and an
//! `Ext<T>` taken from a member of the same pipeline that does not run
//! before it. An `Ext<T>` that no pipeline provides (checked across the
//! app-wide and the controller's pipeline) fails `App::bind`, naming the
//! member or handler and the type — unless an around member runs before it
//! (arounds may insert extensions themselves): then `bind` logs a warning.
//! A `State<T>` taken by a middleware or a handler but never registered
//! with `App::state` fails `App::bind` too.
//!
//! `#[middleware]` defines, beside the function, a type and a macro of the
//! same name (what `pipeline!` reads): a middleware cannot share its name
//! with a module or type in scope, and is usable by pipelines of its own
//! crate.
//!
//! # `#[aggregate]`: independent awaits, joined
//!
//! Write the obvious sequential code; `#[aggregate]` on an `async fn`
//! (free function, `&self` method, generic or not) runs its independent
//! awaits concurrently, each starting as soon as the values it reads exist,
//! so the function takes the time of its critical path, not the sum:
//!
//! ```
//! use armature::prelude::*;
//! # #[derive(Debug)] pub struct Error;
//! # pub struct User { team_id: u64 }
//! # pub struct Services;
//! # impl Services {
//! #     async fn user(&self, _: u64) -> Result<User, Error> { Ok(User { team_id: 7 }) }
//! #     async fn posts(&self, _: u64) -> Result<Vec<String>, Error> { Ok(vec![]) }
//! #     async fn team(&self, id: u64) -> Result<String, Error> { Ok(id.to_string()) }
//! # }
//! #[aggregate]
//! async fn dashboard(svc: &Services, id: u64) -> Result<(User, Vec<String>, String), Error> {
//!     let user = svc.user(id).await?;
//!     let posts = svc.posts(id).await?;           // independent of `user`: runs with it
//!     let team = svc.team(user.team_id).await?;  // reads `user`: starts when it exists
//!     Ok((user, posts, team))
//! }
//! ```
//!
//! The rules (the macro sees tokens, not types, so each is conservative:
//! when unsure it orders, it never reorders):
//!
//! - **What joins**: runs of consecutive `let PAT = EXPR.await?;` and
//!   `let PAT = EXPR.await;` statements. A run where every statement needs
//!   the one before it is left exactly as written (no overhead).
//! - **What a statement reads**: every name in `EXPR` (receivers, field
//!   bases, arguments, macro arguments, `{name}` in format strings) that a
//!   statement of the run introduced, following shadowing. Such a value is
//!   lent to its readers: a copy when its type is `Copy`, a reference
//!   otherwise (`user.team_id`, `&user` and method calls work as written);
//!   a value read by one later statement only and named nowhere after the
//!   run is moved into it instead, as in the sequential code.
//! - **Errors**: `?` keeps its meaning: the first error (in time) returns
//!   from the function, converted by its `?`, and the other statements of
//!   the run are dropped; statements without `?` run to completion.
//!   `Option` functions work the same way.
//! - **Barriers** (kept as written, ending the run before them): any other
//!   statement (`println!(…);`, `let x = 1;`, an expression); a statement
//!   whose `EXPR` holds `?`, `return`, `break` or `continue` outside a
//!   closure (`let c = f(a?).await?;`), or a closure or async block naming a
//!   value of the run (`let d = g(|| b).await?;`), or a macro that does not
//!   parse as expressions and names a value of the run. Side effects keep
//!   their order relative to barriers.
//! - **Mutable resources**: a statement that may borrow something mutably
//!   — a method call on a `mut` binding, a `&mut` parameter or `&mut self`
//!   (`log.push(…)`), or `&mut x` — starts a new run when the current run
//!   already names that thing, and so does a statement naming something the
//!   run uses that way. The macro cannot see interior mutability: to keep
//!   the order of calls through a shared handle (a `RefCell`, a connection
//!   whose order matters), list it: `#[aggregate(sequential(conn))]` orders
//!   every statement naming `conn`.
//! - **Cost**: no spawn, no allocation per statement: the statements'
//!   futures are polled by one `try_join!` in the caller's task. A value
//!   lent by reference must be `Sync` for the function's future to be
//!   `Send`.
//!
//! Errors: `#[aggregate]` on a function that is not `async`, on anything
//! but a function, and an unknown option (with "did you mean").
//!
//! # Background jobs
//!
//! ```
//! use armature::prelude::*;
//!
//! #[derive(serde::Serialize, serde::Deserialize)]
//! struct Thumbnail { width: u32 }
//!
//! #[job(cpu_intensive, retries = 3)]          // a plain fn, run on the compute pool
//! fn make_thumbnail(job: Thumbnail) -> Result<(), JobError> {
//!     let _pixels = vec![0u8; job.width as usize * 3];
//!     Ok(())
//! }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let queue = Queue::memory();                // or Queue::redis(url), Queue::redis_cluster(nodes)
//! let id = make_thumbnail::enqueue(&queue, Thumbnail { width: 64 }).await.unwrap();
//! let shutdown = Shutdown::new();
//! let worker = tokio::spawn(
//!     Worker::new(queue.clone()).register(make_thumbnail).batch_size(20).run_until(shutdown.clone()),
//! );
//! # while queue.counts("make_thumbnail").await.unwrap().completed == 0 {
//! #     tokio::time::sleep(std::time::Duration::from_millis(5)).await;
//! # }
//! # let _ = id;
//! shutdown.shutdown();                        // finishes or gives back in-flight jobs
//! worker.await.unwrap().unwrap();
//! # }
//! ```
//!
//! `#[job]` takes `cpu_intensive` (required on a plain `fn`, refused on an
//! `async fn`), `queue = "name"` (default: the function's name), `retries =
//! N` (3), `backoff = "exponential" | "fixed"`, `timeout = "30s"` (async
//! handlers) and `batch = N`. An `async fn` handler may take a second
//! parameter, [`JobContext`] (id, attempt, queue, `extend(lease)`). The
//! function's name becomes a type: `Worker::register(name)` and
//! `name::enqueue(&queue, payload)`, `enqueue_in`, `enqueue_many`; the
//! handler itself is `name::run`. Delivery is at least once: see
//! [`queue`] for the lease semantics every backend shares.
//!
//! # The app without a socket
//!
//! [`App::build`] runs every check of `App::bind` and returns an
//! [`AppService`]: it answers `http::Request`s in process, through the same
//! middleware, router and handlers as a server would, and lists its routes
//! (with their `prerender` flag). Tests, static pre-rendering and embedding
//! in another server use it; [`App::bind`] serves the same service.
//!
//! ```
//! use armature::prelude::*;
//!
//! struct Pages;
//!
//! #[controller]
//! impl Pages {
//!     #[get("/about", prerender)]
//!     async fn about(&self) -> Html<&'static str> {
//!         Html("<h1>About</h1>")
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let app = App::new().controller(Pages).build().unwrap();
//! let response = app.handle(http::Request::get("/about").body(()).unwrap()).await;
//! assert_eq!(response.status(), 200);
//! assert!(app.routes().iter().any(|r| r.prerender && r.path == "/about"));
//! # }
//! ```
//!
//! A [`Shutdown`] token stops a server and any other long-running part that
//! holds a clone: `App::new().shutdown_on(token.clone())`.

pub use armature_macros::{Validate, aggregate, controller, job, middleware, pipeline};
pub use armature_runtime::app;
pub use armature_runtime::app::{App, AppError, AppService, RouteInfo};
pub use armature_runtime::cache;
pub use armature_runtime::cache::{Cache, MemoryConfig};
pub use armature_runtime::form;
pub use armature_runtime::form::{Multipart, SaveOptions, SavedFile};
pub use armature_runtime::http;
pub use armature_runtime::http::{
    Body, Controller, Ext, Form, FromRequest, HeaderMap, Html, HttpError, IntoResponse, Json,
    Method, Path, Query, RequestContext, RequestHead, Response, Server, ServerConfig, State,
    StatusCode, Uri, Valid,
};
pub use armature_runtime::middleware;
pub use armature_runtime::middleware::{Next, Request};
pub use armature_runtime::pool::{ParallelConfig, PoolError, compute, compute_pool};
pub use armature_runtime::queue;
pub use armature_runtime::queue::{JobContext, JobError, JobId, Queue, Worker};
pub use armature_runtime::ssr;
pub use armature_runtime::ssr::{Renderer, Ssr};
pub use armature_runtime::validation;
pub use armature_runtime::validation::{
    AsyncValidate, BatchReport, FieldError, FieldPath, Validate, ValidationError, ValidationErrors,
    validate_batch,
};
pub use armature_runtime::{Shutdown, pool};

/// The everyday names: `use armature::prelude::*;`.
pub mod prelude {
    pub use crate::{
        App, AsyncValidate, BatchReport, Ext, Form, FromRequest, HeaderMap, Html, HttpError,
        IntoResponse, JobContext, JobError, JobId, Json, Method, Multipart, Next, ParallelConfig,
        Path, Query, Queue, Request, RequestHead, Response, Shutdown, Ssr, State, StatusCode, Uri,
        Valid, Validate, ValidationError, ValidationErrors, Worker, aggregate, compute, controller,
        job, middleware, pipeline, validate_batch,
    };
    pub use armature_runtime::__private::bytes::Bytes;
}

/// What generated code names. Not public API: it changes without notice.
#[doc(hidden)]
pub mod __private {
    pub use armature_macros::pipeline_step;
    pub use armature_runtime::__private::*;
}
