//! Structure checks of IE315 against `CC315A-v11-2.xsd` and the type schemas it imports. The constraints are not
//! hand-copied: the XSDs ship in `data/ics-schemas/`, are compiled in, and are read on first use (with the same
//! bounded XML tree) into a table of content models (sequences of element particles with min/max occurrences)
//! and simple types (the facets of every restriction step: length, minLength, maxLength, pattern, enumeration,
//! totalDigits, fractionDigits, and the decimal lexical space), so that a new schema edition is a file change.

use std::collections::HashMap;
use std::sync::OnceLock;

use aduana_core::Diagnostic;

use crate::Limits;
use crate::ens::rules::pattern::Pattern;
use crate::xml::{ElementId, XmlDocument};

/// The schema files, by name; the first declares the root element.
const SCHEMAS: &[(&str, &str)] = &[
    ("CC315A-v11-2.xsd", include_str!("../../../../data/ics-schemas/CC315A-v11-2.xsd")),
    ("complex_types_ics-v11-2.xsd", include_str!("../../../../data/ics-schemas/complex_types_ics-v11-2.xsd")),
    ("simple_types-v11-2.xsd", include_str!("../../../../data/ics-schemas/simple_types-v11-2.xsd")),
    ("tcl-v11-2.xsd", include_str!("../../../../data/ics-schemas/tcl-v11-2.xsd")),
];

/// The compiled constraints of the schemas.
#[derive(Debug)]
pub(crate) struct Schema {
    root: (String, String),
    complex: HashMap<String, Vec<Particle>>,
    simple: HashMap<String, SimpleType>,
}

/// One element of a sequence.
#[derive(Debug, Clone)]
struct Particle {
    name: String,
    type_name: String,
    min: u32,
    max: Option<u32>,
}

/// One restriction step of a simple type.
#[derive(Debug, Default)]
struct SimpleType {
    base: String,
    length: Option<usize>,
    min_length: Option<usize>,
    max_length: Option<usize>,
    patterns: Vec<(String, Pattern)>,
    /// Sorted.
    enumeration: Vec<String>,
    total_digits: Option<usize>,
    fraction_digits: Option<usize>,
}

fn local(name: &str) -> &str {
    name.rsplit_once(':').map_or(name, |(_, l)| l)
}

impl Schema {
    /// Returns the built-in IE315 schema (compiled on first use).
    ///
    /// # Panics
    ///
    /// Panics if the built-in schema files do not compile; a unit test compiles them, so this is a build defect.
    pub(crate) fn builtin() -> &'static Schema {
        static SCHEMA: OnceLock<Schema> = OnceLock::new();
        SCHEMA.get_or_init(|| Schema::compile(SCHEMAS).expect("the built-in IE315 schemas compile"))
    }

    /// Compiles schema files given as (name, text) pairs.
    pub(crate) fn compile(files: &[(&str, &str)]) -> Result<Schema, String> {
        let limits = Limits { max_document_bytes: 1 << 22, max_depth: 64, max_items: u32::MAX, max_diagnostics: 1 };
        let mut schema =
            Schema { root: (String::new(), String::new()), complex: HashMap::new(), simple: HashMap::new() };
        let mut groups: HashMap<String, Vec<Particle>> = HashMap::new();
        let mut pending: Vec<(String, Vec<Particle>)> = Vec::new();
        for (file, text) in files {
            let doc = XmlDocument::parse(text.as_bytes(), file, &limits).map_err(|d| d.to_string())?;
            let root = doc.root();
            for &top in &doc.element(root).children {
                let element = doc.element(top);
                let name = element.attribute("name").unwrap_or("").to_owned();
                match element.local_name() {
                    "element" if schema.root.0.is_empty() => {
                        schema.root = (name, local(element.attribute("type").unwrap_or("")).to_owned());
                    }
                    "complexType" | "group" => {
                        let particles = sequence(&doc, top, file)?;
                        if element.local_name() == "group" {
                            groups.insert(name, particles);
                        } else {
                            pending.push((name, particles));
                        }
                    }
                    "simpleType" => {
                        schema.simple.insert(name.clone(), simple_type(&doc, top, file, &name)?);
                    }
                    _ => {}
                }
            }
        }
        for (name, particles) in pending {
            let mut expanded = Vec::new();
            for particle in particles {
                match particle.name.strip_prefix('@') {
                    Some(group) => expanded
                        .extend(groups.get(group).ok_or_else(|| format!("unknown group {group}"))?.iter().cloned()),
                    None => expanded.push(particle),
                }
            }
            schema.complex.insert(name, expanded);
        }
        if schema.root.0.is_empty() {
            return Err("no root element declaration".to_owned());
        }
        Ok(schema)
    }
}

