//! Country names and demonyms as lists write them ("Iran (Islamic Republic of)", "Afghan", "Somali"), mapped to ISO
//! 3166 alpha-2 codes, so that a nationality given as a code meets one given as a name.

use crate::normalise::fold_words;

/// Names and demonyms (folded words) by ISO code; a phrase matches when its words appear in order.
const COUNTRIES: &[(&str, &[&str])] = &[
    ("af", &["afghanistan", "afghan"]),
    ("dz", &["algeria", "algerian"]),
    ("bh", &["bahrain", "bahraini"]),
    ("ba", &["bosnia"]),
    ("cf", &["central african"]),
    ("cn", &["china", "chinese"]),
    ("cd", &["democratic republic of the congo", "drc", "congolese"]),
    ("cg", &["republic of the congo"]),
    ("eg", &["egypt", "egyptian"]),
    ("er", &["eritrea", "eritrean"]),
    ("et", &["ethiopia", "ethiopian"]),
    ("fr", &["france", "french"]),
    ("ge", &["georgia", "georgian"]),
    ("de", &["germany", "german"]),
    ("gw", &["guinea bissau"]),
    ("in", &["india", "indian"]),
    ("id", &["indonesia", "indonesian"]),
    ("ir", &["iran", "iranian"]),
    ("iq", &["iraq", "iraqi"]),
    ("jo", &["jordan", "jordanian"]),
    ("ke", &["kenya", "kenyan"]),
    // Folding joins "People's" into "peoples"; the spaced form covers lists that write the apostrophe as a space.
    (
        "kp",
        &[
            "democratic peoples republic of korea",
            "democratic people s republic of korea",
            "korea democratic peoples republic",
            "korea democratic people s republic",
            "dprk",
            "north korea",
            "korea dpr",
            "north korean",
        ],
    ),
    ("kr", &["republic of korea", "korea republic of", "south korea", "south korean"]),
    ("kw", &["kuwait", "kuwaiti"]),
    ("lb", &["lebanon", "lebanese"]),
    ("ly", &["libya", "libyan"]),
    ("my", &["malaysia", "malaysian"]),
    ("ml", &["mali", "malian"]),
    ("mr", &["mauritania", "mauritanian"]),
    ("ma", &["morocco", "moroccan"]),
    ("ng", &["nigeria", "nigerian"]),
    ("no", &["norway", "norwegian"]),
    ("pk", &["pakistan", "pakistani"]),
    ("ps", &["palestine", "palestinian"]),
    ("ph", &["philippines", "filipino"]),
    ("qa", &["qatar", "qatari"]),
    ("ru", &["russian federation", "russia", "russian"]),
    ("rw", &["rwanda", "rwandan"]),
    ("sa", &["saudi arabia", "saudi"]),
    ("sn", &["senegal", "senegalese"]),
    ("so", &["somalia", "somali"]),
    ("ss", &["south sudan"]),
    ("sd", &["sudan", "sudanese"]),
    ("sy", &["syria", "syrian"]),
    ("tj", &["tajikistan", "tajik"]),
    ("tz", &["tanzania", "tanzanian"]),
    ("tt", &["trinidad"]),
    ("tn", &["tunisia", "tunisian"]),
    ("tr", &["turkey", "turkiye", "turkish"]),
    ("ug", &["uganda", "ugandan"]),
    ("ae", &["united arab emirates", "emirati"]),
    ("gb", &["united kingdom", "great britain", "british"]),
    ("us", &["united states", "american"]),
    ("uz", &["uzbekistan", "uzbek"]),
    ("ye", &["yemen", "yemeni"]),
    ("ht", &["haiti", "haitian"]),
    ("ua", &["ukraine", "ukrainian"]),
    ("by", &["belarus", "belarusian"]),
    ("ve", &["venezuela", "venezuelan"]),
    ("cu", &["cuba", "cuban"]),
    ("mm", &["myanmar", "burma", "burmese"]),
    ("it", &["italy", "italian"]),
    ("es", &["spain", "spanish"]),
    ("be", &["belgium", "belgian"]),
    ("nl", &["netherlands", "dutch"]),
    ("ca", &["canada", "canadian"]),
    ("mx", &["mexico", "mexican"]),
    ("br", &["brazil", "brazilian"]),
    ("au", &["australia", "australian"]),
    ("jp", &["japan", "japanese"]),
];

/// Returns the ISO alpha-2 code (lower case) for a nationality or country given as a code, a name or a demonym.
pub(crate) fn country_key(text: &str) -> Option<&'static str> {
    // The common case, an ISO code as parties carry it ("DE"), without folding or allocating.
    if let [a, b] = text.as_bytes() {
        if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() {
            let code = [a.to_ascii_lowercase(), b.to_ascii_lowercase()];
            return COUNTRIES.iter().find(|(key, _)| key.as_bytes() == code).map(|(key, _)| *key);
        }
    }
    let words = fold_words(text);
    if let [word] = words.as_slice() {
        if word.len() == 2 {
            return COUNTRIES.iter().find(|(code, _)| code == word).map(|(code, _)| *code);
        }
    }
    let joined = format!(" {} ", words.join(" "));
    // Longer phrases first, so "South Sudan" is not read as "Sudan" and the DRC not as the Congo.
    let mut best: Option<(&'static str, usize)> = None;
    for (code, names) in COUNTRIES {
        for name in *names {
            if contains_phrase(&joined, name) && best.is_none_or(|(_, len)| name.len() > len) {
                best = Some((code, name.len()));
            }
        }
    }
    best.map(|(code, _)| code)
}

/// Returns whether `joined` contains ` {phrase} ` (without building that string).
fn contains_phrase(joined: &str, phrase: &str) -> bool {
    let phrase = phrase.as_bytes();
    joined
        .as_bytes()
        .windows(phrase.len() + 2)
        .any(|window| window[0] == b' ' && window[window.len() - 1] == b' ' && &window[1..window.len() - 1] == phrase)
}

#[cfg(test)]
mod tests {
    use super::country_key;

    #[test]
    fn codes_names_and_demonyms_give_the_same_key() {
        let cases = [
            ("DE", Some("de")),
            ("de", Some("de")),
            ("Germany", Some("de")),
            ("German", Some("de")),
            ("South Sudan", Some("ss")),
            ("Sudan", Some("sd")),
            ("Iran (Islamic Republic of)", Some("ir")),
            ("Democratic Republic of the Congo", Some("cd")),
            ("Republic of the Congo", Some("cg")),
            // North Korea is not South Korea, however the list writes it (the apostrophe folds away).
            ("Democratic People's Republic of Korea", Some("kp")),
            ("Korea, Democratic People's Republic of", Some("kp")),
            ("Democratic People s Republic of Korea", Some("kp")),
            ("Korea, Republic of", Some("kr")),
            ("Republic of Korea", Some("kr")),
            ("DPRK", Some("kp")),
            ("ZZ", None),
            ("ＤＥ", Some("de")),
            ("D E", None),
            ("Nigerian", Some("ng")),
            ("Nigeria ", Some("ng")),
            ("Unigerian", None),
            ("", None),
        ];
        for (text, expected) in cases {
            assert_eq!(country_key(text), expected, "country of `{text}`");
        }
    }
}
