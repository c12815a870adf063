//! Extractors whose rejections use the API's error shape: `ApiJson<T>` for JSON bodies (syntax errors located
//! by line and column, shape errors by JSON Pointer) and `ApiQuery<T>` for query strings.

use aduana_core::{Location, LocationPath};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ErrorCode};

/// A JSON request body, deserialised into `T`.
#[derive(Debug)]
pub(crate) struct ApiJson<T>(pub(crate) T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<ApiJson<T>, ApiError> {
        let json_content =
            request.headers().get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| {
                v.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
            });
        if !json_content {
            return Err(ApiError::new(
                ErrorCode::UnsupportedFormat,
                "expected a body with `Content-Type: application/json`",
            ));
        }
        let bytes = Bytes::from_request(request, state).await.map_err(|r| body_rejection(&r))?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Deserialises a JSON body with a located error.
pub(crate) fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            return syntax_error(&inner);
        }
        let location = Location::file("<body>").at(inner.line() as u64, inner.column() as u64);
        let pointer = if path == "." { String::new() } else { format!("/{}", path.replace('.', "/")) };
        ApiError::new(ErrorCode::InvalidBody, format!("the body is not as expected: {inner}"))
            .at(location.with_path(LocationPath::JsonPointer { pointer }))
    })?;
    deserializer.end().map_err(|e| syntax_error(&e))?;
    Ok(value)
}

fn syntax_error(error: &serde_json::Error) -> ApiError {
    let location = Location::file("<body>").at(error.line() as u64, error.column() as u64);
    ApiError::new(ErrorCode::InvalidJson, format!("expected valid JSON: {error}")).at(location)
}

/// Maps a failure to read the body to the API's error.
pub(crate) fn body_rejection(rejection: &BytesRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(ErrorCode::PayloadTooLarge, "the body is larger than the server accepts")
    } else {
        ApiError::new(ErrorCode::InvalidBody, format!("the body could not be read: {}", rejection.body_text()))
    }
}

/// A query string, deserialised into `T`.
#[derive(Debug)]
pub(crate) struct ApiQuery<T>(pub(crate) T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<ApiQuery<T>, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => {
                Err(ApiError::new(ErrorCode::InvalidQuery, rejection.body_text()).at(Location::file("<query>")))
            }
        }
    }
}

/// A path parameter, deserialised into `T`.
#[derive(Debug)]
pub(crate) struct ApiPath<T>(pub(crate) T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<ApiPath<T>, ApiError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(ApiPath(value)),
            Err(rejection) => Err(ApiError::new(ErrorCode::NotFound, rejection.body_text())),
        }
    }
}
