//! The lexer of the ICS rule language: turns an assert's `test` text into tokens with byte offsets, so that the
//! parser can say where a rule file stops making sense.

use crate::ens::rules::RuleSyntaxError;

/// One token and the byte offset where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub(crate) kind: TokenKind,
    pub(crate) offset: usize,
}

/// The kinds of token of the rule language.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TokenKind {
    /// A name: a function, a method, a closure parameter, a type name, `true`, `false`, `null`.
    Ident(String),
    /// A single- or double-quoted string, escapes resolved (`\\` → `\`, `\'` → `'`).
    Str(String),
    /// A decimal number.
    Num(f64),
    LParen,
    RParen,
    LBrace,
    RBrace,
    Comma,
    Dot,
    Arrow,
    Or,
    And,
    Not,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Plus,
    Minus,
    Star,
    Slash,
    End,
}

impl TokenKind {
    /// Describes the token for error messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            TokenKind::Ident(name) => format!("name `{name}`"),
            TokenKind::Str(text) => format!("string '{text}'"),
            TokenKind::Num(n) => format!("number {n}"),
            TokenKind::End => "the end of the test".to_owned(),
            other => format!("`{}`", other.symbol()),
        }
    }

    fn symbol(&self) -> &'static str {
        match self {
            TokenKind::LParen => "(",
            TokenKind::RParen => ")",
            TokenKind::LBrace => "{",
            TokenKind::RBrace => "}",
            TokenKind::Comma => ",",
            TokenKind::Dot => ".",
            TokenKind::Arrow => "->",
            TokenKind::Or => "||",
            TokenKind::And => "&&",
            TokenKind::Not => "!",
            TokenKind::Eq => "==",
            TokenKind::Ne => "!=",
            TokenKind::Lt => "<",
            TokenKind::Le => "<=",
            TokenKind::Gt => ">",
            TokenKind::Ge => ">=",
            TokenKind::Plus => "+",
            TokenKind::Minus => "-",
            TokenKind::Star => "*",
            TokenKind::Slash => "/",
            TokenKind::Ident(_) | TokenKind::Str(_) | TokenKind::Num(_) | TokenKind::End => "",
        }
    }
}

/// Splits a test expression into tokens, ending with [`TokenKind::End`].
pub(crate) fn tokenize(text: &str) -> Result<Vec<Token>, RuleSyntaxError> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let two = bytes.get(i..i + 2).unwrap_or(&[]);
        let kind = match two {
            b"||" => Some(TokenKind::Or),
            b"&&" => Some(TokenKind::And),
            b"==" => Some(TokenKind::Eq),
            b"!=" => Some(TokenKind::Ne),
            b"<=" => Some(TokenKind::Le),
            b">=" => Some(TokenKind::Ge),
            b"->" => Some(TokenKind::Arrow),
            _ => None,
        };
        if let Some(kind) = kind {
            tokens.push(Token { kind, offset: start });
            i += 2;
            continue;
        }
        let kind = match c {
            b'(' => TokenKind::LParen,
            b')' => TokenKind::RParen,
            b'{' => TokenKind::LBrace,
            b'}' => TokenKind::RBrace,
            b',' => TokenKind::Comma,
            b'.' if !bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => TokenKind::Dot,
            b'!' => TokenKind::Not,
            b'<' => TokenKind::Lt,
            b'>' => TokenKind::Gt,
            b'+' => TokenKind::Plus,
            b'-' => TokenKind::Minus,
            b'*' => TokenKind::Star,
            b'/' => TokenKind::Slash,
            b'\'' | b'"' => {
                let (value, next) = string(text, i)?;
                i = next;
                tokens.push(Token { kind: TokenKind::Str(value), offset: start });
                continue;
            }
            b'0'..=b'9' | b'.' => {
                while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
                    i += 1;
                }
                let literal = &text[start..i];
                let value = literal.parse::<f64>().map_err(|_| RuleSyntaxError {
                    offset: start,
                    expected: "a number".to_owned(),
                    found: format!("`{literal}`"),
                })?;
                tokens.push(Token { kind: TokenKind::Num(value), offset: start });
                continue;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                tokens.push(Token { kind: TokenKind::Ident(text[start..i].to_owned()), offset: start });
                continue;
            }
            _ => {
                let found = text[start..].chars().next().unwrap_or(' ');
                return Err(RuleSyntaxError {
                    offset: start,
                    expected: "an operator, a name, a number or a quoted string".to_owned(),
                    found: format!("`{found}`"),
                });
            }
        };
        tokens.push(Token { kind, offset: start });
        i += 1;
    }
    tokens.push(Token { kind: TokenKind::End, offset: text.len() });
    Ok(tokens)
}

/// Reads a quoted string starting at `start` (the quote); returns its value and the offset after it.
fn string(text: &str, start: usize) -> Result<(String, usize), RuleSyntaxError> {
    let quote = text.as_bytes()[start] as char;
    let mut value = String::new();
    let mut chars = text[start + 1..].char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some((_, escaped @ ('\\' | '\'' | '"'))) => value.push(escaped),
                Some((_, 'n')) => value.push('\n'),
                Some((_, 't')) => value.push('\t'),
                Some((_, other)) => {
                    value.push('\\');
                    value.push(other);
                }
                None => break,
            },
            c if c == quote => return Ok((value, start + 1 + i + 1)),
            c => value.push(c),
        }
    }
    Err(RuleSyntaxError {
        offset: start,
        expected: format!("a closing {quote}"),
        found: "the end of the test".to_owned(),
    })
}
