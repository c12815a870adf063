//! The name-matching reference tables: person titles and other stop phrases (`stopwords.yml`), legal forms
//! (`org_types.yml`), equivalence classes of name parts (`symbols.yml`) and confusable characters (`compare.yml`),
//! all from OpenSanctions' rigour (MIT), shipped under `data/name-matching/`. Every phrase is stored in its folded
//! form (see [`crate::normalise::fold`]) so that a Cyrillic or Arabic spelling in a table meets its transliteration.

mod yaml;

use std::collections::HashSet;

use crate::fast_hash::FastMap;
use crate::normalise::fold_words;
use yaml::YamlEvent;

/// The kind of an equivalence class: it decides how much a matching token weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClassKind {
    /// A legal form ("Aktiengesellschaft" = "AG"): carries almost no identity.
    LegalForm,
    /// A common descriptor in organisation names ("company", "trading", "group"): carries little identity.
    OrgSymbol,
    /// A meaningful term with translations ("housing", "Central Intelligence Agency").
    OrgDomain,
    /// A title or suffix of a person's name ("Jr", "Sheikh"): carries little identity.
    PersonSymbol,
    /// A nickname and its full forms ("Bob" = "Robert").
    Nickname,
    /// Spellings of one name part across languages and scripts.
    NamePart,
}

impl ClassKind {
    /// Returns whether tokens of this class say little about who or what is named.
    pub fn is_generic(self) -> bool {
        matches!(self, ClassKind::LegalForm | ClassKind::OrgSymbol | ClassKind::PersonSymbol)
    }
}

/// One equivalence class.
#[derive(Debug, Clone)]
pub struct Class {
    /// Its label in the table (the legal form's display form, the symbol's key).
    pub label: String,
    /// Its kind.
    pub kind: ClassKind,
}

/// The loaded tables.
#[derive(Debug, Clone)]
pub struct NameRules {
    stop_phrases: HashSet<String, std::hash::BuildHasherDefault<crate::fast_hash::FxHasher>>,
    /// The stop phrases that are only persons' titles ("General", "President"): not dropped from a company's name.
    person_titles: HashSet<String, std::hash::BuildHasherDefault<crate::fast_hash::FxHasher>>,
    suffix_phrases: HashSet<String, std::hash::BuildHasherDefault<crate::fast_hash::FxHasher>>,
    phrases: FastMap<String, Vec<u32>>,
    /// The first words of the phrases of several words (stop, suffix and class phrases): a name's word that is not
    /// one starts none, so the longer phrases from it need not be looked up.
    phrase_starts: HashSet<String, std::hash::BuildHasherDefault<crate::fast_hash::FxHasher>>,
    classes: Vec<Class>,
    longest_phrase: usize,
    /// Bit `b` of row `a` is set when ASCII characters `a` and `b` are confusable.
    confusables: Vec<u128>,
}

/// A table that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct RulesError {
    /// The table's file name.
    pub file: &'static str,
    /// The 1-based line.
    pub line: usize,
    /// What was expected.
    pub message: String,
}

/// The bytes of the four tables.
#[derive(Debug, Clone, Copy)]
pub struct RuleTables<'a> {
    /// `stopwords.yml`.
    pub stopwords: &'a [u8],
    /// `symbols.yml`.
    pub symbols: &'a [u8],
    /// `org_types.yml`.
    pub org_types: &'a [u8],
    /// `compare.yml`.
    pub compare: &'a [u8],
    /// `titles.yml`: Aduana's additions to the titles in `stopwords.yml`, in the same layout.
    pub titles: &'a [u8],
}

impl RuleTables<'static> {
    /// Returns the tables shipped in `data/name-matching/`, compiled in.
    pub fn builtin() -> RuleTables<'static> {
        RuleTables {
            stopwords: include_bytes!("../../../data/name-matching/stopwords.yml"),
            symbols: include_bytes!("../../../data/name-matching/symbols.yml"),
            org_types: include_bytes!("../../../data/name-matching/org_types.yml"),
            compare: include_bytes!("../../../data/name-matching/compare.yml"),
            titles: include_bytes!("../../../data/name-matching/titles.yml"),
        }
    }
}

impl NameRules {
    /// Returns the rules from the tables shipped with Aduana.
    ///
    /// # Panics
    /// Never in practice: the built-in tables are checked by a unit test.
    pub fn builtin() -> NameRules {
        NameRules::load(RuleTables::builtin()).expect("the built-in name tables are valid (checked by a unit test)")
    }

