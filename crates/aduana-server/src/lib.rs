//! Aduana's HTTP API. [`app`] builds the router over an [`AppState`] (a [`aduana_store::Store`], an
//! [`Assessor`] and [`ServerSettings`]); the binary binds it to a socket. Every answer that is not a success has
//! the shape `{"error": {"code", "message", "location"}}` with a code from [`ErrorCode`]; every endpoint checks the
//! caller's role against [`auth::access`]; the OpenAPI document is generated from the handlers.

mod api;
mod assessor;
pub mod auth;
mod error;
pub mod exchange;
mod images;
mod intake;
mod json;
mod metrics;
mod openapi;
mod rate_limit;
mod seed;
mod state;
mod submission;
#[cfg(test)]
mod tests;
mod workbench;

use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{delete, get, post};

pub use api::users::valid_user_name;
pub use assessor::{Assessor, ScreenedName, Screener};
pub use error::{ApiError, ErrorCode};
pub use intake::{Intake, IntakeError, IntakeSettings, connect_intake};
pub use rate_limit::RatePolicy;
pub use seed::{RiskSeed, SeedReport, seed_risk_config};
pub use state::{AppState, CashSettings, ServerSettings, WorkbenchSettings};

/// Returns the router of the whole API.
pub fn app(state: AppState) -> Router {
    let max_body = state.inner.settings.max_body_bytes;
    Router::new()
        .route("/api/consignments", post(api::consignments::submit).get(api::consignments::list))
        .route("/api/consignments/{id}", get(api::consignments::get))
        .route("/api/consignments/{id}/decisions", post(api::decisions::record).get(api::decisions::list))
        .route("/api/consignments/{id}/examinations", post(api::examinations::order).get(api::examinations::list))
        .route("/api/examinations/{id}", get(api::examinations::get))
        .route("/api/examinations/{id}/result", post(api::examinations::record_result))
        .route("/api/assessments", get(api::assessments::list))
        .route("/api/exchange/groups", get(api::exchange::groups).post(api::exchange::create_group))
        .route("/api/exchange/groups/{group}/members", post(api::exchange::add_member))
        .route("/api/exchange/groups/{group}/members/{member}", delete(api::exchange::remove_member))
        .route("/api/exchange/inbox", get(api::exchange::inbox))
        .route("/api/exchange/messages", post(api::exchange::send))
        .route("/api/exchange/node", get(api::exchange::node))
        .route("/api/exchange/outbox", get(api::exchange::outbox))
        .route("/api/exchange/sent", get(api::exchange::sent))
        .route("/api/cases", post(api::cases::create).get(api::cases::search))
        .route("/api/cases/{id}", get(api::cases::get).put(api::cases::update))
        .route("/api/cases/{id}/assignment", post(api::cases::assign))
        .route("/api/cases/{id}/notes", post(api::cases::note))
        .route(
            "/api/cases/{id}/images",
            post(api::case_images::upload)
                .get(api::case_images::list)
                .layer(DefaultBodyLimit::max(state.inner.workbench.max_image_bytes)),
        )
        .route("/api/cases/{id}/images/{image}", get(api::case_images::get))
        .route("/api/cases/{id}/images/{image}/thumbnail", get(api::case_images::thumbnail))
        .route("/api/enforcement/entities", get(api::cases::entities))
        .route("/api/enforcement/export", get(api::cases::export))
        .route("/api/enforcement/import", post(api::cases::import))
        .route("/api/enforcement/links", get(api::cases::links))
        .route("/api/enforcement/statistics", get(api::cases::statistics))
        .route("/api/audit", get(api::audit::export))
        .route("/api/audit/verify", get(api::audit::verify))
        .route("/api/cash", post(api::cash::record).get(api::cash::list))
        .route("/api/cash/report", get(api::cash::report))
        .route("/api/cash/structuring", get(api::cash::structuring))
        .route("/api/cash/{id}", get(api::cash::get))
        .route("/api/cash/{id}/share", post(api::cash::share))
        .route("/api/login", post(api::session::login))
        .route("/api/logout", post(api::session::logout))
        .route("/api/me", get(api::session::me))
        .route("/api/users", post(api::users::create))
        .route("/api/profiles", get(api::profiles::list).post(api::profiles::create))
        .route("/api/profiles/{name}", get(api::profiles::get).put(api::profiles::edit))
        .route("/api/profiles/{name}/versions", get(api::profiles::versions))
        .route("/api/profiles/{name}/activate", post(api::profiles::activate))
        .route("/api/profiles/{name}/deactivate", post(api::profiles::deactivate))
        .route("/api/profiles/{name}/backtest", post(api::profiles::backtest))
        .route("/api/lists", get(api::lists::list))
        .route("/api/lists/{name}", get(api::lists::uploads).put(api::lists::upload))
        .route("/api/aeo", get(api::aeo::current).put(api::aeo::upload))
        .route("/api/aeo/{identifier}", get(api::aeo::lookup))
        .route("/health", get(api::service::health))
        .route("/metrics", get(api::service::metrics))
        .route("/openapi.json", get(api::service::openapi))
        .merge(workbench::routes())
        .fallback(api::service::no_route)
        .method_not_allowed_fallback(api::service::no_method)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(axum::middleware::from_fn_with_state(state.clone(), count_responses))
        .with_state(state)
}

/// Counts every response by status class and the time spent on it.
async fn count_responses(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let start = Instant::now();
    let response = next.run(request).await;
    let micros = u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX);
    state.inner.metrics.response(response.status().as_u16(), micros);
    response
}

/// Serves the API on a bound listener until `shutdown` completes, then lets requests in flight finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let background = tokio::spawn(workbench::notifications::run(state.clone()));
    let served = axum::serve(listener, app(state)).with_graceful_shutdown(shutdown).await;
    background.abort();
    served
}
