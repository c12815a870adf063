//! Profile pages: the list of profile documents (and a form to create one), a document's page (its rules, the
//! text of the latest or any version, the history of versions, the edit form with compile errors shown inline by
//! line and column, activate / deactivate), and the back-test page (what a version would have selected among the
//! stored consignments of the last days, its hit rate where examinations are recorded, and the active set's, for
//! comparison, with a button to activate it). The work is done by the same functions as the API
//! (`api::profiles`), so pages and API check, store and audit alike.

use aduana_core::Diagnostic;
use aduana_risk::{ProfileSet, ProfileSource};
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use serde::Deserialize;

use super::{Flash, PageError, Posted, Viewer, layout, redirect_with_flash};
use crate::api::profiles::{
    activate_version, backtest_report, create_document, deactivate_document, edit_document, stored_profile,
    stored_version,
};
use crate::auth::access;
use crate::error::ApiError;
use crate::json::ApiPath;
use crate::state::AppState;

/// The profile pages' routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/workbench/profiles", get(list).post(create))
        .route("/workbench/profiles/{name}", get(view))
        .route("/workbench/profiles/{name}/edit", post(edit))
        .route("/workbench/profiles/{name}/activate", post(activate))
        .route("/workbench/profiles/{name}/deactivate", post(deactivate))
        .route("/workbench/profiles/{name}/backtest", get(backtest))
}

fn path_of(name: &str) -> String {
    format!("/workbench/profiles/{name}")
}

/// Compile errors shown next to the text they are about.
fn error_list(error: &ApiError) -> Markup {
    html! {
        div.error-text #source-errors role="alert" {
            p { (error.message) }
            @if !error.diagnostics.is_empty() {
                ul {
                    @for d in &error.diagnostics { li { (diagnostic_line(d)) } }
                }
            }
        }
    }
}

fn diagnostic_line(d: &Diagnostic) -> String {
    match (d.location.line, d.location.column) {
        (Some(line), Some(column)) => format!("line {line}, column {column}: {}", d.message),
        (Some(line), None) => format!("line {line}: {}", d.message),
        _ => d.message.to_string(),
    }
}

/// `GET /workbench/profiles`.
async fn list(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    viewer.require(access::READ_PROFILES)?;
    Ok(list_page(&state, &viewer, None, "", "").await?.into_response())
}

async fn list_page(
    state: &AppState,
    viewer: &Viewer,
    error: Option<&ApiError>,
    name: &str,
    source: &str,
) -> Result<Response, PageError> {
    let profiles = state.store().profiles().await?;
    let body = html! {
        table {
            caption.muted { (profiles.len()) " profile documents" }
            thead { tr { th scope="col" { "Name" } th scope="col" { "Status" } th.num scope="col" { "Latest version" } th scope="col" { "Updated" } } }
            tbody {
                @for p in &profiles {
                    tr {
                        td { a href=(path_of(&p.name)) { (p.name) } }
                        td {
                            @match p.active_version {
                                Some(v) => span.tag { "active: version " (v) },
                                None => span.muted { "inactive" },
                            }
                        }
                        td.num { (p.latest_version) }
                        td { (p.updated_at.format("%Y-%m-%d %H:%M")) }
                    }
                }
            }
        }
        @if viewer.may(access::WRITE_PROFILES) {
            section.panel aria-labelledby="new-heading" {
                h2 #new-heading { "New profile document" }
                form.stack method="post" action="/workbench/profiles" {
                    (viewer.csrf_field())
                    div.field { label for="name" { "Name" } input #name type="text" name="name" required value=(name); }
                    div.field {
                        label for="source" { "Profile text" }
                        textarea #source name="source" rows="14" aria-describedby=[error.map(|_| "source-errors")] { (source) }
                    }
                    @if let Some(error) = error { (error_list(error)) }
                    div.field { label for="comment" { "Comment" } input #comment type="text" name="comment"; }
                    button type="submit" { "Create (inactive)" }
                }
            }
        }
    };
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, layout::page(viewer, "Profiles", "/workbench/profiles", body)).into_response())
}

/// The create form.
#[derive(Debug, Deserialize)]
struct CreateForm {
    name: String,
    source: String,
    #[serde(default)]
    comment: String,
}

