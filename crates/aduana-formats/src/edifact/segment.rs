//! Lexed segments: one reused buffer holds the unescaped bytes of every segment of the current message, with the
//! boundaries of its data elements and components, so that reading a message allocates nothing per segment.

use std::borrow::Cow;

use aduana_core::{Location, LocationPath, Text};

/// The character repertoire an interchange declares in UNB (syntax identifier).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Charset {
    /// UNOA and UNOB, and any syntax identifier with only ASCII characters allowed.
    Ascii,
    /// UNOC: ISO 8859-1 (Latin-1), one byte per character.
    Latin1,
    /// UNOW and UNOY: UTF-8.
    Utf8,
}

/// Where a segment starts and which part of the buffer it owns.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SegmentMeta {
    /// Index of the segment's first element in [`SegmentBuf::elements`].
    first_element: u32,
    /// Index one past its last element.
    end_element: u32,
    /// The 1-based line of the segment tag's first byte.
    pub(crate) line: u64,
    /// The 1-based column of the segment tag's first byte.
    pub(crate) column: u64,
    /// The 1-based position of the segment in the interchange.
    pub(crate) interchange_position: u64,
}

/// The unescaped bytes of a run of segments and where their elements and components begin and end.
#[derive(Debug, Default)]
pub(crate) struct SegmentBuf {
    data: Vec<u8>,
    /// The same bytes as text, while a complete message is being mapped and all of it decodes as its character
    /// set (nearly always): validated once here instead of once per component read. [`SegmentBuf::clear`] gives
    /// the bytes back to `data` for the next message.
    text: Option<String>,
    /// `(start, end)` byte ranges of components in `data`.
    components: Vec<(u32, u32)>,
    /// `(first component, end component)` of each element; element 0 of a segment is its tag.
    elements: Vec<(u32, u32)>,
    segments: Vec<SegmentMeta>,
}

impl SegmentBuf {
    /// Empties the buffer, keeping its capacity.
    pub(crate) fn clear(&mut self) {
        if let Some(text) = self.text.take() {
            self.data = text.into_bytes();
        }
        self.data.clear();
        self.components.clear();
        self.elements.clear();
        self.segments.clear();
    }

    /// Returns the size the byte limit is checked against: data bytes plus one per component, so that a run of
    /// separators without data is bounded too.
    pub(crate) fn size(&self) -> usize {
        self.data.len() + self.components.len()
    }

    /// Decodes the whole buffer once as text in `charset`, where it is valid: from then on components are read
    /// as slices of that text. Called when a message is complete, before it is mapped; nothing may be added to
    /// the buffer until [`SegmentBuf::clear`].
    pub(crate) fn seal(&mut self, charset: Charset) {
        if self.text.is_some() || (charset == Charset::Latin1 && !self.data.is_ascii()) {
            // Latin-1 text beyond ASCII is not UTF-8: its components are decoded one by one.
            return;
        }
        match String::from_utf8(std::mem::take(&mut self.data)) {
            Ok(text) => self.text = Some(text),
            Err(error) => self.data = error.into_bytes(),
        }
    }

    /// Returns the buffer's bytes, wherever they are kept.
    #[inline]
    fn bytes(&self) -> &[u8] {
        match &self.text {
            Some(text) => text.as_bytes(),
            None => &self.data,
        }
    }

    /// Returns how many segments the buffer holds.
    pub(crate) fn len(&self) -> usize {
        self.segments.len()
    }

