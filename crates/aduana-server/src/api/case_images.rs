//! Photos and X-ray images of an enforcement case (issue 8): `POST /api/cases/{id}/images` (the image as the raw
//! body, `Content-Type: image/png` or `image/jpeg`), `GET /api/cases/{id}/images` (list),
//! `GET /api/cases/{id}/images/{image}` (the file) and `…/{image}/thumbnail` (a PNG of at most 240 pixels).
//!
//! The file is checked (PNG or JPEG, decoded whole within a memory bound, at most `--max-image-bytes`) and written
//! with its thumbnail under the data directory (`photos/cases/`) before the store records it with its audit entry;
//! if the store refuses, the files are removed. Need-to-know as for the case itself: a restricted case's images are
//! `not_found` to those it does not name, and every read of them is audited. The workbench's upload form goes
//! through [`add_image`] too.

use aduana_store::{CaseImage, CaseImageKind, NewCaseImage};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::api::cases::visible_case;
use crate::auth::{Caller, access};
use crate::error::{ApiError, ErrorCode};
use crate::images::{CheckedImage, case_image_dir, check_image, is_stored_name, png_or_jpeg, thumbnail_path};
use crate::json::{ApiPath, ApiQuery};
use crate::state::AppState;

/// How an uploaded image is described.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct UploadQuery {
    /// `photo` (default) or `x_ray`.
    kind: Option<String>,
    /// The file name to show (default `image.png` / `image.jpg`).
    file_name: Option<String>,
    /// What the image shows (at most 1000 characters).
    caption: Option<String>,
}

/// A recorded image of a case.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ImageView {
    id: i64,
    case_id: i64,
    /// `photo` or `x_ray`.
    kind: String,
    file_name: String,
    /// `image/png` or `image/jpeg`.
    content_type: String,
    size_bytes: i64,
    width: u32,
    height: u32,
    /// The SHA-256 of the stored file (lower-case hex).
    sha256: String,
    caption: String,
    uploaded_by: String,
    #[schema(value_type = String, format = DateTime)]
    uploaded_at: aduana_store::Timestamp,
    /// Where the file is.
    href: String,
    /// Where its thumbnail is.
    thumbnail_href: String,
}

impl From<CaseImage> for ImageView {
    fn from(image: CaseImage) -> ImageView {
        let href = format!("/api/cases/{}/images/{}", image.case_id, image.id);
        ImageView {
            id: image.id,
            case_id: image.case_id,
            kind: image.kind.as_str().to_owned(),
            file_name: image.file_name,
            content_type: image.content_type,
            size_bytes: image.size_bytes,
            width: image.width,
            height: image.height,
            sha256: image.sha256,
            caption: image.caption,
            uploaded_by: image.uploaded_by,
            uploaded_at: image.uploaded_at,
            thumbnail_href: format!("{href}/thumbnail"),
            href,
        }
    }
}

/// The images of a case.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ImageList {
    images: Vec<ImageView>,
}

/// An image to add to a case, as the API and the workbench's form receive it.
#[derive(Debug)]
pub(crate) struct Upload {
    pub(crate) kind: CaseImageKind,
    pub(crate) file_name: Option<String>,
    pub(crate) caption: String,
    pub(crate) bytes: Bytes,
}

/// The longest caption accepted, in characters.
const MAX_CAPTION_CHARS: usize = 1000;

fn invalid_query(parameter: &str, message: String) -> ApiError {
    ApiError::new(ErrorCode::InvalidQuery, message).at(aduana_core::Location::file("<query>")
        .with_path(aduana_core::LocationPath::Field { field: parameter.to_owned() }))
}

