//! The runtime of [Armature](https://docs.rs/armature): thread pools and the
//! capabilities the macros expand to. Users depend on the `armature` facade;
//! this crate's items are re-exported there.

#![warn(missing_docs)]

pub(crate) mod aggregate;
pub mod app;
pub mod cache;
pub mod form;
pub mod http;
pub mod middleware;
pub mod pool;
pub mod queue;
#[cfg(feature = "redis")]
pub mod redis;
mod shutdown;
pub mod ssr;
pub mod validation;

pub use shutdown::Shutdown;

#[doc(hidden)]
pub mod __private;
