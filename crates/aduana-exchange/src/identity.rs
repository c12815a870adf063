//! Node identities: an Ed25519 signing key and an X25519 (HPKE) encryption key per node, the node id (SHA-256
//! fingerprint of both public keys), and the key files' formats. The binary reads and writes the files; this module
//! takes and returns bytes.

use std::fmt;

use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use hpke::{Deserializable as _, Kem as _, Serializable as _};
use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::base64_field;

/// The HPKE key encapsulation mechanism of node encryption keys: DHKEM(X25519, HKDF-SHA256).
pub(crate) type Kem = hpke::kem::X25519HkdfSha256;
pub(crate) type EncryptionPublicKey = <Kem as hpke::Kem>::PublicKey;
pub(crate) type EncryptionPrivateKey = <Kem as hpke::Kem>::PrivateKey;

/// The version of the key file formats.
pub const KEY_FILE_VERSION: u32 = 1;

/// Domain separation for the fingerprint, so that it can never collide with another hash of the same keys.
const FINGERPRINT_CONTEXT: &[u8] = b"aduana-exchange node fingerprint v1\0";
/// Domain separation for the signature over a node's endpoint and TLS certificate fingerprint.
const ENDPOINT_CONTEXT: &[u8] = b"aduana-exchange endpoint v1\0";

/// A problem with a key file or a node name.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IdentityError {
    /// The file is not JSON of the expected shape.
    #[error("expected a {what} file: {source}")]
    Malformed {
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },
    /// The file has a `version` this build does not know.
    #[error("unsupported {what} file version {found}, expected {KEY_FILE_VERSION}")]
    UnsupportedVersion { what: &'static str, found: u32 },
    /// A key is not a valid point or scalar.
    #[error("invalid {which} key")]
    InvalidKey { which: &'static str },
    /// The file states a fingerprint that its keys do not have: it was altered or corrupted.
    #[error("fingerprint mismatch: the file says {stated}, its keys give {computed}")]
    FingerprintMismatch { stated: String, computed: String },
    /// A node name is empty, too long or has characters other than letters, digits, `.`, `_` and `-`.
    #[error("invalid node name {0:?}: expected 1 to 64 letters, digits, '.', '_' or '-'")]
    InvalidName(String),
    /// A node id is not 64 lowercase hexadecimal digits.
    #[error("invalid node id {0:?}: expected 64 lowercase hexadecimal digits")]
    InvalidNodeId(String),
    /// The endpoint is not an `https://` URL, the certificate fingerprint not 64 hex digits, or the node's
    /// signature over them does not verify.
    #[error("invalid endpoint: {0}")]
    InvalidEndpoint(String),
}

/// Where a node receives envelopes over HTTPS, and the SHA-256 fingerprint of its (self-signed) TLS certificate,
/// which senders pin instead of relying on a web PKI. Signed by the node's Ed25519 key, so that whoever carries the
/// public identity file cannot redirect a node's traffic without the fingerprint check failing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Endpoint {
    /// The base URL, e.g. `https://exchange.customs.example:8443`; envelopes are posted to `/api/exchange/inbox`.
    pub url: String,
    /// SHA-256 of the TLS certificate (DER), 64 lowercase hex digits.
    pub tls_certificate_sha256: String,
    #[serde(with = "base64_field")]
    signature: Vec<u8>,
}

impl Endpoint {
    fn signed_bytes(url: &str, certificate_sha256: &str) -> Vec<u8> {
        let mut bytes = ENDPOINT_CONTEXT.to_vec();
        bytes.extend_from_slice(url.as_bytes());
        bytes.push(0);
        bytes.extend_from_slice(certificate_sha256.as_bytes());
        bytes
    }

    fn check(&self, signing: &VerifyingKey) -> Result<(), IdentityError> {
        let rest = self
            .url
            .strip_prefix("https://")
            .ok_or_else(|| IdentityError::InvalidEndpoint(format!("expected an https:// URL, found {:?}", self.url)))?;
        if rest.is_empty() || rest.contains(char::is_whitespace) {
            return Err(IdentityError::InvalidEndpoint(format!(
                "expected a host after https://, found {:?}",
                self.url
            )));
        }
        let hash = &self.tls_certificate_sha256;
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            return Err(IdentityError::InvalidEndpoint(format!(
                "expected the TLS certificate's SHA-256 as 64 lowercase hex digits, found {hash:?}"
            )));
        }
        let signature = Signature::from_slice(&self.signature)
            .map_err(|_| IdentityError::InvalidEndpoint("the signature is not 64 bytes".to_owned()))?;
        signing
            .verify_strict(&Self::signed_bytes(&self.url, hash), &signature)
            .map_err(|_| IdentityError::InvalidEndpoint("the node's signature over it does not verify".to_owned()))
    }
}

