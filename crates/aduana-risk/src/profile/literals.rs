//! Regular expressions that are only an alternation of plain words (`counterfeit|replica|spare parts`), the most
//! common kind in profiles, matched by scanning the description for the words themselves. Such a regular
//! expression costs the `regex` crate several hundred instructions per short description (a prefilter, then its
//! lazy DFA); the scan costs a few per byte.
//!
//! The scan answers exactly as the regular expression does, and only where that is certain: the words are ASCII
//! letters, digits and spaces (so the pattern has no syntax but `|`, and no inline flags), the description is
//! ASCII (ASCII case folding is then Unicode case folding: no ASCII byte folds to anything but ASCII), and the
//! regular expression was checked, when the set was compiled, to be case-insensitive and not to ignore
//! whitespace — the only builder options that change what such a pattern matches in ASCII text. A description
//! that is not ASCII goes to the regular expression.

/// One alternative.
#[derive(Debug, Clone)]
struct Word {
    /// Its bytes, lower-case.
    bytes: Box<[u8]>,
    /// Its first (up to) eight bytes, little-endian, each with bit 5 set ([`CASE_BIT`]), and the mask of their
    /// length: a quick test at each position before the exact one.
    head: u64,
    mask: u64,
}

/// Bit 5 of every byte: setting it makes ASCII letters lower-case and leaves digits and the space as they are (so
/// a word's head is its lower-case bytes). Other bytes of the text change too, so the head test only rules out: a
/// word whose head passes is compared exactly.
const CASE_BIT: u64 = 0x2020_2020_2020_2020;

/// The words of a case-insensitive alternation of plain words.
#[derive(Debug, Clone)]
pub(super) struct Words {
    /// The alternatives.
    words: Vec<Word>,
    /// Per byte, whether some word starts with it (in either case).
    first: Box<[bool; 256]>,
}

impl Words {
    /// Returns the words of `regex` when it is a case-insensitive alternation of plain words, `None` otherwise
    /// (then the regular expression itself is used).
    pub(super) fn of(regex: &regex::Regex) -> Option<Words> {
        let alternatives: Vec<&str> = regex.as_str().split('|').collect();
        if alternatives.iter().any(|a| a.is_empty() || !a.bytes().all(|b| b.is_ascii_alphanumeric() || b == b' ')) {
            return None;
        }
        // With such a pattern the regular expression is one of four functions of ASCII text, by whether it folds
        // case and whether it ignores whitespace (its other options change nothing here). `model` computes each;
        // the regular expression must agree with the one the scan implements (folding, spaces kept) on probes
        // that tell it apart from each of the three others.
        let model = |text: &str, fold: bool, drop_spaces: bool| {
            let text = if fold { text.to_ascii_lowercase() } else { text.to_owned() };
            alternatives.iter().any(|a| {
                let a = if drop_spaces { a.replace(' ', "") } else { (*a).to_owned() };
                text.contains(&if fold { a.to_ascii_lowercase() } else { a })
            })
        };
        let flipped = |a: &str| -> String {
            a.chars()
                .map(|c| if c.is_ascii_lowercase() { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() })
                .collect()
        };
        let probes: Vec<String> = alternatives.iter().flat_map(|a| [(*a).to_owned(), flipped(a)]).collect();
        if probes.iter().any(|p| regex.is_match(p) != model(p, true, false)) {
            return None;
        }
        // Without a space in the words, ignoring whitespace changes nothing: only folding needs telling apart.
        let others: &[(bool, bool)] = if alternatives.iter().any(|a| a.contains(' ')) {
            &[(false, false), (false, true), (true, true)]
        } else {
            &[(false, false)]
        };
        for &(fold, drop_spaces) in others {
            if !probes.iter().any(|p| model(p, fold, drop_spaces) != model(p, true, false)) {
                return None;
            }
        }
        let words: Vec<Word> = alternatives
            .iter()
            .map(|a| {
                let bytes: Box<[u8]> = a.to_ascii_lowercase().into_bytes().into();
                let (head, mask) = window(&bytes);
                Word { bytes, head: head | CASE_BIT & mask, mask }
            })
            .collect();
        let mut first = Box::new([false; 256]);
        for w in &words {
            first[usize::from(w.bytes[0])] = true;
            first[usize::from(w.bytes[0].to_ascii_uppercase())] = true;
        }
        Some(Words { words, first })
    }

