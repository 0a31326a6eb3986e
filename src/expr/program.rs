//! The compiled form of an expression: a flat postfix program run on a small
//! value stack, generic over the scalar.
//!
//! A flat program keeps evaluation inside AD sweeps cheap: one allocation
//! (the stack, of a size known at compile time) and a linear walk, no pointer
//! chasing. Operations with a constant operand have their own opcodes so that
//! dual numbers meet `f64` constants as `D op f64`, which is cheaper than
//! `D op D`.

use crate::Scalar;

/// A built-in function of one argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Func {
    Sin,
    Cos,
    Tan,
    Exp,
    /// The natural logarithm, spelled `ln` or `log`.
    Ln,
    Sqrt,
    Tanh,
    Sigmoid,
    Softplus,
    Abs,
}

/// The names of the built-in functions, in the order they are documented.
pub(super) const FUNCTIONS: &[(&str, Func)] = &[
    ("sin", Func::Sin),
    ("cos", Func::Cos),
    ("tan", Func::Tan),
    ("exp", Func::Exp),
    ("ln", Func::Ln),
    ("log", Func::Ln),
    ("sqrt", Func::Sqrt),
    ("tanh", Func::Tanh),
    ("sigmoid", Func::Sigmoid),
    ("softplus", Func::Softplus),
    ("abs", Func::Abs),
];

/// The named constants.
pub(super) const CONSTANTS: &[(&str, f64)] =
    &[("pi", std::f64::consts::PI), ("e", std::f64::consts::E)];

/// The function called `name`, if any.
pub(super) fn function(name: &str) -> Option<Func> {
    FUNCTIONS.iter().find(|(n, _)| *n == name).map(|&(_, f)| f)
}

/// The value of the constant called `name`, if any.
pub(super) fn constant(name: &str) -> Option<f64> {
    CONSTANTS.iter().find(|(n, _)| *n == name).map(|&(_, c)| c)
}

impl Func {
    /// The function at `x`, for any scalar.
    #[inline]
    pub(super) fn apply<D: Scalar>(self, x: D) -> D {
        match self {
            Func::Sin => x.sin(),
            Func::Cos => x.cos(),
            Func::Tan => x.tan(),
            Func::Exp => x.exp(),
            Func::Ln => x.ln(),
            Func::Sqrt => x.sqrt(),
            Func::Tanh => x.tanh(),
            Func::Sigmoid => sigmoid(x),
            Func::Softplus => softplus(x),
            Func::Abs => abs(x),
        }
    }
}

/// The logistic function 1/(1+e⁻ˣ), evaluated so that neither branch
/// overflows: e⁻ˣ for x ≥ 0 and eˣ for x < 0 are at most 1.
#[inline]
fn sigmoid<D: Scalar>(x: D) -> D {
    if x.re() >= 0.0 {
        ((-x).exp() + 1.0).recip()
    } else {
        let ex = x.exp();
        ex / (ex + 1.0)
    }
}

/// ln(1+eˣ), evaluated without overflow: x + ln(1+e⁻ˣ) for x > 0.
#[inline]
fn softplus<D: Scalar>(x: D) -> D {
    if x.re() > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

/// |x| with derivative 0 at 0, as in PyTorch (a subgradient; it keeps
/// derivatives at a kink finite and deterministic).
#[inline]
fn abs<D: Scalar>(x: D) -> D {
    let re = x.re();
    if re > 0.0 {
        x
    } else if re < 0.0 {
        -x
    } else {
        // ±0 with zero derivatives, or NaN propagated.
        x * 0.0
    }
}

/// A binary operator before it is specialised by constant operands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Binary {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
}

impl Binary {
    /// The opcode for `a op b` with both operands given.
    ///
    /// Exponents follow three rules: an integer constant exponent uses
    /// `powi` (so negative bases work), another constant exponent `powf`, and
    /// a variable exponent `a^b = exp(b·ln a)`.
    pub(super) fn op(self, left: Option<f64>, right: Option<f64>) -> Op {
        match (self, left, right) {
            (_, Some(a), Some(b)) => Op::Const(self.fold(a, b)),
            (Binary::Add, Some(a), None) => Op::AddC(a),
            (Binary::Sub, Some(a), None) => Op::RSubC(a),
            (Binary::Mul, Some(a), None) => Op::MulC(a),
            (Binary::Div, Some(a), None) => Op::RDivC(a),
            (Binary::Pow, Some(a), None) => Op::PowBase(a),
            (Binary::Add, None, Some(b)) => Op::AddC(b),
            (Binary::Sub, None, Some(b)) => Op::SubC(b),
            (Binary::Mul, None, Some(b)) => Op::MulC(b),
            (Binary::Div, None, Some(b)) => Op::DivC(b),
            (Binary::Pow, None, Some(b)) => match integer_exponent(b) {
                Some(n) => Op::PowI(n),
                None => Op::PowF(b),
            },
            (Binary::Add, None, None) => Op::Add,
            (Binary::Sub, None, None) => Op::Sub,
            (Binary::Mul, None, None) => Op::Mul,
            (Binary::Div, None, None) => Op::Div,
            (Binary::Pow, None, None) => Op::Pow,
        }
    }