/// Returns the SHA-256 of `bytes` as 64 lowercase hex digits (the form TLS certificate fingerprints take here).
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for byte in digest.iter() {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex
}

/// Checks a node or group name: 1 to 64 ASCII letters, digits, `.`, `_` or `-`.
pub(crate) fn check_name(name: &str) -> bool {
    (1..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

/// A node's id: the lowercase hex SHA-256 fingerprint of its public signing and encryption keys.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NodeId(String);

impl NodeId {
    /// Parses 64 lowercase hexadecimal digits.
    pub fn parse(text: &str) -> Result<Self, IdentityError> {
        if text.len() == 64 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            Ok(Self(text.to_owned()))
        } else {
            Err(IdentityError::InvalidNodeId(text.to_owned()))
        }
    }

    /// The id as 64 hex digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The fingerprint for people to compare over the phone: the hex digits in groups of four.
    pub fn fingerprint(&self) -> String {
        let mut out = String::with_capacity(80);
        for (i, chunk) in self.0.as_bytes().chunks(4).enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        }
        out
    }

    /// The first 16 hex digits, for file names and short displays.
    pub fn short(&self) -> &str {
        &self.0[..16]
    }
}

impl TryFrom<String> for NodeId {
    type Error = IdentityError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<NodeId> for String {
    fn from(id: NodeId) -> Self {
        id.0
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NodeId({})", self.short())
    }
}

fn compute_id(signing: &VerifyingKey, encryption: &[u8; 32]) -> NodeId {
    let mut hasher = Sha256::new();
    hasher.update(FINGERPRINT_CONTEXT);
    hasher.update(signing.as_bytes());
    hasher.update(encryption);
    let digest = hasher.finalize();
    let mut hex = String::with_capacity(64);
    for byte in digest.iter() {
        hex.push_str(&format!("{byte:02x}"));
    }
    NodeId(hex)
}

/// The public half of a node: what peers import to verify its signatures and encrypt to it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "PublicIdentityFile", into = "PublicIdentityFile")]
pub struct PublicIdentity {
    name: String,
    signing: VerifyingKey,
    encryption: [u8; 32],
    id: NodeId,
    endpoint: Option<Endpoint>,
}

/// The serialised form of a [`PublicIdentity`] (the exported key file).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PublicIdentityFile {
    version: u32,
    name: String,
    #[serde(with = "base64_field::array32")]
    signing_key: [u8; 32],
    #[serde(with = "base64_field::array32")]
    encryption_key: [u8; 32],
    /// Optional on input; checked against the keys when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fingerprint: Option<String>,
    /// Where the node receives envelopes over HTTPS (absent for file-drop-only nodes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    endpoint: Option<Endpoint>,
}

impl TryFrom<PublicIdentityFile> for PublicIdentity {
    type Error = IdentityError;
    fn try_from(file: PublicIdentityFile) -> Result<Self, Self::Error> {
        if file.version != KEY_FILE_VERSION {
            return Err(IdentityError::UnsupportedVersion { what: "public identity", found: file.version });
        }
        if !check_name(&file.name) {
            return Err(IdentityError::InvalidName(file.name));
        }
        let signing =
            VerifyingKey::from_bytes(&file.signing_key).map_err(|_| IdentityError::InvalidKey { which: "signing" })?;
        EncryptionPublicKey::from_bytes(&file.encryption_key)
            .map_err(|_| IdentityError::InvalidKey { which: "encryption" })?;
        let id = compute_id(&signing, &file.encryption_key);
        if let Some(stated) = file.fingerprint {
            let normalised: String = stated.chars().filter(|c| !c.is_whitespace()).collect();
            if normalised != id.as_str() {
                return Err(IdentityError::FingerprintMismatch { stated, computed: id.fingerprint() });
            }
        }
        if let Some(endpoint) = &file.endpoint {
            endpoint.check(&signing)?;
        }
        Ok(Self { name: file.name, signing, encryption: file.encryption_key, id, endpoint: file.endpoint })
    }
}

impl From<PublicIdentity> for PublicIdentityFile {
    fn from(identity: PublicIdentity) -> Self {
        Self {
            version: KEY_FILE_VERSION,
            fingerprint: Some(identity.id.fingerprint()),
            name: identity.name,
            signing_key: identity.signing.to_bytes(),
            encryption_key: identity.encryption,
            endpoint: identity.endpoint,
        }
    }
}

