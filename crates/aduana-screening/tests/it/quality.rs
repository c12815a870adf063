//! The matcher's quality on the evaluation sets in `test_data/` (see its README): F1 on the nomenklatura name
//! benchmark, the 81 Putin aliases against each other, recall of UN persons from the yente positives (as listed and
//! perturbed with a seeded RNG), and false matches of the yente negatives and US Congress members against the UN
//! list. Each test prints its figures and fails below the bar the issue sets.

// The quality figures are printed so that `cargo test -- --nocapture` shows them.
#![allow(clippy::print_stdout)]

use std::collections::BTreeSet;
use std::path::Path;

use aduana_screening::normalise::fold_words;
use aduana_screening::{BirthDate, NameRules, Query, ScreeningConfig, ScreeningIndex, parse_list, score_names, screen};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

fn test_data(relative: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data").join(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn un_index() -> ScreeningIndex {
    let list = parse_list(&test_data("../../../data/watch-lists/un-sc-consolidated-2018.xml"), "UN")
        .expect("the UN list parses");
    ScreeningIndex::build(&[list], NameRules::builtin())
}

fn csv_rows(relative: &str) -> Vec<csv::StringRecord> {
    let bytes = test_data(relative);
    csv::Reader::from_reader(bytes.as_slice()).records().map(|r| r.expect("valid CSV row")).collect()
}

/// A yente fixture row as a query: full_name (0), date_of_birth (5), nationality (7).
fn query_of(row: &csv::StringRecord) -> Query {
    Query {
        name: row[0].to_owned(),
        date_of_birth: BirthDate::parse(&row[5]),
        nationality: Some(row[7].to_owned()).filter(|n| !n.trim().is_empty()),
    }
}

#[test]
fn name_benchmark_f1_is_at_least_0_90_at_the_shipped_threshold() {
    let index = un_index();
    let threshold = ScreeningConfig::recommended().threshold;
    let mut all = Confusion::default();
    // The rows split in two by a hash of the names: the matcher was tuned looking at the `tuning` half only, so
    // the `held-out` half shows whether the tuning generalises.
    let mut halves = [Confusion::default(), Confusion::default()];
    let mut misses = Vec::new();
    for row in csv_rows("nomenklatura/name_bench_cases.csv") {
        let expected = &row[4] == "true";
        let score = score_names(&row[2], &row[3], &index);
        all.add(expected, score >= threshold);
        halves[held_out_half(&row[2], &row[3])].add(expected, score >= threshold);
        if std::env::var_os("DUMP_SCORES").is_some() {
            let half = held_out_half(&row[2], &row[3]);
            println!("SCORE\t{expected}\t{score:.4}\t{}\t{}\t{}\t{half}", &row[0], &row[2], &row[3]);
        }
        if expected != (score >= threshold) {
            misses.push(format!("{expected} {score:.2} {} | {}", &row[2], &row[3]));
        }
    }
    println!("name bench: {}", all.summary());
    println!("name bench, tuning half: {}", halves[0].summary());
    println!("name bench, held-out half: {}", halves[1].summary());
    if std::env::var_os("SHOW_MISSES").is_some() {
        println!("{}", misses.join("\n"));
    }
    // The bar (docs/screening.md lists the remaining errors by category).
    let f1 = all.f1();
    assert!(f1 >= 0.90, "F1 {f1:.3} is below 0.90");
}

/// Counts of a binary decision against labels.
#[derive(Debug, Default, Clone, Copy)]
struct Confusion {
    tp: u32,
    fp: u32,
    tn: u32,
    fn_: u32,
}

impl Confusion {
    fn add(&mut self, expected: bool, predicted: bool) {
        match (expected, predicted) {
            (true, true) => self.tp += 1,
            (false, true) => self.fp += 1,
            (false, false) => self.tn += 1,
            (true, false) => self.fn_ += 1,
        }
    }

    fn precision(&self) -> f64 {
        f64::from(self.tp) / f64::from(self.tp + self.fp).max(1.0)
    }

    fn recall(&self) -> f64 {
        f64::from(self.tp) / f64::from(self.tp + self.fn_).max(1.0)
    }

    fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) }
    }

    fn summary(&self) -> String {
        format!(
            "TP {} FP {} TN {} FN {} precision {:.3} recall {:.3} F1 {:.3}",
            self.tp,
            self.fp,
            self.tn,
            self.fn_,
            self.precision(),
            self.recall(),
            self.f1()
        )
    }
}

