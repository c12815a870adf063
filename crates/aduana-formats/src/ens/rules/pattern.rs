//! The regular expressions of `applyRegex`: a small backtracking matcher for the Java-regex subset the rule
//! tables use — literals, `.`, classes with ranges and `\s \d \w`, groups with `|`, `(?:…)`, lookahead `(?=…)` and
//! `(?!…)`, the quantifiers `* + ? {m} {m,} {m,n}`, and `^ $`. A pattern must match the whole value, as Java's
//! `String.matches` does. A step budget bounds the work on hostile input.

/// A compiled pattern.
#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    alternatives: Vec<Vec<Node>>,
    /// The same pattern as a run of single-character items, when it is one with at most one item of variable
    /// length (most XSD facets: `[0-9]{1,6}`, `.{1,35}`, `[a-zA-Z]{2}.{1,33}`): such a pattern is matched in one
    /// pass without backtracking, and gives the backtracking matcher's answer, whose work on it stays far below
    /// the step budget.
    run: Option<Vec<(Node, u32, Option<u32>)>>,
}

#[derive(Debug, Clone)]
enum Node {
    Char(char),
    Any,
    Class { items: Vec<ClassItem>, negated: bool },
    Start,
    End,
    Group(Vec<Vec<Node>>),
    Look { negated: bool, alternatives: Vec<Vec<Node>> },
    Repeat { node: Box<Node>, min: u32, max: Option<u32> },
}

#[derive(Debug, Clone)]
enum ClassItem {
    Range(char, char),
    Space,
    Digit,
    Word,
    /// `\p{IsBasicLatin}` (XML Schema): U+0000 to U+007F.
    BasicLatin,
}

const STEP_BUDGET: u32 = 200_000;

/// The longest text a pattern is matched against (the longest value the IE315 schema allows is 350 characters).
pub(crate) const MAX_TEXT_CHARS: usize = 1024;

impl Pattern {
    /// Compiles a pattern; the error says what is not supported or malformed.
    pub(crate) fn compile(source: &str) -> Result<Pattern, String> {
        let chars: Vec<char> = source.chars().collect();
        let mut at = 0;
        let alternatives = alternation(&chars, &mut at)?;
        if at != chars.len() {
            return Err(format!("unbalanced `)` at character {at} of /{source}/"));
        }
        let run = single_run(&alternatives);
        Ok(Pattern { alternatives, run })
    }

    /// Returns whether the whole text matches. Texts longer than [`MAX_TEXT_CHARS`] never match: the matcher
    /// recurses per character, and no value the schemas or rules check is that long.
    pub(crate) fn matches(&self, text: &str) -> bool {
        if let Some(run) = &self.run {
            return matches_run(run, text);
        }
        let chars: Vec<char> = text.chars().take(MAX_TEXT_CHARS + 1).collect();
        if chars.len() > MAX_TEXT_CHARS {
            return false;
        }
        let matcher = Matcher { text: &chars, steps: std::cell::Cell::new(0) };
        let end = chars.len();
        self.alternatives.iter().any(|alt| matcher.seq(alt, 0, &mut |p| p == end))
    }
}

/// Returns the pattern as a run of (single-character node, min, max) items when it has one alternative made only of
/// single characters, `.`, classes and their repetitions, with at most one item whose length varies.
fn single_run(alternatives: &[Vec<Node>]) -> Option<Vec<(Node, u32, Option<u32>)>> {
    let [nodes] = alternatives else { return None };
    let single = |node: &Node| matches!(node, Node::Char(_) | Node::Any | Node::Class { .. });
    let mut run = Vec::with_capacity(nodes.len());
    for node in nodes {
        match node {
            Node::Repeat { node, min, max } if single(node) => run.push(((**node).clone(), *min, *max)),
            node if single(node) => run.push((node.clone(), 1, Some(1))),
            _ => return None,
        }
    }
    let variable = run.iter().filter(|(_, min, max)| *max != Some(*min)).count();
    (variable <= 1).then_some(run)
}

