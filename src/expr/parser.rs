//! Recursive-descent parser that emits the postfix program directly, folding
//! constant subexpressions as it goes.
//!
//! Grammar, loosest binding first:
//!
//! ```text
//! sum      = product (("+" | "-") product)*
//! product  = unary (("*" | "/") unary)*
//! unary    = ("-" | "+") unary | power
//! power    = primary ("^" unary)?          right-associative via `unary`
//! primary  = number | constant | variable | function "(" sum ")" | "(" sum ")"
//! ```
//!
//! Emitting postfix code while parsing needs no syntax tree, and so no
//! recursion over one: a chain like `x+x+…+x` is a loop, and only nesting
//! (parentheses, signs, exponents, calls) recurses, which is bounded by
//! [`MAX_DEPTH`].
//!
//! Folding works because in postfix code an operand whose last instruction is
//! `Const` *is* that single constant.

use super::lexer::{self, Kind, Token};
use super::program::{self, Binary, Op};
use crate::ParseError;

/// How deeply parentheses, signs, exponents and calls may nest; keeps the
/// parser's recursion far from the end of the thread's stack.
pub(super) const MAX_DEPTH: usize = 200;

/// Where variables come from.
pub(super) enum Variables<'v> {
    /// Every identifier that is not a function or constant, in order of first
    /// appearance.
    Discovered(Vec<String>),
    /// Exactly these, in this order; any other identifier is an error.
    Given(&'v [String]),
}

/// The result of parsing: the program, the stack it needs and the variables
/// found (for [`Variables::Discovered`]).
pub(super) struct Compiled {
    pub program: Vec<Op>,
    pub max_stack: usize,
    pub discovered: Vec<String>,
}

/// Parses and compiles `source`.
pub(super) fn compile(source: &str, variables: Variables<'_>) -> Result<Compiled, ParseError> {
    let chars: Vec<char> = source.chars().collect();
    let tokens = lexer::tokenize(source, &chars);
    let mut parser = Parser {
        source,
        chars: &chars,
        tokens,
        pos: 0,
        variables,
        code: Vec::new(),
        depth: 0,
    };
    parser.sum()?;
    let token = parser.peek()?;
    match token.kind {
        Kind::End => {}
        Kind::RParen => {
            return Err(parser.error_at(
                token.start,
                "unexpected `)` with no matching `(`".to_string(),
            ));
        }
        Kind::Comma => {
            return Err(parser.error_at(
                token.start,
                "unexpected `,`: an expression is a single formula, and functions take one argument".to_string(),
            ));
        }
        _ => {
            let found = parser.describe(&token);
            return Err(parser.error_at(
                token.start,
                format!("expected an operator or the end, found {found}"),
            ));
        }
    }
    let mut depth = 0isize;
    let mut max_stack = 0isize;
    for op in &parser.code {
        depth += op.stack_effect();
        max_stack = max_stack.max(depth);
    }
    debug_assert_eq!(depth, 1, "a compiled program leaves exactly one value");
    let discovered = match parser.variables {
        Variables::Discovered(names) => names,
        Variables::Given(_) => Vec::new(),
    };
    Ok(Compiled {
        program: parser.code,
        max_stack: max_stack as usize,
        discovered,
    })
}

struct Parser<'s, 'v> {
    source: &'s str,
    chars: &'s [char],
    tokens: Vec<Token>,
    pos: usize,
    variables: Variables<'v>,
    code: Vec<Op>,
    depth: usize,
}

impl Parser<'_, '_> {
    /// The current token, or the lexical fault that stands in its place.
    fn peek(&self) -> Result<Token, ParseError> {
        let token = &self.tokens[self.pos];
        match &token.kind {
            Kind::Error(err) => Err(err.clone()),
            _ => Ok(token.clone()),
        }
    }

    /// Moves past the current token (never past the end).
    fn advance(&mut self) {
        if self.pos + 1 < self.tokens.len() {
            self.pos += 1;
        }
    }

    fn text(&self, token: &Token) -> String {
        self.chars[token.start..token.end].iter().collect()
    }

    /// "`x`" or "the end", for messages.
    fn describe(&self, token: &Token) -> String {
        match token.kind {
            Kind::End => "the end".to_string(),
            _ => format!("`{}`", self.text(token)),
        }
    }

    fn error_at(&self, position: usize, message: String) -> ParseError {
        lexer::error(self.source, position, message)
    }

    /// Removes the last instruction if it is a whole constant operand.
    fn take_const(&mut self) -> Option<f64> {
        match self.code.last() {
            Some(&Op::Const(c)) => {
                self.code.pop();
                Some(c)
            }
            _ => None,
        }
    }