    /// Returns the segment at `index` (0-based in the buffer).
    pub(crate) fn segment(&self, index: usize) -> Segment<'_> {
        Segment { buf: self, meta: self.segments[index], index }
    }

    /// Returns every segment in order.
    pub(crate) fn segments(&self) -> impl Iterator<Item = Segment<'_>> {
        (0..self.segments.len()).map(|i| self.segment(i))
    }

    /// Removes the last segment.
    pub(crate) fn pop(&mut self) {
        if let Some(meta) = self.segments.pop() {
            let first_component = self.elements.get(meta.first_element as usize).map_or(0, |e| e.0);
            let first_byte = self.components.get(first_component as usize).map_or(0, |c| c.0);
            self.elements.truncate(meta.first_element as usize);
            self.components.truncate(first_component as usize);
            self.data.truncate(first_byte as usize);
        }
    }

    /// Keeps only the last segment, moving it to the front.
    pub(crate) fn keep_only_last(&mut self) {
        let Some(meta) = self.segments.last().copied() else { return };
        let first_element = meta.first_element as usize;
        let first_component = self.elements[first_element].0 as usize;
        let first_byte = self.components[first_component].0;
        self.data.drain(..first_byte as usize);
        self.components.drain(..first_component);
        for component in &mut self.components {
            component.0 -= first_byte;
            component.1 -= first_byte;
        }
        self.elements.drain(..first_element);
        for element in &mut self.elements {
            element.0 -= first_component as u32;
            element.1 -= first_component as u32;
        }
        self.segments.clear();
        self.segments.push(SegmentMeta { first_element: 0, end_element: self.elements.len() as u32, ..meta });
    }

    // Building, used by the lexer.

    pub(crate) fn begin_segment(&mut self, line: u64, column: u64, interchange_position: u64) {
        debug_assert!(self.text.is_none(), "a sealed buffer is cleared before lexing goes on");
        let first_element = self.elements.len() as u32;
        self.segments.push(SegmentMeta {
            first_element,
            end_element: first_element,
            line,
            column,
            interchange_position,
        });
        self.begin_element();
    }

    pub(crate) fn begin_element(&mut self) {
        let component = self.components.len() as u32;
        self.elements.push((component, component));
        self.begin_component();
    }

    pub(crate) fn begin_component(&mut self) {
        let at = self.data.len() as u32;
        self.components.push((at, at));
    }

    #[inline]
    pub(crate) fn push_bytes(&mut self, bytes: &[u8]) {
        self.data.extend_from_slice(bytes);
    }

    #[inline]
    pub(crate) fn push_byte(&mut self, byte: u8) {
        self.data.push(byte);
    }

    /// Closes the current component; called before a component separator.
    #[inline]
    pub(crate) fn close_component(&mut self) {
        let end = self.data.len() as u32;
        if let Some(component) = self.components.last_mut() {
            component.1 = end;
        }
    }

    /// Closes the current component and its element; called before a data element separator.
    #[inline]
    pub(crate) fn close_element(&mut self) {
        self.close_component();
        let components = self.components.len() as u32;
        if let Some(element) = self.elements.last_mut() {
            element.1 = components;
        }
    }

    /// Closes the current component, element and segment; called at the segment terminator or the end of input.
    #[inline]
    pub(crate) fn close_segment(&mut self) {
        self.close_element();
        let elements = self.elements.len() as u32;
        if let Some(segment) = self.segments.last_mut() {
            segment.end_element = elements;
        }
    }

    /// Returns the bytes of the last segment, from its first byte to the end of the buffer.
    pub(crate) fn last_segment_bytes(&self) -> &[u8] {
        let Some(meta) = self.segments.last() else { return &[] };
        let first_component = self.elements.get(meta.first_element as usize).map_or(0, |e| e.0);
        let first_byte = self.components.get(first_component as usize).map_or(0, |c| c.0);
        &self.bytes()[first_byte as usize..]
    }

    /// Returns the 1-based element and component of the byte at `offset` within the last segment's bytes.
    pub(crate) fn last_segment_position_of(&self, offset: usize) -> (u32, u32) {
        let Some(meta) = self.segments.last() else { return (0, 0) };
        let base = self.last_segment_start();
        let absolute = (base + offset) as u32;
        for e in meta.first_element..meta.end_element {
            let (first, end) = self.elements[e as usize];
            for c in first..end {
                let (start, stop) = self.components[c as usize];
                if absolute >= start && absolute < stop {
                    return (e - meta.first_element, c - first + 1);
                }
            }
        }
        (0, 0)
    }

    fn last_segment_start(&self) -> usize {
        let Some(meta) = self.segments.last() else { return 0 };
        let first_component = self.elements.get(meta.first_element as usize).map_or(0, |e| e.0);
        self.components.get(first_component as usize).map_or(0, |c| c.0 as usize)
    }
}

/// One segment in a [`SegmentBuf`]. Element 0 is the tag; data elements are numbered from 1, components from 1.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Segment<'a> {
    buf: &'a SegmentBuf,
    meta: SegmentMeta,
    /// The 0-based index in the buffer: for a message, the segment's position in it minus one.
    pub(crate) index: usize,
}

