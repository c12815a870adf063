//! The evaluator of the ICS rule language: compiled expressions evaluated against an element of the parsed
//! IE315 tree. Values follow the semantics of the HMRC rule engine: the text of a missing element is `""`, a
//! missing or non-numeric number is NaN (`==` false, `!=` true, never ordered), and a test passes when its value
//! is truthy.

use std::borrow::Cow;

use crate::ens::rules::pattern::Pattern;
use crate::xml::{ElementId, XmlDocument};

/// A compiled path: steps from a context element.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Path {
    pub(crate) steps: Vec<Step>,
}

/// One step of a path.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Step {
    /// `..`: the parent element.
    Parent,
    /// A name: every child element with that local name (and the name's hash, compared first).
    Child(String, u64),
}

/// The binary operators, loosest first.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum BinaryOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
}

/// Functions evaluated against a context element, taking paths relative to it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum ContextFn {
    /// `exists(path)`: some element matches; `exists(path, closure)`: some element satisfies the closure.
    Exists,
    /// `not(path)`: no element matches.
    NotExists,
    /// `getValue(path)`: the first match's text as written, or "".
    GetValue,
    /// `trim(path)`: the first match's text without surrounding whitespace, or "".
    Trim,
    /// `number(path)`: the first match's text as a number, or NaN (never equal, never ordered).
    Number,
    /// `count(path)`: the number of matches.
    Count,
    /// `countEquals(path, value)`: the number of matches whose trimmed text equals the value.
    CountEquals,
    /// `countDistinct(path, trim)`: the number of distinct texts among the matches, trimmed first if `trim`.
    CountDistinct,
    /// `countDistinctChildCount(path)`: the number of distinct child-element counts among the matches.
    CountDistinctChildCount,
    /// `areIndices(path)`: the matches hold 1, 2, … n in document order.
    AreIndices,
    /// `sum(path)`: the sum of the matches' numbers (NaN if one is not a number).
    Sum,
    /// `applyRegex(path, pattern)`: the first match's whole text matches the pattern.
    ApplyRegex,
    /// `existsForAll(path, subpath, value)`: under every match, some `subpath` element has the value.
    ExistsForAll,
    /// `intOrElse(path, default)`: the first match's text as an integer, or the default.
    IntOrElse,
}

impl ContextFn {
    /// Returns (path arguments, further value arguments, whether a closure may follow).
    pub(crate) fn signature(self) -> (usize, usize, bool) {
        match self {
            ContextFn::Exists => (1, 0, true),
            ContextFn::CountEquals | ContextFn::CountDistinct | ContextFn::ApplyRegex | ContextFn::IntOrElse => {
                (1, 1, false)
            }
            ContextFn::ExistsForAll => (2, 1, false),
            _ => (1, 0, false),
        }
    }
}

/// Methods on values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Method {
    StartsWith,
    EndsWith,
    Contains,
    Length,
    Take,
    Trim,
}

/// A compiled test expression.
#[derive(Debug, Clone)]
pub(crate) enum Expr {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    /// A closure parameter: its slot in the evaluation frame.
    Param(usize),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// A function of a context element: the rule's context, or a closure parameter's (`local.exists(...)`).
    Context {
        receiver: Option<usize>,
        function: ContextFn,
        paths: Vec<Path>,
        extra: Vec<Expr>,
        /// A closure and its number of parameters.
        closure: Option<(Box<Expr>, usize)>,
        /// The compiled pattern of `applyRegex`.
        pattern: Option<Pattern>,
    },
    Method {
        receiver: Box<Expr>,
        method: Method,
        args: Vec<Expr>,
    },
    SubstringAfter(Box<Expr>, Box<Expr>),
}

/// A value during evaluation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value<'a> {
    Null,
    Bool(bool),
    Num(f64),
    Str(Cow<'a, str>),
}

impl Value<'_> {
    /// Groovy truth: null, false, 0 and "" are false.
    pub(crate) fn truthy(&self) -> bool {
        match self {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Num(n) => *n != 0.0,
            Value::Str(s) => !s.is_empty(),
        }
    }

    fn text(&self) -> Option<Cow<'_, str>> {
        match self {
            Value::Null => None,
            Value::Bool(b) => Some(Cow::Owned(b.to_string())),
            Value::Num(n) => Some(Cow::Owned(format_number(*n))),
            Value::Str(s) => Some(Cow::Borrowed(s)),
        }
    }

    fn number(&self) -> Option<f64> {
        match self {
            Value::Num(n) => Some(*n),
            Value::Str(s) => parse_number(s),
            Value::Bool(_) | Value::Null => None,
        }
    }
}

fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 { format!("{}", n as i64) } else { n.to_string() }
}

/// Parses a decimal number as the rule engine reads one: surrounding whitespace allowed, an optional sign.
pub(crate) fn parse_number(text: &str) -> Option<f64> {
    let t = text.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'+' | b'-' | b'e' | b'E')) {
        return None;
    }
    t.parse::<f64>().ok()
}

/// Evaluation state: the document and the frame of closure parameters.
pub(crate) struct Evaluator<'d> {
    pub(crate) doc: &'d XmlDocument,
    /// The hash of every element's local name, by element id: path steps compare hashes before names.
    hashes: Vec<u64>,
    frame: Vec<ElementId>,
    scratch: Vec<ElementId>,
}

impl<'d> Evaluator<'d> {
    pub(crate) fn new(doc: &'d XmlDocument) -> Evaluator<'d> {
        let hashes = doc.elements().map(|(_, e)| name_hash(e.local_name())).collect();
        Evaluator { doc, hashes, frame: Vec::new(), scratch: Vec::new() }
    }

    /// Returns every element a path reaches from `context`, in document order, into `out` (cleared first).
    pub(crate) fn select(&self, context: ElementId, path: &Path, out: &mut Vec<ElementId>) {
        out.clear();
        self.walk(context, &path.steps, &mut |id| {
            out.push(id);
            false
        });
    }

    /// Calls `visit` on every element `steps` reach from `node`, depth first (document order for paths whose
    /// `..` steps come first, as every rule path's do), until `visit` returns true; returns whether it did.
    fn walk(&self, node: ElementId, steps: &[Step], visit: &mut dyn FnMut(ElementId) -> bool) -> bool {
        let Some((step, rest)) = steps.split_first() else { return visit(node) };
        match step {
            Step::Parent => self.doc.element(node).parent.is_some_and(|parent| self.walk(parent, rest, visit)),
            Step::Child(name, hash) => {
                for &child in &self.doc.element(node).children {
                    if self.hashes[child] == *hash
                        && has_local_name(&self.doc.element(child).name, name)
                        && self.walk(child, rest, visit)
                    {
                        return true;
                    }
                }
                false
            }
        }
    }

    fn first(&self, context: ElementId, path: &Path) -> Option<ElementId> {
        let mut found = None;
        self.walk(context, &path.steps, &mut |id| {
            found = Some(id);
            true
        });
        found
    }

    fn text(&self, id: ElementId) -> &'d str {
        &self.doc.element(id).text
    }

