//! A bounded XML document tree for the XML formats (ENS IE315, IATA Cargo-XML, WCO Data Model): untrusted input is
//! parsed with no DTD processing and no entity expansion beyond the five predefined entities and character
//! references, within `Limits` on size and depth, into a tree whose every element knows its line, column and
//! positional XPath (`/ie:CC315A[1]/TRACONCE1[1]/CitCE124[1]`), so that every diagnostic can say where.

pub(crate) mod fields;
#[cfg(test)]
mod tests;

use aduana_core::{Diagnostic, Location, LocationPath};
use quick_xml::events::{BytesStart, Event};

use crate::Limits;

/// The index of an element in its document.
pub type ElementId = usize;

/// A parsed XML document: elements in document order, the root first.
#[derive(Debug, Clone)]
pub struct XmlDocument {
    source: String,
    elements: Vec<Element>,
}

/// One element of an [`XmlDocument`].
#[derive(Debug, Clone)]
pub struct Element {
    /// The qualified name as written, with its prefix (`ie:CC315A`).
    pub name: String,
    /// The attributes as written (qualified names), values unescaped, in document order.
    pub attributes: Vec<(String, String)>,
    /// The element's own text content (text and CDATA directly inside it, concatenated, unescaped, not trimmed).
    pub text: String,
    /// The parent, `None` for the root.
    pub parent: Option<ElementId>,
    /// The child elements in document order.
    pub children: Vec<ElementId>,
    /// The 1-based position among the parent's children of the same qualified name (XPath `[n]`).
    pub position: u32,
    /// The 1-based line of the start tag.
    pub line: u64,
    /// The 1-based column (in bytes) of the start tag.
    pub column: u64,
}

impl Element {
    /// Returns the local name (without a namespace prefix).
    pub fn local_name(&self) -> &str {
        self.name.rsplit_once(':').map_or(&self.name, |(_, local)| local)
    }

    /// Returns an attribute's value by local name.
    pub fn attribute(&self, local_name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(name, _)| name.rsplit_once(':').map_or(name.as_str(), |(_, l)| l) == local_name)
            .map(|(_, value)| value.as_str())
    }

    /// Returns the text with surrounding whitespace removed.
    pub fn trimmed_text(&self) -> &str {
        self.text.trim()
    }
}

/// Reads one whole XML document from `input` within the limits and parses it; reports an oversized or
/// ill-formed document to the sink and returns `None` when there is no document to map.
pub(crate) fn read_document(
    input: &mut dyn std::io::BufRead,
    source: &str,
    limits: &Limits,
    sink: &mut dyn crate::Sink,
) -> Result<Option<XmlDocument>, crate::ReadError> {
    let Some(bytes) = crate::read_document_bytes(input, source, limits, sink)? else { return Ok(None) };
    match XmlDocument::parse(&bytes, source, limits) {
        Ok(doc) => Ok(Some(doc)),
        Err(diagnostic) => {
            sink.diagnostic(*diagnostic);
            Ok(None)
        }
    }
}