/// Checks, stores and records an image of a case the caller may see (and write). The file and its thumbnail are
/// written first; if the store then refuses, they are removed again.
pub(crate) async fn add_image(
    state: &AppState,
    caller: &Caller,
    case_id: i64,
    upload: Upload,
) -> Result<CaseImage, ApiError> {
    caller.require(access::WRITE_CASES)?;
    visible_case(state, caller, case_id).await?;
    let settings = &state.inner.workbench;
    let Some(photos_dir) = settings.photos_dir.as_ref() else { return Err(no_image_store()) };
    if upload.bytes.len() > settings.max_image_bytes {
        return Err(too_large(settings.max_image_bytes));
    }
    if upload.caption.chars().count() > MAX_CAPTION_CHARS {
        return Err(invalid_query(
            "caption",
            format!(
                "expected a caption of at most {MAX_CAPTION_CHARS} characters, found {}",
                upload.caption.chars().count()
            ),
        ));
    }
    let bytes = upload.bytes.clone();
    let checked: CheckedImage = tokio::task::spawn_blocking(move || check_image(&bytes))
        .await
        .map_err(|e| ApiError::internal(&e))?
        .map_err(|message| ApiError::new(ErrorCode::InvalidImage, message))?;
    let dir = case_image_dir(photos_dir);
    let stored_name = format!(
        "{case_id}-{}.{}",
        &crate::auth::new_secret("").map_err(|e| ApiError::internal(&e))?[..16],
        checked.extension
    );
    let (file, thumbnail) = (dir.join(&stored_name), thumbnail_path(&dir, &stored_name));
    let written = async {
        tokio::fs::create_dir_all(dir.join("thumbnails")).await?;
        tokio::fs::write(&file, &upload.bytes).await?;
        tokio::fs::write(&thumbnail, &checked.thumbnail).await
    };
    if let Err(error) = written.await {
        remove_files(&file, &thumbnail).await;
        return Err(ApiError::internal(&error));
    }
    let fallback = format!("image.{}", checked.extension);
    let image = NewCaseImage {
        case_id,
        kind: upload.kind,
        file_name: crate::images::display_name(upload.file_name.as_deref(), &fallback),
        stored_name,
        content_type: checked.content_type.to_owned(),
        size_bytes: i64::try_from(upload.bytes.len()).unwrap_or(i64::MAX),
        width: checked.width,
        height: checked.height,
        sha256: checked.sha256,
        caption: upload.caption.trim().to_owned(),
        uploaded_by: caller.user.name.clone(),
    };
    match state.store().add_case_image(&image).await {
        Ok(stored) => Ok(stored),
        Err(error) => {
            remove_files(&file, &thumbnail).await;
            Err(error.into())
        }
    }
}

async fn remove_files(file: &std::path::Path, thumbnail: &std::path::Path) {
    for path in [file, thumbnail] {
        if let Err(error) = tokio::fs::remove_file(path).await
            && error.kind() != std::io::ErrorKind::NotFound
        {
            #[allow(clippy::print_stderr, reason = "the server's log is its standard error")]
            {
                eprintln!("warning: an unrecorded image file was not removed: {}: {error}", path.display());
            }
        }
    }
}

fn no_image_store() -> ApiError {
    ApiError::new(ErrorCode::Conflict, "this server keeps no images: it has no data directory")
}

fn too_large(max: usize) -> ApiError {
    ApiError::new(ErrorCode::PayloadTooLarge, format!("the image is larger than the {max} bytes the server accepts"))
}

/// Adds a photo or X-ray image to a case.
#[utoipa::path(
    post, path = "/api/cases/{id}/images", tag = "cases", params(("id" = i64, Path), UploadQuery),
    request_body(content = Vec<u8>, content_type = "image/png", description = "the image: PNG (`image/png`) or JPEG (`image/jpeg`)"),
    responses((status = 201, body = ImageView), (status = 404, body = crate::error::ErrorBody), (status = 413, body = crate::error::ErrorBody), (status = 415, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(query): ApiQuery<UploadQuery>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<ImageView>), ApiError> {
    caller.require(access::WRITE_CASES)?;
    let declared = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let declared = declared.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if declared != "image/png" && declared != "image/jpeg" {
        return Err(ApiError::new(
            ErrorCode::UnsupportedFormat,
            format!("expected Content-Type image/png or image/jpeg, found `{declared}`"),
        ));
    }
    if state.inner.workbench.photos_dir.is_none() {
        return Err(no_image_store());
    }
    let bytes = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large(state.inner.workbench.max_image_bytes)
        } else {
            crate::json::body_rejection(&rejection)
        }
    })?;
    if let Some((found, _)) = png_or_jpeg(&bytes)
        && found != declared
    {
        return Err(ApiError::new(
            ErrorCode::InvalidImage,
            format!("the body is {found}, not the {declared} its Content-Type says"),
        ));
    }
    let kind = match query.kind.as_deref() {
        None => CaseImageKind::Photo,
        Some(text) => CaseImageKind::parse(text).map_err(|m| invalid_query("kind", m))?,
    };
    let upload = Upload { kind, file_name: query.file_name, caption: query.caption.unwrap_or_default(), bytes };
    let stored = add_image(&state, &caller, id, upload).await?;
    Ok((StatusCode::CREATED, Json(stored.into())))
}

