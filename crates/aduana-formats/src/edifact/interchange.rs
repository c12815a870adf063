//! The service segments: UNB/UNZ interchange, UNG/UNE group and UNH/UNT message envelopes. Each message is
//! collected in one reused buffer and handed to a mapper when its UNT arrives, so memory is bounded by the largest
//! message. Control counts and references are checked here.

use std::io::BufRead;

use aduana_core::{Consignment, Diagnostic, Location};

use super::lexer::{Lexed, Lexer, Start};
use super::segment::{Charset, Segment, SegmentBuf};
use crate::{Limits, Sink};

/// One complete message (UNH to UNT) in the buffer.
#[derive(Debug)]
pub(crate) struct Message<'a> {
    /// The segments, UNH first and UNT last.
    pub(crate) buf: &'a SegmentBuf,
    /// The input's name for locations.
    pub(crate) source: &'a str,
    /// The interchange's character set.
    pub(crate) charset: Charset,
}

impl Message<'_> {
    /// Returns a location at a segment of this message, by its position in the message.
    pub(crate) fn at(
        &self,
        segment: &Segment<'_>,
        element: Option<u32>,
        component: Option<u32>,
        data_element: Option<&str>,
    ) -> Location {
        segment.location(self.source, segment.index as u64 + 1, element, component, data_element)
    }
}

/// Maps one message: pushes diagnostics into the sink and consignments into the vector.
pub(crate) type MapMessage<'m> = dyn FnMut(&Message<'_>, &mut dyn Sink, &mut Vec<Consignment>) + 'm;

/// What the syntax layer saw.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Interchanges (UNB … UNZ) read.
    pub interchanges: u64,
    /// Messages (UNH … UNT) read.
    pub messages: u64,
    /// Segments read, service segments included.
    pub segments: u64,
}

/// Counts errors passing through to the real sink.
struct Counting<'a> {
    inner: &'a mut dyn Sink,
    errors: u64,
}

impl Sink for Counting<'_> {
    fn consignment(&mut self, consignment: Consignment) {
        self.inner.consignment(consignment);
    }
    fn diagnostic(&mut self, diagnostic: Diagnostic) {
        if diagnostic.is_error() {
            self.errors += 1;
        }
        self.inner.diagnostic(diagnostic);
    }
}

struct Interchange {
    reference: String,
    messages: u64,
    groups: u64,
    group: Option<Group>,
}

struct Group {
    reference: String,
    messages: u64,
}

struct Open {
    reference: String,
    supported: bool,
    segments: u64,
    errors_at_start: u64,
    too_large: bool,
}