    /// Emits `l op r`, where `left` is the left operand if it was a constant
    /// (already removed by [`Self::take_const`]) and the right operand is the
    /// code emitted last.
    fn binary(&mut self, op: Binary, left: Option<f64>) {
        let right = self.take_const();
        self.code.push(op.op(left, right));
    }

    /// Emits a unary instruction, folding it into a constant operand.
    fn unary(&mut self, op: Op, fold: impl FnOnce(f64) -> f64) {
        match self.code.last_mut() {
            Some(Op::Const(c)) => *c = fold(*c),
            _ => self.code.push(op),
        }
    }

    fn sum(&mut self) -> Result<(), ParseError> {
        self.product()?;
        loop {
            let op = match self.peek()?.kind {
                Kind::Plus => Binary::Add,
                Kind::Minus => Binary::Sub,
                _ => return Ok(()),
            };
            self.advance();
            let left = self.take_const();
            self.product()?;
            self.binary(op, left);
        }
    }

    fn product(&mut self) -> Result<(), ParseError> {
        self.prefixed()?;
        loop {
            let token = self.peek()?;
            let op = match token.kind {
                Kind::Star => Binary::Mul,
                Kind::Slash => Binary::Div,
                Kind::Number(_) | Kind::Ident | Kind::LParen => {
                    return Err(self.implicit_product(&token));
                }
                _ => return Ok(()),
            };
            self.advance();
            let left = self.take_const();
            self.prefixed()?;
            self.binary(op, left);
        }
    }

    /// An operand directly after an operand, as in `2x` or `(a)(b)`.
    fn implicit_product(&self, token: &Token) -> ParseError {
        let found = self.describe(token);
        let previous = &self.tokens[self.pos - 1];
        let simple = |t: &Token| matches!(t.kind, Kind::Number(_) | Kind::Ident);
        let hint = if simple(previous) && simple(token) {
            format!("write `{}*{}`", self.text(previous), self.text(token))
        } else {
            "write `2*x`, not `2x`".to_string()
        };
        self.error_at(
            token.start,
            format!("expected an operator, found {found}; a product needs an explicit `*`: {hint}"),
        )
    }

    /// `unary` in the grammar: signs, then a power.
    fn prefixed(&mut self) -> Result<(), ParseError> {
        let token = self.peek()?;
        if self.depth >= MAX_DEPTH {
            return Err(self.error_at(
                token.start,
                format!(
                    "expression nested too deeply: more than {MAX_DEPTH} levels of parentheses, signs, powers or calls"
                ),
            ));
        }
        self.depth += 1;
        let result = match token.kind {
            Kind::Minus => {
                self.advance();
                self.prefixed().map(|()| self.unary(Op::Neg, |c| -c))
            }
            Kind::Plus => {
                self.advance();
                self.prefixed()
            }
            _ => self.power(),
        };
        self.depth -= 1;
        result
    }

    fn power(&mut self) -> Result<(), ParseError> {
        self.primary()?;
        if self.peek()?.kind == Kind::Caret {
            self.advance();
            let base = self.take_const();
            // The exponent may carry a sign (`2^-1`) and is itself a power,
            // which makes `^` right-associative.
            self.prefixed()?;
            self.binary(Binary::Pow, base);
        }
        Ok(())
    }

    fn primary(&mut self) -> Result<(), ParseError> {
        let token = self.peek()?;
        match token.kind {
            Kind::Number(value) => {
                self.advance();
                self.code.push(Op::Const(value));
                Ok(())
            }
            Kind::Ident => {
                self.advance();
                self.identifier(&token)
            }
            Kind::LParen => {
                self.advance();
                self.sum()?;
                self.close(&token, None)
            }
            Kind::End if self.pos == 0 => Err(self.error_at(
                token.start,
                "expected an expression, found the end".to_string(),
            )),
            _ => {
                let found = self.describe(&token);
                Err(self.error_at(
                    token.start,
                    format!("expected a number, variable, function call or `(`, found {found}"),
                ))
            }
        }
    }

    /// Expects the `)` matching `open`, the `(` of a call to `function` if
    /// given.
    fn close(&mut self, open: &Token, function: Option<&str>) -> Result<(), ParseError> {
        let token = self.peek()?;
        if token.kind == Kind::RParen {
            self.advance();
            return Ok(());
        }
        let found = self.describe(&token);
        let message = match (function, &token.kind) {
            (Some(name), Kind::Comma) => {
                format!(
                    "expected `)` to close `{name}(`, found `,`; `{name}` takes exactly one argument"
                )
            }
            (Some(name), _) => format!("expected `)` to close `{name}(`, found {found}"),
            (None, _) => format!(
                "expected `)` to close the `(` at character {}, found {found}",
                open.start
            ),
        };
        Err(self.error_at(token.start, message))
    }

