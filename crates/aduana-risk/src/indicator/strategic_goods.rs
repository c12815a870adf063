//! The strategic-goods indicator (the WCO's UNSCR 1540 correlation): a goods item whose HS code correlates with a
//! control-list entry needs its licence checked — a documentary check (yellow lane) naming the regime and entry.

use aduana_core::{Consignment, Hit, Lane};
use aduana_screening::{CorrelationTable, strategic_goods};

use crate::context::RiskContext;
use crate::indicator::{Indicator, Signals};

/// Correlates goods items with control lists.
#[derive(Debug)]
pub struct StrategicGoodsIndicator {
    table: CorrelationTable,
    weight: f64,
}

impl StrategicGoodsIndicator {
    /// Returns the indicator over a correlation table, giving each hit `weight`.
    pub fn new(table: CorrelationTable, weight: f64) -> Self {
        StrategicGoodsIndicator { table, weight }
    }
}

impl Indicator for StrategicGoodsIndicator {
    fn name(&self) -> &str {
        "strategic_goods"
    }

    fn version(&self, _: &RiskContext) -> Option<String> {
        Some(self.table.version.clone())
    }

    fn assess(&self, consignment: &Consignment, _: &RiskContext, signals: &mut Signals) {
        for item in &consignment.goods {
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