    /// Returns whether an ASCII text contains one of the words, ignoring ASCII case.
    pub(super) fn is_in(&self, text: &[u8]) -> bool {
        debug_assert!(text.is_ascii());
        for (i, &b) in text.iter().enumerate() {
            // Most bytes start no word: one table read each.
            if !self.first[usize::from(b)] {
                continue;
            }
            let rest = &text[i..];
            let head = match (rest.first_chunk::<8>(), text.last_chunk::<8>()) {
                (Some(eight), _) => u64::from_le_bytes(*eight),
                // Near the end, the text's last eight bytes shifted down to start at `i` (zeros past the end, as
                // `window` gives), without copying the rest into a buffer.
                (None, Some(last)) => u64::from_le_bytes(*last) >> (8 * (8 - rest.len())),
                (None, None) => window(rest).0,
            };
            let head = head | CASE_BIT;
            if self.words.iter().any(|w| {
                head & w.mask == w.head
                    && w.bytes.len() <= rest.len()
                    && rest[..w.bytes.len()].eq_ignore_ascii_case(&w.bytes)
            }) {
                return true;
            }
        }
        false
    }
}

/// Returns the first (up to) eight bytes of `bytes`, little-endian (zeros past its end), and the mask of their
/// length.
fn window(bytes: &[u8]) -> (u64, u64) {
    match bytes.first_chunk::<8>() {
        Some(eight) => (u64::from_le_bytes(*eight), u64::MAX),
        None => {
            let mut eight = [0u8; 8];
            eight[..bytes.len()].copy_from_slice(bytes);
            (u64::from_le_bytes(eight), (1u64 << (8 * bytes.len())) - 1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Words;

    fn ci(pattern: &str) -> regex::Regex {
        regex::RegexBuilder::new(pattern).case_insensitive(true).build().expect("a valid test pattern")
    }

    #[test]
    fn only_case_insensitive_alternations_of_plain_words_are_scanned() {
        assert!(Words::of(&ci("counterfeit|replica|spare parts")).is_some());
        assert!(Words::of(&ci("battery")).is_some());
        for pattern in ["^spare", "a.b", "replica|", "|replica", "(?-i)replica", "r[e]plica", "replica\\b", "é|e"] {
            assert!(Words::of(&ci(pattern)).is_none(), "{pattern}");
        }
        // Case-sensitive, or ignoring whitespace: the regular expression decides.
        assert!(Words::of(&regex::Regex::new("replica|watch").expect("valid")).is_none());
        let spaced = regex::RegexBuilder::new("spare parts|replica")
            .case_insensitive(true)
            .ignore_whitespace(true)
            .build()
            .expect("valid");
        assert!(Words::of(&spaced).is_none());
        // Words whose case cannot tell (digits only) are not scanned either: nothing proves the folding.
        assert!(Words::of(&regex::Regex::new("123|45").expect("valid")).is_none());
    }

    #[test]
    fn the_scan_answers_as_the_regular_expression_does_on_ascii_text() {
        let texts = [
            "",
            "r",
            "replica",
            "REPLICA watches",
            "cheap RePlIcA",
            "replic",
            "counterfeit",
            "spare parts for engines",
            "SPARE PARTS",
            "spare  parts",
            "spareparts",
            "battery packs",
            "batter",
            "xx battery",
            "b",
            "a b c",
            "cotton garments",
            "1 replica 2",
            "replicareplica",
            "counterfei",
            "spare part",
            "xxxxxxxxreplica",
            "xxxxxxxxxxreplic",
            "a@b",
            "A B",
            "a\0b",
            "x 1",
            "X 1",
            "x\u{0}1",
            "z`1",
            "aZ9",
            "a9",
            "zz a9",
        ];
        for pattern in ["counterfeit|replica|spare parts", "battery", "a b|c", "rep|replica|ica", "x|y|z 1", "a9|z"] {
            let regex = ci(pattern);
            let words = Words::of(&regex).expect("an alternation of words");
            for text in texts {
                assert_eq!(words.is_in(text.as_bytes()), regex.is_match(text), "{pattern} on {text:?}");
            }
        }
    }
}
