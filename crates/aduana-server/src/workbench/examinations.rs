//! Examinations: the list of open ones (mine or all), and the examination page — assign it to an officer, record
//! the result (nothing found / found what, quantity, where concealed) with photos, stored under the data
//! directory. The result form is `multipart/form-data`; its CSRF token must be its first field.

use aduana_store::workbench::NewPhoto;
use aduana_store::{ExaminationOutcome, NewAuditEntry, NewExaminationResult, Role};
use axum::Router;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use maud::html;
use serde::Deserialize;

use super::{Flash, PageError, Posted, Viewer, check_csrf, layout, redirect_with_flash};
use crate::auth::access;
use crate::state::AppState;

/// The examinations' routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/workbench/examinations", get(list))
        .route("/workbench/examinations/{id}", get(page))
        .route("/workbench/examinations/{id}/assign", post(assign))
        .route("/workbench/examinations/{id}/result", post(record_result))
        .route("/workbench/photos/{id}", get(photo))
}

#[derive(Debug, Deserialize)]
pub(crate) struct ListQuery {
    all: Option<String>,
}

/// `GET /workbench/examinations`: open examinations assigned to me (or all).
pub(crate) async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<ListQuery>,
) -> Result<Response, PageError> {
    viewer.require(access::READ_EXAMINATIONS)?;
    let all = query.all.as_deref() == Some("1") || viewer.user.role != Role::Officer;
    let open = state.store().open_examinations(if all { None } else { Some(&viewer.user.name) }).await?;
    let body = html! {
        p {
            @if all { "All open examinations. " a href="/workbench/examinations" { "Only mine" } }
            @else { "Open examinations assigned to you. " a href="/workbench/examinations?all=1" { "All open examinations" } }
        }
        table #open-examinations {
            thead { tr { th scope="col" { "Examination" } th scope="col" { "Consignment" } th scope="col" { "Assigned to" } } }
            tbody {
                @for (order, consignment, assigned) in &open {
                    tr {
                        td { a href={"/workbench/examinations/" (order)} { "Examination " (order) } }
                        td { a href={"/workbench/consignments/" (consignment)} { "Consignment " (consignment) } }
                        td { (assigned.as_deref().unwrap_or("nobody")) }
                    }
                }
                @if open.is_empty() { tr { td colspan="3" .muted { "No open examinations." } } }
            }
        }
    };
    Ok(layout::page(&viewer, "Examinations", "/workbench/examinations", body))
}

