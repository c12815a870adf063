//! Persistence of enforcement cases (nCEN, issue 8): [`EnforcementStore`], a supertrait of [`crate::Store`],
//! implemented for both backends by `impl_enforcement_store!` over the tables of `0004_enforcement.sql`.
//!
//! A case is stored as JSON with the columns that search needs beside it (commodity area, detection method,
//! concealment, year, route countries, need-to-know principals). Full-text search uses each database's own index:
//! SQLite's FTS5 table `enforcement_case_text`, PostgreSQL's `tsvector` column with a GIN index — nothing to keep
//! in step outside the database, so several server processes on one PostgreSQL see the same results. Link analysis
//! reads `enforcement_mentions` (which record names which entity): cases are written there when stored; stored
//! consignments are read into it incrementally, from where the last reader stopped, before each analysis.
//!
//! Every change is written with its audit entry in one transaction.

use std::collections::BTreeMap;

use aduana_enforcement::{Case, CommodityArea, Concealment, DetectionMethod, EntityKind, Mention};
use serde::Serialize;

use crate::records::{ExaminationOrder, NewExaminationResult, Timestamp};
use crate::{NewAuditEntry, StoreError};

/// A stored case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredCase {
    /// Its id.
    pub id: i64,
    /// 1 when created, one more at every change.
    pub version: i64,
    /// Who created it.
    pub created_by: String,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
    /// The case.
    pub case: Case,
}

/// Who is reading: restricted cases are visible only to the users and roles they name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    /// The user name.
    pub user: String,
    /// The role name.
    pub role: String,
}

impl Viewer {
    pub(crate) fn principals(&self) -> [String; 2] {
        [format!("user:{}", self.user), format!("role:{}", self.role)]
    }
}

/// What to search for; every part is optional and the parts combine with AND.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CaseQuery {
    /// Words that must all occur (commodity, names, places, conveyance, narrative …).
    pub text: Option<String>,
    /// Only this commodity area.
    pub commodity_area: Option<CommodityArea>,
    /// Only this detection method.
    pub detection_method: Option<DetectionMethod>,
    /// Only this concealment method.
    pub concealment: Option<Concealment>,
    /// Only cases with this country on the route.
    pub country: Option<String>,
    /// Only cases of this year.
    pub year: Option<i64>,
    /// The most cases per page (0 means 50; at most 1000).
    pub limit: u32,
    /// How many matching cases to skip.
    pub offset: u32,
}

/// One value of a facet and how many matching cases have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FacetCount {
    /// The value.
    pub value: String,
    /// How many matching cases.
    pub count: i64,
}

/// The facets of a search: counts of the matching cases per value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Facets {
    /// By commodity area.
    pub commodity_area: Vec<FacetCount>,
    /// By detection method.
    pub detection_method: Vec<FacetCount>,
    /// By concealment method.
    pub concealment: Vec<FacetCount>,
    /// By route country.
    pub country: Vec<FacetCount>,
    /// By year.
    pub year: Vec<FacetCount>,
}

/// A page of search results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseSearch {
    /// How many cases match in all.
    pub total: i64,
    /// The page, newest first.
    pub cases: Vec<StoredCase>,
    /// Counts per facet value over all matching cases.
    pub facets: Facets,
}

/// An entity with how many records mention it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntityCount {
    /// The kind.
    pub kind: EntityKind,
    /// The normalised key.
    pub key: String,
    /// A label as written.
    pub label: String,
    /// How many cases and consignments mention it.
    pub records: i64,
}

/// The most mentions link analysis reads for one entity's neighbourhood.
pub const MAX_LINK_MENTIONS: usize = 5000;

/// Persistence of enforcement cases.
#[async_trait::async_trait]
pub trait EnforcementStore: Send + Sync {
    /// Stores new cases in one transaction with one audit entry (`action`, e.g. `case.create` or `case.import`,
    /// subject `case/ID` for one case or `cases/FIRST-LAST` for several); returns them with their ids.
    async fn create_cases(&self, cases: &[Case], actor: &str, action: &str) -> Result<Vec<StoredCase>, StoreError>;
    /// Records the result of an examination with its audit entry (as `Store::record_examination_result`) and,
    /// when `case` is given, stores that case — the seizure the result found, linked to the examination — with its
    /// own `case.create` audit entry by the result's recorder, in the same transaction: both are stored or neither.
    /// The workbench's `details` (quantity, concealment, photo records) are written in the same transaction.
    /// Fails with `NotFound` without the order, `Conflict` when it already has a result, `InvalidArgument` when
    /// the case does not list the examination or a photo names another order.
    async fn record_examination_result_with_case(
        &self,
        order_id: i64,
        result: &NewExaminationResult,
        audit: &NewAuditEntry,
        case: Option<&Case>,
        details: &crate::workbench::ResultDetails<'_>,
    ) -> Result<(ExaminationOrder, Option<StoredCase>), StoreError>;
    /// Replaces a case with a new version and its audit entry; with `expected_version`, fails with `Conflict`
    /// when the stored version is another (someone changed it meanwhile).
    async fn update_case(
        &self,
        id: i64,
        case: &Case,
        expected_version: Option<i64>,
        actor: &str,
        action: &str,
    ) -> Result<StoredCase, StoreError>;
    /// Returns one case (whoever reads: the caller checks need-to-know and audits restricted reads).
    async fn case(&self, id: i64) -> Result<Option<StoredCase>, StoreError>;
    /// Searches the cases the viewer may see: a page and the facet counts.
    async fn search_cases(&self, query: &CaseQuery, viewer: &Viewer) -> Result<CaseSearch, StoreError>;
    /// Returns every case the viewer may see that matches (no paging: for exports and statistics), by date.
    async fn cases_matching(&self, query: &CaseQuery, viewer: &Viewer) -> Result<Vec<StoredCase>, StoreError>;
    /// Returns the mentions two hops around an entity (see `aduana_enforcement::two_hops`), over the cases the
    /// viewer may see and every stored consignment (read into the index first).
    async fn mentions_around(&self, kind: EntityKind, key: &str, viewer: &Viewer) -> Result<Vec<Mention>, StoreError>;
    /// Returns a stamp that changes whenever a case is created or changed (count and latest change), so that a
    /// reader can tell cheaply whether to reload `all_cases`.
    async fn case_stamp(&self) -> Result<String, StoreError>;
    /// Returns every case, restricted ones included (for the risk engine's enforcement history, never for people).
    async fn all_cases(&self) -> Result<Vec<StoredCase>, StoreError>;
    /// Lists entities of a kind whose key contains all the given words, most mentioned first.
    async fn entities(&self, kind: EntityKind, text: &str, limit: u32) -> Result<Vec<EntityCount>, StoreError>;
}

