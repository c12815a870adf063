//! The consignment page: everything an officer needs to decide — parties, route, transport, equipment, goods,
//! every hit with its explanation, the parties' history — and the forms to claim it, decide, and order an
//! examination.

use aduana_store::{DecisionKind, NewAuditEntry, NewDecision, NewExaminationOrder, StoredConsignment};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use maud::{Markup, html};
use serde::Deserialize;

use super::{Flash, PageError, Posted, Viewer, layout, redirect_with_flash};
use crate::auth::access;
use crate::state::AppState;

/// The consignment page's routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/workbench/consignments/{id}", get(page))
        .route("/workbench/consignments/{id}/decide", post(decide))
        .route("/workbench/consignments/{id}/examine", post(order_examination))
}

/// The sections other areas add to the consignment page, after the history: the seizure cases of its parties.
async fn extension_sections(
    state: &AppState,
    viewer: &Viewer,
    consignment: &StoredConsignment,
) -> Result<Markup, PageError> {
    crate::workbench::cases::seizures_section(state, viewer, consignment).await
}

fn decision_label(kind: DecisionKind) -> &'static str {
    match kind {
        DecisionKind::Release => "Release",
        DecisionKind::DocumentaryCheck => "Documentary check",
        DecisionKind::Examine => "Examine",
        DecisionKind::DoNotLoad => "Do not load",
        DecisionKind::RequestInformation => "Request information",
    }
}

