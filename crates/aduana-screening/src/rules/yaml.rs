//! A reader for the small subset of YAML the rigour name tables use: nested `key:` maps, `- value` lists, lists of
//! `- key: value` maps, quoted or plain scalars and `#` comments. Not a general YAML parser, on purpose: the tables
//! are data we ship, and this keeps a YAML dependency out of the build.

/// One thing found in the document, with the keys above it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum YamlEvent {
    /// A list item scalar under the key path.
    Item { path: Vec<String>, value: String },
    /// A `- key: value` line: a new map begins in a list under `path`.
    MapStart { path: Vec<String> },
    /// A `key: value` pair under the key path.
    Pair { path: Vec<String>, key: String, value: String },
}

/// Reads the events of a document; `Err` names the 1-based line that is not in the subset.
pub(crate) fn events(text: &str) -> Result<Vec<YamlEvent>, (usize, String)> {
    let mut stack: Vec<(usize, String)> = Vec::new();
    let mut out = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = strip_comment(raw);
        if line.trim().is_empty() || line.trim() == "---" {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let content = line.trim();
        while stack.last().is_some_and(|(i, _)| *i >= indent) {
            stack.pop();
        }
        let path = || stack.iter().map(|(_, k)| k.clone()).collect::<Vec<_>>();
        if let Some(item) = content.strip_prefix('-') {
            let item = item.trim();
            match split_pair(item) {
                Some((key, value)) => {
                    out.push(YamlEvent::MapStart { path: path() });
                    // The map's keys sit at the indentation of the text after "- ".
                    let inner = indent + (content.len() - item.len());
                    if value.is_empty() {
                        stack.push((inner, key));
                    } else {
                        out.push(YamlEvent::Pair { path: path(), key, value: unquote(&value) });
                    }
                }
                None => out.push(YamlEvent::Item { path: path(), value: unquote(item) }),
            }
        } else if let Some(key) = content.strip_suffix(':') {
            stack.push((indent, unquote(key)));
        } else if let Some((key, value)) = split_pair(content) {
            out.push(YamlEvent::Pair { path: path(), key, value: unquote(&value) });
        } else {
            return Err((index + 1, format!("expected `key:`, `key: value` or `- value`, found `{content}`")));
        }
    }
    Ok(out)
}

fn strip_comment(line: &str) -> &str {
    let mut quote = None;
    let mut previous = ' ';
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') if previous == ' ' || previous == '-' => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '#') if previous == ' ' || i == 0 => return &line[..i],
            _ => {}
        }
        previous = c;
    }
    line
}

fn split_pair(text: &str) -> Option<(String, String)> {
    if text.starts_with('"') || text.starts_with('\'') {
        return None;
    }
    let (key, value) = text.split_once(": ").or_else(|| text.strip_suffix(':').map(|k| (k, "")))?;
    let valid = !key.is_empty() && key.chars().all(|c| c.is_alphanumeric() || c == '_');
    valid.then(|| (key.to_owned(), value.trim().to_owned()))
}

fn unquote(text: &str) -> String {
    let text = text.trim();
    for q in ['"', '\''] {
        if text.len() >= 2 && text.starts_with(q) && text.ends_with(q) {
            return text[1..text.len() - 1].to_owned();
        }
    }
    text.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_lists_and_maps_are_read_with_their_key_paths() {
        let text =
            "a:\n  b:\n    - \"x\" # comment\n    - y\ntypes:\n  - display: PLC\n    aliases:\n      - Public Ltd\n";
        let events = events(text).expect("valid subset");
        assert_eq!(events[0], YamlEvent::Item { path: vec!["a".into(), "b".into()], value: "x".into() });
        assert_eq!(events[1], YamlEvent::Item { path: vec!["a".into(), "b".into()], value: "y".into() });
        assert_eq!(events[2], YamlEvent::MapStart { path: vec!["types".into()] });
        assert_eq!(
            events[3],
            YamlEvent::Pair { path: vec!["types".into()], key: "display".into(), value: "PLC".into() }
        );
        assert_eq!(
            events[4],
            YamlEvent::Item { path: vec!["types".into(), "aliases".into()], value: "Public Ltd".into() }
        );
    }

    #[test]
    fn a_line_outside_the_subset_is_reported_with_its_number() {
        assert_eq!(events("a:\n  just text\n").map_err(|e| e.0), Err(2));
    }
}
