//! The effectiveness dashboard: per profile (hit id) and per indicator — selections, examinations, finds, hit
//! rate — over the last weeks, the weekly series, and the lane distribution, with charts drawn on the server as
//! inline SVG (no chart library, no script).

use std::collections::BTreeMap;

use aduana_store::workbench::{LaneCount, SelectionStats};
use axum::extract::{Query, State};
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;

use super::{PageError, Viewer, layout};
use crate::auth::access;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub(crate) struct DashboardQuery {
    weeks: Option<u32>,
    /// Draw the weekly series of this indicator only.
    indicator: Option<String>,
}

fn rate(finds: i64, examinations: i64) -> String {
    if examinations == 0 { "—".to_owned() } else { format!("{:.0} %", 100.0 * finds as f64 / examinations as f64) }
}

/// `GET /workbench/dashboard`.
pub(crate) async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<DashboardQuery>,
) -> Result<Response, PageError> {
    viewer.require(access::READ_ASSESSMENTS)?;
    let weeks = query.weeks.unwrap_or(12).clamp(1, 260);
    let from = aduana_store::workbench::week_of(chrono::Utc::now() - chrono::Duration::weeks(i64::from(weeks) - 1));
    let store = state.store();
    let stats = store.selection_stats(&from).await?;
    let mut series = store.selection_series(&from).await?;
    let mut indicators: Vec<String> = series.iter().map(|s| s.indicator.clone()).collect();
    indicators.sort();
    indicators.dedup();
    let chosen = query.indicator.clone().filter(|i| !i.is_empty());
    if let Some(chosen) = &chosen {
        series.retain(|s| &s.indicator == chosen);
    }
    let mut indicator_options = vec![("", "all")];
    indicator_options.extend(indicators.iter().map(|i| (i.as_str(), i.as_str())));
    let lanes = store.lane_counts(&from).await?;
    let all_weeks = weeks_since(&from);
    let (per_indicator, per_hit): (Vec<&SelectionStats>, Vec<&SelectionStats>) =
        stats.iter().partition(|s| s.hit_id == s.indicator);
    let body = html! {
        form.filters method="get" action="/workbench/dashboard" {
            div {
                label for="weeks" { "Weeks" }
                input #weeks type="number" name="weeks" min="1" max="260" value=(weeks);
            }
            div { (layout::select("indicator", "Series of indicator", &indicator_options, chosen.as_deref())) }
            div { button type="submit" { "Show" } }
        }
        p.muted { "Since the week of " (from) ". Hit rate = finds ÷ examinations." }
        div.grid {
            section.panel aria-labelledby="lanes-h" {
                h2 #lanes-h { "Lane distribution per week" }
                (lane_chart(&lanes, &all_weeks))
            }
            section.panel aria-labelledby="series-h" {
                h2 #series-h { "Selections and finds per week" @if let Some(c) = &chosen { ": " (c) } }
                (series_chart(&series, &all_weeks))
            }
        }
        h2 #indicators-h { "Per indicator" }
        (stats_table("indicators", &per_indicator, false))
        h2 #profiles-h { "Per profile and list entry" }
        (stats_table("profiles", &per_hit, true))
    };
    Ok(layout::page(&viewer, "Effectiveness", "/workbench/dashboard", body))
}

/// Every week (Monday) from `from` to this week, so that quiet weeks show as gaps.
fn weeks_since(from: &str) -> Vec<String> {
    let mut out = Vec::new();
    let Ok(mut day) = chrono::NaiveDate::parse_from_str(from, "%Y-%m-%d") else { return out };
    let today = chrono::Utc::now().date_naive();
    while day <= today && out.len() < 300 {
        out.push(day.format("%Y-%m-%d").to_string());
        day += chrono::Duration::weeks(1);
    }
    out
}

