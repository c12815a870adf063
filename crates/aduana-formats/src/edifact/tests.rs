//! Tests of the EDIFACT reader: golden files of real and synthetic interchanges, the syntax layer's edge cases,
//! streaming with bounded memory, and property tests that no input makes it panic.

use proptest::prelude::*;

use crate::golden::{check_format_dir, test_limits};
use crate::{Collected, Format, Limits, read};

fn read_bytes(bytes: &[u8], limits: &Limits) -> Collected {
    let mut collected = Collected::default();
    read(Format::Edifact, &mut &bytes[..], "t.edi", limits, &mut collected).expect("reading from memory cannot fail");
    collected
}

fn codes(collected: &Collected) -> Vec<&str> {
    collected.diagnostics.iter().map(|d| d.code.as_str()).collect()
}

const CBP: &[u8] = include_bytes!("../../test_data/edifact/ok/cbp_ace_cuscar_truck_manifest.edi");

#[test]
fn edifact_golden_files() {
    check_format_dir(Format::Edifact, "edifact");
}

#[test]
fn the_cbp_truck_manifest_maps_its_parties_equipment_and_goods() {
    let collected = read_bytes(CBP, &test_limits());

    assert_eq!(collected.consignments.len(), 1, "{:#?}", collected.diagnostics);
    let consignment = &collected.consignments[0];
    assert_eq!(consignment.reference.as_str(), "KH041122106");
    assert_eq!(consignment.mode_of_transport, Some(aduana_core::TransportMode::Road));
    let roles: Vec<&str> = consignment.parties.iter().map(|p| p.role.as_str()).collect();
    assert_eq!(roles, ["carrier", "other", "consignee", "importer", "consignor"]);
    assert_eq!(consignment.equipment[0].seals, ["SEALEQUNO001"]);
    assert_eq!(consignment.goods[0].description.as_deref(), Some("IRON COIL SHEET METAL"));
    assert_eq!(consignment.goods[0].gross_mass_kg, Some(750.into()));
    assert_eq!(consignment.goods[0].packages.as_ref().and_then(|p| p.count), Some(158));
}

#[test]
fn segments_keep_their_line_column_and_position_in_the_message() {
    let input = b"UNB+UNOA:3+A+B+241105:0930+1'\nUNH+1+CUSCAR:D:95B:UN'BGM+785+X+9'\n  CNI+1'RFF+BM:B1'TDT+20+V+Q'UNT+6+1'UNZ+1+1'";

    let collected = read_bytes(input, &test_limits());

    let rendered: Vec<String> = collected.diagnostics.iter().map(ToString::to_string).collect();
    assert_eq!(rendered.len(), 1, "{rendered:#?}");
    assert!(
        rendered[0].starts_with("t.edi:3:19: segment 5 TDT element 3 component 1 (8067): error[invalid_code]"),
        "{}",
        rendered[0]
    );
}

#[test]
fn unoc_text_is_decoded_as_latin1_and_release_characters_are_removed() {
    let input = b"UNB+UNOC:3+A+B+241105:0930+1'UNH+1+CUSCAR:D:95B:UN'BGM+785+X+9'CNI+1'RFF+BM:B1'NAD+CN+++M\xdcller?+S?:hne?'s?? Co'UNT+6+1'UNZ+1+1'";

    let collected = read_bytes(input, &test_limits());

    assert_eq!(codes(&collected), Vec::<&str>::new());
    let name = collected.consignments[0].parties[0].name.as_deref();
    assert_eq!(name, Some("MÜller+S:hne's? Co"));
}

