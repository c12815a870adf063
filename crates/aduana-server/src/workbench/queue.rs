//! The queue: red-lane and referred consignments, highest score first, filtered by lane, referral, mode, office
//! and profile; officers claim a consignment (stored, so two officers do not work the same case) and release it.

use aduana_core::{Lane, Referral};
use aduana_store::workbench::QueueFilter;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use maud::html;
use serde::Deserialize;

use super::{Flash, PageError, Posted, Viewer, layout, redirect_with_flash};
use crate::auth::{Caller, access};
use crate::state::AppState;

/// The queue's routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/workbench/queue", get(page))
        .route("/workbench/consignments/{id}/claim", post(claim))
        .route("/workbench/consignments/{id}/release", post(release))
}

/// The queue's filters, from the query string (empty values mean "any").
#[derive(Debug, Default, Deserialize)]
pub(crate) struct QueueQuery {
    lane: Option<String>,
    referral: Option<String>,
    mode: Option<String>,
    office: Option<String>,
    profile: Option<String>,
    decided: Option<String>,
    page: Option<u32>,
}

const PAGE_SIZE: u32 = 50;

fn non_empty(value: Option<&String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// `GET /workbench/queue`.
pub(crate) async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<QueueQuery>,
) -> Result<Response, PageError> {
    viewer.require(access::READ_ASSESSMENTS)?;
    let lane = match non_empty(query.lane.as_ref()).as_deref() {
        None => None,
        Some("red") => Some(Lane::Red),
        Some("yellow") => Some(Lane::Yellow),
        Some("green") => Some(Lane::Green),
        Some(other) => {
            return Err(PageError::new(
                axum::http::StatusCode::BAD_REQUEST,
                format!("lane: expected red, yellow or green, found `{other}`"),
            ));
        }
    };
    let referral = match non_empty(query.referral.as_ref()).as_deref() {
        None => None,
        Some("do-not-load") => Some(Referral::DoNotLoad),
        Some("request-information") => Some(Referral::RequestInformation),
        Some("high-risk-screening") => Some(Referral::HighRiskScreening),
        Some(other) => {
            return Err(PageError::new(
                axum::http::StatusCode::BAD_REQUEST,
                format!("referral: unknown referral `{other}`"),
            ));
        }
    };
    let page_no = query.page.unwrap_or(0);
    let filter = QueueFilter {
        lane,
        referral,
        mode: non_empty(query.mode.as_ref()),
        office: non_empty(query.office.as_ref()),
        profile: non_empty(query.profile.as_ref()),
        include_decided: query.decided.as_deref() == Some("1"),
        offset: page_no * PAGE_SIZE,
        limit: PAGE_SIZE + 1,
    };
    let mut rows = state.store().queue(&filter).await?;
    let more = rows.len() > PAGE_SIZE as usize;
    rows.truncate(PAGE_SIZE as usize);
    let (modes, offices) = state.store().queue_facets().await?;
    let mut mode_options = vec![("", "any")];
    mode_options.extend(modes.iter().filter(|m| !m.is_empty()).map(|m| (m.as_str(), m.as_str())));
    let mut office_options = vec![("", "any")];
    office_options.extend(offices.iter().filter(|o| !o.is_empty()).map(|o| (o.as_str(), o.as_str())));
    let may_claim = viewer.may(access::DECIDE);
    let page_link = |n: u32| {
        let mut q = vec![("page", n.to_string())];
        for (k, v) in [
            ("lane", &query.lane),
            ("referral", &query.referral),
            ("mode", &query.mode),
            ("office", &query.office),
            ("profile", &query.profile),
            ("decided", &query.decided),
        ] {
            if let Some(v) = v.as_ref().filter(|v| !v.is_empty()) {
                q.push((k, v.clone()));
            }
        }
        format!("/workbench/queue?{}", serde_urlencoded::to_string(&q).unwrap_or_default())
    };
    let body = html! {
        form.filters method="get" action="/workbench/queue" aria-label="Filter the queue" {
            div { (layout::select("lane", "Lane", &[("", "any"), ("red", "red"), ("yellow", "yellow"), ("green", "green")], query.lane.as_deref())) }
            div { (layout::select("referral", "Referral", &[("", "any"), ("do-not-load", "do-not-load"), ("request-information", "request-information"), ("high-risk-screening", "high-risk-screening")], query.referral.as_deref())) }
            div { (layout::select("mode", "Mode", &mode_options, query.mode.as_deref())) }
            div { (layout::select("office", "Office", &office_options, query.office.as_deref())) }
            div {
                label for="profile" { "Profile or hit id" }
                input #profile type="search" name="profile" value=(query.profile.clone().unwrap_or_default());
            }
            div {
                label for="decided" { "Show" }
                select #decided name="decided" {
                    option value="" { "open only" }
                    @if query.decided.as_deref() == Some("1") { option value="1" selected { "also decided" } } @else { option value="1" { "also decided" } }
                }
            }
            div { button type="submit" { "Filter" } }
        }
        table #queue {
            caption.muted { "Page " (page_no + 1) ": " (rows.len()) " consignments, highest score first" }
            thead { tr {
                th scope="col" { "Reference" } th scope="col" { "Lane" } th.num scope="col" { "Score" }
                th scope="col" { "Referrals" } th scope="col" { "Direction / mode" } th scope="col" { "Office" }
                th scope="col" { "Hits" } th scope="col" { "Worked by" } th scope="col" { span.muted { "Action" } }
            } }
            tbody {
                @for row in &rows {
                    tr {
                        td { a href={"/workbench/consignments/" (row.consignment_id)} { (row.reference) } }
                        td { span class={"lane lane-" (row.lane)} { (row.lane) } }
                        td.num { (format!("{:.2}", row.score)) }
                        td { @for r in row.referrals.split_whitespace() { span.tag.tag-severe { (r) } } }
                        td { (row.direction) @if !row.mode.is_empty() { " · " (row.mode) } }
                        td { (row.office) }
                        td { @for h in row.hit_ids.split(aduana_store::workbench::HIT_ID_SEPARATOR).filter(|h| !h.is_empty()).take(4) { span.tag { (h) } } }
                        td {
                            @if let Some(d) = &row.decision { span.tag { "decided: " (d) } " " }
                            @if let Some(who) = &row.claimed_by { (who) } @else { span.muted { "nobody" } }
                        }
                        td {
                            @if may_claim && row.decision.is_none() {
                                @if row.claimed_by.as_deref() == Some(viewer.user.name.as_str()) {
                                    form method="post" action={"/workbench/consignments/" (row.consignment_id) "/release"} {
                                        (viewer.csrf_field())
                                        button.secondary type="submit" aria-label={"Release " (row.reference)} { "Release" }
                                    }
                                } @else if row.claimed_by.is_none() {
                                    form method="post" action={"/workbench/consignments/" (row.consignment_id) "/claim"} {
                                        (viewer.csrf_field())
                                        button type="submit" aria-label={"Claim " (row.reference)} { "Claim" }
                                    }
                                }
                            }
                        }
                    }
                }
                @if rows.is_empty() { tr { td colspan="9" .muted { "Nothing on the queue with these filters." } } }
            }
        }
        nav.pager aria-label="Pages" {
            @if page_no > 0 { a href=(page_link(page_no - 1)) { "← Previous" } }
            @if more { a href=(page_link(page_no + 1)) { "Next →" } }
        }
    };
    Ok(layout::page(&viewer, "Queue", "/workbench/queue", body))
}

