//! Format detection from content: the first bytes of an input say which format it is.

use crate::Format;

/// Returns the format of an input judging by its first bytes (a few kilobytes suffice), or `None` when no
/// format Aduana reads starts like this.
pub fn detect(head: &[u8]) -> Option<Format> {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = head.iter().position(|b| !b.is_ascii_whitespace())?;
    let body = &head[start..];
    match body[0] {
        b'[' => Some(Format::Json),
        b'U' if body.starts_with(b"UNA") || body.starts_with(b"UNB") => Some(Format::Edifact),
        b'{' => {
            // A JSON Lines file has a second line that starts a new object at column 1; a pretty-printed
            // document's inner lines start with whitespace, `"` or a closing bracket.
            let second_object = body.split(|b| *b == b'\n').skip(1).any(|line| line.first() == Some(&b'{'));
            Some(if second_object { Format::JsonLines } else { Format::Json })
        }
        b'<' => root_element(body).and_then(|(local, namespace)| detect_xml(local, namespace)),
        _ => detect_csv(body),
    }
}

/// Returns the XML format of a document from its root element's local name and namespace URI.
pub(crate) fn detect_xml(root_local_name: &str, namespace: &str) -> Option<Format> {
    match (root_local_name, namespace) {
        (crate::ens::ROOT, _) => Some(Format::EnsXml),
        ("Waybill" | "HouseWaybill", ns) if ns.starts_with("iata:") => Some(Format::CargoXml),
        ("Declaration", "urn:wco:datamodel:WCO:DEC-DMS:2") => Some(Format::WcoDm),
        ("MetaData", "urn:wco:datamodel:WCO:DocumentMetaData-DMS:2") => Some(Format::WcoDm),
        ("submitDeclarationRequest", ns) if ns.contains("hmrc") => Some(Format::WcoDm),
        _ => None,
    }
}

/// Returns the local name and namespace URI of the root element of an XML head, skipping the XML declaration,
/// comments and processing instructions; `None` when the head does not reach the end of the root's start tag.
fn root_element(mut text: &[u8]) -> Option<(&str, &str)> {
    loop {
        text = text.trim_ascii_start();
        if let Some(rest) = text.strip_prefix(b"<?") {
            text = &rest[find(rest, b"?>")? + 2..];
        } else if let Some(rest) = text.strip_prefix(b"<!--") {
            text = &rest[find(rest, b"-->")? + 3..];
        } else {
            break;
        }
    }
    let rest = text.strip_prefix(b"<")?;
    let tag = std::str::from_utf8(&rest[..rest.iter().position(|b| *b == b'>')?]).ok()?;
    let name = tag.split(|c: char| c.is_ascii_whitespace() || c == '/').next()?;
    let (prefix, local) = name.split_once(':').unwrap_or(("", name));
    let attribute = if prefix.is_empty() { "xmlns=".to_owned() } else { format!("xmlns:{prefix}=") };
    let namespace = tag
        .find(&attribute)
        .and_then(|i| {
            let value = &tag[i + attribute.len()..];
            let quote = value.chars().next()?;
            let value = &value[1..];
            value.find(quote).map(|end| &value[..end])
        })
        .unwrap_or("");
    Some((local, namespace))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Recognises CSV layouts by their header line.
fn detect_csv(body: &[u8]) -> Option<Format> {
    let header = body.split(|b| *b == b'\n').next()?;
    let header = String::from_utf8_lossy(header);
    let has = |name: &str| header.split(',').any(|c| c.trim().trim_matches('"').eq_ignore_ascii_case(name));
    if has("Declaration ID") && has("HS6 Code") {
        return Some(Format::KcsCsv);
    }
    let first = header.split(',').next()?.trim().trim_matches('"');
    first.eq_ignore_ascii_case("reference").then_some(Format::Csv)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_json_lines_are_told_apart() {
        assert_eq!(detect(b"{\"reference\": \"A\"}\n{\"reference\": \"B\"}\n"), Some(Format::JsonLines));
        assert_eq!(detect(b"\xEF\xBB\xBF {\n  \"reference\": \"A\"\n}\n"), Some(Format::Json));
        assert_eq!(detect(b"[{\"reference\": \"A\"}]"), Some(Format::Json));
        assert_eq!(detect(b""), None);
        assert_eq!(detect(b"hello"), None);
    }

    #[test]
    fn edifact_is_recognised_by_una_or_unb_after_a_bom_and_blank_space() {
        assert_eq!(detect(b"\xEF\xBB\xBFUNB+UNOA:4+X+Y+20041016:1604+54'"), Some(Format::Edifact));
        assert_eq!(detect(b"\r\n UNA:+.? 'UNB+UNOC:3'"), Some(Format::Edifact));
        assert_eq!(detect(b"UNH+1+CUSCAR:D:03B:UN'"), None);
    }

    #[test]
    fn xml_formats_are_told_apart_by_root_element_and_namespace() {
        let xfwb = b"\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<!-- a comment -->\n<ns2:Waybill xmlns=\"iata:datamodel:3\" xmlns:ns2=\"iata:waybill:1\">";
        assert_eq!(detect(xfwb), Some(Format::CargoXml));
        assert_eq!(detect(b"<HouseWaybill xmlns='iata:housewaybill:1'>"), Some(Format::CargoXml));
        let dms = b"<md:MetaData xmlns:md=\"urn:wco:datamodel:WCO:DocumentMetaData-DMS:2\" xmlns=\"urn:wco:datamodel:WCO:DEC-DMS:2\">";
        assert_eq!(detect(dms), Some(Format::WcoDm));
        assert_eq!(detect(b"<Declaration xmlns=\"urn:wco:datamodel:WCO:DEC-DMS:2\">"), Some(Format::WcoDm));
        assert_eq!(detect(b"<Waybill xmlns=\"urn:other\">"), None);
        assert_eq!(detect(b"<Declaration>"), None);
        assert_eq!(detect(b"<!-- unterminated"), None);
    }

    #[test]
    fn ens_is_recognised_by_its_cc315a_root_after_the_prolog() {
        let head =
            b"<?xml version=\"1.0\"?>\n<!-- c -->\n<?pi x?><ie:CC315A xmlns:ie=\"http://ics.dgtaxud.ec/CC315A\">";
        assert_eq!(detect(head), Some(Format::EnsXml));
        assert_eq!(detect(b"<CC315A>"), Some(Format::EnsXml));
        assert_eq!(detect(b"<ie:CC313A>"), None);
    }

    #[test]
    fn kcs_csv_is_recognised_by_its_header() {
        assert_eq!(detect(b"Declaration ID,Date,HS6 Code\n1,2020-01-01,392690\n"), Some(Format::KcsCsv));
        assert_eq!(detect(b"Declaration ID,Date\n"), None);
        assert_eq!(detect(b"Reference,direction,hs_code\nA1,import,854140\n"), Some(Format::Csv));
    }
}
