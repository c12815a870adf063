//! Notifications of severe hits (a sanctions match, a do-not-load referral or decision): the background task that
//! indexes new assessments for the workbench and posts each new notification to the configured webhook, and the
//! page that lists them.

use std::time::Duration;

use aduana_store::workbench::Notification;
use axum::extract::State;
use axum::response::Response;
use maud::html;

use super::{PageError, Viewer, layout};
use crate::auth::access;
use crate::state::AppState;

/// Runs until aborted: every `sync_interval`, indexes new assessments and delivers pending notifications.
pub(crate) async fn run(state: AppState) {
    let interval = state.inner.workbench.sync_interval;
    loop {
        if let Err(error) = state.store().sync_workbench().await {
            log(&format!("workbench: indexing new assessments failed: {error}"));
        }
        if let Some(url) = state.inner.workbench.webhook.clone() {
            deliver(&state, &url).await;
        }
        tokio::time::sleep(interval).await;
    }
}

fn log(line: &str) {
    #[allow(clippy::print_stderr, reason = "the server's log is its standard error")]
    {
        eprintln!("{line}");
    }
}

/// Posts each pending notification (at most 100 per round; a failing one is retried next round).
async fn deliver(state: &AppState, url: &str) {
    let pending = match state.store().undelivered_notifications(100).await {
        Ok(pending) => pending,
        Err(error) => return log(&format!("workbench: reading notifications failed: {error}")),
    };
    if pending.is_empty() {
        return;
    }
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build(hyper_util::client::legacy::connect::HttpConnector::new());
    for notification in pending.iter().filter(|n| n.attempts < 20) {
        let outcome = post(&client, url, notification).await;
        if let Err(error) = state.store().mark_notification(notification.id, outcome.err().as_deref()).await {
            log(&format!("workbench: marking notification {} failed: {error}", notification.id));
        }
    }
}

type HttpClient =
    hyper_util::client::legacy::Client<hyper_util::client::legacy::connect::HttpConnector, axum::body::Body>;

async fn post(client: &HttpClient, url: &str, notification: &Notification) -> Result<(), String> {
    let body = serde_json::json!({
        "id": notification.id,
        "kind": notification.kind,
        "consignment_id": notification.consignment_id,
        "reference": notification.reference,
        "message": notification.message,
        "created_at": notification.created_at,
    })
    .to_string();
    let request = axum::http::Request::post(url)
        .header(axum::http::header::CONTENT_TYPE, "application/json")
        .body(axum::body::Body::from(body))
        .map_err(|e| format!("the webhook URL is unusable: {e}"))?;
    match tokio::time::timeout(Duration::from_secs(10), client.request(request)).await {
        Err(_) => Err("the webhook did not answer within 10 s".to_owned()),
        Ok(Err(e)) => Err(format!("the webhook could not be reached: {e}")),
        Ok(Ok(response)) if response.status().is_success() => Ok(()),
        Ok(Ok(response)) => Err(format!("the webhook answered {}", response.status())),
    }
}

/// `GET /workbench/notifications`.
pub(crate) async fn page(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    viewer.require(access::READ_ASSESSMENTS)?;
    let notifications = state.store().notifications(200).await?;
    let webhook = state.inner.workbench.webhook.is_some();
    let body = html! {
        p.muted {
            @if webhook { "Each notification is also posted to the configured webhook." }
            @else { "No webhook is configured (aduana serve --webhook URL)." }
        }
        table #notifications {
            thead { tr {
                th scope="col" { "When" } th scope="col" { "Kind" } th scope="col" { "Consignment" }
                th scope="col" { "What" } th scope="col" { "Webhook" }
            } }
            tbody {
                @for n in &notifications {
                    tr {
                        td { (n.created_at.get(..19).unwrap_or(&n.created_at).replace('T', " ")) }
                        td { span.tag.tag-severe { (n.kind) } }
                        td { a href={"/workbench/consignments/" (n.consignment_id)} { (n.reference) } }
                        td { (n.message) }
                        td {
                            @if n.delivered_at.is_some() { "delivered" }
                            @else if let Some(error) = &n.last_error { "failed (" (n.attempts) "): " (error) }
                            @else if webhook { "pending" }
                            @else { "—" }
                        }
                    }
                }
                @if notifications.is_empty() { tr { td colspan="5" .muted { "No notifications." } } }
            }
        }
    };
    Ok(layout::page(&viewer, "Notifications", "/workbench/notifications", body))
}