/// Matches a run from [`single_run`]: the text's length fixes how many characters the variable item takes, and each
/// character is then checked against the item it falls in.
fn matches_run(run: &[(Node, u32, Option<u32>)], text: &str) -> bool {
    let length = text.chars().take(MAX_TEXT_CHARS + 1).count();
    if length > MAX_TEXT_CHARS {
        return false;
    }
    let fixed: usize = run.iter().filter(|(_, min, max)| *max == Some(*min)).map(|(_, min, _)| *min as usize).sum();
    let Some(rest) = length.checked_sub(fixed) else { return false };
    let mut chars = text.chars();
    for (node, min, max) in run {
        let count = if *max == Some(*min) {
            *min as usize
        } else {
            if rest < *min as usize || max.is_some_and(|m| rest > m as usize) {
                return false;
            }
            rest
        };
        for _ in 0..count {
            match chars.next() {
                Some(c) if single_matches(node, c) => {}
                _ => return false,
            }
        }
    }
    // Without a variable item the lengths must agree exactly.
    chars.next().is_none()
}

/// Returns whether a single-character node (a character, `.` or a class) matches `c`.
fn single_matches(node: &Node, c: char) -> bool {
    match node {
        Node::Char(x) => c == *x,
        Node::Any => c != '\n' && c != '\r',
        Node::Class { items, negated } => items.iter().any(|item| item_matches(item, c)) != *negated,
        _ => false,
    }
}

fn alternation(chars: &[char], at: &mut usize) -> Result<Vec<Vec<Node>>, String> {
    let mut alternatives = vec![Vec::new()];
    while *at < chars.len() {
        let c = chars[*at];
        let node = match c {
            ')' => break,
            '|' => {
                *at += 1;
                alternatives.push(Vec::new());
                continue;
            }
            '(' => {
                *at += 1;
                let look = match chars.get(*at..*at + 2) {
                    Some(['?', '!']) => Some(true),
                    Some(['?', '=']) => Some(false),
                    Some(['?', ':']) => None,
                    Some(['?', _]) => return Err(format!("unsupported group `(?{}`", chars[*at + 1])),
                    _ => None,
                };
                if chars.get(*at) == Some(&'?') {
                    *at += 2;
                }
                let inner = alternation(chars, at)?;
                if chars.get(*at) != Some(&')') {
                    return Err("expected `)`".to_owned());
                }
                *at += 1;
                match look {
                    Some(negated) => Node::Look { negated, alternatives: inner },
                    None => Node::Group(inner),
                }
            }
            '[' => {
                *at += 1;
                class(chars, at)?
            }
            '.' => {
                *at += 1;
                Node::Any
            }
            '^' => {
                *at += 1;
                Node::Start
            }
            '$' => {
                *at += 1;
                Node::End
            }
            '\\' => {
                *at += 1;
                let escaped = escape(chars, at)?;
                match escaped {
                    ClassItem::Range(a, _) => Node::Char(a),
                    item => Node::Class { items: vec![item], negated: false },
                }
            }
            '*' | '+' | '?' | '{' => return Err(format!("quantifier `{c}` with nothing to repeat")),
            c => {
                *at += 1;
                Node::Char(c)
            }
        };
        let node = quantified(chars, at, node)?;
        alternatives.last_mut().expect("alternatives start non-empty").push(node);
    }
    Ok(alternatives)
}

fn quantified(chars: &[char], at: &mut usize, node: Node) -> Result<Node, String> {
    let (min, max) = match chars.get(*at) {
        Some('*') => (0, None),
        Some('+') => (1, None),
        Some('?') => (0, Some(1)),
        Some('{') => {
            let close = chars[*at..].iter().position(|c| *c == '}').ok_or("expected `}`")? + *at;
            let inside: String = chars[*at + 1..close].iter().collect();
            let parse = |s: &str| s.trim().parse::<u32>().map_err(|_| format!("bad repetition `{{{inside}}}`"));
            let bounds = match inside.split_once(',') {
                None => {
                    let n = parse(&inside)?;
                    (n, Some(n))
                }
                Some((lo, "")) => (parse(lo)?, None),
                Some((lo, hi)) => (parse(lo)?, Some(parse(hi)?)),
            };
            *at = close;
            bounds
        }
        _ => return Ok(node),
    };
    *at += 1;
    if chars.get(*at) == Some(&'?') || chars.get(*at) == Some(&'+') {
        return Err("lazy and possessive quantifiers are not supported".to_owned());
    }
    Ok(Node::Repeat { node: Box::new(node), min, max })
}

