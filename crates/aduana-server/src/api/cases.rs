//! Enforcement cases (nCEN, issue 8): `POST /api/cases` (create), `GET /api/cases` (full-text and faceted
//! search), `GET`/`PUT /api/cases/{id}`, the assignment workflow (`POST /api/cases/{id}/assignment`, `…/notes`),
//! and under `/api/enforcement/`: link analysis (`links`), persons and companies (`entities`), `statistics`, the
//! non-nominal CEN `export` (CSV or JSON) and the CSV `import` of historical seizures.
//!
//! Need-to-know: a restricted case is visible only to the users and roles it names — the store leaves the others
//! out of searches and links, `GET` answers `not_found` — and every read of a restricted case is audited. Every
//! change is audited by the store in the same transaction.

use aduana_core::{Location, LocationPath};
use aduana_enforcement::{
    Case, CommodityArea, Concealment, DetectionMethod, EntityKind, EntityRef, InvestigationStatus, Period,
};
use aduana_store::{CaseQuery, CaseSearch, Facets, StoredCase, Viewer};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::api::record_audit;
use crate::auth::{Caller, access};
use crate::error::{ApiError, ErrorCode};
use crate::json::{ApiJson, ApiPath, ApiQuery, body_rejection};
use crate::state::AppState;

/// The OpenAPI name of a case (the JSON layout is documented in `docs/enforcement.md`).
#[derive(Debug)]
pub(crate) struct CaseSchema;

impl utoipa::PartialSchema for CaseSchema {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::Object::new().into()
    }
}

impl utoipa::ToSchema for CaseSchema {
    fn name() -> std::borrow::Cow<'static, str> {
        "Case".into()
    }
}

/// A stored case.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct CaseView {
    id: i64,
    version: i64,
    created_by: String,
    #[schema(value_type = String, format = DateTime)]
    created_at: aduana_store::Timestamp,
    #[schema(value_type = String, format = DateTime)]
    updated_at: aduana_store::Timestamp,
    #[schema(value_type = CaseSchema)]
    case: Case,
}

impl From<StoredCase> for CaseView {
    fn from(s: StoredCase) -> CaseView {
        CaseView {
            id: s.id,
            version: s.version,
            created_by: s.created_by,
            created_at: s.created_at,
            updated_at: s.updated_at,
            case: s.case,
        }
    }
}

/// Search parameters; all optional, combined with AND.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct SearchQuery {
    /// Words that must all occur (commodity, person and company names, places, containers, narrative).
    q: Option<String>,
    /// A commodity area (`drugs`, `tobacco`, …).
    #[param(value_type = Option<String>)]
    commodity_area: Option<CommodityArea>,
    /// A detection method (`x_ray`, `dog`, …).
    #[param(value_type = Option<String>)]
    detection_method: Option<DetectionMethod>,
    /// A concealment method.
    #[param(value_type = Option<String>)]
    concealment: Option<Concealment>,
    /// A country on the route (ISO 3166 alpha-2).
    country: Option<String>,
    /// A year.
    year: Option<i64>,
    /// Cases per page (default 50, at most 1000).
    limit: Option<u32>,
    /// Matching cases to skip.
    offset: Option<u32>,
}

impl SearchQuery {
    fn to_query(&self) -> CaseQuery {
        CaseQuery {
            text: self.q.clone(),
            commodity_area: self.commodity_area,
            detection_method: self.detection_method,
            concealment: self.concealment,
            country: self.country.as_ref().map(|c| c.trim().to_ascii_uppercase()),
            year: self.year,
            limit: self.limit.unwrap_or(0),
            offset: self.offset.unwrap_or(0),
        }
    }
}

/// A page of search results with facet counts.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct SearchResponse {
    /// How many cases match.
    total: i64,
    cases: Vec<CaseView>,
    /// Counts per value of commodity area, detection method, concealment, country and year.
    #[schema(value_type = Object)]
    facets: Facets,
}

/// A changed case.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdateRequest {
    /// The version the change was made on; a different stored version is a conflict.
    version: Option<i64>,
    #[schema(value_type = CaseSchema)]
    case: Case,
}

/// Assigns the investigation.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AssignmentRequest {
    /// The officer's user name.
    officer: String,
}

/// A note on the investigation, optionally moving it to a new status.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NoteRequest {
    text: String,
    /// `assigned`, `in_progress`, `suspended` or `closed`.
    #[schema(value_type = Option<String>)]
    status: Option<InvestigationStatus>,
}

/// Link-analysis parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct LinksQuery {
    /// `person`, `company`, `address`, `phone`, `container`, `vehicle`, `vessel`, `flight` or `document`.
    kind: String,
    /// The value as written (it is normalised the way the index is).
    value: String,
}

