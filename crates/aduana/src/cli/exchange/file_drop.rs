//! The file-drop transport: delivering an envelope is writing it into a folder the recipient reads with
//! `aduana exchange inbox`. A `--deliver-to DIR` that is a node's data directory (it has `identity.pub.json`) routes
//! that node's envelopes to `DIR/inbox`; any other folder (a removable disk for an air-gapped exchange) takes every
//! recipient's envelopes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use aduana_exchange::{NodeId, PublicIdentity, Transport, TransportError};
use anyhow::Context as _;

use crate::cli::exchange::data_dir::write_atomic;

/// Routes recipients to folders.
#[derive(Debug, Default)]
pub(crate) struct FileDrop {
    routes: BTreeMap<NodeId, PathBuf>,
    any: Vec<PathBuf>,
}

impl FileDrop {
    /// Builds the routes from `--deliver-to` folders.
    pub(crate) fn new(targets: &[PathBuf]) -> anyhow::Result<Self> {
        let mut drop = Self::default();
        for target in targets {
            let identity_file = target.join("identity.pub.json");
            if identity_file.exists() {
                let bytes =
                    std::fs::read(&identity_file).with_context(|| format!("reading {}", identity_file.display()))?;
                let identity = PublicIdentity::from_json(&bytes)
                    .with_context(|| format!("reading {}", identity_file.display()))?;
                drop.routes.insert(identity.id().clone(), target.join("inbox"));
            } else {
                anyhow::ensure!(target.is_dir(), "--deliver-to {}: not a directory", target.display());
                drop.any.push(target.clone());
            }
        }
        Ok(drop)
    }

    /// Whether a `--deliver-to` folder takes envelopes for `recipient`.
    pub(crate) fn routes(&self, recipient: &NodeId) -> bool {
        self.routes.contains_key(recipient) || !self.any.is_empty()
    }

    fn write(folder: &Path, recipient: &NodeId, envelope: &[u8]) -> Result<(), TransportError> {
        let id = aduana_exchange::envelope::peek(envelope)
            .map(|(id, _)| id.to_string())
            .ok_or_else(|| TransportError::Failed("not an envelope".to_owned()))?;
        std::fs::create_dir_all(folder)
            .map_err(|error| TransportError::Failed(format!("creating {}: {error}", folder.display())))?;
        let path = folder.join(format!("{id}.{}.envelope.json", recipient.short()));
        if path.exists() {
            return Ok(()); // already delivered: delivery is idempotent
        }
        write_atomic(&path, envelope).map_err(|error| TransportError::Failed(format!("{error:#}")))
    }
}

impl Transport for FileDrop {
    fn deliver(&self, recipient: &NodeId, envelope: &[u8]) -> Result<(), TransportError> {
        if let Some(folder) = self.routes.get(recipient) {
            return Self::write(folder, recipient, envelope);
        }
        if self.any.is_empty() {
            return Err(TransportError::Unreachable(format!("no --deliver-to folder for node {}", recipient.short())));
        }
        for folder in &self.any {
            Self::write(folder, recipient, envelope)?;
        }
        Ok(())
    }
}