/// `POST /workbench/profiles`.
async fn create(
    State(state): State<AppState>,
    Posted { viewer, form }: Posted<CreateForm>,
) -> Result<Response, PageError> {
    viewer.require(access::WRITE_PROFILES)?;
    let source = form.source.replace("\r\n", "\n");
    match create_document(&state, &viewer.user.name, &form.name, &source, &form.comment).await {
        Ok(stored) => Ok(redirect_with_flash(
            &path_of(&stored.name),
            &Flash { error: false, text: format!("Profile document {} created as version 1 (inactive).", stored.name) },
        )),
        Err(error)
            if error.code.status() == StatusCode::UNPROCESSABLE_ENTITY
                || error.code.status() == StatusCode::CONFLICT =>
        {
            list_page(&state, &viewer, Some(&error), &form.name, &source).await
        }
        Err(error) => Err(error.into()),
    }
}

/// Which version to show.
#[derive(Debug, Deserialize)]
struct ViewQuery {
    version: Option<i64>,
}

/// `GET /workbench/profiles/{name}`.
async fn view(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(name): ApiPath<String>,
    Query(query): Query<ViewQuery>,
) -> Result<Response, PageError> {
    viewer.require(access::READ_PROFILES)?;
    profile_page(&state, &viewer, &name, query.version, None).await
}

/// A rejected edit: the text as submitted and why.
struct Rejected<'a> {
    source: &'a str,
    comment: &'a str,
    error: &'a ApiError,
}

async fn profile_page(
    state: &AppState,
    viewer: &Viewer,
    name: &str,
    shown: Option<i64>,
    rejected: Option<Rejected<'_>>,
) -> Result<Response, PageError> {
    let profile = stored_profile(state, name).await?;
    let shown = stored_version(state, name, shown.unwrap_or(profile.latest_version)).await?;
    let versions = state.store().profile_versions(name).await?;
    let rules = ProfileSet::compile(&[ProfileSource { name, text: &shown.source }]).ok();
    let writer = viewer.may(access::WRITE_PROFILES);
    let body = html! {
        div.grid {
            section.panel aria-labelledby="status-heading" {
                h2 #status-heading { "Status" }
                dl.facts {
                    dt { "Active version" }
                    dd { @match profile.active_version { Some(v) => span.tag { "version " (v) }, None => span.muted { "inactive" } } }
                    dt { "Latest version" } dd { (profile.latest_version) }
                    dt { "Updated" } dd { (profile.updated_at.format("%Y-%m-%d %H:%M UTC")) }
                }
                @if writer {
                    div.stack {
                        form method="post" action=(format!("{}/activate", path_of(name))) {
                            (viewer.csrf_field())
                            input type="hidden" name="version" value=(profile.latest_version);
                            button type="submit" { "Activate version " (profile.latest_version) }
                        }
                        @if profile.active_version.is_some() {
                            form method="post" action=(format!("{}/deactivate", path_of(name))) {
                                (viewer.csrf_field())
                                button.danger type="submit" { "Deactivate" }
                            }
                        }
                    }
                }
            }
            @if writer {
                section.panel aria-labelledby="backtest-heading" {
                    h2 #backtest-heading { "Back-test" }
                    form.filters method="get" action=(format!("{}/backtest", path_of(name))) {
                        div { label for="days" { "Last days" } input #days type="number" name="days" min="1" max="3650" value="30"; }
                        div {
                            @let options: Vec<(String, String)> = versions.iter().map(|v| (v.version.to_string(), format!("version {}", v.version))).collect();
                            @let options: Vec<(&str, &str)> = options.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
                            (layout::select("version", "Version", &options, Some(&profile.latest_version.to_string())))
                        }
                        button type="submit" { "Run back-test" }
                    }
                }
            }
        }
        section.panel aria-labelledby="rules-heading" {
            h2 #rules-heading { "Profiles in version " (shown.version) }
            @match &rules {
                Some(set) => table {
                    thead { tr { th scope="col" { "Id" } th scope="col" { "Title" } th.num scope="col" { "Weight" } th scope="col" { "Lane" } th scope="col" { "Referrals" } } }
                    tbody {
                        @for p in set.profiles() {
                            tr {
                                td { (p.id) } td { (p.title) } td.num { (p.weight) }
                                td { @if let Some(lane) = p.lane { span class={"lane lane-" (lane)} { (lane) } } }
                                td { @for r in &p.referrals { span.tag { (r.as_str()) } } }
                            }
                        }
                    }
                },
                None => p.muted { "This version no longer compiles." },
            }
            h3 { "Text of version " (shown.version) }
            pre { code { (shown.source) } }
        }
        @if writer {
            section.panel aria-labelledby="edit-heading" {
                h2 #edit-heading { "Edit (saved as version " (profile.latest_version + 1) ", not active until activated)" }
                form.stack method="post" action=(format!("{}/edit", path_of(name))) {
                    (viewer.csrf_field())
                    div.field {
                        label for="source" { "Profile text" }
                        textarea #source name="source" rows="18" aria-describedby=[rejected.as_ref().map(|_| "source-errors")] {
                            (rejected.as_ref().map_or(shown.source.as_str(), |r| r.source))
                        }
                    }
                    @if let Some(r) = &rejected { (error_list(r.error)) }
                    div.field {
                        label for="comment" { "Comment" }
                        input #comment type="text" name="comment" value=(rejected.as_ref().map_or("", |r| r.comment));
                    }
                    button type="submit" { "Save new version" }
                }
            }
        }
        section.panel aria-labelledby="history-heading" {
            h2 #history-heading { "History" }
            table {
                thead { tr { th.num scope="col" { "Version" } th scope="col" { "Author" } th scope="col" { "When" } th scope="col" { "Comment" } } }
                tbody {
                    @for v in &versions {
                        tr {
                            td.num { a href=(format!("{}?version={}", path_of(name), v.version)) { (v.version) } }
                            td { (v.author) }
                            td { (v.created_at.format("%Y-%m-%d %H:%M")) }
                            td { (v.comment) }
                        }
                    }
                }
            }
        }
    };
    let status = if rejected.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let title = format!("Profile {name}");
    Ok((status, layout::page(viewer, &title, "/workbench/profiles", body)).into_response())
}

