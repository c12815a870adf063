//! Tests of the model as a whole on small synthetic declarations shaped like the KCS data.

use aduana_core::{
    Consignment, CountryCode, CurrencyCode, Direction, Duty, GoodsItem, HsCode, Money, Party, PartyIdentifier,
    PartyRole, Reference,
};

use crate::features::{Norms, Row, features_in_time};
use crate::{BoosterConfig, History, Model, ModelError, SeededRng, feature_names, train};

/// Declarations over `days` days from `first_day`; fraud when under-valued or for one HS × origin pair.
fn declarations(n: usize, seed: u64, first_day: i64, days: i64) -> Vec<Consignment> {
    let mut rng = SeededRng::new(seed);
    let hs = ["392690", "854140", "071080", "620462"];
    let countries = ["CN", "US", "VN", "DE"];
    let base = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).expect("a valid date");
    (0..n)
        .map(|i| {
            let mut r = |m: u64| (rng.next_u64() % m) as usize;
            let (h, o, mass, under, noise) = (r(4), r(4), 1 + r(500), r(8) == 0, r(10) == 0);
            let price = mass * (500 + 700 * h) / if under { 20 } else { 1 };
            let fraud = (under || (h == 0 && o == 0)) != noise;
            let mut c = Consignment::new(Reference::parse(&format!("D{seed}-{i}")).expect("valid"), Direction::Import);
            c.lodged_on = base.checked_add_signed(chrono::Duration::days(first_day + i as i64 * days / n as i64));
            c.parties.push(Party {
                role: PartyRole::Importer,
                name: None,
                address: None,
                identifiers: vec![PartyIdentifier { scheme: "kcs".into(), value: format!("I{}", i % 50).into() }],
                contact: None,
            });
            let mut item = GoodsItem::new(1);
            item.hs_code = Some(HsCode::parse(hs[h]).expect("valid"));
            item.origin_country = Some(CountryCode::parse(countries[o]).expect("valid"));
            item.net_mass_kg = Some(mass.into());
            item.value = Some(Money { amount: price.into(), currency: CurrencyCode::parse("KRW").expect("valid") });
            item.duty = Some(Duty { rate_percent: Some(8.into()), tariff_type: Some("A".into()) });
            c.goods.push(item);
            c.attributes.insert("fraud".into(), if fraud { "1" } else { "0" }.into());
            c
        })
        .collect()
}

fn config() -> BoosterConfig {
    BoosterConfig {
        rounds: 60,
        patience: 20,
        learning_rate: 0.1,
        max_leaves: 15,
        min_leaf_rows: 10,
        lambda: 1.0,
        bins: 64,
    }
}

fn trained() -> Model {
    let (model, report) =
        train(&declarations(3000, 1, 0, 300), &declarations(800, 2, 300, 60), &config(), &mut |_, _| {})
            .expect("trains");
    assert!(report.valid.auc > 0.8, "the synthetic signal is learnt: AUC {}", report.valid.auc);
    model
}

#[test]
fn a_rows_features_do_not_depend_on_outcomes_of_its_own_or_later_days() {
    let data = declarations(400, 3, 0, 40);
    let mut flipped = data.clone();
    for c in flipped.iter_mut().skip(200) {
        let label = if c.attributes["fraud"] == "1" { "0" } else { "1" };
        c.attributes.insert("fraud".into(), label.into());
    }
    let matrix = |data: &[Consignment]| {
        let rows: Vec<Row<'_>> = data.iter().map(Row::of).collect();
        let dates: Vec<i64> = (0..rows.len() as i64).map(|i| i * 40 / 400).collect();
        let norms = Norms::learn(&rows);
        features_in_time(&rows, &dates, &mut History::new(), &norms, feature_names().len())
    };
    let (a, b) = (matrix(&data), matrix(&flipped));
    let width = feature_names().len();
    // Row 200 is the first flipped one; rows of its day (day 20, rows 200..210) see nothing of it either.
    let same = |x: &f32, y: &f32| x == y || (x.is_nan() && y.is_nan());
    assert!(a[..210 * width].iter().zip(&b[..210 * width]).all(|(x, y)| same(x, y)));
    assert!(a[210 * width..].iter().zip(&b[210 * width..]).any(|(x, y)| !same(x, y)), "later days do see them");
}

#[test]
fn contributions_and_bias_add_up_to_the_score_and_come_with_reasons() {
    let model = trained();
    let data = declarations(50, 9, 360, 5);
    let predictions = model.score_batch(&data, model.history());
    for p in &predictions {
        let logit = p.bias + p.contributions.iter().map(|c| c.weight).sum::<f64>();
        assert!((1.0 / (1.0 + (-logit).exp()) - p.score).abs() < 1e-6);
        assert!(p.contributions.iter().all(|c| !c.reason.is_empty()));
    }
    let reasons: Vec<&str> =
        predictions.iter().flat_map(|p| p.contributions.iter().map(|c| c.reason.as_str())).collect();
    assert!(reasons.iter().any(|r| r.starts_with("unit price ") && r.contains("% of HS ")), "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("past fraud rate over")), "{reasons:?}");
}

#[test]
fn a_saved_model_loads_and_scores_the_same() {
    let model = trained();
    let again = Model::load(&model.to_bytes().expect("serialises")).expect("loads");
    let data = declarations(100, 4, 360, 5);
    assert_eq!(model.score_only(&data, model.history()), again.score_only(&data, again.history()));
    assert_eq!(model.fingerprint().len(), 64);
    assert_eq!(model.fingerprint(), again.fingerprint());
}

#[test]
fn a_model_of_another_version_or_a_corrupt_tree_is_refused() {
    let text = String::from_utf8(trained().to_bytes().expect("serialises")).expect("JSON");
    let other = text.replacen("\"format_version\":1", "\"format_version\":2", 1);
    assert!(matches!(Model::load(other.as_bytes()), Err(ModelError::Version { found: 2, expected: 1 })));
    let corrupt = text.replacen("\"l\":1,", "\"l\":99999,", 1);
    assert!(matches!(Model::load(corrupt.as_bytes()), Err(ModelError::Corrupt(_))));
    assert!(matches!(Model::load(b"not json"), Err(ModelError::Syntax(_))));
}

#[test]
fn training_without_both_labels_is_refused() {
    let mut data = declarations(50, 5, 0, 10);
    for c in &mut data {
        c.attributes.insert("fraud".into(), "0".into());
    }
    assert!(matches!(train(&data, &data, &config(), &mut |_, _| {}), Err(ModelError::Data(_))));
}

#[test]
fn hs_numbers_read_as_parsed_floats() {
    let mut cases: Vec<String> = (0..100_000).map(|n| format!("{n:06}")).collect();
    cases.extend(
        ["", "8", "85", "8517", "851712", "9999999", "12345678", "85a7", "+85", "-1", " 85", "1e3", "8.5"]
            .map(str::to_owned),
    );
    cases.extend((0..10_000_000).step_by(9_973).map(|n: u32| n.to_string()));
    for case in &cases {
        let parsed = case.parse::<f32>().unwrap_or(-1.0);
        assert_eq!(crate::features::hs_number(case).to_bits(), parsed.to_bits(), "{case:?}");
    }
}
