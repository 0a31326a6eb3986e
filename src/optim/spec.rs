//! The spec syntax shared by optimizers, schedules and solvers:
//! `name(key=value, …)`, PyTorch's lower-case class and keyword names.
//!
//! Values are numbers (`0.01`, `1e-8`, `-3`), booleans (`true`/`false`,
//! any case), words (`cos`, `'min'`, `"rel"`), tuples `(0.9,0.999)`, lists
//! `[40,120]` and nested specs `linearlr(start_factor=0.1)`; a bare name is a
//! spec with no arguments. Names, keys and words are case-insensitive
//! (`T_max` is `t_max`, `Adam` is `adam`). This module only parses the
//! syntax and hands out typed values with errors that name the key, what was
//! expected and what was found; what the names mean lives with the
//! optimizers, schedules and solvers.

use crate::{Error, ParseError, Result};

/// One parsed value with its source text (for messages) and position.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub value: Value,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// The literal as written; parsed by the typed getters so that
    /// `0.1` is exactly Rust's (and Python's) nearest `f64`.
    Number(String),
    Bool(bool),
    Word(String),
    Tuple(Vec<Node>),
    List(Vec<Node>),
    Call(Call),
}

/// `name(args…)`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Call {
    pub name: String,
    pub args: Vec<Arg>,
}

/// `key=value` or a positional `value`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Arg {
    pub key: Option<String>,
    pub node: Node,
}

/// Parses a whole spec: one call (or bare name) and nothing after it.
pub(crate) fn parse_call(src: &str, subject: &'static str) -> Result<Call> {
    let mut p = Parser {
        chars: src.chars().collect(),
        pos: 0,
        src,
        subject,
    };
    p.skip_ws();
    if p.peek().is_none() {
        return Err(p.error(
            0,
            "expected a name such as `adam` or `adam(lr=0.01)`, found nothing",
        ));
    }
    let start = p.pos;
    let node = p.value()?;
    p.skip_ws();
    if let Some(c) = p.peek() {
        return Err(p.error(p.pos, &format!("expected the end of the spec, found `{c}`")));
    }
    match node.value {
        Value::Call(call) => Ok(call),
        Value::Word(name) => Ok(Call {
            name,
            args: Vec::new(),
        }),
        _ => Err(p.error(
            start,
            &format!(
                "expected a name such as `adam` or `adam(lr=0.01)`, found `{}`",
                node.text
            ),
        )),
    }
}

struct Parser<'a> {
    chars: Vec<char>,
    pos: usize,
    src: &'a str,
    subject: &'static str,
}