impl PublicIdentity {
    /// Reads an exported public identity file.
    pub fn from_json(bytes: &[u8]) -> Result<Self, IdentityError> {
        serde_json::from_slice::<PublicIdentityFile>(bytes)
            .map_err(|source| IdentityError::Malformed { what: "public identity", source })?
            .try_into()
    }

    /// The exported public identity file (pretty JSON with the fingerprint).
    pub fn to_json(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).expect("a public identity always serialises");
        bytes.push(b'\n');
        bytes
    }

    /// The node's chosen name (not unique; the id is).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The node id (fingerprint of the public keys).
    pub fn id(&self) -> &NodeId {
        &self.id
    }

    /// Where the node receives envelopes over HTTPS, signed by the node (checked when the identity was read).
    pub fn endpoint(&self) -> Option<&Endpoint> {
        self.endpoint.as_ref()
    }

    /// Verifies an Ed25519 signature by this node over `message` (strict verification: no malleable signatures).
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let Ok(signature) = Signature::from_slice(signature) else {
            return false;
        };
        self.signing.verify_strict(message, &signature).is_ok()
    }

    /// The node's HPKE public key.
    pub(crate) fn encryption_key(&self) -> EncryptionPublicKey {
        EncryptionPublicKey::from_bytes(&self.encryption).expect("checked when the identity was built")
    }
}

impl fmt::Debug for PublicIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicIdentity").field("name", &self.name).field("id", &self.id).finish()
    }
}

/// A node's own identity, with its private keys. Its `Debug` form never shows them.
#[derive(Clone)]
pub struct NodeIdentity {
    signing: SigningKey,
    encryption: EncryptionPrivateKey,
    public: PublicIdentity,
}

/// The serialised form of a [`NodeIdentity`] (the private key file, to be stored with 0600 permissions).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SecretIdentityFile {
    version: u32,
    name: String,
    #[serde(with = "base64_field::array32")]
    signing_key: [u8; 32],
    #[serde(with = "base64_field::array32")]
    encryption_key: [u8; 32],
    #[serde(default, skip_serializing_if = "Option::is_none")]
    endpoint: Option<Endpoint>,
}

impl NodeIdentity {
    /// Creates a new identity with fresh keys from `rng`.
    pub fn generate(name: &str, rng: &mut impl CryptoRng) -> Result<Self, IdentityError> {
        if !check_name(name) {
            return Err(IdentityError::InvalidName(name.to_owned()));
        }
        let mut seed = [0u8; 32];
        rng.fill_bytes(&mut seed);
        let signing = SigningKey::from_bytes(&seed);
        let (encryption, _) = Kem::gen_keypair_with_rng(rng);
        Ok(Self::from_keys(name.to_owned(), signing, encryption))
    }

    fn from_keys(name: String, signing: SigningKey, encryption: EncryptionPrivateKey) -> Self {
        let verifying = signing.verifying_key();
        let encryption_public: [u8; 32] = Kem::sk_to_pk(&encryption).to_bytes().into();
        let id = compute_id(&verifying, &encryption_public);
        let public = PublicIdentity { name, signing: verifying, encryption: encryption_public, id, endpoint: None };
        Self { signing, encryption, public }
    }

    /// Sets (or replaces) the HTTPS endpoint this node announces: its base URL and the SHA-256 of its TLS
    /// certificate (DER), signed with the node's key.
    pub fn set_endpoint(&mut self, url: &str, tls_certificate_sha256: &str) -> Result<(), IdentityError> {
        let signature = self.sign(&Endpoint::signed_bytes(url, tls_certificate_sha256));
        let endpoint =
            Endpoint { url: url.to_owned(), tls_certificate_sha256: tls_certificate_sha256.to_owned(), signature };
        endpoint.check(&self.public.signing)?;
        self.public.endpoint = Some(endpoint);
        Ok(())
    }

    /// Reads the private key file.
    pub fn from_secret_json(bytes: &[u8]) -> Result<Self, IdentityError> {
        let file: SecretIdentityFile = serde_json::from_slice(bytes)
            .map_err(|source| IdentityError::Malformed { what: "private identity", source })?;
        if file.version != KEY_FILE_VERSION {
            return Err(IdentityError::UnsupportedVersion { what: "private identity", found: file.version });
        }
        if !check_name(&file.name) {
            return Err(IdentityError::InvalidName(file.name));
        }
        let encryption = EncryptionPrivateKey::from_bytes(&file.encryption_key)
            .map_err(|_| IdentityError::InvalidKey { which: "encryption" })?;
        let mut identity = Self::from_keys(file.name, SigningKey::from_bytes(&file.signing_key), encryption);
        if let Some(endpoint) = file.endpoint {
            endpoint.check(&identity.public.signing)?;
            identity.public.endpoint = Some(endpoint);
        }
        Ok(identity)
    }

