//! The screening page: search a name across the watch lists the store holds (seeded by `aduana serve --list`,
//! replaced by uploads to `PUT /api/lists/{name}`), with the explanation of each candidate (through the
//! [`crate::Screener`] seam the binary fills in).

use axum::extract::{Query, State};
use axum::response::Response;
use maud::html;
use serde::Deserialize;

use super::{PageError, Viewer, layout};
use crate::auth::access;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub(crate) struct ScreenQuery {
    name: Option<String>,
}

/// `GET /workbench/screening?name=…`.
pub(crate) async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<ScreenQuery>,
) -> Result<Response, PageError> {
    viewer.require(access::SCREEN)?;
    let name = query.name.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned);
    // A list uploaded a moment ago, by this process or another one, is searched at once.
    state.refresh_risk_config().await?;
    let screener = state.inner.screener.clone();
    let lists = screener.as_ref().map(|s| s.lists()).unwrap_or_default();
    let results = match (&screener, &name) {
        (Some(screener), Some(name)) => {
            let (screener, query) = (screener.clone(), name.clone());
            let found = tokio::task::spawn_blocking(move || screener.screen_name(&query))
                .await
                .map_err(|e| crate::error::ApiError::internal(&e))?;
            Some(found)
        }
        _ => None,
    };
    if let Some(name) = &name {
        let caller = crate::auth::Caller { user: viewer.user.clone() };
        crate::api::record_audit(
            &state,
            &caller,
            "screening.search",
            format!("name/{name}"),
            serde_json::json!({"via": "workbench"}),
        )
        .await?;
    }
    let body = html! {
        @if lists.is_empty() {
            p.flash.flash-error { "No watch lists are loaded: upload one with PUT /api/lists/{name} or start the server with aduana serve --list FILE." }
        } @else {
            p.muted { "Lists: " (lists.join(", ")) }
        }
        form.filters method="get" action="/workbench/screening" role="search" {
            div {
                label for="name" { "Name" }
                input #name type="search" name="name" value=(name.clone().unwrap_or_default()) required;
            }
            div { button type="submit" { "Screen" } }
        }
        @if let Some(results) = &results {
            table #screening-results {
                caption.muted { (results.len()) " candidates for “" (name.clone().unwrap_or_default()) "”" }
                thead { tr {
                    th scope="col" { "Match" } th.num scope="col" { "Score" } th scope="col" { "List / entry" }
                    th scope="col" { "Listed name" } th scope="col" { "Explanation" }
                } }
                tbody {
                    @for r in results {
                        tr {
                            td { @if r.matched { span.tag.tag-severe { "match" } } @else { span.tag { "below threshold" } } }
                            td.num { (format!("{:.2}", r.score)) }
                            td { (r.list) " · " code { (r.entry_id) } }
                            td { (r.name) }
                            td { (r.explanation) @for e in &r.evidence { div.muted { (e) } } }
                        }
                    }
                    @if results.is_empty() { tr { td colspan="5" .muted { "No candidate on the loaded lists." } } }
                }
            }
        }
    };
    Ok(layout::page(&viewer, "Screening", "/workbench/screening", body))
}