impl Parser<'_> {
    fn error(&self, position: usize, message: &str) -> Error {
        Error::Parse(ParseError {
            subject: self.subject,
            expression: self.src.to_string(),
            position,
            message: message.to_string(),
        })
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn text(&self, start: usize) -> String {
        self.chars[start..self.pos].iter().collect()
    }

    fn found(&self) -> String {
        match self.peek() {
            Some(c) => format!("`{c}`"),
            None => "the end".to_string(),
        }
    }

    fn ident(&mut self) -> Option<String> {
        let start = self.pos;
        if !self
            .peek()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        {
            return None;
        }
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            self.pos += 1;
        }
        Some(self.text(start).to_ascii_lowercase())
    }

    fn value(&mut self) -> Result<Node> {
        let start = self.pos;
        let value = match self.peek() {
            Some('(') => Value::Tuple(self.sequence(')')?),
            Some('[') => Value::List(self.sequence(']')?),
            Some(q @ ('\'' | '"')) => {
                self.pos += 1;
                let from = self.pos;
                while self.peek().is_some_and(|c| c != q) {
                    self.pos += 1;
                }
                if self.peek().is_none() {
                    return Err(self.error(start, &format!("unclosed quote {q}")));
                }
                let word = self.text(from).to_ascii_lowercase();
                self.pos += 1;
                Value::Word(word)
            }
            Some(c) if c.is_ascii_digit() || matches!(c, '.' | '+' | '-') => self.number()?,
            Some(c) if c.is_ascii_alphabetic() || c == '_' => {
                let name = self.ident().unwrap_or_default();
                let after_name = self.pos;
                self.skip_ws();
                if self.peek() == Some('(') {
                    Value::Call(Call {
                        name,
                        args: self.args()?,
                    })
                } else {
                    self.pos = after_name;
                    match name.as_str() {
                        "true" => Value::Bool(true),
                        "false" => Value::Bool(false),
                        _ => Value::Word(name),
                    }
                }
            }
            _ => {
                return Err(self.error(start, &format!("expected a value, found {}", self.found())));
            }
        };
        Ok(Node {
            value,
            text: self.text(start),
        })
    }

    fn number(&mut self) -> Result<Value> {
        let start = self.pos;
        if matches!(self.peek(), Some('+' | '-')) {
            self.pos += 1;
        }
        let digits = |p: &mut Self| {
            let from = p.pos;
            while p.peek().is_some_and(|c| c.is_ascii_digit()) {
                p.pos += 1;
            }
            p.pos > from
        };
        let mut any = digits(self);
        if self.peek() == Some('.') {
            self.pos += 1;
            any |= digits(self);
        }
        if any && matches!(self.peek(), Some('e' | 'E')) {
            let before = self.pos;
            self.pos += 1;
            if matches!(self.peek(), Some('+' | '-')) {
                self.pos += 1;
            }
            if !digits(self) {
                self.pos = before;
            }
        }
        let text = self.text(start);
        if !any || text.parse::<f64>().is_err() {
            return Err(self.error(start, &format!("expected a number, found `{text}`")));
        }
        Ok(Value::Number(text))
    }

    /// `( v, v, … )` or `[ v, … ]`, the opening bracket under the cursor.
    fn sequence(&mut self, close: char) -> Result<Vec<Node>> {
        self.pos += 1;
        let mut items = Vec::new();
        loop {
            self.skip_ws();
            if self.peek() == Some(close) {
                self.pos += 1;
                return Ok(items);
            }
            items.push(self.value()?);
            self.skip_ws();
            match self.peek() {
                Some(',') => self.pos += 1,
                Some(c) if c == close => {}
                _ => {
                    return Err(self.error(
                        self.pos,
                        &format!("expected `,` or `{close}`, found {}", self.found()),
                    ));
                }
            }
        }
    }

    /// `( arg, … )` after a name, the `(` under the cursor.
    fn args(&mut self) -> Result<Vec<Arg>> {
        self.pos += 1;
        let mut args = Vec::new();
        loop {
            self.skip_ws();
            if self.peek() == Some(')') {
                self.pos += 1;
                return Ok(args);
            }
            let start = self.pos;
            let mut key = None;
            if let Some(name) = self.ident() {
                self.skip_ws();
                if self.peek() == Some('=') {
                    self.pos += 1;
                    self.skip_ws();
                    key = Some(name);
                } else {
                    self.pos = start;
                }
            }
            if key.is_some() && matches!(self.peek(), None | Some(',' | ')')) {
                return Err(self.error(
                    self.pos,
                    &format!("expected a value, found {}", self.found()),
                ));
            }
            let node = self.value()?;
            args.push(Arg { key, node });
            self.skip_ws();
            match self.peek() {
                Some(',') => self.pos += 1,
                Some(')') => {}
                _ => {
                    return Err(self.error(
                        self.pos,
                        &format!("expected `,` or `)`, found {}", self.found()),
                    ));
                }
            }
        }
    }
}

/// The keyword arguments of one call, checked against the keys it knows,
/// handed out typed.
pub(crate) struct Args {
    owner: String,
    keyed: Vec<(String, Node)>,
    /// Positional arguments, in order (only `sequentiallr` takes them).
    pub positional: Vec<Node>,
}