/// The edit form.
#[derive(Debug, Deserialize)]
struct EditForm {
    source: String,
    #[serde(default)]
    comment: String,
}

/// `POST /workbench/profiles/{name}/edit`: a new version, or the page again with the errors inline.
async fn edit(
    State(state): State<AppState>,
    ApiPath(name): ApiPath<String>,
    Posted { viewer, form }: Posted<EditForm>,
) -> Result<Response, PageError> {
    viewer.require(access::WRITE_PROFILES)?;
    let source = form.source.replace("\r\n", "\n");
    match edit_document(&state, &viewer.user.name, &name, &source, &form.comment).await {
        Ok(stored) => Ok(redirect_with_flash(
            &path_of(&name),
            &Flash {
                error: false,
                text: format!("Version {} saved; it is not active until you activate it.", stored.version),
            },
        )),
        Err(error) if error.code.status() == StatusCode::UNPROCESSABLE_ENTITY => {
            let rejected = Rejected { source: &source, comment: &form.comment, error: &error };
            profile_page(&state, &viewer, &name, None, Some(rejected)).await
        }
        Err(error) => Err(error.into()),
    }
}

/// The activate form.
#[derive(Debug, Deserialize)]
struct ActivateForm {
    version: Option<i64>,
}

/// `POST /workbench/profiles/{name}/activate`.
async fn activate(
    State(state): State<AppState>,
    ApiPath(name): ApiPath<String>,
    Posted { viewer, form }: Posted<ActivateForm>,
) -> Result<Response, PageError> {
    viewer.require(access::WRITE_PROFILES)?;
    let flash = match activate_version(&state, &viewer.user.name, &name, form.version).await {
        Ok(stored) => Flash {
            error: false,
            text: format!(
                "Version {} is active: new submissions are assessed with it.",
                stored.active_version.unwrap_or_default()
            ),
        },
        Err(error) if error.code.status() == StatusCode::UNPROCESSABLE_ENTITY => {
            let details: Vec<String> = error.diagnostics.iter().map(diagnostic_line).collect();
            Flash { error: true, text: format!("Not activated: {} {}", error.message, details.join("; ")) }
        }
        Err(error) => return Err(error.into()),
    };
    Ok(redirect_with_flash(&path_of(&name), &flash))
}

