//! Statistics over cases: how many, and how much of each unit, by commodity area, route, concealment method,
//! detection method and period (month or year).

use std::collections::BTreeMap;

use chrono::Datelike;
use serde::Serialize;

use crate::case::Case;

/// The period cases are counted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// `2025-03`.
    Month,
    /// `2025`.
    Year,
}

/// One group's figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Bucket {
    /// The group's key (an area, a route `EC>PA>NL`, a method, a period).
    pub key: String,
    /// How many cases.
    pub cases: u64,
    /// The total seized, by unit.
    pub quantities: BTreeMap<String, f64>,
}

/// The statistics of a set of cases; every list is sorted by case count, then key.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Statistics {
    /// How many cases in all.
    pub cases: u64,
    /// By commodity area.
    pub by_commodity_area: Vec<Bucket>,
    /// By route (cases with no known route are not counted here).
    pub by_route: Vec<Bucket>,
    /// By concealment method.
    pub by_concealment: Vec<Bucket>,
    /// By detection method.
    pub by_detection_method: Vec<Bucket>,
    /// By period, in time order.
    pub by_period: Vec<Bucket>,
}

fn add(groups: &mut BTreeMap<String, Bucket>, key: String, case: &Case) {
    let bucket = groups.entry(key.clone()).or_insert_with(|| Bucket { key, ..Bucket::default() });
    bucket.cases += 1;
    for q in &case.quantities {
        *bucket.quantities.entry(q.unit.as_str().to_owned()).or_default() += q.amount;
    }
}

fn by_count(groups: BTreeMap<String, Bucket>) -> Vec<Bucket> {
    let mut out: Vec<Bucket> = groups.into_values().collect();
    out.sort_by(|a, b| b.cases.cmp(&a.cases).then_with(|| a.key.cmp(&b.key)));
    out
}

/// Returns the statistics of the cases.
pub fn statistics<'a>(cases: impl IntoIterator<Item = &'a Case>, period: Period) -> Statistics {
    let (mut area, mut route, mut concealment, mut detection, mut periods) =
        (BTreeMap::new(), BTreeMap::new(), BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
    let mut total = 0;
    for case in cases {
        total += 1;
        add(&mut area, case.commodity_area.as_str().to_owned(), case);
        if let Some(label) = case.route.label() {
            add(&mut route, label, case);
        }
        add(&mut concealment, case.concealment.as_str().to_owned(), case);
        add(&mut detection, case.detection_method.as_str().to_owned(), case);
        let key = match period {
            Period::Month => format!("{:04}-{:02}", case.date.year(), case.date.month()),
            Period::Year => format!("{:04}", case.date.year()),
        };
        add(&mut periods, key, case);
    }
    Statistics {
        cases: total,
        by_commodity_area: by_count(area),
        by_route: by_count(route),
        by_concealment: by_count(concealment),
        by_detection_method: by_count(detection),
        by_period: periods.into_values().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::tests::sample;
    use crate::taxonomy::CommodityArea;

    #[test]
    fn cases_are_counted_and_quantities_summed_per_group() {
        let a = sample();
        let mut b = sample();
        b.date = chrono::NaiveDate::from_ymd_opt(2025, 4, 2).expect("a date");
        b.quantities[0].amount = 10.0;
        let mut c = sample();
        c.commodity_area = CommodityArea::Tobacco;
        c.route = crate::case::Route::default();
        let stats = statistics([&a, &b, &c], Period::Month);
        assert_eq!(stats.cases, 3);
        assert_eq!(stats.by_commodity_area[0].key, "drugs");
        assert_eq!(stats.by_commodity_area[0].cases, 2);
        assert_eq!(stats.by_commodity_area[0].quantities.get("kg"), Some(&130.5));
        assert_eq!(stats.by_route.len(), 1);
        assert_eq!(stats.by_route[0].key, "EC>PA>NL");
        let periods: Vec<(&str, u64)> = stats.by_period.iter().map(|b| (b.key.as_str(), b.cases)).collect();
        assert_eq!(periods, [("2025-03", 2), ("2025-04", 1)]);
    }
}
