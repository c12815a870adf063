//! Cash declarations and detections (Regulation (EU) 2018/1672): `POST /api/cash` (record one), `GET /api/cash`
//! (list a period with totals and sharing status), `GET /api/cash/{id}`, `POST /api/cash/{id}/share`,
//! `GET /api/cash/structuring` (alerts) and `GET /api/cash/report` (the FIU report as JSON or CSV). Amounts are
//! converted with the server's rates against its threshold, and sharing is due within its deadline
//! ([`crate::CashSettings`]: by default the ECB reference rates shipped in `data/cash`, EUR 10,000 and 15 working
//! days; holidays may be added as a query parameter). See `docs/cash.md`.

use aduana_core::Decimal;
use aduana_enforcement::cash::report::{ReportContext, ReportEntry};
use aduana_enforcement::cash::{
    Alert, CashRecord, FiuReport, FiuRow, RateTable, SharingCalendar, StructuringConfig, detect_structuring,
};
use aduana_store::{CashFilter, StoredCashRecord};
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::auth::{Caller, access};
use crate::error::{ApiError, ErrorCode};
use crate::json::{ApiJson, ApiPath, ApiQuery};
use crate::state::{AppState, CashSettings};

/// The OpenAPI name of a cash record (its schema is generated from the domain type).
#[derive(Debug)]
pub(crate) struct CashRecordSchema;

impl utoipa::PartialSchema for CashRecordSchema {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::Object::new().into()
    }
}

impl utoipa::ToSchema for CashRecordSchema {
    fn name() -> std::borrow::Cow<'static, str> {
        "CashRecord".into()
    }
}

/// A stored cash record with its total, threshold and sharing status.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct CashView {
    id: i64,
    #[schema(value_type = CashRecordSchema)]
    record: CashRecord,
    recorded_by: String,
    #[schema(value_type = String, format = DateTime)]
    recorded_at: aduana_store::Timestamp,
    /// The total in euro (two decimals).
    #[schema(value_type = String)]
    total_eur: Decimal,
    at_or_above_threshold: bool,
    /// `not_required`, `due`, `overdue`, `shared`.
    sharing_status: String,
    /// The due date (YYYY-MM-DD) when it must be shared.
    sharing_due: Option<String>,
    shared_with: Option<String>,
    shared_at: Option<String>,
}

/// A list of cash records.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct CashList {
    cash: Vec<CashView>,
}

/// Whom a record was shared with.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ShareRequest {
    /// The partner administration: not blank.
    with: String,
}

/// A period and the calendar for sharing statuses.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub(crate) struct PeriodQuery {
    /// The first day (YYYY-MM-DD, UTC), included.
    #[param(value_type = Option<String>, format = Date)]
    from: Option<NaiveDate>,
    /// The last day (YYYY-MM-DD, UTC), included.
    #[param(value_type = Option<String>, format = Date)]
    to: Option<NaiveDate>,
    /// Public holidays, comma-separated (YYYY-MM-DD,…), skipped when counting working days.
    holidays: Option<String>,
    /// The day statuses are computed for (default today, UTC).
    #[param(value_type = Option<String>, format = Date)]
    today: Option<NaiveDate>,
    /// `json` (default) or `csv` (report only).
    format: Option<String>,
}

/// The structuring parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub(crate) struct StructuringQuery {
    /// The first day (YYYY-MM-DD, UTC), included.
    #[param(value_type = Option<String>, format = Date)]
    from: Option<NaiveDate>,
    /// The last day (YYYY-MM-DD, UTC), included.
    #[param(value_type = Option<String>, format = Date)]
    to: Option<NaiveDate>,
    /// The band's lower end in percent of the threshold (default 80).
    #[param(value_type = Option<String>)]
    band_low: Option<Decimal>,
    /// The band's upper end in percent, exclusive (default 100).
    #[param(value_type = Option<String>)]
    band_high: Option<Decimal>,
    /// The window in days (default 30).
    window_days: Option<u32>,
}

/// Structuring alerts.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct AlertList {
    /// Each alert: `kind` (`repeated`, `companions`), `records`, `links`, `total_eur`, `threshold_eur`,
    /// `explanation`.
    #[schema(value_type = Vec<Object>)]
    alerts: Vec<Alert>,
    /// How many records were examined.
    records: usize,
}

fn invalid_query(message: String) -> ApiError {
    ApiError::new(ErrorCode::InvalidQuery, message)
}