    /// Evaluates an expression with `context` as the rule's context element.
    pub(crate) fn eval<'e>(&mut self, expr: &'e Expr, context: ElementId) -> Value<'e>
    where
        'd: 'e,
    {
        match expr {
            Expr::Null => Value::Null,
            Expr::Bool(b) => Value::Bool(*b),
            Expr::Num(n) => Value::Num(*n),
            Expr::Str(s) => Value::Str(Cow::Borrowed(s)),
            // A bare parameter is an element, not a value; it is truthy when bound.
            Expr::Param(slot) => Value::Bool(self.frame.get(*slot).is_some()),
            Expr::Not(inner) => Value::Bool(!self.eval(inner, context).truthy()),
            Expr::Neg(inner) => match self.eval(inner, context).number() {
                Some(n) => Value::Num(-n),
                None => Value::Null,
            },
            Expr::Binary(op, left, right) => self.binary(*op, left, right, context),
            Expr::Context { receiver, function, paths, extra, closure, pattern } => {
                let node = match receiver {
                    Some(slot) => match self.frame.get(*slot) {
                        Some(&node) => node,
                        None => return Value::Null,
                    },
                    None => context,
                };
                self.context_fn(*function, node, paths, extra, closure.as_ref(), pattern.as_ref())
            }
            Expr::Method { receiver, method, args } => {
                let value = self.eval(receiver, context);
                let arg = args.first().map(|a| self.eval(a, context));
                method_call(&value, *method, arg.as_ref())
            }
            Expr::SubstringAfter(text, separator) => {
                let text = self.eval(text, context);
                let separator = self.eval(separator, context);
                match (text.text(), separator.text()) {
                    (Some(t), Some(s)) => {
                        Value::Str(Cow::Owned(t.find(&*s).map_or("", |i| &t[i + s.len()..]).to_owned()))
                    }
                    _ => Value::Null,
                }
            }
        }
    }

    fn binary<'e>(&mut self, op: BinaryOp, left: &'e Expr, right: &'e Expr, context: ElementId) -> Value<'e>
    where
        'd: 'e,
    {
        match op {
            BinaryOp::Or => {
                return Value::Bool(self.eval(left, context).truthy() || self.eval(right, context).truthy());
            }
            BinaryOp::And => {
                return Value::Bool(self.eval(left, context).truthy() && self.eval(right, context).truthy());
            }
            _ => {}
        }
        let l = self.eval(left, context);
        let r = self.eval(right, context);
        match op {
            BinaryOp::Eq => Value::Bool(equal(&l, &r)),
            BinaryOp::Ne => Value::Bool(!equal(&l, &r)),
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
                let ordering = match (&l, &r) {
                    (Value::Str(a), Value::Str(b)) => Some(a.cmp(b)),
                    _ => match (l.number(), r.number()) {
                        (Some(a), Some(b)) => a.partial_cmp(&b),
                        _ => None,
                    },
                };
                let Some(ordering) = ordering else { return Value::Bool(false) };
                Value::Bool(match op {
                    BinaryOp::Lt => ordering.is_lt(),
                    BinaryOp::Le => ordering.is_le(),
                    BinaryOp::Gt => ordering.is_gt(),
                    _ => ordering.is_ge(),
                })
            }
            BinaryOp::Add if matches!(l, Value::Str(_)) => match (l.text(), r.text()) {
                (Some(a), Some(b)) => Value::Str(Cow::Owned(format!("{a}{b}"))),
                _ => Value::Null,
            },
            _ => match (l.number(), r.number()) {
                (Some(a), Some(b)) => Value::Num(match op {
                    BinaryOp::Add => a + b,
                    BinaryOp::Sub => a - b,
                    BinaryOp::Mul => a * b,
                    _ => a / b,
                }),
                _ => Value::Null,
            },
        }
    }

    fn context_fn<'e>(
        &mut self,
        function: ContextFn,
        node: ElementId,
        paths: &[Path],
        extra: &'e [Expr],
        closure: Option<&(Box<Expr>, usize)>,
        pattern: Option<&Pattern>,
    ) -> Value<'e>
    where
        'd: 'e,
    {
        let path = &paths[0];
        match function {
            ContextFn::Exists if closure.is_none() => Value::Bool(self.first(node, path).is_some()),
            ContextFn::NotExists => Value::Bool(self.first(node, path).is_none()),
            ContextFn::GetValue => Value::Str(Cow::Borrowed(self.first(node, path).map_or("", |id| self.text(id)))),
            ContextFn::Trim => Value::Str(Cow::Borrowed(self.first(node, path).map_or("", |id| self.text(id).trim()))),
            ContextFn::Number => {
                Value::Num(self.first(node, path).and_then(|id| parse_number(self.text(id))).unwrap_or(f64::NAN))
            }
            ContextFn::IntOrElse => {
                let default = self.eval(&extra[0], node);
                match self.first(node, path).and_then(|id| self.text(id).trim().parse::<i32>().ok()) {
                    Some(n) => Value::Num(f64::from(n)),
                    None => default,
                }
            }
            ContextFn::ApplyRegex => match (self.first(node, path), pattern) {
                (Some(id), Some(pattern)) => Value::Bool(pattern.matches(self.text(id))),
                _ => Value::Bool(false),
            },
            _ => {
                let mut matches = std::mem::take(&mut self.scratch);
                self.select(node, path, &mut matches);
                let value = self.over_matches(function, node, &matches, paths, extra, closure);
                self.scratch = matches;
                value
            }
        }
    }

    fn over_matches<'e>(
        &mut self,
        function: ContextFn,
        node: ElementId,
        matches: &[ElementId],
        paths: &[Path],
        extra: &'e [Expr],
        closure: Option<&(Box<Expr>, usize)>,
    ) -> Value<'e>
    where
        'd: 'e,
    {
        let doc = self.doc;
        match function {
            ContextFn::Exists => {
                let Some((body, arity)) = closure else { return Value::Bool(!matches.is_empty()) };
                let base = self.frame.len();
                let found = matches.iter().any(|&item| {
                    self.frame.truncate(base);
                    if *arity == 2 {
                        self.frame.push(node);
                    }
                    self.frame.push(item);
                    self.eval(body, item).truthy()
                });
                self.frame.truncate(base);
                Value::Bool(found)
            }
            ContextFn::Count => Value::Num(matches.len() as f64),
            ContextFn::CountEquals => {
                let wanted = self.eval(&extra[0], node);
                let wanted = wanted.text().map(|t| t.into_owned());
                let n = matches.iter().filter(|&&id| Some(self.text(id).trim()) == wanted.as_deref()).count();
                Value::Num(n as f64)
            }
            ContextFn::CountDistinct => {
                let trim = extra.first().is_some_and(|e| self.eval(e, node).truthy());
                let mut seen: Vec<&str> = Vec::new();
                for &id in matches {
                    let text = if trim { self.text(id).trim() } else { self.text(id) };
                    if !seen.contains(&text) {
                        seen.push(text);
                    }
                }
                Value::Num(seen.len() as f64)
            }
            ContextFn::CountDistinctChildCount => {
                let mut seen: Vec<usize> = Vec::new();
                for &id in matches {
                    let n = doc.element(id).children.len();
                    if !seen.contains(&n) {
                        seen.push(n);
                    }
                }
                Value::Num(seen.len() as f64)
            }
            ContextFn::AreIndices => Value::Bool(
                matches.iter().enumerate().all(|(i, &id)| self.text(id).trim().parse::<usize>().ok() == Some(i + 1)),
            ),
            ContextFn::Sum => {
                Value::Num(matches.iter().map(|&id| parse_number(self.text(id)).unwrap_or(f64::NAN)).sum())
            }
            ContextFn::ExistsForAll => {
                let wanted = self.eval(&extra[0], node);
                let wanted = wanted.text().map(|t| t.into_owned());
                let mut inner = Vec::new();
                let all = matches.iter().all(|&id| {
                    self.select(id, &paths[1], &mut inner);
                    inner.iter().any(|&i| Some(self.text(i).trim()) == wanted.as_deref())
                });
                Value::Bool(all)
            }
            ContextFn::NotExists
            | ContextFn::GetValue
            | ContextFn::Trim
            | ContextFn::Number
            | ContextFn::IntOrElse
            | ContextFn::ApplyRegex => Value::Null,
        }
    }
}