/// Reads the `xs:sequence` of a complex type or group; a group reference becomes a particle named `@group`.
fn sequence(doc: &XmlDocument, id: ElementId, file: &str) -> Result<Vec<Particle>, String> {
    let mut particles = Vec::new();
    for &child in &doc.element(id).children {
        let element = doc.element(child);
        match element.local_name() {
            "sequence" => particles.extend(sequence(doc, child, file)?),
            "element" => {
                let occurs = |attribute: &str, default: u32| -> Result<Option<u32>, String> {
                    match element.attribute(attribute) {
                        None => Ok(Some(default)),
                        Some("unbounded") => Ok(None),
                        Some(n) => n.parse().map(Some).map_err(|_| format!("{file}: bad {attribute} {n}")),
                    }
                };
                particles.push(Particle {
                    name: element.attribute("name").unwrap_or("").to_owned(),
                    type_name: local(element.attribute("type").unwrap_or("")).to_owned(),
                    min: occurs("minOccurs", 1)?.unwrap_or(0),
                    max: occurs("maxOccurs", 1)?,
                });
            }
            "group" => particles.push(Particle {
                name: format!("@{}", local(element.attribute("ref").unwrap_or(""))),
                type_name: String::new(),
                min: 1,
                max: Some(1),
            }),
            "annotation" => {}
            other => return Err(format!("{file}: unsupported content model <xs:{other}>")),
        }
    }
    Ok(particles)
}

fn simple_type(doc: &XmlDocument, id: ElementId, file: &str, name: &str) -> Result<SimpleType, String> {
    let restriction = doc.child(id, "restriction").ok_or_else(|| format!("{file}: {name}: expected xs:restriction"))?;
    let mut simple = SimpleType {
        base: local(doc.element(restriction).attribute("base").unwrap_or("")).to_owned(),
        ..Default::default()
    };
    for &facet in &doc.element(restriction).children {
        let element = doc.element(facet);
        let value = element.attribute("value").unwrap_or("");
        let number = || value.parse::<usize>().map_err(|_| format!("{file}: {name}: bad facet value {value}"));
        match element.local_name() {
            "length" => simple.length = Some(number()?),
            "minLength" => simple.min_length = Some(number()?),
            "maxLength" => simple.max_length = Some(number()?),
            "totalDigits" => simple.total_digits = Some(number()?),
            "fractionDigits" => simple.fraction_digits = Some(number()?),
            "enumeration" => simple.enumeration.push(value.to_owned()),
            "pattern" => {
                let pattern = Pattern::compile(value).map_err(|e| format!("{file}: {name}: pattern {value}: {e}"))?;
                simple.patterns.push((value.to_owned(), pattern));
            }
            "annotation" => {}
            other => return Err(format!("{file}: {name}: unsupported facet xs:{other}")),
        }
    }
    // Sorted for binary search: code lists (countries, packaging, documents) have up to hundreds of codes.
    simple.enumeration.sort_unstable();
    simple.enumeration.dedup();
    Ok(simple)
}

/// Returns every structure problem of a document whose root is `CC315A`.
pub(crate) fn check(doc: &XmlDocument) -> Vec<Diagnostic> {
    let schema = Schema::builtin();
    let mut out = Vec::new();
    let root = doc.root();
    if doc.element(root).local_name() != schema.root.0 {
        out.push(Diagnostic::error(
            "ens_structure",
            format!("expected root element {}, found <{}>", schema.root.0, doc.element(root).name),
            doc.location(root),
        ));
        return out;
    }
    check_element(doc, schema, root, &schema.root.1, &mut out);
    out
}

fn check_element(doc: &XmlDocument, schema: &Schema, id: ElementId, type_name: &str, out: &mut Vec<Diagnostic>) {
    let element = doc.element(id);
    if let Some(particles) = schema.complex.get(type_name) {
        if !element.text.trim().is_empty() {
            out.push(error(doc, id, format!("expected only child elements in <{}>, found text", element.name)));
        }
        let children = &element.children;
        let mut next = 0;
        for particle in particles {
            let mut count = 0u32;
            while next < children.len()
                && doc.element(children[next]).name == particle.name
                && particle.max.is_none_or(|m| count < m)
            {
                check_element(doc, schema, children[next], &particle.type_name, out);
                count += 1;
                next += 1;
            }
            if count < particle.min {
                let found = children
                    .get(next)
                    .map_or("the end of the element".to_owned(), |&c| format!("<{}>", doc.element(c).name));
                out.push(error(
                    doc,
                    children.get(next).copied().unwrap_or(id),
                    format!(
                        "[{}] is absent: expected {} <{}> in <{}>, found {found}",
                        particle.name, particle.min, particle.name, element.name
                    ),
                ));
            }
        }
        if let Some(&extra) = children.get(next) {
            let name = &doc.element(extra).name;
            let allowed = particles.iter().any(|p| p.name == *name);
            let why = if allowed { "out of order or repeated too often" } else { "not allowed here" };
            out.push(error(doc, extra, format!("unexpected element <{name}> in <{}>: {why}", element.name)));
        }
        return;
    }
    if let Some(&child) = element.children.first() {
        out.push(error(
            doc,
            child,
            format!("expected text only in <{}>, found element <{}>", element.name, doc.element(child).name),
        ));
        return;
    }
    if let Err(problem) = check_value(schema, type_name, &element.text) {
        out.push(error(doc, id, format!("<{}>: {problem}", element.name)));
    }
}