/// Lists the photos and X-ray images of a case.
#[utoipa::path(
    get, path = "/api/cases/{id}/images", tag = "cases", params(("id" = i64, Path)),
    responses((status = 200, body = ImageList), (status = 404, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ImageList>, ApiError> {
    caller.require(access::READ_CASES)?;
    visible_case(&state, &caller, id).await?;
    let images = state.store().case_images(id).await?;
    Ok(Json(ImageList { images: images.into_iter().map(ImageView::from).collect() }))
}

/// Returns the image of a case the caller may see, and the directory its files are in.
async fn visible_image(
    state: &AppState,
    caller: &Caller,
    case_id: i64,
    image_id: i64,
) -> Result<(CaseImage, std::path::PathBuf), ApiError> {
    caller.require(access::READ_CASES)?;
    visible_case(state, caller, case_id).await?;
    let not_found = || ApiError::not_found("image", format!("{image_id} of case {case_id}"));
    let image = state.store().case_image(image_id).await?.filter(|i| i.case_id == case_id).ok_or_else(not_found)?;
    // The stored name was made by the server; check it all the same before using it as a path.
    let dir = state.inner.workbench.photos_dir.as_deref().map(case_image_dir);
    match dir {
        Some(dir) if is_stored_name(&image.stored_name) => Ok((image, dir)),
        _ => Err(not_found()),
    }
}

fn file_response(bytes: Vec<u8>, content_type: &str) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=3600"));
    response
}

/// Returns a photo or X-ray image of a case as uploaded.
#[utoipa::path(
    get, path = "/api/cases/{id}/images/{image}", tag = "cases", params(("id" = i64, Path), ("image" = i64, Path)),
    responses((status = 200, description = "the image (`image/png` or `image/jpeg`)"), (status = 404, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn get(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, image_id)): ApiPath<(i64, i64)>,
) -> Result<Response, ApiError> {
    let (image, dir) = visible_image(&state, &caller, id, image_id).await?;
    let bytes = tokio::fs::read(dir.join(&image.stored_name)).await.map_err(|e| ApiError::internal(&e))?;
    Ok(file_response(bytes, &image.content_type))
}

/// Returns the thumbnail of a photo or X-ray image of a case (PNG, at most 240 pixels on its longest side).
#[utoipa::path(
    get, path = "/api/cases/{id}/images/{image}/thumbnail", tag = "cases", params(("id" = i64, Path), ("image" = i64, Path)),
    responses((status = 200, description = "the thumbnail (`image/png`)"), (status = 404, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn thumbnail(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, image_id)): ApiPath<(i64, i64)>,
) -> Result<Response, ApiError> {
    let (image, dir) = visible_image(&state, &caller, id, image_id).await?;
    let path = thumbnail_path(&dir, &image.stored_name);
    let bytes = match tokio::fs::read(&path).await {
        Ok(bytes) => bytes,
        // Made at upload; a thumbnail lost since (a restored backup without them) is made again from the file.
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let original = tokio::fs::read(dir.join(&image.stored_name)).await.map_err(|e| ApiError::internal(&e))?;
            let made = tokio::task::spawn_blocking(move || crate::images::make_thumbnail(&original))
                .await
                .map_err(|e| ApiError::internal(&e))?
                .map_err(|e| ApiError::internal(&e))?;
            tokio::fs::create_dir_all(dir.join("thumbnails")).await.map_err(|e| ApiError::internal(&e))?;
            tokio::fs::write(&path, &made).await.map_err(|e| ApiError::internal(&e))?;
            made
        }
        Err(error) => return Err(ApiError::internal(&error)),
    };
    Ok(file_response(bytes, "image/png"))
}