/// Reads every interchange in `input`, checking envelopes and calling `map` for each complete message.
pub(crate) fn read(
    input: &mut dyn BufRead,
    source: &str,
    limits: &Limits,
    sink: &mut dyn Sink,
    map: &mut MapMessage<'_>,
) -> std::io::Result<Summary> {
    let mut sink = Counting { inner: sink, errors: 0 };
    let mut summary = Summary::default();
    let mut lexer = Lexer::new(input);
    let file_at = |line: u64, column: u64| Location::file(source).at(line, column);
    match lexer.start()? {
        Start::Interchange => {}
        Start::Empty => {
            let message = "expected an EDIFACT interchange starting with UNA or UNB, found empty input";
            sink.diagnostic(Diagnostic::error("empty", message, file_at(1, 1)));
            return Ok(summary);
        }
        Start::NotEdifact { found } => {
            let (line, column) = lexer.line_column();
            let message = format!(
                "expected an EDIFACT interchange starting with UNA or UNB, found `{}`",
                String::from_utf8_lossy(&found).escape_debug()
            );
            sink.diagnostic(Diagnostic::error("not_edifact", message, file_at(line, column)));
            return Ok(summary);
        }
        Start::BadUna { found } => {
            let (line, column) = lexer.line_column();
            let message = format!(
                "expected a service string advice `UNA` followed by six distinct service characters, found `{}`",
                String::from_utf8_lossy(&found).escape_debug()
            );
            sink.diagnostic(Diagnostic::error("invalid_una", message, file_at(line, column)));
            return Ok(summary);
        }
    }
    // Offsets in the buffer are `u32`; a limit past that would not be a sensible per-message limit anyway.
    let limit = usize::try_from(limits.max_document_bytes).unwrap_or(usize::MAX).min(u32::MAX as usize / 2);
    let mut buf = SegmentBuf::default();
    let mut interchange: Option<Interchange> = None;
    let mut message: Option<Open> = None;
    let mut seen_unb = false;
    let mut consignments = Vec::new();
    loop {
        if message.is_none() {
            buf.clear();
        }
        let lexed = lexer.next_segment(&mut buf, limit)?;
        let truncated = match lexed {
            Lexed::End => break,
            Lexed::Unterminated | Lexed::DanglingRelease => {
                let segment = buf.segment(buf.len() - 1);
                let (line, column) = segment.line_column();
                let (code, text) = if lexed == Lexed::DanglingRelease {
                    ("dangling_release", "the input ends with a release character, which must precede a separator")
                } else {
                    ("truncated", "expected a segment terminator, found the end of the input: the input is cut short")
                };
                let tag = segment.tag_str();
                let text = format!("{text} (in segment {tag})");
                sink.diagnostic(Diagnostic::error(code, text, file_at(line, column)));
                return Ok(summary);
            }
            Lexed::Segment { truncated } => truncated,
        };
        summary.segments += 1;
        let segment = buf.segment(buf.len() - 1);
        let in_message = message.is_some();
        let position = if in_message { segment.index as u64 + 1 } else { segment.interchange_position() };
        let at = |segment: &Segment<'_>, element: Option<u32>, component: Option<u32>, de: Option<&str>| {
            segment.location(source, position, element, component, de)
        };
        if let Some(open) = message.as_mut() {
            open.segments += 1;
        }
        let tag = segment.tag();
        if tag.len() != 3 || !tag.iter().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) {
            let found = String::from_utf8_lossy(&tag[..tag.len().min(20)]).escape_debug().to_string();
            let text = format!("expected a segment tag of three capital letters or digits, found `{found}`");
            sink.diagnostic(Diagnostic::error("invalid_tag", text, at(&segment, None, None, None)));
            if message.is_some() {
                buf.pop();
            }
            continue;
        }
        if let Some(offset) = lexer.invalid_byte(&buf) {
            let (element, component) = buf.last_segment_position_of(offset);
            let byte = buf.last_segment_bytes()[offset];
            let charset = match lexer.charset() {
                Charset::Ascii => "an ASCII character set (UNOA/UNOB)",
                Charset::Latin1 => "UNOC (ISO 8859-1)",
                Charset::Utf8 => "UTF-8 (UNOW/UNOY)",
            };
            let text = format!("byte 0x{byte:02X} is not a character of {charset}, the declared character set");
            let location = at(&segment, Some(element), Some(component), None);
            sink.diagnostic(Diagnostic::error("invalid_character", text, location));
        }
        let tag: [u8; 3] = [tag[0], tag[1], tag[2]];
        match &tag {
            b"UNB" => {
                if interchange.is_some() {
                    let text = "expected UNZ to close the interchange before a new UNB";
                    sink.diagnostic(Diagnostic::error("missing_segment", text, at(&segment, None, None, None)));
                }
                if message.take().is_some() {
                    let text = "expected UNT to close the message before UNB";
                    sink.diagnostic(Diagnostic::error("missing_segment", text, at(&segment, None, None, None)));
                }
                seen_unb = true;
                lexer.set_charset(check_unb(&segment, &mut sink, &at));
                interchange =
                    Some(Interchange { reference: segment.code(5, 1).to_owned(), messages: 0, groups: 0, group: None });
                summary.interchanges += 1;
            }
            b"UNG" => {
                let reference = segment.code(5, 1).to_owned();
                require(&segment, &mut sink, &at, 5, 1, "0048", "a group reference");
                match interchange.as_mut() {
                    Some(open) => {
                        if open.group.is_some() {
                            let text = "expected UNE to close the group before a new UNG";
                            sink.diagnostic(Diagnostic::error("missing_segment", text, at(&segment, None, None, None)));
                        }
                        open.groups += 1;
                        open.group = Some(Group { reference, messages: 0 });
                    }
                    None => missing_unb(&segment, &mut sink, &at, seen_unb),
                }
            }
            b"UNE" => match interchange.as_mut().and_then(|open| open.group.take()) {
                Some(group) => {
                    check_count(&segment, &mut sink, &at, "0060", group.messages, "messages in the group");
                    check_reference(&segment, &mut sink, &at, "0048", &group.reference, "UNG");
                }
                None => {
                    let text = "found UNE without an open group (UNG)";
                    sink.diagnostic(Diagnostic::error("unexpected_segment", text, at(&segment, None, None, None)));
                }
            },
            b"UNH" => {
                if let Some(previous) = message.take() {
                    let text = format!("expected UNT to close message {} before a new UNH", previous.reference);
                    sink.diagnostic(Diagnostic::error("missing_segment", text, at(&segment, None, None, None)));
                    buf.keep_only_last();
                }
                let segment = buf.segment(buf.len() - 1);
                if interchange.is_none() {
                    missing_unb(&segment, &mut sink, &at, seen_unb);
                }
                let at = |segment: &Segment<'_>, e: Option<u32>, c: Option<u32>, de: Option<&str>| {
                    segment.location(source, 1, e, c, de)
                };
                require(&segment, &mut sink, &at, 1, 1, "0062", "a message reference");
                let kind = segment.code(2, 1);
                let supported = kind == "CUSCAR";
                if !supported {
                    let found = if kind.is_empty() { "nothing".to_owned() } else { format!("`{kind}`") };
                    let text = format!("expected message type CUSCAR (customs cargo report), found {found}");
                    let location = at(&segment, Some(2), Some(1), Some("0065"));
                    sink.diagnostic(Diagnostic::error("unsupported_message", text, location));
                }
                message = Some(Open {
                    reference: segment.code(1, 1).to_owned(),
                    supported,
                    segments: 1,
                    errors_at_start: sink.errors,
                    too_large: false,
                });
            }
            b"UNT" => match message.take() {
                Some(open) => {
                    check_count(&segment, &mut sink, &at, "0074", open.segments, "segments from UNH to UNT");
                    check_reference(&segment, &mut sink, &at, "0062", &open.reference, "UNH");
                    if let Some(interchange) = interchange.as_mut() {
                        interchange.messages += 1;
                        if let Some(group) = interchange.group.as_mut() {
                            group.messages += 1;
                        }
                    }
                    summary.messages += 1;
                    if open.supported && !open.too_large {
                        buf.seal(lexer.charset());
                        let msg = Message { buf: &buf, source, charset: lexer.charset() };
                        consignments.clear();
                        map(&msg, &mut sink, &mut consignments);
                        if sink.errors == open.errors_at_start {
                            for consignment in consignments.drain(..) {
                                sink.consignment(consignment);
                            }
                        }
                    }
                }
                None => {
                    let text = "found UNT without an open message (UNH)";
                    sink.diagnostic(Diagnostic::error("unexpected_segment", text, at(&segment, None, None, None)));
                }
            },
            b"UNZ" => {
                if let Some(open) = message.take() {
                    let text = format!("expected UNT to close message {} before UNZ", open.reference);
                    sink.diagnostic(Diagnostic::error("missing_segment", text, at(&segment, None, None, None)));
                }
                match interchange.take() {
                    Some(open) => {
                        if open.group.is_some() {
                            let text = "expected UNE to close the group before UNZ";
                            sink.diagnostic(Diagnostic::error("missing_segment", text, at(&segment, None, None, None)));
                        }
                        let (count, what) = if open.groups > 0 {
                            (open.groups, "functional groups in the interchange")
                        } else {
                            (open.messages, "messages in the interchange")
                        };
                        check_count(&segment, &mut sink, &at, "0036", count, what);
                        check_reference(&segment, &mut sink, &at, "0020", &open.reference, "UNB");
                    }
                    None => {
                        let text = "found UNZ without an open interchange (UNB)";
                        sink.diagnostic(Diagnostic::error("unexpected_segment", text, at(&segment, None, None, None)));
                    }
                }
            }
            _ => match message.as_mut() {
                Some(open) => {
                    if open.too_large {
                        buf.pop();
                    } else if truncated || buf.size() >= limit {
                        open.too_large = true;
                        let unh = buf.segment(0);
                        let text = format!(
                            "expected a message of at most {} bytes, message {} is larger; it was skipped",
                            limits.max_document_bytes, open.reference
                        );
                        let location = unh.location(source, 1, None, None, None);
                        sink.diagnostic(Diagnostic::error("document_too_large", text, location));
                        // Only the UNH stays, so that UNT can still be checked.
                        while buf.len() > 1 {
                            buf.pop();
                        }
                    }
                }
                None => {
                    let text =
                        format!("expected UNH to open a message before segment {}", String::from_utf8_lossy(&tag));
                    sink.diagnostic(Diagnostic::error("segment_outside_message", text, at(&segment, None, None, None)));
                }
            },
        }
    }
    let (line, column) = lexer.line_column();
    if let Some(open) = message {
        let text = format!("expected UNT to close message {}, found the end of the input", open.reference);
        sink.diagnostic(Diagnostic::error("truncated", text, file_at(line, column)));
    }
    if interchange.is_some() {
        let text = "expected UNZ to close the interchange, found the end of the input";
        sink.diagnostic(Diagnostic::error("truncated", text, file_at(line, column)));
    }
    if !seen_unb {
        let text = "expected an interchange header UNB, found none";
        sink.diagnostic(Diagnostic::error("missing_segment", text, file_at(line, column)));
    }
    Ok(summary)
}

