//! The strategic-goods indicator against the shipped correlation table.

use aduana_core::{Consignment, Direction, GoodsItem, HsCode, Reference};
use aduana_risk::{Indicator, ProfileSet, Signals, StrategicGoodsIndicator};
use aduana_screening::{CorrelationTable, strategic_goods};

use crate::fixtures::context;

#[test]
fn the_indicator_raises_a_hit_for_every_entry_any_item_falls_under() {
    let table = CorrelationTable::builtin();
    let mut codes: Vec<String> = table.rows.iter().map(|row| format!("{:0<6}", row.hs_prefix)).collect();
    codes.extend((1..=99).flat_map(|chapter| [format!("{chapter:02}"), format!("{chapter:02}0190")]));
    let mut consignment = Consignment::new(Reference::parse("SG1").expect("valid"), Direction::Export);
    for (i, code) in codes.iter().enumerate() {
        let mut item = GoodsItem::new(i as u32 + 1);
        item.hs_code = HsCode::parse(code).ok();
        consignment.goods.push(item);
    }
    consignment.goods.push(GoodsItem::new(codes.len() as u32 + 1));
    let mut signals = Signals::default();
    let ctx = context(ProfileSet::empty());

    StrategicGoodsIndicator::new(table.clone(), 30.0).assess(&consignment, &ctx, &mut signals);

    let expected: Vec<String> = consignment
        .goods
        .iter()
        .flat_map(|item| strategic_goods(item, &table))
        .map(|found| format!("{} Licence check required. {}", found.hit_id, found.reason))
        .collect();
    let raised: Vec<String> = signals.hits.iter().map(|h| format!("{} {}", h.id, h.reason)).collect();
    assert!(expected.len() > 10, "the codes fall under entries");
    assert_eq!(raised, expected);
}