/// `GET /workbench/consignments/{id}`.
pub(crate) async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    viewer.require(access::READ_ASSESSMENTS)?;
    let store = state.store();
    let Some(stored) = store.consignment(id).await? else { return Err(PageError::not_found("consignment", id)) };
    let assessment = store.assessment_of(id).await?;
    let entry = store.queue_entry(id).await?;
    let decisions = store.decisions(id).await?;
    let examinations = store.examinations(id).await?;
    let history = store.party_history(id, 20).await?;
    let extension = extension_sections(&state, &viewer, &stored).await?;
    let share = crate::workbench::exchange::share_link(&viewer, stored.id);
    let c = &stored.consignment;
    let json = serde_json::to_value(c).unwrap_or_default();
    let claimed_by = entry.as_ref().and_then(|e| e.claimed_by.clone());
    let mine = claimed_by.as_deref() == Some(viewer.user.name.as_str());
    let may_decide = viewer.may(access::DECIDE) && (claimed_by.is_none() || mine);
    let here = format!("/workbench/consignments/{id}");
    let body = html! {
        div.panel {
            dl.facts {
                dt { "Reference" } dd #reference { (stored.reference) " (version " (stored.version) ")" }
                dt { "Submitter" } dd { (stored.submitter) }
                dt { "Received" } dd { (stored.received_at.format("%Y-%m-%d %H:%M UTC")) }
                dt { "Direction" } dd { (json.get("direction").and_then(|v| v.as_str()).unwrap_or("—")) }
                dt { "Mode" } dd { (json.get("mode_of_transport").and_then(|v| v.as_str()).unwrap_or("—")) }
                dt { "Customs office" } dd { (c.customs_office.as_deref().unwrap_or("—")) }
                @if let Some(a) = &assessment {
                    dt { "Assessment" } dd {
                        span class={"lane lane-" (a.assessment.lane)} #lane { (a.assessment.lane) } " score "
                        strong { (format!("{:.2}", a.assessment.score)) }
                        @for r in &a.assessment.referrals { " " span.tag.tag-severe { (r.as_str()) } }
                    }
                }
                dt { "Worked by" } dd #claimed-by { (claimed_by.as_deref().unwrap_or("nobody")) }
            }
            @if viewer.may(access::DECIDE) && entry.is_some() {
                @if mine {
                    form method="post" action={(here) "/release"} {
                        (viewer.csrf_field()) input type="hidden" name="back" value=(here);
                        button.secondary type="submit" { "Release to the queue" }
                    }
                } @else if claimed_by.is_none() {
                    form method="post" action={(here) "/claim"} {
                        (viewer.csrf_field()) input type="hidden" name="back" value=(here);
                        button type="submit" #claim { "Claim this consignment" }
                    }
                }
            }
        }
        h2 #hits-heading { "Why it was selected" }
        @if let Some(a) = &assessment {
            table #hits aria-labelledby="hits-heading" {
                thead { tr {
                    th scope="col" { "Indicator" } th scope="col" { "Profile / entry" } th.num scope="col" { "Weight" }
                    th scope="col" { "Explanation" } th scope="col" { "Matched fields and evidence" }
                } }
                tbody {
                    @for hit in &a.assessment.hits {
                        tr {
                            td { span.tag.tag-severe[hit.hard] .tag[!hit.hard] { (hit.indicator) } }
                            td { (hit.id) " " span.muted { "v" (hit.version) } }
                            td.num { (format!("{:+.2}", hit.weight)) }
                            td { (hit.reason) @if let Some(l) = hit.lane { " → " span class={"lane lane-" (l)} { (l) } } }
                            td {
                                @for e in &hit.evidence { div { code { (e.field) } " = " (e.value) } }
                            }
                        }
                    }
                    @if a.assessment.hits.is_empty() { tr { td colspan="5" .muted { "No hits." } } }
                }
            }
            @if !a.assessment.findings.is_empty() {
                h2 { "Findings on the data" }
                ul { @for f in &a.assessment.findings { li { (f.to_string()) } } }
            }
        } @else {
            p.muted { "Not assessed." }
        }
        div.grid {
            section.panel aria-labelledby="parties-h" {
                h2 #parties-h { "Parties" }
                (layout::json_table(json.get("parties").and_then(|v| v.as_array()).map(Vec::as_slice).unwrap_or_default(), "Parties"))
            }
            section.panel aria-labelledby="route-h" {
                h2 #route-h { "Route" }
                (layout::json_facts(json.get("itinerary").unwrap_or(&serde_json::Value::Null)))
                h2 { "Transport" }
                (layout::json_facts(json.get("transport").unwrap_or(&serde_json::Value::Null)))
            }
        }
        section aria-labelledby="equipment-h" {
            h2 #equipment-h { "Equipment" }
            (layout::json_table(json.get("equipment").and_then(|v| v.as_array()).map(Vec::as_slice).unwrap_or_default(), "Containers and other equipment"))
        }
        section aria-labelledby="goods-h" {
            h2 #goods-h { "Goods" }
            (layout::json_table(json.get("goods").and_then(|v| v.as_array()).map(Vec::as_slice).unwrap_or_default(), "Goods items"))
        }
        section aria-labelledby="decisions-h" {
            h2 #decisions-h { "Decisions" }
            @if decisions.is_empty() { p.muted { "None yet." } }
            ul #decisions { @for d in &decisions {
                li { strong { (decision_label(d.kind)) } " by " (d.officer) " at " (d.decided_at.format("%Y-%m-%d %H:%M")) ": " (d.justification) }
            } }
            @if may_decide {
                form.panel.stack #decide method="post" action={(here) "/decide"} {
                    (viewer.csrf_field())
                    div.field {
                        (layout::select("kind", "Decision", &DecisionKind::ALL.iter().map(|k| (k.as_str(), decision_label(*k))).collect::<Vec<_>>(), None))
                    }
                    div.field {
                        label for="justification" { "Justification (required)" }
                        textarea #justification name="justification" required {}
                    }
                    button type="submit" { "Record the decision" }
                }
            } @else if viewer.may(access::DECIDE) {
                p.muted { "Claimed by " (claimed_by.as_deref().unwrap_or("")) "; only they can decide." }
            }
        }
        section aria-labelledby="exams-h" {
            h2 #exams-h { "Examinations" }
            ul #examinations { @for e in &examinations {
                li {
                    a href={"/workbench/examinations/" (e.id)} { "Examination " (e.id) } " ordered by " (e.ordered_by) ": " (e.instructions) " — "
                    @if let Some(r) = &e.result { strong { (r.outcome.as_str()) } ": " (r.findings) } @else { "awaiting result" }
                }
            } }
            @if examinations.is_empty() { p.muted { "None ordered." } }
            @if viewer.may(access::EXAMINE) && may_decide {
                form.panel.stack #order-examination method="post" action={(here) "/examine"} {
                    (viewer.csrf_field())
                    div.field {
                        label for="instructions" { "Instructions for the examination" }
                        textarea #instructions name="instructions" required {}
                    }
                    @if json.get("direction").and_then(|v| v.as_str()) == Some("export") {
                        p.muted { "Outbound consignment: the examination takes place before loading." }
                    }
                    button type="submit" { "Order an examination" }
                }
            }
        }
        section aria-labelledby="history-h" {
            h2 #history-h { "The parties' history" }
            table #history {
                thead { tr {
                    th scope="col" { "Consignment" } th scope="col" { "Received" } th scope="col" { "Lane" }
                    th.num scope="col" { "Score" } th scope="col" { "Decision" } th scope="col" { "Examination" }
                } }
                tbody {
                    @for h in &history {
                        tr {
                            td { a href={"/workbench/consignments/" (h.consignment_id)} { (h.reference) } }
                            td { (h.received_at.get(..10).unwrap_or(&h.received_at)) }
                            td { @if let Some(l) = &h.lane { span class={"lane lane-" (l)} { (l) } } }
                            td.num { @if let Some(s) = h.score { (format!("{s:.2}")) } }
                            td { (h.decision.as_deref().unwrap_or("—")) }
                            td { (h.outcome.as_deref().unwrap_or("—")) }
                        }
                    }
                    @if history.is_empty() { tr { td colspan="6" .muted { "No earlier consignments of these parties." } } }
                }
            }
        }
        (extension)
        (share)
    };
    Ok(layout::page(&viewer, &format!("Consignment {}", stored.reference), "", body))
}

