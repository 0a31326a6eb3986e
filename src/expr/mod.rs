//! Objectives written as math expressions, such as `x^2 - y^2` or
//! `softplus(x) * sin(y)`.
//!
//! An [`Expression`] is parsed once into a flat postfix program and then
//! evaluated generically over the scalar, so its gradients and Hessians are
//! exact (automatic differentiation), like those of any other [`Objective`].
//!
//! The syntax is documented on [`Expression`], where users see it (this
//! module is private and re-exported flat). The pieces: [`lexer`] (tokens with
//! character offsets), [`parser`] (recursive descent straight to postfix code,
//! folding constants) and [`program`] (the instructions and their generic
//! evaluation).

mod lexer;
mod parser;
mod program;

use std::fmt;
use std::str::FromStr;

use crate::{Error, Objective, Result, Scalar};
use parser::{Compiled, Variables};
use program::Op;

/// A real function of named variables, parsed from a math expression.
///
/// An expression is parsed once into a flat postfix program and then
/// evaluated generically over the scalar, so its gradients and Hessians are
/// exact (automatic differentiation), like those of any other [`Objective`].
/// The variables are the coordinates of the point, in the order given by
/// [`variables`](Expression::variables).
///
/// # Syntax
///
/// | Form | Meaning |
/// |------|---------|
/// | `3`, `2.5`, `.5`, `1e-3`, `2.5E+4` | numbers |
/// | `x`, `w_1`, `Alpha` | variables: `[A-Za-z_][A-Za-z0-9_]*` |
/// | `pi`, `e` | constants π and e |
/// | `a + b`, `a - b`, `a * b`, `a / b` | arithmetic, left-associative |
/// | `a ^ b` | power, right-associative: `2^3^2` = 2⁹ |
/// | `-a`, `+a` | signs, binding looser than `^`: `-x^2` = −(x²), `2^-1` = ½ |
/// | `f(a)` | a function of exactly one argument (below) |
///
/// From tightest to loosest: `^`, then signs, then `*` `/`, then `+` `-`.
/// Whitespace may appear anywhere between tokens. Products need an explicit
/// `*`: `2x` and `x y` are errors.
///
/// # Functions
///
/// `sin`, `cos`, `tan`, `exp`, `ln`, `log`, `sqrt`, `tanh`, `sigmoid`,
/// `softplus`, `abs`.
///
/// - `log` is the **natural** logarithm, the same as `ln` (as in NumPy and
///   PyTorch); write `ln(x)/ln(10)` for a decimal logarithm.
/// - `sigmoid(x)` = 1/(1+e⁻ˣ) and `softplus(x)` = ln(1+eˣ) are evaluated
///   stably: both branch on the sign of x so that no exponential overflows,
///   and stay finite with correct derivatives at x = ±800.
/// - `abs` has derivative 0 at 0, as in PyTorch.
///
/// # Powers
///
/// An exponent that is a constant integer (after folding, as in `x^2`,
/// `x^-1`, `x^(4/2)`) is an integer power, so negative bases work:
/// `(-2)^3` = −8. Another constant exponent (`x^0.5`) is a real power, NaN for
/// a negative base. An exponent that depends on a variable (`x^y`, `2^x`)
/// goes through num-dual's `powd`: `powf` for plain `f64` values and
/// exp(y·ln x) for dual numbers, so a negative base has NaN derivatives.
///
/// Constant subexpressions are folded when parsing: `2*pi*x` costs one
/// multiplication per evaluation.
///
/// # Errors
///
/// A malformed expression gives [`Error::Parse`], whose message shows the
/// expression with a caret under the first fault from the left and says what
/// was expected and what was found.
///
/// # Examples
///
/// ```
/// use saddlescope::{Expression, Objective};
///
/// let f = Expression::parse("x^2 - y^2").unwrap();
/// assert_eq!(f.variables(), ["x", "y"]);
/// assert_eq!(f.dim(), 2);
/// assert_eq!(f.eval(&[3.0, 1.0]), 8.0);
///
/// // The same expression with dual numbers gives exact derivatives: ∂f/∂x = 2x.
/// use num_dual::Dual64;
/// let d = f.eval(&[Dual64::new(3.0, 1.0), Dual64::new(1.0, 0.0)]);
/// assert_eq!((d.re, d.eps), (8.0, 6.0));
/// ```
#[derive(Clone, Debug)]
pub struct Expression {
    source: String,
    variables: Vec<String>,
    program: Vec<Op>,
    max_stack: usize,
}

