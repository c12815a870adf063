//! The workbench's stylesheet and script, embedded in the binary and served under `/workbench/static/`.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The stylesheet's path.
pub(crate) const CSS_PATH: &str = "/workbench/static/workbench.css";
/// The script's path.
pub(crate) const JS_PATH: &str = "/workbench/static/workbench.js";

const CSS: &str = include_str!("workbench.css");
const JS: &str = include_str!("workbench.js");

/// `GET /workbench/static/{file}`.
pub(crate) async fn serve(Path(file): Path<String>) -> Response {
    let (body, kind) = match file.as_str() {
        "workbench.css" => (CSS, "text/css; charset=utf-8"),
        "workbench.js" => (JS, "text/javascript; charset=utf-8"),
        _ => return (StatusCode::NOT_FOUND, "no such file").into_response(),
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("max-age=3600"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}
