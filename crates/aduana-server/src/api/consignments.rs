//! `POST /api/consignments` (submit in any format the server reads, get the assessments back),
//! `GET /api/consignments` and `GET /api/consignments/{id}`.

use aduana_core::{Consignment, Location};
use aduana_formats::Format;
use aduana_store::{ConsignmentFilter, Role, StoredAssessment, StoredConsignment, SubmissionOutcome};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::api::{AssessmentSchema, ConsignmentSchema};
use crate::auth::{Caller, access};
use crate::error::{ApiError, ErrorCode};
use crate::json::{ApiPath, ApiQuery, body_rejection};
use crate::state::AppState;
use crate::submission;

/// Query parameters of a submission.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub(crate) struct SubmitQuery {
    /// The body's format (`json`, `jsonl`, or any other format name the server reads); without it the format
    /// comes from `Content-Type` (`application/json`, `application/x-ndjson`) or, failing that, from the content.
    format: Option<String>,
}

/// The answer to a submission: one entry per consignment, in the order submitted.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct SubmissionResponse {
    submissions: Vec<SubmissionView>,
}

/// What happened to one submitted consignment.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct SubmissionView {
    /// `created` (new reference), `unchanged` (same content as stored: the stored assessment is returned) or
    /// `amended` (different content: stored as the next version and assessed anew).
    #[schema(value_type = String, example = "created")]
    outcome: SubmissionOutcome,
    /// The id of the stored consignment version.
    consignment_id: i64,
    /// The reference.
    reference: String,
    /// The version (1 for the first submission).
    version: i64,
    /// The assessment.
    #[schema(value_type = AssessmentSchema)]
    assessment: aduana_core::Assessment,
}

/// A stored consignment version.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ConsignmentView {
    id: i64,
    reference: String,
    submitter: String,
    version: i64,
    #[schema(value_type = String, format = DateTime)]
    received_at: aduana_store::Timestamp,
    #[schema(value_type = ConsignmentSchema)]
    consignment: Consignment,
}

/// A stored consignment version with its assessment.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ConsignmentDetail {
    #[serde(flatten)]
    consignment: ConsignmentView,
    #[schema(value_type = Option<AssessmentSchema>)]
    assessment: Option<aduana_core::Assessment>,
    #[schema(value_type = Option<String>, format = DateTime)]
    assessed_at: Option<aduana_store::Timestamp>,
}

/// A list of consignments.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ConsignmentList {
    consignments: Vec<ConsignmentView>,
}

/// Query parameters of `GET /api/consignments`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub(crate) struct ListQuery {
    /// Only this reference.
    reference: Option<String>,
    /// Only ids below this: pass the last `id` of a page to get the next one.
    before_id: Option<i64>,
    /// At most this many (default 100, at most 1000).
    limit: Option<u32>,
}

impl From<StoredConsignment> for ConsignmentView {
    fn from(c: StoredConsignment) -> ConsignmentView {
        ConsignmentView {
            id: c.id,
            reference: c.reference,
            submitter: c.submitter,
            version: c.version,
            received_at: c.received_at,
            consignment: c.consignment,
        }
    }
}

fn submission_view(outcome: SubmissionOutcome, stored: StoredAssessment) -> SubmissionView {
    SubmissionView {
        outcome,
        consignment_id: stored.consignment_id,
        reference: stored.reference,
        version: stored.version,
        assessment: stored.assessment,
    }
}

