//! The typed model of a `#[controller]` impl block.

use proc_macro2::Span;
use syn::{Ident, Type};

/// Route attributes, in the order the errors list them.
pub const METHODS: &[&str] = &["get", "post", "put", "patch", "delete", "head", "options"];
/// Options a route attribute takes after its path.
pub const ROUTE_OPTIONS: &[&str] = &["prerender", "body_limit"];
/// Options of `#[controller(…)]` after its prefix.
pub const CONTROLLER_OPTIONS: &[&str] = &["middleware", "crate"];

pub struct Controller {
    /// The impl block, route attributes stripped: always emitted.
    pub item: syn::ItemImpl,
    pub krate: syn::Path,
    pub self_ty: Type,
    /// The type's name for route names (`Users::show`).
    pub type_name: String,
    pub routes: Vec<Route>,
    /// `middleware = pipeline![…]`: runs before every route's extractors.
    pub middleware: Option<syn::Expr>,
}

pub struct Route {
    /// `get`, `post`, …
    pub method: &'static str,
    /// Prefix + path, as the router will see it.
    pub full_path: String,
    pub prerender: bool,
    pub body_limit: Option<usize>,
    pub handler: Ident,
    pub args: Vec<Type>,
    pub output: Option<Type>,
    /// The route attribute: where a duplicate is reported.
    pub span: Span,
}
