//! Enforcement cases in the workbench: the case list with full-text search and facet links, the case page, the
//! link analysis of an entity (a list and a server-rendered SVG graph of its two-hop neighbourhood) and the
//! statistics with inline SVG bar charts. The consignment page shows the seizure cases of its parties
//! ([`seizures_section`]). The case page shows the case's photos and X-ray images as thumbnails with a form to add
//! one (`multipart/form-data`, CSRF token first; stored through `api/case_images.rs`). Reads of restricted cases
//! are audited as in `api/cases.rs`.

use std::fmt::Write as _;

use aduana_enforcement::{CommodityArea, Concealment, DetectionMethod, EntityKind, EntityRef, Period, RecordKind};
use aduana_store::{CaseQuery, FacetCount, StoredCase, StoredConsignment};
use axum::Router;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;

use super::{Flash, PageError, Posted, Viewer, layout, redirect_with_flash};
use crate::auth::{Caller, access};
use crate::state::AppState;

/// The cases' routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/workbench/cases", get(list))
        .route("/workbench/cases/links", get(links))
        .route("/workbench/cases/statistics", get(statistics))
        .route("/workbench/cases/{id}", get(page))
        .route("/workbench/cases/{id}/share", axum::routing::post(share))
        .route("/workbench/cases/{id}/images", axum::routing::post(add_image))
        .route("/workbench/photos/{id}/thumbnail", get(thumbnail))
}

fn store_viewer(viewer: &Viewer) -> aduana_store::Viewer {
    aduana_store::Viewer { user: viewer.user.name.clone(), role: viewer.user.role.as_str().to_owned() }
}

fn caller(viewer: &Viewer) -> Caller {
    Caller { user: viewer.user.clone() }
}

/// Audits the restricted cases among those shown.
async fn audit_restricted(
    state: &AppState,
    viewer: &Viewer,
    cases: &[&StoredCase],
    how: &str,
) -> Result<(), PageError> {
    let restricted: Vec<i64> = cases.iter().filter(|c| c.case.restriction.restricted).map(|c| c.id).collect();
    if restricted.is_empty() {
        return Ok(());
    }
    let details = serde_json::json!({"via": how, "ids": restricted});
    crate::api::record_audit(state, &caller(viewer), "case.read", "cases".to_owned(), details).await?;
    Ok(())
}

/// The search form's parameters (all optional; blank means no filter).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    commodity_area: String,
    #[serde(default)]
    detection_method: String,
    #[serde(default)]
    concealment: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    offset: String,
}

fn bad(message: String) -> PageError {
    PageError::new(StatusCode::BAD_REQUEST, message)
}

impl ListQuery {
    fn to_query(&self) -> Result<CaseQuery, PageError> {
        let blank = |s: &str| s.trim().is_empty();
        Ok(CaseQuery {
            text: Some(self.q.trim().to_owned()).filter(|q| !q.is_empty()),
            commodity_area: if blank(&self.commodity_area) {
                None
            } else {
                Some(CommodityArea::parse(&self.commodity_area).map_err(|e| bad(e.to_string()))?)
            },
            detection_method: if blank(&self.detection_method) {
                None
            } else {
                Some(DetectionMethod::parse(&self.detection_method).map_err(|e| bad(e.to_string()))?)
            },
            concealment: if blank(&self.concealment) {
                None
            } else {
                Some(Concealment::parse(&self.concealment).map_err(|e| bad(e.to_string()))?)
            },
            country: Some(self.country.trim().to_ascii_uppercase()).filter(|c| !c.is_empty()),
            year: if blank(&self.year) {
                None
            } else {
                Some(
                    self.year
                        .trim()
                        .parse()
                        .map_err(|_| bad(format!("year: expected a year, found `{}`", self.year)))?,
                )
            },
            limit: 50,
            offset: if blank(&self.offset) {
                0
            } else {
                self.offset
                    .trim()
                    .parse()
                    .map_err(|_| bad(format!("offset: expected a number, found `{}`", self.offset)))?
            },
        })
    }

    /// The query string of this search with one parameter replaced (`""` removes it).
    fn with(&self, name: &str, value: &str) -> String {
        let pairs = [
            ("q", self.q.as_str()),
            ("commodity_area", self.commodity_area.as_str()),
            ("detection_method", self.detection_method.as_str()),
            ("concealment", self.concealment.as_str()),
            ("country", self.country.as_str()),
            ("year", self.year.as_str()),
        ];
        let kept: Vec<(&str, &str)> = pairs
            .into_iter()
            .map(|(key, current)| (key, if key == name { value.trim() } else { current.trim() }))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        format!("/workbench/cases?{}", serde_urlencoded::to_string(kept).unwrap_or_default())
    }
}

