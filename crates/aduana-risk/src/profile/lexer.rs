//! The profile language's lexer: words, quoted strings and punctuation, each with its line and column.

use crate::profile::{ProfileError, ProfileErrorKind};

/// One token with where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub(crate) kind: TokenKind,
    pub(crate) line: u32,
    pub(crate) column: u32,
}

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TokenKind {
    /// A run of letters, digits, `_`, `-`, `.` and `/`: a key, a field, a bare value, a number or a date.
    Word(String),
    /// A double-quoted string, escapes resolved.
    Str(String),
    /// Punctuation or an operator: `{ } [ ] ( ) , : % = != < <= > >=`.
    Punct(&'static str),
    /// The end of the input.
    Eof,
}

impl TokenKind {
    /// Describes the token for an error message.
    pub(crate) fn describe(&self) -> String {
        match self {
            TokenKind::Word(w) => format!("`{w}`"),
            TokenKind::Str(s) => format!("string \"{s}\""),
            TokenKind::Punct(p) => format!("`{p}`"),
            TokenKind::Eof => "end of file".to_owned(),
        }
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | '+')
}

/// Splits a profile file into tokens; `#` starts a comment that runs to the end of the line.
pub(crate) fn lex(source: &str, file: &str) -> Result<Vec<Token>, ProfileError> {
    let mut tokens = Vec::new();
    let mut chars = source.chars().peekable();
    let (mut line, mut column) = (1u32, 1u32);
    while let Some(&c) = chars.peek() {
        let (start_line, start_column) = (line, column);
        let mut advance = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>| {
            let c = chars.next();
            if c == Some('\n') {
                line += 1;
                column = 1;
            } else {
                column += 1;
            }
            c
        };
        if c.is_whitespace() {
            advance(&mut chars);
            continue;
        }
        if c == '#' {
            while chars.peek().is_some_and(|&c| c != '\n') {
                advance(&mut chars);
            }
            continue;
        }
        let kind = if c == '"' {
            advance(&mut chars);
            let mut text = String::new();
            loop {
                match advance(&mut chars) {
                    Some('"') => break,
                    Some('\\') => match advance(&mut chars) {
                        Some('n') => text.push('\n'),
                        Some(other) => text.push(other),
                        None => break,
                    },
                    Some('\n') | None => {
                        return Err(ProfileError::new(
                            file,
                            start_line,
                            start_column,
                            ProfileErrorKind::Expected {
                                expected: "a closing `\"` on the same line".to_owned(),
                                found: "end of line".to_owned(),
                            },
                        ));
                    }
                    Some(other) => text.push(other),
                }
            }
            TokenKind::Str(text)
        } else if is_word_char(c) {
            let mut word = String::new();
            while let Some(&c) = chars.peek() {
                if !is_word_char(c) {
                    break;
                }
                word.push(c);
                advance(&mut chars);
            }
            TokenKind::Word(word)
        } else {
            advance(&mut chars);
            let two = |next: char, chars: &mut std::iter::Peekable<std::str::Chars<'_>>| chars.peek() == Some(&next);
            let punct: &'static str = match c {
                '{' => "{",
                '}' => "}",
                '[' => "[",
                ']' => "]",
                '(' => "(",
                ')' => ")",
                ',' => ",",
                ':' => ":",
                '%' => "%",
                '=' => "=",
                '!' if two('=', &mut chars) => {
                    advance(&mut chars);
                    "!="
                }
                '<' if two('=', &mut chars) => {
                    advance(&mut chars);
                    "<="
                }
                '>' if two('=', &mut chars) => {
                    advance(&mut chars);
                    ">="
                }
                '<' => "<",
                '>' => ">",
                other => {
                    return Err(ProfileError::new(
                        file,
                        start_line,
                        start_column,
                        ProfileErrorKind::Expected {
                            expected: "a word, a quoted string or one of `{ } [ ] ( ) , : % = != < <= > >=`".to_owned(),
                            found: format!("`{other}`"),
                        },
                    ));
                }
            };
            TokenKind::Punct(punct)
        };
        tokens.push(Token { kind, line: start_line, column: start_column });
    }
    tokens.push(Token { kind: TokenKind::Eof, line, column });
    Ok(tokens)
}
