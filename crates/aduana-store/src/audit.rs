//! The audit log's hash chain. Each entry's hash is SHA-256 over the previous entry's hash and the entry's
//! canonical form, so that changing, removing or reordering any stored entry breaks every link after it; `verify`
//! walks the chain and names the first broken link. Pure: the backends store and read rows, this module hashes.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An entry to append: who did what to which record, with details.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAuditEntry {
    /// The user name of who acted (`-` for an unauthenticated attempt).
    pub actor: String,
    /// What was done, as a stable dotted name (`decision.record`, `login.success`, `examination.read`).
    pub action: String,
    /// The record acted on (`consignment/12`, `user/alice`).
    pub subject: String,
    /// Details, as a JSON value (object keys are sorted when hashed and stored).
    pub details: serde_json::Value,
}

/// A stored audit entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// The 1-based position in the chain.
    pub seq: i64,
    /// When it was appended (UTC, RFC 3339).
    pub at: String,
    /// Who acted.
    pub actor: String,
    /// What was done.
    pub action: String,
    /// The record acted on.
    pub subject: String,
    /// Details.
    pub details: serde_json::Value,
    /// The previous entry's hash (hex).
    pub prev_hash: String,
    /// This entry's hash (hex).
    pub hash: String,
}

/// The result of walking the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ChainStatus {
    /// Every link holds.
    Intact {
        /// How many entries were checked.
        entries: i64,
    },
    /// The first entry whose link does not hold.
    Broken {
        /// Its sequence number.
        seq: i64,
        /// What is wrong.
        reason: String,
    },
}

/// Returns the hash of an entry from the previous hash and the entry's fields.
pub fn entry_hash(
    prev_hash: &str,
    seq: i64,
    at: &str,
    actor: &str,
    action: &str,
    subject: &str,
    details: &serde_json::Value,
) -> String {
    // A JSON array is an unambiguous encoding of the fields (no separator can be forged inside a string), and
    // `serde_json::Value` objects serialise with sorted keys.
    let canonical = serde_json::json!([seq, at, actor, action, subject, details]).to_string();
    let mut hasher = Sha256::new();
    hasher.update(prev_hash.as_bytes());
    hasher.update(b"\n");
    hasher.update(canonical.as_bytes());
    hex(&hasher.finalize())
}

/// Returns bytes as lowercase hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    out
}

/// Returns the SHA-256 of bytes as lowercase hexadecimal.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Checks entries one at a time, in sequence order.
#[derive(Debug)]
pub struct ChainChecker {
    prev_hash: String,
    next_seq: i64,
}

impl ChainChecker {
    /// Returns a checker expecting the first entry.
    pub fn new() -> ChainChecker {
        ChainChecker { prev_hash: GENESIS_HASH.to_owned(), next_seq: 1 }
    }

    /// Checks the next entry; returns the broken status when its link does not hold.
    pub fn check(&mut self, entry: &AuditEntry) -> Option<ChainStatus> {
        let broken = |reason: String| Some(ChainStatus::Broken { seq: entry.seq, reason });
        if entry.seq != self.next_seq {
            return broken(format!(
                "expected entry {} next, found entry {} (entries removed?)",
                self.next_seq, entry.seq
            ));
        }
        if entry.prev_hash != self.prev_hash {
            return broken(format!(
                "expected previous hash {}, found {} (an earlier entry was changed or removed)",
                self.prev_hash, entry.prev_hash
            ));
        }
        let expected = entry_hash(
            &entry.prev_hash,
            entry.seq,
            &entry.at,
            &entry.actor,
            &entry.action,
            &entry.subject,
            &entry.details,
        );
        if entry.hash != expected {
            return broken(format!("expected hash {expected}, found {} (the entry was changed)", entry.hash));
        }
        self.prev_hash = entry.hash.clone();
        self.next_seq += 1;
        None
    }

    /// Returns the status after the last entry.
    pub fn finish(self) -> ChainStatus {
        ChainStatus::Intact { entries: self.next_seq - 1 }
    }
}

impl Default for ChainChecker {
    fn default() -> ChainChecker {
        ChainChecker::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(seq: i64, prev: &str, actor: &str) -> AuditEntry {
        let details = serde_json::json!({"b": 1, "a": "x"});
        let hash = entry_hash(prev, seq, "2026-01-01T00:00:00.000000Z", actor, "test", "thing/1", &details);
        AuditEntry {
            seq,
            at: "2026-01-01T00:00:00.000000Z".to_owned(),
            actor: actor.to_owned(),
            action: "test".to_owned(),
            subject: "thing/1".to_owned(),
            details,
            prev_hash: prev.to_owned(),
            hash,
        }
    }

    #[test]
    fn an_intact_chain_verifies_and_a_changed_actor_breaks_it() {
        let first = entry(1, GENESIS_HASH, "alice");
        let second = entry(2, &first.hash, "bob");
        let mut checker = ChainChecker::new();
        assert_eq!(checker.check(&first), None);
        assert_eq!(checker.check(&second), None);
        assert_eq!(checker.finish(), ChainStatus::Intact { entries: 2 });

        let mut altered = first.clone();
        altered.actor = "mallory".to_owned();
        let mut checker = ChainChecker::new();
        assert!(matches!(checker.check(&altered), Some(ChainStatus::Broken { seq: 1, .. })));
    }

    #[test]
    fn a_removed_entry_is_reported_at_the_gap() {
        let first = entry(1, GENESIS_HASH, "alice");
        let second = entry(2, &first.hash, "bob");
        let third = entry(3, &second.hash, "carol");
        let mut checker = ChainChecker::new();
        assert_eq!(checker.check(&first), None);
        assert!(matches!(checker.check(&third), Some(ChainStatus::Broken { seq: 3, .. })));
    }

    #[test]
    fn hex_encodes_bytes_in_lowercase() {
        assert_eq!(hex(&[0, 0xab, 0x10]), "00ab10");
    }
}
