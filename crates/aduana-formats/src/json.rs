//! Aduana's canonical JSON and JSON Lines: the serde form of [`Consignment`]. Syntax errors are located by line and
//! column, content errors by JSON Pointer as well; a JSON Lines file is read one line at a time.

#[cfg(test)]
mod tests;

use std::io::BufRead;

use aduana_core::{Consignment, Diagnostic, Location, LocationPath};

use crate::{Limits, ReadError, Sink};

/// Reads one JSON document: a consignment object or an array of consignment objects.
pub(crate) fn read_document(
    input: &mut dyn BufRead,
    source: &str,
    limits: &Limits,
    sink: &mut dyn Sink,
) -> Result<(), ReadError> {
    let Some(bytes) = crate::read_document_bytes(input, source, limits, sink)? else { return Ok(()) };
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    // The fast path parses a well-formed document straight into consignments (sonic-rs, SIMD); only a document that
    // fails is parsed again with serde_json and path tracking, to say where each problem is.
    if !nests_within_serde_json_limit(bytes) {
        // Too deep for the fast path; serde_json stops at its recursion limit with a located error.
    } else if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        if let Ok(consignments) = sonic_rs::from_slice::<Vec<Consignment>>(bytes) {
            if consignments.len() as u64 > u64::from(limits.max_items) {
                sink.diagnostic(too_many_consignments(limits, consignments.len(), source));
                return Ok(());
            }
            for (index, consignment) in consignments.into_iter().enumerate() {
                deliver(Ok(consignment), source, None, &format!("/{index}"), limits, sink);
            }
            return Ok(());
        }
    } else if let Ok(consignment) = sonic_rs::from_slice::<Consignment>(bytes) {
        deliver(Ok(consignment), source, None, "", limits, sink);
        return Ok(());
    }
    let value: serde_json::Value = match serde_json::from_slice(bytes) {
        Ok(value) => value,
        Err(error) => {
            sink.diagnostic(syntax_error(&error, source, 0));
            return Ok(());
        }
    };
    match value {
        serde_json::Value::Array(items) => {
            if items.len() as u64 > u64::from(limits.max_items) {
                sink.diagnostic(too_many_consignments(limits, items.len(), source));
                return Ok(());
            }
            for (index, item) in items.into_iter().enumerate() {
                deliver(serde_path_to_error::deserialize(item), source, None, &format!("/{index}"), limits, sink);
            }
        }
        value => deliver(serde_path_to_error::deserialize(value), source, None, "", limits, sink),
    }
    Ok(())
}

/// serde_json's recursion limit: deeper text is refused by it with a located error.
const SERDE_JSON_DEPTH: usize = 128;

/// Whether JSON text nests arrays and objects at most [`SERDE_JSON_DEPTH`] deep. sonic-rs has no recursion limit
/// (deep text overflows the stack), so only text within the limit takes the fast path. Counting the brackets
/// (SIMD) settles almost every record; only text with more brackets than the limit is scanned, strings skipped.
fn nests_within_serde_json_limit(text: &[u8]) -> bool {
    if memchr::memchr2_iter(b'[', b'{', text).count() <= SERDE_JSON_DEPTH {
        return true;
    }
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for &byte in text {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > SERDE_JSON_DEPTH {
                    return false;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    true
}

fn too_many_consignments(limits: &Limits, found: usize, source: &str) -> Diagnostic {
    let message = format!("expected at most {} consignments in one document, found {found}", limits.max_items);
    Diagnostic::error("too_many_items", message, Location::file(source))
}

/// Reads JSON Lines: one consignment object per line; blank lines are skipped. A line that lies whole in the
/// reader's buffer is parsed in place; only lines that straddle the buffer's end are copied.
pub(crate) fn read_lines(
    input: &mut dyn BufRead,
    source: &str,
    limits: &Limits,
    sink: &mut dyn Sink,
) -> Result<(), ReadError> {
    let io = |source_error| ReadError::Io { source_name: source.to_owned(), source: source_error };
    let mut line = Vec::new();
    let mut number: u64 = 0;
    loop {
        number += 1;
        let available = input.fill_buf().map_err(io)?;
        if available.is_empty() {
            return Ok(());
        }
        if let Some(end) = memchr::memchr(b'\n', available) {
            if end as u64 <= limits.max_document_bytes {
                read_record(&available[..end], source, number, limits, sink);
                input.consume(end + 1);
                continue;
            }
        }
        line.clear();
        match crate::read_line_bounded(input, &mut line, limits.max_document_bytes).map_err(io)? {
            crate::Line::End => return Ok(()),
            crate::Line::TooLong => {
                let message = format!("expected a line of at most {} bytes", limits.max_document_bytes);
                sink.diagnostic(Diagnostic::error("document_too_large", message, Location::file(source).at(number, 1)));
            }
            crate::Line::Complete => read_record(&line, source, number, limits, sink),
        }
    }
}

/// Reads one JSON Lines record (the line without its `\n`).
fn read_record(line: &[u8], source: &str, number: u64, limits: &Limits, sink: &mut dyn Sink) {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let text = if number == 1 { line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line) } else { line };
    if text.iter().all(u8::is_ascii_whitespace) {
        return;
    }
    // The fast path parses without tracking the path; only a line that fails is parsed again with path
    // tracking, to say where in the record the problem is.
    // sonic-rs (SIMD) takes the well-formed records; serde_json, slower but with precise positions, explains the rest.
    if nests_within_serde_json_limit(text) {
        if let Ok(consignment) = sonic_rs::from_slice::<Consignment>(text) {
            deliver(Ok(consignment), source, Some(number), "", limits, sink);
            return;
        }
    }
    let result = match serde_json::from_slice::<Consignment>(text) {
        Ok(consignment) => Ok(consignment),
        Err(error) if error.is_syntax() || error.is_eof() => {
            sink.diagnostic(syntax_error(&error, source, number - 1));
            return;
        }
        Err(_) => serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_slice(text)),
    };
    deliver(result, source, Some(number), "", limits, sink);
}