/// Returns the effective page size of a query.
pub(crate) fn page_limit(requested: u32) -> i64 {
    i64::from(if requested == 0 { 50 } else { requested.min(1000) })
}

/// Returns the full-text query for the words of `text`, each quoted with `quote` and joined with `and`; `None`
/// when the text has no words.
pub(crate) fn fts_query(text: &str, quote: &str, and: &str) -> Option<String> {
    let words = aduana_enforcement::entities::words(text);
    if words.is_empty() {
        return None;
    }
    Some(words.iter().map(|w| format!("{quote}{w}{quote}")).collect::<Vec<_>>().join(and))
}

/// Adds up the counts of (commodity area, detection method, concealment, year) groups into the four facets.
#[derive(Debug, Default)]
pub(crate) struct FacetCounter {
    total: i64,
    commodity_area: BTreeMap<String, i64>,
    detection_method: BTreeMap<String, i64>,
    concealment: BTreeMap<String, i64>,
    year: BTreeMap<i64, i64>,
}

impl FacetCounter {
    /// Adds `n` cases of one group (a negative `n` takes cases away).
    pub(crate) fn add(&mut self, area: String, method: String, concealment: String, year: i64, n: i64) {
        self.total += n;
        *self.commodity_area.entry(area).or_default() += n;
        *self.detection_method.entry(method).or_default() += n;
        *self.concealment.entry(concealment).or_default() += n;
        *self.year.entry(year).or_default() += n;
    }

    /// Returns the total and the facets (the country facet empty: it is counted apart). Values whose count is 0
    /// are left out: they are the ones whose cases were all taken away again (see [`complement_pays`]).
    pub(crate) fn finish(self) -> (i64, Facets) {
        let facet = |counts: BTreeMap<String, i64>| {
            sorted_facet(
                counts
                    .into_iter()
                    .filter(|(_, count)| *count != 0)
                    .map(|(value, count)| FacetCount { value, count })
                    .collect(),
            )
        };
        let year = sorted_facet(
            self.year
                .into_iter()
                .filter(|(_, count)| *count != 0)
                .map(|(year, count)| FacetCount { value: year.to_string(), count })
                .collect(),
        );
        let facets = Facets {
            commodity_area: facet(self.commodity_area),
            detection_method: facet(self.detection_method),
            concealment: facet(self.concealment),
            country: Vec::new(),
            year,
        };
        (self.total, facets)
    }
}

/// Returns the `route` column of a case: its route countries, sorted, without repeats, separated by one space.
pub(crate) fn route_text(case: &Case) -> String {
    let mut countries: Vec<&str> = case.route.countries().into_iter().map(|c| c.as_str()).collect();
    countries.sort_unstable();
    countries.dedup();
    countries.join(" ")
}

/// Orders a facet's values as the API shows them: most cases first, then by value.
pub(crate) fn sorted_facet(mut counts: Vec<FacetCount>) -> Vec<FacetCount> {
    counts.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    counts
}

/// Whether a text query is answered as its complement: the same query without the words, minus the cases that
/// lack them. `matches` is how many cases have every word, `cases` how many there are (or an upper bound, such as
/// the largest id). True when the cases without the words are at most a sixteenth of all: then they are few enough
/// to look up one by one (a few µs each on SQLite), while the plain plan would check every case against the
/// matches, in each of the three reads. See: issue 8.
pub(crate) fn complement_pays(matches: i64, cases: i64) -> bool {
    matches > 0 && cases.saturating_sub(matches).saturating_mul(16) <= cases
}

/// Returns the ids from 1 to `last` that are not in `present`, a comma-separated list of ids in any order (as
/// `group_concat` returns them); `None` when an item is not an id.
pub(crate) fn missing_ids(present: &str, last: i64) -> Option<Vec<i64>> {
    let size = usize::try_from(last.max(0)).ok()?;
    let mut seen = vec![false; size];
    for item in present.split(',').filter(|i| !i.is_empty()) {
        let id: i64 = item.trim().parse().ok()?;
        if let Some(slot) = usize::try_from(id.saturating_sub(1)).ok().and_then(|i| seen.get_mut(i)) {
            *slot = true;
        }
    }
    Some((1..=last).zip(seen).filter(|(_, seen)| !seen).map(|(id, _)| id).collect())
}

/// Parses a comma-separated list of ids (as `string_agg` returns them), sorted; `None` when an item is not an id.
pub(crate) fn parse_ids(text: &str) -> Option<Vec<i64>> {
    let mut ids =
        text.split(',').filter(|i| !i.is_empty()).map(|i| i.trim().parse().ok()).collect::<Option<Vec<i64>>>()?;
    ids.sort_unstable();
    Some(ids)
}

/// A list of case ids as SQLite binds it: a JSON array, read with `json_each`.
pub(crate) fn ids_json(ids: &[i64]) -> String {
    format!("[{}]", ids.iter().map(i64::to_string).collect::<Vec<_>>().join(","))
}

/// A list of case ids as PostgreSQL binds it: a `BIGINT[]`.
pub(crate) fn ids_array(ids: &[i64]) -> Vec<i64> {
    ids.to_vec()
}