/// The deactivate form (only the CSRF token).
#[derive(Debug, Deserialize)]
struct EmptyForm {}

/// `POST /workbench/profiles/{name}/deactivate`.
async fn deactivate(
    State(state): State<AppState>,
    ApiPath(name): ApiPath<String>,
    Posted { viewer, form: EmptyForm {} }: Posted<EmptyForm>,
) -> Result<Response, PageError> {
    viewer.require(access::WRITE_PROFILES)?;
    deactivate_document(&state, &viewer.user.name, &name).await?;
    Ok(redirect_with_flash(
        &path_of(&name),
        &Flash { error: false, text: "Deactivated: new submissions are no longer assessed with it.".to_owned() },
    ))
}

/// The back-test form.
#[derive(Debug, Deserialize)]
struct BacktestQuery {
    days: Option<u32>,
    version: Option<i64>,
}

fn tally_row(label: &str, tally: &serde_json::Value) -> Markup {
    let rate = tally["hit_rate"].as_f64().map_or_else(|| "n/a".to_owned(), |r| format!("{:.1} %", r * 100.0));
    html! {
        tr {
            th scope="row" { (label) }
            td.num { (tally["selected"]) } td.num { (tally["examined"]) } td.num { (tally["found"]) } td.num { (rate) }
        }
    }
}

/// `GET /workbench/profiles/{name}/backtest?days=&version=`.
async fn backtest(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(name): ApiPath<String>,
    Query(query): Query<BacktestQuery>,
) -> Result<Response, PageError> {
    viewer.require(access::BACKTEST_PROFILES)?;
    let days = query.days.unwrap_or(30);
    let report = backtest_report(&state, &name, query.version, None, days).await?;
    let report = serde_json::to_value(&report).map_err(|e| ApiError::internal(&e))?;
    let version = report["version"].as_i64().unwrap_or_default();
    let body = html! {
        section.panel aria-labelledby="summary-heading" {
            h2 #summary-heading { "Version " (version) " over the last " (days) " days" }
            p #backtest-summary {
                (report["consignments"]) " consignments received since " (report["since"].as_str().unwrap_or("")) "; "
                (report["with_outcome"]) " with an examination result, " (report["found"]) " of them irregular."
            }
            table #backtest-table {
                thead { tr { th scope="col" { "Set" } th.num scope="col" { "Selected" } th.num scope="col" { "Examined" } th.num scope="col" { "Found" } th.num scope="col" { "Hit rate" } } }
                tbody {
                    (tally_row(&format!("{name} version {version}"), &report["candidate"]))
                    (tally_row("Active set as it is", &report["current"]))
                    (tally_row("Active set with this version", &report["proposed"]))
                }
            }
            p { (report["only_candidate"]) " consignments would be selected by this version and by nothing active now." }
        }
        section.panel aria-labelledby="by-profile-heading" {
            h2 #by-profile-heading { "By profile" }
            table {
                thead { tr { th scope="col" { "Profile" } th.num scope="col" { "Selected" } th.num scope="col" { "Examined" } th.num scope="col" { "Found" } th.num scope="col" { "Hit rate" } } }
                tbody {
                    @if let Some(profiles) = report["by_profile"].as_object() {
                        @for (id, tally) in profiles { (tally_row(id, tally)) }
                    }
                }
            }
            @if let Some(sample) = report["sample"].as_array().filter(|s| !s.is_empty()) {
                h3 { "Selected references (first " (sample.len()) ")" }
                p { @for r in sample { span.tag { (r.as_str().unwrap_or("")) } } }
            }
        }
        @if viewer.may(access::WRITE_PROFILES) {
            form method="post" action=(format!("{}/activate", path_of(&name))) {
                (viewer.csrf_field())
                input type="hidden" name="version" value=(version);
                button type="submit" { "Activate version " (version) }
            }
        }
        p { a href=(path_of(&name)) { "Back to " (name) } }
    };
    let title = format!("Back-test of {name}");
    Ok(layout::page(&viewer, &title, "/workbench/profiles", body))
}