impl Expression {
    /// The names of the built-in functions: `sin`, `cos`, `tan`, `exp`, `ln`,
    /// `log` (natural, like `ln`), `sqrt`, `tanh`, `sigmoid`, `softplus`,
    /// `abs`.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::Expression;
    ///
    /// assert!(Expression::FUNCTIONS.contains(&"softplus"));
    /// assert_eq!(Expression::FUNCTIONS.len(), 11);
    /// ```
    pub const FUNCTIONS: &'static [&'static str] = &[
        "sin", "cos", "tan", "exp", "ln", "log", "sqrt", "tanh", "sigmoid", "softplus", "abs",
    ];

    /// The names of the constants: `pi` and `e`.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{Expression, Objective};
    ///
    /// assert_eq!(Expression::CONSTANTS, ["pi", "e"]);
    /// let f = Expression::parse("e^pi").unwrap();
    /// assert_eq!(f.dim(), 0);
    /// assert!((f.eval::<f64>(&[]) - 23.140692632779267).abs() < 1e-12);
    /// ```
    pub const CONSTANTS: &'static [&'static str] = &["pi", "e"];

    /// Parses `src`; its variables are the identifiers that are not functions
    /// or constants, in order of first appearance.
    ///
    /// # Errors
    ///
    /// [`Error::Parse`] if `src` is not a well-formed expression: an empty
    /// expression, an unexpected character, a missing operand, unbalanced
    /// parentheses, an unknown function, a function without `(`, an implicit
    /// product such as `2x`, a malformed number or trailing input. The error
    /// holds the character offset of the fault.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{Expression, Objective};
    ///
    /// let f = Expression::parse("y * sin(x) + y").unwrap();
    /// assert_eq!(f.variables(), ["y", "x"]);
    /// assert_eq!(f.eval(&[2.0, 0.0]), 2.0);
    ///
    /// let err = Expression::parse("2x + 1").unwrap_err();
    /// assert!(err.to_string().contains("write `2*x`"));
    /// ```
    pub fn parse(src: &str) -> Result<Expression> {
        let compiled = parser::compile(src, Variables::Discovered(Vec::new()))?;
        let variables = compiled.discovered.clone();
        Ok(Expression::new(src, variables, compiled))
    }

    /// Parses `src` with the variables `vars`, in that order (as given on the
    /// command line by `--vars x,y,z`). Variables in `vars` need not appear in
    /// `src`; they still count in [`dim`](Objective::dim).
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidInput`] if a name in `vars` is not an identifier
    ///   (`[A-Za-z_][A-Za-z0-9_]*`), is listed twice, or is the name of a
    ///   function or constant (`sin`, `pi`, `e`, …).
    /// - [`Error::Parse`] as for [`parse`](Expression::parse), and if `src`
    ///   uses an identifier that is not in `vars`.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{Expression, Objective};
    ///
    /// let f = Expression::parse_with_vars("x + 2*z", &["x", "y", "z"]).unwrap();
    /// assert_eq!(f.variables(), ["x", "y", "z"]);
    /// assert_eq!(f.dim(), 3);
    /// assert_eq!(f.eval(&[1.0, 100.0, 3.0]), 7.0);
    ///
    /// assert!(Expression::parse_with_vars("x + w", &["x"]).is_err());
    /// assert!(Expression::parse_with_vars("x", &["x", "x"]).is_err());
    /// assert!(Expression::parse_with_vars("x", &["x", "pi"]).is_err());
    /// ```
    pub fn parse_with_vars<S: AsRef<str>>(src: &str, vars: &[S]) -> Result<Expression> {
        let variables: Vec<String> = vars.iter().map(|v| v.as_ref().to_string()).collect();
        check_variable_names(&variables)?;
        let compiled = parser::compile(src, Variables::Given(&variables))?;
        Ok(Expression::new(src, variables, compiled))
    }

    fn new(src: &str, variables: Vec<String>, compiled: Compiled) -> Expression {
        Expression {
            source: src.to_string(),
            variables,
            program: compiled.program,
            max_stack: compiled.max_stack,
        }
    }

    /// The variables, in the order of the point's coordinates.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::Expression;
    ///
    /// let f = Expression::parse("b*a + a").unwrap();
    /// assert_eq!(f.variables(), ["b", "a"]);
    /// ```
    pub fn variables(&self) -> &[String] {
        &self.variables
    }

    /// The expression as it was given.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::Expression;
    ///
    /// let f = Expression::parse("x^2  + 1").unwrap();
    /// assert_eq!(f.source(), "x^2  + 1");
    /// ```
    pub fn source(&self) -> &str {
        &self.source
    }
}