/// Submits consignments; answers with their assessments.
#[utoipa::path(
    post, path = "/api/consignments", tag = "consignments", params(SubmitQuery),
    request_body(content = ConsignmentSchema, description = "One consignment, an array of them, JSON Lines, or any format the server reads", content_type = "application/json"),
    responses(
        (status = 201, description = "Stored and assessed (some consignment was new or amended)", body = SubmissionResponse),
        (status = 200, description = "Every consignment was already stored with the same content", body = SubmissionResponse),
        (status = 422, description = "Invalid consignments, with located diagnostics", body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 413, body = crate::error::ErrorBody), (status = 415, body = crate::error::ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<SubmitQuery>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    caller.require(access::SUBMIT)?;
    let body = body.map_err(|r| body_rejection(&r))?;
    let format = submission_format(query.format.as_deref(), &headers, &body)?;
    state.refresh_risk_config().await?;
    let limits = state.inner.settings.limits.clone();
    let assessor = state.inner.assessor.clone();
    let batch = tokio::task::spawn_blocking(move || {
        let consignments = submission::read_document(format, &body, "<body>", &limits)?;
        submission::assess(&*assessor, consignments)
    })
    .await
    .map_err(|e| ApiError::internal(&e))?
    .inspect_err(|e| {
        if matches!(e.code, ErrorCode::InvalidConsignment | ErrorCode::NoConsignment) {
            state.inner.metrics.rejected_submission();
        }
    })?;
    let submitted = state.store().submit(&caller.user.name, batch).await?;
    let mut any_stored = false;
    let submissions = submitted
        .into_iter()
        .map(|s| {
            state.inner.metrics.submitted(s.outcome);
            any_stored |= s.outcome != SubmissionOutcome::Unchanged;
            submission_view(s.outcome, s.assessment)
        })
        .collect();
    let status = if any_stored { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(SubmissionResponse { submissions })).into_response())
}

/// Chooses the format: `?format=`, else `Content-Type`, else the content itself.
fn submission_format(name: Option<&str>, headers: &HeaderMap, body: &[u8]) -> Result<Format, ApiError> {
    let known = || Format::ALL.iter().map(|f| f.name()).collect::<Vec<_>>().join(", ");
    if let Some(name) = name {
        return Format::from_name(name).ok_or_else(|| {
            ApiError::new(ErrorCode::UnsupportedFormat, format!("expected a format name ({}), found `{name}`", known()))
                .at(Location::file("<query>")
                    .with_path(aduana_core::LocationPath::Field { field: "format".to_owned() }))
        });
    }
    let mime = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase());
    match mime.as_deref() {
        Some("application/json") => return Ok(Format::Json),
        Some("application/x-ndjson" | "application/jsonl" | "application/jsonlines") => return Ok(Format::JsonLines),
        _ => {}
    }
    submission::detect(body).ok_or_else(|| {
        ApiError::new(
            ErrorCode::UnsupportedFormat,
            format!("expected content in a format the server reads ({}); say which with `?format=`", known()),
        )
    })
}

/// Lists stored consignment versions, newest first; a submitter sees only its own.
#[utoipa::path(
    get, path = "/api/consignments", tag = "consignments", params(ListQuery),
    responses((status = 200, body = ConsignmentList), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<ConsignmentList>, ApiError> {
    caller.require(access::READ_CONSIGNMENTS)?;
    let filter = ConsignmentFilter {
        reference: query.reference,
        submitter: own_only(&caller),
        before_id: query.before_id,
        limit: query.limit.unwrap_or(0),
    };
    let found = state.store().consignments(&filter).await?;
    Ok(Json(ConsignmentList { consignments: found.into_iter().map(ConsignmentView::from).collect() }))
}

/// Returns one stored consignment version with its assessment.
#[utoipa::path(
    get, path = "/api/consignments/{id}", tag = "consignments", params(("id" = i64, Path, description = "Consignment version id")),
    responses((status = 200, body = ConsignmentDetail), (status = 404, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn get(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ConsignmentDetail>, ApiError> {
    caller.require(access::READ_CONSIGNMENTS)?;
    let consignment = visible_consignment(&state, &caller, id).await?;
    let assessment = state.store().assessment_of(id).await?;
    Ok(Json(ConsignmentDetail {
        consignment: consignment.into(),
        assessed_at: assessment.as_ref().map(|a| a.assessed_at),
        assessment: assessment.map(|a| a.assessment),
    }))
}

/// Returns the submitter to restrict reads to: the caller itself when it is a submitter.
pub(crate) fn own_only(caller: &Caller) -> Option<String> {
    (caller.user.role == Role::Submitter).then(|| caller.user.name.clone())
}

/// Returns a consignment the caller may see; one it may not see is reported as absent.
pub(crate) async fn visible_consignment(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<StoredConsignment, ApiError> {
    let found = state.store().consignment(id).await?;
    match found {
        Some(c) if own_only(caller).is_none_or(|me| me == c.submitter) => Ok(c),
        _ => Err(ApiError::not_found("consignment", id)),
    }
}