impl XmlDocument {
    /// Parses a document. Fails with one located diagnostic (code `xml_syntax`, `xml_dtd_forbidden`,
    /// `xml_too_deep`, `document_too_large`, `xml_encoding`) when the input is not well-formed XML within the limits.
    pub fn parse(bytes: &[u8], source: &str, limits: &Limits) -> Result<XmlDocument, Box<Diagnostic>> {
        let input = bytes;
        let mut lines = LineCursor::default();
        let fail = |code: &str, message: String, offset: usize| {
            let (line, column) = LineCursor::default().position(input, offset);
            Box::new(Diagnostic::error(code, message, Location::file(source).at(line, column)))
        };
        if bytes.len() as u64 > limits.max_document_bytes {
            let message =
                format!("expected a document of at most {} bytes, found {}", limits.max_document_bytes, bytes.len());
            return Err(fail("document_too_large", message, 0));
        }
        // Offsets below are into the text after a byte-order mark; `offset_base` maps them back to the input.
        let (bytes, offset_base) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
            Some(rest) => (rest, 3),
            None => (bytes, 0),
        };
        if let Err(error) = std::str::from_utf8(bytes) {
            let message = "expected UTF-8 text, found an invalid byte sequence".to_owned();
            return Err(fail("xml_encoding", message, offset_base + error.valid_up_to()));
        }
        let mut reader = quick_xml::Reader::from_reader(bytes);
        reader.config_mut().check_end_names = true;
        // XML 1.0 §2.5: `--` must not occur inside a comment; a comment left open by `->` swallows markup.
        reader.config_mut().check_comments = true;
        reader.config_mut().expand_empty_elements = false;
        // Every element but an empty one takes two tags: half the `<` count is a close upper bound on the elements,
        // and reserving it once saves regrowing (and copying) the tree several times per document.
        let tags = memchr::memchr_iter(b'<', bytes).count();
        let mut elements: Vec<Element> = Vec::with_capacity(tags / 2 + 1);
        let mut stack: Vec<ElementId> = Vec::new();
        let mut root_closed = false;
        loop {
            let before = reader.buffer_position() as usize;
            let event = match reader.read_event() {
                Ok(event) => event,
                Err(error) => {
                    let at = reader.error_position() as usize;
                    return Err(fail("xml_syntax", format!("expected well-formed XML: {error}"), offset_base + at));
                }
            };
            let at = offset_base + before + leading_whitespace(&bytes[before.min(bytes.len())..]);
            match event {
                Event::Start(start) | Event::Empty(start) if root_closed => {
                    let name = String::from_utf8_lossy(start.name().as_ref()).into_owned();
                    return Err(fail(
                        "xml_syntax",
                        format!("expected one root element, found a second one <{name}>"),
                        at,
                    ));
                }
                Event::Start(start) => {
                    let id = push_element(&mut elements, &stack, &start, lines.position(input, at))
                        .map_err(|m| fail("xml_syntax", m, at))?;
                    stack.push(id);
                    if stack.len() > limits.max_depth as usize {
                        let message = format!("expected elements nested at most {} deep", limits.max_depth);
                        return Err(fail("xml_too_deep", message, at));
                    }
                }
                Event::Empty(start) => {
                    push_element(&mut elements, &stack, &start, lines.position(input, at))
                        .map_err(|m| fail("xml_syntax", m, at))?;
                    root_closed |= stack.is_empty();
                }
                Event::End(_) => {
                    stack.pop();
                    root_closed |= stack.is_empty();
                }
                Event::Text(text) if text.iter().all(u8::is_ascii_whitespace) => {
                    // Indentation between elements: no references to resolve, so no unescaping to pay for.
                    if let Some(&id) = stack.last() {
                        let whitespace = std::str::from_utf8(&text).expect("checked as UTF-8 above");
                        elements[id].text.push_str(whitespace);
                    }
                }
                Event::Text(text) => {
                    let unescaped = text
                        .unescape()
                        .map_err(|e| fail("xml_syntax", format!("expected a valid reference: {e}"), at))?;
                    match stack.last() {
                        Some(&id) => elements[id].text.push_str(&unescaped),
                        None if unescaped.trim().is_empty() => {}
                        None => {
                            return Err(fail(
                                "xml_syntax",
                                "expected markup, found text outside the root element".to_owned(),
                                at,
                            ));
                        }
                    }
                }
                Event::CData(data) => {
                    if let Some(&id) = stack.last() {
                        elements[id].text.push_str(&String::from_utf8_lossy(&data));
                    }
                }
                Event::DocType(_) => {
                    let message =
                        "expected no document type declaration: DTDs and entity declarations are not accepted"
                            .to_owned();
                    return Err(fail("xml_dtd_forbidden", message, at));
                }
                Event::Decl(decl) => {
                    if let Some(Ok(encoding)) = decl.encoding() {
                        let encoding = String::from_utf8_lossy(&encoding).to_ascii_uppercase();
                        if !matches!(encoding.as_str(), "UTF-8" | "UTF8" | "US-ASCII" | "ASCII") {
                            let message = format!("expected UTF-8, found a declared encoding {encoding}");
                            return Err(fail("xml_encoding", message, at));
                        }
                    }
                }
                Event::Comment(_) | Event::PI(_) => {}
                Event::Eof => break,
            }
        }
        if let Some(&open) = stack.last() {
            let message = format!("expected </{}> before the end of the document", elements[open].name);
            return Err(fail("xml_syntax", message, offset_base + bytes.len()));
        }
        if elements.is_empty() {
            return Err(fail("xml_syntax", "expected a root element, found none".to_owned(), 0));
        }
        Ok(XmlDocument { source: source.to_owned(), elements })
    }

    /// Returns the root element's id.
    pub fn root(&self) -> ElementId {
        0
    }

    /// Returns an element.
    ///
    /// # Panics
    ///
    /// Panics if `id` did not come from this document.
    pub fn element(&self, id: ElementId) -> &Element {
        &self.elements[id]
    }

    /// Returns every element in document order with its id.
    pub fn elements(&self) -> impl Iterator<Item = (ElementId, &Element)> {
        self.elements.iter().enumerate()
    }

    /// Returns the child elements of `id` whose local name is `local_name`, in document order.
    pub fn children_named<'a>(&'a self, id: ElementId, local_name: &'a str) -> impl Iterator<Item = ElementId> + 'a {
        self.elements[id].children.iter().copied().filter(move |c| self.elements[*c].local_name() == local_name)
    }

    /// Returns the first child element of `id` with a local name.
    pub fn child(&self, id: ElementId, local_name: &str) -> Option<ElementId> {
        self.children_named(id, local_name).next()
    }

    /// Returns the trimmed, non-empty text of the element reached by following local names from `id`.
    pub fn text_at(&self, id: ElementId, path: &[&str]) -> Option<&str> {
        let mut current = id;
        for name in path {
            current = self.child(current, name)?;
        }
        Some(self.elements[current].trimmed_text()).filter(|t| !t.is_empty())
    }

    /// Returns the positional XPath of an element, with names as written: `/ie:CC315A[1]/TRACONCE1[1]`.
    pub fn xpath(&self, id: ElementId) -> String {
        let mut steps = Vec::new();
        let mut current = Some(id);
        while let Some(i) = current {
            let element = &self.elements[i];
            steps.push(format!("{}[{}]", element.name, element.position));
            current = element.parent;
        }
        steps.reverse();
        format!("/{}", steps.join("/"))
    }

    /// Returns the location of an element: file, line, column and XPath.
    pub fn location(&self, id: ElementId) -> Location {
        let element = &self.elements[id];
        Location::file(&self.source)
            .at(element.line, element.column)
            .with_path(LocationPath::XPath { xpath: self.xpath(id) })
    }

    /// Returns the source name the document was parsed with.
    pub fn source(&self) -> &str {
        &self.source
    }
}