/// Checks the names given to [`Expression::parse_with_vars`].
fn check_variable_names(vars: &[String]) -> Result<()> {
    for (i, name) in vars.iter().enumerate() {
        let mut chars = name.chars();
        let is_identifier = chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !is_identifier {
            return Err(Error::InvalidInput(format!(
                "variable name `{name}` is not an identifier: expected a letter or `_` followed by letters, digits or `_`"
            )));
        }
        if program::function(name).is_some() {
            return Err(Error::InvalidInput(format!(
                "variable name `{name}` is taken by the built-in function `{name}`; choose another name"
            )));
        }
        if program::constant(name).is_some() {
            return Err(Error::InvalidInput(format!(
                "variable name `{name}` is taken by the constant `{name}`; choose another name"
            )));
        }
        if vars[..i].contains(name) {
            return Err(Error::InvalidInput(format!(
                "variable `{name}` is listed more than once"
            )));
        }
    }
    Ok(())
}

impl Objective for Expression {
    /// The number of variables.
    fn dim(&self) -> usize {
        self.variables.len()
    }

    /// The expression's value at `x`, whose entries are the
    /// [`variables`](Expression::variables) in order.
    ///
    /// # Panics
    ///
    /// If `x` is too short for a variable the expression uses, and in debug
    /// builds if `x.len()` differs from [`dim`](Objective::dim); the
    /// derivative drivers check the length first.
    fn eval<D: Scalar>(&self, x: &[D]) -> D {
        debug_assert_eq!(
            x.len(),
            self.dim(),
            "point of the wrong dimension for `{}`",
            self.source
        );
        program::run(&self.program, self.max_stack, x)
    }
}

/// Writes the expression as it was given.
///
/// # Examples
///
/// ```
/// use saddlescope::Expression;
///
/// let f = Expression::parse("sin(x) * y").unwrap();
/// assert_eq!(f.to_string(), "sin(x) * y");
/// ```
impl fmt::Display for Expression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

/// Same as [`Expression::parse`].
///
/// # Examples
///
/// ```
/// use saddlescope::{Expression, Objective};
///
/// let f: Expression = "x*y".parse().unwrap();
/// assert_eq!(f.eval(&[2.0, 3.0]), 6.0);
/// ```
impl FromStr for Expression {
    type Err = Error;

