//! Routes as data: each is a method, a path and a handler, given once. The API's and the
//! operations endpoints' routers are built from their tables, and a test holds the tables
//! to the OpenAPI document both ways (every route documented, every documented route
//! served).

use axum::Router;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{MethodFilter, MethodRouter, on};

use super::AppState;

/// One route.
pub(super) struct Route {
    /// The HTTP method it answers (read by the test that holds the tables to the OpenAPI
    /// document; the router has it inside `handler`).
    #[cfg_attr(not(test), allow(dead_code))]
    method: Method,
    /// Its path, with `{parameters}` as axum and OpenAPI both write them.
    path: &'static str,
    handler: MethodRouter<AppState>,
}

/// A route answering `method` on `path` with `handler`.
pub(super) fn route<H, T>(method: Method, path: &'static str, handler: H) -> Route
where
    H: Handler<T, AppState>,
    T: 'static,
{
    let filter = MethodFilter::try_from(method.clone()).expect("a method axum can route");
    Route {
        method,
        path,
        handler: on(filter, handler),
    }
}

/// A router serving exactly `routes`.
pub(super) fn router(routes: Vec<Route>) -> Router<AppState> {
    routes
        .into_iter()
        .fold(Router::new(), |router, r| router.route(r.path, r.handler))
}

/// The method and path of each route, as the OpenAPI document names them (`get`, `post`).
#[cfg(test)]
pub(super) fn listed(routes: &[Route]) -> Vec<(String, String)> {
    routes
        .iter()
        .map(|r| (r.method.as_str().to_lowercase(), r.path.to_owned()))
        .collect()
}