/// `GET /workbench/examinations/{id}`.
pub(crate) async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    viewer.require(access::READ_EXAMINATIONS)?;
    let store = state.store();
    let Some(order) = store.examination(id).await? else { return Err(PageError::not_found("examination", id)) };
    let details = store.examination_details(id).await?;
    let photos = store.photos(id).await?;
    let consignment = store.consignment(order.consignment_id).await?;
    let officers: Vec<String> =
        store.users().await?.into_iter().filter(|u| u.role == Role::Officer).map(|u| u.name).collect();
    let caller = crate::auth::Caller { user: viewer.user.clone() };
    crate::api::record_audit(
        &state,
        &caller,
        "examination.read",
        format!("examination/{id}"),
        serde_json::json!({"via": "workbench"}),
    )
    .await?;
    let here = format!("/workbench/examinations/{id}");
    let may_examine = viewer.may(access::EXAMINE);
    let body = html! {
        div.panel {
            dl.facts {
                dt { "Consignment" } dd { a href={"/workbench/consignments/" (order.consignment_id)} { (consignment.as_ref().map_or("?", |c| c.reference.as_str())) } }
                dt { "Ordered" } dd { "by " (order.ordered_by) " at " (order.ordered_at.format("%Y-%m-%d %H:%M UTC")) }
                dt { "Instructions" } dd { (order.instructions) }
                dt { "Assigned to" } dd #assigned-to { (details.assigned_to.as_deref().unwrap_or("nobody")) }
            }
        }
        @if let Some(result) = &order.result {
            h2 { "Result" }
            div.panel #result {
                dl.facts {
                    dt { "Outcome" } dd #outcome { (if result.outcome == ExaminationOutcome::Found { "found" } else { "nothing found" }) }
                    dt { "Findings" } dd { (result.findings) }
                    @if let Some(q) = &details.quantity { dt { "Quantity" } dd { (q) } }
                    @if let Some(c) = &details.concealment { dt { "Where concealed" } dd { (c) } }
                    dt { "Recorded" } dd { "by " (result.recorded_by) " at " (result.recorded_at.format("%Y-%m-%d %H:%M UTC")) }
                }
            }
        } @else if may_examine {
            form.panel.filters #assign method="post" action={(here) "/assign"} {
                (viewer.csrf_field())
                div { (layout::select("officer", "Assign to", &officers.iter().map(|o| (o.as_str(), o.as_str())).collect::<Vec<_>>(), details.assigned_to.as_deref().or(Some(viewer.user.name.as_str())))) }
                div { button.secondary type="submit" { "Assign" } }
            }
            h2 { "Record the result" }
            form.panel.stack #record-result method="post" action={(here) "/result"} enctype="multipart/form-data" {
                (viewer.csrf_field())
                fieldset {
                    legend { "Outcome" }
                    div { input #outcome-not-found type="radio" name="outcome" value="not_found" required; " " label for="outcome-not-found" { "Nothing found" } }
                    div { input #outcome-found type="radio" name="outcome" value="found"; " " label for="outcome-found" { "Found" } }
                }
                div.field { label for="findings" { "What was found (or checked)" } textarea #findings name="findings" required {} }
                div.grid {
                    div.field { label for="quantity" { "Quantity" } input #quantity type="text" name="quantity"; }
                    div.field { label for="concealment" { "Where concealed" } input #concealment type="text" name="concealment"; }
                }
                div.grid {
                    (layout::select("commodity_area", "Commodity area (if found)", &aduana_enforcement::CommodityArea::ALL.iter().map(|a| (a.as_str(), a.label())).collect::<Vec<_>>(), Some("other")))
                    (layout::select("concealment_method", "Concealment method (if found)", &aduana_enforcement::Concealment::ALL.iter().map(|c| (c.as_str(), c.label())).collect::<Vec<_>>(), Some("other")))
                }
                div.field { label for="photos" { "Photos (PNG, JPEG or WebP)" } input #photos type="file" name="photos" accept="image/png,image/jpeg,image/webp" multiple; }
                button type="submit" { "Record the result" }
            }
        }
        h2 { "Photos" }
        @if photos.is_empty() { p.muted { "No photos." } }
        div.grid #photo-list {
            @for p in &photos {
                figure.panel {
                    img src={"/workbench/photos/" (p.id)} alt={"Photo " (p.file_name) " of examination " (id)} width="300";
                    figcaption.muted { (p.file_name) " · " (p.uploaded_by) }
                }
            }
        }
    };
    Ok(layout::page(&viewer, &format!("Examination {id}"), "/workbench/examinations", body))
}

#[derive(Debug, Deserialize)]
pub(crate) struct AssignForm {
    officer: String,
}

/// `POST /workbench/examinations/{id}/assign`.
pub(crate) async fn assign(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted { viewer, form }: Posted<AssignForm>,
) -> Result<Response, PageError> {
    viewer.require(access::EXAMINE)?;
    let here = format!("/workbench/examinations/{id}");
    if state.store().examination(id).await?.is_none() {
        return Err(PageError::not_found("examination", id));
    }
    let is_officer =
        matches!(state.store().user_by_name(&form.officer).await?, Some((u, _)) if u.role == Role::Officer);
    if !is_officer {
        return Ok(redirect_with_flash(
            &here,
            &Flash { error: true, text: format!("{} is not an officer.", form.officer) },
        ));
    }
    state.store().assign_examination(id, &form.officer).await?;
    let caller = crate::auth::Caller { user: viewer.user.clone() };
    crate::api::record_audit(
        &state,
        &caller,
        "examination.assign",
        format!("examination/{id}"),
        serde_json::json!({"officer": form.officer}),
    )
    .await?;
    Ok(redirect_with_flash(&here, &Flash { error: false, text: format!("Assigned to {}.", form.officer) }))
}

/// The media type of an image from its first bytes (PNG, JPEG, WebP), with the file extension to store it under.
fn image_kind(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(("image/png", "png"))
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(("image/jpeg", "jpg"))
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(("image/webp", "webp"))
    } else {
        None
    }
}

