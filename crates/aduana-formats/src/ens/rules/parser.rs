//! The parser of the ICS rule language: a precedence-climbing parser from tokens to a compiled [`Expr`], with
//! function names resolved and path arguments compiled once, so that evaluation does no text processing.

use crate::ens::rules::RuleSyntaxError;
use crate::ens::rules::eval::{BinaryOp, ContextFn, Expr, Method, Path, Step, name_hash};
use crate::ens::rules::lexer::{Token, TokenKind, tokenize};
use crate::ens::rules::pattern::Pattern;

/// Parses and compiles one test expression.
pub(crate) fn parse_test(text: &str) -> Result<Expr, RuleSyntaxError> {
    let tokens = tokenize(text)?;
    let mut parser = Parser { tokens, next: 0, params: Vec::new(), depth: 0 };
    let expr = parser.expr()?;
    parser.expect(&TokenKind::End, "an operator or the end of the test")?;
    Ok(expr)
}

/// Compiles a rule path (`/GOOITEGDS/PACGS2`, `../HEAHEA/SpeCirIndHEA1`, `.`) into steps.
pub(crate) fn parse_path(text: &str) -> Result<Path, String> {
    let mut steps = Vec::new();
    for part in text.trim().split('/') {
        let step = match part.trim() {
            "" | "." => continue,
            ".." => Step::Parent,
            name if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
                Step::Child(name.to_owned(), name_hash(name))
            }
            other => return Err(format!("expected an element name, `.` or `..` in path '{text}', found `{other}`")),
        };
        steps.push(step);
    }
    Ok(Path { steps })
}

/// An unresolved call argument or receiver: either an expression or a closure.
enum Arg {
    Expr(Expr),
    Closure(Expr, usize),
}

struct Parser {
    tokens: Vec<Token>,
    next: usize,
    /// Closure parameters in scope, innermost last; a parameter's index is its slot in the evaluation frame.
    params: Vec<String>,
    /// The current nesting of sub-expressions, bounded by [`MAX_DEPTH`].
    depth: usize,
}

/// The deepest nesting of parentheses, operators and calls a test may have, so that a hostile rule file fails with
/// an error rather than exhausting the stack.
const MAX_DEPTH: usize = 64;

impl Parser {
    fn peek(&self) -> &Token {
        &self.tokens[self.next.min(self.tokens.len() - 1)]
    }

    fn bump(&mut self) -> Token {
        let token = self.peek().clone();
        self.next = (self.next + 1).min(self.tokens.len() - 1);
        token
    }

    fn error(&self, expected: &str) -> RuleSyntaxError {
        let token = self.peek();
        RuleSyntaxError { offset: token.offset, expected: expected.to_owned(), found: token.kind.describe() }
    }

    fn expect(&mut self, kind: &TokenKind, expected: &str) -> Result<(), RuleSyntaxError> {
        if &self.peek().kind == kind {
            self.bump();
            Ok(())
        } else {
            Err(self.error(expected))
        }
    }