#[test]
fn a_message_larger_than_the_limit_is_skipped_and_the_next_one_is_read() {
    let mut input = b"UNB+UNOA:3+A+B+241105:0930+1'UNH+1+CUSCAR:D:95B:UN'BGM+785+X+9'CNI+1'RFF+BM:BIG'".to_vec();
    for _ in 0..200 {
        input.extend_from_slice(b"FTX+AAI+++ABCDEFGHIJKLMNOPQRSTUVWXYZ'");
    }
    input.extend_from_slice(b"UNT+205+1'UNH+2+CUSCAR:D:95B:UN'BGM+785+Y+9'CNI+1'RFF+BM:SMALL'UNT+5+2'UNZ+2+1'");
    let limits = Limits { max_document_bytes: 1000, ..test_limits() };

    let collected = read_bytes(&input, &limits);

    assert_eq!(codes(&collected), ["document_too_large"]);
    let refs: Vec<&str> = collected.consignments.iter().map(|c| c.reference.as_str()).collect();
    assert_eq!(refs, ["SMALL"]);
}

#[test]
fn an_unterminated_segment_longer_than_the_limit_is_not_held_in_memory() {
    let mut input = b"UNB+UNOA:3+A+B+241105:0930+1'UNH+1+CUSCAR:D:95B:UN'FTX+AAI+++".to_vec();
    input.extend(std::iter::repeat_n(b'A', 5_000_000));
    let limits = Limits { max_document_bytes: 10_000, ..test_limits() };

    let collected = read_bytes(&input, &limits);

    assert_eq!(codes(&collected), ["truncated"]);
}

#[test]
fn a_long_run_of_separators_is_bounded_by_the_limit_too() {
    let mut input = b"UNB+UNOA:3+A+B+241105:0930+1'UNH+1+CUSCAR:D:95B:UN'FTX+AAI+++".to_vec();
    input.extend(std::iter::repeat_n(b':', 3_000_000));
    input.extend_from_slice(b"'UNT+3+1'UNZ+1+1'");
    let limits = Limits { max_document_bytes: 10_000, ..test_limits() };

    let collected = read_bytes(&input, &limits);

    assert_eq!(codes(&collected), ["document_too_large"]);
}

#[test]
fn a_functional_group_count_is_checked_by_une_and_unz() {
    let input = b"UNB+UNOA:3+A+B+241105:0930+1'UNG+CUSCAR+A+B+241105:0930+G1+UN+D:95B'UNH+1+CUSCAR:D:95B:UN'BGM+785+X+9'CNI+1'RFF+BM:B1'UNT+5+1'UNE+1+G2'UNZ+1+1'";

    let collected = read_bytes(input, &test_limits());

    assert_eq!(codes(&collected), ["control_reference"]);
}

/// Returns the CBP sample with one of a few mutations chosen by the numbers.
fn mutate(kind: u8, at: usize, byte: u8) -> Vec<u8> {
    let mut bytes = CBP.to_vec();
    let at = at % bytes.len();
    match kind % 4 {
        0 => bytes[at] = byte,
        1 => bytes.truncate(at),
        2 => {
            // Duplicate the segment that contains `at`.
            let start = bytes[..at].iter().rposition(|b| *b == b'\'').map_or(0, |i| i + 1);
            let end = bytes[at..].iter().position(|b| *b == b'\'').map_or(bytes.len(), |i| at + i + 1);
            let segment = bytes[start..end].to_vec();
            bytes.splice(end..end, segment);
        }
        _ => {
            bytes.remove(at);
        }
    }
    bytes
}

proptest! {
    #[test]
    fn reading_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = read_bytes(&bytes, &test_limits());
    }

    #[test]
    fn reading_arbitrary_segments_never_panics(text in "(UNA:\\+\\.\\? '|UNB\\+UNO[ABCY]:[34]\\+A\\+B\\+1:1\\+1'|UN[HTZ]\\+1\\+CUSCAR'|[A-Z?:+' \r\n]{0,40}){0,12}") {
        let _ = read_bytes(text.as_bytes(), &test_limits());
    }

    #[test]
    fn reading_a_mutated_cbp_sample_never_panics(mutations in proptest::collection::vec((any::<u8>(), any::<usize>(), any::<u8>()), 1..4)) {
        let mut bytes = CBP.to_vec();
        for (kind, at, byte) in mutations {
            let mutated = mutate(kind, at, byte);
            bytes = mutated;
        }
        let limits = Limits { max_document_bytes: 300, ..test_limits() };
        let whole = read_bytes(&bytes, &test_limits());
        let _ = read_bytes(&bytes, &limits);
        let mut reader = std::io::BufReader::with_capacity(3, &bytes[..]);
        let mut chunked = Collected::default();
        read(Format::Edifact, &mut reader, "t.edi", &test_limits(), &mut chunked).expect("in memory");
        prop_assert_eq!(chunked.consignments, whole.consignments);
        prop_assert_eq!(chunked.diagnostics, whole.diagnostics);
    }
}