    /// Loads the rules from the bytes of the four tables.
    ///
    /// # Errors
    /// Returns the first line of a table that is not valid UTF-8 or not in the YAML subset the tables use.
    pub fn load(tables: RuleTables<'_>) -> Result<NameRules, RulesError> {
        let mut rules = NameRules {
            stop_phrases: HashSet::default(),
            person_titles: HashSet::default(),
            suffix_phrases: HashSet::default(),
            phrases: FastMap::default(),
            phrase_starts: HashSet::default(),
            classes: Vec::new(),
            longest_phrase: 1,
            confusables: vec![0; 128],
        };
        let mut org_prefixes: HashSet<String> = HashSet::new();
        let mut stop_events = read("stopwords.yml", tables.stopwords)?;
        stop_events.extend(read("titles.yml", tables.titles)?);
        for event in stop_events {
            if let YamlEvent::Item { path, value } = event {
                let section = path.first().map(String::as_str);
                if matches!(section, Some("PERSON_NAME_PREFIXES" | "ORG_NAME_PREFIXES" | "OBJ_NAME_PREFIXES")) {
                    let folded = fold_words(&value).join(" ");
                    if !folded.is_empty() {
                        rules.longest_phrase = rules.longest_phrase.max(folded.split(' ').count());
                        if section == Some("PERSON_NAME_PREFIXES") {
                            rules.person_titles.insert(folded.clone());
                        } else {
                            org_prefixes.insert(folded.clone());
                        }
                        rules.stop_phrases.insert(folded);
                    }
                } else if path.first().is_some_and(|p| p == "PERSON_NAME_SUFFIXES") {
                    let folded = fold_words(&value).join(" ");
                    if !folded.is_empty() {
                        rules.longest_phrase = rules.longest_phrase.max(folded.split(' ').count());
                        rules.suffix_phrases.insert(folded);
                    }
                }
            }
        }
        // A phrase that is also an organisation's prefix ("The") is not only a person's title.
        rules.person_titles.retain(|p| !org_prefixes.contains(p));
        let mut current: Option<(Vec<String>, u32)> = None;
        for event in read("symbols.yml", tables.symbols)? {
            let YamlEvent::Item { path, value } = event else { continue };
            let [section, key] = path.as_slice() else { continue };
            let kind = match section.as_str() {
                "org_symbols" => ClassKind::OrgSymbol,
                "org_domains" => ClassKind::OrgDomain,
                "person_symbols" => ClassKind::PersonSymbol,
                "person_nick" => ClassKind::Nickname,
                "person_name_parts" => ClassKind::NamePart,
                _ => continue,
            };
            let class = match &current {
                Some((p, id)) if *p == path => *id,
                _ => {
                    let id = rules.add_class(key.clone(), kind);
                    current = Some((path.clone(), id));
                    id
                }
            };
            rules.add_phrase(&value, class);
        }
        // Each legal form is a class; its `generic` kind (OAO and AO are both a JSC, GmbH and OOO an LLC) is a
        // second class its spellings belong to, so that the same kind of company in two languages matches.
        let (mut class, mut generic, mut display) = (None, None, String::new());
        let mut generic_classes: FastMap<String, u32> = FastMap::default();
        for event in read("org_types.yml", tables.org_types)? {
            match event {
                YamlEvent::MapStart { .. } => (class, generic) = (None, None),
                YamlEvent::Pair { key, value, .. } if key == "display" => {
                    let id = rules.add_class(value.clone(), ClassKind::LegalForm);
                    rules.add_phrase(&value, id);
                    class = Some(id);
                    display = value;
                }
                YamlEvent::Pair { key, value, .. } if key == "generic" && !value.trim_matches('"').is_empty() => {
                    let label = value.trim_matches('"').to_owned();
                    let id = match generic_classes.get(&label) {
                        Some(id) => *id,
                        None => {
                            let id = rules.add_class(label.clone(), ClassKind::LegalForm);
                            generic_classes.insert(label, id);
                            id
                        }
                    };
                    if class.is_some() {
                        rules.add_phrase(&display, id);
                    }
                    generic = Some(id);
                }
                YamlEvent::Pair { key, value, .. } if key == "compare" => {
                    for id in class.iter().chain(generic.iter()) {
                        rules.add_phrase(&value, *id);
                    }
                }
                YamlEvent::Item { path, value } if path.last().is_some_and(|k| k == "aliases") => {
                    for id in class.iter().chain(generic.iter()) {
                        rules.add_phrase(&value, *id);
                    }
                }
                _ => {}
            }
        }
        for event in read("compare.yml", tables.compare)? {
            if let YamlEvent::Item { value, .. } = event {
                // Pairs are written as flow lists: ["0", "o"].
                let chars: Vec<u8> = value
                    .trim_matches(|c| c == '[' || c == ']')
                    .split(',')
                    .filter_map(|s| s.trim().trim_matches('"').bytes().next())
                    .collect();
                if let [a, b] = chars[..] {
                    if a < 128 && b < 128 {
                        rules.confusables[usize::from(a)] |= 1 << b;
                        rules.confusables[usize::from(b)] |= 1 << a;
                    }
                }
            }
        }
        let phrases = rules.stop_phrases.iter().chain(&rules.suffix_phrases).chain(rules.phrases.keys());
        let starts = phrases.filter_map(|phrase| phrase.split_once(' ').map(|(first, _)| first.to_owned())).collect();
        rules.phrase_starts = starts;
        Ok(rules)
    }

