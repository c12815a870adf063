//! Fuzzes every wire format reader: the first byte picks a format from `Format::ALL` (so formats added later are
//! fuzzed too), the rest is the input. Any panic is a bug; diagnostics are the expected outcome.
#![no_main]

use aduana_formats::{Collected, Format, Limits, read};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, input)) = data.split_first() else { return };
    let format = Format::ALL[usize::from(selector) % Format::ALL.len()];
    let limits = Limits { max_document_bytes: 1 << 16, max_depth: 32, max_items: 100, max_diagnostics: 50 };
    let mut sink = Collected::default();
    let _ = read(format, &mut &input[..], "fuzz", &limits, &mut sink);
    let _ = aduana_formats::detect(input);
    for consignment in &sink.consignments {
        let _ = aduana_core::completeness::check(consignment);
    }
});
