//! Cash declarations in the workbench: the list of a period with totals, the threshold and each record's sharing
//! status and due date, a form to record a declaration or detection, sharing, structuring alerts, and links to
//! download the FIU report (CSV or JSON, through `/api/cash/report`, which accepts the session cookie).

use aduana_core::Decimal;
use aduana_enforcement::cash::import::parse_fields;
use aduana_enforcement::cash::report::{ReportContext, ReportEntry};
use aduana_enforcement::cash::{FiuRow, StructuringConfig, detect_structuring};
use aduana_store::CashFilter;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{NaiveDate, Utc};
use maud::html;
use serde::Deserialize;

use super::{Flash, PageError, Posted, Viewer, layout, redirect_with_flash};
use crate::auth::access;
use crate::state::AppState;

/// The cash pages' routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/workbench/cash", get(list).post(record))
        .route("/workbench/cash/structuring", get(structuring))
        .route("/workbench/cash/{id}/share", post(share))
}

/// The period shown.
#[derive(Debug, Deserialize)]
pub(crate) struct PeriodQuery {
    from: Option<String>,
    to: Option<String>,
}

fn day(text: Option<&str>) -> Result<Option<NaiveDate>, PageError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| PageError::new(StatusCode::BAD_REQUEST, format!("expected a date YYYY-MM-DD, found `{t}`"))),
    }
}

fn filter(from: Option<NaiveDate>, to: Option<NaiveDate>) -> CashFilter {
    CashFilter {
        from: from.and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc()),
        to: to.and_then(|d| d.succ_opt()).and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc()),
        limit: 0,
    }
}

