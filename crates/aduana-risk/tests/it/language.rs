//! The profile language: what parses, what is rejected and where, and what each operator matches.

use aduana_risk::{ProfileSet, ProfileSource, assess};

use crate::fixtures::{consignment, context, profile, profiles, solar};

fn errors(text: &str) -> String {
    let errors = ProfileSet::compile(&[ProfileSource { name: "p.profile", text }]).expect_err("errors");
    errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
}

fn hit_ids(set: &ProfileSet, json_consignment: &aduana_core::Consignment) -> Vec<String> {
    assess(json_consignment, &context(set.clone()))
        .hits
        .into_iter()
        .filter(|h| h.indicator == "profile")
        .map(|h| h.id.into())
        .collect()
}

#[test]
fn every_error_names_file_line_column_and_what_was_expected() {
    let cases = [
        ("profile A {\n  titel: \"x\"\n}", "p.profile:2:3: unknown key `titel`, did you mean `title`?"),
        (
            &profile("A", "goods.orign = CN", ""),
            "p.profile:10:9: unknown field `goods.orign`, did you mean `goods.origin`?",
        ),
        (&profile("A", "goods.origin < 3", ""), "p.profile:10:22: operator `<` does not apply to `goods.origin`"),
        (&profile("A", "goods.value contains x", ""), "p.profile:10:21: operator `contains` does not apply"),
        (&profile("A", "goods.origin = CN and", ""), "p.profile:11:1: expected a field name"),
        (&profile("A", "goods.description matches \"(\"", ""), "p.profile:10:35: invalid regular expression"),
        (
            &profile("A", "goods.origin = CN", "  select: 120%\n"),
            "p.profile:10:11: invalid percentage: expected 0 to 100",
        ),
        (&profile("A", "goods.origin = CN", "  lane: red\n"), "p.profile:10:3: `lane` is given twice"),
        (&profile("A", "goods.origin = CN", "  severity: hihg\n"), "p.profile:10:13: unknown severity `hihg`"),
        ("profile A {\n  title: \"x\"\n}", "p.profile:1:1: profile `A` has no `lane` or `referral`"),
        ("profile A {\n  title: \"unterminated\n}", "p.profile:2:10: expected a closing `\"`"),
        ("profile A { title: \"x\" $ }", "p.profile:1:24: expected a word"),
    ];
    for (text, expected) in cases {
        let got = errors(text);
        assert!(got.starts_with(expected), "case {expected:?}: got {got:?}");
    }
}

#[test]
fn duplicate_profile_ids_across_files_are_rejected() {
    let a = profile("DUP", "goods.origin = CN", "");
    let errors = ProfileSet::compile(&[
        ProfileSource { name: "a.profile", text: &a },
        ProfileSource { name: "b.profile", text: &a },
    ])
    .expect_err("duplicate");
    assert_eq!(errors[0].to_string(), "b.profile:1:1: profile id `DUP` is already defined at a.profile:1:1");
}

#[test]
fn reload_with_an_error_keeps_the_previous_set() {
    let mut set = profiles(&profile("KEEP", "goods.origin = CN", ""));
    let before = set.version().to_owned();
    let result = set.reload(&[ProfileSource { name: "new.profile", text: "profile X {" }]);
    assert!(result.is_err());
    assert_eq!(set.version(), before);
    assert_eq!(set.profiles()[0].id, "KEEP");
    set.reload(&[ProfileSource { name: "new.profile", text: &profile("NEW", "goods.origin = VN", "") }])
        .expect("valid");
    assert_eq!(set.profiles()[0].id, "NEW");
}

#[test]
fn operators_match_as_documented() {
    let c = solar("R1", "1000", "VN");
    let cases = [
        ("goods.hs_code prefix [85]", true),
        ("goods.hs_code prefix [8541, 9999]", true),
        ("goods.hs_code prefix 8542", false),
        ("goods.hs_code = 854143", true),
        ("goods.origin in [VN, MY]", true),
        ("goods.origin not in [VN, MY]", false),
        ("goods.origin != CN", true),
        ("dispatch = cn", true),
        ("route in [SG]", true),
        ("route in [AE]", false),
        ("loading prefix CN", true),
        ("loading = CNNGB", true),
        ("goods.description contains \"VOLTAIC\"", true),
        ("goods.description matches \"^photo\"", true),
        ("goods.value >= 1000 and goods.net_mass = 1000", true),
        ("goods.value_per_kg < 1.5", true),
        ("goods.unit_price_ratio < 0.3", true),
        ("goods.unit_price_ratio < 0.2", false),
        ("hours_to_arrival < 48 and hours_to_arrival > 24", true),
        ("consignee.id = GB123456789000", true),
        ("consignee.country exists", false),
        ("not goods.un_number exists", true),
        ("mode = sea and (goods.origin = CN or goods.origin = VN)", true),
        ("attributes.fraud = 1", false),
    ];
    for (when, expected) in cases {
        let set = profiles(&profile("P", when, ""));
        assert_eq!(hit_ids(&set, &c) == ["P"], expected, "case `{when}`");
    }
}

