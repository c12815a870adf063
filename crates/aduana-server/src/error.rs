//! `ApiError`: every error the API answers with, in one shape — `{"error": {"code", "message", "location"}}` —
//! and one table of stable codes with their HTTP status (`ErrorCode`). Clients match on `code`, never on the
//! message; a code, once published, keeps its meaning.

use aduana_core::{Diagnostic, Location};
use aduana_store::StoreError;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The stable error codes of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// No valid session cookie or bearer token was presented.
    Unauthenticated,
    /// The name or password is wrong.
    InvalidCredentials,
    /// The caller's role may not use this endpoint.
    Forbidden,
    /// No such record (or not one the caller may see).
    NotFound,
    /// No such endpoint, or not with this method.
    NoRoute,
    /// The body is not syntactically valid JSON.
    InvalidJson,
    /// The body is JSON but not of the expected shape (a missing field, a wrong type, an invalid code).
    InvalidBody,
    /// A query parameter is invalid.
    InvalidQuery,
    /// The submitted consignments have errors (see `diagnostics`).
    InvalidConsignment,
    /// The submission contains no consignment.
    NoConsignment,
    /// The body's format is not one the server reads.
    UnsupportedFormat,
    /// The body is larger than the server accepts.
    PayloadTooLarge,
    /// The caller sends requests faster than its rate allows.
    RateLimited,
    /// The request conflicts with what is stored (a name taken, a result already recorded).
    Conflict,
    /// A profile does not compile (location: its line and column; `diagnostics`: every error).
    InvalidProfile,
    /// An uploaded watch list cannot be read (location and `diagnostics`: where and why).
    InvalidList,
    /// An uploaded AEO register cannot be read (location and `diagnostics`: where and why).
    InvalidAeoRegister,
    /// Something went wrong in the server; the message does not say what, the server's log does.
    Internal,
    /// A partner node's envelope was refused; the message starts with the reason code (`tampered: …`).
    EnvelopeRejected,
    /// This server runs no exchange node (`aduana serve --exchange DIR`).
    ExchangeNotConfigured,
    /// An uploaded image is not a whole PNG or JPEG image (the message says what the decoder found).
    InvalidImage,
}

impl ErrorCode {
    /// Every code, in the order `docs/api.md` lists them.
    pub const ALL: &'static [ErrorCode] = &[
        ErrorCode::Unauthenticated,
        ErrorCode::InvalidCredentials,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::NoRoute,
        ErrorCode::InvalidJson,
        ErrorCode::InvalidBody,
        ErrorCode::InvalidQuery,
        ErrorCode::InvalidConsignment,
        ErrorCode::NoConsignment,
        ErrorCode::UnsupportedFormat,
        ErrorCode::PayloadTooLarge,
        ErrorCode::RateLimited,
        ErrorCode::Conflict,
        ErrorCode::InvalidProfile,
        ErrorCode::InvalidList,
        ErrorCode::InvalidAeoRegister,
        ErrorCode::Internal,
        ErrorCode::EnvelopeRejected,
        ErrorCode::ExchangeNotConfigured,
        ErrorCode::InvalidImage,
    ];

    /// Returns the HTTP status that goes with the code.
    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::Unauthenticated | ErrorCode::InvalidCredentials => StatusCode::UNAUTHORIZED,
            ErrorCode::Forbidden => StatusCode::FORBIDDEN,
            ErrorCode::NotFound | ErrorCode::NoRoute => StatusCode::NOT_FOUND,
            ErrorCode::InvalidJson | ErrorCode::InvalidQuery => StatusCode::BAD_REQUEST,
            ErrorCode::InvalidBody
            | ErrorCode::InvalidConsignment
            | ErrorCode::NoConsignment
            | ErrorCode::InvalidProfile
            | ErrorCode::InvalidList
            | ErrorCode::InvalidAeoRegister
            | ErrorCode::InvalidImage => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::UnsupportedFormat => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::Conflict => StatusCode::CONFLICT,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::EnvelopeRejected => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ExchangeNotConfigured => StatusCode::CONFLICT,
        }
    }

    /// Returns the code as it appears in responses.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::InvalidCredentials => "invalid_credentials",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::NoRoute => "no_route",
            ErrorCode::InvalidJson => "invalid_json",
            ErrorCode::InvalidBody => "invalid_body",
            ErrorCode::InvalidQuery => "invalid_query",
            ErrorCode::InvalidConsignment => "invalid_consignment",
            ErrorCode::NoConsignment => "no_consignment",
            ErrorCode::UnsupportedFormat => "unsupported_format",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Conflict => "conflict",
            ErrorCode::InvalidProfile => "invalid_profile",
            ErrorCode::InvalidList => "invalid_list",
            ErrorCode::InvalidAeoRegister => "invalid_aeo_register",
            ErrorCode::Internal => "internal",
            ErrorCode::EnvelopeRejected => "envelope_rejected",
            ErrorCode::ExchangeNotConfigured => "exchange_not_configured",
            ErrorCode::InvalidImage => "invalid_image",
        }
    }
}

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    /// The stable code.
    pub code: ErrorCode,
    /// A sentence for people.
    pub message: String,
    /// Where in the request the problem is, when it is in the request (boxed: errors travel in `Result`s).
    pub location: Option<Box<Location>>,
    /// Every problem found in submitted consignments, for `invalid_consignment`.
    pub diagnostics: Vec<Diagnostic>,
    /// Seconds to wait, for `rate_limited`.
    pub retry_after_secs: Option<u64>,
}

