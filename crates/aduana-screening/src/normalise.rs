//! Name normalisation: Unicode normalisation, transliteration of every script to Latin (`deunicode`), case and
//! punctuation folding, removal of titles, and recognition of legal forms and equivalence classes as tokens.

use deunicode::deunicode;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::rules::NameRules;

/// One normalised part of a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The folded text (ASCII lower-case letters and digits; a multi-word phrase is joined without spaces).
    pub text: String,
    /// The equivalence classes it belongs to (ids in [`NameRules`]).
    pub classes: Vec<u32>,
    /// Whether it carries little identity (a legal form, a common descriptor, a title).
    pub generic: bool,
    /// A phonetic skeleton: consonant classes without vowels, for spellings across transliterations.
    pub skeleton: String,
}

/// A name as a list of tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameTokens {
    /// The tokens, in name order.
    pub tokens: Vec<Token>,
}

/// Folds one word of any script to ASCII lower-case letters and digits.
pub fn fold(word: &str) -> String {
    let latin = deunicode(word);
    latin.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect()
}

/// Splits a text into words (letters, digits and combining marks; apostrophes join) and folds each.
pub fn fold_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    for c in text.nfkc() {
        if c.is_alphanumeric() || is_combining_mark(c) {
            word.push(c);
        } else if matches!(c, '\'' | '’' | '`' | 'ʼ' | 'ʻ' | '‘') {
            // O'Brien, Ma'ruf: the apostrophe is part of the word.
        } else if !word.is_empty() {
            words.push(fold(&word));
            word.clear();
        }
    }
    if !word.is_empty() {
        words.push(fold(&word));
    }
    words.retain(|w| !w.is_empty());
    words
}

/// Normalises a name into tokens: titles and stop phrases go, legal forms and known name parts become classes.
pub fn tokens(name: &str, rules: &NameRules) -> NameTokens {
    let words = fold_words(name);
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let mut consumed = 0;
        for n in (1..=rules.longest_phrase().min(words.len() - i)).rev() {
            let phrase = words[i..i + n].join(" ");
            // A title is only dropped when something is left of the name.
            if rules.is_stop_phrase(&phrase) && words.len() > n {
                consumed = n;
                break;
            }
            let classes = rules.classes_of(&phrase);
            if !classes.is_empty() || n == 1 {
                let generic = !classes.is_empty()
                    && classes.iter().all(|id| rules.class(*id).is_some_and(|c| c.kind.is_generic()));
                let text = words[i..i + n].concat();
                tokens.push(Token { skeleton: skeleton(&text), text, classes: classes.to_vec(), generic });
                consumed = n;
                break;
            }
        }
        i += consumed.max(1);
    }
    NameTokens { tokens }
}

/// Returns the consonant skeleton of a folded word: letters mapped to sound classes, vowels and glides dropped,
/// repeats collapsed.
pub fn skeleton(word: &str) -> String {
    let mut out = String::new();
    for c in word.chars() {
        let class = match c {
            'b' | 'p' => 'p',
            'f' | 'v' | 'w' => 'f',
            'd' | 't' => 't',
            'c' | 'k' | 'q' | 'g' => 'k',
            's' | 'z' | 'x' => 's',
            'a' | 'e' | 'i' | 'o' | 'u' | 'y' | 'h' => continue,
            other => other,
        };
        if !out.ends_with(class) {
            out.push(class);
        }
    }
    out
}
