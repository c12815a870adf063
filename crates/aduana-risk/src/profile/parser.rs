//! The profile language's parser: `profile ID { key: value ... when: condition }` blocks, with errors that say
//! where, what was expected and, for a misspelt name, the nearest known one.

use aduana_core::{Lane, Referral};
use chrono::NaiveDate;

use crate::profile::field::FieldKind;
use crate::profile::lexer::{Token, TokenKind, lex};
use crate::profile::{Cmp, Expr, Field, Op, Profile, ProfileError, ProfileErrorKind, Severity, Test, suggest};

const KEYS: &[&str] =
    &["title", "rationale", "owner", "valid", "version", "weight", "severity", "lane", "select", "referral", "when"];

/// Parses every profile in one file; stops at the first error.
pub(crate) fn parse(text: &str, file: &str) -> Result<Vec<Profile>, ProfileError> {
    let tokens = lex(text, file)?;
    let mut parser = Parser { tokens, pos: 0, file, regexes: std::collections::HashMap::new() };
    let mut profiles = Vec::new();
    while !parser.at_eof() {
        profiles.push(parser.profile()?);
    }
    Ok(profiles)
}

struct Parser<'a> {
    tokens: Vec<Token>,
    pos: usize,
    file: &'a str,
    /// Regular expressions already compiled in this file, by pattern: profiles that repeat a pattern share one
    /// compiled program (a set generated from a template repeats the same few hundreds of times).
    regexes: std::collections::HashMap<String, std::sync::Arc<regex::Regex>>,
}

/// The keys of one profile as they are read, before the required ones are checked.
#[derive(Default)]
struct Draft {
    title: Option<String>,
    rationale: Option<String>,
    owner: Option<String>,
    valid: Option<(NaiveDate, Option<NaiveDate>)>,
    version: Option<String>,
    weight: Option<f64>,
    severity: Option<Severity>,
    lane: Option<Lane>,
    select: Option<f64>,
    referrals: Option<Vec<Referral>>,
    when: Option<Expr>,
}

