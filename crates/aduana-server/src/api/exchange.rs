//! The secure exchange between administrations, for this node's users: the node's identity, closed user groups
//! and their members (`POST`s by administrators; membership changes are signed and sent to the members), sending
//! messages to a group (sealed, queued in the outbox, delivered by the outbox loop), the inbox (messages received
//! from partner nodes, verified and decrypted) and the outbox's delivery status. Partner nodes deliver on the
//! exchange listener (`crate::exchange::inbox`), not here.

use aduana_exchange::{Content, GroupId, PublicIdentity, SendError, seal};
use aduana_store::{ExchangeDirection, ExchangeMessage, NewAuditEntry};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use serde::{Deserialize, Serialize};

use crate::api::record_audit;
use crate::auth::{Caller, access};
use crate::error::{ApiError, ErrorCode};
use crate::exchange::{ExchangeNode, message_record};
use crate::json::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;

/// This node's public identity.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct NodeView {
    name: String,
    node_id: String,
    fingerprint: String,
    /// Where partner nodes deliver (absent: file drop only).
    endpoint: Option<String>,
    tls_certificate_sha256: Option<String>,
}

/// A member of a group.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct MemberView {
    name: String,
    node_id: String,
    fingerprint: String,
    endpoint: Option<String>,
}

/// A closed user group as this node knows it (its latest membership record).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct GroupView {
    id: String,
    name: String,
    owner: String,
    /// Whether this node owns the group (and so may admit and remove members).
    owned: bool,
    serial: u64,
    nominal_data_allowed: bool,
    members: Vec<MemberView>,
    removed: Vec<MemberView>,
}

/// The groups.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct GroupList {
    groups: Vec<GroupView>,
}

/// A group to create, owned by this node.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewGroupRequest {
    /// 1 to 64 letters, digits, `.`, `_`, `-`.
    name: String,
    /// Allow nominal data (names of persons and companies) in seizure notices.
    #[serde(default)]
    allow_nominal_data: bool,
}

/// A peer to admit.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewMemberRequest {
    /// The peer's name or node id (imported with `aduana exchange peers add`).
    peer: String,
}

/// A message to send.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SendRequest {
    /// The group, by id or (unique) name.
    group: String,
    /// The content, tagged by `type`: `alert`, `seizure_notice`, `information_request`, `information_reply`,
    /// `free_text` (see docs/exchange.md).
    #[schema(value_type = Object)]
    content: serde_json::Value,
}

/// A message sealed and queued for delivery.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct SentView {
    pub(crate) message_id: String,
    group: String,
    kind: String,
    /// The node ids it is encrypted and queued to.
    pub(crate) recipients: Vec<String>,
}

/// A stored message, sent or received.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct MessageView {
    message_id: String,
    direction: String,
    group_id: String,
    group_name: String,
    sender: String,
    sender_name: String,
    kind: String,
    summary: String,
    #[schema(value_type = String, format = DateTime)]
    created_at: aduana_store::Timestamp,
    #[schema(value_type = String, format = DateTime)]
    recorded_at: aduana_store::Timestamp,
    #[schema(value_type = Object)]
    content: serde_json::Value,
}

/// Messages, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct MessageList {
    messages: Vec<MessageView>,
}

/// How many to list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListQuery {
    /// At most this many (default 100, at most 1000).
    #[serde(default)]
    limit: u32,
}

/// One envelope to one recipient in the outbox.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct OutboxEntryView {
    message_id: String,
    recipient: String,
    recipient_name: Option<String>,
    /// `pending` or `failed` (delivered entries leave the outbox).
    status: String,
    attempts: u32,
    #[schema(value_type = String, format = DateTime)]
    next_attempt_at: aduana_store::Timestamp,
    last_error: Option<String>,
}

/// The outbox.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct OutboxView {
    pending: usize,
    entries: Vec<OutboxEntryView>,
}

pub(crate) fn node_of(state: &AppState) -> Result<std::sync::Arc<ExchangeNode>, ApiError> {
    state.inner.exchange.clone().ok_or_else(|| {
        ApiError::new(
            ErrorCode::ExchangeNotConfigured,
            "this server runs no exchange node (aduana serve --exchange DIR)",
        )
    })
}

fn internal(what: &str, error: &str) -> ApiError {
    crate::exchange::log(&format!("exchange: {what}: {error}"));
    ApiError::new(ErrorCode::Internal, "the server failed to handle the request; its log says why")
}

fn system_rng() -> Result<aduana_exchange::ExchangeRng, ApiError> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|error| internal("reading system randomness", &error.to_string()))?;
    Ok(aduana_exchange::rng_from_seed(seed))
}