    fn from_str(src: &str) -> Result<Expression> {
        Expression::parse(src)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;
    use num_dual::Dual64;
    use proptest::prelude::*;
    use std::f64::consts::{E, PI};

    fn value(src: &str, x: &[f64]) -> f64 {
        Expression::parse(src)
            .unwrap_or_else(|e| panic!("{e}"))
            .eval(x)
    }

    /// Value and derivative of a one-variable expression at `x`.
    fn derivative(src: &str, x: f64) -> (f64, f64) {
        let f = Expression::parse(src).unwrap_or_else(|e| panic!("{e}"));
        assert!(f.dim() <= 1, "{src} has more than one variable");
        let d = f.eval(&[Dual64::new(x, 1.0)][..f.dim()]);
        (d.re, d.eps)
    }

    fn sigmoid(x: f64) -> f64 {
        1.0 / (1.0 + (-x).exp())
    }

    #[test]
    fn operators() {
        assert_eq!(value("x + y", &[2.0, 3.0]), 5.0);
        assert_eq!(value("x - y", &[2.0, 3.0]), -1.0);
        assert_eq!(value("x * y", &[2.0, 3.0]), 6.0);
        assert_eq!(value("x / y", &[3.0, 2.0]), 1.5);
        assert_eq!(value("x ^ y", &[2.0, 3.0]), 8.0);
        assert_eq!(value("-x", &[2.0]), -2.0);
        assert_eq!(value("+x", &[2.0]), 2.0);
        assert_eq!(value("--x", &[2.0]), 2.0);
        assert_eq!(value("x - -y", &[2.0, 3.0]), 5.0);
        // Constant operands on either side.
        assert_eq!(value("1 + x", &[2.0]), 3.0);
        assert_eq!(value("x + 1", &[2.0]), 3.0);
        assert_eq!(value("1 - x", &[2.0]), -1.0);
        assert_eq!(value("x - 1", &[2.0]), 1.0);
        assert_eq!(value("3 * x", &[2.0]), 6.0);
        assert_eq!(value("x * 3", &[2.0]), 6.0);
        assert_eq!(value("3 / x", &[2.0]), 1.5);
        assert_eq!(value("x / 4", &[2.0]), 0.5);
        assert_eq!(value("2 ^ x", &[3.0]), 8.0);
        assert_eq!(value("x ^ 3", &[2.0]), 8.0);
        assert_eq!(value("x ^ 0.5", &[4.0]), 2.0);
    }

    #[test]
    fn precedence_and_associativity() {
        assert_eq!(value("2^3^2", &[]), 512.0);
        assert_eq!(value("-2^2", &[]), -4.0);
        assert_eq!(value("2^-1", &[]), 0.5);
        assert_eq!(value("(-2)^2", &[]), 4.0);
        assert_eq!(value("(-8)^3", &[]), -512.0);
        assert_eq!(value("x^3", &[-8.0]), -512.0);
        assert_eq!(value("x^-1", &[-4.0]), -0.25);
        assert_eq!(value("-x^2", &[3.0]), -9.0);
        assert_eq!(value("x^y^z", &[2.0, 3.0, 2.0]), 512.0);
        assert_eq!(value("1 + 2 * 3", &[]), 7.0);
        assert_eq!(value("(1 + 2) * 3", &[]), 9.0);
        assert_eq!(value("8 / 4 / 2", &[]), 1.0);
        assert_eq!(value("x / y / z", &[8.0, 4.0, 2.0]), 1.0);
        assert_eq!(value("8 - 4 - 2", &[]), 2.0);
        assert_eq!(value("x - y - z", &[8.0, 4.0, 2.0]), 2.0);
        assert_eq!(value("2 * 3 ^ 2", &[]), 18.0);
        assert_eq!(value("-3 * 2", &[]), -6.0);
        assert_eq!(value("2^-1*3", &[]), 1.5);
        assert_eq!(value("2^-x^2", &[1.0]), 0.5);
        assert_eq!(value("2 - -x^2", &[3.0]), 11.0);
        assert_eq!(value(" ( x\t+ 1 )\n* 2 ", &[1.0]), 4.0);
    }

    #[test]
    fn functions_and_constants() {
        let x: f64 = 0.7;
        let cases: [(&str, f64); 11] = [
            ("sin(x)", x.sin()),
            ("cos(x)", x.cos()),
            ("tan(x)", x.tan()),
            ("exp(x)", x.exp()),
            ("ln(x)", x.ln()),
            ("log(x)", x.ln()),
            ("sqrt(x)", x.sqrt()),
            ("tanh(x)", x.tanh()),
            ("sigmoid(x)", 1.0 / (1.0 + (-x).exp())),
            ("softplus(x)", (1.0 + x.exp()).ln()),
            ("abs(x)", x),
        ];
        for (src, expected) in cases {
            assert_relative_eq!(value(src, &[x]), expected, max_relative = 1e-15);
        }
        assert_eq!(value("abs(x)", &[-2.5]), 2.5);
        assert_eq!(value("sigmoid(0)", &[]), 0.5);
        assert_relative_eq!(
            value("sigmoid(-2)", &[]),
            1.0 / (1.0 + 2f64.exp()),
            max_relative = 1e-15
        );
        assert_relative_eq!(
            value("softplus(-2)", &[]),
            (1.0 + (-2f64).exp()).ln(),
            max_relative = 1e-15
        );
        assert_eq!(value("pi", &[]), PI);
        assert_eq!(value("e", &[]), E);
        assert_eq!(value("ln(e)", &[]), 1.0);
        assert_eq!(value("log(x)", &[E * E]), 2.0);
        assert_relative_eq!(value("cos(pi * x)", &[1.0]), -1.0);
        assert_relative_eq!(
            value("sin(cos(x)) * exp(-x^2)", &[0.3]),
            0.3f64.cos().sin() * (-0.09f64).exp()
        );
        // The functions are evaluated the same folded and unfolded.
        for name in Expression::FUNCTIONS {
            let folded = value(&format!("{name}(0.3)"), &[]);
            let unfolded = value(&format!("{name}(x)"), &[0.3]);
            assert_eq!(folded, unfolded, "{name}");
        }
    }

    #[test]
    fn public_name_lists_match_the_parser() {
        let parser_functions: Vec<&str> = program::FUNCTIONS.iter().map(|(n, _)| *n).collect();
        assert_eq!(Expression::FUNCTIONS, parser_functions);
        let parser_constants: Vec<&str> = program::CONSTANTS.iter().map(|(n, _)| *n).collect();
        assert_eq!(Expression::CONSTANTS, parser_constants);
    }

    #[test]
    fn variables_in_order_of_first_appearance() {
        let f = Expression::parse("c * a + b * a + c").unwrap();
        assert_eq!(f.variables(), ["c", "a", "b"]);
        assert_eq!(f.dim(), 3);
        assert_eq!(f.eval(&[1.0, 2.0, 3.0]), 9.0);
        // Functions and constants are not variables; case matters.
        let f = Expression::parse("sin(Pi) + pi + E + e + _x1").unwrap();
        assert_eq!(f.variables(), ["Pi", "E", "_x1"]);
        // A constant expression has no variables.
        let f = Expression::parse("2 + 3").unwrap();
        assert_eq!(f.dim(), 0);
        assert_eq!(f.eval::<f64>(&[]), 5.0);
    }

    #[test]
    fn parse_with_vars() {
        let f = Expression::parse_with_vars("y - x", &["x", "y"]).unwrap();
        assert_eq!(f.variables(), ["x", "y"]);
        assert_eq!(f.eval(&[1.0, 5.0]), 4.0);
        let f =
            Expression::parse_with_vars("z", &[String::from("x"), "y".into(), "z".into()]).unwrap();
        assert_eq!(f.dim(), 3);
        assert_eq!(f.eval(&[1.0, 2.0, 3.0]), 3.0);
        let f = Expression::parse_with_vars("1", &[] as &[&str]).unwrap();
        assert_eq!(f.dim(), 0);
    }

    #[test]
    fn parse_with_vars_rejects_unknown_variables_with_a_caret() {
        let Err(Error::Parse(e)) = Expression::parse_with_vars("x + w*y", &["x", "y"]) else {
            panic!("expected a parse error");
        };
        assert_eq!(e.position, 4);
        assert!(e.message.contains("unknown variable `w`"), "{}", e.message);
        assert!(e.message.contains("x, y"), "{}", e.message);
        let Err(Error::Parse(e)) = Expression::parse_with_vars("1 + x", &[] as &[&str]) else {
            panic!("expected a parse error");
        };
        assert_eq!(e.position, 4);
        assert!(e.message.contains("no variables"), "{}", e.message);
        // A declared variable used as a function gets a hint.
        let Err(Error::Parse(e)) = Expression::parse_with_vars("x(y)", &["x", "y"]) else {
            panic!("expected a parse error");
        };
        assert!(
            e.message.contains("unknown function `x`") && e.message.contains("x*(…)"),
            "{}",
            e.message
        );
    }

    #[test]
    fn parse_with_vars_rejects_bad_variable_lists() {
        for (vars, words) in [
            (&["x", "x"][..], "listed more than once"),
            (&["x", "pi"][..], "constant `pi`"),
            (&["e"][..], "constant `e`"),
            (&["sin"][..], "function `sin`"),
            (&["log"][..], "function `log`"),
            (&["1x"][..], "not an identifier"),
            (&[""][..], "not an identifier"),
            (&[" y"][..], "not an identifier"),
            (&["é"][..], "not an identifier"),
            (&["x-y"][..], "not an identifier"),
        ] {
            match Expression::parse_with_vars("x", vars) {
                Err(Error::InvalidInput(msg)) => assert!(msg.contains(words), "{vars:?}: {msg}"),
                other => panic!("{vars:?}: expected InvalidInput, got {other:?}"),
            }
        }
    }

    #[test]
    fn source_display_and_from_str() {
        let f: Expression = " x^2 ".parse().unwrap();
        assert_eq!(f.source(), " x^2 ");
        assert_eq!(f.to_string(), " x^2 ");
        assert!("x^".parse::<Expression>().is_err());
    }

    #[test]
    fn error_is_rendered_with_a_caret() {
        let err = Expression::parse("x^2 - * y").unwrap_err();
        let Error::Parse(ref e) = err else {
            panic!("expected a parse error")
        };
        assert_eq!(e.position, 6);
        let text = err.to_string();
        assert!(text.contains("x^2 - * y\n        ^"), "{text}");
    }

    #[test]
    fn first_derivatives_of_the_functions() {
        let x: f64 = 0.7;
        let s = sigmoid(x);
        let cases: [(&str, f64); 11] = [
            ("sin(x)", x.cos()),
            ("cos(x)", -x.sin()),
            ("tan(x)", 1.0 / (x.cos() * x.cos())),
            ("exp(x)", x.exp()),
            ("ln(x)", 1.0 / x),
            ("log(x)", 1.0 / x),
            ("sqrt(x)", 0.5 / x.sqrt()),
            ("tanh(x)", 1.0 - x.tanh() * x.tanh()),
            ("sigmoid(x)", s * (1.0 - s)),
            ("softplus(x)", s),
            ("abs(x)", 1.0),
        ];
        for (src, expected) in cases {
            let (_, d) = derivative(src, x);
            assert_relative_eq!(d, expected, max_relative = 1e-14);
        }
        for x in [-3.0, -0.5, 0.0, 0.5, 3.0] {
            let s = sigmoid(x);
            assert_relative_eq!(
                derivative("sigmoid(x)", x).1,
                s * (1.0 - s),
                max_relative = 1e-14
            );
            assert_relative_eq!(derivative("softplus(x)", x).1, s, max_relative = 1e-14);
        }
        assert_eq!(derivative("abs(x)", -2.0).1, -1.0);
        assert_eq!(derivative("abs(x)", 0.0), (0.0, 0.0));
    }

    #[test]
    fn first_derivatives_of_the_operators() {
        let x: f64 = 1.3;
        assert_relative_eq!(derivative("x^2", x).1, 2.0 * x);
        assert_relative_eq!(derivative("x^2", -x).1, -2.0 * x);
        assert_relative_eq!(derivative("x^-1", -x).1, -1.0 / (x * x));
        assert_relative_eq!(derivative("x^3", -2.0).1, 12.0);
        assert_relative_eq!(derivative("x^0.5", x).1, 0.5 / x.sqrt());
        assert_relative_eq!(derivative("x^x", x).1, x.powf(x) * (x.ln() + 1.0));
        assert_relative_eq!(derivative("2^x", x).1, 2f64.powf(x) * 2f64.ln());
        assert_relative_eq!(derivative("e^x", x).1, x.exp(), max_relative = 1e-15);
        assert_relative_eq!(derivative("3/x", x).1, -3.0 / (x * x));
        assert_relative_eq!(derivative("x/3", x).1, 1.0 / 3.0);
        assert_relative_eq!(derivative("1 - 4*x", x).1, -4.0);
        assert_relative_eq!(derivative("-x^2", x).1, -2.0 * x);
        assert_relative_eq!(derivative("x*sin(x)", x).1, x.sin() + x * x.cos());
        assert_relative_eq!(
            derivative("exp(x)/(1+x^2)", x).1,
            x.exp() * (1.0 - x).powi(2) / (1.0 + x * x).powi(2)
        );
        assert_eq!(derivative("pi + 2", x), (PI + 2.0, 0.0));
    }

    #[test]
    fn second_derivatives_for_hessians() {
        let second = |src: &str, x: f64| {
            let f = Expression::parse(src).unwrap_or_else(|e| panic!("{e}"));
            num_dual::second_derivative(|x| f.eval(&[x]), x)
        };
        let x: f64 = 0.4;
        let s = sigmoid(x);
        let cases: [(&str, f64); 8] = [
            ("x^3", 6.0 * x),
            ("x^-1", 2.0 / x.powi(3)),
            ("x^2.5", 2.5 * 1.5 * x.sqrt()),
            ("sin(x)", -x.sin()),
            ("ln(x)", -1.0 / (x * x)),
            ("sigmoid(x)", s * (1.0 - s) * (1.0 - 2.0 * s)),
            ("softplus(x)", s * (1.0 - s)),
            ("tanh(x)", -2.0 * x.tanh() * (1.0 - x.tanh().powi(2))),
        ];
        for (src, expected) in cases {
            let (_, _, d2) = second(src, x);
            assert_relative_eq!(d2, expected, max_relative = 1e-13);
        }
        for x in [-800.0, 800.0] {
            let (v, d1, d2) = second("sigmoid(x)", x);
            assert!(
                v.is_finite() && d1 == 0.0 && d2 == 0.0,
                "sigmoid at {x}: {v} {d1} {d2}"
            );
            let (v, d1, d2) = second("softplus(x)", x);
            assert!(
                v.is_finite() && d1.is_finite() && d2 == 0.0,
                "softplus at {x}: {v} {d1} {d2}"
            );
        }
        // f(x, y) = x²y has the mixed partial 2x.
        let f = Expression::parse("x^2*y").unwrap();
        let (_, _, _, dxy) =
            num_dual::second_partial_derivative(|(x, y)| f.eval(&[x, y]), (1.5, -2.0));
        assert_eq!(dxy, 3.0);
    }

    #[test]
    fn variable_exponent_of_a_negative_base() {
        // As documented: `powf` for f64 values, exp(y·ln x) for dual numbers.
        let f = Expression::parse("x^y").unwrap();
        assert_eq!(f.eval(&[-2.0, 3.0]), -8.0);
        assert!(
            f.eval(&[Dual64::new(-2.0, 1.0), Dual64::new(3.0, 0.0)])
                .eps
                .is_nan()
        );
    }

    #[test]
    fn partial_derivatives_follow_the_variable_order() {
        let f = Expression::parse("x^2 * y + y^3").unwrap();
        let (x, y) = (1.5, -2.0);
        let dx = f.eval(&[Dual64::new(x, 1.0), Dual64::new(y, 0.0)]);
        let dy = f.eval(&[Dual64::new(x, 0.0), Dual64::new(y, 1.0)]);
        assert_eq!(dx.re, x * x * y + y * y * y);
        assert_eq!(dx.eps, 2.0 * x * y);
        assert_eq!(dy.eps, x * x + 3.0 * y * y);
    }

    #[test]
    fn sigmoid_and_softplus_are_stable_at_large_arguments() {
        let (v, d) = derivative("sigmoid(x)", 800.0);
        assert_eq!((v, d), (1.0, 0.0));
        let (v, d) = derivative("sigmoid(x)", -800.0);
        assert_eq!((v, d), (0.0, 0.0));
        let (v, d) = derivative("softplus(x)", 800.0);
        assert_eq!((v, d), (800.0, 1.0));
        let (v, d) = derivative("softplus(x)", -800.0);
        assert_eq!((v, d), (0.0, 0.0));
        // Where the tails are still representable they are right.
        let (v, d) = derivative("sigmoid(x)", -30.0);
        assert_relative_eq!(
            v,
            (-30f64).exp() / (1.0 + (-30f64).exp()),
            max_relative = 1e-15
        );
        assert_relative_eq!(d, v * (1.0 - v), max_relative = 1e-14);
        let (v, d) = derivative("softplus(x)", 40.0);
        assert_relative_eq!(v, 40.0 + (-40f64).exp(), max_relative = 1e-15);
        assert_relative_eq!(d, sigmoid(40.0), max_relative = 1e-15);
        let (v, _) = derivative("softplus(x)", -40.0);
        assert_relative_eq!(v, (-40f64).exp(), max_relative = 1e-14);
    }

    proptest! {
        #[test]
        fn random_strings_never_panic(src in "\\PC{0,40}") {
            let _ = Expression::parse(&src);
            let _ = Expression::parse_with_vars(&src, &["x", "y"]);
        }

        #[test]
        fn random_formula_like_strings_never_panic(
            src in "[-+*/^(),. 0-9eExy_a-z\u{e9}\u{3c0}\u{1f600}]{0,40}"
        ) {
            if let Err(Error::Parse(e)) = Expression::parse(&src) {
                prop_assert!(e.position <= src.chars().count());
                prop_assert_eq!(&e.expression, &src);
            } else if let Ok(f) = Expression::parse(&src) {
                let x = vec![0.5; f.dim()];
                let _ = f.eval(&x);
            }
        }

        #[test]
        fn derivatives_match_central_differences(x in -3.0f64..3.0, y in 0.5f64..3.0) {
            let f = Expression::parse(
                "sin(x)*y^2 + exp(-x^2/2)*ln(y) - sigmoid(3*x - y) + softplus(x*y) / sqrt(1 + x^2) + y^x + tanh(x)*abs(x)",
            ).unwrap();
            let analytic = f.eval(&[Dual64::new(x, 1.0), Dual64::new(y, 0.0)]).eps;
            let h = 1e-6;
            let central = (f.eval(&[x + h, y]) - f.eval(&[x - h, y])) / (2.0 * h);
            prop_assert!((analytic - central).abs() <= 1e-6 * (1.0 + analytic.abs()), "{analytic} vs {central}");
            let analytic = f.eval(&[Dual64::new(x, 0.0), Dual64::new(y, 1.0)]).eps;
            let central = (f.eval(&[x, y + h]) - f.eval(&[x, y - h])) / (2.0 * h);
            prop_assert!((analytic - central).abs() <= 1e-6 * (1.0 + analytic.abs()), "{analytic} vs {central}");
        }
    }
}