fn escape(chars: &[char], at: &mut usize) -> Result<ClassItem, String> {
    let c = *chars.get(*at).ok_or("expected a character after `\\`")?;
    *at += 1;
    Ok(match c {
        's' => ClassItem::Space,
        'd' => ClassItem::Digit,
        'w' => ClassItem::Word,
        'p' if chars.get(*at..*at + 14).is_some_and(|s| s.iter().collect::<String>() == "{IsBasicLatin}") => {
            *at += 14;
            ClassItem::BasicLatin
        }
        'n' => ClassItem::Range('\n', '\n'),
        'r' => ClassItem::Range('\r', '\r'),
        't' => ClassItem::Range('\t', '\t'),
        c if c.is_ascii_alphanumeric() => return Err(format!("unsupported escape `\\{c}`")),
        c => ClassItem::Range(c, c),
    })
}

fn class(chars: &[char], at: &mut usize) -> Result<Node, String> {
    let negated = chars.get(*at) == Some(&'^');
    if negated {
        *at += 1;
    }
    let mut items = Vec::new();
    let mut first = true;
    loop {
        let c = *chars.get(*at).ok_or("expected `]`")?;
        if c == ']' && !first {
            *at += 1;
            break;
        }
        first = false;
        let item = if c == '\\' {
            *at += 1;
            escape(chars, at)?
        } else {
            *at += 1;
            ClassItem::Range(c, c)
        };
        if let ClassItem::Range(lo, _) = item
            && chars.get(*at) == Some(&'-')
            && chars.get(*at + 1).is_some_and(|c| *c != ']')
        {
            let hi = chars[*at + 1];
            *at += 2;
            items.push(ClassItem::Range(lo, hi));
        } else {
            items.push(item);
        }
    }
    Ok(Node::Class { items, negated })
}

struct Matcher<'t> {
    text: &'t [char],
    steps: std::cell::Cell<u32>,
}

impl Matcher<'_> {
    fn tick(&self) -> bool {
        let steps = self.steps.get() + 1;
        self.steps.set(steps);
        steps <= STEP_BUDGET
    }

    fn seq(&self, nodes: &[Node], pos: usize, k: &mut dyn FnMut(usize) -> bool) -> bool {
        if !self.tick() {
            return false;
        }
        let Some((node, rest)) = nodes.split_first() else { return k(pos) };
        match node {
            Node::Start => pos == 0 && self.seq(rest, pos, k),
            Node::End => pos == self.text.len() && self.seq(rest, pos, k),
            Node::Group(alternatives) => {
                alternatives.iter().any(|alt| self.seq(alt, pos, &mut |p| self.seq(rest, p, k)))
            }
            Node::Look { negated, alternatives } => {
                let found = alternatives.iter().any(|alt| self.seq(alt, pos, &mut |_| true));
                found != *negated && self.seq(rest, pos, k)
            }
            Node::Repeat { node, min, max } => self.repeat(node, (*min, *max), 0, pos, rest, k),
            single => self.one(single, pos) && self.seq(rest, pos + 1, k),
        }
    }

    fn repeat(
        &self,
        node: &Node,
        (min, max): (u32, Option<u32>),
        count: u32,
        pos: usize,
        rest: &[Node],
        k: &mut dyn FnMut(usize) -> bool,
    ) -> bool {
        if !self.tick() {
            return false;
        }
        if max.is_none_or(|m| count < m) {
            let more = self.seq(std::slice::from_ref(node), pos, &mut |p| {
                (p != pos || count < min) && self.repeat(node, (min, max), count + 1, p, rest, k)
            });
            if more {
                return true;
            }
        }
        count >= min && self.seq(rest, pos, k)
    }

    fn one(&self, node: &Node, pos: usize) -> bool {
        self.text.get(pos).is_some_and(|&c| single_matches(node, c))
    }
}

fn item_matches(item: &ClassItem, c: char) -> bool {
    match item {
        ClassItem::Range(lo, hi) => (*lo..=*hi).contains(&c),
        ClassItem::Space => matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0B' | '\x0C'),
        ClassItem::Digit => c.is_ascii_digit(),
        ClassItem::Word => c.is_ascii_alphanumeric() || c == '_',
        ClassItem::BasicLatin => c.is_ascii(),
    }
}

#[cfg(test)]
mod tests {
    use super::Pattern;