/// Implements [`EnforcementStore`] for a backend; expands inside the backend module, after `impl_sql_store!`
/// (whose `begin_write` and `append_audit_in` it uses). The full-text parts differ per database and are passed in.
macro_rules! impl_enforcement_store {
    (
        $store:ident, $db:ty,
        fts_delete = $fts_delete:literal,
        fts_write = $fts_write:literal,
        fts_match = $fts_match:expr,
        fts_count = $fts_count:literal,
        fts_missing = ($fts_missing:literal, $fts_present:expr),
        id_list = $id_list:expr,
        ids = $ids:path,
        probe = $probe:literal,
        find = $find:literal,
        concat = $concat:literal,
        fts_quote = $fts_quote:literal,
        fts_and = $fts_and:literal
    ) => {
        mod enforcement_sql {
            use aduana_enforcement::{Case, EntityKind, EntityRef, Mention, RecordKind, RecordRef};
            use chrono::Utc;
            use sqlx::Row as _;

            use super::$store as Backend;
            use crate::StoreError;
            use crate::audit::NewAuditEntry;
            use crate::enforcement::{
                CaseQuery, CaseSearch, EntityCount, FacetCount, FacetCounter, Facets, MAX_LINK_MENTIONS, StoredCase,
                Viewer, complement_pays, fts_query, missing_ids, page_limit, parse_ids, route_text, sorted_facet,
            };
            use crate::records::{ExaminationOrder, NewExaminationResult, timestamp_text};
            use crate::sql::{parse_timestamp, to_json};

            type Tx = sqlx::Transaction<'static, $db>;
            type DbRow = <$db as sqlx::Database>::Row;
            type Query<'a> = sqlx::QueryBuilder<'a, $db>;

            const CASE_COLUMNS: &str = "c.id, c.version, c.created_by, c.created_at, c.updated_at, c.body";

            fn case_row(row: &DbRow) -> Result<StoredCase, StoreError> {
                let id: i64 = row.try_get("id")?;
                let sid = id.to_string();
                let body: String = row.try_get("body")?;
                let created_at: String = row.try_get("created_at")?;
                let updated_at: String = row.try_get("updated_at")?;
                Ok(StoredCase {
                    id,
                    version: row.try_get("version")?,
                    created_by: row.try_get("created_by")?,
                    created_at: parse_timestamp("case", &sid, &created_at)?,
                    updated_at: parse_timestamp("case", &sid, &updated_at)?,
                    case: serde_json::from_str(&body).map_err(|e| StoreError::Corrupt {
                        what: "case",
                        id: sid.clone(),
                        reason: e.to_string(),
                    })?,
                })
            }

            /// Writes what is derived from a case: countries, need-to-know principals, mentions, full text.
            async fn write_derived(tx: &mut Tx, id: i64, case: &Case) -> Result<(), StoreError> {
                sqlx::query("DELETE FROM enforcement_case_countries WHERE case_id = $1").bind(id).execute(&mut **tx).await?;
                sqlx::query("DELETE FROM enforcement_case_access WHERE case_id = $1").bind(id).execute(&mut **tx).await?;
                sqlx::query("DELETE FROM enforcement_mentions WHERE record_kind = 'case' AND record_id = $1")
                    .bind(id)
                    .execute(&mut **tx)
                    .await?;
                for country in case.route.countries() {
                    sqlx::query("INSERT INTO enforcement_case_countries (case_id, country) VALUES ($1, $2)")
                        .bind(id)
                        .bind(country.as_str())
                        .execute(&mut **tx)
                        .await?;
                }
                for principal in case.restriction.principals() {
                    sqlx::query(
                        "INSERT INTO enforcement_case_access (case_id, principal) VALUES ($1, $2) \
                         ON CONFLICT DO NOTHING",
                    )
                    .bind(id)
                    .bind(principal)
                    .execute(&mut **tx)
                    .await?;
                }
                insert_mentions(tx, RecordKind::Case, id, &aduana_enforcement::case_entities(case)).await?;
                if !$fts_delete.is_empty() {
                    sqlx::query($fts_delete).bind(id).execute(&mut **tx).await?;
                }
                sqlx::query($fts_write).bind(id).bind(aduana_enforcement::search_text(case)).execute(&mut **tx).await?;
                Ok(())
            }

            async fn insert_mentions(
                tx: &mut Tx,
                kind: RecordKind,
                id: i64,
                entities: &[EntityRef],
            ) -> Result<(), StoreError> {
                for chunk in entities.chunks(crate::sql::CHUNK) {
                    let mut query = Query::new(
                        "INSERT INTO enforcement_mentions (record_kind, record_id, entity_kind, entity_key, label) ",
                    );
                    query.push_values(chunk, |mut row, e| {
                        row.push_bind(kind.as_str())
                            .push_bind(id)
                            .push_bind(e.kind.as_str())
                            .push_bind(e.key.clone())
                            .push_bind(e.label.clone());
                    });
                    query.push(" ON CONFLICT DO NOTHING");
                    query.build().execute(&mut **tx).await?;
                }
                Ok(())
            }

            /// Appends the query's conditions, including need-to-know, on the cases named `alias`; `text` says
            /// how the full-text match joins.
            fn push_filters(query: &mut Query<'_>, q: &CaseQuery, viewer: &Viewer, alias: &str, text: &TextPlan) {
                let id = format!("{alias}.id");
                // The restricted cases the viewer may see are few and found by principal; `$probe` keeps the
                // database from turning the OR into lookups by id.
                let [user, role] = viewer.principals();
                query
                    .push(format!(" AND ({alias}.restricted = 0 OR {}{id} IN (", $probe))
                    .push("SELECT a.case_id FROM enforcement_case_access a WHERE a.principal IN (")
                    .push_bind(user)
                    .push(", ")
                    .push_bind(role)
                    .push(")))");
                match text {
                    TextPlan::None => {}
                    TextPlan::Words { query: words, drive } => {
                        let probe = if *drive { "" } else { $probe };
                        let (open, close) = $fts_match;
                        query
                            .push(" AND ")
                            .push(open.replace("{alias}", alias).replace("{id}", &format!("{probe}{id}")))
                            .push_bind(words.clone())
                            .push(close);
                    }
                    TextPlan::AllBut { missing, last } => {
                        // Checked on the index entries (they hold the id): not a range of the table to read.
                        query.push(format!(" AND {}{id} <= ", $probe)).push_bind(*last);
                        if !missing.is_empty() {
                            query.push(" AND NOT (");
                            push_id_list(query, &format!("{}{id}", $probe), missing);
                            query.push(")");
                        }
                    }
                }
                if let Some(area) = q.commodity_area {
                    query.push(format!(" AND {alias}.commodity_area = ")).push_bind(area.as_str());
                }
                if let Some(method) = q.detection_method {
                    query.push(format!(" AND {alias}.detection_method = ")).push_bind(method.as_str());
                }
                if let Some(concealment) = q.concealment {
                    query.push(format!(" AND {alias}.concealment = ")).push_bind(concealment.as_str());
                }
                if let Some(country) = &q.country {
                    // Every case's `route` lists its countries between single spaces; a country code has no space,
                    // so ` XX ` is found exactly where XX is one of them. Checked on the index entries: no list of
                    // the country's cases to build and look up (a country is on many routes).
                    if country.is_empty() || country.contains(' ') {
                        query.push(" AND 1 = 0");
                    } else {
                        query
                            .push(format!(" AND {}(' ' || {alias}.route || ' ', ", $find))
                            .push_bind(format!(" {country} "))
                            .push(") > 0");
                    }
                }
                if let Some(year) = q.year {
                    query.push(format!(" AND {alias}.year = ")).push_bind(year);
                    // The same condition on the date (`YYYY-MM-DD` for years of four digits), so that the newest
                    // cases of a year are found in the date index.
                    if (1000..=9999).contains(&year) {
                        query
                            .push(format!(" AND {alias}.case_date >= "))
                            .push_bind(format!("{year}-01-01"))
                            .push(format!(" AND {alias}.case_date < "))
                            .push_bind(format!("{}-01-01", year + 1));
                    }
                }
            }

            /// Appends `id IN (the ids)` in the backend's form (`id` as written: with `$probe` to check a
            /// list, without to look up each id).
            fn push_id_list(query: &mut Query<'_>, id: &str, ids: &[i64]) {
                let (open, close) = $id_list;
                query.push(open.replace("{id}", id)).push_bind($ids(ids)).push(close);
            }

            /// How a query's words join the rest. `drive`: the database starts from the full-text matches and
            /// looks each up (cheap when they are few); otherwise it reads the facet index in order and checks
            /// each row against the matches (cheap when they are many: no lookups, no sorting for the grouping).
            /// `AllBut`: nearly every case has the words (see [`complement_pays`]); the cases that match are those
            /// up to id `last` (the newest when the plan was made) except `missing`, the ids without the words —
            /// the words themselves are not looked at again.
            enum TextPlan {
                None,
                Words { query: String, drive: bool },
                AllBut { missing: Vec<i64>, last: i64 },
            }

            /// What the count (SQLite) or estimate (PostgreSQL) of a query's matches says.
            enum Estimate {
                /// The plan, final.
                Known(TextPlan),
                /// The words should be in nearly every case up to id `last`: [`resolve`] looks for those without.
                Common { words: String, last: i64 },
            }

            /// Counts or estimates the matches first: see [`Estimate`].
            async fn estimate(store: &Backend, q: &CaseQuery) -> Result<Estimate, StoreError> {
                let Some(words) = q.text.as_deref().and_then(|t| fts_query(t, $fts_quote, $fts_and)) else {
                    return Ok(Estimate::Known(TextPlan::None));
                };
                let row = sqlx::query($fts_count).bind(&words).fetch_one(&store.pool).await?;
                let (matches, cases): (i64, i64) = (row.try_get("matches")?, row.try_get("cases")?);
                if !complement_pays(matches, cases) {
                    let drive = matches.saturating_mul(4) <= cases;
                    return Ok(Estimate::Known(TextPlan::Words { query: words, drive }));
                }
                Ok(Estimate::Common { words, last: row.try_get("last")? })
            }

            /// Finds the cases up to `last` without the words: [`TextPlan::AllBut`] when they are few, the plain
            /// plan when they are not (the estimate was wrong, or cases changed since the count).
            async fn resolve(store: &Backend, words: String, last: i64) -> Result<TextPlan, StoreError> {
                let row = sqlx::query($fts_missing).bind(&words).bind(last).fetch_one(&store.pool).await?;
                let ids: String = row.try_get::<Option<String>, _>("ids")?.unwrap_or_default();
                let missing = if $fts_present { missing_ids(&ids, last) } else { parse_ids(&ids) };
                let Some(missing) = missing else {
                    return Err(StoreError::Corrupt {
                        what: "full-text matches",
                        id: ids.chars().take(80).collect(),
                        reason: "expected case ids separated by commas".to_owned(),
                    });
                };
                if !complement_pays(last.saturating_sub(i64::try_from(missing.len()).unwrap_or(i64::MAX)), last) {
                    return Ok(TextPlan::Words { query: words, drive: false });
                }
                Ok(TextPlan::AllBut { missing, last })
            }

            /// Decides how the full-text part of a query joins: see [`TextPlan`].
            async fn text_plan(store: &Backend, q: &CaseQuery) -> Result<TextPlan, StoreError> {
                match estimate(store, q).await? {
                    Estimate::Known(text) => Ok(text),
                    Estimate::Common { words, last } => resolve(store, words, last).await,
                }
            }

            /// The grouping of the four single-valued facets: `area method concealment year n` per group, in the
            /// order of the facet index (so without sorting).
            const CASE_GROUPS: (&str, &str) = (
                "c.commodity_area || ' ' || c.detection_method || ' ' || c.concealment || ' ' || c.year || ' ' \
                 || COUNT(*)",
                "c.commodity_area, c.detection_method, c.concealment, c.year",
            );
            /// The grouping by route (few distinct ones, in the order of the route index): `route,n` per group.
            const ROUTE_GROUPS: (&str, &str) = ("c.route || ',' || COUNT(*)", "c.route");

            /// Runs a grouping (`select`, `group_by`) over the matching cases, or over the cases `only` lists
            /// among them, and returns its groups as one text (`…;…`): each row crossing from the database's
            /// worker costs a thread wake-up, and there are thousands of groups.
            async fn groups(
                store: &Backend,
                q: &CaseQuery,
                viewer: &Viewer,
                text: &TextPlan,
                only: Option<&[i64]>,
                (select, group_by): (&str, &str),
            ) -> Result<Option<String>, StoreError> {
                let mut query = Query::new(format!(
                    "SELECT {}(t.g, ';') AS groups FROM (SELECT {select} AS g FROM enforcement_cases c WHERE 1 = 1",
                    $concat
                ));
                push_filters(&mut query, q, viewer, "c", text);
                if let Some(ids) = only {
                    query.push(" AND ");
                    push_id_list(&mut query, "c.id", ids);
                }
                query.push(format!(" GROUP BY {group_by}) t"));
                Ok(query.build().fetch_one(&store.pool).await?.try_get("groups")?)
            }

            /// The groupings of a search: each text of groups with the sign its counts are added with.
            type Groupings = Vec<(Option<String>, i64)>;

            /// Runs a grouping over the matching cases. Under [`TextPlan::AllBut`] that is the grouping without
            /// the words (given as `without_words` when already read, else read here) minus the grouping of the
            /// missing cases alone, looked up by id.
            async fn groupings(
                store: &Backend,
                q: &CaseQuery,
                viewer: &Viewer,
                text: &TextPlan,
                grouping: (&str, &str),
                without_words: Option<Option<String>>,
            ) -> Result<Groupings, StoreError> {
                let TextPlan::AllBut { missing, last } = text else {
                    return Ok(vec![(groups(store, q, viewer, text, None, grouping).await?, 1)]);
                };
                let superset = TextPlan::AllBut { missing: Vec::new(), last: *last };
                let all = async {
                    match without_words {
                        Some(all) => Ok(all),
                        None => groups(store, q, viewer, &superset, None, grouping).await,
                    }
                };
                let lacking = async {
                    if missing.is_empty() {
                        return Ok(None);
                    }
                    groups(store, q, viewer, &superset, Some(missing), grouping).await
                };
                let (all, lacking) = tokio::try_join!(all, lacking)?;
                Ok(vec![(all, 1), (lacking, -1)])
            }

            /// Adds up the groups of [`CASE_GROUPS`] into the total and the facets but the country one.
            fn case_facets(groupings: Groupings) -> Result<(i64, Facets), StoreError> {
                let mut counts = FacetCounter::default();
                for (groups, sign) in groupings {
                    for group in groups.as_deref().unwrap_or_default().split(';').filter(|g| !g.is_empty()) {
                        let parts: Vec<&str> = group.split(' ').collect();
                        let [area, method, concealment, year, n] = parts[..] else {
                            return Err(facet_error(group));
                        };
                        let (Ok(year), Ok(n)) = (year.parse::<i64>(), n.parse::<i64>()) else {
                            return Err(facet_error(group));
                        };
                        counts.add(area.to_owned(), method.to_owned(), concealment.to_owned(), year, sign * n);
                    }
                }
                Ok(counts.finish())
            }

            /// Adds each route's count of [`ROUTE_GROUPS`] to each of its countries.
            fn country_facet(groupings: Groupings) -> Result<Vec<FacetCount>, StoreError> {
                let mut counts: std::collections::BTreeMap<String, i64> = std::collections::BTreeMap::new();
                for (groups, sign) in groupings {
                    for group in groups.as_deref().unwrap_or_default().split(';').filter(|g| !g.is_empty()) {
                        let Some((route, Ok(n))) = group.rsplit_once(',').map(|(r, n)| (r, n.parse::<i64>())) else {
                            return Err(facet_error(group));
                        };
                        for country in route.split(' ').filter(|c| !c.is_empty()) {
                            *counts.entry(country.to_owned()).or_default() += sign * n;
                        }
                    }
                }
                // A country whose cases all lack the words is left out, as the plain search leaves it out.
                let counts = counts.into_iter().filter(|(_, count)| *count != 0);
                Ok(sorted_facet(counts.map(|(value, count)| FacetCount { value, count }).collect()))
            }

            /// A facet group that does not read back: a stored code with a separator in it.
            fn facet_error(group: &str) -> StoreError {
                StoreError::Corrupt {
                    what: "case facet group",
                    id: group.chars().take(80).collect(),
                    reason: "expected codes without spaces, commas or semicolons and a count".to_owned(),
                }
            }

            /// Reads the consignments stored since the last reader into the mentions index. Two readers at once
            /// (two processes) cannot both advance: the second's conditional update finds nothing and rolls back.
            async fn catch_up_consignments(store: &Backend) -> Result<(), StoreError> {
                loop {
                    let (_gate, mut tx) = store.begin_write().await?;
                    let last: i64 =
                        sqlx::query_scalar("SELECT last_consignment_id FROM enforcement_mention_progress WHERE id = 1")
                            .fetch_one(&mut *tx)
                            .await?;
                    let rows = sqlx::query("SELECT id, body FROM consignments WHERE id > $1 ORDER BY id LIMIT 500")
                        .bind(last)
                        .fetch_all(&mut *tx)
                        .await?;
                    let Some(newest) = rows.last().map(|r| r.try_get::<i64, _>("id")).transpose()? else {
                        return Ok(());
                    };
                    for row in &rows {
                        let id: i64 = row.try_get("id")?;
                        let body: String = row.try_get("body")?;
                        // A body that no longer parses is reported by the consignment endpoints; links skip it.
                        if let Ok(consignment) = serde_json::from_str::<aduana_core::Consignment>(&body) {
                            let entities = aduana_enforcement::consignment_entities(&consignment);
                            insert_mentions(&mut tx, RecordKind::Consignment, id, &entities).await?;
                        }
                    }
                    let moved = sqlx::query(
                        "UPDATE enforcement_mention_progress SET last_consignment_id = $1 \
                         WHERE id = 1 AND last_consignment_id = $2",
                    )
                    .bind(newest)
                    .bind(last)
                    .execute(&mut *tx)
                    .await?;
                    if moved.rows_affected() == 0 {
                        tx.rollback().await?;
                        return Ok(());
                    }
                    tx.commit().await?;
                }
            }

            fn mention_row(row: &DbRow) -> Result<Option<Mention>, StoreError> {
                let record_kind: String = row.try_get("record_kind")?;
                let entity_kind: String = row.try_get("entity_kind")?;
                let (Some(kind), Ok(entity)) = (RecordKind::parse(&record_kind), EntityKind::parse(&entity_kind)) else {
                    return Ok(None);
                };
                Ok(Some(Mention {
                    record: RecordRef { kind, id: row.try_get("record_id")? },
                    entity: EntityRef { kind: entity, key: row.try_get("entity_key")?, label: row.try_get("label")? },
                }))
            }

            /// Appends `AND (mention m is not of a case the viewer may not see)`.
            fn push_mention_visible(query: &mut Query<'_>, viewer: &Viewer) {
                let [user, role] = viewer.principals();
                query
                    .push(" AND NOT EXISTS (SELECT 1 FROM enforcement_cases c WHERE m.record_kind = 'case' AND c.id = m.record_id AND c.restricted <> 0 AND NOT EXISTS (SELECT 1 FROM enforcement_case_access a WHERE a.case_id = c.id AND a.principal IN (")
                    .push_bind(user)
                    .push(", ")
                    .push_bind(role)
                    .push(")))");
            }

            const MENTION_COLUMNS: &str =
                "SELECT m.record_kind, m.record_id, m.entity_kind, m.entity_key, m.label FROM enforcement_mentions m WHERE ";

            /// Stores new cases inside a write transaction with one audit entry (see `create_cases`).
            async fn insert_cases(
                tx: &mut Tx,
                cases: &[Case],
                actor: &str,
                action: &str,
            ) -> Result<Vec<StoredCase>, StoreError> {
                let now = Utc::now();
                let now_text = timestamp_text(now);
                let mut out = Vec::with_capacity(cases.len());
                for case in cases {
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO enforcement_cases (version, case_date, year, commodity_area, detection_method, \
                         concealment, status, restricted, created_by, created_at, updated_at, body, route) \
                         VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11) RETURNING id",
                    )
                    .bind(case.date.to_string())
                    .bind(i64::from(chrono::Datelike::year(&case.date)))
                    .bind(case.commodity_area.as_str())
                    .bind(case.detection_method.as_str())
                    .bind(case.concealment.as_str())
                    .bind(case.status.as_str())
                    .bind(i64::from(case.restriction.restricted))
                    .bind(actor)
                    .bind(&now_text)
                    .bind(to_json("case", case)?)
                    .bind(route_text(case))
                    .fetch_one(&mut **tx)
                    .await?;
                    write_derived(tx, id, case).await?;
                    let at = parse_timestamp("case", &id.to_string(), &now_text)?;
                    out.push(StoredCase {
                        id,
                        version: 1,
                        created_by: actor.to_owned(),
                        created_at: at,
                        updated_at: at,
                        case: case.clone(),
                    });
                }
                if let (Some(first), Some(last)) = (out.first(), out.last()) {
                    let subject = if out.len() == 1 {
                        format!("case/{}", first.id)
                    } else {
                        format!("cases/{}-{}", first.id, last.id)
                    };
                    let details = if out.len() == 1 {
                        serde_json::json!({
                            "commodity_area": first.case.commodity_area.as_str(),
                            "restricted": first.case.restriction.restricted,
                        })
                    } else {
                        serde_json::json!({"count": out.len()})
                    };
                    let entry =
                        NewAuditEntry { actor: actor.to_owned(), action: action.to_owned(), subject, details };
                    super::append_audit_in(tx, &entry).await?;
                }
                Ok(out)
            }

            #[async_trait::async_trait]
            impl crate::EnforcementStore for Backend {
                async fn create_cases(
                    &self,
                    cases: &[Case],
                    actor: &str,
                    action: &str,
                ) -> Result<Vec<StoredCase>, StoreError> {
                    let (_gate, mut tx) = self.begin_write().await?;
                    let out = insert_cases(&mut tx, cases, actor, action).await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn record_examination_result_with_case(
                    &self,
                    order_id: i64,
                    result: &NewExaminationResult,
                    audit: &NewAuditEntry,
                    case: Option<&Case>,
                    details: &crate::workbench::ResultDetails<'_>,
                ) -> Result<(ExaminationOrder, Option<StoredCase>), StoreError> {
                    if let Some(case) = case
                        && !case.examination_ids.contains(&order_id)
                    {
                        return Err(StoreError::InvalidArgument(format!(
                            "the case opened by examination {order_id} must be linked to it"
                        )));
                    }
                    if let Some(photo) = details.photos.iter().find(|p| p.order_id != order_id) {
                        return Err(StoreError::InvalidArgument(format!(
                            "photo {} belongs to examination {}, not {order_id}",
                            photo.file_name, photo.order_id
                        )));
                    }
                    let (_gate, mut tx) = self.begin_write().await?;
                    let order = super::record_result_in(&mut tx, order_id, result, audit).await?;
                    if details.quantity.is_some() || details.concealment.is_some() {
                        super::workbench_impl::write_details(&mut tx, order_id, details.quantity, details.concealment)
                            .await?;
                    }
                    for photo in details.photos {
                        super::workbench_impl::insert_photo(&mut tx, photo).await?;
                    }
                    let stored = match case {
                        Some(case) => {
                            let mut stored =
                                insert_cases(&mut tx, std::slice::from_ref(case), &result.recorded_by, "case.create")
                                    .await?;
                            stored.pop()
                        }
                        None => None,
                    };
                    tx.commit().await?;
                    Ok((order, stored))
                }

                async fn update_case(
                    &self,
                    id: i64,
                    case: &Case,
                    expected_version: Option<i64>,
                    actor: &str,
                    action: &str,
                ) -> Result<StoredCase, StoreError> {
                    let (_gate, mut tx) = self.begin_write().await?;
                    let sql = format!("SELECT {CASE_COLUMNS} FROM enforcement_cases c WHERE c.id = $1");
                    let Some(row) = sqlx::query(&sql).bind(id).fetch_optional(&mut *tx).await? else {
                        return Err(StoreError::NotFound { what: "case", id: id.to_string() });
                    };
                    let stored = case_row(&row)?;
                    if expected_version.is_some_and(|v| v != stored.version) {
                        return Err(StoreError::Conflict(format!(
                            "case {id} is at version {}, not {}: reload it and apply the change again",
                            stored.version,
                            expected_version.unwrap_or_default()
                        )));
                    }
                    let now_text = timestamp_text(Utc::now());
                    let version = stored.version + 1;
                    sqlx::query(
                        "UPDATE enforcement_cases SET version = $1, case_date = $2, year = $3, commodity_area = $4, \
                         detection_method = $5, concealment = $6, status = $7, restricted = $8, updated_at = $9, \
                         body = $10, route = $11 WHERE id = $12",
                    )
                    .bind(version)
                    .bind(case.date.to_string())
                    .bind(i64::from(chrono::Datelike::year(&case.date)))
                    .bind(case.commodity_area.as_str())
                    .bind(case.detection_method.as_str())
                    .bind(case.concealment.as_str())
                    .bind(case.status.as_str())
                    .bind(i64::from(case.restriction.restricted))
                    .bind(&now_text)
                    .bind(to_json("case", case)?)
                    .bind(route_text(case))
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                    write_derived(&mut tx, id, case).await?;
                    let entry = NewAuditEntry {
                        actor: actor.to_owned(),
                        action: action.to_owned(),
                        subject: format!("case/{id}"),
                        details: serde_json::json!({"version": version, "status": case.status.as_str()}),
                    };
                    super::append_audit_in(&mut tx, &entry).await?;
                    tx.commit().await?;
                    Ok(StoredCase {
                        id,
                        version,
                        created_by: stored.created_by,
                        created_at: stored.created_at,
                        updated_at: parse_timestamp("case", &id.to_string(), &now_text)?,
                        case: case.clone(),
                    })
                }

                async fn case(&self, id: i64) -> Result<Option<StoredCase>, StoreError> {
                    let sql = format!("SELECT {CASE_COLUMNS} FROM enforcement_cases c WHERE c.id = $1");
                    let row = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await?;
                    row.as_ref().map(case_row).transpose()
                }

                async fn search_cases(&self, q: &CaseQuery, viewer: &Viewer) -> Result<CaseSearch, StoreError> {
                    let (text, without_words) = match estimate(self, q).await? {
                        Estimate::Known(text) => (text, None),
                        Estimate::Common { words, last } => {
                            // The groupings without the words do not depend on which cases lack them: they run
                            // while those are looked for.
                            let superset = TextPlan::AllBut { missing: Vec::new(), last };
                            let (text, cases, routes) = tokio::try_join!(
                                resolve(self, words, last),
                                groups(self, q, viewer, &superset, None, CASE_GROUPS),
                                groups(self, q, viewer, &superset, None, ROUTE_GROUPS),
                            )?;
                            let read = matches!(text, TextPlan::AllBut { .. }).then_some((cases, routes));
                            (text, read)
                        }
                    };
                    let (cases_read, routes_read) = without_words.unzip();
                    // The page, the four single-valued facets with the total, and the country facet are independent
                    // reads: they run at once, each on its own pooled connection (SQLite's WAL readers do not block
                    // each other).
                    let page = async {
                        // The page's ids first, from the indexes; then only those cases' bodies.
                        let mut page = Query::new(format!(
                            "SELECT {CASE_COLUMNS} FROM enforcement_cases c WHERE c.id IN \
                             (SELECT p.id FROM enforcement_cases p WHERE 1 = 1"
                        ));
                        push_filters(&mut page, q, viewer, "p", &text);
                        page.push(" ORDER BY p.case_date DESC, p.id DESC LIMIT ")
                            .push_bind(page_limit(q.limit))
                            .push(" OFFSET ")
                            .push_bind(i64::from(q.offset))
                            .push(") ORDER BY c.case_date DESC, c.id DESC");
                        let rows = page.build().fetch_all(&self.pool).await?;
                        rows.iter().map(case_row).collect::<Result<Vec<_>, _>>()
                    };
                    let (cases, case_groups, route_groups) = tokio::try_join!(
                        page,
                        groupings(self, q, viewer, &text, CASE_GROUPS, cases_read),
                        groupings(self, q, viewer, &text, ROUTE_GROUPS, routes_read),
                    )?;
                    let (total, mut facets) = case_facets(case_groups)?;
                    facets.country = country_facet(route_groups)?;
                    Ok(CaseSearch { total, cases, facets })
                }

                async fn cases_matching(
                    &self,
                    q: &CaseQuery,
                    viewer: &Viewer,
                ) -> Result<Vec<StoredCase>, StoreError> {
                    let text = text_plan(self, q).await?;
                    let mut query =
                        Query::new(format!("SELECT {CASE_COLUMNS} FROM enforcement_cases c WHERE 1 = 1"));
                    push_filters(&mut query, q, viewer, "c", &text);
                    query.push(" ORDER BY c.case_date, c.id");
                    let rows = query.build().fetch_all(&self.pool).await?;
                    rows.iter().map(case_row).collect()
                }

                async fn mentions_around(
                    &self,
                    kind: EntityKind,
                    key: &str,
                    viewer: &Viewer,
                ) -> Result<Vec<Mention>, StoreError> {
                    catch_up_consignments(self).await?;
                    let mut out: Vec<Mention> = Vec::new();
                    // The records that mention the entity.
                    let mut query = Query::new(MENTION_COLUMNS);
                    query.push("m.entity_kind = ").push_bind(kind.as_str()).push(" AND m.entity_key = ").push_bind(key.to_owned());
                    push_mention_visible(&mut query, viewer);
                    query.push(" ORDER BY m.record_kind, m.record_id LIMIT ").push_bind(MAX_LINK_MENTIONS as i64);
                    for row in query.build().fetch_all(&self.pool).await? {
                        out.extend(mention_row(&row)?);
                    }
                    // Everything those records mention.
                    let records: Vec<RecordRef> = {
                        let mut r: Vec<RecordRef> = out.iter().map(|m| m.record).collect();
                        r.dedup();
                        r
                    };
                    let mut entities: Vec<(EntityKind, String)> = Vec::new();
                    for chunk in records.chunks(200) {
                        let mut query = Query::new(MENTION_COLUMNS);
                        query.push("(");
                        for (i, record) in chunk.iter().enumerate() {
                            if i > 0 {
                                query.push(" OR ");
                            }
                            query
                                .push("(m.record_kind = ")
                                .push_bind(record.kind.as_str())
                                .push(" AND m.record_id = ")
                                .push_bind(record.id)
                                .push(")");
                        }
                        query.push(")");
                        for row in query.build().fetch_all(&self.pool).await? {
                            if let Some(m) = mention_row(&row)? {
                                if !(m.entity.kind == kind && m.entity.key == key) {
                                    entities.push((m.entity.kind, m.entity.key.clone()));
                                }
                                out.push(m);
                            }
                        }
                    }
                    entities.sort();
                    entities.dedup();
                    // Every other record that mentions one of those entities.
                    for chunk in entities.chunks(200) {
                        if out.len() >= MAX_LINK_MENTIONS {
                            break;
                        }
                        let mut query = Query::new(MENTION_COLUMNS);
                        query.push("(");
                        for (i, (entity_kind, entity_key)) in chunk.iter().enumerate() {
                            if i > 0 {
                                query.push(" OR ");
                            }
                            query
                                .push("(m.entity_kind = ")
                                .push_bind(entity_kind.as_str())
                                .push(" AND m.entity_key = ")
                                .push_bind(entity_key.clone())
                                .push(")");
                        }
                        query.push(")");
                        push_mention_visible(&mut query, viewer);
                        query.push(" ORDER BY m.record_kind, m.record_id LIMIT ").push_bind(MAX_LINK_MENTIONS as i64);
                        for row in query.build().fetch_all(&self.pool).await? {
                            out.extend(mention_row(&row)?);
                        }
                    }
                    out.sort();
                    out.dedup();
                    Ok(out)
                }

                async fn case_stamp(&self) -> Result<String, StoreError> {
                    let row = sqlx::query(
                        "SELECT COUNT(*) AS n, COALESCE(MAX(updated_at), '') AS latest FROM enforcement_cases",
                    )
                    .fetch_one(&self.pool)
                    .await?;
                    let n: i64 = row.try_get("n")?;
                    let latest: String = row.try_get("latest")?;
                    Ok(format!("cases:{n}:{latest}"))
                }

                async fn all_cases(&self) -> Result<Vec<StoredCase>, StoreError> {
                    let sql = format!("SELECT {CASE_COLUMNS} FROM enforcement_cases c ORDER BY c.id");
                    let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
                    rows.iter().map(case_row).collect()
                }

                async fn entities(
                    &self,
                    kind: EntityKind,
                    text: &str,
                    limit: u32,
                ) -> Result<Vec<EntityCount>, StoreError> {
                    let mut query = Query::new(
                        "SELECT m.entity_key, MIN(m.label) AS label, COUNT(*) AS n FROM enforcement_mentions m \
                         WHERE m.entity_kind = ",
                    );
                    query.push_bind(kind.as_str());
                    let key_text = kind.key(text).unwrap_or_default();
                    for word in key_text.split(' ').filter(|w| !w.is_empty()) {
                        query.push(" AND m.entity_key LIKE ").push_bind(format!("%{word}%"));
                    }
                    query.push(" GROUP BY m.entity_key ORDER BY n DESC, m.entity_key LIMIT ").push_bind(page_limit(limit));
                    let rows = query.build().fetch_all(&self.pool).await?;
                    rows.iter()
                        .map(|row| {
                            Ok(EntityCount {
                                kind,
                                key: row.try_get("entity_key")?,
                                label: row.try_get("label")?,
                                records: row.try_get("n")?,
                            })
                        })
                        .collect()
                }
            }
        }
    };
}

