//! `POST /api/consignments/{id}/decisions` (an officer decides, with a mandatory justification; audited) and
//! `GET /api/consignments/{id}/decisions`.

use aduana_store::{Decision, DecisionKind, NewAuditEntry, NewDecision};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::api::consignments::visible_consignment;
use crate::auth::{Caller, access};
use crate::error::{ApiError, ErrorCode};
use crate::json::{ApiJson, ApiPath};
use crate::state::AppState;

/// What an officer decides.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum DecisionKindView {
    Release,
    DocumentaryCheck,
    Examine,
    DoNotLoad,
    RequestInformation,
}

impl From<DecisionKindView> for DecisionKind {
    fn from(kind: DecisionKindView) -> DecisionKind {
        match kind {
            DecisionKindView::Release => DecisionKind::Release,
            DecisionKindView::DocumentaryCheck => DecisionKind::DocumentaryCheck,
            DecisionKindView::Examine => DecisionKind::Examine,
            DecisionKindView::DoNotLoad => DecisionKind::DoNotLoad,
            DecisionKindView::RequestInformation => DecisionKind::RequestInformation,
        }
    }
}

/// A decision to record.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DecisionRequest {
    kind: DecisionKindView,
    /// Why: mandatory, not blank.
    justification: String,
}

/// A recorded decision.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct DecisionView {
    id: i64,
    consignment_id: i64,
    #[schema(value_type = DecisionKindView)]
    kind: DecisionKind,
    justification: String,
    officer: String,
    #[schema(value_type = String, format = DateTime)]
    decided_at: aduana_store::Timestamp,
}

/// The decisions on a consignment.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct DecisionList {
    decisions: Vec<DecisionView>,
}

impl From<Decision> for DecisionView {
    fn from(d: Decision) -> DecisionView {
        DecisionView {
            id: d.id,
            consignment_id: d.consignment_id,
            kind: d.kind,
            justification: d.justification,
            officer: d.officer,
            decided_at: d.decided_at,
        }
    }
}

/// Records a decision on a consignment version.
#[utoipa::path(
    post, path = "/api/consignments/{id}/decisions", tag = "decisions", params(("id" = i64, Path)),
    request_body = DecisionRequest,
    responses((status = 201, body = DecisionView), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn record(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(request): ApiJson<DecisionRequest>,
) -> Result<(StatusCode, Json<DecisionView>), ApiError> {
    caller.require(access::DECIDE)?;
    let justification = request.justification.trim().to_owned();
    if justification.is_empty() {
        return Err(ApiError::new(ErrorCode::InvalidBody, "expected a justification, found a blank one")
            .at(aduana_core::Location::file("<body>")
                .with_path(aduana_core::LocationPath::JsonPointer { pointer: "/justification".to_owned() })));
    }
    visible_consignment(&state, &caller, id).await?;
    let decision =
        NewDecision { consignment_id: id, kind: request.kind.into(), justification, officer: caller.user.name.clone() };
    let audit = NewAuditEntry {
        actor: caller.user.name.clone(),
        action: "decision.record".to_owned(),
        subject: format!("consignment/{id}"),
        details: serde_json::json!({"kind": decision.kind.as_str(), "justification": decision.justification}),
    };
    let recorded = state.store().record_decision(&decision, &audit).await?;
    Ok((StatusCode::CREATED, Json(recorded.into())))
}

/// Lists the decisions on a consignment version.
#[utoipa::path(
    get, path = "/api/consignments/{id}/decisions", tag = "decisions", params(("id" = i64, Path)),
    responses((status = 200, body = DecisionList), (status = 404, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<DecisionList>, ApiError> {
    caller.require(access::READ_DECISIONS)?;
    visible_consignment(&state, &caller, id).await?;
    let decisions = state.store().decisions(id).await?;
    Ok(Json(DecisionList { decisions: decisions.into_iter().map(DecisionView::from).collect() }))
}