#[test]
fn goods_conditions_hold_for_one_and_the_same_goods_item() {
    let c = consignment(
        r#"{"reference": "R2", "direction": "import", "goods": [
            {"sequence": 1, "hs_code": "293941", "origin_country": "DE"},
            {"sequence": 2, "hs_code": "847130", "origin_country": "CN"}]}"#,
    );
    let set = profiles(&profile("P", "goods.hs_code prefix 2939 and goods.origin = CN", ""));
    assert!(hit_ids(&set, &c).is_empty());
    let set = profiles(&profile("P", "goods.hs_code prefix 8471 and goods.origin = CN", ""));
    let a = assess(&c, &context(set));
    insta::assert_json_snapshot!(a.hits[0].evidence, @r#"
    [
      {
        "field": "goods[1].hs_code",
        "value": "847130"
      },
      {
        "field": "goods[1].origin_country",
        "value": "CN"
      }
    ]
    "#);
}

#[test]
fn a_profile_outside_its_validity_period_does_not_fire() {
    let text = profile("P", "goods.origin = VN", "").replace("2026-01-01 to 2026-12-31", "2025-01-01 to 2025-12-31");
    assert!(hit_ids(&profiles(&text), &solar("R1", "1000", "VN")).is_empty());
}

#[test]
fn named_lists_come_from_the_reference_data() {
    let set = profiles(&profile("P", "consignee.id in list watch", ""));
    let mut ctx = context(set);
    let c = solar("R1", "1000", "VN");
    assert!(assess(&c, &ctx).hits.is_empty(), "an unknown list matches nothing");
    ctx.reference
        .lists
        .insert("watch".to_owned(), aduana_risk::reference::parse_list("# version: v9\ngb123456789000\n"));
    let a = assess(&c, &ctx);
    assert_eq!(a.hits[0].evidence[0].field, "parties[0].identifiers[0].value");
    assert_eq!(a.versions["list:watch"], "v9");
}

#[test]
fn selection_percentage_selects_about_that_share_deterministically() {
    let set = profiles(&profile("P", "goods.origin = VN", "  select: 30%\n"));
    let ctx = context(set);
    let selected = (0..2000)
        .filter(|i| assess(&solar(&format!("REF{i}"), "1000", "VN"), &ctx).hits.iter().any(|h| h.weight > 0.0))
        .count();
    assert!((500..700).contains(&selected), "{selected} of 2000 at 30%");
}

#[test]
fn the_index_evaluates_only_profiles_that_could_match() {
    let mut text = String::new();
    for i in 0..500 {
        text.push_str(&profile(
            &format!("P{i:03}"),
            &format!("goods.hs_code prefix {} and goods.origin = VN", 1000 + i),
            "",
        ));
    }
    text.push_str(&profile("FALLBACK", "goods.value > 10", ""));
    let set = profiles(&text);
    assert_eq!(set.fallback_len(), 1);
    let c = consignment(
        r#"{"reference": "R", "direction": "import", "goods": [{"sequence": 1, "hs_code": "1042", "origin_country": "VN", "value": {"amount": "50", "currency": "EUR"}}]}"#,
    );
    assert_eq!(hit_ids(&set, &c), ["FALLBACK", "P042"]);
}

/// The index files HS-keyed profiles with a filter of the origins they require; a profile that requires none must
/// still be a candidate for goods that declare no origin at all (a regression: such goods once matched nothing).
#[test]
fn an_indexed_profile_without_an_origin_test_matches_goods_without_an_origin() {
    let set = profiles(&format!(
        "{}{}",
        profile("TABLEWARE", "goods.hs_code prefix 6911", ""),
        profile("VN-ONLY", "goods.hs_code prefix 6911 and goods.origin = VN", "")
    ));
    let no_origin =
        consignment(r#"{"reference": "R1", "direction": "import", "goods": [{"sequence": 1, "hs_code": "691110"}]}"#);
    assert_eq!(hit_ids(&set, &no_origin), ["TABLEWARE"]);
    let from_vn = consignment(
        r#"{"reference": "R2", "direction": "import", "goods": [{"sequence": 1, "hs_code": "691110", "origin_country": "VN"}]}"#,
    );
    assert_eq!(hit_ids(&set, &from_vn), ["TABLEWARE", "VN-ONLY"]);
}