pub(crate) use impl_enforcement_store;

#[cfg(test)]
mod tests {
    use super::{FacetCounter, complement_pays, ids_json, missing_ids, parse_ids};

    #[test]
    fn the_complement_pays_only_when_at_most_a_sixteenth_of_the_cases_lack_the_words() {
        for (matches, cases, expected) in [
            (100_000, 100_000, true),
            (93_750, 100_000, true),
            (93_749, 100_000, false),
            (9_552, 100_000, false),
            (0, 0, false),
            (0, 10, false),
            (1, 1, true),
            (15, 16, true),
            (14, 16, false),
            (i64::MAX, i64::MAX, true),
        ] {
            assert_eq!(complement_pays(matches, cases), expected, "{matches} of {cases}");
        }
    }

    #[test]
    fn missing_ids_are_the_ids_up_to_the_last_that_are_not_listed() {
        assert_eq!(missing_ids("1,2,4,7", 8), Some(vec![3, 5, 6, 8]));
        assert_eq!(missing_ids("7,4,1,2", 7), Some(vec![3, 5, 6]));
        assert_eq!(missing_ids("", 3), Some(vec![1, 2, 3]));
        assert_eq!(missing_ids("1,2,3", 3), Some(vec![]));
        // Ids outside 1..=last (stored after `last` was read, or not ids of cases) change nothing.
        assert_eq!(missing_ids("0,-5,2,9", 3), Some(vec![1, 3]));
        assert_eq!(missing_ids("1,2", 0), Some(vec![]));
        assert_eq!(missing_ids("1,2", -4), Some(vec![]));
        assert_eq!(missing_ids("1,x,3", 3), None);
        assert_eq!(missing_ids("1;2", 3), None);
    }