/// Returns 0 (tuning) or 1 (held out) for a name pair, by an FNV-1a hash of both names.
fn held_out_half(a: &str, b: &str) -> usize {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in a.bytes().chain([0]).chain(b.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    usize::from(hash % 2 == 1)
}

#[test]
fn all_81_putin_aliases_match_each_other() {
    let index = un_index();
    let threshold = ScreeningConfig::recommended().threshold;
    let text = String::from_utf8(test_data("nomenklatura/putin_names.txt")).expect("UTF-8");
    let names: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let mut failed = Vec::new();
    let mut pairs = 0;
    for (i, a) in names.iter().enumerate() {
        for b in &names[i + 1..] {
            pairs += 1;
            let score = score_names(a, b, &index).min(score_names(b, a, &index));
            if score < threshold {
                failed.push(format!("{score:.2} {a} | {b}"));
            }
        }
    }
    println!("putin aliases: {} of {pairs} pairs match ({} names)", pairs - failed.len(), names.len());
    if std::env::var_os("SHOW_MISSES").is_some() {
        println!("{}", failed.join("\n"));
    }
    assert!(
        failed.is_empty(),
        "{} pairs below the threshold, e.g. {:?}",
        failed.len(),
        &failed[..failed.len().min(10)]
    );
}

/// Returns the id of the UN entry that lists exactly this name (same words in any order), if any.
fn listed_entry(list: &aduana_screening::WatchList, name: &str) -> Option<String> {
    let wanted: BTreeSet<String> = fold_words(name).into_iter().collect();
    list.entries
        .iter()
        .find(|e| e.names.iter().any(|a| fold_words(&a.name).into_iter().collect::<BTreeSet<_>>() == wanted))
        .map(|e| e.id.clone())
}

/// Perturbs a query the way the yente "treated" fixtures do: word order, transposed, doubled or dropped letters,
/// changed dates.
fn perturb(query: &Query, rng: &mut StdRng) -> Query {
    let mut words: Vec<String> = query.name.split_whitespace().map(str::to_owned).collect();
    match rng.gen_range(0..5) {
        0 if words.len() > 1 => {
            let first = words.remove(0);
            words.push(first);
        }
        kind => {
            let candidates: Vec<usize> = (0..words.len()).filter(|&i| words[i].chars().count() >= 5).collect();
            if let Some(&w) = candidates.get(rng.gen_range(0..candidates.len().max(1))) {
                let mut chars: Vec<char> = words[w].chars().collect();
                let at = rng.gen_range(1..chars.len() - 1);
                match kind {
                    1 => chars.swap(at, at + 1),
                    2 => chars.insert(at, chars[at]),
                    _ => {
                        chars.remove(at);
                    }
                }
                words[w] = chars.into_iter().collect();
            }
        }
    }
    let date_of_birth = query.date_of_birth.map(|mut d| {
        if rng.gen_bool(0.3) {
            let shift = if rng.gen_bool(0.5) { 1 } else { -1 };
            d.year_from += shift;
            d.year_to += shift;
        } else if d.month.is_some() && rng.gen_bool(0.3) {
            d.month = Some(d.month.unwrap_or(1) % 12 + 1);
        }
        d
    });
    Query { name: words.join(" "), date_of_birth, nationality: query.nationality.clone() }
}

#[test]
fn un_positives_find_their_entry_as_listed_and_perturbed() {
    let list = parse_list(&test_data("../../../data/watch-lists/un-sc-consolidated-2018.xml"), "UN")
        .expect("the UN list parses");
    let index = ScreeningIndex::build(std::slice::from_ref(&list), NameRules::builtin());
    let config = ScreeningConfig::recommended();
    let mut rng = StdRng::seed_from_u64(1540);
    let (mut in_list, mut found, mut found_perturbed, mut perturbed_total) = (0, 0, 0, 0);
    let mut misses = Vec::new();
    for row in csv_rows("yente/positives_un_untreated.csv") {
        let Some(id) = listed_entry(&list, &row[0]) else { continue };
        in_list += 1;
        let query = query_of(&row);
        let finds = |q: &Query| screen(q, &index, &config).iter().any(|m| m.matched && m.entry_id == id);
        if finds(&query) {
            found += 1;
        } else {
            misses.push(format!("{id} {}", query.name));
        }
        for _ in 0..3 {
            let perturbed = perturb(&query, &mut rng);
            perturbed_total += 1;
            if finds(&perturbed) {
                found_perturbed += 1;
            } else {
                misses.push(format!("{id} perturbed {} {:?}", perturbed.name, perturbed.date_of_birth));
            }
        }
    }
    let recall = f64::from(found) / f64::from(in_list);
    let perturbed_recall = f64::from(found_perturbed) / f64::from(perturbed_total);
    println!(
        "UN positives: {in_list} rows in the 2018 list; found {found} ({recall:.3}); perturbed found {found_perturbed} of {perturbed_total} ({perturbed_recall:.3})"
    );
    if std::env::var_os("SHOW_MISSES").is_some() {
        println!("{}", misses.join("\n"));
    }
    assert!(recall >= 1.0, "recall {recall:.3}: {misses:?}");
    assert!(perturbed_recall >= 0.95, "perturbed recall {perturbed_recall:.3}");
}

#[test]
fn us_negatives_and_congress_members_rarely_match_the_un_list() {
    let index = un_index();
    let config = ScreeningConfig::recommended();
    for file in ["yente/negatives_us.csv", "yente/positives_us_congress_untreated.csv"] {
        let rows = csv_rows(file);
        let mut false_matches = Vec::new();
        for row in &rows {
            let query = query_of(row);
            if let Some(m) = screen(&query, &index, &config).into_iter().find(|m| m.matched) {
                false_matches.push(format!("{} -> {}", query.name, m.explanation));
            }
        }
        let rate = false_matches.len() as f64 / rows.len() as f64;
        println!("{file}: {} false matches of {} ({:.2} %)", false_matches.len(), rows.len(), rate * 100.0);
        if std::env::var_os("SHOW_MISSES").is_some() {
            println!("{}", false_matches.join("\n"));
        }
        assert!(rate <= 0.01, "{file}: false-match rate {rate:.4}: {false_matches:?}");
    }
}

/// One rule of the matcher, shown on a pair that it decides and a pair it must leave matching.
struct RuleCase {
    rule: &'static str,
    a: &'static str,
    b: &'static str,
    matches: bool,
}

#[test]
fn each_matching_rule_decides_its_pairs() {
    let index = un_index();
    let threshold = ScreeningConfig::recommended().threshold;
    let case = |rule, a, b, matches| RuleCase { rule, a, b, matches };
    let cases = [
        case(
            "joined names differ by two edits at most",
            "China Railroad Engineering Corporation",
            "China Railway Engineering Corporation",
            false,
        ),
        case("joined names differ by two edits at most", "Exxor Mobil Corporation", "Exxon Mobil Corporation", true),
        case("joined Hangul is compared as written", "김종은", "김정은", false),
        case("joined Hangul is compared as written", "김정은", "김 정은", true),
        case("same consonants within a script need close letters", "Raúl Castillo", "Raúl Castro", false),
        case("same consonants within a script need close letters", "Olaf Schulze", "Olaf Scholz", true),
        case("a long skeleton is the same name in another spelling", "Volodymyr Putin", "Vladimir Putin", true),
        case("one sound apart within a script is another name", "Pervez Musafir", "Pervez Musharraf", false),
        case("one edit per five letters within an alphabet", "Pedro Sancho", "Pedro Sánchez", false),
        case("one edit per five letters within an alphabet", "Emmanuel Macrone", "Emmanuel Macron", true),
        case("a left-over initial is another name's", "Hans O Friedrich", "Hans Joachim Friedrich", false),
        case("a left-over initial is another name's", "Hans J Friedrich", "Hans Joachim Friedrich", true),
        case(
            "outside a company a descriptor word is a name part",
            "Abdul Jalil Mir Haqqani",
            "Abdul Jalil Wali Haqqani",
            false,
        ),
        case("a company's name keeps a leading title word", "General Motors Company", "Motors Company", false),
        case("a person's name drops it", "General Qasem Soleimani", "Qasem Soleimani", true),
        case("a company's descriptors on both sides conflict", "BAE Systems, Inc.", "BAE Industries, Inc.", false),
        case("a company's descriptor on one side counts", "Deutsche Bank Trust Company", "Deutsche Bank", false),
        case("a company word or legal form on one side does not", "Nanshan Group", "Nanshan Group Co Ltd", true),
        case("al, el and ul are the Arabic article", "Bachar el-Assad", "Bashar al-Assad", true),
        case("vowel digraphs of romanisations", "Saddam Husayn", "Saddam Hussein", true),
        case("Wade-Giles ts is Pinyin z", "Mao Tse-tung", "Mao Zedong", true),
        case("a syllable in another romanisation", "Hsi Jinping", "Xi Jinping", true),
        case("a syllable with other vowels is another syllable", "Dan Brown", "Don Brown", false),
        case("initials in order", "C.B.A. Company", "A.B.C. Company", false),
        case("initials in order", "ABC Company", "A.B.C. Company", true),
        case("% is the word percent", "3%ers", "Three Percenters", true),
        case("a phrase against its equivalent", "PLA", "People's Liberation Army", true),
        case("the same word aligns first", "Chen Kai-shek", "Chiang Kai-shek", false),
        case("legal forms of different kinds conflict", "Deutsche Bank AG", "Deutsche Bank GmbH", false),
        case("legal forms of the same kind agree", "OAO Gazprom", "Gazprom JSC", true),
    ];
    let wrong: Vec<String> = cases
        .iter()
        .filter_map(|c| {
            let score = score_names(c.a, c.b, &index).min(score_names(c.b, c.a, &index));
            ((score >= threshold) != c.matches).then(|| format!("{}: {} | {} scored {score:.2}", c.rule, c.a, c.b))
        })
        .collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
}