    fn add_class(&mut self, label: String, kind: ClassKind) -> u32 {
        self.classes.push(Class { label, kind });
        u32::try_from(self.classes.len() - 1).unwrap_or(u32::MAX)
    }

    fn add_phrase(&mut self, phrase: &str, class: u32) {
        let folded = fold_words(phrase).join(" ");
        if folded.is_empty() {
            return;
        }
        self.longest_phrase = self.longest_phrase.max(folded.split(' ').count());
        let ids = self.phrases.entry(folded).or_default();
        if !ids.contains(&class) {
            ids.push(class);
        }
    }

    /// Returns whether a folded phrase (words joined by one space) is a title or other prefix dropped from the
    /// start of a name.
    pub fn is_stop_phrase(&self, phrase: &str) -> bool {
        self.stop_phrases.contains(phrase)
    }

    /// Returns whether a folded phrase is a person's title only ("General", "President"), not also an organisation's
    /// prefix ("The"): a company's name keeps it ("General Motors").
    pub fn is_person_title(&self, phrase: &str) -> bool {
        self.person_titles.contains(phrase)
    }

    /// Returns whether the classes of a folded word include a legal form or a word for a company as such ("Company",
    /// "Corporation", "Group"): the name it is in is a company's.
    pub fn is_company_word(&self, classes: &[u32]) -> bool {
        classes.iter().any(|id| {
            self.class(*id).is_some_and(|c| {
                c.kind == ClassKind::LegalForm || matches!(c.label.as_str(), "co" | "corp" | "org" | "grp")
            })
        })
    }

    /// Returns whether a folded phrase is a title written after a name ("elnök", "大統領"), dropped from its end.
    pub fn is_suffix_phrase(&self, phrase: &str) -> bool {
        self.suffix_phrases.contains(phrase)
    }

    /// Returns the classes of a folded phrase.
    pub fn classes_of(&self, phrase: &str) -> &[u32] {
        self.phrases.get(phrase).map_or(&[], Vec::as_slice)
    }

    /// Returns a class by id.
    pub fn class(&self, id: u32) -> Option<&Class> {
        self.classes.get(id as usize)
    }

    /// Returns whether a folded word is the first of a phrase of several words in the tables (a stop phrase, a
    /// suffix phrase or a phrase with classes): when it is not, no such phrase starts with it.
    pub fn starts_a_phrase(&self, word: &str) -> bool {
        self.phrase_starts.contains(word)
    }

    /// Returns the most words any phrase in the tables has.
    pub fn longest_phrase(&self) -> usize {
        self.longest_phrase
    }

    /// Returns whether two folded characters are listed as confusable.
    pub fn confusable(&self, a: u8, b: u8) -> bool {
        a < 128 && b < 128 && self.confusables[usize::from(a)] & (1 << b) != 0
    }
}

fn read(file: &'static str, bytes: &[u8]) -> Result<Vec<YamlEvent>, RulesError> {
    let text = std::str::from_utf8(bytes).map_err(|error| RulesError {
        file,
        line: 1 + bytes[..error.valid_up_to()].iter().filter(|&&b| b == b'\n').count(),
        message: "expected UTF-8 text".to_owned(),
    })?;
    yaml::events(text).map_err(|(line, message)| RulesError { file, line, message })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_tables_load_and_know_legal_forms_titles_and_confusables() {
        let rules = NameRules::load(RuleTables::builtin()).expect("built-in tables load");
        let ag = rules.classes_of("aktiengesellschaft");
        assert!(ag.iter().any(|id| rules.class(*id).is_some_and(|c| c.label == "AG")), "{ag:?}");
        assert!(rules.is_stop_phrase("mr"));
        assert!(rules.is_person_title("general") && rules.is_stop_phrase("the") && !rules.is_person_title("the"));
        assert!(rules.is_suffix_phrase("elnok"));
        let (oao, jsc) = (rules.classes_of("oao"), rules.classes_of("jsc"));
        assert!(oao.iter().any(|id| jsc.contains(id)), "OAO and JSC share their generic class: {oao:?} {jsc:?}");
        let (ag, gmbh) = (rules.classes_of("ag"), rules.classes_of("gmbh"));
        assert!(!ag.iter().any(|id| gmbh.contains(id)), "AG and GmbH differ: {ag:?} {gmbh:?}");
        assert!(rules.confusable(b'0', b'o'));
        assert!(!rules.classes_of("putin").is_empty());
    }
}