    /// The private key file's bytes (JSON). Whoever writes them must restrict the file to its owner.
    pub fn to_secret_json(&self) -> Vec<u8> {
        let file = SecretIdentityFile {
            version: KEY_FILE_VERSION,
            name: self.public.name.clone(),
            signing_key: self.signing.to_bytes(),
            encryption_key: self.encryption.to_bytes().into(),
            endpoint: self.public.endpoint.clone(),
        };
        let mut bytes = serde_json::to_vec_pretty(&file).expect("a private identity always serialises");
        bytes.push(b'\n');
        bytes
    }

    /// The public half, to export.
    pub fn public(&self) -> &PublicIdentity {
        &self.public
    }

    /// This node's id.
    pub fn id(&self) -> &NodeId {
        &self.public.id
    }

    /// Signs `message` with the node's Ed25519 key.
    pub(crate) fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.signing.sign(message).to_bytes().to_vec()
    }

    /// The node's HPKE private key.
    pub(crate) fn encryption_key(&self) -> &EncryptionPrivateKey {
        &self.encryption
    }
}

impl fmt::Debug for NodeIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NodeIdentity").field("public", &self.public).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exchange_identity_round_trips_through_its_key_files() {
        let mut rng = crate::rng_from_seed([7; 32]);
        let identity = NodeIdentity::generate("customs-es", &mut rng).expect("valid name");
        let again = NodeIdentity::from_secret_json(&identity.to_secret_json()).expect("reads back");
        assert_eq!(again.public(), identity.public());
        let public = PublicIdentity::from_json(&identity.public().to_json()).expect("reads back");
        assert_eq!(&public, identity.public());
        assert_eq!(public.id().fingerprint().split(' ').count(), 16);
    }

    #[test]
    fn exchange_public_identity_with_an_altered_key_fails_its_fingerprint() {
        let mut rng = crate::rng_from_seed([8; 32]);
        let identity = NodeIdentity::generate("customs-fr", &mut rng).expect("valid name");
        let other = NodeIdentity::generate("other", &mut rng).expect("valid name");
        let mut file: serde_json::Value = serde_json::from_slice(&identity.public().to_json()).expect("json");
        let other_file: serde_json::Value = serde_json::from_slice(&other.public().to_json()).expect("json");
        file["signing_key"] = other_file["signing_key"].clone();
        let error = PublicIdentity::from_json(file.to_string().as_bytes()).expect_err("must fail");
        assert!(matches!(error, IdentityError::FingerprintMismatch { .. }), "{error}");
    }

    #[test]
    fn exchange_endpoint_round_trips_and_an_altered_one_is_refused() {
        let mut rng = crate::rng_from_seed([10; 32]);
        let mut identity = NodeIdentity::generate("customs-es", &mut rng).expect("valid name");
        let pin = sha256_hex(b"certificate");
        identity.set_endpoint("https://127.0.0.1:8443", &pin).expect("valid endpoint");
        let again = NodeIdentity::from_secret_json(&identity.to_secret_json()).expect("reads back");
        assert_eq!(again.public().endpoint().map(|e| e.url.as_str()), Some("https://127.0.0.1:8443"));
        let public = PublicIdentity::from_json(&identity.public().to_json()).expect("reads back");
        assert_eq!(public.endpoint().map(|e| e.tls_certificate_sha256.as_str()), Some(pin.as_str()));

        let mut file: serde_json::Value = serde_json::from_slice(&identity.public().to_json()).expect("json");
        file["endpoint"]["url"] = "https://attacker.example".into();
        let error = PublicIdentity::from_json(file.to_string().as_bytes()).expect_err("must fail");
        assert!(matches!(error, IdentityError::InvalidEndpoint(_)), "{error}");
        assert!(identity.set_endpoint("http://plain", &pin).is_err());
        assert!(identity.set_endpoint("https://host", "abc").is_err());
    }

    #[test]
    fn exchange_node_names_are_checked() {
        let mut rng = crate::rng_from_seed([9; 32]);
        assert!(NodeIdentity::generate("", &mut rng).is_err());
        assert!(NodeIdentity::generate("a b", &mut rng).is_err());
    }
}
