//! Logging in and out of the workbench: `/` sends a browser to its queue (or to the login form), the login form
//! checks the name and password through the same code as `POST /api/login` and sets the same session cookie.

use aduana_store::audit::sha256_hex;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use super::{Flash, PageError, Posted, Viewer, layout, redirect_with_flash};
use crate::auth::{SESSION_COOKIE, session_id};
use crate::error::ErrorCode;
use crate::state::AppState;

/// `GET /`: the queue when logged in, else the login form.
pub(crate) async fn root(viewer: Result<Viewer, PageError>) -> Response {
    match viewer {
        Ok(_) => Redirect::to("/workbench/queue").into_response(),
        Err(_) => Redirect::to("/workbench/login").into_response(),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct LoginQuery {
    next: Option<String>,
}

/// `GET /workbench/login`.
pub(crate) async fn login_form(headers: HeaderMap, Query(query): Query<LoginQuery>) -> Response {
    let flash = super::read_flash(&headers);
    let mut response = login_page(StatusCode::OK, None, "", &safe_next(query.next.as_deref()), flash.as_ref());
    if flash.is_some() {
        response.headers_mut().append(header::SET_COOKIE, super::clear_flash_cookie());
    }
    response
}

fn login_page(status: StatusCode, error: Option<&str>, name: &str, next: &str, flash: Option<&Flash>) -> Response {
    let body = html! {
        @if let Some(error) = error {
            p.flash.flash-error role="alert" #login-error { (error) }
        }
        @if let Some(flash) = flash {
            p.flash.flash-ok role="status" { (flash.text) }
        }
        form.stack method="post" action="/workbench/login" {
            input type="hidden" name="next" value=(next);
            div.field {
                label for="name" { "User name" }
                input #name type="text" name="name" value=(name) autocomplete="username" required autofocus;
            }
            div.field {
                label for="password" { "Password" }
                input #password type="password" name="password" autocomplete="current-password" required;
            }
            button type="submit" { "Log in" }
        }
    };
    layout::respond(status, layout::bare_page("Log in", body))
}

/// Only local paths are followed after login (no open redirect to another site).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with("/workbench/") && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/workbench/queue".to_owned(),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct LoginForm {
    name: String,
    password: String,
    next: Option<String>,
}

/// `POST /workbench/login`. There is no session yet, so no CSRF token: a cross-site post is refused by its
/// `Origin` header instead (browsers send it on every POST).
pub(crate) async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<LoginForm>,
) -> Response {
    let next = safe_next(form.next.as_deref());
    if !same_origin(&headers) {
        return login_page(StatusCode::FORBIDDEN, Some("Log in from this server's own login page."), "", &next, None);
    }
    match crate::api::session::open_session(&state, &form.name, form.password).await {
        Ok((_, cookie)) => {
            let mut response = Redirect::to(&next).into_response();
            response.headers_mut().insert(header::SET_COOKIE, cookie);
            response
        }
        Err(error) => {
            let message = match error.code {
                ErrorCode::InvalidCredentials => "The name or password is wrong.".to_owned(),
                _ => error.message.clone(),
            };
            login_page(error.code.status(), Some(&message), &form.name, &next, None)
        }
    }
}

/// Whether the request's `Origin` (when sent) is this server.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else { return true };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
    origin.split_once("://").is_some_and(|(_, rest)| rest == host)
}

#[derive(Debug, Deserialize)]
pub(crate) struct LogoutForm {}

/// `POST /workbench/logout`: ends the session (CSRF-checked, so another site cannot log an officer out).
pub(crate) async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    Posted { viewer, form: LogoutForm {} }: Posted<LogoutForm>,
) -> Result<Response, PageError> {
    if let Some(id) = session_id(&headers) {
        state.store().delete_session(&sha256_hex(id.as_bytes())).await?;
    }
    crate::api::record_audit(
        &state,
        &crate::auth::Caller { user: viewer.user.clone() },
        "logout",
        format!("user/{}", viewer.user.name),
        serde_json::json!({}),
    )
    .await?;
    let mut response = redirect_with_flash("/workbench/login", &Flash { error: false, text: "Logged out.".to_owned() });
    let clear = format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    if let Ok(value) = axum::http::HeaderValue::from_str(&clear) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}
