//! What members send each other: alerts, seizure notices, requests for information and their replies, free text,
//! each with attachments; and membership changes. This is the plaintext inside an envelope.

use std::fmt;

use aduana_core::{CountryCode, HsCode};
use chrono::NaiveDate;
use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};

use crate::base64_field;
use crate::group::{SignedMembership, hex, is_lower_hex};

/// A message's id: 128 random bits as 32 lowercase hex digits. Receivers refuse an id they have already accepted.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MessageId(String);

/// A message id that is not 32 lowercase hex digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid message id {0:?}: expected 32 lowercase hexadecimal digits")]
pub struct InvalidMessageId(pub String);

impl MessageId {
    /// A fresh random id.
    pub fn random(rng: &mut impl CryptoRng) -> Self {
        let mut bytes = [0u8; 16];
        rng.fill_bytes(&mut bytes);
        Self(hex(&bytes))
    }

    /// Parses 32 lowercase hex digits.
    pub fn parse(text: &str) -> Result<Self, InvalidMessageId> {
        if is_lower_hex(text, 32) { Ok(Self(text.to_owned())) } else { Err(InvalidMessageId(text.to_owned())) }
    }

    /// The id as 32 hex digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for MessageId {
    type Error = InvalidMessageId;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<MessageId> for String {
    fn from(id: MessageId) -> Self {
        id.0
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MessageId({})", self.0)
    }
}

/// The content of a message, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Content {
    Alert(Alert),
    SeizureNotice(SeizureNotice),
    InformationRequest(InformationRequest),
    InformationReply(InformationReply),
    FreeText(FreeText),
    /// A membership change of the group, sent by its owner to the members of the new record.
    MembershipChange(SignedMembership),
}

impl Content {
    /// The `type` tag, e.g. `seizure_notice`.
    pub fn kind(&self) -> &'static str {
        match self {
            Content::Alert(_) => "alert",
            Content::SeizureNotice(_) => "seizure_notice",
            Content::InformationRequest(_) => "information_request",
            Content::InformationReply(_) => "information_reply",
            Content::FreeText(_) => "free_text",
            Content::MembershipChange(_) => "membership_change",
        }
    }

    /// A one-line summary for listings.
    pub fn summary(&self) -> String {
        match self {
            Content::Alert(alert) => format!("{:?} alert: {}", alert.subject, alert.title),
            Content::SeizureNotice(notice) => {
                format!("seizure on {} at {}: {}", notice.seized_on, notice.place, notice.goods)
            }
            Content::InformationRequest(request) => format!("request: {}", request.subject),
            Content::InformationReply(reply) => format!("reply to {}", reply.in_reply_to),
            Content::FreeText(text) => text.subject.clone(),
            Content::MembershipChange(change) => format!(
                "membership of {} at serial {}: {} members",
                change.record.name,
                change.record.serial,
                change.record.members.len()
            ),
        }
    }

    /// The attachments, if the content kind has any.
    pub fn attachments_mut(&mut self) -> Option<&mut Vec<Attachment>> {
        match self {
            Content::Alert(a) => Some(&mut a.attachments),
            Content::SeizureNotice(a) => Some(&mut a.attachments),
            Content::InformationRequest(a) => Some(&mut a.attachments),
            Content::InformationReply(a) => Some(&mut a.attachments),
            Content::FreeText(a) => Some(&mut a.attachments),
            Content::MembershipChange(_) => None,
        }
    }

    /// Whether the content carries nominal data (names of persons or companies).
    pub fn has_nominal_data(&self) -> bool {
        matches!(self, Content::SeizureNotice(SeizureNotice { nominal: Some(_), .. }))
    }
}

/// What an alert is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertSubject {
    Consignment,
    Party,
    Route,
    Concealment,
}

/// A risk alert about a consignment, a party, a route or a concealment method.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Alert {
    pub subject: AlertSubject,
    pub title: String,
    pub description: String,
    /// The consignment, party or conveyance reference the alert is about, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Countries on the route, in order, for route alerts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub route: Vec<CountryCode>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
}

/// A seizure notice. Its non-nominal part is always sent; `nominal` only in groups that allow nominal data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeizureNotice {
    pub seized_on: NaiveDate,
    pub place: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<CountryCode>,
    /// What was seized, e.g. "cocaine, 120 kg".
    pub goods: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hs_code: Option<HsCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concealment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nominal: Option<NominalData>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
}

/// The nominal part of a seizure notice: who was involved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NominalData {
    #[serde(default)]
    pub persons: Vec<NominalPerson>,
    #[serde(default)]
    pub companies: Vec<String>,
}

/// A person named in a seizure notice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NominalPerson {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nationality: Option<CountryCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<NaiveDate>,
}

/// A request for information; the reply names its id in `in_reply_to`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InformationRequest {
    pub subject: String,
    pub question: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
}

/// The reply to a request for information.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InformationReply {
    pub in_reply_to: MessageId,
    pub answer: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
}

/// Free text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FreeText {
    pub subject: String,
    pub text: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
}

/// A file sent with a message.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    pub name: String,
    pub media_type: String,
    #[serde(with = "base64_field")]
    pub data: Vec<u8>,
}

impl fmt::Debug for Attachment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Attachment")
            .field("name", &self.name)
            .field("media_type", &self.media_type)
            .field("bytes", &self.data.len())
            .finish()
    }
}