fn facet_list(title: &str, name: &str, counts: &[FacetCount], query: &ListQuery, label: fn(&str) -> String) -> Markup {
    let current = match name {
        "commodity_area" => &query.commodity_area,
        "detection_method" => &query.detection_method,
        "concealment" => &query.concealment,
        "country" => &query.country,
        _ => &query.year,
    };
    html! {
        div.facet #{"facet-" (name)} {
            h3 { (title) }
            @if counts.is_empty() { p.muted { "—" } }
            ul {
                @for c in counts {
                    li {
                        @if current.trim().eq_ignore_ascii_case(&c.value) {
                            strong { (label(&c.value)) " (" (c.count) ")" } " "
                            a href=(query.with(name, "")) { "(any)" }
                        } @else {
                            a href=(query.with(name, &c.value)) { (label(&c.value)) } " (" (c.count) ")"
                        }
                    }
                }
            }
        }
    }
}

fn area_label(value: &str) -> String {
    CommodityArea::parse(value).map_or_else(|_| value.to_owned(), |a| a.label().to_owned())
}

fn method_label(value: &str) -> String {
    DetectionMethod::parse(value).map_or_else(|_| value.to_owned(), |a| a.label().to_owned())
}

fn concealment_label(value: &str) -> String {
    Concealment::parse(value).map_or_else(|_| value.to_owned(), |a| a.label().to_owned())
}

fn plain(value: &str) -> String {
    value.to_owned()
}

