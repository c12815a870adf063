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
        b'{' => {
            // A JSON Lines file has a second line that starts a new object at column 1; a pretty-printed
            // document's inner lines start with whitespace, `"` or a closing bracket.
            let second_object = body.split(|b| *b == b'\n').skip(1).any(|line| line.first() == Some(&b'{'));
            Some(if second_object { Format::JsonLines } else { Format::Json })
        }
        b'<' if crate::xml::root_local_name(body) == Some(crate::ens::ROOT) => Some(Format::EnsXml),
        _ => None,
    }
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
    fn ens_is_recognised_by_its_cc315a_root_after_the_prolog() {
        let head =
            b"<?xml version=\"1.0\"?>\n<!-- c -->\n<?pi x?><ie:CC315A xmlns:ie=\"http://ics.dgtaxud.ec/CC315A\">";
        assert_eq!(detect(head), Some(Format::EnsXml));
        assert_eq!(detect(b"<CC315A>"), Some(Format::EnsXml));
        assert_eq!(detect(b"<ie:CC313A>"), None);
    }
}