    /// A function call, constant or variable, the identifier `token` already
    /// consumed.
    fn identifier(&mut self, token: &Token) -> Result<(), ParseError> {
        let name = self.text(token);
        let next = self.peek()?;
        if let Some(func) = program::function(&name) {
            if next.kind != Kind::LParen {
                let found = self.describe(&next);
                return Err(self.error_at(
                    next.start,
                    format!(
                        "expected `(` after function `{name}`, found {found}; write `{name}(x)`"
                    ),
                ));
            }
            self.advance();
            self.sum()?;
            self.close(&next, Some(&name))?;
            self.unary(Op::Call(func), |c| func.apply(c));
            return Ok(());
        }
        if next.kind == Kind::LParen {
            let mut message = format!(
                "unknown function `{name}`; known functions: {}",
                function_list()
            );
            if program::constant(&name).is_some() || self.is_variable(&name) {
                message.push_str(&format!("; for a product write `{name}*(…)`"));
            }
            return Err(self.error_at(token.start, message));
        }
        if let Some(value) = program::constant(&name) {
            self.code.push(Op::Const(value));
            return Ok(());
        }
        let index = match &mut self.variables {
            Variables::Discovered(names) => match names.iter().position(|n| *n == name) {
                Some(i) => i,
                None => {
                    names.push(name);
                    names.len() - 1
                }
            },
            Variables::Given(names) => match names.iter().position(|n| *n == name) {
                Some(i) => i,
                None => {
                    let known = if names.is_empty() {
                        "no variables are declared".to_string()
                    } else {
                        format!("the variables are {}", names.join(", "))
                    };
                    return Err(
                        self.error_at(token.start, format!("unknown variable `{name}`; {known}"))
                    );
                }
            },
        };
        self.code.push(Op::Var(index));
        Ok(())
    }

    fn is_variable(&self, name: &str) -> bool {
        match &self.variables {
            Variables::Discovered(_) => false,
            Variables::Given(names) => names.iter().any(|n| n == name),
        }
    }
}