fn member_view(identity: &PublicIdentity) -> MemberView {
    MemberView {
        name: identity.name().to_owned(),
        node_id: identity.id().to_string(),
        fingerprint: identity.id().fingerprint(),
        endpoint: identity.endpoint().map(|e| e.url.clone()),
    }
}

fn message_view(stored: ExchangeMessage) -> MessageView {
    let m = stored.message;
    MessageView {
        message_id: m.message_id,
        direction: m.direction.as_str().to_owned(),
        group_id: m.group_id,
        group_name: m.group_name,
        sender: m.sender,
        sender_name: m.sender_name,
        kind: m.kind,
        summary: m.summary,
        created_at: m.created_at,
        recorded_at: stored.recorded_at,
        content: m.content,
    }
}

/// This node's identity.
#[utoipa::path(
    get, path = "/api/exchange/node", tag = "exchange",
    responses((status = 200, body = NodeView), (status = 409, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn node(State(state): State<AppState>, caller: Caller) -> Result<Json<NodeView>, ApiError> {
    caller.require(access::READ_EXCHANGE)?;
    let exchange = node_of(&state)?;
    let node = exchange.node.lock().await;
    let public = node.identity.public();
    Ok(Json(NodeView {
        name: public.name().to_owned(),
        node_id: public.id().to_string(),
        fingerprint: public.id().fingerprint(),
        endpoint: public.endpoint().map(|e| e.url.clone()),
        tls_certificate_sha256: public.endpoint().map(|e| e.tls_certificate_sha256.clone()),
    }))
}

/// The groups this node is in, with their members.
#[utoipa::path(
    get, path = "/api/exchange/groups", tag = "exchange",
    responses((status = 200, body = GroupList), (status = 409, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn groups(State(state): State<AppState>, caller: Caller) -> Result<Json<GroupList>, ApiError> {
    caller.require(access::READ_EXCHANGE)?;
    let exchange = node_of(&state)?;
    let node = exchange.node.lock().await;
    let groups = node
        .directory
        .groups
        .values()
        .map(|group| {
            let record = group.record();
            GroupView {
                id: record.group.to_string(),
                name: record.name.clone(),
                owner: record.owner.to_string(),
                owned: &record.owner == node.identity.id(),
                serial: record.serial,
                nominal_data_allowed: record.nominal_data_allowed,
                members: record.members.values().map(member_view).collect(),
                removed: group.removed.values().map(member_view).collect(),
            }
        })
        .collect();
    Ok(Json(GroupList { groups }))
}

/// Creates a group owned by this node.
#[utoipa::path(
    post, path = "/api/exchange/groups", tag = "exchange", request_body = NewGroupRequest,
    responses((status = 201, body = GroupView), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn create_group(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(request): ApiJson<NewGroupRequest>,
) -> Result<(StatusCode, Json<GroupView>), ApiError> {
    caller.require(access::MANAGE_EXCHANGE)?;
    let exchange = node_of(&state)?;
    let mut rng = system_rng()?;
    let mut node = exchange.node.lock().await;
    if node.directory.find_group(&request.name).is_some() {
        return Err(ApiError::new(ErrorCode::Conflict, format!("a group named {} already exists", request.name)));
    }
    let mut next = node.clone();
    let created = next
        .create_group(&request.name, request.allow_nominal_data, Utc::now(), &mut rng)
        .map_err(|error| ApiError::new(ErrorCode::InvalidBody, error.to_string()))?;
    exchange.files.save_directory(&next.directory).map_err(|e| internal("saving the node state", &e))?;
    *node = next;
    let record = &created.record;
    record_audit(
        &state,
        &caller,
        "exchange.group_create",
        format!("exchange/group/{}", record.group),
        serde_json::json!({"name": record.name, "nominal_data_allowed": record.nominal_data_allowed}),
    )
    .await?;
    let view = GroupView {
        id: record.group.to_string(),
        name: record.name.clone(),
        owner: record.owner.to_string(),
        owned: true,
        serial: record.serial,
        nominal_data_allowed: record.nominal_data_allowed,
        members: record.members.values().map(member_view).collect(),
        removed: vec![],
    };
    Ok((StatusCode::CREATED, Json(view)))
}

/// Admits a peer to a group this node owns; the new membership is signed and sent to the members.
#[utoipa::path(
    post, path = "/api/exchange/groups/{group}/members", tag = "exchange", request_body = NewMemberRequest,
    params(("group" = String, Path, description = "The group's id or name")),
    responses((status = 200, body = GroupList), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn add_member(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(group): ApiPath<String>,
    ApiJson(request): ApiJson<NewMemberRequest>,
) -> Result<Json<GroupList>, ApiError> {
    caller.require(access::MANAGE_EXCHANGE)?;
    change_membership(&state, &caller, &group, Some(&request.peer), None).await?;
    groups(State(state), caller).await
}

/// Removes a member from a group this node owns; the new membership is sent to the remaining members.
#[utoipa::path(
    delete, path = "/api/exchange/groups/{group}/members/{member}", tag = "exchange",
    params(("group" = String, Path, description = "The group's id or name"), ("member" = String, Path, description = "The member's name or node id")),
    responses((status = 200, body = GroupList), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn remove_member(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((group, member)): ApiPath<(String, String)>,
) -> Result<Json<GroupList>, ApiError> {
    caller.require(access::MANAGE_EXCHANGE)?;
    change_membership(&state, &caller, &group, None, Some(&member)).await?;
    groups(State(state), caller).await
}

async fn change_membership(
    state: &AppState,
    caller: &Caller,
    group: &str,
    admit: Option<&str>,
    remove: Option<&str>,
) -> Result<(), ApiError> {
    let exchange = node_of(state)?;
    let mut rng = system_rng()?;
    let now = Utc::now();
    let mut node = exchange.node.lock().await;
    let group_id: GroupId = node
        .directory
        .find_group(group)
        .map(|g| g.record().group.clone())
        .ok_or_else(|| ApiError::not_found("group", group))?;
    let mut next = node.clone();
    let (add, removed): (Vec<PublicIdentity>, Vec<aduana_exchange::NodeId>) = match (admit, remove) {
        (Some(peer), _) => {
            let peer = next.directory.find_peer(peer).cloned().ok_or_else(|| {
                ApiError::new(
                    ErrorCode::InvalidBody,
                    format!("no peer {peer}: import its identity with `aduana exchange peers add`"),
                )
            })?;
            (vec![peer], vec![])
        }
        (None, Some(member)) => {
            let record = next.directory.groups[&group_id].record();
            let id = record
                .members
                .values()
                .find(|m| m.name() == member || m.id().as_str() == member)
                .map(|m| m.id().clone())
                .ok_or_else(|| ApiError::not_found("member", member))?;
            (vec![], vec![id])
        }
        (None, None) => return Ok(()),
    };
    let change = next
        .change_membership(&group_id, &add, &removed, now)
        .map_err(|error| ApiError::new(ErrorCode::Conflict, error.to_string()))?;
    let sealed = if change.record.members.len() > 1 {
        Some(
            seal(&next, &group_id, &Content::MembershipChange(change.clone()), now, &mut rng)
                .map_err(|error| internal("sealing a membership change", &error.to_string()))?,
        )
    } else {
        None
    };
    exchange.files.save_directory(&next.directory).map_err(|e| internal("saving the node state", &e))?;
    *node = next;
    drop(node);
    if let Some(sealed) = &sealed {
        exchange.enqueue(sealed, now).await.map_err(|e| internal("queueing a membership change", &e))?;
    }
    let action = if admit.is_some() { "exchange.member_add" } else { "exchange.member_remove" };
    record_audit(
        state,
        caller,
        action,
        format!("exchange/group/{group_id}"),
        serde_json::json!({
            "member": admit.or(remove),
            "serial": change.record.serial,
            "message_id": sealed.as_ref().map(|s| s.id.to_string()),
        }),
    )
    .await
}

/// Seals a message to a group's current members and queues it for delivery.
#[utoipa::path(
    post, path = "/api/exchange/messages", tag = "exchange", request_body = SendRequest,
    responses((status = 202, body = SentView), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn send(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(request): ApiJson<SendRequest>,
) -> Result<(StatusCode, Json<SentView>), ApiError> {
    caller.require(access::SEND_EXCHANGE)?;
    node_of(&state)?;
    let content: Content = serde_json::from_value(request.content).map_err(|error| {
        ApiError::new(ErrorCode::InvalidBody, format!("expected message content at /content: {error}"))
    })?;
    if matches!(content, Content::MembershipChange(_)) {
        return Err(ApiError::new(
            ErrorCode::InvalidBody,
            "membership changes are made with /api/exchange/groups/{group}/members",
        ));
    }
    Ok((StatusCode::ACCEPTED, Json(queue_message(&state, &caller, &request.group, &content).await?)))
}

/// Seals `content` to a group's current members, queues it in the outbox, and stores it as sent with its audit
/// entry (by `caller`). Shared by the API and the workbench.
pub(crate) async fn queue_message(
    state: &AppState,
    caller: &Caller,
    group: &str,
    content: &Content,
) -> Result<SentView, ApiError> {
    let exchange = node_of(state)?;
    let mut rng = system_rng()?;
    let now = Utc::now();
    let (sealed, record) = {
        let node = exchange.node.lock().await;
        let group_record = node
            .directory
            .find_group(group)
            .map(|g| g.record().clone())
            .ok_or_else(|| ApiError::not_found("group", group))?;
        let sealed = seal(&node, &group_record.group, content, now, &mut rng).map_err(|error| match error {
            SendError::NominalDataNotAllowed(_) | SendError::NoRecipients(_) => {
                ApiError::new(ErrorCode::InvalidBody, error.to_string())
            }
            other => ApiError::new(ErrorCode::Conflict, other.to_string()),
        })?;
        let own = node.identity.public();
        let record = message_record(
            ExchangeDirection::Sent,
            sealed.id.as_str(),
            (own.id().as_str(), own.name()),
            (group_record.group.as_str(), &group_record.name),
            now,
            content,
        );
        (sealed, record)
    };
    if sealed.bytes.len() > exchange.settings.receive.max_envelope_bytes {
        return Err(ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!(
                "the envelope is {} bytes, more than nodes accept ({})",
                sealed.bytes.len(),
                exchange.settings.receive.max_envelope_bytes
            ),
        ));
    }
    exchange.enqueue(&sealed, now).await.map_err(|e| internal("queueing a message", &e))?;
    let audit = NewAuditEntry {
        actor: caller.user.name.clone(),
        action: "exchange.send".to_owned(),
        subject: format!("exchange/{}", sealed.id),
        details: serde_json::json!({
            "group": record.group_id,
            "kind": record.kind,
            "recipients": sealed.recipients.iter().map(ToString::to_string).collect::<Vec<_>>(),
        }),
    };
    state.store().record_exchange_message(&record, &audit).await?;
    Ok(SentView {
        message_id: sealed.id.to_string(),
        group: record.group_id,
        kind: record.kind,
        recipients: sealed.recipients.iter().map(ToString::to_string).collect(),
    })
}

/// Messages received from partner nodes, newest first (verified and decrypted).
#[utoipa::path(
    get, path = "/api/exchange/inbox", tag = "exchange", params(ListQuery),
    responses((status = 200, body = MessageList), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn inbox(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<MessageList>, ApiError> {
    list(state, caller, ExchangeDirection::Received, query.limit).await
}

/// Messages this node sent, newest first.
#[utoipa::path(
    get, path = "/api/exchange/sent", tag = "exchange", params(ListQuery),
    responses((status = 200, body = MessageList), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn sent(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<MessageList>, ApiError> {
    list(state, caller, ExchangeDirection::Sent, query.limit).await
}

async fn list(
    state: AppState,
    caller: Caller,
    direction: ExchangeDirection,
    limit: u32,
) -> Result<Json<MessageList>, ApiError> {
    caller.require(access::READ_EXCHANGE)?;
    let messages = state.store().exchange_messages(direction, limit).await?;
    Ok(Json(MessageList { messages: messages.into_iter().map(message_view).collect() }))
}

/// The envelopes awaiting delivery (or given up), with their attempts and last error.
#[utoipa::path(
    get, path = "/api/exchange/outbox", tag = "exchange",
    responses((status = 200, body = OutboxView), (status = 409, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = []))
)]
pub(crate) async fn outbox(State(state): State<AppState>, caller: Caller) -> Result<Json<OutboxView>, ApiError> {
    caller.require(access::READ_EXCHANGE)?;
    let exchange = node_of(&state)?;
    let outbox = {
        let _guard = exchange.outbox.lock().await;
        exchange.files.load_outbox().map_err(|e| internal("reading the outbox", &e))?
    };
    let node = exchange.node.lock().await;
    let entries = outbox
        .entries
        .iter()
        .map(|entry| OutboxEntryView {
            message_id: entry.message_id.to_string(),
            recipient: entry.recipient.to_string(),
            recipient_name: node.public_identity_of(&entry.recipient).map(|p| p.name().to_owned()),
            status: match entry.status {
                aduana_exchange::DeliveryStatus::Pending => "pending",
                aduana_exchange::DeliveryStatus::Delivered => "delivered",
                aduana_exchange::DeliveryStatus::Failed => "failed",
            }
            .to_owned(),
            attempts: entry.attempts,
            next_attempt_at: entry.next_attempt_at,
            last_error: entry.last_error.clone(),
        })
        .collect();
    Ok(Json(OutboxView { pending: outbox.pending(), entries }))
}
