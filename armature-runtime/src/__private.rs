//! Exactly what generated code names, and nothing users should: the
//! facade re-exports this module as `armature::__private` (beside the
//! `pipeline_step!` macro, which only the macro crate can provide). Not
//! public API; it changes without notice.
//!
//! The helpers here (stage runners, rule checks, failure constructors) are
//! public items of private modules, so they are reachable only through
//! this path and never appear in the runtime's documented API.

pub use bytes;
pub use futures;
pub use rayon;
pub use serde_json;

pub use crate::validation::{
    AsyncValidate, CostEstimate, FieldPath, Unit, Validate, ValidationError, ValidationErrors,
    is_email, is_url, validate_adaptive,
};

/// What `#[aggregate]` expands to.
pub mod aggregate {
    pub use crate::aggregate::{Branch, Handoff, Lent, LentCopy, LentRef, Shared, Stopped, settle};
}

/// What `#[job]` expands to.
pub mod queue {
    pub use crate::queue::{
        Backoff, Handler, IntoJobResult, Job, JobId, JobOptions, Queue, QueueError,
    };
}

/// What `#[derive(Validate)]` expands to.
pub mod rules {
    pub use crate::validation::rules::*;
}

/// What `#[controller]` expands to.
pub mod http {
    pub use crate::http::{
        Controller, FromRequest, HandlerFuture, IntoResponse, Method, RequestContext, RequestHead,
        Response, RouteDef,
    };
}

/// What `#[middleware]` and `pipeline!` expand to.
pub mod middleware {
    pub use crate::middleware::member::{member, provide};
    pub use crate::middleware::stage::{Member, run_stage};
    pub use crate::middleware::{
        Around, FromHead, Middleware, Next, Pipeline, Request, Step, TowerLayer, TypeRef,
    };
}
