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
    /// Whether it looks like an East Slavic or South Slavic patronymic (`-ovich`, `-ovna`, `-owitsch`, ...), which
    /// many renderings of a name leave out.
    pub patronymic: bool,
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
            // A title is only dropped at the start of a name, and only when something is left of the name.
            if tokens.is_empty() && rules.is_stop_phrase(&phrase) && words.len() > i + n {
                consumed = n;
                break;
            }
            let classes = rules.classes_of(&phrase);
            let generic =
                !classes.is_empty() && classes.iter().all(|id| rules.class(*id).is_some_and(|c| c.kind.is_generic()));
            // Multi-word phrases become one token only when generic ("joint stock company"): a meaningful phrase
            // ("Tactical Missiles Corporation") keeps its words, which carry the identity.
            if n == 1 || (!classes.is_empty() && generic) {
                let text = number_word(&words[i..i + n].concat());
                let patronymic = classes.is_empty() && is_patronymic(&text);
                tokens.push(Token { skeleton: skeleton(&text), text, classes: classes.to_vec(), generic, patronymic });
                consumed = n;
                break;
            }
        }
        i += consumed.max(1);
    }
    // "Forty Four" is 44: a tens number followed by a unit number is one number.
    let mut merged: Vec<Token> = Vec::with_capacity(tokens.len());
    for token in tokens {
        if let Some(last) = merged.last_mut() {
            let tens =
                last.text.len() == 2 && last.text.ends_with('0') && last.text.bytes().all(|b| b.is_ascii_digit());
            if tens && token.text.len() == 1 && token.text.bytes().all(|b| b.is_ascii_digit()) {
                last.text.truncate(1);
                last.text.push_str(&token.text);
                last.skeleton = skeleton(&last.text);
                continue;
            }
        }
        merged.push(token);
    }
    NameTokens { tokens: merged }
}

/// Returns the consonant skeleton of a folded word: letters mapped to sound classes (labials together at the start
/// of a word, `l` with `r`, as transliterations from scripts without the distinction write them), vowels and
/// glides (`v`/`w` inside a word, as Arabic and Hebrew write vowels) dropped, repeats collapsed.
pub fn skeleton(word: &str) -> String {
    let mut out = String::new();
    for (i, c) in word.chars().enumerate() {
        let class = match c {
            'b' | 'p' | 'f' | 'v' | 'w' if i == 0 => 'p',
            'b' | 'p' => 'p',
            'f' => 'f',
            'v' | 'w' => continue,
            'd' | 't' => 't',
            'c' | 'k' | 'q' | 'g' => 'k',
            's' | 'z' | 'x' => 's',
            'l' | 'r' => 'r',
            'a' | 'e' | 'i' | 'o' | 'u' | 'y' | 'h' => continue,
            other => other,
        };
        if !out.ends_with(class) {
            out.push(class);
        }
    }
    out
}

/// Returns whether a folded word ends like a Slavic patronymic.
fn is_patronymic(word: &str) -> bool {
    const ENDINGS: &[&str] = &[
        "ovich", "evich", "ovych", "evych", "avich", "ovic", "evic", "ovici", "ovitch", "evitch", "ovitj", "ovitx",
        "owitsch", "ewitsch", "owitsj", "owicz", "ewicz", "ovics", "ovna", "evna", "ivna", "ovnа", "ovycz", "ovits",
    ];
    word.len() >= 8 && ENDINGS.iter().any(|e| word.ends_with(e))
}

/// Writes number words and ordinals as digits ("first", "1st", "three" → "1", "1", "3").
fn number_word(word: &str) -> String {
    const NUMBERS: &[(&str, &str)] = &[
        ("one", "1"),
        ("first", "1"),
        ("two", "2"),
        ("second", "2"),
        ("three", "3"),
        ("third", "3"),
        ("four", "4"),
        ("fourth", "4"),
        ("five", "5"),
        ("fifth", "5"),
        ("six", "6"),
        ("sixth", "6"),
        ("seven", "7"),
        ("seventh", "7"),
        ("eight", "8"),
        ("eighth", "8"),
        ("nine", "9"),
        ("ninth", "9"),
        ("ten", "10"),
        ("tenth", "10"),
        ("twenty", "20"),
        ("thirty", "30"),
        ("forty", "40"),
        ("fourty", "40"),
        ("fifty", "50"),
        ("sixty", "60"),
        ("seventy", "70"),
        ("eighty", "80"),
        ("ninety", "90"),
        ("hundred", "100"),
    ];
    if let Some((_, digits)) = NUMBERS.iter().find(|(w, _)| *w == word) {
        return (*digits).to_owned();
    }
    let ordinal = ["st", "nd", "rd", "th"].iter().find_map(|suffix| word.strip_suffix(suffix));
    match ordinal {
        Some(digits) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => digits.to_owned(),
        _ => word.to_owned(),
    }
}