fn stats_table(id: &str, rows: &[&SelectionStats], with_indicator: bool) -> Markup {
    html! {
        table id=(id) {
            thead { tr {
                @if with_indicator { th scope="col" { "Profile / entry" } }
                th scope="col" { "Indicator" }
                th.num scope="col" { "Selections" } th.num scope="col" { "Examinations" } th.num scope="col" { "Finds" }
                th.num scope="col" { "Hit rate" }
            } }
            tbody {
                @for s in rows {
                    tr {
                        @if with_indicator { td { a href={"/workbench/queue?decided=1&profile=" (s.hit_id)} { (s.hit_id) } } }
                        td { (s.indicator) }
                        td.num { (s.selections) } td.num { (s.examinations) } td.num { (s.finds) }
                        td.num { (rate(s.finds, s.examinations)) }
                    }
                }
                @if rows.is_empty() { tr { td colspan="6" .muted { "No assessments in this period." } } }
            }
        }
    }
}

const W: f64 = 560.0;
const H: f64 = 220.0;
const PAD_L: f64 = 44.0;
const PAD_B: f64 = 28.0;
const PAD_T: f64 = 24.0;

fn lane_colour(lane: &str) -> &'static str {
    match lane {
        "red" => "#b3261e",
        "yellow" => "#c9a100",
        _ => "#1e7b34",
    }
}

/// A stacked bar per week: green, yellow, red.
fn lane_chart(counts: &[LaneCount], all_weeks: &[String]) -> Markup {
    let mut weeks: BTreeMap<&str, BTreeMap<&str, i64>> =
        all_weeks.iter().map(|w| (w.as_str(), BTreeMap::new())).collect();
    for c in counts {
        *weeks.entry(&c.week).or_default().entry(&c.lane).or_default() += c.count;
    }
    let max = weeks.values().map(|m| m.values().sum::<i64>()).max().unwrap_or(0).max(1) as f64;
    let n = weeks.len().max(1) as f64;
    let slot = (W - PAD_L) / n;
    let bar = (slot * 0.7).clamp(2.0, 40.0);
    let plot_h = H - PAD_B - PAD_T;
    html! {
        svg.chart #lane-chart role="img" aria-labelledby="lane-chart-title" viewBox={"0 0 " (W) " " (H)} width="100%" {
            title #lane-chart-title { "Assessments per week by lane; the highest week has " (max) }
            line x1=(PAD_L) y1=(H - PAD_B) x2=(W) y2=(H - PAD_B) stroke="#8b95a3" {}
            text x=(PAD_L - 6.0) y=(PAD_T + 10.0) text-anchor="end" { (max) }
            text x=(PAD_L - 6.0) y=(H - PAD_B) text-anchor="end" { "0" }
            @for (i, (week, lanes)) in weeks.iter().enumerate() {
                @let x = PAD_L + slot * i as f64 + (slot - bar) / 2.0;
                @let mut y = H - PAD_B;
                @for lane in ["green", "yellow", "red"] {
                    @let count = lanes.get(lane).copied().unwrap_or(0);
                    @let h = plot_h * count as f64 / max;
                    @if count > 0 {
                        rect x=(format!("{x:.1}")) y=(format!("{:.1}", { y -= h; y })) width=(format!("{bar:.1}")) height=(format!("{h:.1}")) fill=(lane_colour(lane)) {
                            title { (week) ": " (count) " " (lane) }
                        }
                    }
                }
                @if weeks.len() <= 14 || i % (weeks.len() / 12 + 1) == 0 {
                    text x=(format!("{:.1}", x + bar / 2.0)) y=(H - 10.0) text-anchor="middle" { (week.get(5..).unwrap_or(week)) }
                }
            }
            @if counts.is_empty() { text x=(W / 2.0) y=(H / 2.0) text-anchor="middle" { "No assessments in this period" } }
            g {
                @for (i, lane) in ["green", "yellow", "red"].iter().enumerate() {
                    rect x=(W - 190.0 + 62.0 * i as f64) y="2" width="10" height="10" fill=(lane_colour(lane)) {}
                    text x=(W - 176.0 + 62.0 * i as f64) y="11" { (lane) }
                }
            }
        }
    }
}

