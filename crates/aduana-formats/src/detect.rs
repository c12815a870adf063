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
        _ => detect_csv(body),
    }
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
    fn kcs_csv_is_recognised_by_its_header() {
        assert_eq!(detect(b"Declaration ID,Date,HS6 Code\n1,2020-01-01,392690\n"), Some(Format::KcsCsv));
        assert_eq!(detect(b"Declaration ID,Date\n"), None);
        assert_eq!(detect(b"Reference,direction,hs_code\nA1,import,854140\n"), Some(Format::Csv));
    }
}