    #[test]
    fn listed_ids_are_parsed_and_sorted() {
        assert_eq!(parse_ids("9,3,12"), Some(vec![3, 9, 12]));
        assert_eq!(parse_ids(""), Some(vec![]));
        assert_eq!(parse_ids("3,,4"), Some(vec![3, 4]));
        assert_eq!(parse_ids("3,four"), None);
        assert_eq!(ids_json(&[3, 9]), "[3,9]");
        assert_eq!(ids_json(&[]), "[]");
    }

    #[test]
    fn facet_values_whose_cases_were_all_taken_away_are_left_out() {
        let mut counts = FacetCounter::default();
        counts.add("drugs".to_owned(), "dog".to_owned(), "baggage".to_owned(), 2024, 5);
        counts.add("ipr".to_owned(), "x_ray".to_owned(), "baggage".to_owned(), 2025, 2);
        counts.add("ipr".to_owned(), "x_ray".to_owned(), "baggage".to_owned(), 2025, -2);
        let (total, facets) = counts.finish();
        assert_eq!(total, 5);
        let values = |f: &[super::FacetCount]| f.iter().map(|f| (f.value.clone(), f.count)).collect::<Vec<_>>();
        assert_eq!(values(&facets.commodity_area), [("drugs".to_owned(), 5)]);
        assert_eq!(values(&facets.detection_method), [("dog".to_owned(), 5)]);
        assert_eq!(values(&facets.concealment), [("baggage".to_owned(), 5)]);
        assert_eq!(values(&facets.year), [("2024".to_owned(), 5)]);
    }
}
