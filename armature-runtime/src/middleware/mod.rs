//! Middleware: members of a `pipeline![…]` and what runs them.
//!
//! Three kinds, declared with `#[middleware]`:
//!
//! - **independent** (`#[middleware(independent)]`) and **ordered**
//!   (`#[middleware(after(a, b))]`) take `&RequestHead` plus [`FromHead`]
//!   extractors and return `()`, a value `T` (provided to later members and
//!   handlers as `Ext<T>`), `Result<(), E>` or `Result<T, E>` with
//!   `E: IntoResponse`. `pipeline!` sorts them into stages at compile time;
//!   the members of a stage are polled together inside the request's task
//!   (no spawn, no allocation), stages run in order.
//! - **around** (`#[middleware]`) take `(Request, Next)` and return a
//!   `Response`; they wrap the stages in declaration order. A
//!   `tower::Layer` mounts as an around member with `tower(layer)`.
//!
//! A rejection ends the request with the rejection of the first rejecting
//! member in declaration order; the members after it in that stage are
//! dropped (cancelled) as soon as it is known.

mod around;
mod check;
pub(crate) mod member;
mod pipeline;
pub(crate) mod stage;
mod tower;

pub use around::{Around, Next, Request};
pub(crate) use check::check_route;
pub use check::{Step, TypeRef};
pub use member::{FromHead, Middleware};
pub use pipeline::Pipeline;
pub(crate) use pipeline::{DynPipeline, erase};
pub use tower::{NextService, TowerLayer};
