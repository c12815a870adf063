//! Service endpoints without authentication: `GET /health`, `GET /metrics`, `GET /openapi.json`, and the
//! fallbacks that answer unknown routes in the API's error shape.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// The health answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Health {
    /// `ok` when the store answers.
    status: String,
    /// The versions of what assesses consignments.
    versions: std::collections::BTreeMap<String, String>,
}

/// Says whether the server and its store answer.
#[utoipa::path(get, path = "/health", tag = "service", responses((status = 200, body = Health), (status = 500, body = crate::error::ErrorBody)))]
pub(crate) async fn health(State(state): State<AppState>) -> Result<axum::Json<Health>, ApiError> {
    state.store().ping().await?;
    Ok(axum::Json(Health { status: "ok".to_owned(), versions: state.inner.assessor.versions() }))
}

/// Returns the server's counters in the Prometheus text format.
#[utoipa::path(get, path = "/metrics", tag = "service", responses((status = 200, content_type = "text/plain", body = String)))]
pub(crate) async fn metrics(State(state): State<AppState>) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.inner.metrics.render()).into_response()
}

/// Returns this API's OpenAPI document.
#[utoipa::path(get, path = "/openapi.json", tag = "service", responses((status = 200, content_type = "application/json", body = Object)))]
pub(crate) async fn openapi(State(state): State<AppState>) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], state.inner.openapi.clone()).into_response()
}

/// Answers a request for a route that does not exist.
pub(crate) async fn no_route() -> ApiError {
    ApiError::new(ErrorCode::NoRoute, "no such endpoint; `GET /openapi.json` lists them")
}

/// Answers a request with a method the route does not have.
pub(crate) async fn no_method() -> ApiError {
    ApiError::new(ErrorCode::NoRoute, "this endpoint does not take this method; `GET /openapi.json` lists them")
}
