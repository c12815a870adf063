//! Benchmark of the ENS IE315 business rules: the built-in `RuleSet` is compiled once, then evaluated many times
//! over already parsed documents (rule evaluation alone), and over bytes (XML parsing + structure + rules +
//! mapping). Run with `cargo bench -p aduana-formats --bench ens`.

#![allow(clippy::print_stdout, reason = "a benchmark prints its figures")]

use std::hint::black_box;
use std::time::Instant;

use aduana_formats::ens::{self, RuleSet};
use aduana_formats::xml::XmlDocument;
use aduana_formats::{Collected, Format, Limits, read};

const SMALL: &str = include_str!("../test_data/ens/ok/valid_submission.xml");
const ALL_OPTIONAL: &str = include_str!("../test_data/ens/bench_all_optional.xml");

fn limits() -> Limits {
    Limits { max_document_bytes: 16 << 20, max_depth: 64, max_items: 10_000, max_diagnostics: 10_000 }
}

/// Builds an IE315 with `items` goods items by repeating the all-optional sample's item, renumbered.
fn with_items(items: usize) -> String {
    let start = ALL_OPTIONAL.find("<GOOITEGDS>").expect("the sample has a goods item");
    let end = ALL_OPTIONAL.find("</GOOITEGDS>").expect("the sample has a goods item") + "</GOOITEGDS>".len();
    let item = &ALL_OPTIONAL[start..end];
    let mut body = String::new();
    for n in 1..=items {
        let number_start = item.find("<IteNumGDS7>").expect("item number") + "<IteNumGDS7>".len();
        let number_end = item.find("</IteNumGDS7>").expect("item number");
        body.push_str(&item[..number_start]);
        body.push_str(&n.to_string());
        body.push_str(&item[number_end..]);
        body.push('\n');
    }
    format!("{}{}{}", &ALL_OPTIONAL[..start], body, &ALL_OPTIONAL[end..])
}

fn time(label: &str, iterations: u32, mut f: impl FnMut() -> usize) {
    let mut sink = 0usize;
    for _ in 0..iterations / 10 {
        sink = sink.wrapping_add(f());
    }
    let started = Instant::now();
    for _ in 0..iterations {
        sink = sink.wrapping_add(f());
    }
    let per = started.elapsed().as_secs_f64() * 1e6 / f64::from(iterations);
    black_box(sink);
    println!("{label:<58} {per:>9.1} µs/document  ({iterations} runs)");
}

fn main() {
    let started = Instant::now();
    let rules = RuleSet::builtin();
    println!("compiling {} asserts: {:.1} ms (once)", rules.assert_count(), started.elapsed().as_secs_f64() * 1e3);
    let ten = with_items(10);
    let hundred = with_items(100);
    for (name, text, iterations) in [
        ("validSubmission (1 item)", SMALL, 20_000),
        ("315AllOptional (1 item, every element)", ALL_OPTIONAL, 20_000),
        ("315AllOptional x10 items", ten.as_str(), 5_000),
        ("315AllOptional x100 items", hundred.as_str(), 500),
    ] {
        let doc = XmlDocument::parse(text.as_bytes(), name, &limits()).expect("the bench documents are well formed");
        time(&format!("rules only: {name}"), iterations, || rules.check(black_box(&doc)).len());
        time(&format!("parse+structure+rules+map: {name}"), iterations / 4, || {
            let mut collected = Collected::default();
            read(Format::EnsXml, &mut black_box(text.as_bytes()), name, &limits(), &mut collected)
                .expect("reading from memory");
            collected.diagnostics.len() + collected.consignments.len()
        });
        let _ = ens::check_rules(&doc, rules);
    }
}
