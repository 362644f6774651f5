//! The request head: what middleware see, and what every extractor reads
//! besides the body.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use http::request::Parts;
use http::{HeaderMap, Method, Uri};

/// Values registered with `App::state`, by type.
#[derive(Default)]
pub(crate) struct StateMap(HashMap<TypeId, Box<dyn Any + Send + Sync>>);

impl StateMap {
    pub(crate) fn insert<T: Send + Sync + 'static>(&mut self, value: T) {
        self.0.insert(TypeId::of::<T>(), Box::new(value));
    }

    pub(crate) fn contains(&self, id: TypeId) -> bool {
        self.0.contains_key(&id)
    }

    pub(crate) fn get<T: 'static>(&self) -> Option<&T> {
        self.0
            .get(&TypeId::of::<T>())
            .and_then(|b| b.downcast_ref())
    }
}

/// A request without its body: method, URI, headers, the values middleware
/// provided (extensions), the peer's address and the application's state.
///
/// Independent and ordered middleware receive `&RequestHead`: several of
/// them read it at once, so none can change it. A value a middleware
/// returns is stored in the extensions after its stage, for later members
/// and handlers to take with `Ext<T>`.
pub struct RequestHead {
    /// Method, URI, headers, extensions.
    pub parts: Parts,
    peer: Option<SocketAddr>,
    state: Arc<StateMap>,
}

impl RequestHead {
    pub(crate) fn new(parts: Parts, peer: Option<SocketAddr>, state: Arc<StateMap>) -> Self {
        Self { parts, peer, state }
    }

    pub(crate) fn state_map(&self) -> Arc<StateMap> {
        self.state.clone()
    }

    /// The request method.
    pub fn method(&self) -> &Method {
        &self.parts.method
    }

    /// The request URI.
    pub fn uri(&self) -> &Uri {
        &self.parts.uri
    }

    /// The request path.
    pub fn path(&self) -> &str {
        self.parts.uri.path()
    }

    /// The request headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.parts.headers
    }

    /// A header's value, when present and visible ASCII.
    pub fn header(&self, name: impl http::header::AsHeaderName) -> Option<&str> {
        self.parts.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The client's address (`None` for requests built in-process).
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.peer
    }

    /// A value registered with `App::state`.
    pub fn state<T: 'static>(&self) -> Option<&T> {
        self.state.get::<T>()
    }

    /// A value a middleware provided for this request.
    pub fn ext<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.parts.extensions.get::<T>()
    }
}

impl std::fmt::Debug for RequestHead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestHead")
            .field("method", &self.parts.method)
            .field("uri", &self.parts.uri)
            .field("peer", &self.peer)
            .finish_non_exhaustive()
    }
}