/// The body of every error answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ErrorBody {
    /// The error.
    pub(crate) error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ErrorDetail {
    /// The stable code.
    pub(crate) code: ErrorCode,
    /// A sentence for people.
    pub(crate) message: String,
    /// Where in the request the problem is (line/column, JSON Pointer, query parameter).
    #[schema(value_type = Option<Object>)]
    pub(crate) location: Option<Location>,
    /// Every problem found in submitted consignments, profiles, lists or registers (with `invalid_consignment`,
    /// `invalid_profile`, `invalid_list`, `invalid_aeo_register`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    pub(crate) diagnostics: Vec<Diagnostic>,
}

impl ApiError {
    /// Returns an error with a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError { code, message: message.into(), location: None, diagnostics: Vec::new(), retry_after_secs: None }
    }

    /// Returns this error with a location.
    pub fn at(mut self, location: Location) -> ApiError {
        self.location = Some(Box::new(location));
        self
    }

    /// Returns the error for an uploaded document (a profile, a list, a register) refused as a whole: located at the
    /// first problem, every problem in `diagnostics`, and the message naming how many there are and the first
    /// (`first` is its text as the parser words it).
    pub(crate) fn refused_document(
        code: ErrorCode,
        what: &str,
        first: Option<String>,
        diagnostics: Vec<Diagnostic>,
    ) -> ApiError {
        let count = diagnostics.len();
        let message = match first {
            Some(first) => format!(
                "{count} error{} in the {what}; nothing was changed. First: {first}",
                if count == 1 { "" } else { "s" }
            ),
            None => format!("the {what} has errors; nothing was changed"),
        };
        let mut error = ApiError::new(code, message);
        if let Some(first) = diagnostics.first() {
            error = error.at(first.location.clone());
        }
        error.diagnostics = diagnostics;
        error
    }

    /// Returns the error for a record that does not exist or that the caller may not see.
    pub fn not_found(what: &str, id: impl std::fmt::Display) -> ApiError {
        ApiError::new(ErrorCode::NotFound, format!("{what} {id} does not exist"))
    }

    /// Returns the error for a server-side failure; the cause is logged, not sent.
    pub fn internal(cause: &dyn std::error::Error) -> ApiError {
        let mut chain = cause.to_string();
        let mut source = cause.source();
        while let Some(s) = source {
            chain.push_str(": ");
            chain.push_str(&s.to_string());
            source = s.source();
        }
        #[allow(clippy::print_stderr, reason = "the server's log is its standard error")]
        {
            eprintln!("internal error: {chain}");
        }
        ApiError::new(ErrorCode::Internal, "the server failed to handle the request; its log says why")
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        match error {
            StoreError::NotFound { what, id } => ApiError::not_found(what, id),
            StoreError::Conflict(message) => ApiError::new(ErrorCode::Conflict, message),
            other => ApiError::internal(&other),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: self.message,
                location: self.location.map(|l| *l),
                diagnostics: self.diagnostics,
            },
        };
        let mut response = (self.code.status(), axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after_secs {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if self.code == ErrorCode::Unauthenticated {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_listed_once_with_a_client_or_server_error_status() {
        let mut names: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ErrorCode::ALL.len());
        for code in ErrorCode::ALL {
            assert!(code.status().is_client_error() || code.status().is_server_error(), "{code:?}");
            let json = serde_json::to_value(code).expect("serialises");
            assert_eq!(json.as_str(), Some(code.as_str()), "serde name and as_str agree");
        }
    }
}