/// `GET /workbench/cases`: search with facets.
pub(crate) async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<ListQuery>,
) -> Result<Response, PageError> {
    viewer.require(access::READ_CASES)?;
    let search = state.store().search_cases(&query.to_query()?, &store_viewer(&viewer)).await?;
    audit_restricted(&state, &viewer, &search.cases.iter().collect::<Vec<_>>(), "workbench.search").await?;
    let body = html! {
        p { a href="/workbench/cases/statistics" { "Statistics" } " · " a href="/workbench/cases/links" { "Link analysis" } }
        form.panel.filters #case-search method="get" action="/workbench/cases" {
            div.field { label for="q" { "Search cases" } input #q type="search" name="q" value=(query.q); }
            @for (name, value) in [("commodity_area", &query.commodity_area), ("detection_method", &query.detection_method), ("concealment", &query.concealment), ("country", &query.country), ("year", &query.year)] {
                @if !value.trim().is_empty() { input type="hidden" name=(name) value=(value); }
            }
            div { button type="submit" { "Search" } }
        }
        div.grid {
            section.panel #facets {
                h2 { "Narrow down" }
                (facet_list("Commodity area", "commodity_area", &search.facets.commodity_area, &query, area_label))
                (facet_list("Detection method", "detection_method", &search.facets.detection_method, &query, method_label))
                (facet_list("Concealment", "concealment", &search.facets.concealment, &query, concealment_label))
                (facet_list("Country", "country", &search.facets.country, &query, plain))
                (facet_list("Year", "year", &search.facets.year, &query, plain))
            }
            section.panel {
                h2 #case-count { (search.total) " case(s)" }
                @if search.cases.is_empty() { p.muted { "No case matches." } } @else {
                    table #case-list {
                        thead { tr { th { "Case" } th { "Date" } th { "Office" } th { "Commodity" } th { "Area" } th { "Route" } th { "Status" } } }
                        tbody {
                            @for c in &search.cases {
                                tr {
                                    td { a href={"/workbench/cases/" (c.id)} { "Case " (c.id) } @if c.case.restriction.restricted { " " span.tag.tag-severe { "restricted" } } }
                                    td { (c.case.date) }
                                    td { (c.case.office) }
                                    td { (c.case.commodity) }
                                    td { (c.case.commodity_area.label()) }
                                    td { (c.case.route.label().unwrap_or_else(|| "—".to_owned())) }
                                    td { span.tag { (c.case.status.as_str()) } }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(layout::page(&viewer, "Cases", "/workbench/cases", body))
}

fn entity_link(kind: EntityKind, value: &str) -> Markup {
    let query = serde_urlencoded::to_string([("kind", kind.as_str()), ("value", value)]).unwrap_or_default();
    html! { a href={"/workbench/cases/links?" (query)} { (value) } }
}

/// `GET /workbench/cases/{id}`: every field of a case.
pub(crate) async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    viewer.require(access::READ_CASES)?;
    let Some(stored) = state.store().case(id).await? else { return Err(PageError::not_found("case", id)) };
    if !stored.case.restriction.admits(&viewer.user.name, viewer.user.role.as_str()) {
        return Err(PageError::not_found("case", id));
    }
    audit_restricted(&state, &viewer, &[&stored], "workbench.case").await?;
    let mut examinations = Vec::new();
    let mut photos = Vec::new();
    for exam in &stored.case.examination_ids {
        examinations.push((*exam, state.store().examination(*exam).await?));
        if viewer.may(access::READ_EXAMINATIONS) {
            photos.extend(state.store().photos(*exam).await?);
        }
    }
    let share = share_section(&state, &viewer, id).await;
    let images =
        images_section(&viewer, id, &state.store().case_images(id).await?, state.inner.workbench.max_image_bytes);
    let c = &stored.case;
    let v = &c.conveyance;
    let body = html! {
        div.panel {
            dl.facts #case-facts {
                dt { "Status" } dd #case-status { span.tag { (c.status.as_str()) } @if c.restriction.restricted { " " span.tag.tag-severe { "restricted" } } }
                dt { "Date" } dd { (c.date) }
                dt { "Office" } dd { (c.office) @if let Some(l) = &c.locode { " (" (l.as_str()) ")" } }
                dt { "Detection method" } dd { (c.detection_method.label()) }
                dt { "Commodity area" } dd { a href={"/workbench/cases?commodity_area=" (c.commodity_area.as_str())} { (c.commodity_area.label()) } }
                dt { "Commodity" } dd #case-commodity { (c.commodity) }
                dt { "HS code" } dd { (c.hs_code.as_ref().map_or("—", |h| h.as_str())) }
                dt { "Quantities" } dd { @if c.quantities.is_empty() { "—" } @for q in &c.quantities { (q.amount) " " (q.unit.as_str()) " " } }
                dt { "Concealment" } dd { (c.concealment.label()) @if !c.concealment_details.is_empty() { ": " (c.concealment_details) } }
                dt { "Route" } dd { (c.route.label().unwrap_or_else(|| "—".to_owned())) }
                dt { "Vessel" } dd { (v.vessel_name.as_deref().unwrap_or("—")) @if let Some(imo) = &v.vessel_imo { " (IMO " (entity_link(EntityKind::Vessel, imo.as_str())) ")" } }
                dt { "Flight" } dd { @if let Some(f) = &v.flight { (entity_link(EntityKind::Flight, f)) } @else { "—" } }
                dt { "Vehicle" } dd { @if let Some(p) = &v.vehicle_plate { (entity_link(EntityKind::Vehicle, p)) } @else { "—" } }
                dt { "Containers" } dd { @if v.containers.is_empty() { "—" } @for n in &v.containers { (entity_link(EntityKind::Container, n.as_str())) " " } }
                dt { "Narrative" } dd #case-narrative { (c.narrative) }
                dt { "Recorded" } dd { (stored.created_by) ", " (stored.created_at.format("%Y-%m-%d %H:%M UTC")) " (version " (stored.version) ")" }
            }
        }
        h2 { "Persons" }
        @if c.persons.is_empty() { p.muted { "No persons recorded." } } @else {
            table #case-persons {
                thead { tr { th { "Name" } th { "Role" } th { "Born" } th { "Nationality" } th { "Documents" } } }
                tbody { @for p in &c.persons { tr {
                    td { (entity_link(EntityKind::Person, &p.name)) }
                    td { (format!("{:?}", p.role).to_lowercase()) }
                    td { (p.date_of_birth.map_or_else(|| "—".to_owned(), |d| d.to_string())) }
                    td { (p.nationality.as_ref().map_or("—", |n| n.as_str())) }
                    td { @for d in &p.documents { (d.kind) " " (entity_link(EntityKind::Document, &d.number)) " " } }
                } } }
            }
        }
        h2 { "Companies" }
        @if c.companies.is_empty() { p.muted { "No companies recorded." } } @else {
            table #case-companies {
                thead { tr { th { "Name" } th { "Identifier" } th { "Country" } th { "Addresses" } th { "Phones" } } }
                tbody { @for co in &c.companies { tr {
                    td { (entity_link(EntityKind::Company, &co.name)) }
                    td { (co.identifier.as_deref().unwrap_or("—")) }
                    td { (co.country.as_ref().map_or("—", |n| n.as_str())) }
                    td { @for a in &co.addresses { (entity_link(EntityKind::Address, a)) br; } }
                    td { @for p in &co.phones { (entity_link(EntityKind::Phone, p)) " " } }
                } } }
            }
        }
        h2 { "Linked consignments and examinations" }
        ul #case-links {
            @for cid in &c.consignment_ids { li { a href={"/workbench/consignments/" (cid)} { "Consignment " (cid) } } }
            @for (eid, order) in &examinations {
                li {
                    a href={"/workbench/examinations/" (eid)} { "Examination " (eid) }
                    @if let Some(r) = order.as_ref().and_then(|o| o.result.as_ref()) { ": " (r.outcome.as_str()) " — " (r.findings) " (" (r.recorded_by) ")" }
                }
            }
        }
        @if !photos.is_empty() {
            h2 { "Photos from the examinations" }
            div.grid #case-photos {
                @for p in &photos {
                    figure.panel {
                        a href={"/workbench/photos/" (p.id)} { img src={"/workbench/photos/" (p.id) "/thumbnail"} alt={"Photo " (p.file_name)}; }
                        figcaption.muted { (p.file_name) " — examination " (p.order_id) ", " (p.uploaded_by) }
                    }
                }
            }
        }
        (images)
        h2 { "Investigation" }
        @match &c.investigation {
            None => { p.muted #investigation { "Not assigned for investigation." } }
            Some(i) => { div.panel #investigation {
                p { "Assigned to " strong { (i.officer) } " — " (format!("{:?}", i.status).to_lowercase()) }
                @if i.notes.is_empty() { p.muted { "No notes." } }
                ul { @for n in &i.notes { li { (n.at) " " (n.by) ": " (n.text) } } }
            } }
        }
        (share)
    };
    Ok(layout::page(&viewer, &format!("Case {id}"), "/workbench/cases", body))
}

