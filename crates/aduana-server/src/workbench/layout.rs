//! The page frame: one function, [`page`], renders a whole workbench page — skip link, header with the nav and
//! the user's name and logout button, the flash message, the page title as the one `h1`, and the body in `main`.
//! Every page goes through it, so every page has the same landmarks, headers and keyboard order.

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

use super::{Viewer, clear_flash_cookie};

/// One entry of the main navigation: its path, label and the roles that see it (`None`: everyone).
struct NavItem {
    href: &'static str,
    label: &'static str,
    roles: Option<&'static [aduana_store::Role]>,
}

/// The main navigation, in order. Pages of other areas add their entry here (one line each).
const NAV: &[NavItem] = &[
    NavItem { href: "/workbench/queue", label: "Queue", roles: Some(crate::auth::access::READ_ASSESSMENTS) },
    NavItem {
        href: "/workbench/examinations",
        label: "Examinations",
        roles: Some(crate::auth::access::READ_EXAMINATIONS),
    },
    NavItem {
        href: "/workbench/dashboard",
        label: "Effectiveness",
        roles: Some(crate::auth::access::READ_ASSESSMENTS),
    },
    NavItem { href: "/workbench/screening", label: "Screening", roles: Some(crate::auth::access::SCREEN) },
    NavItem {
        href: "/workbench/notifications",
        label: "Notifications",
        roles: Some(crate::auth::access::READ_ASSESSMENTS),
    },
    NavItem { href: "/workbench/profiles", label: "Profiles", roles: Some(crate::auth::access::READ_ASSESSMENTS) },
    NavItem { href: "/workbench/cases", label: "Cases", roles: Some(crate::auth::access::READ_CASES) },
    NavItem { href: "/workbench/cash", label: "Cash", roles: Some(crate::auth::access::READ_CASH) },
    NavItem { href: "/workbench/exchange/inbox", label: "Exchange", roles: Some(crate::auth::access::READ_EXCHANGE) },
];

/// Renders a whole page for a logged-in user: `title` is the document title and the page's `h1`; `current` is
/// the nav path to mark as the current page. Returns a response with the security headers set (and the shown
/// flash message cleared).
#[allow(clippy::needless_pass_by_value, reason = "a page takes the body `html!` just built, whole")]
pub(crate) fn page(viewer: &Viewer, title: &str, current: &str, body: Markup) -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    a.brand href="/workbench/queue" { "Aduana" }
                    nav aria-label="Main" {
                        ul {
                            @for item in NAV.iter().filter(|i| i.roles.is_none_or(|r| viewer.may(r))) {
                                li {
                                    @if current == item.href {
                                        a href=(item.href) aria-current="page" { (item.label) }
                                    } @else {
                                        a href=(item.href) { (item.label) }
                                    }
                                }
                            }
                        }
                    }
                    form.logout method="post" action="/workbench/logout" {
                        span.who { (viewer.user.name) " · " (viewer.user.role) }
                        (viewer.csrf_field())
                        button type="submit" { "Log out" }
                    }
                }
                main #main tabindex="-1" {
                    @if let Some(flash) = &viewer.flash {
                        @if flash.error {
                            div.flash.flash-error role="alert" { (flash.text) }
                        } @else {
                            div.flash.flash-ok role="status" { (flash.text) }
                        }
                    }
                    h1 { (title) }
                    (body)
                }
            }
        }
    };
    let mut response = respond(axum::http::StatusCode::OK, markup);
    if viewer.flash.is_some() {
        response.headers_mut().append(header::SET_COOKIE, clear_flash_cookie());
    }
    response
}

/// Returns an HTML response with a status and the security headers.
pub(crate) fn respond(status: axum::http::StatusCode, markup: Markup) -> Response {
    let mut response = (status, axum::response::Html(markup.into_string())).into_response();
    security_headers(response.headers_mut());
    response
}

/// Renders a page without nav (the login form, error pages).
#[allow(clippy::needless_pass_by_value, reason = "a page takes the body `html!` just built, whole")]
pub(crate) fn bare_page(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body.bare {
                main #main {
                    p.brand { "Aduana" }
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " — Aduana workbench" }
            link rel="stylesheet" href=(super::assets::CSS_PATH);
            script src=(super::assets::JS_PATH) defer {}
        }
    }
}

/// Sets the headers every page carries: nothing may be loaded from anywhere but this server, no framing, no
/// caching of pages that show customs data.
pub(crate) fn security_headers(headers: &mut HeaderMap) {
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; \
             connect-src 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

/// A labelled `<select>` whose options are `(value, label)`; `selected` marks one.
pub(crate) fn select(name: &str, label: &str, options: &[(&str, &str)], selected: Option<&str>) -> Markup {
    html! {
        label for=(name) { (label) }
        select #(name) name=(name) {
            @for (value, text) in options {
                @if Some(*value) == selected {
                    option value=(value) selected { (text) }
                } @else {
                    option value=(value) { (text) }
                }
            }
        }
    }
}

/// Renders a JSON object as a definition list (nested objects inline, arrays joined), for the many optional
/// fields of consignments; `label` turns `snake_case` keys into words.
pub(crate) fn json_facts(value: &serde_json::Value) -> Markup {
    html! {
        @if let Some(object) = value.as_object().filter(|o| !o.is_empty()) {
            dl.facts {
                @for (key, v) in object {
                    dt { (label(key)) }
                    dd { (json_inline(v)) }
                }
            }
        } @else {
            p.muted { "Not given." }
        }
    }
}

/// Renders a JSON array of objects as a table with one column per key that any row has.
pub(crate) fn json_table(rows: &[serde_json::Value], caption: &str) -> Markup {
    let mut keys: Vec<&str> = Vec::new();
    for row in rows {
        for key in row.as_object().into_iter().flat_map(|o| o.keys()) {
            if !keys.contains(&key.as_str()) {
                keys.push(key);
            }
        }
    }
    html! {
        @if rows.is_empty() {
            p.muted { "None given." }
        } @else {
            table {
                caption.muted { (caption) }
                thead { tr { @for key in &keys { th scope="col" { (label(key)) } } } }
                tbody {
                    @for row in rows {
                        tr { @for key in &keys { td { (row.get(*key).map(json_inline).unwrap_or_default()) } } }
                    }
                }
            }
        }
    }
}

fn json_inline(value: &serde_json::Value) -> Markup {
    use serde_json::Value;
    html! {
        @match value {
            Value::Null => span.muted { "—" },
            Value::String(s) => (s),
            Value::Bool(b) => (if *b { "yes" } else { "no" }),
            Value::Number(n) => (n),
            Value::Array(items) => {
                @for (i, item) in items.iter().enumerate() { @if i > 0 { "; " } (json_inline(item)) }
            },
            Value::Object(object) => {
                @for (i, (k, v)) in object.iter().enumerate() { @if i > 0 { ", " } (label(k)) ": " (json_inline(v)) }
            },
        }
    }
}

/// `place_of_loading` → `Place of loading`.
pub(crate) fn label(key: &str) -> String {
    let words = key.replace('_', " ");
    let mut chars = words.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}