impl Args {
    /// Checks every key against `known`, and for duplicates.
    pub fn new(call: &Call, known: &[&str]) -> Result<Args> {
        let mut keyed: Vec<(String, Node)> = Vec::new();
        let mut positional = Vec::new();
        for arg in &call.args {
            match &arg.key {
                Some(key) => {
                    if !known.contains(&key.as_str()) {
                        return Err(Error::Unknown {
                            kind: format!("`{}` key", call.name),
                            name: key.clone(),
                            known: if known.is_empty() {
                                "none (it takes no arguments)".to_string()
                            } else {
                                known.join(", ")
                            },
                        });
                    }
                    if keyed.iter().any(|(k, _)| k == key) {
                        return Err(Error::InvalidSetting {
                            name: key.clone(),
                            message: format!("given twice to `{}`", call.name),
                        });
                    }
                    keyed.push((key.clone(), arg.node.clone()));
                }
                None => positional.push(arg.node.clone()),
            }
        }
        Ok(Args {
            owner: call.name.clone(),
            keyed,
            positional,
        })
    }

    /// Fails on positional arguments: every spec but `sequentiallr` is
    /// keywords only.
    pub fn no_positional(&self) -> Result<()> {
        match self.positional.first() {
            Some(node) => Err(Error::InvalidSetting {
                name: "argument".to_string(),
                message: format!(
                    "`{}` takes key=value arguments, found `{}` without a key",
                    self.owner, node.text
                ),
            }),
            None => Ok(()),
        }
    }

    fn get(&self, key: &str) -> Option<&Node> {
        self.keyed.iter().find(|(k, _)| k == key).map(|(_, n)| n)
    }

    fn expected(&self, key: &str, what: &str, node: &Node) -> Error {
        Error::InvalidSetting {
            name: key.to_string(),
            message: format!("`{}` expects {what}, found `{}`", self.owner, node.text),
        }
    }

    fn number_of(&self, key: &str, node: &Node) -> Result<f64> {
        match &node.value {
            Value::Number(text) => match text.parse::<f64>() {
                Ok(x) if x.is_finite() => Ok(x),
                _ => Err(self.expected(key, "a finite number", node)),
            },
            _ => Err(self.expected(key, "a number", node)),
        }
    }

    fn count_of(&self, key: &str, node: &Node) -> Result<u64> {
        match &node.value {
            Value::Number(text) => match text.strip_prefix('+').unwrap_or(text).parse::<u64>() {
                Ok(n) if n <= MAX_COUNT => Ok(n),
                _ => Err(self.expected(key, "a non-negative integer up to 2^53", node)),
            },
            _ => Err(self.expected(key, "a non-negative integer", node)),
        }
    }

    /// A number, or `default` when the key is absent.
    pub fn f64(&self, key: &str, default: f64) -> Result<f64> {
        Ok(self.opt_f64(key)?.unwrap_or(default))
    }

    /// A number if given (`none` counts as not given).
    pub fn opt_f64(&self, key: &str) -> Result<Option<f64>> {
        match self.get(key) {
            None => Ok(None),
            Some(n) if is_none(n) => Ok(None),
            Some(n) => self.number_of(key, n).map(Some),
        }
    }

    /// A non-negative integer, or `default`.
    pub fn u64(&self, key: &str, default: u64) -> Result<u64> {
        Ok(self.opt_u64(key)?.unwrap_or(default))
    }

    /// A non-negative integer if given (`none` counts as not given).
    pub fn opt_u64(&self, key: &str) -> Result<Option<u64>> {
        match self.get(key) {
            None => Ok(None),
            Some(n) if is_none(n) => Ok(None),
            Some(n) => self.count_of(key, n).map(Some),
        }
    }

    /// `true`/`false`, or `default`.
    pub fn bool(&self, key: &str, default: bool) -> Result<bool> {
        match self.get(key) {
            None => Ok(default),
            Some(Node {
                value: Value::Bool(b),
                ..
            }) => Ok(*b),
            Some(n) => Err(self.expected(key, "true or false", n)),
        }
    }