/// Checks a value against a simple type and all its bases.
fn check_value(schema: &Schema, type_name: &str, raw: &str) -> Result<(), String> {
    let mut chain = Vec::new();
    let mut current = type_name;
    while let Some(simple) = schema.simple.get(current) {
        chain.push((current, simple));
        current = &simple.base;
        if chain.len() > 32 {
            return Err(format!("type {type_name} derives from itself"));
        }
    }
    let builtin = current;
    // Whitespace is collapsed for every built-in type but string; a value without any is already collapsed.
    let value: std::borrow::Cow<'_, str> = if builtin == "string" || !raw.contains(char::is_whitespace) {
        std::borrow::Cow::Borrowed(raw)
    } else {
        std::borrow::Cow::Owned(raw.split_whitespace().collect::<Vec<_>>().join(" "))
    };
    let length = value.chars().count();
    if builtin == "decimal" {
        check_decimal(&value, &chain)?;
    }
    // Lengths first, so that a long value is reported for its length before any pattern is tried on it.
    for (name, simple) in &chain {
        if let Some(n) = simple.length
            && length != n
        {
            return Err(format!("expected exactly {n} characters ({name}), found {length} in '{}'", shown(&value)));
        }
        if let Some(n) = simple.min_length
            && length < n
        {
            return Err(format!("expected at least {n} characters ({name}), found {length} in '{}'", shown(&value)));
        }
        if let Some(n) = simple.max_length
            && length > n
        {
            return Err(format!("expected at most {n} characters ({name}), found {length} in '{}'", shown(&value)));
        }
    }
    for (name, simple) in &chain {
        if !simple.patterns.is_empty() && !simple.patterns.iter().any(|(_, p)| p.matches(&value)) {
            let patterns: Vec<&str> = simple.patterns.iter().map(|(s, _)| s.as_str()).collect();
            return Err(format!(
                "expected a value matching {} ({name}), found '{}'",
                patterns.join(" | "),
                shown(&value)
            ));
        }
        if !simple.enumeration.is_empty()
            && simple.enumeration.binary_search_by(|code| code.as_str().cmp(&value)).is_err()
        {
            return Err(format!("expected one of the codes of {name}, found '{}'", shown(&value)));
        }
    }
    Ok(())
}

fn check_decimal(value: &str, chain: &[(&str, &SimpleType)]) -> Result<(), String> {
    let unsigned = value.strip_prefix(['+', '-']).unwrap_or(value);
    let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || !digits(frac) || (int.is_empty() && frac.is_empty()) {
        return Err(format!("expected a decimal number, found '{}'", shown(value)));
    }
    let int = int.trim_start_matches('0');
    let frac = frac.trim_end_matches('0');
    for (name, simple) in chain {
        if let Some(n) = simple.total_digits
            && int.len() + frac.len() > n
        {
            return Err(format!("expected at most {n} digits ({name}), found '{}'", shown(value)));
        }
        if let Some(n) = simple.fraction_digits
            && frac.len() > n
        {
            return Err(format!("expected at most {n} decimal places ({name}), found '{}'", shown(value)));
        }
    }
    Ok(())
}

/// Shortens a value for a message: at most 60 characters.
fn shown(value: &str) -> String {
    match value.char_indices().nth(60) {
        Some((cut, _)) => format!("{}…", &value[..cut]),
        None => value.to_owned(),
    }
}

fn error(doc: &XmlDocument, id: ElementId, message: String) -> Diagnostic {
    Diagnostic::error("ens_structure", message, doc.location(id)).with_rule("CC315A-v11-2.xsd".to_owned())
}

#[cfg(test)]
mod tests {
    use super::Schema;

    #[test]
    fn builtin_schemas_compile_into_content_models_and_simple_types() {
        let schema = Schema::builtin();
        assert_eq!(schema.root.0, "CC315A");
        assert!(schema.complex.contains_key("GOOITEGDSType"));
        assert!(schema.simple.len() > 100, "{}", schema.simple.len());
    }
}
