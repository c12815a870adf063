//! Seeding the store's risk configuration at start-up from the files the operator names (`aduana serve
//! --profiles DIR --list FILE --aeo FILE`). Only what the store does not have yet is added — a profile document
//! whose name is new (created and activated), a list whose name is new, a register when none is stored — so that
//! a restart with the same flags never undoes what analysts and administrators changed through the API: after the
//! first start the store is the source of truth. Each addition goes through the same checks and audit as the API.

use aduana_risk::{ProfileSet, ProfileSource};
use aduana_store::{NewAeoRegister, NewAuditEntry, NewProfileVersion, NewWatchList};

use crate::api::{aeo, lists, profiles};
use crate::error::ApiError;
use crate::state::AppState;

/// What to seed the store with.
#[derive(Debug, Clone)]
pub struct RiskSeed {
    /// Profile documents: (name, text).
    pub profiles: Vec<(String, String)>,
    /// Watch lists: (name, file content).
    pub lists: Vec<(String, Vec<u8>)>,
    /// An AEO register (CSV).
    pub aeo: Option<Vec<u8>>,
    /// Who seeds (the audit log's actor).
    pub actor: String,
}

/// What seeding added.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeedReport {
    /// Profile documents created and activated.
    pub profiles: Vec<String>,
    /// Lists stored.
    pub lists: Vec<String>,
    /// Whether the AEO register was stored.
    pub aeo: bool,
}

fn audit(actor: &str, action: &str, subject: String, details: serde_json::Value) -> NewAuditEntry {
    NewAuditEntry { actor: actor.to_owned(), action: action.to_owned(), subject, details }
}

/// Adds to the store what it does not have of `seed`, then loads the store's configuration into the assessor.
///
/// # Errors
/// A profile that does not compile (alone or with the active set), a list or register that cannot be read
/// (located, as the API reports them), or a store failure. What was added before the error stays.
pub async fn seed_risk_config(state: &AppState, seed: &RiskSeed) -> Result<SeedReport, ApiError> {
    let store = state.store();
    let mut report = SeedReport::default();
    for (name, text) in &seed.profiles {
        if store.profile(name).await?.is_some() {
            continue;
        }
        profiles::compile_document(name, text)?;
        let config = store.risk_config().await?;
        let mut sources: Vec<ProfileSource<'_>> =
            config.profiles.iter().map(|p| ProfileSource { name: &p.name, text: &p.source }).collect();
        sources.push(ProfileSource { name, text });
        ProfileSet::compile(&sources).map_err(|e| profiles::profile_errors(&e))?;
        let new = NewProfileVersion {
            name: name.clone(),
            source: text.clone(),
            author: seed.actor.clone(),
            comment: "seeded at start-up".to_owned(),
        };
        let subject = format!("profile/{name}");
        store
            .create_profile(
                &new,
                &audit(
                    &seed.actor,
                    "profile.create",
                    subject.clone(),
                    serde_json::json!({"version": 1, "seeded": true}),
                ),
            )
            .await?;
        store
            .set_active_version(
                name,
                Some(1),
                &audit(&seed.actor, "profile.activate", subject, serde_json::json!({"version": 1, "seeded": true})),
            )
            .await?;
        report.profiles.push(name.clone());
    }
    for (name, bytes) in &seed.lists {
        if store.watch_list(name).await?.is_some() {
            continue;
        }
        let (list, text) = lists::read_list(name, bytes)?;
        let changes = lists::change_report(None, &list);
        let new = NewWatchList {
            name: name.clone(),
            list_version: list.version.clone(),
            format: lists::format_name(list.format).to_owned(),
            entries: i64::try_from(list.entries.len()).unwrap_or(i64::MAX),
            body: text,
            report: changes,
            loaded_by: seed.actor.clone(),
        };
        let details = serde_json::json!({"version": list.version, "entries": list.entries.len(), "seeded": true});
        store.store_watch_list(&new, &audit(&seed.actor, "list.upload", format!("list/{name}"), details)).await?;
        report.lists.push(name.clone());
    }
    if let Some(bytes) = &seed.aeo
        && store.aeo_register().await?.is_none()
    {
        let (register, text) = aeo::read_register(bytes)?;
        let new = NewAeoRegister {
            version: register.version.clone(),
            operators: i64::try_from(register.operators().len()).unwrap_or(i64::MAX),
            body: text,
            loaded_by: seed.actor.clone(),
        };
        let details =
            serde_json::json!({"version": register.version, "operators": register.operators().len(), "seeded": true});
        store.store_aeo_register(&new, &audit(&seed.actor, "aeo.upload", "aeo-register".to_owned(), details)).await?;
        report.aeo = true;
    }
    state.refresh_risk_config().await?;
    Ok(report)
}
