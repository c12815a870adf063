//! The strategic-goods indicator (the WCO's UNSCR 1540 correlation): a goods item whose HS code correlates with a
//! control-list entry needs its licence checked — a documentary check (yellow lane) naming the regime and entry.

use aduana_core::{Consignment, GoodsItem, Hit, Lane, Text};
use aduana_screening::{CorrelationTable, strategic_goods};

use crate::context::RiskContext;
use crate::indicator::{Indicator, Signals};

/// Correlates goods items with control lists.
#[derive(Debug)]
pub struct StrategicGoodsIndicator {
    table: CorrelationTable,
    weight: f64,
    /// The HS chapters (first two digits) that some row's prefix begins with, or `None` when a prefix is shorter
    /// than two digits: an item of another chapter cannot match, so its lookup (a pass over every row) is skipped.
    chapters: Option<[bool; 100]>,
}

impl StrategicGoodsIndicator {
    /// Returns the indicator over a correlation table, giving each hit `weight`.
    pub fn new(table: CorrelationTable, weight: f64) -> Self {
        let mut chapters = Some([false; 100]);
        for row in &table.rows {
            match (row.hs_prefix.as_bytes(), chapters.as_mut()) {
                ([a @ b'0'..=b'9', b @ b'0'..=b'9', ..], Some(chapters)) => chapters[chapter(*a, *b)] = true,
                _ => chapters = None,
            }
        }
        StrategicGoodsIndicator { table, weight, chapters }
    }

    /// Returns whether an item's HS code can fall under some row of the table.
    fn may_match(&self, item: &GoodsItem) -> bool {
        let Some(code) = &item.hs_code else { return false };
        match (code.as_str().as_bytes(), &self.chapters) {
            ([a @ b'0'..=b'9', b @ b'0'..=b'9', ..], Some(chapters)) => chapters[chapter(*a, *b)],
            _ => true,
        }
    }
}

/// The index of the HS chapter of two ASCII digits.
fn chapter(tens: u8, ones: u8) -> usize {
    usize::from(tens - b'0') * 10 + usize::from(ones - b'0')
}

impl Indicator for StrategicGoodsIndicator {
    fn name(&self) -> &str {
        "strategic_goods"
    }

    fn version(&self, _: &RiskContext) -> Option<Text> {
        Some(self.table.version.as_str().into())
    }

    fn assess(&self, consignment: &Consignment, _: &RiskContext, signals: &mut Signals) {
        for item in consignment.goods.iter().filter(|item| self.may_match(item)) {
            for found in strategic_goods(item, &self.table) {
                signals.hits.push(Hit {
                    indicator: "strategic_goods".into(),
                    id: found.hit_id.into(),
                    version: found.table_version.into(),
                    weight: self.weight,
                    lane: Some(Lane::Yellow),
                    referrals: Vec::new(),
                    hard: false,
                    evidence: found.evidence,
                    reason: format!("Licence check required. {}", found.reason).into(),
                });
            }
        }
    }
}