/// Weekly selections (all indicators) as bars and finds as a line.
fn series_chart(series: &[SelectionStats], all_weeks: &[String]) -> Markup {
    let mut weeks: BTreeMap<&str, (i64, i64, i64)> = all_weeks.iter().map(|w| (w.as_str(), (0, 0, 0))).collect();
    for s in series {
        let e = weeks.entry(&s.week).or_default();
        e.0 += s.selections;
        e.1 += s.examinations;
        e.2 += s.finds;
    }
    let max = weeks.values().map(|v| v.0).max().unwrap_or(0).max(1) as f64;
    let n = weeks.len().max(1) as f64;
    let slot = (W - PAD_L) / n;
    let bar = (slot * 0.6).clamp(2.0, 40.0);
    let plot_h = H - PAD_B - PAD_T;
    let y_of = |v: i64| H - PAD_B - plot_h * v as f64 / max;
    let finds_points: Vec<String> = weeks
        .values()
        .enumerate()
        .map(|(i, v)| format!("{:.1},{:.1}", PAD_L + slot * (i as f64 + 0.5), y_of(v.2)))
        .collect();
    let exam_points: Vec<String> = weeks
        .values()
        .enumerate()
        .map(|(i, v)| format!("{:.1},{:.1}", PAD_L + slot * (i as f64 + 0.5), y_of(v.1)))
        .collect();
    html! {
        svg.chart #series-chart role="img" aria-labelledby="series-chart-title" viewBox={"0 0 " (W) " " (H)} width="100%" {
            title #series-chart-title { "Hits per week (bars), examinations (dashed) and finds (line)" }
            line x1=(PAD_L) y1=(H - PAD_B) x2=(W) y2=(H - PAD_B) stroke="#8b95a3" {}
            text x=(PAD_L - 6.0) y=(PAD_T + 10.0) text-anchor="end" { (max) }
            text x=(PAD_L - 6.0) y=(H - PAD_B) text-anchor="end" { "0" }
            @for (i, (week, v)) in weeks.iter().enumerate() {
                @let x = PAD_L + slot * i as f64 + (slot - bar) / 2.0;
                rect x=(format!("{x:.1}")) y=(format!("{:.1}", y_of(v.0))) width=(format!("{bar:.1}")) height=(format!("{:.1}", H - PAD_B - y_of(v.0))) fill="#9db7d5" {
                    title { (week) ": " (v.0) " hits, " (v.1) " examinations, " (v.2) " finds" }
                }
                @if weeks.len() <= 14 || i % (weeks.len() / 12 + 1) == 0 {
                    text x=(format!("{:.1}", x + bar / 2.0)) y=(H - 10.0) text-anchor="middle" { (week.get(5..).unwrap_or(week)) }
                }
            }
            polyline points=(exam_points.join(" ")) fill="none" stroke="#15314f" stroke-width="2" stroke-dasharray="5 3" {}
            polyline points=(finds_points.join(" ")) fill="none" stroke="#b3261e" stroke-width="2.5" {}
            @for p in &finds_points {
                @let (x, y) = p.split_once(',').unwrap_or(("0", "0"));
                circle cx=(x) cy=(y) r="3.5" fill="#b3261e" {}
            }
            @if series.is_empty() { text x=(W / 2.0) y=(H / 2.0) text-anchor="middle" { "No hits in this period" } }
            rect x=(W - 250.0) y="2" width="10" height="10" fill="#9db7d5" {}
            text x=(W - 236.0) y="11" { "hits" }
            line x1=(W - 200.0) y1="7" x2=(W - 186.0) y2="7" stroke="#15314f" stroke-width="2" stroke-dasharray="5 3" {}
            text x=(W - 182.0) y="11" { "examinations" }
            line x1=(W - 100.0) y1="7" x2=(W - 86.0) y2="7" stroke="#b3261e" stroke-width="2.5" {}
            text x=(W - 82.0) y="11" { "finds" }
        }
    }
}