impl<'a> Segment<'a> {
    /// Returns the segment tag (`BGM`); empty or odd bytes come back as they are, lossily decoded.
    pub(crate) fn tag(&self) -> &'a [u8] {
        self.value(0, 1)
    }

    /// Returns the tag as text.
    pub(crate) fn tag_str(&self) -> Cow<'a, str> {
        String::from_utf8_lossy(self.tag())
    }

    /// Returns the number of data elements after the tag.
    pub(crate) fn element_count(&self) -> usize {
        (self.meta.end_element - self.meta.first_element).saturating_sub(1) as usize
    }

    /// Returns the number of components of data element `element` (0 when absent).
    pub(crate) fn component_count(&self, element: usize) -> usize {
        let index = self.meta.first_element as usize + element;
        if index >= self.meta.end_element as usize {
            return 0;
        }
        let (first, end) = self.buf.elements[index];
        (end - first) as usize
    }

    /// Returns the raw (unescaped) bytes of component `component` of data element `element`, empty when absent.
    #[inline]
    pub(crate) fn value(&self, element: usize, component: usize) -> &'a [u8] {
        let index = self.meta.first_element as usize + element;
        if index >= self.meta.end_element as usize || component == 0 {
            return &[];
        }
        let (first, end) = self.buf.elements[index];
        let c = first as usize + component - 1;
        if c >= end as usize {
            return &[];
        }
        let (start, stop) = self.buf.components[c];
        &self.buf.bytes()[start as usize..stop as usize]
    }

    /// Returns a component as text when the message was decoded whole (see [`SegmentBuf::seal`]); `None` when it
    /// was not, and the component must be decoded by itself. An absent component is empty text.
    #[inline]
    fn sealed_text(&self, element: usize, component: usize) -> Option<&'a str> {
        let text = self.buf.text.as_deref()?;
        let index = self.meta.first_element as usize + element;
        if index >= self.meta.end_element as usize || component == 0 {
            return Some("");
        }
        let (first, end) = self.buf.elements[index];
        let c = first as usize + component - 1;
        if c >= end as usize {
            return Some("");
        }
        let (start, stop) = self.buf.components[c];
        // Components end at separators, which are ASCII, so these are character boundaries.
        text.get(start as usize..stop as usize)
    }

    /// Returns a component decoded in the interchange's character set, `None` when absent or blank.
    pub(crate) fn text(&self, element: usize, component: usize, charset: Charset) -> Option<Cow<'a, str>> {
        if let Some(text) = self.sealed_text(element, component) {
            return (!trim(text).is_empty()).then_some(Cow::Borrowed(text));
        }
        let bytes = self.value(element, component);
        if bytes.is_empty() {
            return None;
        }
        let text = decode(bytes, charset);
        if trim(&text).is_empty() { None } else { Some(text) }
    }

    /// Returns a component decoded in the interchange's character set and trimmed, `None` when absent or blank.
    pub(crate) fn trimmed(&self, element: usize, component: usize, charset: Charset) -> Option<Text> {
        if let Some(text) = self.sealed_text(element, component) {
            let text = trim(text);
            return (!text.is_empty()).then(|| Text::from(text));
        }
        let bytes = self.value(element, component);
        if bytes.is_empty() {
            return None;
        }
        let decoded = decode(bytes, charset);
        let text = trim(&decoded);
        if text.is_empty() { None } else { Some(Text::from(text)) }
    }

    /// Returns a component as ASCII text (codes, qualifiers), empty when absent or not ASCII.
    #[inline]
    pub(crate) fn code(&self, element: usize, component: usize) -> &'a str {
        if let Some(text) = self.sealed_text(element, component) {
            return trim(text);
        }
        std::str::from_utf8(self.value(element, component)).map(trim).unwrap_or("")
    }

    /// Returns the first line and column of the segment.
    pub(crate) fn line_column(&self) -> (u64, u64) {
        (self.meta.line, self.meta.column)
    }

    /// Returns the segment's position in the interchange.
    pub(crate) fn interchange_position(&self) -> u64 {
        self.meta.interchange_position
    }

    /// Returns a location for the segment, at `position`, optionally at one element and component.
    pub(crate) fn location(
        &self,
        source: &str,
        position: u64,
        element: Option<u32>,
        component: Option<u32>,
        data_element: Option<&str>,
    ) -> Location {
        Location::file(source).at(self.meta.line, self.meta.column).with_path(LocationPath::Segment {
            position,
            tag: self.tag_str().into_owned(),
            element,
            component,
            data_element: data_element.map(str::to_owned),
        })
    }
}

/// Returns `text` without leading and trailing whitespace, as [`str::trim`] does, without decoding characters
/// when the text starts and ends with a visible ASCII character (nearly always).
#[inline]
pub(crate) fn trim(text: &str) -> &str {
    match text.as_bytes() {
        [first, .., last] if first.is_ascii_graphic() && last.is_ascii_graphic() => text,
        [only] if only.is_ascii_graphic() => text,
        _ => text.trim(),
    }
}

/// Decodes bytes in a character set; invalid bytes were reported by the lexer and are replaced here.
pub(crate) fn decode(bytes: &[u8], charset: Charset) -> Cow<'_, str> {
    match charset {
        Charset::Latin1 if !bytes.is_ascii() => Cow::Owned(bytes.iter().map(|b| char::from(*b)).collect()),
        // `from_utf8` has an ASCII fast path that the lossy decoder lacks; the result is the same.
        _ => match std::str::from_utf8(bytes) {
            Ok(text) => Cow::Borrowed(text),
            Err(_) => String::from_utf8_lossy(bytes),
        },
    }
}
