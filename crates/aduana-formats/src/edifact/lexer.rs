//! The EDIFACT lexer: reads segments one at a time from a [`BufRead`] into a reused [`SegmentBuf`], applying the
//! service string advice (UNA) or the default separators, the release character, and line/column tracking.
//! Line breaks between and inside segments are not data (files are often wrapped); the input is never held whole.

use std::io::{self, BufRead};

use super::segment::{Charset, SegmentBuf};

/// The service characters of an interchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Separators {
    pub(crate) component: u8,
    pub(crate) element: u8,
    pub(crate) release: Option<u8>,
    pub(crate) terminator: u8,
}

impl Separators {
    /// The defaults of ISO 9735 for character sets other than UNOB: `:` `+` `?` `'`.
    pub(crate) const DEFAULT: Separators =
        Separators { component: b':', element: b'+', release: Some(b'?'), terminator: b'\'' };
    /// The defaults for UNOB (syntax level B): IS1, IS3 and IS4, no release character.
    pub(crate) const LEVEL_B: Separators =
        Separators { component: 0x1F, element: 0x1D, release: None, terminator: 0x1C };
}

/// How the input begins.
#[derive(Debug)]
pub(crate) enum Start {
    /// An interchange follows (UNA was applied, or UNB comes next).
    Interchange,
    /// The input is empty or blank.
    Empty,
    /// The input does not start with UNA or UNB; `found` holds its first bytes.
    NotEdifact { found: Vec<u8> },
    /// A UNA service string advice is cut short or names a separator twice.
    BadUna { found: Vec<u8> },
}

/// What reading one segment gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lexed {
    /// A whole segment is the last one in the buffer. `truncated` says its data passed the byte limit and was cut.
    Segment { truncated: bool },
    /// The input ended inside a segment (no terminator); the partial segment is in the buffer.
    Unterminated,
    /// The input ended right after a release character.
    DanglingRelease,
    /// The input is exhausted.
    End,
}

/// A data byte allowed in the character set.
const PLAIN: u8 = 0;
/// A separator, the release character, or a line break.
const SPECIAL: u8 = 1;
/// A data byte the character set may not allow: the segment gets the full check of [`Lexer::invalid_byte`].
const SUSPECT: u8 = 2;

/// Reads segments from a byte stream.
pub(crate) struct Lexer<'r> {
    input: &'r mut dyn BufRead,
    separators: Separators,
    class: [u8; 256],
    /// Bytes read while looking at the start, to be lexed before the input.
    pending: Vec<u8>,
    line: u64,
    column: u64,
    position: u64,
    /// The character set the segments' data must be in, once UNB said so.
    charset: Charset,
    /// Whether the last segment holds a byte that may be outside the character set (a [`SUSPECT`] byte or a
    /// released one): only such a segment is checked byte by byte.
    suspect: bool,
}

impl std::fmt::Debug for Lexer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lexer").field("line", &self.line).field("column", &self.column).finish_non_exhaustive()
    }
}

/// The state of lexing one segment across input chunks.
struct Scan {
    in_segment: bool,
    released: bool,
    truncated: bool,
    suspect: bool,
    limit: usize,
}