/// The link-analysis parameters.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct LinksQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    value: String,
}

fn record_href(kind: RecordKind, id: i64) -> String {
    match kind {
        RecordKind::Case => format!("/workbench/cases/{id}"),
        RecordKind::Consignment => format!("/workbench/consignments/{id}"),
    }
}

/// Lays the graph out on rings: the start in the middle, hop-1 nodes on the inner ring, hop-2 on the outer.
/// Returns the SVG, drawn on the server (no script).
fn graph_svg(links: &aduana_enforcement::Links) -> String {
    const SIZE: f64 = 640.0;
    let centre = SIZE / 2.0;
    let mut position = std::collections::HashMap::new();
    let rings: [Vec<&aduana_enforcement::links::Node>; 3] =
        [0u8, 1, 2].map(|hop| links.nodes.iter().filter(|n| n.hop.min(2) == hop).collect::<Vec<_>>());
    for (hop, ring) in rings.iter().enumerate() {
        #[allow(clippy::cast_precision_loss, reason = "a few hundred nodes at most")]
        let (count, radius) = (ring.len().max(1) as f64, [0.0_f64, 150.0, 280.0][hop]);
        for (i, node) in ring.iter().enumerate() {
            #[allow(clippy::cast_precision_loss, reason = "a few hundred nodes at most")]
            let angle = std::f64::consts::TAU * (i as f64) / count + 0.3 * hop as f64;
            let (x, y) = if radius == 0.0 && ring.len() == 1 {
                (centre, centre)
            } else {
                (centre + radius.max(40.0) * angle.cos(), centre + radius.max(40.0) * angle.sin())
            };
            position.insert(node.id.as_str(), (x, y));
        }
    }
    let escape = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    let mut svg = format!(
        r#"<svg id="link-graph" class="chart" viewBox="0 0 {SIZE} {SIZE}" width="{SIZE}" height="{SIZE}" role="img" aria-label="Link graph: {} nodes, {} edges">"#,
        links.nodes.len(),
        links.edges.len()
    );
    for edge in &links.edges {
        if let (Some((x1, y1)), Some((x2, y2))) = (position.get(edge.from.as_str()), position.get(edge.to.as_str())) {
            let _ = write!(
                svg,
                r##"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" stroke="#8a94a6" stroke-width="1"/>"##
            );
        }
    }
    for node in &links.nodes {
        let Some((x, y)) = position.get(node.id.as_str()) else { continue };
        let colour = match (node.kind.as_str(), node.hop) {
            (_, 0) => "#b42318",
            ("case", _) => "#c4320a",
            ("consignment", _) => "#1d4ed8",
            _ => "#475467",
        };
        let shape = if node.kind == "case" || node.kind == "consignment" {
            format!(r#"<rect x="{:.1}" y="{:.1}" width="12" height="12" fill="{colour}"/>"#, x - 6.0, y - 6.0)
        } else {
            format!(r#"<circle cx="{x:.1}" cy="{y:.1}" r="6" fill="{colour}"/>"#)
        };
        let label: String = node.label.chars().take(28).collect();
        let _ = write!(
            svg,
            r#"<g class="node node-{}"><title>{}: {}</title>{shape}<text x="{:.1}" y="{:.1}" font-size="11">{}</text></g>"#,
            escape(&node.kind),
            escape(&node.kind),
            escape(&node.label),
            x + 8.0,
            y + 4.0,
            escape(&label)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// `GET /workbench/cases/links?kind=…&value=…`: the two-hop neighbourhood of an entity.
pub(crate) async fn links(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<LinksQuery>,
) -> Result<Response, PageError> {
    viewer.require(access::READ_CASES)?;
    let kinds: Vec<(&str, &str)> = EntityKind::ALL.iter().map(|k| (k.as_str(), k.as_str())).collect();
    let selected = if query.kind.is_empty() { "company" } else { query.kind.as_str() };
    let form = html! {
        form.panel.filters #link-search method="get" action="/workbench/cases/links" {
            div { (layout::select("kind", "Kind", &kinds, Some(selected))) }
            div.field { label for="value" { "Value" } input #value type="text" name="value" value=(query.value) required; }
            div { button type="submit" { "Show links" } }
        }
    };
    if query.value.trim().is_empty() {
        return Ok(layout::page(&viewer, "Link analysis", "/workbench/cases", form));
    }
    let kind = EntityKind::parse(query.kind.trim()).map_err(bad)?;
    let start = EntityRef::new(kind, &query.value)
        .ok_or_else(|| bad(format!("value: expected a {} to start from, found `{}`", kind.as_str(), query.value)))?;
    let mentions = state.store().mentions_around(kind, &start.key, &store_viewer(&viewer)).await?;
    let links = aduana_enforcement::two_hops(&start, &mentions);
    let details = serde_json::json!({"records": links.records.len(), "via": "workbench"});
    let subject = format!("{}/{}", kind.as_str(), start.key);
    crate::api::record_audit(&state, &caller(&viewer), "case.links", subject, details).await?;
    let svg = graph_svg(&links);
    let body = html! {
        (form)
        h2 { "Linked records" }
        @if links.records.is_empty() { p.muted #no-links { "Nothing is linked to " (start.label) "." } } @else {
            table #link-list {
                thead { tr { th { "Record" } th { "Hop" } th { "Linked through" } } }
                tbody { @for r in &links.records { tr {
                    td { a href=(record_href(r.record.kind, r.record.id)) { (r.record.kind.as_str()) " " (r.record.id) } }
                    td.num { (r.hop) }
                    td { @for e in &r.via { span.tag { (e.kind.as_str()) } " " (entity_link(e.kind, &e.label)) " " } }
                } } }
            }
            h2 { "Graph" }
            figure.panel { (PreEscaped(svg)) figcaption.muted { "Red: the start; squares: cases (orange) and consignments (blue); circles: entities." } }
        }
    };
    Ok(layout::page(&viewer, &format!("Links of {}", start.label), "/workbench/cases", body))
}

/// A horizontal bar chart of buckets (inline SVG).
fn bar_chart(
    id: &str,
    title: &str,
    buckets: &[aduana_enforcement::stats::Bucket],
    label: fn(&str) -> String,
) -> Markup {
    let max = buckets.iter().map(|b| b.cases).max().unwrap_or(0).max(1);
    let rows = buckets.len().min(20);
    let height = 24 * rows + 8;
    let mut svg = format!(
        r#"<svg id="{id}" class="chart" viewBox="0 0 640 {height}" width="640" height="{height}" role="img" aria-label="{title}">"#
    );
    for (i, b) in buckets.iter().take(rows).enumerate() {
        #[allow(clippy::cast_precision_loss, reason = "case counts are far below 2^52")]
        let width = 360.0 * b.cases as f64 / max as f64;
        let y = 24 * i + 4;
        let name: String = label(&b.key).chars().take(36).collect();
        let name = name.replace('&', "&amp;").replace('<', "&lt;");
        let _ = write!(
            svg,
            r##"<text x="0" y="{}" font-size="12">{name}</text><rect x="230" y="{y}" width="{width:.1}" height="16" fill="#1d4ed8"/><text x="{:.1}" y="{}" font-size="12">{}</text>"##,
            y + 13,
            236.0 + width,
            y + 13,
            b.cases
        );
    }
    svg.push_str("</svg>");
    html! {
        section.panel {
            h2 { (title) }
            @if buckets.is_empty() { p.muted { "No cases." } } @else { (PreEscaped(svg)) }
        }
    }
}

/// The statistics parameters.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct StatisticsQuery {
    #[serde(default)]
    period: String,
}

/// `GET /workbench/cases/statistics`: counts by commodity area, route, concealment, detection method and period.
pub(crate) async fn statistics(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<StatisticsQuery>,
) -> Result<Response, PageError> {
    viewer.require(access::READ_CASES)?;
    let period = match query.period.as_str() {
        "" | "month" => Period::Month,
        "year" => Period::Year,
        other => return Err(bad(format!("period: expected `month` or `year`, found `{other}`"))),
    };
    let cases = state.store().cases_matching(&CaseQuery::default(), &store_viewer(&viewer)).await?;
    let stats =
        tokio::task::spawn_blocking(move || aduana_enforcement::statistics(cases.iter().map(|c| &c.case), period))
            .await
            .map_err(|e| crate::error::ApiError::internal(&e))?;
    let body = html! {
        p { "Cases in all: " strong #case-total { (stats.cases) } " · by " a href="/workbench/cases/statistics?period=month" { "month" } " or " a href="/workbench/cases/statistics?period=year" { "year" } }
        div.grid {
            (bar_chart("chart-area", "By commodity area", &stats.by_commodity_area, area_label))
            (bar_chart("chart-route", "By route", &stats.by_route, plain))
            (bar_chart("chart-concealment", "By concealment", &stats.by_concealment, concealment_label))
            (bar_chart("chart-method", "By detection method", &stats.by_detection_method, method_label))
            (bar_chart("chart-period", "By period", &stats.by_period, plain))
        }
    };
    Ok(layout::page(&viewer, "Case statistics", "/workbench/cases", body))
}

/// The consignment page's section: the seizure cases that name one of its parties (this consignment's own cases
/// first). Empty when the viewer may not read cases.
pub(crate) async fn seizures_section(
    state: &AppState,
    viewer: &Viewer,
    consignment: &StoredConsignment,
) -> Result<Markup, PageError> {
    if !viewer.may(access::READ_CASES) {
        return Ok(html! {});
    }
    let reader = store_viewer(viewer);
    let mut ids = std::collections::BTreeSet::new();
    for party in &consignment.consignment.parties {
        let Some(start) = party.name.as_deref().and_then(|n| EntityRef::new(EntityKind::Company, n)) else { continue };
        for mention in state.store().mentions_around(EntityKind::Company, &start.key, &reader).await? {
            if mention.record.kind == RecordKind::Case && mention.entity.key == start.key {
                ids.insert(mention.record.id);
            }
        }
    }
    let mut cases = Vec::new();
    for id in ids {
        if let Some(case) = state.store().case(id).await?
            && case.case.restriction.admits(&viewer.user.name, viewer.user.role.as_str())
        {
            cases.push(case);
        }
    }
    cases.sort_by_key(|c| (!c.case.consignment_ids.contains(&consignment.id), std::cmp::Reverse(c.id)));
    audit_restricted(state, viewer, &cases.iter().collect::<Vec<_>>(), "workbench.consignment").await?;
    Ok(html! {
        h2 { "Seizure cases" }
        @if cases.is_empty() { p.muted #seizures { "No seizure case names a party of this consignment." } } @else {
            table #seizures {
                thead { tr { th { "Case" } th { "Date" } th { "Commodity" } th { "Link" } } }
                tbody { @for c in &cases { tr {
                    td { a href={"/workbench/cases/" (c.id)} { "Case " (c.id) } }
                    td { (c.case.date) }
                    td { (c.case.commodity) }
                    td { @if c.case.consignment_ids.contains(&consignment.id) { "this consignment" } @else { "a party" } }
                } } }
            }
        }
    })
}

/// The case page's form to share the case as a seizure notice with an exchange group (officers and analysts, when
/// the server runs an exchange node).
async fn share_section(state: &AppState, viewer: &Viewer, id: i64) -> Markup {
    if !viewer.may(access::SEND_EXCHANGE) {
        return html! {};
    }
    let Some(exchange) = state.inner.exchange.clone() else { return html! {} };
    let groups: Vec<(String, String)> = {
        let node = exchange.node.lock().await;
        node.directory.groups.values().map(|g| (g.record().group.to_string(), g.record().name.clone())).collect()
    };
    let options: Vec<(&str, &str)> = groups.iter().map(|(id, name)| (id.as_str(), name.as_str())).collect();
    html! {
        h2 { "Partner administrations" }
        @if groups.is_empty() { p.muted #share-seizure { "This node is in no exchange group yet." } } @else {
            form.panel.stack #share-seizure method="post" action={"/workbench/cases/" (id) "/share"} {
                (viewer.csrf_field())
                p { "Send this case as a seizure notice, encrypted to the group's current members and signed by this node. Without the box below it carries no names of persons or companies." }
                div.field { (layout::select("group", "Group", &options, None)) }
                div { input #nominal type="checkbox" name="nominal" value="yes"; " " label for="nominal" { "Include persons and companies (only to groups that accept nominal data)" } }
                button type="submit" #send-seizure { "Share as seizure notice" }
            }
        }
    }
}

/// Returns the seizure notice of a case; with `nominal`, it names the case's persons and companies.
pub(crate) fn seizure_notice(case: &aduana_enforcement::Case, nominal: bool) -> aduana_exchange::SeizureNotice {
    let quantities: Vec<String> = case.quantities.iter().map(|q| format!("{} {}", q.amount, q.unit.as_str())).collect();
    let place = match &case.locode {
        Some(locode) => format!("{} ({})", case.office, locode.as_str()),
        None => case.office.clone(),
    };
    let concealment = if case.concealment_details.is_empty() {
        case.concealment.label().to_owned()
    } else {
        format!("{}: {}", case.concealment.label(), case.concealment_details)
    };
    aduana_exchange::SeizureNotice {
        seized_on: case.date,
        place,
        country: case.locode.as_ref().and_then(|l| aduana_core::CountryCode::parse(&l.as_str()[..2]).ok()),
        goods: format!("{} ({})", case.commodity, case.commodity_area.label()),
        hs_code: case.hs_code.clone(),
        quantity: Some(quantities.join(", ")).filter(|q| !q.is_empty()),
        concealment: Some(concealment),
        route: case.route.label(),
        nominal: nominal.then(|| aduana_exchange::NominalData {
            persons: case
                .persons
                .iter()
                .map(|p| aduana_exchange::NominalPerson {
                    name: p.name.clone(),
                    nationality: p.nationality.clone(),
                    date_of_birth: p.date_of_birth,
                })
                .collect(),
            companies: case.companies.iter().map(|c| c.name.clone()).collect(),
        }),
        attachments: vec![],
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct ShareForm {
    group: String,
    #[serde(default)]
    nominal: Option<String>,
}

/// `POST /workbench/cases/{id}/share`: queues the case as a seizure notice for a group.
pub(crate) async fn share(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted { viewer, form }: Posted<ShareForm>,
) -> Result<Response, PageError> {
    viewer.require(access::SEND_EXCHANGE)?;
    viewer.require(access::READ_CASES)?;
    let Some(stored) = state.store().case(id).await? else { return Err(PageError::not_found("case", id)) };
    if !stored.case.restriction.admits(&viewer.user.name, viewer.user.role.as_str()) {
        return Err(PageError::not_found("case", id));
    }
    let here = format!("/workbench/cases/{id}");
    let nominal = form.nominal.as_deref() == Some("yes");
    let content = aduana_exchange::Content::SeizureNotice(seizure_notice(&stored.case, nominal));
    match crate::api::exchange::queue_message(&state, &caller(&viewer), &form.group, &content).await {
        Ok(sent) => {
            let details = serde_json::json!({"message": sent.message_id, "group": form.group, "nominal": nominal});
            crate::api::record_audit(&state, &caller(&viewer), "case.share", format!("case/{id}"), details).await?;
            let text = format!(
                "Seizure notice {} queued for {} members{}.",
                sent.message_id,
                sent.recipients.len(),
                if nominal { " (with names)" } else { " (no names)" }
            );
            Ok(redirect_with_flash(&here, &Flash { error: false, text }))
        }
        Err(error) => Ok(redirect_with_flash(&here, &Flash { error: true, text: error.message })),
    }
}

/// `GET /workbench/photos/{id}/thumbnail`: a PNG thumbnail, made on first request and kept next to the photo
/// (`DATA_DIR/photos/thumbnails/`). A photo that cannot be decoded (WebP) answers 404; the page links the original.
pub(crate) async fn thumbnail(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    use axum::response::IntoResponse as _;
    viewer.require(access::READ_EXAMINATIONS)?;
    let Some(photo) = state.store().photo(id).await? else { return Err(PageError::not_found("photo", id)) };
    let Some(dir) = state.inner.workbench.photos_dir.clone() else { return Err(PageError::not_found("photo", id)) };
    // The stored name was made by the server (`{order}-{hex}.{ext}`); check it all the same before using it as a path.
    if !crate::images::is_stored_name(&photo.stored_name) {
        return Err(PageError::not_found("photo", id));
    }
    let cached = crate::images::thumbnail_path(&dir, &photo.stored_name);
    let bytes = if let Ok(bytes) = tokio::fs::read(&cached).await {
        bytes
    } else {
        let original =
            tokio::fs::read(dir.join(&photo.stored_name)).await.map_err(|e| crate::error::ApiError::internal(&e))?;
        let made = tokio::task::spawn_blocking(move || crate::images::make_thumbnail(&original))
            .await
            .map_err(|e| crate::error::ApiError::internal(&e))?;
        let Ok(made) = made else { return Err(PageError::not_found("thumbnail of photo", id)) };
        tokio::fs::create_dir_all(dir.join("thumbnails")).await.map_err(|e| crate::error::ApiError::internal(&e))?;
        tokio::fs::write(&cached, &made).await.map_err(|e| crate::error::ApiError::internal(&e))?;
        made
    };
    let mut response = bytes.into_response();
    response.headers_mut().insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static("image/png"));
    layout::security_headers(response.headers_mut());
    Ok(response)
}

/// The case page's photos and X-ray images (thumbnails linking to the files, served by `api/case_images.rs` to the
/// session cookie) and, for those who may change cases, the form to add one.
fn images_section(viewer: &Viewer, id: i64, images: &[aduana_store::CaseImage], max_bytes: usize) -> Markup {
    let kinds: Vec<(&str, &str)> = aduana_store::CaseImageKind::ALL.iter().map(|k| (k.as_str(), k.label())).collect();
    html! {
        h2 { "Photos and X-ray images" }
        @if images.is_empty() { p.muted #no-case-images { "No photos or X-ray images of this case yet." } }
        div.grid #case-images {
            @for image in images {
                figure.panel {
                    a href={"/api/cases/" (id) "/images/" (image.id)} {
                        img src={"/api/cases/" (id) "/images/" (image.id) "/thumbnail"} alt={(image.kind.label()) ": " (image.file_name)};
                    }
                    figcaption {
                        span.tag { (image.kind.label()) } " " (image.file_name)
                        @if !image.caption.is_empty() { " — " (image.caption) }
                        br;
                        span.muted { (image.width) "×" (image.height) ", " (image.uploaded_by) ", " (image.uploaded_at.format("%Y-%m-%d %H:%M UTC")) }
                    }
                }
            }
        }
        @if viewer.may(access::WRITE_CASES) {
            form.panel.stack #add-case-image method="post" action={"/workbench/cases/" (id) "/images"} enctype="multipart/form-data" {
                (viewer.csrf_field())
                div.grid {
                    div.field { (layout::select("kind", "Kind", &kinds, Some("photo"))) }
                    div.field { label for="caption" { "Caption" } input #caption type="text" name="caption" maxlength="1000"; }
                }
                div.field {
                    label for="image" { "Image (PNG or JPEG, at most " (max_bytes / 1024) " KiB)" }
                    input #image type="file" name="image" accept="image/png,image/jpeg" required;
                }
                button type="submit" #add-image { "Add the image" }
            }
        }
    }
}

/// `POST /workbench/cases/{id}/images` (multipart: `_csrf` first, then `kind`, `caption` and the `image` file).
pub(crate) async fn add_image(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let here = format!("/workbench/cases/{id}");
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        PageError::new(StatusCode::UNPROCESSABLE_ENTITY, format!("the form could not be read: {e}"))
    };
    let first = multipart.next_field().await.map_err(unreadable)?;
    let token = match first {
        Some(field) if field.name() == Some(super::CSRF_FIELD) => Some(field.text().await.map_err(unreadable)?),
        _ => None,
    };
    super::check_csrf(&viewer, token.as_deref())?;
    viewer.require(access::WRITE_CASES)?;
    let flash = |text: String| Ok(redirect_with_flash(&here, &Flash { error: true, text }));
    let max_bytes = state.inner.workbench.max_image_bytes;
    let (mut kind, mut caption, mut image) = (String::new(), String::new(), None);
    while let Some(mut field) = multipart.next_field().await.map_err(unreadable)? {
        match field.name().unwrap_or_default() {
            "kind" => kind = field.text().await.map_err(unreadable)?,
            "caption" => caption = field.text().await.map_err(unreadable)?,
            "image" => {
                let file_name = field.file_name().map(str::to_owned);
                let mut bytes = Vec::new();
                // Read piece by piece so that an oversized file is refused without being held whole.
                while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
                    if bytes.len() + chunk.len() > max_bytes {
                        return flash(format!("image: the file is larger than the {max_bytes} bytes accepted."));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                image = Some((file_name, bytes));
            }
            other => {
                return Err(PageError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("unexpected form field `{other}`"),
                ));
            }
        }
    }
    let Some((file_name, bytes)) = image.filter(|(_, bytes)| !bytes.is_empty()) else {
        return flash("image: choose a PNG or JPEG file.".to_owned());
    };
    let kind = match aduana_store::CaseImageKind::parse(&kind) {
        Ok(kind) => kind,
        Err(message) => return flash(format!("kind: {message}.")),
    };
    let upload = crate::api::case_images::Upload { kind, file_name, caption, bytes: bytes.into() };
    match crate::api::case_images::add_image(&state, &caller(&viewer), id, upload).await {
        Ok(stored) => Ok(redirect_with_flash(
            &here,
            &Flash {
                error: false,
                text: format!("Added {} {}.", stored.kind.label().to_lowercase(), stored.file_name),
            },
        )),
        Err(error)
            if error.code.status().is_client_error()
                && !matches!(error.code, crate::error::ErrorCode::NotFound | crate::error::ErrorCode::Forbidden) =>
        {
            flash(format!("Not added — {}.", error.message))
        }
        Err(error) => Err(error.into()),
    }
}