/// Hashes a local name (FNV-1a), for the quick comparison of path steps with element names.
pub(crate) fn name_hash(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// Returns whether a qualified name (`ie:CC315A`, `HEAHEA`) has a local name, without searching for the colon.
fn has_local_name(qualified: &str, local: &str) -> bool {
    qualified.ends_with(local)
        && (qualified.len() == local.len() || qualified.as_bytes()[qualified.len() - local.len() - 1] == b':')
}

fn equal(l: &Value<'_>, r: &Value<'_>) -> bool {
    match (l, r) {
        (Value::Null, Value::Null) => true,
        (Value::Null, _) | (_, Value::Null) => false,
        (Value::Str(a), Value::Str(b)) => a == b,
        (Value::Bool(a), Value::Bool(b)) => a == b,
        (Value::Num(a), Value::Num(b)) => a == b,
        _ => false,
    }
}

fn method_call<'e>(value: &Value<'e>, method: Method, arg: Option<&Value<'e>>) -> Value<'e> {
    let Some(text) = value.text() else { return Value::Null };
    let arg_text = arg.and_then(Value::text);
    match method {
        Method::Length => Value::Num(text.chars().count() as f64),
        Method::Trim => Value::Str(Cow::Owned(text.trim().to_owned())),
        Method::StartsWith => arg_text.map_or(Value::Null, |a| Value::Bool(text.starts_with(&*a))),
        Method::EndsWith => arg_text.map_or(Value::Null, |a| Value::Bool(text.ends_with(&*a))),
        Method::Contains => arg_text.map_or(Value::Null, |a| Value::Bool(text.contains(&*a))),
        Method::Take => match arg.and_then(Value::number) {
            Some(n) if n >= 0.0 => Value::Str(Cow::Owned(text.chars().take(n as usize).collect())),
            _ => Value::Null,
        },
    }
}
