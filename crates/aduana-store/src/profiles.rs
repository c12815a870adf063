//! `ProfileStore`: what the risk engine is configured with, kept in the store so that it can be changed while the
//! servers run — risk profiles as their source text (every edit a new version with author, time and comment; one
//! version of each profile active or none), uploaded watch lists with the report of what changed, and the AEO
//! register. Every change is audited in the same transaction, and every change to what consignments are assessed
//! with bumps the *risk generation*: a server compares it with the generation it loaded before each batch (one
//! cheap query) and reloads when it moved, so several processes on one database assess alike.
//!
//! The store does not parse profiles, lists or registers (that is `aduana-risk` and `aduana-screening`): it keeps
//! the text that was accepted and what the caller says about it.

use serde::Serialize;

use crate::records::{ExaminationOutcome, StoredConsignment, Timestamp};
use crate::{NewAuditEntry, StoreError};

/// One version of a stored profile document (one or several `profile … { … }` blocks).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProfileVersion {
    /// The document's name, unique in the store (`valuation`).
    pub name: String,
    /// The version: 1 when created, +1 for each edit.
    pub version: i64,
    /// The profile language text.
    pub source: String,
    /// Who wrote this version.
    pub author: String,
    /// Why (the edit's comment).
    pub comment: String,
    /// When it was stored.
    pub created_at: Timestamp,
}

/// A stored profile document: its latest version and which version is active.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredProfile {
    /// The document's name.
    pub name: String,
    /// The latest version's number.
    pub latest_version: i64,
    /// The version consignments are assessed with, if the profile is active.
    pub active_version: Option<i64>,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it was last edited, activated or deactivated.
    pub updated_at: Timestamp,
}

/// A profile version to store.
#[derive(Debug, Clone)]
pub struct NewProfileVersion {
    /// The document's name.
    pub name: String,
    /// The profile language text (already checked by the caller).
    pub source: String,
    /// Who wrote it.
    pub author: String,
    /// Why.
    pub comment: String,
}

/// An uploaded version of a watch list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredWatchList {
    /// The list's name (`un-sc`).
    pub name: String,
    /// The upload's number for this name: 1 for the first, +1 for each.
    pub upload: i64,
    /// The version the list itself states (or its content fingerprint).
    pub list_version: String,
    /// The format it was read from (`un_sc_xml`, `ftm_json_lines`, `csv`).
    pub format: String,
    /// How many entries it has.
    pub entries: i64,
    /// What changed from the previous upload (entries added, changed, removed), as the caller computed it.
    pub report: serde_json::Value,
    /// Who uploaded it.
    pub loaded_by: String,
    /// When.
    pub loaded_at: Timestamp,
}

/// A watch list to store.
#[derive(Debug, Clone)]
pub struct NewWatchList {
    /// The list's name.
    pub name: String,
    /// Its stated version.
    pub list_version: String,
    /// Its format's name.
    pub format: String,
    /// Its number of entries.
    pub entries: i64,
    /// The file as uploaded (UTF-8).
    pub body: String,
    /// What changed from the previous upload.
    pub report: serde_json::Value,
    /// Who uploads it.
    pub loaded_by: String,
}

/// An uploaded AEO register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredAeoRegister {
    /// The upload's number: 1 for the first, +1 for each.
    pub upload: i64,
    /// The register's version (as `aduana-risk` fingerprints it).
    pub version: String,
    /// How many operators it lists.
    pub operators: i64,
    /// Who uploaded it.
    pub loaded_by: String,
    /// When.
    pub loaded_at: Timestamp,
}

/// An AEO register to store.
#[derive(Debug, Clone)]
pub struct NewAeoRegister {
    /// Its version.
    pub version: String,
    /// Its number of operators.
    pub operators: i64,
    /// The CSV as uploaded.
    pub body: String,
    /// Who uploads it.
    pub loaded_by: String,
}

/// Everything the risk engine is configured with from the store, as of one risk generation.
#[derive(Debug, Clone, PartialEq)]
pub struct RiskConfig {
    /// The generation this configuration was read at (or later: a change racing the read is picked up at the next
    /// check, since the generation is read first).
    pub generation: i64,
    /// The active version of every active profile, by name.
    pub profiles: Vec<ProfileVersion>,
    /// The latest upload of every watch list, by name, with its text.
    pub lists: Vec<(StoredWatchList, String)>,
    /// The latest AEO register with its CSV, if one was uploaded.
    pub aeo: Option<(StoredAeoRegister, String)>,
}