    fn expr(&mut self) -> Result<Expr, RuleSyntaxError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(&format!("an expression nested at most {MAX_DEPTH} deep")));
        }
        let result = self.binary(0);
        self.depth -= 1;
        result
    }

    fn binary(&mut self, level: usize) -> Result<Expr, RuleSyntaxError> {
        const LEVELS: &[&[(TokenKind, BinaryOp)]] = &[
            &[(TokenKind::Or, BinaryOp::Or)],
            &[(TokenKind::And, BinaryOp::And)],
            &[(TokenKind::Eq, BinaryOp::Eq), (TokenKind::Ne, BinaryOp::Ne)],
            &[
                (TokenKind::Lt, BinaryOp::Lt),
                (TokenKind::Le, BinaryOp::Le),
                (TokenKind::Gt, BinaryOp::Gt),
                (TokenKind::Ge, BinaryOp::Ge),
            ],
            &[(TokenKind::Plus, BinaryOp::Add), (TokenKind::Minus, BinaryOp::Sub)],
            &[(TokenKind::Star, BinaryOp::Mul), (TokenKind::Slash, BinaryOp::Div)],
        ];
        let Some(operators) = LEVELS.get(level) else {
            return self.unary();
        };
        let mut left = self.binary(level + 1)?;
        loop {
            let kind = &self.peek().kind;
            let Some((_, op)) = operators.iter().find(|(k, _)| k == kind) else {
                return Ok(left);
            };
            let op = *op;
            self.bump();
            let right = self.binary(level + 1)?;
            left = Expr::Binary(op, Box::new(left), Box::new(right));
        }
    }

    fn unary(&mut self) -> Result<Expr, RuleSyntaxError> {
        match self.peek().kind {
            TokenKind::Not | TokenKind::Minus => {
                let negate = self.bump().kind == TokenKind::Minus;
                let inner = Box::new(self.expr_unary_nested()?);
                Ok(if negate { Expr::Neg(inner) } else { Expr::Not(inner) })
            }
            _ => self.postfix(),
        }
    }

    fn expr_unary_nested(&mut self) -> Result<Expr, RuleSyntaxError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(&format!("an expression nested at most {MAX_DEPTH} deep")));
        }
        let result = self.unary();
        self.depth -= 1;
        result
    }

    fn postfix(&mut self) -> Result<Expr, RuleSyntaxError> {
        let mut value = self.primary()?;
        while self.peek().kind == TokenKind::Dot {
            self.bump();
            let at = self.peek().offset;
            let TokenKind::Ident(name) = self.bump().kind else {
                self.next -= 1;
                return Err(self.error("a method name after `.`"));
            };
            let args = self.call_args()?;
            value = match value {
                Expr::Param(slot) => self.context_call(Some(slot), &name, args, at)?,
                receiver => self.method_call(receiver, &name, args, at)?,
            };
        }
        Ok(value)
    }

    fn primary(&mut self) -> Result<Expr, RuleSyntaxError> {
        let token = self.bump();
        match token.kind {
            TokenKind::Num(n) => Ok(Expr::Num(n)),
            TokenKind::Str(s) => Ok(Expr::Str(s)),
            TokenKind::LParen => {
                let inner = self.expr()?;
                self.expect(&TokenKind::RParen, "`)`")?;
                Ok(inner)
            }
            TokenKind::Ident(name) => match name.as_str() {
                "true" => Ok(Expr::Bool(true)),
                "false" => Ok(Expr::Bool(false)),
                "null" => Ok(Expr::Null),
                _ if self.peek().kind == TokenKind::LParen => {
                    let args = self.call_args()?;
                    self.context_call(None, &name, args, token.offset)
                }
                _ => match self.params.iter().rposition(|p| *p == name) {
                    Some(slot) => Ok(Expr::Param(slot)),
                    None => Err(RuleSyntaxError {
                        offset: token.offset,
                        expected: "a function call or a closure parameter".to_owned(),
                        found: format!("name `{name}`"),
                    }),
                },
            },
            other => Err(RuleSyntaxError {
                offset: token.offset,
                expected: "a value: a function call, a string, a number or `(`".to_owned(),
                found: other.describe(),
            }),
        }
    }

    fn call_args(&mut self) -> Result<Vec<Arg>, RuleSyntaxError> {
        self.expect(&TokenKind::LParen, "`(`")?;
        let mut args = Vec::new();
        if self.peek().kind == TokenKind::RParen {
            self.bump();
            return Ok(args);
        }
        loop {
            if self.peek().kind == TokenKind::LBrace {
                args.push(self.closure()?);
            } else {
                args.push(Arg::Expr(self.expr()?));
            }
            match self.bump().kind {
                TokenKind::Comma => {}
                TokenKind::RParen => return Ok(args),
                _ => {
                    self.next -= 1;
                    return Err(self.error("`,` or `)`"));
                }
            }
        }
    }

    /// `{Type current, Type local -> expr}`: the first parameter is bound to the enclosing context, the last to
    /// each node the call iterates over. Type names are optional.
    fn closure(&mut self) -> Result<Arg, RuleSyntaxError> {
        self.expect(&TokenKind::LBrace, "`{`")?;
        let mut names = Vec::new();
        loop {
            let mut words = Vec::new();
            while let TokenKind::Ident(word) = &self.peek().kind {
                words.push(word.clone());
                self.bump();
            }
            match words.pop() {
                Some(name) => names.push(name),
                None => return Err(self.error("a closure parameter name")),
            }
            match self.bump().kind {
                TokenKind::Comma => {}
                TokenKind::Arrow => break,
                _ => {
                    self.next -= 1;
                    return Err(self.error("`,` or `->`"));
                }
            }
        }
        if names.len() > 2 {
            return Err(self.error("a closure with one or two parameters"));
        }
        let base = self.params.len();
        self.params.extend(names.iter().cloned());
        let body = self.expr();
        self.params.truncate(base);
        let body = body?;
        self.expect(&TokenKind::RBrace, "`}`")?;
        Ok(Arg::Closure(body, names.len()))
    }

    /// A function evaluated against a context node: the rule's context, or a closure parameter's node.
    fn context_call(
        &mut self,
        receiver: Option<usize>,
        name: &str,
        args: Vec<Arg>,
        at: usize,
    ) -> Result<Expr, RuleSyntaxError> {
        let fail = |expected: String| RuleSyntaxError { offset: at, expected, found: format!("`{name}(…)`") };
        let function = match name {
            "exists" => ContextFn::Exists,
            "not" => ContextFn::NotExists,
            "getValue" => ContextFn::GetValue,
            "trim" => ContextFn::Trim,
            "number" => ContextFn::Number,
            "count" => ContextFn::Count,
            "countEquals" => ContextFn::CountEquals,
            "countDistinct" => ContextFn::CountDistinct,
            "countDistinctChildCount" => ContextFn::CountDistinctChildCount,
            "areIndices" => ContextFn::AreIndices,
            "sum" => ContextFn::Sum,
            "applyRegex" => ContextFn::ApplyRegex,
            "existsForAll" => ContextFn::ExistsForAll,
            "intOrElse" => ContextFn::IntOrElse,
            "substringAfter" if receiver.is_none() => {
                let [Arg::Expr(text), Arg::Expr(separator)] = <[Arg; 2]>::try_from(args)
                    .map_err(|_| fail("substringAfter(text, separator)".to_owned()))?
                else {
                    return Err(fail("substringAfter(text, separator) without closures".to_owned()));
                };
                return Ok(Expr::SubstringAfter(Box::new(text), Box::new(separator)));
            }
            _ => return Err(fail("a known function (exists, not, getValue, trim, number, count, countEquals, countDistinct, countDistinctChildCount, areIndices, sum, applyRegex, existsForAll, intOrElse, substringAfter)".to_owned())),
        };
        let (paths_wanted, extra_wanted, closure_allowed) = function.signature();
        let mut args = args.into_iter();
        let mut paths = Vec::new();
        for _ in 0..paths_wanted {
            let Some(Arg::Expr(expr)) = args.next() else {
                return Err(fail(format!("{} path argument(s) as quoted strings", paths_wanted)));
            };
            let Expr::Str(text) = expr else {
                return Err(fail("a path as a quoted string".to_owned()));
            };
            paths.push(parse_path(&text).map_err(|e| RuleSyntaxError {
                offset: at,
                expected: e,
                found: format!("`{name}(…)`"),
            })?);
        }
        let mut extra = Vec::new();
        let mut closure = None;
        for arg in args {
            match arg {
                Arg::Expr(expr) if extra.len() < extra_wanted => extra.push(expr),
                Arg::Closure(body, arity) if closure_allowed && closure.is_none() => {
                    closure = Some((Box::new(body), arity));
                }
                _ => {
                    return Err(fail(format!(
                        "{name} with {paths_wanted} path(s) and {extra_wanted} more argument(s)"
                    )));
                }
            }
        }
        if extra.len() != extra_wanted && !(function == ContextFn::CountDistinct && extra.is_empty()) {
            return Err(fail(format!("{name} with {paths_wanted} path(s) and {extra_wanted} more argument(s)")));
        }
        let pattern = if function == ContextFn::ApplyRegex {
            let Some(Expr::Str(source)) = extra.first() else {
                return Err(fail("applyRegex(path, 'regular expression') with a quoted pattern".to_owned()));
            };
            Some(Pattern::compile(source).map_err(|e| RuleSyntaxError {
                offset: at,
                expected: "a supported regular expression".to_owned(),
                found: e,
            })?)
        } else {
            None
        };
        Ok(Expr::Context { receiver, function, paths, extra, closure, pattern })
    }

    fn method_call(&mut self, receiver: Expr, name: &str, args: Vec<Arg>, at: usize) -> Result<Expr, RuleSyntaxError> {
        let (method, arity) = match name {
            "startsWith" => (Method::StartsWith, 1),
            "endsWith" => (Method::EndsWith, 1),
            "contains" => (Method::Contains, 1),
            "length" => (Method::Length, 0),
            "take" => (Method::Take, 1),
            "trim" => (Method::Trim, 0),
            _ => {
                return Err(RuleSyntaxError {
                    offset: at,
                    expected: "a known method (startsWith, endsWith, contains, length, take, trim)".to_owned(),
                    found: format!("`.{name}(…)`"),
                });
            }
        };
        let mut exprs = Vec::new();
        for arg in args {
            match arg {
                Arg::Expr(e) => exprs.push(e),
                Arg::Closure(..) => {
                    return Err(RuleSyntaxError {
                        offset: at,
                        expected: format!("`.{name}` without a closure"),
                        found: "a closure".to_owned(),
                    });
                }
            }
        }
        if exprs.len() != arity {
            return Err(RuleSyntaxError {
                offset: at,
                expected: format!("`.{name}` with {arity} argument(s)"),
                found: format!("{} argument(s)", exprs.len()),
            });
        }
        Ok(Expr::Method { receiver: Box::new(receiver), method, args: exprs })
    }
}