impl<'r> Lexer<'r> {
    /// Returns a lexer over `input` with the default separators.
    pub(crate) fn new(input: &'r mut dyn BufRead) -> Lexer<'r> {
        let mut lexer = Lexer {
            input,
            separators: Separators::DEFAULT,
            class: [PLAIN; 256],
            pending: Vec::new(),
            line: 1,
            column: 1,
            position: 0,
            charset: Charset::Ascii,
            suspect: false,
        };
        lexer.set_separators(Separators::DEFAULT);
        lexer
    }

    fn set_separators(&mut self, separators: Separators) {
        self.separators = separators;
        self.classify();
    }

    /// Returns the character set the segments' data must be in.
    pub(crate) fn charset(&self) -> Charset {
        self.charset
    }

    /// Sets the character set the following segments' data must be in (UNB declares it).
    pub(crate) fn set_charset(&mut self, charset: Charset) {
        self.charset = charset;
        self.classify();
    }

    /// Fills the byte class table from the separators and the character set. A byte that is [`PLAIN`] is allowed
    /// in the character set, so a segment of only such bytes needs no further check.
    fn classify(&mut self) {
        let separators = self.separators;
        for (byte, class) in (0..=u8::MAX).zip(self.class.iter_mut()) {
            let allowed = match self.charset {
                Charset::Ascii => (0x20..0x7F).contains(&byte),
                Charset::Latin1 => !(byte < 0x20 || (0x7F..0xA0).contains(&byte)),
                // Bytes from 0x80 start or continue a multi-byte character: only the whole segment can tell.
                Charset::Utf8 => (0x20..0x7F).contains(&byte),
            };
            *class = if allowed { PLAIN } else { SUSPECT };
        }
        for byte in [separators.component, separators.element, separators.terminator, b'\r', b'\n'] {
            self.class[byte as usize] = SPECIAL;
        }
        if let Some(release) = separators.release {
            self.class[release as usize] = SPECIAL;
        }
    }

    /// Returns the line and column of the next byte.
    pub(crate) fn line_column(&self) -> (u64, u64) {
        (self.line, self.column)
    }

    /// Skips a byte-order mark and blank space, then applies UNA or checks that UNB follows.
    pub(crate) fn start(&mut self) -> io::Result<Start> {
        // The start is read a byte at a time: it is a few bytes, and a BOM may span buffer refills.
        let mut replay = std::collections::VecDeque::new();
        while replay.len() < 3 {
            match self.next_byte()? {
                Some(byte) => replay.push_back(byte),
                None => break,
            }
        }
        if replay.iter().eq(b"\xEF\xBB\xBF".iter()) {
            replay.clear();
        }
        let mut head = Vec::with_capacity(9);
        while head.len() < 9 {
            let byte = match replay.pop_front() {
                Some(byte) => byte,
                None => match self.next_byte()? {
                    Some(byte) => byte,
                    None => break,
                },
            };
            if head.is_empty() && byte.is_ascii_whitespace() {
                if byte == b'\n' {
                    self.line += 1;
                    self.column = 1;
                } else {
                    self.column += 1;
                }
                continue;
            }
            head.push(byte);
        }
        if head.is_empty() {
            return Ok(Start::Empty);
        }
        if head.starts_with(b"UNA") {
            if head.len() < 9 {
                return Ok(Start::BadUna { found: head });
            }
            let release = (head[6] != b' ').then_some(head[6]);
            let separators = Separators { component: head[3], element: head[4], release, terminator: head[8] };
            let mut distinct = vec![separators.component, separators.element, separators.terminator];
            distinct.extend(release);
            let count = distinct.len();
            distinct.sort_unstable();
            distinct.dedup();
            if distinct.len() != count || distinct.iter().any(|b| b.is_ascii_alphanumeric()) {
                return Ok(Start::BadUna { found: head });
            }
            self.set_separators(separators);
            self.column += 9;
            return Ok(Start::Interchange);
        }
        if head.starts_with(b"UNB") {
            if head.get(3) == Some(&Separators::LEVEL_B.element) {
                self.set_separators(Separators::LEVEL_B);
            }
            self.pending = head;
            return Ok(Start::Interchange);
        }
        Ok(Start::NotEdifact { found: head })
    }

    fn next_byte(&mut self) -> io::Result<Option<u8>> {
        let byte = self.input.fill_buf()?.first().copied();
        if byte.is_some() {
            self.input.consume(1);
        }
        Ok(byte)
    }

    /// Reads the next segment and appends it to `buf`. Data past `limit` bytes in the buffer is not stored.
    pub(crate) fn next_segment(&mut self, buf: &mut SegmentBuf, limit: usize) -> io::Result<Lexed> {
        let mut scan = Scan { in_segment: false, released: false, truncated: false, suspect: false, limit };
        let lexed = self.lex(buf, &mut scan);
        self.suspect = scan.suspect;
        lexed
    }

    fn lex(&mut self, buf: &mut SegmentBuf, scan: &mut Scan) -> io::Result<Lexed> {
        if !self.pending.is_empty() {
            let pending = std::mem::take(&mut self.pending);
            let (used, done) = self.scan(&pending, buf, scan);
            if done {
                self.pending = pending[used..].to_vec();
                return Ok(Lexed::Segment { truncated: scan.truncated });
            }
        }
        loop {
            let available = self.input.fill_buf()?;
            if available.is_empty() {
                return Ok(match (scan.in_segment, scan.released) {
                    (false, _) => Lexed::End,
                    (true, true) => {
                        buf.close_segment();
                        Lexed::DanglingRelease
                    }
                    (true, false) => {
                        buf.close_segment();
                        Lexed::Unterminated
                    }
                });
            }
            // The borrow checker cannot see that `scan` does not touch `input`; copy the chunk's bounds instead.
            let chunk: &[u8] = available;
            let (used, done) = scan_chunk(
                chunk,
                buf,
                scan,
                &self.class,
                self.separators,
                &mut self.line,
                &mut self.column,
                &mut self.position,
            );
            self.input.consume(used);
            if done {
                return Ok(Lexed::Segment { truncated: scan.truncated });
            }
        }
    }

    fn scan(&mut self, chunk: &[u8], buf: &mut SegmentBuf, scan: &mut Scan) -> (usize, bool) {
        scan_chunk(chunk, buf, scan, &self.class, self.separators, &mut self.line, &mut self.column, &mut self.position)
    }

    /// Returns the offset in the last segment's bytes of the first byte not allowed in the character set.
    pub(crate) fn invalid_byte(&self, buf: &SegmentBuf) -> Option<usize> {
        if !self.suspect {
            return None;
        }
        let bytes = buf.last_segment_bytes();
        let ascii = |b: u8| (0x20..0x7F).contains(&b);
        // 0x80–0x9F are C1 controls in ISO 8859-1: in practice Windows-1252 text mislabelled as UNOC.
        let latin1 = |b: u8| !(b < 0x20 || (0x7F..0xA0).contains(&b));
        let utf8 = |b: u8| !(b < 0x20 || b == 0x7F);
        match self.charset {
            Charset::Ascii => first_not(bytes, ascii),
            Charset::Latin1 => first_not(bytes, latin1),
            Charset::Utf8 => match std::str::from_utf8(bytes) {
                Ok(_) => first_not(bytes, utf8),
                Err(error) => Some(error.valid_up_to()),
            },
        }
    }
}

/// Returns the offset of the first byte for which `allowed` is false. Every segment is checked and nearly every
/// one passes, so the whole slice is first tested without early exit, which the compiler vectorises.
#[inline]
fn first_not(bytes: &[u8], allowed: impl Fn(u8) -> bool + Copy) -> Option<usize> {
    if bytes.iter().fold(true, |ok, &b| ok & allowed(b)) {
        return None;
    }
    bytes.iter().position(|&b| !allowed(b))
}

/// Lexes bytes of `chunk` into `buf`; returns how many were used and whether a segment was completed.
#[allow(clippy::too_many_arguments)] // the hot loop keeps its state in locals the caller owns
#[inline]
fn scan_chunk(
    chunk: &[u8],
    buf: &mut SegmentBuf,
    scan: &mut Scan,
    class: &[u8; 256],
    separators: Separators,
    line: &mut u64,
    column: &mut u64,
    position: &mut u64,
) -> (usize, bool) {
    let mut i = 0;
    while i < chunk.len() {
        if !scan.in_segment {
            let byte = chunk[i];
            if byte.is_ascii_whitespace() {
                if byte == b'\n' {
                    *line += 1;
                    *column = 1;
                } else {
                    *column += 1;
                }
                i += 1;
                continue;
            }
            scan.in_segment = true;
            *position += 1;
            buf.begin_segment(*line, *column, *position);
        }
        if scan.released {
            scan.released = false;
            let byte = chunk[i];
            if byte == b'\n' {
                *line += 1;
                *column = 1;
            } else {
                *column += 1;
                scan.suspect = true;
                store(buf, scan, &chunk[i..=i]);
            }
            i += 1;
            continue;
        }
        let start = i;
        while i < chunk.len() && class[chunk[i] as usize] == PLAIN {
            i += 1;
        }
        if i > start {
            store(buf, scan, &chunk[start..i]);
            *column += (i - start) as u64;
        }
        if i == chunk.len() {
            break;
        }
        let byte = chunk[i];
        i += 1;
        if class[byte as usize] == SUSPECT {
            scan.suspect = true;
            store(buf, scan, &chunk[i - 1..i]);
            *column += 1;
            continue;
        }
        if byte == b'\n' && separators.terminator != b'\n' {
            *line += 1;
            *column = 1;
            continue;
        }
        *column += 1;
        if byte == separators.terminator {
            buf.close_segment();
            if byte == b'\n' {
                *line += 1;
                *column = 1;
            }
            return (i, true);
        } else if Some(byte) == separators.release {
            scan.released = true;
        } else if byte == separators.element {
            buf.close_element();
            scan.truncated |= buf.size() >= scan.limit;
            if !scan.truncated {
                buf.begin_element();
            }
        } else if byte == separators.component {
            buf.close_component();
            scan.truncated |= buf.size() >= scan.limit;
            if !scan.truncated {
                buf.begin_component();
            }
        }
        // `\r` outside data is dropped.
    }
    (i, false)
}

#[inline]
fn store(buf: &mut SegmentBuf, scan: &mut Scan, bytes: &[u8]) {
    if scan.truncated {
        return;
    }
    if buf.size() + bytes.len() > scan.limit {
        scan.truncated = true;
        return;
    }
    if bytes.len() == 1 {
        buf.push_byte(bytes[0]);
    } else {
        buf.push_bytes(bytes);
    }
}