/// The records within two hops, as a list and as a graph.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct LinksResponse {
    #[schema(value_type = Object)]
    start: EntityRef,
    /// Each linked case or consignment with its hop (1 or 2) and the entities it is linked through.
    #[schema(value_type = Vec<Object>)]
    records: Vec<aduana_enforcement::links::LinkedRecord>,
    /// Graph nodes (`id`, `kind`, `label`, `hop`).
    #[schema(value_type = Vec<Object>)]
    nodes: Vec<aduana_enforcement::links::Node>,
    /// Graph edges (`from` record, `to` entity).
    #[schema(value_type = Vec<Object>)]
    edges: Vec<aduana_enforcement::links::Edge>,
}

/// Entity-list parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct EntitiesQuery {
    /// The entity kind (`person`, `company`, …).
    kind: String,
    /// Words the name must contain.
    q: Option<String>,
    /// At most this many (default 50).
    limit: Option<u32>,
}

/// Persons, companies or other entities with how many records mention them.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct EntitiesResponse {
    #[schema(value_type = Vec<Object>)]
    entities: Vec<aduana_store::EntityCount>,
}

/// Statistics parameters: the search filters plus the period.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct StatisticsQuery {
    /// `month` (default) or `year`.
    period: Option<String>,
    #[param(value_type = Option<String>)]
    commodity_area: Option<CommodityArea>,
    country: Option<String>,
    year: Option<i64>,
}

/// Export parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExportQuery {
    /// `json` (default) or `csv`.
    format: Option<String>,
    /// Only this commodity area.
    #[param(value_type = Option<String>)]
    commodity_area: Option<CommodityArea>,
    /// Only this year.
    year: Option<i64>,
}

/// The outcome of an import.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ImportResponse {
    /// How many cases were created.
    created: usize,
    /// Their ids, in file order.
    ids: Vec<i64>,
}

fn viewer(caller: &Caller) -> Viewer {
    Viewer { user: caller.user.name.clone(), role: caller.user.role.as_str().to_owned() }
}

fn body_error(pointer: &str, message: String) -> ApiError {
    ApiError::new(ErrorCode::InvalidBody, message)
        .at(Location::file("<body>").with_path(LocationPath::JsonPointer { pointer: pointer.to_owned() }))
}

fn check(case: &Case, prefix: &str) -> Result<(), ApiError> {
    match case.problems().into_iter().next() {
        Some((pointer, message)) => Err(body_error(&format!("{prefix}{pointer}"), message)),
        None => Ok(()),
    }
}

/// Returns a case the caller may see, auditing the read when it is restricted; `not_found` otherwise.
pub(crate) async fn visible_case(state: &AppState, caller: &Caller, id: i64) -> Result<StoredCase, ApiError> {
    let found = state.store().case(id).await?;
    let Some(stored) = found else { return Err(ApiError::not_found("case", id)) };
    let restriction = &stored.case.restriction;
    if !restriction.admits(&caller.user.name, caller.user.role.as_str()) {
        return Err(ApiError::not_found("case", id));
    }
    if restriction.restricted {
        record_audit(state, caller, "case.read", format!("case/{id}"), serde_json::json!({"restricted": true})).await?;
    }
    Ok(stored)
}

/// Audits the restricted cases among those read.
async fn audit_restricted(state: &AppState, caller: &Caller, cases: &[StoredCase], how: &str) -> Result<(), ApiError> {
    let restricted: Vec<i64> = cases.iter().filter(|c| c.case.restriction.restricted).map(|c| c.id).collect();
    if restricted.is_empty() {
        return Ok(());
    }
    record_audit(state, caller, "case.read", "cases".to_owned(), serde_json::json!({"via": how, "ids": restricted}))
        .await
}

