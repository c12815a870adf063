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
    fn edifact_is_recognised_by_una_or_unb_after_a_bom_and_blank_space() {
        assert_eq!(detect(b"\xEF\xBB\xBFUNB+UNOA:4+X+Y+20041016:1604+54'"), Some(Format::Edifact));
        assert_eq!(detect(b"\r\n UNA:+.? 'UNB+UNOC:3'"), Some(Format::Edifact));
        assert_eq!(detect(b"UNH+1+CUSCAR:D:03B:UN'"), None);
    }
}