impl Parser<'_> {
    fn peek(&self) -> &Token {
        &self.tokens[self.pos.min(self.tokens.len() - 1)]
    }

    fn at_eof(&self) -> bool {
        self.peek().kind == TokenKind::Eof
    }

    fn next(&mut self) -> Token {
        let token = self.peek().clone();
        if self.pos < self.tokens.len() - 1 {
            self.pos += 1;
        }
        token
    }

    fn error_at(&self, token: &Token, kind: ProfileErrorKind) -> ProfileError {
        ProfileError::new(self.file, token.line, token.column, kind)
    }

    fn expected(&self, token: &Token, expected: &str) -> ProfileError {
        self.error_at(token, ProfileErrorKind::Expected { expected: expected.to_owned(), found: token.kind.describe() })
    }

    fn punct(&mut self, punct: &'static str) -> Result<Token, ProfileError> {
        let token = self.next();
        if token.kind == TokenKind::Punct(punct) {
            Ok(token)
        } else {
            Err(self.expected(&token, &format!("`{punct}`")))
        }
    }

    fn is_punct(&self, punct: &str) -> bool {
        matches!(&self.peek().kind, TokenKind::Punct(p) if *p == punct)
    }

    fn is_word(&self, word: &str) -> bool {
        matches!(&self.peek().kind, TokenKind::Word(w) if w == word)
    }

    fn word(&mut self, expected: &str) -> Result<(String, Token), ProfileError> {
        let token = self.next();
        match &token.kind {
            TokenKind::Word(w) => Ok((w.clone(), token)),
            _ => Err(self.expected(&token, expected)),
        }
    }

    /// A bare word or a quoted string.
    fn text(&mut self, expected: &str) -> Result<(String, Token), ProfileError> {
        let token = self.next();
        match &token.kind {
            TokenKind::Word(w) | TokenKind::Str(w) => Ok((w.clone(), token)),
            _ => Err(self.expected(&token, expected)),
        }
    }

    fn string(&mut self, expected: &str) -> Result<String, ProfileError> {
        let token = self.next();
        match &token.kind {
            TokenKind::Str(s) if !s.trim().is_empty() => Ok(s.clone()),
            _ => Err(self.expected(&token, expected)),
        }
    }

    fn number(&mut self, what: &str) -> Result<f64, ProfileError> {
        let (word, token) = self.word(what)?;
        word.parse::<f64>().ok().filter(|n| n.is_finite()).ok_or_else(|| self.expected(&token, what))
    }

    fn date(&mut self) -> Result<NaiveDate, ProfileError> {
        let (word, token) = self.word("a date (YYYY-MM-DD)")?;
        NaiveDate::parse_from_str(&word, "%Y-%m-%d").map_err(|_| self.expected(&token, "a date (YYYY-MM-DD)"))
    }

    fn profile(&mut self) -> Result<Profile, ProfileError> {
        let start = self.next();
        if start.kind != TokenKind::Word("profile".to_owned()) {
            return Err(self.expected(&start, "`profile`"));
        }
        let (id, _) = self.text("a profile id")?;
        self.punct("{")?;
        let mut draft = Draft::default();
        while !self.is_punct("}") {
            let (key, key_token) = self.word("a key (title, rationale, owner, valid, version, weight, severity, lane, select, referral, when) or `}`")?;
            if !KEYS.contains(&key.as_str()) {
                return Err(self.error_at(
                    &key_token,
                    ProfileErrorKind::Unknown {
                        what: "key",
                        suggestion: suggest(&key, KEYS.iter().copied()),
                        name: key,
                    },
                ));
            }
            self.punct(":")?;
            let duplicate = || ProfileErrorKind::Duplicate { key: key.clone() };
            macro_rules! set {
                ($slot:expr, $value:expr) => {{
                    let value = $value;
                    if $slot.is_some() {
                        return Err(self.error_at(&key_token, duplicate()));
                    }
                    $slot = Some(value);
                }};
            }
            match key.as_str() {
                "title" => set!(draft.title, self.string("a quoted title")?),
                "rationale" => set!(draft.rationale, self.string("a quoted rationale")?),
                "owner" => set!(draft.owner, self.string("a quoted owner")?),
                "version" => set!(draft.version, self.text("a version")?.0),
                "weight" => set!(draft.weight, self.number("a number (the weight)")?),
                "valid" => set!(draft.valid, self.validity()?),
                "severity" => set!(draft.severity, self.severity()?),
                "lane" => set!(draft.lane, self.lane()?),
                "select" => set!(draft.select, self.percent()?),
                "referral" => set!(draft.referrals, self.referrals()?),
                _ => set!(draft.when, self.or()?),
            }
        }
        self.punct("}")?;
        self.finish(id, draft, &start)
    }

    fn finish(&self, id: String, draft: Draft, start: &Token) -> Result<Profile, ProfileError> {
        let missing = |key| self.error_at(start, ProfileErrorKind::Missing { profile: id.clone(), key });
        let referrals = draft.referrals.unwrap_or_default();
        if draft.lane.is_none() && referrals.is_empty() {
            return Err(missing("lane` or `referral"));
        }
        let (valid_from, valid_to) = draft.valid.ok_or_else(|| missing("valid"))?;
        Ok(Profile {
            title: draft.title.ok_or_else(|| missing("title"))?,
            rationale: draft.rationale.ok_or_else(|| missing("rationale"))?,
            owner: draft.owner.ok_or_else(|| missing("owner"))?,
            valid_from,
            valid_to,
            version: draft.version.ok_or_else(|| missing("version"))?,
            weight: draft.weight.ok_or_else(|| missing("weight"))?,
            severity: draft.severity.ok_or_else(|| missing("severity"))?,
            lane: draft.lane,
            select_percent: draft.select.unwrap_or(100.0),
            referrals,
            condition: draft.when.ok_or_else(|| missing("when"))?,
            source: format!("{}:{}:{}", self.file, start.line, start.column),
            id,
        })
    }

    fn validity(&mut self) -> Result<(NaiveDate, Option<NaiveDate>), ProfileError> {
        let from = self.date()?;
        let (to_word, token) = self.word("`to`")?;
        if to_word != "to" {
            return Err(self.expected(&token, "`to`"));
        }
        if self.is_word("open") {
            self.next();
            return Ok((from, None));
        }
        let to_token = self.peek().clone();
        let to = self.date()?;
        if to < from {
            return Err(self.error_at(
                &to_token,
                ProfileErrorKind::Invalid { what: "validity", message: format!("{to} is before {from}") },
            ));
        }
        Ok((from, Some(to)))
    }

    fn named<T: Copy>(&mut self, what: &'static str, table: &[(&str, T)]) -> Result<T, ProfileError> {
        let (word, token) = self.word(what)?;
        table.iter().find(|(name, _)| *name == word).map(|(_, v)| *v).ok_or_else(|| {
            self.error_at(
                &token,
                ProfileErrorKind::Unknown {
                    what,
                    suggestion: suggest(&word, table.iter().map(|(n, _)| *n)),
                    name: word.clone(),
                },
            )
        })
    }

    fn severity(&mut self) -> Result<Severity, ProfileError> {
        self.named(
            "severity",
            &[
                ("low", Severity::Low),
                ("medium", Severity::Medium),
                ("high", Severity::High),
                ("critical", Severity::Critical),
            ],
        )
    }

    fn lane(&mut self) -> Result<Lane, ProfileError> {
        self.named("lane", &[("green", Lane::Green), ("yellow", Lane::Yellow), ("red", Lane::Red)])
    }

    fn referrals(&mut self) -> Result<Vec<Referral>, ProfileError> {
        let table = [
            ("do-not-load", Referral::DoNotLoad),
            ("request-information", Referral::RequestInformation),
            ("high-risk-screening", Referral::HighRiskScreening),
        ];
        let mut out = vec![self.named("referral", &table)?];
        while self.is_punct(",") {
            self.next();
            out.push(self.named("referral", &table)?);
        }
        out.sort();
        out.dedup();
        Ok(out)
    }

    fn percent(&mut self) -> Result<f64, ProfileError> {
        let token = self.peek().clone();
        let value = self.number("a percentage (e.g. `25%`)")?;
        self.punct("%")?;
        if !(0.0..=100.0).contains(&value) {
            return Err(self.error_at(
                &token,
                ProfileErrorKind::Invalid { what: "percentage", message: format!("expected 0 to 100, found {value}") },
            ));
        }
        Ok(value)
    }

    fn or(&mut self) -> Result<Expr, ProfileError> {
        let mut parts = vec![self.and()?];
        while self.is_word("or") {
            self.next();
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 { parts.remove(0) } else { Expr::Or(parts) })
    }

    fn and(&mut self) -> Result<Expr, ProfileError> {
        let mut parts = vec![self.unary()?];
        while self.is_word("and") {
            self.next();
            parts.push(self.unary()?);
        }
        Ok(if parts.len() == 1 { parts.remove(0) } else { Expr::And(parts) })
    }

    fn unary(&mut self) -> Result<Expr, ProfileError> {
        if self.is_word("not") {
            self.next();
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if self.is_punct("(") {
            self.next();
            let inner = self.or()?;
            self.punct(")")?;
            return Ok(inner);
        }
        self.test().map(Expr::Test)
    }

    fn test(&mut self) -> Result<Test, ProfileError> {
        let (name, token) = self.word("a field name (e.g. `goods.hs_code`), `not` or `(`")?;
        let field = Field::parse(&name).ok_or_else(|| {
            let names = Field::all_names();
            self.error_at(
                &token,
                ProfileErrorKind::Unknown {
                    what: "field",
                    suggestion: suggest(&name, names.iter().map(String::as_str)),
                    name: name.clone(),
                },
            )
        })?;
        let op_token = self.next();
        let kind = field.kind();
        let mismatch = |op: &str| {
            let allowed = match kind {
                FieldKind::Text => "text fields take = != in `not in` prefix contains matches `in list` exists",
                FieldKind::Number => "number fields take < <= > >= = exists",
            };
            self.error_at(
                &op_token,
                ProfileErrorKind::OperatorMismatch { op: op.to_owned(), field: name.clone(), allowed },
            )
        };
        let op = match (&op_token.kind, kind) {
            (TokenKind::Punct(p @ ("<" | "<=" | ">" | ">=")), FieldKind::Number)
            | (TokenKind::Punct(p @ "="), FieldKind::Number) => {
                let cmp = match *p {
                    "<" => Cmp::Lt,
                    "<=" => Cmp::Le,
                    ">" => Cmp::Gt,
                    ">=" => Cmp::Ge,
                    _ => Cmp::Eq,
                };
                Op::Cmp(cmp, self.number("a number")?)
            }
            (TokenKind::Punct(p @ ("<" | "<=" | ">" | ">=")), _) | (TokenKind::Punct(p @ "!="), FieldKind::Number) => {
                return Err(mismatch(p));
            }
            (TokenKind::Punct("!="), FieldKind::Text) => Op::Ne(normalise(&self.text("a value")?.0)),
            (TokenKind::Punct("="), FieldKind::Text) => Op::Eq(normalise(&self.text("a value")?.0)),
            (TokenKind::Word(w), _) if w == "exists" => Op::Exists,
            (TokenKind::Word(w), FieldKind::Number) => return Err(mismatch(w)),
            (TokenKind::Word(w), FieldKind::Text) => match w.as_str() {
                "in" if self.is_word("list") => {
                    self.next();
                    Op::InList(self.text("a list name")?.0)
                }
                "in" => Op::In(self.set()?),
                "not" => {
                    let (word, token) = self.word("`in`")?;
                    if word != "in" {
                        return Err(self.expected(&token, "`in`"));
                    }
                    Op::NotIn(self.set()?)
                }
                "prefix" => Op::Prefix(self.set()?),
                "contains" => Op::Contains(self.text("a text to look for")?.0.to_lowercase()),
                "matches" => {
                    let token = self.peek().clone();
                    let pattern = self.string("a quoted regular expression")?;
                    if let Some(regex) = self.regexes.get(&pattern) {
                        Op::Matches(regex.clone())
                    } else {
                        let regex =
                            regex::RegexBuilder::new(&pattern).case_insensitive(true).size_limit(1 << 20).build();
                        let regex = regex.map(std::sync::Arc::new).map_err(|e| {
                            self.error_at(
                                &token,
                                ProfileErrorKind::Invalid { what: "regular expression", message: e.to_string() },
                            )
                        })?;
                        self.regexes.insert(pattern, regex.clone());
                        Op::Matches(regex)
                    }
                }
                _ => {
                    return Err(self.expected(
                        &op_token,
                        "an operator (= != in `not in` prefix contains matches `in list` exists)",
                    ));
                }
            },
            _ => return Err(self.expected(&op_token, "an operator")),
        };
        Ok(Test { field, op })
    }

    /// `[a, b, c]` or a single value.
    fn set(&mut self) -> Result<Vec<String>, ProfileError> {
        let mut values = Vec::new();
        if self.is_punct("[") {
            self.next();
            loop {
                values.push(normalise(&self.text("a value")?.0));
                if self.is_punct(",") {
                    self.next();
                    continue;
                }
                self.punct("]")?;
                break;
            }
        } else {
            values.push(normalise(&self.text("a value or `[`")?.0));
        }
        values.sort();
        values.dedup();
        Ok(values)
    }
}

/// Values compare case-insensitively: codes are upper case in the model, so operands are upper-cased.
fn normalise(value: &str) -> String {
    value.trim().to_uppercase()
}
