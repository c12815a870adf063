//! Examination orders and results: `POST /api/consignments/{id}/examinations` (order), `GET` the same (list),
//! `GET /api/examinations/{id}` and `POST /api/examinations/{id}/result`. Results are restricted enforcement
//! records: every read is appended to the audit log. A `found` result opens a seizure case (`api/cases.rs`).

use aduana_store::{
    ExaminationOrder, ExaminationOutcome, ExaminationResult, NewAuditEntry, NewExaminationOrder, NewExaminationResult,
};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::api::consignments::visible_consignment;
use crate::api::record_audit as audit_read;
use crate::auth::{Caller, access};
use crate::error::{ApiError, ErrorCode};
use crate::json::{ApiJson, ApiPath};
use crate::state::AppState;

/// An examination to order.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct OrderRequest {
    /// What to look for and how: not blank.
    instructions: String,
}

/// Whether anything was found.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum OutcomeView {
    Found,
    NotFound,
}

/// The result of an examination.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResultRequest {
    outcome: OutcomeView,
    /// What was found (or checked): not blank.
    findings: String,
    /// With `found`: the commodity area of the seizure case the result opens (default `other`).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    commodity_area: Option<aduana_enforcement::CommodityArea>,
    /// With `found`: how the goods were hidden (default `other`).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    concealment: Option<aduana_enforcement::Concealment>,
}

/// A recorded result.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ResultView {
    #[schema(value_type = OutcomeView)]
    outcome: ExaminationOutcome,
    findings: String,
    recorded_by: String,
    #[schema(value_type = String, format = DateTime)]
    recorded_at: aduana_store::Timestamp,
}

/// An examination order with its result once recorded.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct OrderView {
    id: i64,
    consignment_id: i64,
    ordered_by: String,
    instructions: String,
    #[schema(value_type = String, format = DateTime)]
    ordered_at: aduana_store::Timestamp,
    result: Option<ResultView>,
    /// The seizure case a `found` result opened (only in the answer to recording it).
    #[serde(skip_serializing_if = "Option::is_none")]
    case_id: Option<i64>,
}

/// The examinations of a consignment.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct OrderList {
    examinations: Vec<OrderView>,
}

impl From<ExaminationOrder> for OrderView {
    fn from(o: ExaminationOrder) -> OrderView {
        OrderView {
            id: o.id,
            consignment_id: o.consignment_id,
            ordered_by: o.ordered_by,
            instructions: o.instructions,
            ordered_at: o.ordered_at,
            result: o.result.map(|r: ExaminationResult| ResultView {
                outcome: r.outcome,
                findings: r.findings,
                recorded_by: r.recorded_by,
                recorded_at: r.recorded_at,
            }),
            case_id: None,
        }
    }
}

fn not_blank(value: &str, field: &str) -> Result<String, ApiError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(ApiError::new(
            ErrorCode::InvalidBody,
            format!("expected a value for `{field}`, found a blank one"),
        )
        .at(aduana_core::Location::file("<body>")
            .with_path(aduana_core::LocationPath::JsonPointer { pointer: format!("/{field}") })));
    }
    Ok(value.to_owned())
}

fn entry(caller: &Caller, action: &str, subject: String, details: serde_json::Value) -> NewAuditEntry {
    NewAuditEntry { actor: caller.user.name.clone(), action: action.to_owned(), subject, details }
}

