//! The exchange between administrations in the workbench: the inbox (messages received from partner nodes,
//! decrypted), the groups and their members, the outbox (deliveries pending or given up, and what was sent), and
//! "share as alert" from a consignment page (sealed to the group's members and queued; the outbox loop delivers).

use aduana_exchange::{Alert, AlertSubject, Content};
use aduana_store::ExchangeDirection;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use maud::{Markup, html};
use serde::Deserialize;

use super::{Flash, PageError, Posted, Viewer, layout, redirect_with_flash};
use crate::auth::{Caller, access};
use crate::state::AppState;

/// The exchange pages' routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/workbench/exchange/inbox", get(inbox))
        .route("/workbench/exchange/groups", get(groups))
        .route("/workbench/exchange/outbox", get(outbox))
        .route("/workbench/exchange/share", get(share_form).post(share))
}

fn tabs(current: &str) -> Markup {
    html! {
        nav.filters aria-label="Exchange" {
            @for (href, label) in [("/workbench/exchange/inbox", "Inbox"), ("/workbench/exchange/groups", "Groups"), ("/workbench/exchange/outbox", "Outbox and sent")] {
                @if href == current { strong { (label) } } @else { a href=(href) { (label) } }
                " "
            }
        }
    }
}

fn not_configured() -> Markup {
    html! { p.muted #exchange-off { "This server runs no exchange node (start it with aduana serve --exchange DIR --exchange-listen ADDR)." } }
}

fn messages_table(id: &str, messages: &[aduana_store::ExchangeMessage], sent: bool) -> Markup {
    html! {
        table id=(id) {
            thead { tr {
                th scope="col" { "When" } th scope="col" { @if sent { "Group" } @else { "From" } }
                @if !sent { th scope="col" { "Group" } }
                th scope="col" { "Kind" } th scope="col" { "Summary" }
            } }
            tbody {
                @for stored in messages {
                    @let m = &stored.message;
                    tr {
                        td { (m.created_at.format("%Y-%m-%d %H:%M:%S UTC")) }
                        @if !sent { td { (m.sender_name) } }
                        td { (m.group_name) }
                        td { span.tag { (m.kind) } }
                        td {
                            details {
                                summary { (m.summary) }
                                pre { (serde_json::to_string_pretty(&m.content).unwrap_or_default()) }
                            }
                        }
                    }
                }
            }
        }
        @if messages.is_empty() { p.muted { "None yet." } }
    }
}

async fn inbox(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    viewer.require(access::READ_EXCHANGE)?;
    let messages = state.store().exchange_messages(ExchangeDirection::Received, 200).await?;
    let body = html! {
        (tabs("/workbench/exchange/inbox"))
        @if state.inner.exchange.is_none() { (not_configured()) }
        p.muted { "Messages from partner administrations, verified and decrypted; refused envelopes are in the audit log." }
        (messages_table("exchange-inbox", &messages, false))
    };
    Ok(layout::page(&viewer, "Exchange inbox", "/workbench/exchange/inbox", body))
}

async fn groups(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    viewer.require(access::READ_EXCHANGE)?;
    let Some(exchange) = state.inner.exchange.clone() else {
        let body = html! { (tabs("/workbench/exchange/groups")) (not_configured()) };
        return Ok(layout::page(&viewer, "Exchange groups", "/workbench/exchange/inbox", body));
    };
    let node = exchange.node.lock().await;
    let me = node.identity.public();
    let body = html! {
        (tabs("/workbench/exchange/groups"))
        dl.facts {
            dt { "This node" } dd { (me.name()) }
            dt { "Fingerprint" } dd { code { (me.id().fingerprint()) } }
            dt { "Endpoint" } dd { (me.endpoint().map_or("none (file drop only)", |e| e.url.as_str())) }
        }
        @for state in node.directory.groups.values() {
            @let record = state.record();
            section.panel.group {
                h2 { (record.name) }
                p.muted {
                    "Owner " (record.members.get(&record.owner).map_or("?", |m| m.name()))
                    " · membership serial " (record.serial)
                    " · nominal data " @if record.nominal_data_allowed { "allowed" } @else { "not allowed" }
                }
                table {
                    thead { tr { th scope="col" { "Member" } th scope="col" { "Fingerprint" } th scope="col" { "Endpoint" } } }
                    tbody {
                        @for member in record.members.values() {
                            tr {
                                td { (member.name()) }
                                td { code { (member.id().short()) } }
                                td { (member.endpoint().map_or("—", |e| e.url.as_str())) }
                            }
                        }
                    }
                }
                @if !state.removed.is_empty() {
                    p { "Removed: " @for m in state.removed.values() { span.tag { (m.name()) } " " } }
                }
            }
        }
        @if node.directory.groups.is_empty() { p.muted { "This node is in no group yet." } }
    };
    Ok(layout::page(&viewer, "Exchange groups", "/workbench/exchange/inbox", body))
}

async fn outbox(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    viewer.require(access::READ_EXCHANGE)?;
    let sent = state.store().exchange_messages(ExchangeDirection::Sent, 200).await?;
    let entries = match state.inner.exchange.clone() {
        Some(exchange) => {
            let outbox = {
                let _guard = exchange.outbox.lock().await;
                exchange.files.load_outbox().map_err(|e| PageError::new(StatusCode::INTERNAL_SERVER_ERROR, e))?
            };
            let node = exchange.node.lock().await;
            outbox
                .entries
                .iter()
                .map(|e| {
                    let name = node
                        .public_identity_of(&e.recipient)
                        .map_or_else(|| e.recipient.short().to_owned(), |p| p.name().to_owned());
                    (e.clone(), name)
                })
                .collect::<Vec<_>>()
        }
        None => Vec::new(),
    };
    let body = html! {
        (tabs("/workbench/exchange/outbox"))
        @if state.inner.exchange.is_none() { (not_configured()) }
        h2 { "Awaiting delivery" }
        table #exchange-outbox {
            thead { tr {
                th scope="col" { "Message" } th scope="col" { "To" } th scope="col" { "Status" }
                th scope="col" { "Attempts" } th scope="col" { "Next attempt" } th scope="col" { "Last error" }
            } }
            tbody {
                @for (entry, name) in &entries {
                    tr {
                        td { code { (entry.message_id) } }
                        td { (name) }
                        td { @match entry.status {
                            aduana_exchange::DeliveryStatus::Failed => span.tag.tag-severe { "failed" },
                            aduana_exchange::DeliveryStatus::Pending => span.tag { "pending" },
                            aduana_exchange::DeliveryStatus::Delivered => span.tag { "delivered" },
                        } }
                        td.num { (entry.attempts) }
                        td { (entry.next_attempt_at.format("%Y-%m-%d %H:%M:%S UTC")) }
                        td { (entry.last_error.as_deref().unwrap_or("")) }
                    }
                }
            }
        }
        @if entries.is_empty() { p.muted { "Everything sent has been delivered." } }
        h2 { "Sent" }
        (messages_table("exchange-sent", &sent, true))
    };
    Ok(layout::page(&viewer, "Exchange outbox", "/workbench/exchange/inbox", body))
}