fn bad(message: String) -> PageError {
    PageError::new(StatusCode::UNPROCESSABLE_ENTITY, message)
}

/// `POST /workbench/examinations/{id}/result` (multipart: `_csrf` first, then outcome, findings, quantity,
/// concealment and any number of `photos`).
pub(crate) async fn record_result(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let here = format!("/workbench/examinations/{id}");
    let read_error = |e: axum::extract::multipart::MultipartError| bad(format!("the form could not be read: {e}"));
    let first = multipart.next_field().await.map_err(read_error)?;
    let token = match first {
        Some(field) if field.name() == Some(super::CSRF_FIELD) => Some(field.text().await.map_err(read_error)?),
        _ => None,
    };
    check_csrf(&viewer, token.as_deref())?;
    viewer.require(access::EXAMINE)?;
    let Some(order) = state.store().examination(id).await? else { return Err(PageError::not_found("examination", id)) };
    if order.result.is_some() {
        return Ok(redirect_with_flash(
            &here,
            &Flash { error: true, text: "A result is already recorded.".to_owned() },
        ));
    }
    let (mut outcome, mut findings, mut quantity, mut concealment) =
        (None, String::new(), String::new(), String::new());
    let (mut commodity_area, mut concealment_method) = (String::new(), String::new());
    let mut photos: Vec<(String, Vec<u8>, &'static str, &'static str)> = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(read_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "photos" => {
                let file_name = field
                    .file_name()
                    .unwrap_or("photo")
                    .chars()
                    .filter(|c| !c.is_control())
                    .take(200)
                    .collect::<String>();
                let bytes = field.bytes().await.map_err(read_error)?;
                if bytes.is_empty() {
                    continue; // the browser sends an empty part when no file was chosen
                }
                let Some((kind, ext)) = image_kind(&bytes) else {
                    return Ok(redirect_with_flash(
                        &here,
                        &Flash { error: true, text: format!("photos: {file_name} is not a PNG, JPEG or WebP image.") },
                    ));
                };
                photos.push((file_name, bytes.to_vec(), kind, ext));
            }
            "outcome" => outcome = Some(field.text().await.map_err(read_error)?),
            "findings" => findings = field.text().await.map_err(read_error)?,
            "quantity" => quantity = field.text().await.map_err(read_error)?,
            "concealment" => concealment = field.text().await.map_err(read_error)?,
            "commodity_area" => commodity_area = field.text().await.map_err(read_error)?,
            "concealment_method" => concealment_method = field.text().await.map_err(read_error)?,
            other => return Err(bad(format!("unexpected form field `{other}`"))),
        }
    }
    let outcome = match outcome.as_deref() {
        Some("found") => ExaminationOutcome::Found,
        Some("not_found") => ExaminationOutcome::NotFound,
        _ => {
            return Ok(redirect_with_flash(
                &here,
                &Flash { error: true, text: "outcome: choose found or nothing found.".to_owned() },
            ));
        }
    };
    if findings.trim().is_empty() {
        return Ok(redirect_with_flash(
            &here,
            &Flash { error: true, text: "findings: say what was found or checked.".to_owned() },
        ));
    }
    let taxonomy_error =
        |e: aduana_enforcement::TaxonomyError| redirect_with_flash(&here, &Flash { error: true, text: format!("{e}") });
    let commodity_area = match commodity_area.trim() {
        "" => aduana_enforcement::CommodityArea::Other,
        text => match aduana_enforcement::CommodityArea::parse(text) {
            Ok(area) => area,
            Err(e) => return Ok(taxonomy_error(e)),
        },
    };
    let concealment_method = match concealment_method.trim() {
        "" => aduana_enforcement::Concealment::Other,
        text => match aduana_enforcement::Concealment::parse(text) {
            Ok(method) => method,
            Err(e) => return Ok(taxonomy_error(e)),
        },
    };
    if !photos.is_empty() && state.inner.workbench.photos_dir.is_none() {
        return Ok(redirect_with_flash(
            &here,
            &Flash { error: true, text: "This server stores no photos (no data directory).".to_owned() },
        ));
    }
    // Photo files are written before the result, so that a result never refers to a file that failed to save;
    // their records, the details and the result are then one transaction (removed again if it fails).
    let mut saved = Vec::new();
    if let Some(dir) = &state.inner.workbench.photos_dir {
        for (file_name, bytes, kind, ext) in &photos {
            tokio::fs::create_dir_all(dir).await.map_err(|e| ApiErrorLike::internal(&e))?;
            let stored_name =
                format!("{id}-{}.{ext}", &crate::auth::new_secret("").map_err(|e| ApiErrorLike::internal(&e))?[..16]);
            tokio::fs::write(dir.join(&stored_name), bytes).await.map_err(|e| ApiErrorLike::internal(&e))?;
            saved.push(NewPhoto {
                order_id: id,
                file_name: file_name.clone(),
                stored_name,
                content_type: (*kind).to_owned(),
                uploaded_by: viewer.user.name.clone(),
            });
        }
    }
    let result =
        NewExaminationResult { outcome, findings: findings.trim().to_owned(), recorded_by: viewer.user.name.clone() };
    let audit = NewAuditEntry {
        actor: viewer.user.name.clone(),
        action: "examination.result".to_owned(),
        subject: format!("examination/{id}"),
        details: serde_json::json!({"outcome": outcome.as_str(), "quantity": quantity.trim(), "concealment": concealment.trim(), "photos": saved.len(), "via": "workbench"}),
    };
    fn opt(s: &str) -> Option<&str> {
        Some(s.trim()).filter(|s| !s.is_empty())
    }
    let recorded =
        aduana_store::ResultDetails { quantity: opt(&quantity), concealment: opt(&concealment), photos: &saved };
    let written = crate::api::examinations::record_and_open_case(
        &state,
        id,
        &result,
        &audit,
        &crate::api::examinations::FoundDetails {
            commodity_area,
            concealment: concealment_method,
            concealment_details: concealment.clone(),
            quantity: quantity.clone(),
        },
        &recorded,
    )
    .await;
    let case_id = match written {
        Ok((_, case_id)) => case_id,
        Err(e) => {
            // Nothing was recorded: the photo files saved above refer to no row and are removed.
            if let Some(dir) = &state.inner.workbench.photos_dir {
                for photo in &saved {
                    let _ = tokio::fs::remove_file(dir.join(&photo.stored_name)).await;
                }
            }
            return Err(e.into());
        }
    };
    let text = match case_id {
        Some(case) => format!("Result recorded with {} photo(s); seizure case {case} opened.", saved.len()),
        None => format!("Result recorded with {} photo(s).", saved.len()),
    };
    Ok(redirect_with_flash(&here, &Flash { error: false, text }))
}

/// Turns an I/O failure into the generic internal-error page (the cause goes to the log).
struct ApiErrorLike;

impl ApiErrorLike {
    fn internal(error: &dyn std::error::Error) -> PageError {
        crate::error::ApiError::internal(error).into()
    }
}

/// `GET /workbench/photos/{id}`.
pub(crate) async fn photo(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    viewer.require(access::READ_EXAMINATIONS)?;
    let Some(photo) = state.store().photo(id).await? else { return Err(PageError::not_found("photo", id)) };
    let Some(dir) = &state.inner.workbench.photos_dir else { return Err(PageError::not_found("photo", id)) };
    // The stored name was made by the server (`{order}-{hex}.{ext}`); check it all the same before using it as a path.
    if !photo.stored_name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        || photo.stored_name.starts_with('.')
    {
        return Err(PageError::not_found("photo", id));
    }
    let bytes = tokio::fs::read(dir.join(&photo.stored_name)).await.map_err(|e| ApiErrorLike::internal(&e))?;
    let mut response = bytes.into_response();
    if let Ok(kind) = HeaderValue::from_str(&photo.content_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, kind);
    }
    layout::security_headers(response.headers_mut());
    Ok(response)
}
