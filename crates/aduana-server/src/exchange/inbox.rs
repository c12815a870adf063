//! The exchange listener: TLS (the node's self-signed certificate, which peers pin) in front of one route,
//! `POST /api/exchange/inbox`, where partner nodes deliver envelopes. The envelope authenticates itself (its
//! sender's Ed25519 signature, checked against the keys this node knows), so the route needs no user token.

use std::sync::Arc;
use std::time::Duration;

use aduana_exchange::{Content, receive};
use aduana_store::ExchangeDirection;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use chrono::Utc;

use crate::error::{ApiError, ErrorCode};
use crate::exchange::{EXCHANGE_ACTOR, ExchangeNode, audit, log, message_record};
use crate::state::AppState;

/// How long a TLS handshake may take before the connection is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The router of the exchange listener.
pub(crate) fn router(state: AppState, max_envelope_bytes: usize) -> Router {
    Router::new()
        .route(super::https::INBOX_PATH, post(deliver))
        .fallback(crate::api::service::no_route)
        .layer(DefaultBodyLimit::max(max_envelope_bytes.saturating_add(1)))
        .with_state(state)
}

/// Serves the exchange inbox over TLS on a bound listener until `shutdown` completes.
pub async fn serve_exchange(
    listener: tokio::net::TcpListener,
    state: AppState,
    tls: Arc<rustls::ServerConfig>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let Some(exchange) = state.inner.exchange.clone() else {
        return Err(std::io::Error::other("the exchange listener needs an exchange node"));
    };
    let app = router(state, exchange.settings.receive.max_envelope_bytes);
    let acceptor = tokio_rustls::TlsAcceptor::from(tls);
    tokio::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            () = &mut shutdown => return Ok(()),
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    log(&format!("exchange: accepting a connection: {error}"));
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let (acceptor, app) = (acceptor.clone(), app.clone());
        tokio::spawn(async move {
            let tls = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                Ok(Ok(tls)) => tls,
                Ok(Err(error)) => return log(&format!("exchange: TLS handshake with {peer}: {error}")),
                Err(_) => return log(&format!("exchange: TLS handshake with {peer} timed out")),
            };
            let service = hyper_util::service::TowerToHyperService::new(app);
            if let Err(error) = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                .await
            {
                log(&format!("exchange: connection from {peer}: {error}"));
            }
        });
    }
}

/// Receives one envelope: verifies, decrypts, deduplicates and stores it (with its audit entry), or refuses it
/// with `envelope_rejected` and the reason (logged and audited).
async fn deliver(State(state): State<AppState>, body: Bytes) -> Response {
    let Some(exchange) = state.inner.exchange.clone() else {
        return ApiError::new(ErrorCode::ExchangeNotConfigured, "this server runs no exchange node").into_response();
    };
    match accept(&state, &exchange, &body).await {
        Ok(id) => {
            (StatusCode::OK, axum::Json(serde_json::json!({"status": "accepted", "message_id": id}))).into_response()
        }
        Err(error) => error.into_response(),
    }
}

async fn accept(state: &AppState, exchange: &ExchangeNode, body: &[u8]) -> Result<String, ApiError> {
    // One envelope at a time: receiving records ids and membership changes in the directory.
    let mut node = exchange.node.lock().await;
    let mut next = node.clone();
    let received = match receive(&mut next, body, Utc::now(), &exchange.settings.receive) {
        Ok(received) => received,
        Err(rejection) => {
            let reason = rejection.reason.code();
            let message_id = rejection.message_id.as_ref().map(ToString::to_string);
            let sender = rejection.sender.as_ref().map(ToString::to_string);
            log(&format!(
                "exchange: rejected envelope {} from {}: {reason}: {}",
                message_id.as_deref().unwrap_or("?"),
                sender.as_deref().unwrap_or("?"),
                rejection.detail
            ));
            audit(
                state,
                "exchange.reject",
                message_id.as_deref().unwrap_or("unreadable"),
                serde_json::json!({"reason": reason, "detail": rejection.detail, "sender": sender}),
            )
            .await;
            return Err(ApiError::new(ErrorCode::EnvelopeRejected, format!("{reason}: {}", rejection.detail)));
        }
    };
    let record = message_record(
        ExchangeDirection::Received,
        received.id.as_str(),
        (received.sender.as_str(), &received.sender_name),
        (received.group.as_str(), &received.group_name),
        received.created_at,
        &received.content,
    );
    let entry = aduana_store::NewAuditEntry {
        actor: EXCHANGE_ACTOR.to_owned(),
        action: "exchange.receive".to_owned(),
        subject: format!("exchange/{}", received.id),
        details: serde_json::json!({
            "sender": received.sender.as_str(),
            "sender_name": received.sender_name,
            "group": received.group.as_str(),
            "kind": received.content.kind(),
        }),
    };
    // Stored before the id is recorded in the directory: a crash in between makes the sender's retry a duplicate
    // that the store ignores, never a lost message.
    state.store().record_exchange_message(&record, &entry).await?;
    exchange.files.save_directory(&next.directory).map_err(|error| {
        log(&format!("exchange: saving the node state: {error}"));
        ApiError::new(ErrorCode::Internal, "the server failed to handle the request; its log says why")
    })?;
    *node = next;
    if let Content::MembershipChange(change) = &received.content {
        let member = change.record.is_member(node.identity.id());
        log(&format!(
            "exchange: group {} is at serial {}; this node is {}a member",
            change.record.name,
            change.record.serial,
            if member { "" } else { "no longer " }
        ));
    }
    Ok(received.id.to_string())
}