/// A stored consignment with the outcome of its examinations, for back-tests.
#[derive(Debug, Clone, PartialEq)]
pub struct ExaminedConsignment {
    /// The consignment version.
    pub consignment: StoredConsignment,
    /// `Found` when any examination found something, `NotFound` when examinations found nothing, `None` when no
    /// result is recorded.
    pub outcome: Option<ExaminationOutcome>,
}

/// Stored risk configuration: profiles, watch lists, the AEO register and the risk generation.
#[async_trait::async_trait]
pub trait ProfileStore: Send + Sync {
    /// Creates a profile document as version 1 (inactive), with its audit entry; fails with `Conflict` when the
    /// name is taken.
    async fn create_profile(
        &self,
        profile: &NewProfileVersion,
        audit: &NewAuditEntry,
    ) -> Result<ProfileVersion, StoreError>;
    /// Stores an edit as the next version (the active version does not change), with its audit entry; fails with
    /// `NotFound` when there is no such profile.
    async fn add_profile_version(
        &self,
        profile: &NewProfileVersion,
        audit: &NewAuditEntry,
    ) -> Result<ProfileVersion, StoreError>;
    /// Returns one profile document.
    async fn profile(&self, name: &str) -> Result<Option<StoredProfile>, StoreError>;
    /// Returns every profile document, by name.
    async fn profiles(&self) -> Result<Vec<StoredProfile>, StoreError>;
    /// Returns one version of a profile document.
    async fn profile_version(&self, name: &str, version: i64) -> Result<Option<ProfileVersion>, StoreError>;
    /// Returns every version of a profile document, newest first.
    async fn profile_versions(&self, name: &str) -> Result<Vec<ProfileVersion>, StoreError>;
    /// Makes `version` the active version of a profile (`None`: deactivates it), bumps the risk generation and
    /// appends the audit entry, in one transaction; fails with `NotFound` for an unknown profile or version.
    async fn set_active_version(
        &self,
        name: &str,
        version: Option<i64>,
        audit: &NewAuditEntry,
    ) -> Result<StoredProfile, StoreError>;

    /// Stores a new upload of a watch list, bumps the risk generation and appends the audit entry.
    async fn store_watch_list(&self, list: &NewWatchList, audit: &NewAuditEntry)
    -> Result<StoredWatchList, StoreError>;
    /// Returns the latest upload of every watch list, by name.
    async fn watch_lists(&self) -> Result<Vec<StoredWatchList>, StoreError>;
    /// Returns every upload of one watch list, newest first.
    async fn watch_list_uploads(&self, name: &str) -> Result<Vec<StoredWatchList>, StoreError>;
    /// Returns the latest upload of one watch list with its text.
    async fn watch_list(&self, name: &str) -> Result<Option<(StoredWatchList, String)>, StoreError>;

    /// Stores a new AEO register (it replaces the previous one), bumps the risk generation and appends the audit
    /// entry.
    async fn store_aeo_register(
        &self,
        register: &NewAeoRegister,
        audit: &NewAuditEntry,
    ) -> Result<StoredAeoRegister, StoreError>;
    /// Returns the latest AEO register with its CSV.
    async fn aeo_register(&self) -> Result<Option<(StoredAeoRegister, String)>, StoreError>;

    /// Returns the risk generation: it changes whenever what consignments are assessed with changes.
    async fn risk_generation(&self) -> Result<i64, StoreError>;
    /// Returns the risk configuration: active profile versions, latest lists, latest AEO register.
    async fn risk_config(&self) -> Result<RiskConfig, StoreError>;
    /// Returns up to `limit` consignment versions received at or after `since`, newest first, each with the
    /// outcome of its examinations.
    async fn examined_consignments(&self, since: Timestamp, limit: u32)
    -> Result<Vec<ExaminedConsignment>, StoreError>;
}

/// The most consignments a back-test reads.
pub const MAX_BACKTEST_CONSIGNMENTS: u32 = 100_000;