fn now_text() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Records a seizure or offence case.
#[utoipa::path(
    post, path = "/api/cases", tag = "cases", request_body = CaseSchema,
    responses((status = 201, body = CaseView), (status = 422, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(case): ApiJson<Case>,
) -> Result<(StatusCode, Json<CaseView>), ApiError> {
    caller.require(access::WRITE_CASES)?;
    check(&case, "")?;
    let mut stored = state.store().create_cases(&[case], &caller.user.name, "case.create").await?;
    let stored = stored.pop().ok_or_else(|| ApiError::new(ErrorCode::Internal, "no case was stored"))?;
    Ok((StatusCode::CREATED, Json(stored.into())))
}

/// Searches cases: full text and facets.
#[utoipa::path(
    get, path = "/api/cases", tag = "cases", params(SearchQuery),
    responses((status = 200, body = SearchResponse), (status = 400, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn search(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<SearchQuery>,
) -> Result<Json<SearchResponse>, ApiError> {
    caller.require(access::READ_CASES)?;
    let CaseSearch { total, cases, facets } = state.store().search_cases(&query.to_query(), &viewer(&caller)).await?;
    audit_restricted(&state, &caller, &cases, "search").await?;
    Ok(Json(SearchResponse { total, cases: cases.into_iter().map(CaseView::from).collect(), facets }))
}

/// Returns one case (a restricted one only to those it names; the read is audited).
#[utoipa::path(
    get, path = "/api/cases/{id}", tag = "cases", params(("id" = i64, Path)),
    responses((status = 200, body = CaseView), (status = 404, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn get(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<CaseView>, ApiError> {
    caller.require(access::READ_CASES)?;
    Ok(Json(visible_case(&state, &caller, id).await?.into()))
}

/// Replaces a case with a new version.
#[utoipa::path(
    put, path = "/api/cases/{id}", tag = "cases", params(("id" = i64, Path)), request_body = UpdateRequest,
    responses((status = 200, body = CaseView), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn update(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(request): ApiJson<UpdateRequest>,
) -> Result<Json<CaseView>, ApiError> {
    caller.require(access::WRITE_CASES)?;
    check(&request.case, "/case")?;
    visible_case(&state, &caller, id).await?;
    let stored =
        state.store().update_case(id, &request.case, request.version, &caller.user.name, "case.update").await?;
    Ok(Json(stored.into()))
}

/// Assigns (or reassigns) the case's investigation to an officer.
#[utoipa::path(
    post, path = "/api/cases/{id}/assignment", tag = "cases", params(("id" = i64, Path)), request_body = AssignmentRequest,
    responses((status = 200, body = CaseView), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn assign(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(request): ApiJson<AssignmentRequest>,
) -> Result<Json<CaseView>, ApiError> {
    caller.require(access::ASSIGN_CASES)?;
    let stored = visible_case(&state, &caller, id).await?;
    let mut case = stored.case;
    case.assign(&request.officer, &caller.user.name, &now_text()).map_err(|e| workflow_error(&e, "/officer"))?;
    let updated = state.store().update_case(id, &case, Some(stored.version), &caller.user.name, "case.assign").await?;
    Ok(Json(updated.into()))
}

/// Adds a note to the case's investigation, optionally changing its status.
#[utoipa::path(
    post, path = "/api/cases/{id}/notes", tag = "cases", params(("id" = i64, Path)), request_body = NoteRequest,
    responses((status = 200, body = CaseView), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn note(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(request): ApiJson<NoteRequest>,
) -> Result<Json<CaseView>, ApiError> {
    caller.require(access::WRITE_CASES)?;
    let stored = visible_case(&state, &caller, id).await?;
    let mut case = stored.case;
    case.add_note(&request.text, request.status, &caller.user.name, &now_text())
        .map_err(|e| workflow_error(&e, "/text"))?;
    let updated = state.store().update_case(id, &case, Some(stored.version), &caller.user.name, "case.note").await?;
    Ok(Json(updated.into()))
}

fn workflow_error(error: &aduana_enforcement::WorkflowError, pointer: &str) -> ApiError {
    match error {
        aduana_enforcement::WorkflowError::Blank(_) => body_error(pointer, error.to_string()),
        _ => ApiError::new(ErrorCode::Conflict, error.to_string()),
    }
}

fn invalid_query(parameter: &str, message: String) -> ApiError {
    ApiError::new(ErrorCode::InvalidQuery, message)
        .at(Location::file("<query>").with_path(LocationPath::Field { field: parameter.to_owned() }))
}

/// Everything within two hops of a person, company, address, phone, container, vehicle, vessel, flight or
/// document, across cases and consignments.
#[utoipa::path(
    get, path = "/api/enforcement/links", tag = "cases", params(LinksQuery),
    responses((status = 200, body = LinksResponse), (status = 400, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn links(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<LinksQuery>,
) -> Result<Json<LinksResponse>, ApiError> {
    caller.require(access::READ_CASES)?;
    let kind = EntityKind::parse(&query.kind).map_err(|m| invalid_query("kind", m))?;
    let start = EntityRef::new(kind, &query.value).ok_or_else(|| {
        invalid_query("value", format!("expected a {} to start from, found `{}`", kind.as_str(), query.value))
    })?;
    let mentions = state.store().mentions_around(kind, &start.key, &viewer(&caller)).await?;
    let links = aduana_enforcement::two_hops(&start, &mentions);
    record_audit(
        &state,
        &caller,
        "case.links",
        format!("{}/{}", kind.as_str(), start.key),
        serde_json::json!({"records": links.records.len()}),
    )
    .await?;
    Ok(Json(LinksResponse { start: links.start, records: links.records, nodes: links.nodes, edges: links.edges }))
}

/// Lists persons, companies or other entities by name, most mentioned first.
#[utoipa::path(
    get, path = "/api/enforcement/entities", tag = "cases", params(EntitiesQuery),
    responses((status = 200, body = EntitiesResponse), (status = 400, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn entities(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<EntitiesQuery>,
) -> Result<Json<EntitiesResponse>, ApiError> {
    caller.require(access::READ_CASES)?;
    let kind = EntityKind::parse(&query.kind).map_err(|m| invalid_query("kind", m))?;
    let entities = state.store().entities(kind, query.q.as_deref().unwrap_or(""), query.limit.unwrap_or(0)).await?;
    Ok(Json(EntitiesResponse { entities }))
}

/// Counts and quantities by commodity area, route, concealment, detection method and period.
#[utoipa::path(
    get, path = "/api/enforcement/statistics", tag = "cases", params(StatisticsQuery),
    responses((status = 200, body = Object), (status = 400, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn statistics(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<StatisticsQuery>,
) -> Result<Json<aduana_enforcement::Statistics>, ApiError> {
    caller.require(access::READ_CASES)?;
    let period = match query.period.as_deref() {
        None | Some("month") => Period::Month,
        Some("year") => Period::Year,
        Some(other) => return Err(invalid_query("period", format!("expected `month` or `year`, found `{other}`"))),
    };
    let filter = CaseQuery {
        commodity_area: query.commodity_area,
        country: query.country.as_ref().map(|c| c.trim().to_ascii_uppercase()),
        year: query.year,
        ..CaseQuery::default()
    };
    let cases = state.store().cases_matching(&filter, &viewer(&caller)).await?;
    let stats =
        tokio::task::spawn_blocking(move || aduana_enforcement::statistics(cases.iter().map(|c| &c.case), period))
            .await
            .map_err(|e| ApiError::internal(&e))?;
    Ok(Json(stats))
}

/// The non-nominal CEN export, as JSON or CSV.
#[utoipa::path(
    get, path = "/api/enforcement/export", tag = "cases", params(ExportQuery),
    responses((status = 200, description = "JSON (`version`, `commodity_area`, `records`) or CSV"), (status = 400, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn export(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> Result<Response, ApiError> {
    caller.require(access::EXPORT_CASES)?;
    let csv = match query.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(other) => return Err(invalid_query("format", format!("expected `json` or `csv`, found `{other}`"))),
    };
    let filter = CaseQuery { commodity_area: query.commodity_area, year: query.year, ..CaseQuery::default() };
    let cases = state.store().cases_matching(&filter, &viewer(&caller)).await?;
    let cases: Vec<Case> = cases.into_iter().map(|c| c.case).collect();
    let export = aduana_enforcement::cen_export(&cases, query.commodity_area);
    record_audit(
        &state,
        &caller,
        "case.export",
        "cen".to_owned(),
        serde_json::json!({"records": export.records.len(), "format": if csv { "csv" } else { "json" }}),
    )
    .await?;
    if csv {
        Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], aduana_enforcement::cen_csv(&export)).into_response())
    } else {
        Ok(Json(export).into_response())
    }
}

/// Imports historical seizures from CSV (the layout of `docs/enforcement.md`): all rows or none.
#[utoipa::path(
    post, path = "/api/enforcement/import", tag = "cases", request_body(content = String, content_type = "text/csv"),
    responses((status = 201, body = ImportResponse), (status = 422, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn import(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<ImportResponse>), ApiError> {
    caller.require(access::IMPORT_CASES)?;
    let body = body.map_err(|r| body_rejection(&r))?;
    let read = tokio::task::spawn_blocking(move || aduana_enforcement::read_seizures(&body[..], "<body>"))
        .await
        .map_err(|e| ApiError::internal(&e))?;
    let cases = read.map_err(|errors| {
        let first = errors.first().map(|e| e.location.clone()).unwrap_or_default();
        let messages: Vec<String> = errors.iter().take(20).map(ToString::to_string).collect();
        ApiError::new(
            ErrorCode::InvalidBody,
            format!("{} problem(s) in the CSV, nothing imported: {}", errors.len(), messages.join("; ")),
        )
        .at(first)
    })?;
    let stored = state.store().create_cases(&cases, &caller.user.name, "case.import").await?;
    let ids: Vec<i64> = stored.iter().map(|c| c.id).collect();
    Ok((StatusCode::CREATED, Json(ImportResponse { created: ids.len(), ids })))
}