    /// A pair `(a,b)` (or `[a,b]`), or `default`.
    pub fn pair(&self, key: &str, default: (f64, f64)) -> Result<(f64, f64)> {
        match self.get(key) {
            None => Ok(default),
            Some(n) => match &n.value {
                Value::Tuple(items) | Value::List(items) if items.len() == 2 => Ok((
                    self.number_of(key, &items[0])
                        .map_err(|_| self.expected(key, "a pair of numbers like (0.9,0.999)", n))?,
                    self.number_of(key, &items[1])
                        .map_err(|_| self.expected(key, "a pair of numbers like (0.9,0.999)", n))?,
                )),
                _ => Err(self.expected(key, "a pair of numbers like (0.9,0.999)", n)),
            },
        }
    }

    /// A list `[a,b,…]` (or tuple) of non-negative integers, if given.
    pub fn counts(&self, key: &str) -> Result<Option<Vec<u64>>> {
        match self.get(key) {
            None => Ok(None),
            Some(n) => match &n.value {
                Value::Tuple(items) | Value::List(items) => items
                    .iter()
                    .map(|item| {
                        self.count_of(key, item).map_err(|_| {
                            self.expected(key, "a list of non-negative integers like [40,120]", n)
                        })
                    })
                    .collect::<Result<Vec<u64>>>()
                    .map(Some),
                _ => Err(self.expected(key, "a list of non-negative integers like [40,120]", n)),
            },
        }
    }

    /// One of the `allowed` words, or `default`.
    pub fn word(
        &self,
        key: &str,
        default: &'static str,
        allowed: &[&'static str],
    ) -> Result<&'static str> {
        let Some(n) = self.get(key) else {
            return Ok(default);
        };
        let found = match &n.value {
            Value::Word(w) => allowed.iter().find(|a| **a == w.as_str()).copied(),
            _ => None,
        };
        found.ok_or_else(|| {
            let list: Vec<String> = allowed.iter().map(|a| format!("`{a}`")).collect();
            self.expected(key, &format!("one of {}", list.join(", ")), n)
        })
    }

    /// The raw node of a key, for values only the caller can interpret
    /// (nested specs).
    pub fn node(&self, key: &str) -> Option<&Node> {
        self.get(key)
    }
}

fn is_none(node: &Node) -> bool {
    matches!(&node.value, Value::Word(w) if w == "none")
}

/// The largest count a spec takes: 2⁵³, exact as an `f64` and far from
/// overflowing the step arithmetic.
pub(crate) const MAX_COUNT: u64 = 1 << 53;

/// An `f64` written so that it parses back to the same bits, as short as
/// possible: `0.01`, `1e-8`, `1e4`, `25`, `0.999`.
pub(crate) fn num(x: f64) -> String {
    let plain = format!("{x}");
    let sci = format!("{x:e}");
    if sci.len() < plain.len() { sci } else { plain }
}

/// `true` / `false`.
pub(crate) fn flag(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}

/// `[a,b,c]`.
pub(crate) fn list(items: &[u64]) -> String {
    let inner: Vec<String> = items.iter().map(u64::to_string).collect();
    format!("[{}]", inner.join(","))
}