/// The server's sharing calendar with the query's holidays added.
fn calendar(state: &AppState, query: &PeriodQuery) -> Result<SharingCalendar, ApiError> {
    let mut holidays = state.inner.settings.cash.calendar.holidays.clone();
    for day in query.holidays.as_deref().unwrap_or("").split(',').map(str::trim).filter(|d| !d.is_empty()) {
        let parsed = NaiveDate::parse_from_str(day, "%Y-%m-%d")
            .map_err(|_| invalid_query(format!("holidays: expected dates YYYY-MM-DD, found `{day}`")))?;
        holidays.insert(parsed);
    }
    Ok(SharingCalendar { deadline_working_days: state.inner.settings.cash.calendar.deadline_working_days, holidays })
}

fn view(
    stored: StoredCashRecord,
    cash: &CashSettings,
    calendar: &SharingCalendar,
    today: NaiveDate,
) -> Result<CashView, ApiError> {
    let context = ReportContext { rates: &cash.rates, threshold: cash.threshold, calendar, today };
    let entry = ReportEntry { id: stored.id, record: &stored.record, shared: stored.shared.as_ref() };
    let row: FiuRow = FiuRow::new(&entry, &context).map_err(|e| ApiError::internal(&e))?;
    Ok(CashView {
        id: stored.id,
        total_eur: row.total_eur,
        at_or_above_threshold: row.at_or_above_threshold,
        sharing_status: row.sharing_status.to_owned(),
        sharing_due: (!row.sharing_due.is_empty()).then_some(row.sharing_due),
        shared_with: stored.shared.as_ref().map(|s| s.with.clone()),
        shared_at: stored.shared.as_ref().map(|s| s.at.clone()),
        record: stored.record,
        recorded_by: stored.recorded_by,
        recorded_at: stored.recorded_at,
    })
}

fn body_error(field: &str, message: String) -> ApiError {
    ApiError::new(ErrorCode::InvalidBody, message).at(aduana_core::Location::file("<body>")
        .with_path(aduana_core::LocationPath::JsonPointer { pointer: format!("/{field}") }))
}

/// Checks what the types do not: non-blank texts, at least one amount, positive values, convertible currencies,
/// a finding only on detections.
fn check(record: &CashRecord, rates: &RateTable) -> Result<(), ApiError> {
    for (field, value) in
        [("reference", &record.reference), ("office", &record.office), ("declarant/name", &record.declarant.name)]
    {
        if value.trim().is_empty() {
            return Err(body_error(field, format!("expected a value for `{field}`, found a blank one")));
        }
    }
    if record.amounts.is_empty() {
        return Err(body_error("amounts", "expected at least one amount, found none".to_owned()));
    }
    for (index, amount) in record.amounts.iter().enumerate() {
        if amount.value <= Decimal::ZERO {
            return Err(body_error(
                &format!("amounts/{index}/value"),
                format!("expected a positive amount, found {}", amount.value),
            ));
        }
        rates
            .to_eur(&amount.currency, amount.value)
            .map_err(|e| body_error(&format!("amounts/{index}/currency"), e.to_string()))?;
    }
    Ok(())
}

/// Records a declaration or detection.
#[utoipa::path(
    post, path = "/api/cash", tag = "cash", request_body = CashRecordSchema,
    responses((status = 201, body = CashView), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn record(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(record): ApiJson<CashRecord>,
) -> Result<(StatusCode, Json<CashView>), ApiError> {
    caller.require(access::RECORD_CASH)?;
    let cash = &state.inner.settings.cash;
    check(&record, &cash.rates)?;
    let mut stored = state.store().add_cash_records(std::slice::from_ref(&record), &caller.user.name).await?;
    let stored = stored.pop().ok_or_else(|| ApiError::not_found("cash record", &record.reference))?;
    let today = Utc::now().date_naive();
    Ok((StatusCode::CREATED, Json(view(stored, cash, &cash.calendar, today)?)))
}

fn filter(from: Option<NaiveDate>, to: Option<NaiveDate>) -> Result<CashFilter, ApiError> {
    if let (Some(from), Some(to)) = (from, to) {
        if to < from {
            return Err(invalid_query(format!("expected `to` on or after `from`, found {to} before {from}")));
        }
    }
    Ok(CashFilter {
        from: from.and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc()),
        to: to.and_then(|d| d.succ_opt()).and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc()),
        limit: 0,
    })
}

