//! Watch lists: `PUT /api/lists/{name}` uploads a new version of a list (UN consolidated list XML, FollowTheMoney
//! JSON Lines or the documented CSV) and answers with what changed from the previous upload; `GET /api/lists` and
//! `GET /api/lists/{name}` list them. Parties of new submissions are screened against the uploaded lists from the
//! next batch, in every server process.

use aduana_core::Diagnostic;
use aduana_screening::{ListFormat, WatchList, diff, parse_list};
use aduana_store::{NewAuditEntry, NewWatchList, StoredWatchList, Timestamp};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use serde::Serialize;

use crate::auth::{Caller, access};
use crate::error::{ApiError, ErrorCode};
use crate::json::{ApiPath, body_rejection};
use crate::state::AppState;

/// One upload of a watch list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ListView {
    name: String,
    /// 1 for the first upload of this name, +1 for each.
    upload: i64,
    /// The version the list states (the UN list's generation date) or a fingerprint of its content.
    list_version: String,
    /// `un_sc_xml`, `ftm_json_lines` or `csv`.
    format: String,
    entries: i64,
    /// What changed from the previous upload: `from_version`, `to_version`, `added`, `removed`, `changed` (entry
    /// ids) and their counts.
    #[schema(value_type = Object)]
    report: serde_json::Value,
    loaded_by: String,
    #[schema(value_type = String, format = DateTime)]
    loaded_at: Timestamp,
}

/// Watch lists.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ListList {
    lists: Vec<ListView>,
}

impl From<StoredWatchList> for ListView {
    fn from(l: StoredWatchList) -> ListView {
        ListView {
            name: l.name,
            upload: l.upload,
            list_version: l.list_version,
            format: l.format,
            entries: l.entries,
            report: l.report,
            loaded_by: l.loaded_by,
            loaded_at: l.loaded_at,
        }
    }
}

pub(crate) fn format_name(format: ListFormat) -> &'static str {
    match format {
        ListFormat::UnScXml => "un_sc_xml",
        ListFormat::FtmJsonLines => "ftm_json_lines",
        _ => "csv",
    }
}

/// Reads an uploaded list; every problem located.
pub(crate) fn read_list(name: &str, body: &[u8]) -> Result<(WatchList, String), ApiError> {
    let text = String::from_utf8(body.to_vec()).map_err(|e| {
        ApiError::new(
            ErrorCode::InvalidList,
            format!("expected UTF-8 text, found a byte that is not at offset {}", e.utf8_error().valid_up_to()),
        )
        .at(aduana_core::Location::file(name))
    })?;
    let list = parse_list(text.as_bytes(), name).map_err(|errors| {
        let diagnostics: Vec<Diagnostic> =
            errors.iter().map(|e| Diagnostic::error("invalid_list", e.message.clone(), e.location.clone())).collect();
        ApiError::refused_document(ErrorCode::InvalidList, "list", errors.first().map(ToString::to_string), diagnostics)
    })?;
    Ok((list, text))
}

/// Returns the report of what changed from `previous` (none: every entry is new) to `list`.
pub(crate) fn change_report(previous: Option<&WatchList>, list: &WatchList) -> serde_json::Value {
    let empty = WatchList { name: list.name.clone(), version: String::new(), format: list.format, entries: Vec::new() };
    let changes = diff(previous.unwrap_or(&empty), list);
    serde_json::json!({
        "from_version": previous.map(|p| p.version.clone()),
        "to_version": changes.to_version,
        "added_count": changes.added.len(),
        "removed_count": changes.removed.len(),
        "changed_count": changes.changed.len(),
        "added": changes.added,
        "removed": changes.removed,
        "changed": changes.changed,
    })
}

/// Uploads a new version of a watch list; answers with what changed.
#[utoipa::path(
    put, path = "/api/lists/{name}", tag = "lists", params(("name" = String, Path, description = "The list's name (`un-sc`)")),
    request_body(content = String, description = "The list file: UN consolidated list XML, FollowTheMoney JSON Lines or CSV", content_type = "application/octet-stream"),
    responses(
        (status = 201, body = ListView),
        (status = 422, description = "The list cannot be read: located, every problem in `diagnostics`", body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 413, body = crate::error::ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(name): ApiPath<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<ListView>), ApiError> {
    caller.require(access::MANAGE_LISTS)?;
    let body = body.map_err(|r| body_rejection(&r))?;
    if name.is_empty()
        || name.len() > 64
        || !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(ApiError::new(
            ErrorCode::InvalidBody,
            format!("expected a list name of 1-64 letters, digits, `-`, `_` or `.`, found `{name}`"),
        ));
    }
    let previous = state.store().watch_list(&name).await?;
    let (list_name, upload_name) = (name.clone(), name.clone());
    let (list, text, report) = tokio::task::spawn_blocking(move || {
        let (list, text) = read_list(&list_name, &body)?;
        // The previous upload was read when it was stored; if it no longer reads, everything counts as new.
        let previous = previous.and_then(|(_, old)| parse_list(old.as_bytes(), &list_name).ok());
        let report = change_report(previous.as_ref(), &list);
        Ok::<_, ApiError>((list, text, report))
    })
    .await
    .map_err(|e| ApiError::internal(&e))??;
    let new = NewWatchList {
        name: upload_name.clone(),
        list_version: list.version.clone(),
        format: format_name(list.format).to_owned(),
        entries: i64::try_from(list.entries.len()).unwrap_or(i64::MAX),
        body: text,
        report: report.clone(),
        loaded_by: caller.user.name.clone(),
    };
    let audit = NewAuditEntry {
        actor: caller.user.name.clone(),
        action: "list.upload".to_owned(),
        subject: format!("list/{upload_name}"),
        details: serde_json::json!({
            "version": list.version,
            "entries": list.entries.len(),
            "added": report["added_count"], "removed": report["removed_count"], "changed": report["changed_count"],
        }),
    };
    let stored = state.store().store_watch_list(&new, &audit).await?;
    state.refresh_risk_config().await?;
    Ok((StatusCode::CREATED, Json(stored.into())))
}

/// Lists the latest upload of every watch list.
#[utoipa::path(
    get, path = "/api/lists", tag = "lists",
    responses((status = 200, body = ListList), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn list(State(state): State<AppState>, caller: Caller) -> Result<Json<ListList>, ApiError> {
    caller.require(access::READ_LISTS)?;
    let lists = state.store().watch_lists().await?;
    Ok(Json(ListList { lists: lists.into_iter().map(ListView::from).collect() }))
}

/// Lists every upload of one watch list, newest first.
#[utoipa::path(
    get, path = "/api/lists/{name}", tag = "lists", params(("name" = String, Path)),
    responses((status = 200, body = ListList), (status = 404, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn uploads(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(name): ApiPath<String>,
) -> Result<Json<ListList>, ApiError> {
    caller.require(access::READ_LISTS)?;
    let lists = state.store().watch_list_uploads(&name).await?;
    if lists.is_empty() {
        return Err(ApiError::not_found("list", name));
    }
    Ok(Json(ListList { lists: lists.into_iter().map(ListView::from).collect() }))
}
