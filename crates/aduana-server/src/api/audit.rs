//! `GET /api/audit` (the audit log as JSON Lines, for auditors; the export is itself audited) and
//! `GET /api/audit/verify` (walk the hash chain).

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::api::record_audit;
use crate::auth::{Caller, access};
use crate::error::ApiError;
use crate::json::ApiQuery;
use crate::state::AppState;

/// Query parameters of `GET /api/audit`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub(crate) struct ExportQuery {
    /// Only entries with a sequence number above this (default 0: from the start).
    after: Option<i64>,
    /// At most this many entries (default and maximum 100,000).
    limit: Option<u32>,
}

/// The result of walking the chain.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ChainView {
    /// `intact` or `broken`.
    status: String,
    /// Entries checked (when intact).
    entries: Option<i64>,
    /// The first broken entry (when broken).
    seq: Option<i64>,
    /// What is wrong with it.
    reason: Option<String>,
}

const MAX_EXPORT: u32 = 100_000;

/// Exports audit entries as JSON Lines, in chain order.
#[utoipa::path(
    get, path = "/api/audit", tag = "audit", params(ExportQuery),
    responses((status = 200, description = "One audit entry per line", content_type = "application/x-ndjson", body = String), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn export(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> Result<Response, ApiError> {
    caller.require(access::READ_AUDIT)?;
    let limit = query.limit.unwrap_or(MAX_EXPORT).min(MAX_EXPORT);
    let mut after = query.after.unwrap_or(0);
    // The export is recorded first, so that it appears in what it exports.
    record_audit(
        &state,
        &caller,
        "audit.export",
        "audit".to_owned(),
        serde_json::json!({"after": after, "limit": limit}),
    )
    .await?;
    let mut out = String::new();
    let mut left = limit;
    while left > 0 {
        let page = state.store().audit_entries(after, left.min(1000)).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        left -= page.len() as u32;
        for entry in &page {
            out.push_str(&serde_json::to_string(entry).map_err(|e| ApiError::internal(&e))?);
            out.push('\n');
        }
    }
    Ok(([(header::CONTENT_TYPE, "application/x-ndjson")], out).into_response())
}

/// Walks the audit chain and reports the first broken link.
#[utoipa::path(
    get, path = "/api/audit/verify", tag = "audit",
    responses((status = 200, body = ChainView), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn verify(State(state): State<AppState>, caller: Caller) -> Result<Json<ChainView>, ApiError> {
    caller.require(access::READ_AUDIT)?;
    let view = match state.store().verify_audit().await? {
        aduana_store::ChainStatus::Intact { entries } => {
            ChainView { status: "intact".to_owned(), entries: Some(entries), seq: None, reason: None }
        }
        aduana_store::ChainStatus::Broken { seq, reason } => {
            ChainView { status: "broken".to_owned(), entries: None, seq: Some(seq), reason: Some(reason) }
        }
    };
    Ok(Json(view))
}
