//! `GET /api/assessments`: the assessment queue, filtered by lane, referral, score and time.

use aduana_core::{Lane, Referral};
use aduana_store::{AssessmentFilter, StoredAssessment};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};

use crate::api::AssessmentSchema;
use crate::api::consignments::own_only;
use crate::auth::{Caller, access};
use crate::error::ApiError;
use crate::json::ApiQuery;
use crate::state::AppState;

/// Query parameters of `GET /api/assessments`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub(crate) struct AssessmentQuery {
    /// Only this lane: `green`, `yellow`, `red`.
    #[param(value_type = Option<String>)]
    lane: Option<Lane>,
    /// Only those with this referral: `do-not-load`, `request-information`, `high-risk-screening`.
    #[param(value_type = Option<String>)]
    referral: Option<Referral>,
    /// Only those scoring at least this.
    min_score: Option<f64>,
    /// Only those assessed at or after this time (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    from: Option<aduana_store::Timestamp>,
    /// Only those assessed before this time (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    to: Option<aduana_store::Timestamp>,
    /// Only assessment ids below this: pass the last `id` of a page to get the next one.
    before_id: Option<i64>,
    /// At most this many (default 100, at most 1000).
    limit: Option<u32>,
}

/// A stored assessment.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct AssessmentView {
    id: i64,
    consignment_id: i64,
    reference: String,
    submitter: String,
    version: i64,
    #[schema(value_type = String, format = DateTime)]
    assessed_at: aduana_store::Timestamp,
    #[schema(value_type = AssessmentSchema)]
    assessment: aduana_core::Assessment,
}

/// A list of assessments.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct AssessmentList {
    assessments: Vec<AssessmentView>,
}

impl From<StoredAssessment> for AssessmentView {
    fn from(a: StoredAssessment) -> AssessmentView {
        AssessmentView {
            id: a.id,
            consignment_id: a.consignment_id,
            reference: a.reference,
            submitter: a.submitter,
            version: a.version,
            assessed_at: a.assessed_at,
            assessment: a.assessment,
        }
    }
}

/// Lists assessments, newest first.
#[utoipa::path(
    get, path = "/api/assessments", tag = "assessments", params(AssessmentQuery),
    responses((status = 200, body = AssessmentList), (status = 400, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<AssessmentQuery>,
) -> Result<Json<AssessmentList>, ApiError> {
    caller.require(access::READ_ASSESSMENTS)?;
    let filter = AssessmentFilter {
        lane: query.lane,
        referral: query.referral,
        min_score: query.min_score,
        from: query.from,
        to: query.to,
        submitter: own_only(&caller),
        before_id: query.before_id,
        limit: query.limit.unwrap_or(0),
    };
    let found = state.store().assessments(&filter).await?;
    Ok(Json(AssessmentList { assessments: found.into_iter().map(AssessmentView::from).collect() }))
}