fn push_element(
    elements: &mut Vec<Element>,
    stack: &[ElementId],
    start: &BytesStart<'_>,
    (line, column): (u64, u64),
) -> Result<ElementId, String> {
    let name = String::from_utf8_lossy(start.name().as_ref()).into_owned();
    let mut attributes = Vec::new();
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|e| format!("expected a well-formed attribute in <{name}>: {e}"))?;
        let key = String::from_utf8_lossy(attribute.key.as_ref()).into_owned();
        let value = attribute
            .unescape_value()
            .map_err(|e| format!("expected a valid reference in attribute {key} of <{name}>: {e}"))?
            .into_owned();
        attributes.push((key, value));
    }
    let parent = stack.last().copied();
    let id = elements.len();
    // Siblings of one name are numbered in order, so the nearest earlier one gives the position.
    let position = match parent {
        Some(p) => elements[p]
            .children
            .iter()
            .rev()
            .find(|c| elements[**c].name == name)
            .map_or(1, |c| elements[*c].position + 1),
        None => 1,
    };
    if let Some(p) = parent {
        elements[p].children.push(id);
    }
    elements.push(Element {
        name,
        attributes,
        text: String::new(),
        parent,
        children: Vec::new(),
        position,
        line,
        column,
    });
    Ok(id)
}

fn leading_whitespace(bytes: &[u8]) -> usize {
    bytes.iter().take_while(|b| b.is_ascii_whitespace()).count()
}

/// Maps byte offsets to 1-based lines and columns, moving forward through the input: elements come in document
/// order, so each call counts only the newlines since the previous one (an earlier offset starts over).
#[derive(Default)]
struct LineCursor {
    /// The offset the cursor stands at.
    offset: usize,
    /// The 0-based line of `offset`.
    line: usize,
    /// The offset where that line starts.
    line_start: usize,
}

impl LineCursor {
    fn position(&mut self, bytes: &[u8], offset: usize) -> (u64, u64) {
        let offset = offset.min(bytes.len());
        if offset < self.offset {
            *self = LineCursor::default();
        }
        let skipped = &bytes[self.offset..offset];
        let newlines = skipped.iter().filter(|b| **b == b'\n').count();
        if newlines > 0 {
            self.line += newlines;
            let last = skipped.iter().rposition(|b| *b == b'\n').expect("a newline was counted");
            self.line_start = self.offset + last + 1;
        }
        self.offset = offset;
        ((self.line + 1) as u64, (offset - self.line_start + 1) as u64)
    }
}

/// Returns the local name of the root element from the first bytes of a document, skipping the XML declaration,
/// comments, processing instructions and a document type declaration; `None` when no start tag is in `head`.
pub fn root_local_name(head: &[u8]) -> Option<&str> {
    let mut rest = head;
    loop {
        let start = rest.iter().position(|b| *b == b'<')?;
        rest = &rest[start..];
        if rest.starts_with(b"<!--") {
            let end = rest.windows(3).position(|w| w == b"-->")?;
            rest = &rest[end + 3..];
        } else if rest.starts_with(b"<?") || rest.starts_with(b"<!") {
            let end = rest.iter().position(|b| *b == b'>')?;
            rest = &rest[end + 1..];
        } else {
            let name_end = rest[1..]
                .iter()
                .position(|b| b.is_ascii_whitespace() || matches!(b, b'>' | b'/'))
                .map_or(rest.len(), |i| i + 1);
            let name = std::str::from_utf8(&rest[1..name_end]).ok()?;
            return Some(name.rsplit_once(':').map_or(name, |(_, local)| local));
        }
    }
}