    /// `a op b` for constants, by the same rules as at evaluation.
    fn fold(self, a: f64, b: f64) -> f64 {
        match self {
            Binary::Add => a + b,
            Binary::Sub => a - b,
            Binary::Mul => a * b,
            Binary::Div => a / b,
            Binary::Pow => match integer_exponent(b) {
                Some(n) => a.powi(n),
                None => a.powf(b),
            },
        }
    }
}

/// `b` as an `i32` if it is an integer in range.
fn integer_exponent(b: f64) -> Option<i32> {
    (b.fract() == 0.0 && b.abs() <= f64::from(i32::MAX)).then_some(b as i32)
}

/// One instruction of the postfix program. `a` is the value on top of the
/// stack (the only operand of the unary instructions and of those with a
/// constant), `l r` the two top values of the binary ones.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Op {
    /// Push a constant.
    Const(f64),
    /// Push variable `i`.
    Var(usize),
    /// `-a`.
    Neg,
    /// `l + r`, `l - r`, `l * r`, `l / r`, and `l^r` by `powd`: exp(r·ln l)
    /// for dual numbers, `powf` for `f64`.
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    /// `a + c`, `a - c`, `c - a`, `a * c`, `a / c`, `c / a`.
    AddC(f64),
    SubC(f64),
    RSubC(f64),
    MulC(f64),
    DivC(f64),
    RDivC(f64),
    /// `a^n` for an integer constant `n`.
    PowI(i32),
    /// `a^c` for a non-integer constant `c`.
    PowF(f64),
    /// `c^a` for a constant base `c`, by `powd` like [`Op::Pow`].
    PowBase(f64),
    /// `f(a)`.
    Call(Func),
}

impl Op {
    /// How the instruction changes the stack depth.
    pub(super) fn stack_effect(self) -> isize {
        match self {
            Op::Const(_) | Op::Var(_) => 1,
            Op::Add | Op::Sub | Op::Mul | Op::Div | Op::Pow => -1,
            _ => 0,
        }
    }
}

/// Runs `program` (which leaves exactly one value and never needs more than
/// `max_stack` slots) with variables `x`.
#[inline]
pub(super) fn run<D: Scalar>(program: &[Op], max_stack: usize, x: &[D]) -> D {
    let mut stack: Vec<D> = Vec::with_capacity(max_stack);
    for &op in program {
        match op {
            Op::Const(c) => stack.push(D::from(c)),
            Op::Var(i) => stack.push(x[i]),
            Op::Add | Op::Sub | Op::Mul | Op::Div | Op::Pow => {
                let r = stack
                    .pop()
                    .expect("a compiled program has two operands for a binary operator");
                let l = stack
                    .last_mut()
                    .expect("a compiled program has two operands for a binary operator");
                *l = match op {
                    Op::Add => *l + r,
                    Op::Sub => *l - r,
                    Op::Mul => *l * r,
                    Op::Div => *l / r,
                    _ => l.powd(r),
                };
            }
            _ => {
                let a = stack
                    .last_mut()
                    .expect("a compiled program has an operand for a unary operator");
                *a = match op {
                    Op::Neg => -*a,
                    Op::AddC(c) => *a + c,
                    Op::SubC(c) => *a - c,
                    Op::RSubC(c) => -*a + c,
                    Op::MulC(c) => *a * c,
                    Op::DivC(c) => *a / c,
                    Op::RDivC(c) => D::from(c) / *a,
                    Op::PowI(n) => a.powi(n),
                    Op::PowF(c) => a.powf(c),
                    Op::PowBase(c) => D::from(c).powd(*a),
                    Op::Call(f) => f.apply(*a),
                    _ => unreachable!("stack-growing and binary instructions are handled above"),
                };
            }
        }
    }
    stack.pop().expect("a compiled program leaves one value")
}