#[derive(Debug, Deserialize)]
pub(crate) struct DecideForm {
    kind: String,
    justification: String,
}

/// Makes sure the officer may act on the consignment: claims it if nobody has, refuses if another officer has.
async fn hold(state: &AppState, viewer: &Viewer, id: i64) -> Result<Option<Flash>, PageError> {
    match state.store().queue_entry(id).await? {
        None => Ok(None),
        Some(entry) => match entry.claimed_by {
            Some(who) if who != viewer.user.name => Ok(Some(Flash {
                error: true,
                text: format!("{who} is working this consignment; they must release it first."),
            })),
            Some(_) => Ok(None),
            None => {
                state.store().claim(id, &viewer.user.name).await?;
                Ok(None)
            }
        },
    }
}

/// `POST /workbench/consignments/{id}/decide`.
pub(crate) async fn decide(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted { viewer, form }: Posted<DecideForm>,
) -> Result<Response, PageError> {
    viewer.require(access::DECIDE)?;
    let here = format!("/workbench/consignments/{id}");
    let Some(kind) = DecisionKind::ALL.iter().copied().find(|k| k.as_str() == form.kind) else {
        return Err(PageError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("kind: unknown decision `{}`", form.kind),
        ));
    };
    let justification = form.justification.trim();
    if justification.is_empty() {
        return Ok(redirect_with_flash(
            &here,
            &Flash { error: true, text: "A decision needs a justification.".to_owned() },
        ));
    }
    let Some(stored) = state.store().consignment(id).await? else {
        return Err(PageError::not_found("consignment", id));
    };
    if let Some(refused) = hold(&state, &viewer, id).await? {
        return Ok(redirect_with_flash(&here, &refused));
    }
    let decision = NewDecision {
        consignment_id: id,
        kind,
        justification: justification.to_owned(),
        officer: viewer.user.name.clone(),
    };
    let audit = NewAuditEntry {
        actor: viewer.user.name.clone(),
        action: "decision.record".to_owned(),
        subject: format!("consignment/{id}"),
        details: serde_json::json!({"kind": kind.as_str(), "justification": justification, "via": "workbench"}),
    };
    state.store().record_decision(&decision, &audit).await?;
    if kind == DecisionKind::DoNotLoad {
        let message = format!("{} was decided do-not-load by {}: {justification}", stored.reference, viewer.user.name);
        state.store().add_notification(id, &stored.reference, "do-not-load", &message).await?;
    }
    Ok(redirect_with_flash(
        &here,
        &Flash { error: false, text: format!("Decision recorded: {}.", decision_label(kind)) },
    ))
}

#[derive(Debug, Deserialize)]
pub(crate) struct ExamineForm {
    instructions: String,
}

/// `POST /workbench/consignments/{id}/examine`.
pub(crate) async fn order_examination(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted { viewer, form }: Posted<ExamineForm>,
) -> Result<Response, PageError> {
    viewer.require(access::EXAMINE)?;
    let here = format!("/workbench/consignments/{id}");
    let instructions = form.instructions.trim();
    if instructions.is_empty() {
        return Ok(redirect_with_flash(
            &here,
            &Flash { error: true, text: "An examination order needs instructions.".to_owned() },
        ));
    }
    if state.store().consignment(id).await?.is_none() {
        return Err(PageError::not_found("consignment", id));
    }
    if let Some(refused) = hold(&state, &viewer, id).await? {
        return Ok(redirect_with_flash(&here, &refused));
    }
    let order = NewExaminationOrder {
        consignment_id: id,
        ordered_by: viewer.user.name.clone(),
        instructions: instructions.to_owned(),
    };
    let audit = NewAuditEntry {
        actor: viewer.user.name.clone(),
        action: "examination.order".to_owned(),
        subject: format!("consignment/{id}"),
        details: serde_json::json!({"instructions": instructions, "via": "workbench"}),
    };
    let order = state.store().order_examination(&order, &audit).await?;
    Ok(redirect_with_flash(
        &format!("/workbench/examinations/{}", order.id),
        &Flash { error: false, text: format!("Examination {} ordered.", order.id) },
    ))
}