fn period_form(action: &str, from: &str, to: &str) -> maud::Markup {
    html! {
        form.filters.panel method="get" action=(action) {
            div.field { label for="from" { "From" } input #from type="date" name="from" value=(from); }
            div.field { label for="to" { "To" } input #to type="date" name="to" value=(to); }
            div { button.secondary type="submit" { "Show" } }
        }
    }
}

/// `GET /workbench/cash`: the records of a period.
pub(crate) async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<PeriodQuery>,
) -> Result<Response, PageError> {
    viewer.require(access::READ_CASH)?;
    let (from, to) = (day(query.from.as_deref())?, day(query.to.as_deref())?);
    let stored = state.store().cash_records(&filter(from, to)).await?;
    let cash = &state.inner.settings.cash;
    let today = Utc::now().date_naive();
    let context = ReportContext { rates: &cash.rates, threshold: cash.threshold, calendar: &cash.calendar, today };
    let mut rows = Vec::with_capacity(stored.len());
    for s in &stored {
        let entry = ReportEntry { id: s.id, record: &s.record, shared: s.shared.as_ref() };
        rows.push(
            FiuRow::new(&entry, &context)
                .map_err(|e| PageError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?,
        );
    }
    let (from_text, to_text) =
        (from.map(|d| d.to_string()).unwrap_or_default(), to.map(|d| d.to_string()).unwrap_or_default());
    let report_from =
        from.unwrap_or_else(|| rows.first().and_then(|r| r.at.get(..10)).and_then(|d| d.parse().ok()).unwrap_or(today));
    let report_to = to.unwrap_or(today);
    let may_record = viewer.may(access::RECORD_CASH);
    let body = html! {
        p { "Declarations of cash and bearer negotiable instruments and detections of undeclared cash. Threshold EUR "
            span #cash-threshold { (cash.threshold.eur()) } " (exchange rates: " (cash.rates.source_name()) "); detections and suspicious records must be shared within " (cash.calendar.deadline_working_days) " working days." }
        (period_form("/workbench/cash", &from_text, &to_text))
        p {
            "FIU report " (report_from) " to " (report_to) ": "
            a #report-csv href={"/api/cash/report?format=csv&from=" (report_from) "&to=" (report_to)} { "CSV" } " · "
            a #report-json href={"/api/cash/report?format=json&from=" (report_from) "&to=" (report_to)} { "JSON" } " · "
            a href="/workbench/cash/structuring" { "Structuring alerts" }
        }
        table #cash-records {
            thead { tr {
                th scope="col" { "Reference" } th scope="col" { "Kind" } th scope="col" { "When" } th scope="col" { "Declarant" }
                th scope="col" { "Amounts" } th scope="col" { "EUR" } th scope="col" { "Threshold" } th scope="col" { "Sharing" } th scope="col" { "Due" }
            } }
            tbody {
                @for r in &rows {
                    tr {
                        td { (r.reference) } td { (r.record) @if !r.finding.is_empty() { " (" (r.finding) ")" } @if r.detained { " " span.tag.tag-severe { "detained" } } }
                        td { (r.at) } td { (r.declarant_name) } td { (r.amounts) } td.num { (r.total_eur) }
                        td { @if r.at_or_above_threshold { "at or above" } @else { "below" } }
                        td {
                            span.tag class={"sharing-" (r.sharing_status)} { (r.sharing_status) }
                            @if !r.shared_with.is_empty() { " with " (r.shared_with) }
                            @if may_record && (r.sharing_status == "due" || r.sharing_status == "overdue") {
                                form.filters method="post" action={"/workbench/cash/" (r.id) "/share"} {
                                    (viewer.csrf_field())
                                    label for={"share-with-" (r.id)} { "Shared with" }
                                    input id={"share-with-" (r.id)} type="text" name="with" required;
                                    button.secondary type="submit" { "Mark shared" }
                                }
                            }
                        }
                        td { (r.sharing_due) }
                    }
                }
                @if rows.is_empty() { tr { td colspan="9" .muted { "No cash records in this period." } } }
            }
        }
        @if may_record {
            h2 { "Record a declaration or detection" }
            form.panel.stack #record-cash method="post" action="/workbench/cash" {
                (viewer.csrf_field())
                div.grid {
                    div.field { label for="reference" { "Reference" } input #reference type="text" name="reference" required; }
                    div { (layout::select("record", "Kind", &[("declaration", "Declaration"), ("detection", "Detection")], Some("declaration"))) }
                    div.field { label for="at" { "When (UTC, YYYY-MM-DD HH:MM)" } input #at type="text" name="at" required; }
                    div.field { label for="office" { "Office" } input #office type="text" name="office" required; }
                    div { (layout::select("direction", "Direction", &[("entering", "Entering"), ("leaving", "Leaving")], Some("entering"))) }
                    div { (layout::select("movement", "Movement", &[("accompanied", "Accompanied"), ("unaccompanied", "Unaccompanied")], Some("accompanied"))) }
                }
                fieldset { legend { "Declarant" } div.grid {
                    div.field { label for="declarant_name" { "Name" } input #declarant_name type="text" name="declarant_name" required; }
                    div.field { label for="declarant_date_of_birth" { "Date of birth" } input #declarant_date_of_birth type="date" name="declarant_date_of_birth"; }
                    div.field { label for="declarant_nationality" { "Nationality (ISO 3166)" } input #declarant_nationality type="text" name="declarant_nationality"; }
                    div.field { label for="declarant_document_type" { "Document type" } input #declarant_document_type type="text" name="declarant_document_type"; }
                    div.field { label for="declarant_document_number" { "Document number" } input #declarant_document_number type="text" name="declarant_document_number"; }
                    div.field { label for="declarant_address" { "Address" } input #declarant_address type="text" name="declarant_address"; }
                    div.field { label for="declarant_phone" { "Phone" } input #declarant_phone type="text" name="declarant_phone"; }
                    div.field { label for="owner_name" { "Owner (if not the declarant)" } input #owner_name type="text" name="owner_name"; }
                    div.field { label for="recipient_name" { "Recipient (if not the declarant)" } input #recipient_name type="text" name="recipient_name"; }
                } }
                fieldset { legend { "Route and amounts" } div.grid {
                    div { (layout::select("transport_mode", "Transport", &[("air", "Air"), ("sea", "Sea"), ("road", "Road"), ("rail", "Rail"), ("post", "Post"), ("courier", "Courier"), ("other", "Other")], Some("air"))) }
                    div.field { label for="conveyance" { "Flight, vessel, vehicle" } input #conveyance type="text" name="conveyance"; }
                    div.field { label for="from_country" { "From country" } input #from_country type="text" name="from_country"; }
                    div.field { label for="to_country" { "To country" } input #to_country type="text" name="to_country"; }
                    div.field { label for="amounts" { "Amounts (instrument CURRENCY value; …)" } input #amounts type="text" name="amounts" placeholder="currency EUR 9500; commodities USD 2000" required; }
                    div.field { label for="provenance" { "Provenance" } input #provenance type="text" name="provenance"; }
                    div.field { label for="intended_use" { "Intended use" } input #intended_use type="text" name="intended_use"; }
                } }
                fieldset { legend { "Detection" } div.grid {
                    div { (layout::select("finding", "Finding", &[("", "— (declaration)"), ("undeclared", "Undeclared"), ("incorrect", "Incorrect")], Some(""))) }
                    div { (layout::select("detained", "Detained (Art. 7)", &[("no", "No"), ("yes", "Yes")], Some("no"))) }
                    div { (layout::select("suspicion", "Indications of criminal activity", &[("no", "No"), ("yes", "Yes")], Some("no"))) }
                } }
                button type="submit" { "Record" }
            }
        }
    };
    Ok(layout::page(&viewer, "Cash declarations", "/workbench/cash", body))
}

/// `POST /workbench/cash`: records one declaration or detection from the form.
pub(crate) async fn record(
    State(state): State<AppState>,
    Posted { viewer, form }: Posted<std::collections::BTreeMap<String, String>>,
) -> Result<Response, PageError> {
    viewer.require(access::RECORD_CASH)?;
    let fields: Vec<(&str, &str)> =
        form.iter().filter(|(k, _)| k.as_str() != super::CSRF_FIELD).map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let record = match parse_fields(&fields) {
        Ok(record) => record,
        Err(problems) => {
            let text: Vec<String> = problems.iter().map(|p| format!("{}: {}", p.column, p.message)).collect();
            return Ok(redirect_with_flash(
                "/workbench/cash",
                &Flash { error: true, text: format!("Not recorded — {}", text.join("; ")) },
            ));
        }
    };
    if let Err(error) = state.inner.settings.cash.rates.total_eur(&record.amounts) {
        return Ok(redirect_with_flash(
            "/workbench/cash",
            &Flash { error: true, text: format!("Not recorded — {error}") },
        ));
    }
    match state.store().add_cash_records(std::slice::from_ref(&record), &viewer.user.name).await {
        Ok(_) => Ok(redirect_with_flash(
            "/workbench/cash",
            &Flash { error: false, text: format!("Recorded {} {}.", record.kind(), record.reference) },
        )),
        Err(aduana_store::StoreError::Conflict(message)) => Ok(redirect_with_flash(
            "/workbench/cash",
            &Flash { error: true, text: format!("Not recorded — {message}") },
        )),
        Err(error) => Err(error.into()),
    }
}

/// The sharing form.
#[derive(Debug, Deserialize)]
pub(crate) struct ShareForm {
    with: String,
}

/// `POST /workbench/cash/{id}/share`.
pub(crate) async fn share(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted { viewer, form }: Posted<ShareForm>,
) -> Result<Response, PageError> {
    viewer.require(access::RECORD_CASH)?;
    let with = form.with.trim();
    if with.is_empty() {
        return Ok(redirect_with_flash(
            "/workbench/cash",
            &Flash { error: true, text: "Say whom it was shared with.".to_owned() },
        ));
    }
    let stored = state.store().mark_cash_shared(id, with, Utc::now(), &viewer.user.name).await?;
    Ok(redirect_with_flash(
        "/workbench/cash",
        &Flash { error: false, text: format!("Marked {} as shared with {with}.", stored.record.reference) },
    ))
}

/// `GET /workbench/cash/structuring`: structuring alerts over a period.
pub(crate) async fn structuring(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<PeriodQuery>,
) -> Result<Response, PageError> {
    viewer.require(access::READ_CASH)?;
    let (from, to) = (day(query.from.as_deref())?, day(query.to.as_deref())?);
    let records: Vec<_> = state.store().cash_records(&filter(from, to)).await?.into_iter().map(|s| s.record).collect();
    let config = StructuringConfig {
        threshold: state.inner.settings.cash.threshold,
        band_low_percent: Decimal::from(80),
        band_high_percent: Decimal::ONE_HUNDRED,
        window_days: 30,
        min_records: 2,
        companion_floor_percent: Decimal::from(25),
    };
    let alerts = detect_structuring(&records, &state.inner.settings.cash.rates, &config)
        .map_err(|e| PageError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    let (from_text, to_text) =
        (from.map(|d| d.to_string()).unwrap_or_default(), to.map(|d| d.to_string()).unwrap_or_default());
    let body = html! {
        p { "Linked persons declaring 80–100 % of the threshold within 30 days, and companions on one conveyance splitting a movement. "
            a href="/workbench/cash" { "Back to cash declarations" } }
        (period_form("/workbench/cash/structuring", &from_text, &to_text))
        p #alert-count { (alerts.len()) " alert(s) in " (records.len()) " record(s)." }
        @for alert in &alerts {
            div.panel.structuring-alert {
                h2 { (match alert.kind { aduana_enforcement::cash::AlertKind::Repeated => "Repeated amounts just below the threshold", _ => "Companions splitting a movement" }) }
                p.explanation { (alert.explanation) }
                table {
                    thead { tr { th scope="col" { "Reference" } th scope="col" { "When" } th scope="col" { "Declarant" } th scope="col" { "EUR" } } }
                    tbody { @for r in &alert.records { tr { td { (r.reference) } td { (r.at.format("%Y-%m-%d %H:%M")) } td { (r.declarant) } td.num { (r.total_eur) } } } }
                }
            }
        }
    };
    Ok(layout::page(&viewer, "Structuring alerts", "/workbench/cash", body))
}
