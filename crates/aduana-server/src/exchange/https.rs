//! HTTPS between nodes: rustls (ring provider) with the peer's self-signed certificate pinned by its SHA-256, and
//! hyper's HTTP/1.1 client for the one request a delivery is (`POST {endpoint}/api/exchange/inbox`).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use aduana_exchange::{Endpoint, NodeId, Transport, TransportError, sha256_hex};
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

/// The path of the inbox on every node.
pub const INBOX_PATH: &str = "/api/exchange/inbox";
/// The largest answer body read from a peer.
const MAX_ANSWER_BYTES: usize = 64 << 10;

/// A node's TLS certificate (self-signed, DER) and its private key (PKCS #8, DER).
#[derive(Clone)]
pub struct TlsIdentity {
    pub certificate_der: Vec<u8>,
    pub private_key_pkcs8_der: Vec<u8>,
}

impl std::fmt::Debug for TlsIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsIdentity").field("certificate_sha256", &sha256_hex(&self.certificate_der)).finish()
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The TLS configuration of the exchange listener.
pub fn server_tls_config(identity: &TlsIdentity) -> Result<Arc<rustls::ServerConfig>, String> {
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(identity.private_key_pkcs8_der.clone()));
    let config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|error| format!("TLS versions: {error}"))?
        .with_no_client_auth()
        .with_single_cert(vec![CertificateDer::from(identity.certificate_der.clone())], key)
        .map_err(|error| format!("the TLS certificate or key is unusable: {error}"))?;
    Ok(Arc::new(config))
}

/// Accepts exactly the certificate whose SHA-256 is pinned; handshake signatures are checked with ring's
/// algorithms as usual. Names and validity dates do not matter: the pin, signed by the peer's node key, is the
/// trust.
#[derive(Debug)]
struct PinnedCertificate {
    sha256: String,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for PinnedCertificate {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let presented = sha256_hex(end_entity.as_ref());
        if presented == self.sha256 {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(format!(
                "the server's certificate (SHA-256 {presented}) is not the pinned one ({})",
                self.sha256
            )))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

/// Splits `https://host:port[/…]` into the address to connect to.
fn authority(url: &str) -> Result<String, TransportError> {
    let rest =
        url.strip_prefix("https://").ok_or_else(|| TransportError::Failed(format!("not an https URL: {url}")))?;
    let authority = rest.split('/').next().unwrap_or_default();
    if authority.is_empty() {
        return Err(TransportError::Failed(format!("no host in {url}")));
    }
    let has_port = match authority.rfind(']') {
        Some(end) => authority[end..].contains(':'),
        None => authority.contains(':'),
    };
    Ok(if has_port { authority.to_owned() } else { format!("{authority}:443") })
}

/// What a node answered to a delivered envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Posted {
    /// It accepted the envelope.
    Accepted,
    /// It had accepted this message id before (a retried delivery whose first answer was lost, or a replay):
    /// delivered either way.
    AlreadyReceived,
}

/// Posts an envelope to a node's inbox over HTTPS, pinning its certificate. [`TransportError::Refused`] when the
/// node refused it; `Unreachable` or `Failed` otherwise (retried).
pub async fn post_envelope(
    endpoint: &Endpoint,
    envelope: Vec<u8>,
    timeout: Duration,
) -> Result<Posted, TransportError> {
    match tokio::time::timeout(timeout, post(endpoint, envelope)).await {
        Ok(result) => result,
        Err(_) => Err(TransportError::Unreachable(format!("{}: no answer within {timeout:?}", endpoint.url))),
    }
}

async fn post(endpoint: &Endpoint, envelope: Vec<u8>) -> Result<Posted, TransportError> {
    let address = authority(&endpoint.url)?;
    let tcp = tokio::net::TcpStream::connect(&address)
        .await
        .map_err(|error| TransportError::Unreachable(format!("connecting to {address}: {error}")))?;
    let provider = provider();
    let config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|error| TransportError::Failed(format!("TLS versions: {error}")))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(PinnedCertificate {
            sha256: endpoint.tls_certificate_sha256.clone(),
            provider,
        }))
        .with_no_client_auth();
    let name = ServerName::try_from("aduana-exchange").map_err(|error| TransportError::Failed(error.to_string()))?;
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .map_err(|error| TransportError::Failed(format!("TLS with {address}: {error}")))?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
        .await
        .map_err(|error| TransportError::Failed(format!("HTTP with {address}: {error}")))?;
    let driver = tokio::spawn(connection);
    let request = hyper::Request::post(format!("{}{INBOX_PATH}", endpoint.url.trim_end_matches('/')))
        .header(hyper::header::HOST, &address)
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(envelope)))
        .map_err(|error| TransportError::Failed(format!("building the request: {error}")))?;
    let answer = sender
        .send_request(request)
        .await
        .map_err(|error| TransportError::Failed(format!("posting to {address}: {error}")))?;
    let status = answer.status();
    let body = Limited::new(answer.into_body(), MAX_ANSWER_BYTES)
        .collect()
        .await
        .map(|collected| collected.to_bytes())
        .unwrap_or_default();
    driver.abort();
    if status.is_success() {
        return Ok(Posted::Accepted);
    }
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let message = json["error"]["message"].as_str().unwrap_or_default();
    if json["error"]["code"] != "envelope_rejected" {
        return Err(TransportError::Failed(format!("{address} answered {status}: {message}")));
    }
    // The message starts with the refusal's reason code.
    match message.split_once(':').map(|(reason, _)| reason) {
        Some("replay") => Ok(Posted::AlreadyReceived),
        _ => Err(TransportError::Refused(message.to_owned())),
    }
}

/// The HTTPS [`Transport`]: routes each recipient to its signed endpoint; blocks on the server's runtime, so it
/// must be used from a blocking thread (`spawn_blocking`) or outside the runtime.
#[derive(Debug)]
pub struct HttpsTransport {
    routes: BTreeMap<NodeId, Endpoint>,
    handle: tokio::runtime::Handle,
    timeout: Duration,
}

impl HttpsTransport {
    /// A transport over the endpoints of the recipients it may be asked to deliver to.
    pub fn new(routes: BTreeMap<NodeId, Endpoint>, handle: tokio::runtime::Handle, timeout: Duration) -> Self {
        Self { routes, handle, timeout }
    }
}

impl Transport for HttpsTransport {
    fn deliver(&self, recipient: &NodeId, envelope: &[u8]) -> Result<(), TransportError> {
        let endpoint = self.routes.get(recipient).ok_or_else(|| {
            TransportError::Unreachable(format!("node {} announces no HTTPS endpoint", recipient.short()))
        })?;
        self.handle.block_on(post_envelope(endpoint, envelope.to_vec(), self.timeout)).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::authority;

    #[test]
    fn exchange_endpoint_authority_has_a_port() {
        assert_eq!(authority("https://127.0.0.1:8443").ok().as_deref(), Some("127.0.0.1:8443"));
        assert_eq!(authority("https://customs.example/x").ok().as_deref(), Some("customs.example:443"));
        assert_eq!(authority("https://[::1]:9000/").ok().as_deref(), Some("[::1]:9000"));
        assert_eq!(authority("https://[::1]").ok().as_deref(), Some("[::1]:443"));
        assert!(authority("http://plain").is_err());
    }
}