/// Orders an examination of a consignment version.
#[utoipa::path(
    post, path = "/api/consignments/{id}/examinations", tag = "examinations", params(("id" = i64, Path)),
    request_body = OrderRequest,
    responses((status = 201, body = OrderView), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn order(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(request): ApiJson<OrderRequest>,
) -> Result<(StatusCode, Json<OrderView>), ApiError> {
    caller.require(access::EXAMINE)?;
    let instructions = not_blank(&request.instructions, "instructions")?;
    visible_consignment(&state, &caller, id).await?;
    let order = NewExaminationOrder { consignment_id: id, ordered_by: caller.user.name.clone(), instructions };
    let audit = entry(
        &caller,
        "examination.order",
        format!("consignment/{id}"),
        serde_json::json!({"instructions": order.instructions}),
    );
    let stored = state.store().order_examination(&order, &audit).await?;
    Ok((StatusCode::CREATED, Json(stored.into())))
}

/// Records the result of an examination.
#[utoipa::path(
    post, path = "/api/examinations/{id}/result", tag = "examinations", params(("id" = i64, Path)),
    request_body = ResultRequest,
    responses((status = 201, body = OrderView), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn record_result(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(request): ApiJson<ResultRequest>,
) -> Result<(StatusCode, Json<OrderView>), ApiError> {
    caller.require(access::EXAMINE)?;
    let findings = not_blank(&request.findings, "findings")?;
    let outcome = match request.outcome {
        OutcomeView::Found => ExaminationOutcome::Found,
        OutcomeView::NotFound => ExaminationOutcome::NotFound,
    };
    let result = NewExaminationResult { outcome, findings, recorded_by: caller.user.name.clone() };
    let audit = entry(
        &caller,
        "examination.result",
        format!("examination/{id}"),
        serde_json::json!({"outcome": outcome.as_str(), "findings": result.findings}),
    );
    let details = FoundDetails {
        commodity_area: request.commodity_area.unwrap_or(aduana_enforcement::CommodityArea::Other),
        concealment: request.concealment.unwrap_or(aduana_enforcement::Concealment::Other),
        ..FoundDetails::default()
    };
    let (stored, case_id) =
        record_and_open_case(&state, id, &result, &audit, &details, &aduana_store::ResultDetails::default()).await?;
    let mut view = OrderView::from(stored);
    view.case_id = case_id;
    Ok((StatusCode::CREATED, Json(view)))
}

/// What the officer says about a find beyond the findings, for the case it opens.
#[derive(Debug, Clone)]
pub(crate) struct FoundDetails {
    pub(crate) commodity_area: aduana_enforcement::CommodityArea,
    pub(crate) concealment: aduana_enforcement::Concealment,
    /// Where exactly the goods were hidden (free text; the case's concealment details).
    pub(crate) concealment_details: String,
    /// The quantity as the officer wrote it (free text; added to the case's narrative).
    pub(crate) quantity: String,
}

impl Default for FoundDetails {
    fn default() -> FoundDetails {
        FoundDetails {
            commodity_area: aduana_enforcement::CommodityArea::Other,
            concealment: aduana_enforcement::Concealment::Other,
            concealment_details: String::new(),
            quantity: String::new(),
        }
    }
}

/// Records the result of an examination and, when something was found, opens its seizure case (issue #7: a
/// positive result creates a seizure record) — in one store transaction, so that a failure leaves neither. The API
/// and the workbench's result form both go through here. Returns the stored order and the case it opened.
pub(crate) async fn record_and_open_case(
    state: &AppState,
    id: i64,
    result: &NewExaminationResult,
    audit: &NewAuditEntry,
    details: &FoundDetails,
    recorded: &aduana_store::ResultDetails<'_>,
) -> Result<(ExaminationOrder, Option<i64>), ApiError> {
    let case = match result.outcome {
        ExaminationOutcome::Found => Some(case_of_find(state, id, result, details).await?),
        ExaminationOutcome::NotFound => None,
    };
    let (stored, case) =
        state.store().record_examination_result_with_case(id, result, audit, case.as_ref(), recorded).await?;
    Ok((stored, case.map(|c| c.id)))
}

/// Returns the seizure case of a positive result, linked to the consignment and the examination.
async fn case_of_find(
    state: &AppState,
    id: i64,
    result: &NewExaminationResult,
    details: &FoundDetails,
) -> Result<aduana_enforcement::Case, ApiError> {
    let order = state.store().examination(id).await?.ok_or_else(|| ApiError::not_found("examination", id))?;
    if order.result.is_some() {
        return Err(ApiError::new(ErrorCode::Conflict, format!("examination order {id} already has a result")));
    }
    let consignment = state
        .store()
        .consignment(order.consignment_id)
        .await?
        .ok_or_else(|| ApiError::not_found("consignment", order.consignment_id))?;
    let find = aduana_enforcement::Find {
        date: chrono::Utc::now().date_naive(),
        findings: result.findings.trim().to_owned(),
        commodity_area: details.commodity_area,
        concealment: details.concealment,
    };
    let mut case = aduana_enforcement::case_from_examination(&consignment.consignment, consignment.id, order.id, &find);
    case.concealment_details = details.concealment_details.trim().to_owned();
    if !details.quantity.trim().is_empty() {
        case.narrative.push_str(&format!("; quantity reported: {}", details.quantity.trim()));
    }
    Ok(case)
}

/// Lists the examinations of a consignment version (an audited read).
#[utoipa::path(
    get, path = "/api/consignments/{id}/examinations", tag = "examinations", params(("id" = i64, Path)),
    responses((status = 200, body = OrderList), (status = 404, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<OrderList>, ApiError> {
    caller.require(access::READ_EXAMINATIONS)?;
    visible_consignment(&state, &caller, id).await?;
    let orders = state.store().examinations(id).await?;
    audit_read(
        &state,
        &caller,
        "examination.read",
        format!("consignment/{id}"),
        serde_json::json!({"count": orders.len()}),
    )
    .await?;
    Ok(Json(OrderList { examinations: orders.into_iter().map(OrderView::from).collect() }))
}

/// Returns one examination order with its result (an audited read).
#[utoipa::path(
    get, path = "/api/examinations/{id}", tag = "examinations", params(("id" = i64, Path)),
    responses((status = 200, body = OrderView), (status = 404, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn get(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<OrderView>, ApiError> {
    caller.require(access::READ_EXAMINATIONS)?;
    let order = state.store().examination(id).await?.ok_or_else(|| ApiError::not_found("examination", id))?;
    audit_read(&state, &caller, "examination.read", format!("examination/{id}"), serde_json::json!({})).await?;
    Ok(Json(order.into()))
}
