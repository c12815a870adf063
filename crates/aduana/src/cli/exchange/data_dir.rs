//! A node's data directory: the files `aduana exchange` keeps, read and written here (the exchange crate takes and
//! returns bytes).
//!
//! ```text
//! DIR/identity.key        private keys (0600)          DIR/inbox/       envelopes dropped by peers
//! DIR/identity.pub.json   public identity to export    DIR/received/    accepted messages, decrypted (JSON)
//! DIR/state.json          peers, groups, seen ids       DIR/rejected/    refused envelopes, kept for inspection
//! DIR/outbox.json         envelopes awaiting delivery
//! DIR/tls.cert.der        the node's self-signed TLS certificate (its SHA-256 is in the public identity)
//! DIR/tls.key.der         its private key (PKCS #8, 0600)
//! ```

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use aduana_exchange::{Directory, NodeIdentity, NodeState, Outbox};
use aduana_server::exchange::TlsIdentity;
use anyhow::Context as _;

/// Makes a node's self-signed TLS certificate (ECDSA P-256, by rcgen on ring). Its name does not matter to peers:
/// they pin the certificate by its SHA-256.
pub(crate) fn generate_tls_identity(node_name: &str) -> anyhow::Result<TlsIdentity> {
    let certified = rcgen::generate_simple_self_signed(vec![node_name.to_owned(), "aduana-exchange".to_owned()])
        .context("making the node's TLS certificate")?;
    Ok(TlsIdentity {
        certificate_der: certified.cert.der().to_vec(),
        private_key_pkcs8_der: certified.signing_key.serialize_der(),
    })
}

/// The data directory as the server's [`aduana_server::exchange::ExchangeFiles`].
impl aduana_server::exchange::ExchangeFiles for DataDir {
    fn save_directory(&self, directory: &Directory) -> Result<(), String> {
        DataDir::save_directory(self, directory).map_err(|error| format!("{error:#}"))
    }

    fn load_outbox(&self) -> Result<Outbox, String> {
        DataDir::load_outbox(self).map_err(|error| format!("{error:#}"))
    }

    fn save_outbox(&self, outbox: &Outbox) -> Result<(), String> {
        DataDir::save_outbox(self, outbox).map_err(|error| format!("{error:#}"))
    }
}

/// The paths of a data directory.
#[derive(Debug, Clone)]
pub(crate) struct DataDir {
    root: PathBuf,
}

impl DataDir {
    pub(crate) fn new(root: &Path) -> Self {
        Self { root: root.to_path_buf() }
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    pub(crate) fn inbox(&self) -> PathBuf {
        self.path("inbox")
    }

    /// Creates the directory tree and writes a new node's files; refuses to overwrite an existing identity.
    pub(crate) fn initialise(&self, identity: &NodeIdentity, tls: &TlsIdentity) -> anyhow::Result<()> {
        let key = self.path("identity.key");
        if key.exists() {
            anyhow::bail!("{} already holds a node identity ({})", self.root.display(), key.display());
        }
        create_private_dir(&self.root)?;
        for sub in ["inbox", "received", "rejected"] {
            create_private_dir(&self.path(sub))?;
        }
        write_private_new(&key, &identity.to_secret_json())?;
        write_private_new(&self.path("tls.key.der"), &tls.private_key_pkcs8_der)?;
        write_atomic(&self.path("tls.cert.der"), &tls.certificate_der)?;
        write_atomic(&self.path("identity.pub.json"), &identity.public().to_json())?;
        self.save_directory(&Directory::new())?;
        self.save_outbox(&Outbox::new())?;
        Ok(())
    }

    /// Reads the node: its private identity and its directory.
    pub(crate) fn load(&self) -> anyhow::Result<NodeState> {
        let key = self.path("identity.key");
        let bytes =
            fs::read(&key).with_context(|| format!("reading {} (run `aduana exchange init` first)", key.display()))?;
        check_private(&key)?;
        let identity = NodeIdentity::from_secret_json(&bytes).with_context(|| format!("reading {}", key.display()))?;
        let state = self.path("state.json");
        let directory: Directory =
            serde_json::from_slice(&fs::read(&state).with_context(|| format!("reading {}", state.display()))?)
                .with_context(|| format!("reading {}", state.display()))?;
        anyhow::ensure!(
            directory.version == aduana_exchange::node::DIRECTORY_VERSION,
            "{}: unsupported version {}",
            state.display(),
            directory.version
        );
        Ok(NodeState { identity, directory })
    }

    /// Reads the node's TLS certificate and key (written by `init`).
    pub(crate) fn load_tls(&self) -> anyhow::Result<TlsIdentity> {
        let key = self.path("tls.key.der");
        let cert = self.path("tls.cert.der");
        let private_key_pkcs8_der = fs::read(&key).with_context(|| format!("reading {}", key.display()))?;
        check_private(&key)?;
        let certificate_der = fs::read(&cert).with_context(|| format!("reading {}", cert.display()))?;
        Ok(TlsIdentity { certificate_der, private_key_pkcs8_der })
    }

    pub(crate) fn save_directory(&self, directory: &Directory) -> anyhow::Result<()> {
        let bytes = serde_json::to_vec_pretty(directory).context("serialising the node state")?;
        write_atomic(&self.path("state.json"), &bytes)
    }

    pub(crate) fn load_outbox(&self) -> anyhow::Result<Outbox> {
        let path = self.path("outbox.json");
        if !path.exists() {
            return Ok(Outbox::new());
        }
        let bytes = fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        serde_json::from_slice(&bytes).with_context(|| format!("reading {}", path.display()))
    }

    pub(crate) fn save_outbox(&self, outbox: &Outbox) -> anyhow::Result<()> {
        let bytes = serde_json::to_vec_pretty(outbox).context("serialising the outbox")?;
        write_atomic(&self.path("outbox.json"), &bytes)
    }
}

fn create_private_dir(path: &Path) -> anyhow::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path).with_context(|| format!("creating {}", path.display()))
}

/// Writes a new file readable by its owner only.
fn write_private_new(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).with_context(|| format!("creating {}", path.display()))?;
    file.write_all(bytes).with_context(|| format!("writing {}", path.display()))?;
    file.sync_all().with_context(|| format!("writing {}", path.display()))
}

/// Refuses a private key file that others can read.
fn check_private(path: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = fs::metadata(path).with_context(|| format!("reading {}", path.display()))?.permissions().mode();
        anyhow::ensure!(
            mode & 0o077 == 0,
            "{} is readable by others (mode {:o}); restrict it with `chmod 600`",
            path.display(),
            mode & 0o777
        );
    }
    Ok(())
}

/// Writes a file through a temporary file and a rename, so a crash never leaves it half written.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = path.with_file_name(format!(".{name}.tmp"));
    let mut file = fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    file.write_all(bytes).with_context(|| format!("writing {}", tmp.display()))?;
    file.sync_all().with_context(|| format!("writing {}", tmp.display()))?;
    fs::rename(&tmp, path).with_context(|| format!("renaming {} to {}", tmp.display(), path.display()))
}