/// "sin, cos, …", for messages.
pub(super) fn function_list() -> String {
    program::FUNCTIONS
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn program(src: &str) -> Vec<Op> {
        match compile(src, Variables::Discovered(Vec::new())) {
            Ok(c) => c.program,
            Err(e) => panic!("{e}"),
        }
    }

    fn err(src: &str) -> ParseError {
        match compile(src, Variables::Discovered(Vec::new())) {
            Ok(c) => panic!("{src:?} parsed to {:?}", c.program),
            Err(e) => e,
        }
    }

    /// Asserts the caret position and that the message contains every part.
    #[track_caller]
    fn assert_err(src: &str, position: usize, parts: &[&str]) {
        let e = err(src);
        assert_eq!(e.position, position, "caret for {src:?}: {}", e.message);
        for part in parts {
            assert!(
                e.message.contains(part),
                "message for {src:?} lacks {part:?}: {}",
                e.message
            );
        }
        assert_eq!(e.expression, src);
    }

    #[test]
    fn folds_constants_and_specialises_constant_operands() {
        assert_eq!(program("2*3+1"), vec![Op::Const(7.0)]);
        assert_eq!(program("-2^2"), vec![Op::Const(-4.0)]);
        assert_eq!(
            program("sqrt(4)*pi"),
            vec![Op::Const(2.0 * std::f64::consts::PI)]
        );
        assert_eq!(program("x^2"), vec![Op::Var(0), Op::PowI(2)]);
        assert_eq!(program("x^-1"), vec![Op::Var(0), Op::PowI(-1)]);
        assert_eq!(program("x^(1/2)"), vec![Op::Var(0), Op::PowF(0.5)]);
        assert_eq!(program("x^y"), vec![Op::Var(0), Op::Var(1), Op::Pow]);
        assert_eq!(program("2^x"), vec![Op::Var(0), Op::PowBase(2.0)]);
        assert_eq!(program("2-x"), vec![Op::Var(0), Op::RSubC(2.0)]);
        assert_eq!(program("x/2"), vec![Op::Var(0), Op::DivC(2.0)]);
        assert_eq!(program("1/x"), vec![Op::Var(0), Op::RDivC(1.0)]);
        assert_eq!(
            program("x+y*z"),
            vec![Op::Var(0), Op::Var(1), Op::Var(2), Op::Mul, Op::Add]
        );
    }

    #[test]
    fn empty_expression() {
        assert_err("", 0, &["expected an expression, found the end"]);
        assert_err("   ", 3, &["expected an expression, found the end"]);
    }

    #[test]
    fn unexpected_character() {
        assert_err("x $ y", 2, &["unexpected character `$`"]);
        assert_err("x + y;", 5, &["unexpected character `;`"]);
    }

    #[test]
    fn missing_operand() {
        assert_err(
            "x^2 - * y",
            6,
            &["expected a number, variable, function call or `(`, found `*`"],
        );
        assert_err(
            "x +",
            3,
            &["expected a number, variable, function call or `(`, found the end"],
        );
        assert_err("()", 1, &["found `)`"]);
        assert_err("2^", 2, &["found the end"]);
        assert_err("* x", 0, &["found `*`"]);
    }

    #[test]
    fn unbalanced_parentheses() {
        assert_err("sin(x", 5, &["expected `)`", "sin(", "found the end"]);
        assert_err("(x + 1", 6, &["expected `)`", "found the end"]);
        assert_err("x)", 1, &["unexpected `)`"]);
        assert_err("(x))", 3, &["unexpected `)`"]);
    }

    #[test]
    fn unknown_function_lists_the_known_ones() {
        assert_err(
            "1 + foo(x)",
            4,
            &[
                "unknown function `foo`",
                "sin, cos, tan, exp, ln, log, sqrt, tanh, sigmoid, softplus, abs",
            ],
        );
        assert_err("pi(2)", 0, &["unknown function `pi`", "pi*(…)"]);
    }

    #[test]
    fn function_without_parentheses() {
        assert_err(
            "sin x",
            4,
            &["expected `(` after function `sin`, found `x`"],
        );
        assert_err(
            "2*exp",
            5,
            &["expected `(` after function `exp`, found the end"],
        );
        assert_err(
            "ln^2(x)",
            2,
            &["expected `(` after function `ln`, found `^`"],
        );
    }

    #[test]
    fn one_argument_only() {
        assert_err("sin(x, y)", 5, &["expected `)`", "exactly one argument"]);
        assert_err("x, y", 1, &["unexpected `,`"]);
    }

    #[test]
    fn implicit_multiplication() {
        assert_err(
            "2x",
            1,
            &["expected an operator", "found `x`", "write `2*x`"],
        );
        assert_err("2 x", 2, &["expected an operator", "write `2*x`"]);
        assert_err("x y", 2, &["expected an operator", "write `x*y`"]);
        assert_err(
            "(x+1)(x-1)",
            5,
            &["expected an operator", "found `(`", "write `2*x`"],
        );
        assert_err("x^2y", 3, &["expected an operator", "write `2*y`"]);
        assert_err("sin(x)cos(x)", 6, &["expected an operator", "found `cos`"]);
    }

    #[test]
    fn malformed_numbers() {
        assert_err("1e", 2, &["malformed number `1e`"]);
        assert_err("x + 1.2.3", 7, &["malformed number `1.2.3`"]);
    }

    #[test]
    fn first_fault_from_the_left_wins() {
        // The missing operand comes before the bad character.
        assert_err("x * * $", 4, &["found `*`"]);
        // The bad character comes before the missing `)`.
        assert_err("(x $", 3, &["unexpected character `$`"]);
    }

    #[test]
    fn non_ascii_positions_are_character_offsets() {
        assert_err("é", 0, &["unexpected character `é`"]);
        assert_err("x² + 1", 1, &["unexpected character `²`"]);
        assert_err("(α)", 1, &["unexpected character `α`"]);
        assert_err("x + 😀 * y", 4, &["😀"]);
        assert_err("x+y)  # ü", 3, &["unexpected `)`"]);
    }

    #[test]
    fn nesting_is_bounded_not_a_stack_overflow() {
        let deep = format!("{}x{}", "(".repeat(10_000), ")".repeat(10_000));
        let e = err(&deep);
        assert!(e.message.contains("nested too deeply"), "{}", e.message);
        assert_eq!(e.position, MAX_DEPTH);
        assert!(
            err(&"-".repeat(10_000))
                .message
                .contains("nested too deeply")
        );
        assert!(
            err(&"2^".repeat(10_000))
                .message
                .contains("nested too deeply")
        );
        // Long flat chains are loops and fine.
        let long = vec!["x"; 100_000].join("+");
        assert_eq!(program(&long).len(), 2 * 100_000 - 1);
        let ok = format!(
            "{}x{}",
            "(".repeat(MAX_DEPTH - 1),
            ")".repeat(MAX_DEPTH - 1)
        );
        assert_eq!(program(&ok), vec![Op::Var(0)]);
    }
}