/// Lists the records of a period with totals and sharing status.
#[utoipa::path(
    get, path = "/api/cash", tag = "cash", params(PeriodQuery),
    responses((status = 200, body = CashList), (status = 400, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<PeriodQuery>,
) -> Result<Json<CashList>, ApiError> {
    caller.require(access::READ_CASH)?;
    let calendar = calendar(&state, &query)?;
    let today = query.today.unwrap_or_else(|| Utc::now().date_naive());
    let settings = &state.inner.settings.cash;
    let stored = state.store().cash_records(&filter(query.from, query.to)?).await?;
    let cash = stored.into_iter().map(|s| view(s, settings, &calendar, today)).collect::<Result<_, _>>()?;
    Ok(Json(CashList { cash }))
}

/// Returns one record.
#[utoipa::path(
    get, path = "/api/cash/{id}", tag = "cash", params(("id" = i64, Path)),
    responses((status = 200, body = CashView), (status = 404, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn get(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<CashView>, ApiError> {
    caller.require(access::READ_CASH)?;
    let stored =
        state.store().cash_record(id).await?.ok_or_else(|| ApiError::not_found("cash record", id.to_string()))?;
    let cash = &state.inner.settings.cash;
    Ok(Json(view(stored, cash, &cash.calendar, Utc::now().date_naive())?))
}

/// Records that a record was shared with a partner administration (once).
#[utoipa::path(
    post, path = "/api/cash/{id}/share", tag = "cash", params(("id" = i64, Path)), request_body = ShareRequest,
    responses((status = 201, body = CashView), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn share(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(request): ApiJson<ShareRequest>,
) -> Result<(StatusCode, Json<CashView>), ApiError> {
    caller.require(access::RECORD_CASH)?;
    let with = request.with.trim();
    if with.is_empty() {
        return Err(body_error("with", "expected a value for `with`, found a blank one".to_owned()));
    }
    let stored = state.store().mark_cash_shared(id, with, Utc::now(), &caller.user.name).await?;
    let cash = &state.inner.settings.cash;
    Ok((StatusCode::CREATED, Json(view(stored, cash, &cash.calendar, Utc::now().date_naive())?)))
}

/// Lists structuring alerts over a period.
#[utoipa::path(
    get, path = "/api/cash/structuring", tag = "cash", params(StructuringQuery),
    responses((status = 200, body = AlertList), (status = 400, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn structuring(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<StructuringQuery>,
) -> Result<Json<AlertList>, ApiError> {
    caller.require(access::READ_CASH)?;
    let band_low = query.band_low.unwrap_or(Decimal::from(80));
    let band_high = query.band_high.unwrap_or(Decimal::ONE_HUNDRED);
    if band_low >= band_high || band_low < Decimal::ZERO || band_high > Decimal::ONE_HUNDRED {
        return Err(invalid_query(format!(
            "expected 0 <= band_low < band_high <= 100, found {band_low} and {band_high}"
        )));
    }
    let config = StructuringConfig {
        threshold: state.inner.settings.cash.threshold,
        band_low_percent: band_low,
        band_high_percent: band_high,
        window_days: query.window_days.unwrap_or(30),
        min_records: 2,
        companion_floor_percent: Decimal::from(25),
    };
    let stored = state.store().cash_records(&filter(query.from, query.to)?).await?;
    let records: Vec<CashRecord> = stored.into_iter().map(|s| s.record).collect();
    let alerts =
        detect_structuring(&records, &state.inner.settings.cash.rates, &config).map_err(|e| ApiError::internal(&e))?;
    Ok(Json(AlertList { alerts, records: records.len() }))
}

/// The report for the financial intelligence unit over a period, as JSON or (`format=csv`) CSV.
#[utoipa::path(
    get, path = "/api/cash/report", tag = "cash", params(PeriodQuery),
    responses((status = 200, description = "the FIU report (JSON object, or CSV with `format=csv`)"), (status = 400, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn report(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<PeriodQuery>,
) -> Result<Response, ApiError> {
    caller.require(access::READ_CASH)?;
    let (Some(from), Some(to)) = (query.from, query.to) else {
        return Err(invalid_query("expected `from` and `to` (YYYY-MM-DD)".to_owned()));
    };
    let csv = match query.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(other) => return Err(invalid_query(format!("format: expected json or csv, found `{other}`"))),
    };
    let calendar = calendar(&state, &query)?;
    let today = query.today.unwrap_or_else(|| Utc::now().date_naive());
    let cash = &state.inner.settings.cash;
    let stored = state.store().cash_records(&filter(Some(from), Some(to))?).await?;
    let entries: Vec<ReportEntry<'_>> =
        stored.iter().map(|s| ReportEntry { id: s.id, record: &s.record, shared: s.shared.as_ref() }).collect();
    let context = ReportContext { rates: &cash.rates, threshold: cash.threshold, calendar: &calendar, today };
    let report = FiuReport::build(from, to, &entries, &context).map_err(|e| ApiError::internal(&e))?;
    crate::api::record_audit(
        &state,
        &caller,
        "cash.report",
        format!("cash/report/{from}/{to}"),
        serde_json::json!({"rows": report.rows.len(), "format": if csv { "csv" } else { "json" }}),
    )
    .await?;
    if csv {
        let disposition = format!("attachment; filename=\"fiu-report-{from}-{to}.csv\"");
        Ok((
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, disposition)],
            report.to_csv(),
        )
            .into_response())
    } else {
        Ok(Json(report).into_response())
    }
}