#[derive(Debug, Deserialize)]
pub(crate) struct ClaimForm {
    /// Where to go afterwards (a workbench path).
    back: Option<String>,
}

fn back_to(back: Option<&str>) -> String {
    match back {
        Some(b) if b.starts_with("/workbench/") && !b.starts_with("//") => b.to_owned(),
        _ => "/workbench/queue".to_owned(),
    }
}

/// `POST /workbench/consignments/{id}/claim`.
pub(crate) async fn claim(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted { viewer, form }: Posted<ClaimForm>,
) -> Result<Response, PageError> {
    viewer.require(access::DECIDE)?;
    let outcome = state.store().claim(id, &viewer.user.name).await;
    claim_answer(&state, id, &viewer, &form, outcome, ClaimChange::Claim).await
}

/// `POST /workbench/consignments/{id}/release`.
pub(crate) async fn release(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted { viewer, form }: Posted<ClaimForm>,
) -> Result<Response, PageError> {
    viewer.require(access::DECIDE)?;
    let outcome = state.store().release_claim(id, &viewer.user.name).await;
    claim_answer(&state, id, &viewer, &form, outcome, ClaimChange::Release).await
}

/// Which way a claim changed.
#[derive(Debug, Clone, Copy)]
enum ClaimChange {
    Claim,
    Release,
}

/// Audits a claim or release that the store made, or tells why it did not, and goes back to the page it came from.
async fn claim_answer(
    state: &AppState,
    id: i64,
    viewer: &Viewer,
    form: &ClaimForm,
    outcome: Result<(), aduana_store::StoreError>,
    change: ClaimChange,
) -> Result<Response, PageError> {
    let (action, done, refused) = match change {
        ClaimChange::Claim => ("workbench.claim", "You are working this consignment.", "Not claimed"),
        ClaimChange::Release => ("workbench.release", "Released; another officer may take it.", "Not released"),
    };
    let back = back_to(form.back.as_deref());
    let flash = match outcome {
        Ok(()) => {
            let caller = Caller { user: viewer.user.clone() };
            crate::api::record_audit(state, &caller, action, format!("consignment/{id}"), serde_json::json!({}))
                .await?;
            Flash { error: false, text: done.to_owned() }
        }
        Err(aduana_store::StoreError::Conflict(message)) => {
            Flash { error: true, text: format!("{refused}: {message}.") }
        }
        Err(other) => return Err(other.into()),
    };
    Ok(redirect_with_flash(&back, &flash))
}