/// Sends a consignment to the sink, or a located diagnostic for why it could not be built.
fn deliver(
    result: Result<Consignment, serde_path_to_error::Error<serde_json::Error>>,
    source: &str,
    line: Option<u64>,
    pointer_prefix: &str,
    limits: &Limits,
    sink: &mut dyn Sink,
) {
    match result {
        Ok(consignment) => {
            if let Some(diagnostic) = check_item_counts(&consignment, limits) {
                let location = Location::file(source)
                    .with_path(LocationPath::JsonPointer { pointer: format!("{pointer_prefix}{}", diagnostic.1) });
                let location = match line {
                    Some(line) => Location { line: Some(line), ..location },
                    None => location,
                };
                sink.diagnostic(Diagnostic::error("too_many_items", diagnostic.0, location));
            } else {
                sink.consignment(consignment);
            }
        }
        Err(error) => {
            let pointer = format!("{pointer_prefix}{}", json_pointer(error.path()));
            let inner = error.into_inner();
            if inner.is_syntax() || inner.is_eof() {
                sink.diagnostic(syntax_error(&inner, source, line.map_or(0, |l| l - 1)));
                return;
            }
            let message = content_message(&inner);
            let mut location = Location::file(source).with_path(LocationPath::JsonPointer { pointer });
            location.line = line.or((inner.line() > 0).then(|| inner.line() as u64));
            sink.diagnostic(Diagnostic::error(content_code(&message), message, location));
        }
    }
}

/// Returns a message and a pointer suffix when a consignment has more repeated items than the limits allow.
fn check_item_counts(consignment: &Consignment, limits: &Limits) -> Option<(String, &'static str)> {
    let max = limits.max_items as usize;
    [
        ("goods items", "/goods", consignment.goods.len()),
        ("parties", "/parties", consignment.parties.len()),
        ("equipment", "/equipment", consignment.equipment.len()),
    ]
    .into_iter()
    .find(|(_, _, n)| *n > max)
    .map(|(what, pointer, n)| (format!("expected at most {max} {what}, found {n}"), pointer))
}

/// Renders a serde path as a JSON Pointer (RFC 6901).
fn json_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        out.push('/');
        match segment {
            Segment::Seq { index } => out.push_str(&index.to_string()),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                out.push_str(&key.replace('~', "~0").replace('/', "~1"));
            }
            Segment::Unknown => out.push('?'),
        }
    }
    out
}

/// Returns a syntax diagnostic located by line and column; `line_offset` is added for JSON Lines.
fn syntax_error(error: &serde_json::Error, source: &str, line_offset: u64) -> Diagnostic {
    let message = format!("expected valid JSON: {}", strip_position(&error.to_string()));
    let location = Location::file(source).at(error.line() as u64 + line_offset, error.column().max(1) as u64);
    Diagnostic::error("syntax", message, location)
}

/// Returns serde's message without its trailing " at line L column C", which the location already says.
fn strip_position(message: &str) -> &str {
    message.find(" at line ").map_or(message, |i| &message[..i])
}

/// Returns the message of a content (data) error.
fn content_message(error: &serde_json::Error) -> String {
    strip_position(&error.to_string()).to_owned()
}

/// Returns the stable code for a content error message: the code type's own code where a code failed to parse.
fn content_code(message: &str) -> &'static str {
    const CODES: &[(&str, &str)] = &[
        ("invalid HS code", "invalid_hs_code"),
        ("invalid country code", "invalid_country_code"),
        ("invalid currency code", "invalid_currency_code"),
        ("invalid UN/LOCODE", "invalid_locode"),
        ("invalid container number", "invalid_container_number"),
        ("invalid IMO number", "invalid_imo_number"),
        ("invalid air waybill number", "invalid_air_waybill_number"),
        ("invalid UN number", "invalid_un_number"),
        ("transport document reference", "invalid_reference"),
        ("unknown field", "unknown_field"),
        ("missing field", "missing_field"),
        ("unknown variant", "unknown_value"),
    ];
    CODES.iter().find(|(needle, _)| message.contains(needle)).map_or("invalid_value", |(_, code)| code)
}