/// A check on one setting: `Ok` when `ok`, else the setting's name with
/// the constraint and the value found.
pub(crate) fn require(
    ok: bool,
    owner: &str,
    key: &str,
    constraint: &str,
    found: String,
) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidSetting {
            name: key.to_string(),
            message: format!("`{owner}` needs {constraint}, found {found}"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(src: &str) -> Call {
        parse_call(src, "spec").unwrap()
    }

    #[test]
    fn a_bare_name_is_a_call_without_arguments() {
        assert_eq!(
            call(" Adam "),
            Call {
                name: "adam".into(),
                args: vec![]
            }
        );
        assert_eq!(call("adam()").args.len(), 0);
    }

    #[test]
    fn values_of_every_kind_parse() {
        let c =
            call("x(a=1e-8, b=(0.9,0.999), c=[40,120], d=True, e='Cos', f=g(h=2), T_max=3, k,)");
        let keys: Vec<Option<&str>> = c.args.iter().map(|a| a.key.as_deref()).collect();
        assert_eq!(
            keys,
            [
                Some("a"),
                Some("b"),
                Some("c"),
                Some("d"),
                Some("e"),
                Some("f"),
                Some("t_max"),
                None
            ]
        );
        assert_eq!(c.args[0].node.value, Value::Number("1e-8".into()));
        assert_eq!(c.args[3].node.value, Value::Bool(true));
        assert_eq!(c.args[4].node.value, Value::Word("cos".into()));
        assert!(matches!(&c.args[5].node.value, Value::Call(inner) if inner.name == "g"));
        assert_eq!(c.args[7].node.value, Value::Word("k".into()));
    }

    #[test]
    fn syntax_errors_point_at_the_fault() {
        for (src, pos, msg) in [
            ("", 0, "found nothing"),
            ("adam(lr=)", 8, "expected a value"),
            ("adam(lr=0.1", 11, "expected `,` or `)`"),
            ("adam(lr=0.1) x", 13, "expected the end"),
            ("adam(lr=1e)", 9, "expected `,` or `)`"),
            ("adam(betas=(0.9 0.99))", 16, "expected `,` or `)`"),
            ("adam(lr=-)", 8, "expected a number"),
            ("adam(mode='min)", 10, "unclosed quote"),
            ("0.1", 0, "expected a name"),
            ("adam(lr=#)", 8, "expected a value, found `#`"),
        ] {
            match parse_call(src, "spec") {
                Err(Error::Parse(e)) => {
                    assert_eq!(e.position, pos, "{src}: {e}");
                    assert!(e.message.contains(msg), "{src}: {e}");
                }
                other => panic!("{src}: {other:?}"),
            }
        }
    }

    #[test]
    fn numbers_are_written_back_exactly_and_briefly() {
        for (x, s) in [
            (0.01, "0.01"),
            (1e-8, "1e-8"),
            (1e4, "1e4"),
            (25.0, "25"),
            (0.999, "0.999"),
            (0.0, "0"),
            (-3.5, "-3.5"),
            (1.0 / 3.0, "0.3333333333333333"),
        ] {
            assert_eq!(num(x), s);
            assert_eq!(num(x).parse::<f64>().unwrap().to_bits(), x.to_bits());
        }
    }

    #[test]
    fn typed_getters_name_the_key_and_what_was_found() {
        let c = call("x(a=true, b=1.5, c=(1,2,3), d=up)");
        let args = Args::new(&c, &["a", "b", "c", "d"]).unwrap();
        let e = args.f64("a", 0.0).unwrap_err().to_string();
        assert_eq!(e, "invalid a: `x` expects a number, found `true`");
        let e = args.u64("b", 0).unwrap_err().to_string();
        assert!(
            e.contains("non-negative integer up to 2^53, found `1.5`"),
            "{e}"
        );
        let e = args.pair("c", (0.0, 0.0)).unwrap_err().to_string();
        assert!(e.contains("a pair of numbers"), "{e}");
        let e = args
            .word("d", "min", &["min", "max"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("one of `min`, `max`, found `up`"), "{e}");
        assert_eq!(args.f64("zz", 7.0).unwrap(), 7.0);
    }

    #[test]
    fn unknown_and_repeated_keys_are_refused() {
        let e = Args::new(&call("x(lr=1,foo=2)"), &["lr", "eps"])
            .err()
            .unwrap()
            .to_string();
        assert_eq!(e, "unknown `x` key `foo`; known: lr, eps");
        let e = Args::new(&call("x(lr=1,lr=2)"), &["lr"])
            .err()
            .unwrap()
            .to_string();
        assert_eq!(e, "invalid lr: given twice to `x`");
        let args = Args::new(&call("x(3)"), &["lr"]).unwrap();
        assert!(
            args.no_positional()
                .unwrap_err()
                .to_string()
                .contains("`3` without a key")
        );
    }
}