/// Implements [`ProfileStore`] for a backend; expanded next to `impl_sql_store!` in the backend's module, whose
/// `begin_write`, `append_audit_in` and `consignment_row` it uses; name the store type as seen from a child module
/// (`super::SqliteStore`).
macro_rules! impl_profile_store {
    ($store:ty, $db:ty) => {
        mod profile_store {
            use chrono::Utc;
            use sqlx::Row as _;

            use super::{append_audit_in, consignment_row};
            use crate::profiles::{
                ExaminedConsignment, MAX_BACKTEST_CONSIGNMENTS, NewAeoRegister, NewProfileVersion, NewWatchList,
                ProfileVersion, RiskConfig, StoredAeoRegister, StoredProfile, StoredWatchList,
            };
            use crate::records::{self as rec, timestamp_text};
            use crate::sql::{is_unique_violation, parse_timestamp};
            use crate::{NewAuditEntry, StoreError};

            type Row = <$db as sqlx::Database>::Row;
            type Tx = sqlx::Transaction<'static, $db>;

            const PROFILE_COLUMNS: &str =
                "name, latest_version, active_version, created_at, updated_at FROM profiles";
            const VERSION_COLUMNS: &str = "name, version, source, author, comment, created_at FROM profile_versions";
            const LIST_COLUMNS: &str =
                "name, upload, list_version, format, entries, report, loaded_by, loaded_at FROM watch_lists";
            const AEO_COLUMNS: &str = "upload, version, operators, loaded_by, loaded_at FROM aeo_registers";

            fn profile_row(row: &Row) -> Result<StoredProfile, StoreError> {
                let name: String = row.try_get("name")?;
                let created_at: String = row.try_get("created_at")?;
                let updated_at: String = row.try_get("updated_at")?;
                Ok(StoredProfile {
                    latest_version: row.try_get("latest_version")?,
                    active_version: row.try_get("active_version")?,
                    created_at: parse_timestamp("profile", &name, &created_at)?,
                    updated_at: parse_timestamp("profile", &name, &updated_at)?,
                    name,
                })
            }

            fn version_row(row: &Row) -> Result<ProfileVersion, StoreError> {
                let name: String = row.try_get("name")?;
                let created_at: String = row.try_get("created_at")?;
                Ok(ProfileVersion {
                    version: row.try_get("version")?,
                    source: row.try_get("source")?,
                    author: row.try_get("author")?,
                    comment: row.try_get("comment")?,
                    created_at: parse_timestamp("profile version", &name, &created_at)?,
                    name,
                })
            }

            fn list_row(row: &Row) -> Result<StoredWatchList, StoreError> {
                let name: String = row.try_get("name")?;
                let report: String = row.try_get("report")?;
                let loaded_at: String = row.try_get("loaded_at")?;
                Ok(StoredWatchList {
                    upload: row.try_get("upload")?,
                    list_version: row.try_get("list_version")?,
                    format: row.try_get("format")?,
                    entries: row.try_get("entries")?,
                    report: serde_json::from_str(&report).map_err(|e| StoreError::Corrupt {
                        what: "watch list",
                        id: name.clone(),
                        reason: e.to_string(),
                    })?,
                    loaded_by: row.try_get("loaded_by")?,
                    loaded_at: parse_timestamp("watch list", &name, &loaded_at)?,
                    name,
                })
            }

            fn aeo_row(row: &Row) -> Result<StoredAeoRegister, StoreError> {
                let upload: i64 = row.try_get("upload")?;
                let loaded_at: String = row.try_get("loaded_at")?;
                Ok(StoredAeoRegister {
                    upload,
                    version: row.try_get("version")?,
                    operators: row.try_get("operators")?,
                    loaded_by: row.try_get("loaded_by")?,
                    loaded_at: parse_timestamp("AEO register", &upload.to_string(), &loaded_at)?,
                })
            }

            /// Bumps the risk generation. Done first in a write transaction: on PostgreSQL the row lock also
            /// serialises concurrent configuration changes.
            async fn bump_generation(tx: &mut Tx) -> Result<(), StoreError> {
                sqlx::query("UPDATE risk_generation SET generation = generation + 1 WHERE id = 1")
                    .execute(&mut **tx)
                    .await?;
                Ok(())
            }

            async fn insert_version(
                tx: &mut Tx,
                profile: &NewProfileVersion,
                version: i64,
                now: &str,
            ) -> Result<ProfileVersion, StoreError> {
                sqlx::query(
                    "INSERT INTO profile_versions (name, version, source, author, comment, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&profile.name)
                .bind(version)
                .bind(&profile.source)
                .bind(&profile.author)
                .bind(&profile.comment)
                .bind(now)
                .execute(&mut **tx)
                .await?;
                Ok(ProfileVersion {
                    name: profile.name.clone(),
                    version,
                    source: profile.source.clone(),
                    author: profile.author.clone(),
                    comment: profile.comment.clone(),
                    created_at: parse_timestamp("profile version", &profile.name, now)?,
                })
            }

            #[async_trait::async_trait]
            impl crate::profiles::ProfileStore for $store {
                async fn create_profile(
                    &self,
                    profile: &NewProfileVersion,
                    audit: &NewAuditEntry,
                ) -> Result<ProfileVersion, StoreError> {
                    let (_gate, mut tx) = self.begin_write().await?;
                    let now = timestamp_text(Utc::now());
                    let inserted = sqlx::query(
                        "INSERT INTO profiles (name, latest_version, active_version, created_at, updated_at) \
                         VALUES ($1, 1, NULL, $2, $2)",
                    )
                    .bind(&profile.name)
                    .bind(&now)
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::from);
                    match inserted {
                        Ok(_) => {}
                        Err(error) if is_unique_violation(&error) => {
                            return Err(StoreError::Conflict(format!(
                                "a profile named `{}` already exists",
                                profile.name
                            )));
                        }
                        Err(error) => return Err(error),
                    }
                    let stored = insert_version(&mut tx, profile, 1, &now).await?;
                    append_audit_in(&mut tx, audit).await?;
                    tx.commit().await?;
                    Ok(stored)
                }

                async fn add_profile_version(
                    &self,
                    profile: &NewProfileVersion,
                    audit: &NewAuditEntry,
                ) -> Result<ProfileVersion, StoreError> {
                    let (_gate, mut tx) = self.begin_write().await?;
                    let now = timestamp_text(Utc::now());
                    let version: Option<i64> = sqlx::query_scalar(
                        "UPDATE profiles SET latest_version = latest_version + 1, updated_at = $1 WHERE name = $2 \
                         RETURNING latest_version",
                    )
                    .bind(&now)
                    .bind(&profile.name)
                    .fetch_optional(&mut *tx)
                    .await?;
                    let Some(version) = version else {
                        return Err(StoreError::NotFound { what: "profile", id: profile.name.clone() });
                    };
                    let stored = insert_version(&mut tx, profile, version, &now).await?;
                    append_audit_in(&mut tx, audit).await?;
                    tx.commit().await?;
                    Ok(stored)
                }

                async fn profile(&self, name: &str) -> Result<Option<StoredProfile>, StoreError> {
                    let sql = format!("SELECT {PROFILE_COLUMNS} WHERE name = $1");
                    let row = sqlx::query(&sql).bind(name).fetch_optional(&self.pool).await?;
                    row.as_ref().map(profile_row).transpose()
                }

                async fn profiles(&self) -> Result<Vec<StoredProfile>, StoreError> {
                    let sql = format!("SELECT {PROFILE_COLUMNS} ORDER BY name");
                    let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
                    rows.iter().map(profile_row).collect()
                }

                async fn profile_version(
                    &self,
                    name: &str,
                    version: i64,
                ) -> Result<Option<ProfileVersion>, StoreError> {
                    let sql = format!("SELECT {VERSION_COLUMNS} WHERE name = $1 AND version = $2");
                    let row = sqlx::query(&sql).bind(name).bind(version).fetch_optional(&self.pool).await?;
                    row.as_ref().map(version_row).transpose()
                }

                async fn profile_versions(&self, name: &str) -> Result<Vec<ProfileVersion>, StoreError> {
                    let sql = format!("SELECT {VERSION_COLUMNS} WHERE name = $1 ORDER BY version DESC");
                    let rows = sqlx::query(&sql).bind(name).fetch_all(&self.pool).await?;
                    rows.iter().map(version_row).collect()
                }

                async fn set_active_version(
                    &self,
                    name: &str,
                    version: Option<i64>,
                    audit: &NewAuditEntry,
                ) -> Result<StoredProfile, StoreError> {
                    let (_gate, mut tx) = self.begin_write().await?;
                    bump_generation(&mut tx).await?;
                    if let Some(version) = version {
                        let found = sqlx::query("SELECT version FROM profile_versions WHERE name = $1 AND version = $2")
                            .bind(name)
                            .bind(version)
                            .fetch_optional(&mut *tx)
                            .await?;
                        if found.is_none() {
                            return Err(StoreError::NotFound {
                                what: "profile version",
                                id: format!("{name}@{version}"),
                            });
                        }
                    }
                    let sql = format!(
                        "UPDATE profiles SET active_version = $1, updated_at = $2 WHERE name = $3 RETURNING {}",
                        PROFILE_COLUMNS.trim_end_matches(" FROM profiles")
                    );
                    let row = sqlx::query(&sql)
                        .bind(version)
                        .bind(timestamp_text(Utc::now()))
                        .bind(name)
                        .fetch_optional(&mut *tx)
                        .await?;
                    let Some(row) = row else {
                        return Err(StoreError::NotFound { what: "profile", id: name.to_owned() });
                    };
                    let stored = profile_row(&row)?;
                    append_audit_in(&mut tx, audit).await?;
                    tx.commit().await?;
                    Ok(stored)
                }

                async fn store_watch_list(
                    &self,
                    list: &NewWatchList,
                    audit: &NewAuditEntry,
                ) -> Result<StoredWatchList, StoreError> {
                    let (_gate, mut tx) = self.begin_write().await?;
                    bump_generation(&mut tx).await?;
                    let last: Option<i64> = sqlx::query_scalar("SELECT MAX(upload) FROM watch_lists WHERE name = $1")
                        .bind(&list.name)
                        .fetch_one(&mut *tx)
                        .await?;
                    let upload = last.unwrap_or(0) + 1;
                    let now = timestamp_text(Utc::now());
                    sqlx::query(
                        "INSERT INTO watch_lists \
                         (name, upload, list_version, format, entries, body, report, loaded_by, loaded_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    )
                    .bind(&list.name)
                    .bind(upload)
                    .bind(&list.list_version)
                    .bind(&list.format)
                    .bind(list.entries)
                    .bind(&list.body)
                    .bind(list.report.to_string())
                    .bind(&list.loaded_by)
                    .bind(&now)
                    .execute(&mut *tx)
                    .await?;
                    append_audit_in(&mut tx, audit).await?;
                    tx.commit().await?;
                    Ok(StoredWatchList {
                        name: list.name.clone(),
                        upload,
                        list_version: list.list_version.clone(),
                        format: list.format.clone(),
                        entries: list.entries,
                        report: list.report.clone(),
                        loaded_by: list.loaded_by.clone(),
                        loaded_at: parse_timestamp("watch list", &list.name, &now)?,
                    })
                }

                async fn watch_lists(&self) -> Result<Vec<StoredWatchList>, StoreError> {
                    let sql = format!(
                        "SELECT {LIST_COLUMNS} w WHERE upload = \
                         (SELECT MAX(upload) FROM watch_lists l WHERE l.name = w.name) ORDER BY name"
                    );
                    let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
                    rows.iter().map(list_row).collect()
                }

                async fn watch_list_uploads(&self, name: &str) -> Result<Vec<StoredWatchList>, StoreError> {
                    let sql = format!("SELECT {LIST_COLUMNS} WHERE name = $1 ORDER BY upload DESC");
                    let rows = sqlx::query(&sql).bind(name).fetch_all(&self.pool).await?;
                    rows.iter().map(list_row).collect()
                }

                async fn watch_list(&self, name: &str) -> Result<Option<(StoredWatchList, String)>, StoreError> {
                    let sql =
                        format!("SELECT body, {LIST_COLUMNS} WHERE name = $1 ORDER BY upload DESC LIMIT 1");
                    let row = sqlx::query(&sql).bind(name).fetch_optional(&self.pool).await?;
                    match row {
                        Some(row) => Ok(Some((list_row(&row)?, row.try_get("body")?))),
                        None => Ok(None),
                    }
                }

                async fn store_aeo_register(
                    &self,
                    register: &NewAeoRegister,
                    audit: &NewAuditEntry,
                ) -> Result<StoredAeoRegister, StoreError> {
                    let (_gate, mut tx) = self.begin_write().await?;
                    bump_generation(&mut tx).await?;
                    let last: Option<i64> =
                        sqlx::query_scalar("SELECT MAX(upload) FROM aeo_registers").fetch_one(&mut *tx).await?;
                    let upload = last.unwrap_or(0) + 1;
                    let now = timestamp_text(Utc::now());
                    sqlx::query(
                        "INSERT INTO aeo_registers (upload, version, operators, body, loaded_by, loaded_at) \
                         VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(upload)
                    .bind(&register.version)
                    .bind(register.operators)
                    .bind(&register.body)
                    .bind(&register.loaded_by)
                    .bind(&now)
                    .execute(&mut *tx)
                    .await?;
                    append_audit_in(&mut tx, audit).await?;
                    tx.commit().await?;
                    Ok(StoredAeoRegister {
                        upload,
                        version: register.version.clone(),
                        operators: register.operators,
                        loaded_by: register.loaded_by.clone(),
                        loaded_at: parse_timestamp("AEO register", &upload.to_string(), &now)?,
                    })
                }

                async fn aeo_register(&self) -> Result<Option<(StoredAeoRegister, String)>, StoreError> {
                    let sql = format!("SELECT body, {AEO_COLUMNS} ORDER BY upload DESC LIMIT 1");
                    let row = sqlx::query(&sql).fetch_optional(&self.pool).await?;
                    match row {
                        Some(row) => Ok(Some((aeo_row(&row)?, row.try_get("body")?))),
                        None => Ok(None),
                    }
                }

                async fn risk_generation(&self) -> Result<i64, StoreError> {
                    let generation: i64 = sqlx::query_scalar("SELECT generation FROM risk_generation WHERE id = 1")
                        .fetch_one(&self.pool)
                        .await?;
                    Ok(generation)
                }

                async fn risk_config(&self) -> Result<RiskConfig, StoreError> {
                    let generation = self.risk_generation().await?;
                    let sql = format!(
                        "SELECT v.name, v.version, v.source, v.author, v.comment, v.created_at \
                         FROM profile_versions v JOIN profiles p \
                         ON p.name = v.name AND p.active_version = v.version ORDER BY v.name"
                    );
                    let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
                    let profiles = rows.iter().map(version_row).collect::<Result<Vec<_>, _>>()?;
                    let sql = format!(
                        "SELECT body, {LIST_COLUMNS} w WHERE upload = \
                         (SELECT MAX(upload) FROM watch_lists l WHERE l.name = w.name) ORDER BY name"
                    );
                    let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
                    let mut lists = Vec::with_capacity(rows.len());
                    for row in &rows {
                        lists.push((list_row(row)?, row.try_get("body")?));
                    }
                    let aeo = self.aeo_register().await?;
                    Ok(RiskConfig { generation, profiles, lists, aeo })
                }

                async fn examined_consignments(
                    &self,
                    since: rec::Timestamp,
                    limit: u32,
                ) -> Result<Vec<ExaminedConsignment>, StoreError> {
                    let sql = "SELECT c.id, c.reference, c.submitter, c.version, c.received_at, c.body, \
                         (SELECT MAX(CASE WHEN e.outcome = 'found' THEN 2 WHEN e.outcome IS NOT NULL THEN 1 ELSE 0 END) \
                          FROM examination_orders e WHERE e.consignment_id = c.id) AS examined \
                         FROM consignments c WHERE c.received_at >= $1 ORDER BY c.id DESC LIMIT $2";
                    let rows = sqlx::query(sql)
                        .bind(timestamp_text(since))
                        .bind(i64::from(limit.clamp(1, MAX_BACKTEST_CONSIGNMENTS)))
                        .fetch_all(&self.pool)
                        .await?;
                    let mut out = Vec::with_capacity(rows.len());
                    for row in &rows {
                        let examined: Option<i32> = row.try_get("examined")?;
                        out.push(ExaminedConsignment {
                            consignment: consignment_row(row)?,
                            outcome: match examined {
                                Some(2) => Some(rec::ExaminationOutcome::Found),
                                Some(1) => Some(rec::ExaminationOutcome::NotFound),
                                _ => None,
                            },
                        });
                    }
                    Ok(out)
                }
            }
        }
    };
}

pub(crate) use impl_profile_store;