#[test]
fn reading_through_tiny_buffers_gives_the_same_result_as_reading_from_memory() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data/edifact");
    for name in ["ok/sea_cuscar_una_unoc_two_bills.edi", "ok/utf8_unoy_two_messages.edi", "err/missing_unt_and_unz.edi"]
    {
        let bytes = std::fs::read(dir.join(name)).expect("test file");
        let whole = read_bytes(&bytes, &test_limits());
        for capacity in [1, 2, 7, 64] {
            let mut reader = std::io::BufReader::with_capacity(capacity, &bytes[..]);
            let mut chunked = Collected::default();
            read(Format::Edifact, &mut reader, "t.edi", &test_limits(), &mut chunked).expect("in memory");
            assert_eq!(chunked.consignments, whole.consignments, "{name} with a {capacity}-byte buffer");
            assert_eq!(chunked.diagnostics, whole.diagnostics, "{name} with a {capacity}-byte buffer");
        }
    }
}

#[test]
fn level_b_separators_are_recognised_without_una() {
    let input = b"UNB\x1dUNOB\x1f3\x1dA\x1dB\x1d241105\x1f0930\x1d1\x1cUNH\x1d1\x1dCUSCAR\x1fD\x1f95B\x1fUN\x1cBGM\x1d785\x1dX\x1d9\x1cCNI\x1d1\x1cRFF\x1dBM\x1fB1\x1cUNT\x1d5\x1d1\x1cUNZ\x1d1\x1d1\x1c";

    let collected = read_bytes(input, &test_limits());

    assert_eq!(codes(&collected), Vec::<&str>::new());
    assert_eq!(collected.consignments[0].reference.as_str(), "B1");
}

proptest! {
    /// The digits-only fast path for DTM values must give what chrono's parser gives, whenever it answers.
    #[test]
    fn dtm_digits_fast_path_agrees_with_chrono(
        format in prop_oneof![Just("102"), Just("203"), Just("204")],
        (year, month, day) in (0u32..10_000, 0u32..14, 0u32..33),
        (hour, minute, second) in (0u32..26, 0u32..62, 0u32..62),
    ) {
        let digits = format!("{year:04}{month:02}{day:02}{hour:02}{minute:02}{second:02}");
        let (pattern, len) = match format {
            "102" => ("%Y%m%d", 8),
            "203" => ("%Y%m%d%H%M", 12),
            _ => ("%Y%m%d%H%M%S", 14),
        };
        let raw = &digits[..len];
        let chrono = if len == 8 {
            chrono::NaiveDate::parse_from_str(raw, pattern).ok().map(|d| d.and_time(chrono::NaiveTime::MIN))
        } else {
            chrono::NaiveDateTime::parse_from_str(raw, pattern).ok()
        };
        if let Some(fast) = super::cuscar::digits_datetime(raw, format) {
            prop_assert_eq!(Some(fast), chrono, "{} in format {}", raw, format);
        }
    }
}

#[test]
fn dtm_digits_fast_path_reads_ordinary_dates_and_leaves_the_rest_to_chrono() {
    let fast = |raw, format| super::cuscar::digits_datetime(raw, format).map(|d| d.to_string());
    assert_eq!(fast("200412301200", "203").as_deref(), Some("2004-12-30 12:00:00"));
    assert_eq!(fast("20041230", "102").as_deref(), Some("2004-12-30 00:00:00"));
    assert_eq!(fast("20041230235960", "204"), None, "a leap second is chrono's");
    assert_eq!(fast("20040230", "102"), None, "30 February");
    assert_eq!(fast("2004123O", "102"), None, "a letter");
}