    #[test]
    fn patterns_of_the_rule_tables_match_as_java_matches_does() {
        let cases: &[(&str, &str, bool)] = &[
            (r"\s*[0-9]{7,8}\s*", "1234567", true),
            (r"\s*[0-9]{7,8}\s*", " 12345678 ", true),
            (r"\s*[0-9]{7,8}\s*", "123456789", false),
            (r"^(?!\s*XFER).+\s*$|^\s*XFER[a-zA-Z0-9]+([:-][a-zA-Z0-9]+)?\s*$", "ABC", true),
            (r"^(?!\s*XFER).+\s*$|^\s*XFER[a-zA-Z0-9]+([:-][a-zA-Z0-9]+)?\s*$", "XFER12-AB", true),
            (r"^(?!\s*XFER).+\s*$|^\s*XFER[a-zA-Z0-9]+([:-][a-zA-Z0-9]+)?\s*$", "XFER12/AB", false),
            (r"^\s*[+-]*([1-9.][0-9.]*|0(\.[0-9]*)?)\s*$", "0.5", true),
            (r"^\s*[+-]*([1-9.][0-9.]*|0(\.[0-9]*)?)\s*$", "05", false),
            (r"\s*[A-Z]{2}([\s]+|[^\n\r]){1,15}/[0-9]{10}\s*", "GBCD1234/1234567890", true),
            (r"\s*[A-Z]{2}([\s]+|[^\n\r]){1,15}/[0-9]{10}\s*", "gbCD1234/1234567890", false),
            (r"[A-Z0-9]*", "", true),
            (r"\p{IsBasicLatin}+", "abc", true),
            (r"\p{IsBasicLatin}+", "abç", false),
        ];
        for (pattern, text, expected) in cases {
            let compiled = Pattern::compile(pattern).expect(pattern);
            assert_eq!(compiled.matches(text), *expected, "/{pattern}/ on {text:?}");
        }
    }

    /// The one-pass matcher must answer as the backtracking one does, on every single-run pattern of the ICS
    /// schemas and rule tables.
    #[test]
    fn one_pass_runs_agree_with_backtracking() {
        let patterns = [
            ".{1,35}",
            "[0-9]{1,6}",
            "[a-zA-Z]{2}",
            "[A-Z0-9]*",
            "[0-9]{4,8}",
            r"\p{IsBasicLatin}+",
            "[a-zA-Z]{2}[a-zA-Z0-9]{6}",
            "[a-zA-Z]{2}.{1,33}",
            r"[A-Z]{2}[^\n\r]*",
            "[0-9]{2}[A-Z]{2}[A-Z0-9]{13}[0-9]",
            "[0-9]{2}[A-Z]{2}[A-Z0-9]{12}.{1,8}",
            "a",
            "",
            "ab{0}c",
            "x{3,1}",
        ];
        let alphabet = ['a', 'B', 'Z', '0', '7', ' ', '.', '@', '\n', 'ç', '-'];
        let mut texts = vec![String::new()];
        for length in 1..=6 {
            for seed in 0..200usize {
                let text: String =
                    (0..length).map(|i| alphabet[(seed * 7 + i * 13 + seed / 11 * i) % alphabet.len()]).collect();
                texts.push(text);
            }
        }
        texts.extend(["AB12345678".into(), "12AB123456789012345".into(), "x".repeat(40), "GB".into()]);
        for source in patterns {
            let pattern = Pattern::compile(source).expect(source);
            assert!(pattern.run.is_some(), "/{source}/ is a single run");
            let backtracking = Pattern { run: None, ..pattern.clone() };
            for text in &texts {
                assert_eq!(pattern.matches(text), backtracking.matches(text), "/{source}/ on {text:?}");
            }
        }
        for source in ["[0-9]{1,2}[a-z]{1,2}", "a|b", "(ab)+", "^a$", "[^@]+@[^.]+[.].+"] {
            assert!(Pattern::compile(source).expect(source).run.is_none(), "/{source}/ is not a single run");
        }
    }

    #[test]
    fn very_long_texts_are_refused_without_exhausting_the_stack() {
        let pattern = Pattern::compile(".+").expect("compiles");
        assert!(pattern.matches(&"x".repeat(super::MAX_TEXT_CHARS)));
        assert!(!pattern.matches(&"x".repeat(1 << 20)));
    }

    #[test]
    fn malformed_patterns_are_refused_with_a_reason() {
        for pattern in ["(abc", "a{2", "*a", r"\p{L}", "a*?", "(?<x>a)"] {
            assert!(Pattern::compile(pattern).is_err(), "{pattern}");
        }
    }
}