type At<'f> = dyn Fn(&Segment<'_>, Option<u32>, Option<u32>, Option<&str>) -> Location + 'f;

fn missing_unb(segment: &Segment<'_>, sink: &mut dyn Sink, at: &At<'_>, seen_unb: bool) {
    let text = if seen_unb {
        format!("expected UNB to open a new interchange before {}", segment.tag_str())
    } else {
        format!("expected the interchange header UNB before {}", segment.tag_str())
    };
    sink.diagnostic(Diagnostic::error("missing_segment", text, at(segment, None, None, None)));
}

fn require(
    segment: &Segment<'_>,
    sink: &mut dyn Sink,
    at: &At<'_>,
    element: usize,
    component: usize,
    data_element: &str,
    what: &str,
) {
    if segment.value(element, component).is_empty() {
        let text = format!("expected {what}, found nothing");
        let location = at(segment, Some(element as u32), Some(component as u32), Some(data_element));
        sink.diagnostic(Diagnostic::error("missing_element", text, location));
    }
}

/// Checks UNB and returns the character set it declares.
fn check_unb(segment: &Segment<'_>, sink: &mut dyn Sink, at: &At<'_>) -> Charset {
    let syntax = segment.code(1, 1);
    let version = segment.code(1, 2);
    let charset = match syntax {
        "UNOA" | "UNOB" => Charset::Ascii,
        "UNOC" => Charset::Latin1,
        "UNOW" | "UNOY" => Charset::Utf8,
        _ => {
            let text = format!(
                "expected syntax identifier UNOA, UNOB, UNOC, UNOW or UNOY, found `{syntax}`; reading it as ASCII"
            );
            sink.diagnostic(Diagnostic::error(
                "unsupported_charset",
                text,
                at(segment, Some(1), Some(1), Some("0001")),
            ));
            Charset::Ascii
        }
    };
    match version {
        "3" | "4" => {}
        "1" | "2" => {
            let text = format!("syntax version {version} is read as version 3");
            sink.diagnostic(Diagnostic::warning(
                "old_syntax_version",
                text,
                at(segment, Some(1), Some(2), Some("0002")),
            ));
        }
        _ => {
            let text = format!("expected syntax version 3 or 4, found `{version}`");
            let location = at(segment, Some(1), Some(2), Some("0002"));
            sink.diagnostic(Diagnostic::error("unsupported_syntax_version", text, location));
        }
    }
    require(segment, sink, at, 2, 1, "0004", "the interchange sender");
    require(segment, sink, at, 3, 1, "0010", "the interchange recipient");
    require(segment, sink, at, 5, 1, "0020", "an interchange control reference");
    let date = segment.code(4, 1);
    let expected = if version == "4" { 8 } else { 6 };
    if date.len() != expected || !date.bytes().all(|b| b.is_ascii_digit()) {
        let text =
            format!("expected a preparation date of {expected} digits for syntax version {version}, found `{date}`");
        sink.diagnostic(Diagnostic::warning("invalid_date", text, at(segment, Some(4), Some(1), Some("0017"))));
    }
    charset
}

fn check_count(segment: &Segment<'_>, sink: &mut dyn Sink, at: &At<'_>, data_element: &str, actual: u64, what: &str) {
    let declared = segment.code(1, 1);
    if declared.parse::<u64>().ok() != Some(actual) {
        let tag = segment.tag_str();
        let text = format!("{tag} control count says `{declared}`, but there are {actual} {what}");
        sink.diagnostic(Diagnostic::error("control_count", text, at(segment, Some(1), Some(1), Some(data_element))));
    }
}

fn check_reference(
    segment: &Segment<'_>,
    sink: &mut dyn Sink,
    at: &At<'_>,
    data_element: &str,
    expected: &str,
    opener: &str,
) {
    let found = segment.code(2, 1);
    if found != expected {
        let tag = segment.tag_str();
        let text = format!("{tag} control reference `{found}` does not match `{expected}` in {opener}");
        sink.diagnostic(Diagnostic::error(
            "control_reference",
            text,
            at(segment, Some(2), Some(1), Some(data_element)),
        ));
    }
}