#[derive(Debug, Deserialize)]
struct ShareQuery {
    consignment: i64,
}

/// The link the consignment page shows.
pub(crate) fn share_link(viewer: &Viewer, consignment_id: i64) -> Markup {
    html! {
        @if viewer.may(access::SEND_EXCHANGE) {
            section.panel #exchange-share {
                h2 { "Partner administrations" }
                a.button #share-alert href=(format!("/workbench/exchange/share?consignment={consignment_id}")) { "Share as alert" }
            }
        }
    }
}

async fn share_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<ShareQuery>,
) -> Result<Response, PageError> {
    viewer.require(access::SEND_EXCHANGE)?;
    let stored = state
        .store()
        .consignment(query.consignment)
        .await?
        .ok_or_else(|| PageError::not_found("consignment", query.consignment))?;
    let Some(exchange) = state.inner.exchange.clone() else {
        let body = not_configured();
        return Ok(layout::page(&viewer, "Share as alert", "/workbench/exchange/inbox", body));
    };
    let groups: Vec<(String, String)> = {
        let node = exchange.node.lock().await;
        node.directory.groups.values().map(|g| (g.record().group.to_string(), g.record().name.clone())).collect()
    };
    let reference = stored.consignment.reference.as_str().to_owned();
    let options: Vec<(&str, &str)> = groups.iter().map(|(id, name)| (id.as_str(), name.as_str())).collect();
    let subjects =
        [("consignment", "Consignment"), ("party", "Party"), ("route", "Route"), ("concealment", "Concealment")];
    let body = html! {
        p { "Alert partner administrations about consignment " strong { (reference) } ". The alert is encrypted to the group's current members and signed by this node." }
        form.stack method="post" action="/workbench/exchange/share" {
            (viewer.csrf_field())
            input type="hidden" name="consignment" value=(query.consignment);
            div.field { (layout::select("group", "Group", &options, None)) }
            div.field { (layout::select("subject", "About", &subjects, Some("consignment"))) }
            div.field { label for="title" { "Title" } input #title name="title" required value=(format!("Consignment {reference}")); }
            div.field { label for="description" { "What partners should know" } textarea #description name="description" required {} }
            div.field { label for="reference" { "Reference" } input #reference name="reference" value=(reference); }
            button type="submit" #send-alert { "Send alert" }
        }
        @if groups.is_empty() { p.muted { "This node is in no group yet." } }
    };
    Ok(layout::page(&viewer, "Share as alert", "/workbench/exchange/inbox", body))
}

#[derive(Debug, Deserialize)]
struct ShareForm {
    consignment: i64,
    group: String,
    subject: AlertSubject,
    title: String,
    description: String,
    #[serde(default)]
    reference: String,
}

async fn share(
    State(state): State<AppState>,
    Posted { viewer, form }: Posted<ShareForm>,
) -> Result<Response, PageError> {
    viewer.require(access::SEND_EXCHANGE)?;
    let back = format!("/workbench/exchange/share?consignment={}", form.consignment);
    if form.title.trim().is_empty() || form.description.trim().is_empty() {
        return Ok(redirect_with_flash(
            &back,
            &Flash { error: true, text: "An alert needs a title and a description.".to_owned() },
        ));
    }
    let content = Content::Alert(Alert {
        subject: form.subject,
        title: form.title.trim().to_owned(),
        description: form.description.trim().to_owned(),
        reference: Some(form.reference.trim().to_owned()).filter(|r| !r.is_empty()),
        route: vec![],
        attachments: vec![],
    });
    let caller = Caller { user: viewer.user.clone() };
    match crate::api::exchange::queue_message(&state, &caller, &form.group, &content).await {
        Ok(sent) => Ok(redirect_with_flash(
            "/workbench/exchange/outbox",
            &Flash {
                error: false,
                text: format!("Alert {} queued for {} members.", sent.message_id, sent.recipients.len()),
            },
        )),
        Err(error) => Ok(redirect_with_flash(&back, &Flash { error: true, text: error.message })),
    }
}
