//! The queue: red-lane and referred consignments, highest score first.

use aduana_core::Lane;
use aduana_store::AssessmentFilter;
use axum::extract::State;
use axum::response::Response;
use maud::html;

use super::{PageError, Viewer, layout};
use crate::auth::access;
use crate::state::AppState;

/// `GET /workbench/queue`.
pub(crate) async fn page(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    viewer.require(access::READ_ASSESSMENTS)?;
    let filter = AssessmentFilter { lane: Some(Lane::Red), limit: 200, ..AssessmentFilter::default() };
    let mut rows = state.store().assessments(&filter).await?;
    rows.sort_by(|a, b| b.assessment.score.total_cmp(&a.assessment.score));
    let body = html! {
        table {
            caption.muted { (rows.len()) " consignments" }
            thead { tr { th scope="col" { "Reference" } th scope="col" { "Lane" } th.num scope="col" { "Score" } th scope="col" { "Referrals" } } }
            tbody {
                @for row in &rows {
                    tr {
                        td { (row.reference) }
                        td { span class={"lane lane-" (row.assessment.lane)} { (row.assessment.lane) } }
                        td.num { (format!("{:.2}", row.assessment.score)) }
                        td { @for r in &row.assessment.referrals { span.tag { (r.as_str()) } } }
                    }
                }
            }
        }
    };
    Ok(layout::page(&viewer, "Queue", "/workbench/queue", body))
}
