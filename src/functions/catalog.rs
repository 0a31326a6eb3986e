//! The catalogue: names, metadata, dimension checks and dispatch.

use std::fmt;

use serde::Serialize;

use super::{formulas, points};
use crate::{Error, Objective, Result, Scalar, Verdict};

/// How many variables a built-in function takes.
///
/// Serialised (JSON) as `{"fixed": 2}` or `{"at_least": 1}`; displayed as
/// `2` or `>= 1`.
///
/// # Examples
///
/// ```
/// use saddlescope::Dims;
///
/// assert!(Dims::Fixed(2).accepts(2));
/// assert!(!Dims::Fixed(2).accepts(3));
/// assert!(Dims::AtLeast(2).accepts(10));
/// assert_eq!(Dims::AtLeast(2).to_string(), ">= 2");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dims {
    /// Exactly this many variables.
    Fixed(usize),
    /// This many variables or more.
    AtLeast(usize),
}

impl Dims {
    /// Whether a point with `dim` coordinates is in the domain.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::Dims;
    /// assert!(!Dims::AtLeast(1).accepts(0));
    /// ```
    pub fn accepts(self, dim: usize) -> bool {
        match self {
            Dims::Fixed(n) => dim == n,
            Dims::AtLeast(n) => dim >= n,
        }
    }

    /// The dimension to use when `wanted` is asked for: `wanted` itself
    /// where the function has a choice (raised to the minimum), else the
    /// fixed dimension.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::Dims;
    /// assert_eq!(Dims::Fixed(2).pick(5), 2);
    /// assert_eq!(Dims::AtLeast(2).pick(5), 5);
    /// assert_eq!(Dims::AtLeast(2).pick(1), 2);
    /// ```
    pub fn pick(self, wanted: usize) -> usize {
        match self {
            Dims::Fixed(n) => n,
            Dims::AtLeast(n) => wanted.max(n),
        }
    }

    /// The requirement in words, for error messages: "2 coordinates",
    /// "at least 1 coordinate".
    fn expected(self) -> String {
        let plural = |n: usize| if n == 1 { "coordinate" } else { "coordinates" };
        match self {
            Dims::Fixed(n) => format!("{n} {}", plural(n)),
            Dims::AtLeast(n) => format!("at least {n} {}", plural(n)),
        }
    }
}

impl fmt::Display for Dims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Dims::Fixed(n) => write!(f, "{n}"),
            Dims::AtLeast(n) => write!(f, ">= {n}"),
        }
    }
}

/// A known critical point of a built-in function: where ∇f = 0, the value
/// there, and what the Hessian's eigenvalue signs say it is.
///
/// Coordinates and values are the exact ones rounded to `f64` (computed in
/// 50-digit arithmetic), so the gradient there is zero up to rounding.
///
/// # Examples
///
/// ```
/// use saddlescope::{builtin, Verdict};
///
/// let points = builtin("double_well", 2)?.critical_points();
/// assert_eq!(points[0].x, vec![1.0, 0.0]);
/// assert_eq!(points[0].value, -0.25);
/// assert_eq!(points[0].verdict, Verdict::LocalMinimum);
/// assert_eq!(points[0].note, "global minimum");
/// # Ok::<(), saddlescope::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CriticalPoint {
    /// The coordinates.
    pub x: Vec<f64>,
    /// The function's value at `x`.
    pub value: f64,
    /// The second-order verdict: minimum, maximum, saddle or degenerate.
    pub verdict: Verdict,
    /// A short description, e.g. "global minimum", "saddle point".
    pub note: &'static str,
}

/// Which formula; private so the catalogue stays the only source of
/// `FunctionInfo`s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Id {
    Rosenbrock,
    Himmelblau,
    SixHumpCamel,
    MonkeySaddle,
    Saddle,
    DoubleWell,
    Rastrigin,
    Beale,
}

/// What is known about a built-in function, independent of the dimension.
///
/// Obtained from [`builtin_functions`] or [`FunctionInfo::by_name`]; the
/// full catalogue is in the docs of [`Function`]. Serialised (JSON) with the
/// public fields.
///
/// # Examples
///
/// ```
/// use saddlescope::{Dims, FunctionInfo};
///
/// let info = FunctionInfo::by_name("rosenbrock")?;
/// assert_eq!(info.dims, Dims::AtLeast(2));
/// let f = info.with_dim(3)?;
/// assert_eq!(f.critical_points()[0].x, vec![1.0; 3]);
/// # Ok::<(), saddlescope::Error>(())
/// ```
#[derive(Debug, PartialEq, Eq, Hash, Serialize)]
pub struct FunctionInfo {
    /// The name used by [`builtin`] and the CLI, in snake case.
    pub name: &'static str,
    /// The formula in plain text. For the two-variable functions it is an
    /// expression in `x` and `y` with explicit `*` and `^` for powers; for
    /// the n-dimensional ones it uses `sum_i` and `x_i`.
    pub formula: &'static str,
    /// One sentence on the function's shape and why it is in the catalogue.
    pub description: &'static str,
    /// The dimensions the function is defined for.
    pub dims: Dims,
    /// The dimension to use when none is given (2 for every built-in).
    pub default_dim: usize,
    #[serde(skip)]
    id: Id,
}

static FUNCTIONS: [FunctionInfo; 8] = [
    FunctionInfo {
        name: "rosenbrock",
        formula: "sum_{i=1}^{n-1} 100*(x_{i+1} - x_i^2)^2 + (1 - x_i)^2",
        description: "Rosenbrock's banana: a narrow curved valley with the global minimum \
                      at (1, ..., 1); for 4 <= n <= 7 also a local minimum and a saddle",
        dims: Dims::AtLeast(2),
        default_dim: 2,
        id: Id::Rosenbrock,
    },
    FunctionInfo {
        name: "himmelblau",
        formula: "(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
        description: "Himmelblau's function: four global minima with value 0, \
                      one local maximum and four saddle points",
        dims: Dims::Fixed(2),
        default_dim: 2,
        id: Id::Himmelblau,
    },
    FunctionInfo {
        name: "six_hump_camel",
        formula: "(4 - 2.1*x^2 + x^4/3)*x^2 + x*y + (-4 + 4*y^2)*y^2",
        description: "six-hump camel back: six minima (two global), \
                      two maxima and seven saddle points",
        dims: Dims::Fixed(2),
        default_dim: 2,
        id: Id::SixHumpCamel,
    },
    FunctionInfo {
        name: "monkey_saddle",
        formula: "x^3 - 3*x*y^2",
        description: "monkey saddle: one critical point at the origin where the Hessian \
                      vanishes, so the second-order test is inconclusive",
        dims: Dims::Fixed(2),
        default_dim: 2,
        id: Id::MonkeySaddle,
    },
    FunctionInfo {
        name: "saddle",
        formula: "x^2 - y^2",
        description: "the textbook saddle: Hessian eigenvalues -2 and 2 at the origin",
        dims: Dims::Fixed(2),
        default_dim: 2,
        id: Id::Saddle,
    },
    FunctionInfo {
        name: "double_well",
        formula: "x^4/4 - x^2/2 + y^2/2",
        description: "two wells at (-1, 0) and (1, 0) with value -1/4, \
                      separated by a saddle at the origin",
        dims: Dims::Fixed(2),
        default_dim: 2,
        id: Id::DoubleWell,
    },
    FunctionInfo {
        name: "rastrigin",
        formula: "10*n + sum_{i=1}^{n} (x_i^2 - 10*cos(2*pi*x_i))",
        description: "Rastrigin's function: a bowl covered in a lattice of local minima, \
                      maxima and saddles; global minimum 0 at the origin",
        dims: Dims::AtLeast(1),
        default_dim: 2,
        id: Id::Rastrigin,
    },
    FunctionInfo {
        name: "beale",
        formula: "(1.5 - x + x*y)^2 + (2.25 - x + x*y^2)^2 + (2.625 - x + x*y^3)^2",
        description: "Beale's function: global minimum 0 at (3, 0.5) and two saddle points, \
                      (0, 1) and one near (0.1005, -2.6445)",
        dims: Dims::Fixed(2),
        default_dim: 2,
        id: Id::Beale,
    },
];

/// All built-in functions, in a fixed order: `rosenbrock`, `himmelblau`,
/// `six_hump_camel`, `monkey_saddle`, `saddle`, `double_well`, `rastrigin`,
/// `beale`.
///
/// # Examples
///
/// ```
/// use saddlescope::builtin_functions;
///
/// let names: Vec<_> = builtin_functions().iter().map(|f| f.name).collect();
/// assert_eq!(names[..3], ["rosenbrock", "himmelblau", "six_hump_camel"]);
/// assert_eq!(names.len(), 8);
/// ```
pub fn builtin_functions() -> &'static [FunctionInfo] {
    &FUNCTIONS
}

/// The built-in function `name` at dimension `dim`, ready to evaluate and
/// differentiate. For a point `x` to analyse, pass `x.len()` as `dim`.
///
/// # Errors
///
/// [`Error::Unknown`] if `name` is not one of [`builtin_functions`] (the
/// message lists them); [`Error::DimensionMismatch`] if the function is not
/// defined in `dim` variables, e.g. "point for `himmelblau`: expected 2
/// coordinates, found 3", or `rosenbrock` with fewer than 2.
///
/// # Examples
///
/// ```
/// use saddlescope::{builtin, Objective};
///
/// let f = builtin("himmelblau", 2)?;
/// assert_eq!(f.eval(&[3.0, 2.0]), 0.0);
///
/// let err = builtin("himmelblau", 3).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "point for `himmelblau`: expected 2 coordinates, found 3"
/// );
/// assert!(builtin("banana", 2).unwrap_err().to_string().contains("rosenbrock"));
/// # Ok::<(), saddlescope::Error>(())
/// ```
pub fn builtin(name: &str, dim: usize) -> Result<Function> {
    FunctionInfo::by_name(name)?.with_dim(dim)
}

impl FunctionInfo {
    /// Looks a built-in function up by its exact name.
    ///
    /// # Errors
    ///
    /// [`Error::Unknown`] (kind "function") if there is no function of that
    /// name; the message lists all names.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::FunctionInfo;
    ///
    /// assert_eq!(FunctionInfo::by_name("beale")?.default_dim, 2);
    /// let err = FunctionInfo::by_name("Beale").unwrap_err();
    /// assert!(err.to_string().starts_with("unknown function `Beale`; known: rosenbrock, "));
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn by_name(name: &str) -> Result<&'static FunctionInfo> {
        FUNCTIONS
            .iter()
            .find(|f| f.name == name)
            .ok_or_else(|| Error::Unknown {
                kind: "function".into(),
                name: name.into(),
                known: FUNCTIONS
                    .iter()
                    .map(|f| f.name)
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// This function at dimension `dim`.
    ///
    /// # Errors
    ///
    /// [`Error::DimensionMismatch`] if `dim` is not in [`dims`](Self::dims).
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{FunctionInfo, Objective};
    ///
    /// let rastrigin = FunctionInfo::by_name("rastrigin")?;
    /// assert_eq!(rastrigin.with_dim(5)?.dim(), 5);
    /// assert_eq!(
    ///     rastrigin.with_dim(0).unwrap_err().to_string(),
    ///     "point for `rastrigin`: expected at least 1 coordinate, found 0"
    /// );
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn with_dim(&'static self, dim: usize) -> Result<Function> {
        if !self.dims.accepts(dim) {
            return Err(Error::DimensionMismatch {
                what: format!("point for `{}`", self.name),
                expected: self.dims.expected(),
                found: dim.to_string(),
            });
        }
        Ok(Function { info: self, dim })
    }
}

/// A built-in test function at a chosen dimension: an [`Objective`] with
/// known critical points. Made by [`builtin`] or [`FunctionInfo::with_dim`].
///
/// Every critical point below is listed by [`critical_points`]
/// (coordinates shown rounded here; the library has them to full `f64`
/// precision). Verdicts are the second-order ones, from the signs of the
/// Hessian's eigenvalues.
///
/// # `rosenbrock` (n ≥ 2)
///
/// f(x) = Σ_{i=1}^{n−1} 100(x_{i+1} − x_i²)² + (1 − x_i)²  (Rosenbrock 1960;
/// the chained n-dimensional form). The dimension is that of the point.
/// Default point (−1.2, 1, −1.2, 1, …) (Moré, Garbow & Hillstrom 1981).
///
/// | n | point | f | verdict |
/// |---|-------|---|---------|
/// | every n ≥ 2 | (1, …, 1) | 0 | local_minimum (global) |
/// | 4 | (−0.775659, 0.613093, 0.382063, 0.145972) | 3.701429 | local_minimum |
/// | 4 | (−0.656125, 0.443120, 0.204312, 0.041743) | 3.708242 | saddle_point |
/// | 5 | (−0.962051, 0.935739, 0.880714, 0.777878, 0.605094) | 3.930839 | local_minimum |
/// | 5 | (−0.557468, 0.324740, 0.116567, 0.023354, 0.000545) | 4.657371 | saddle_point |
/// | 6 | (−0.986575, 0.983398, 0.972107, 0.947437, 0.898651, 0.807574) | 3.973941 | local_minimum |
/// | 6 | (−0.555420, 0.322493, 0.115207, 0.023503, 0.010448, 0.000109) | 5.646384 | saddle_point |
/// | 7 | (−0.991723, 0.993555, 0.992173, 0.986899, 0.975165, 0.951432, 0.905223) | 3.983601 | local_minimum |
/// | 7 | (−0.555377, 0.322446, 0.115179, 0.023506, 0.010657, 0.010013, 0.000100) | 6.636263 | saddle_point |
///
/// The list is complete for 2 ≤ n ≤ 6: setting ∂f/∂x_0, …, ∂f/∂x_{n−2} to
/// zero determines x_1, …, x_{n−1} from x_0, which leaves one rational
/// equation in x_0 whose real roots were isolated exactly (the method of
/// Kok & Sandrock, "Locating and characterizing the stationary points of the
/// extended Rosenbrock function", Evolutionary Computation 17(3), 2009).
/// For n = 2 and 3, (1, …, 1) is the only critical point. For n = 7 the
/// same equation was solved by a fine numerical scan, which found the same
/// pattern but is not a proof of completeness. For n ≥ 8 only (1, …, 1) is
/// listed.
///
/// # `himmelblau` (n = 2)
///
/// f(x, y) = (x² + y − 11)² + (x + y² − 7)²  (Himmelblau 1972). Exactly nine
/// critical points (all real roots of a degree-9 resultant). Default point
/// (0, 0).
///
/// | point | f | verdict |
/// |-------|---|---------|
/// | (3, 2) | 0 | local_minimum (global) |
/// | (−2.805118, 3.131313) | 0 | local_minimum (global) |
/// | (−3.779310, −3.283186) | 0 | local_minimum (global) |
/// | (3.584428, −1.848127) | 0 | local_minimum (global) |
/// | (−0.270845, −0.923039) | 181.616522 | local_maximum |
/// | (0.086678, 2.884255) | 67.719150 | saddle_point |
/// | (−3.073026, −0.081353) | 104.015163 | saddle_point |
/// | (3.385154, 0.073852) | 13.311926 | saddle_point |
/// | (−0.127961, −1.953715) | 178.337239 | saddle_point |
///
/// # `six_hump_camel` (n = 2)
///
/// f(x, y) = (4 − 2.1x² + x⁴/3)x² + xy + (−4 + 4y²)y²  (Dixon & Szegő 1978).
/// Exactly fifteen critical points (all real roots of a degree-15
/// resultant), symmetric under (x, y) ↦ (−x, −y). Default point (1, 1).
///
/// | point (and its negative, except the origin) | f | verdict |
/// |-------|---|---------|
/// | ±(0.089842, −0.712656) | −1.031628 | local_minimum (global) |
/// | ±(1.703607, −0.796084) | −0.215464 | local_minimum |
/// | ±(1.607105, 0.568651) | 2.104250 | local_minimum |
/// | ±(1.230230, 0.162335) | 2.496295 | local_maximum |
/// | (0, 0) | 0 | saddle_point |
/// | ±(1.109205, −0.768268) | 0.543719 | saddle_point |
/// | ±(1.638068, 0.228674) | 2.229357 | saddle_point |
/// | ±(1.296070, 0.605084) | 2.229471 | saddle_point |
///
/// # `monkey_saddle` (n = 2)
///
/// f(x, y) = x³ − 3xy². One critical point, (0, 0), f = 0: the Hessian is
/// zero there, so the verdict is `degenerate`, although the point is a
/// (third-order) saddle with three ways down. Default point (1, 1).
///
/// # `saddle` (n = 2)
///
/// f(x, y) = x² − y². One critical point, (0, 0), f = 0, `saddle_point`
/// (Hessian eigenvalues −2 and 2). Default point (1, 1).
///
/// # `double_well` (n = 2)
///
/// f(x, y) = x⁴/4 − x²/2 + y²/2. Default point (0.5, 0.5).
///
/// | point | f | verdict |
/// |-------|---|---------|
/// | (1, 0) | −1/4 | local_minimum (global) |
/// | (−1, 0) | −1/4 | local_minimum (global) |
/// | (0, 0) | 0 | saddle_point (eigenvalues −1, 1) |
///
/// # `rastrigin` (n ≥ 1)
///
/// f(x) = 10n + Σ_i (x_i² − 10 cos(2πx_i))  (Rastrigin 1974). The dimension
/// is that of the point. Default point (2.5, …, 2.5).
///
/// f is a sum of g(t) = t² + 10 − 10 cos(2πt), so its critical points are
/// the points whose every coordinate is a root of g′(t) = 2t + 20π sin(2πt):
/// 0 (minimum of g), ±h with h = 0.5025460… (maxima, g(h) = 20.251273),
/// ±d with d = 0.9949586… (minima, g(d) = 0.994959), and further roots near
/// the half-integers (maxima) and integers (minima) up to |t| ≈ 10π. A point is a maximum if every coordinate
/// is a maximum of g, a minimum if none is, and a saddle otherwise. Listed:
///
/// - n ≤ 2: every point with coordinates in {0, h, d}. For n = 2:
///   minima (0, 0) (global, f = 0), (d, 0), (0, d), (d, d); maximum (h, h)
///   (f = 40.502546); saddles (h, 0), (0, h) (f = 20.251273) and (d, h),
///   (h, d) (f = 21.246232).
/// - n ≥ 3: the origin and the points c·(1, …, 1, 0, …, 0) with c ∈ {d, h} and
///   k = 1, …, n leading c's: minima for c = d, saddles with k negative
///   eigenvalues for c = h and k < n, the maximum for c = h and k = n.
///
/// # `beale` (n = 2)
///
/// f(x, y) = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²
/// (Beale 1958). Exactly three critical points: the gradient factors as
/// x·p(x, y) and (y − 1)·q(x, y), and the resultants leave only these.
/// Default point (1, 1) (Moré, Garbow & Hillstrom 1981).
///
/// | point | f | verdict |
/// |-------|---|---------|
/// | (3, 0.5) | 0 | local_minimum (global) |
/// | (0, 1) | 14.203125 | saddle_point (eigenvalues ±27.75) |
/// | (0.100538, −2.644514) | 9.864512 | saddle_point |
///
/// # Examples
///
/// ```
/// use saddlescope::{builtin, Objective, Verdict};
///
/// let f = builtin("six_hump_camel", 2)?;
/// let points = f.critical_points();
/// assert_eq!(points.len(), 15);
/// let global = &points[0];
/// assert_eq!(global.verdict, Verdict::LocalMinimum);
/// assert!((f.eval(&global.x) - global.value).abs() < 1e-14);
/// assert!((global.value + 1.0316284534898774).abs() < 1e-15);
/// # Ok::<(), saddlescope::Error>(())
/// ```
///
/// [`critical_points`]: Function::critical_points
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Function {
    info: &'static FunctionInfo,
    dim: usize,
}

impl Function {
    /// The function's name, e.g. "himmelblau".
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(saddlescope::builtin("saddle", 2)?.name(), "saddle");
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn name(&self) -> &'static str {
        self.info.name
    }

    /// The function's metadata: formula, description, domain.
    ///
    /// # Examples
    ///
    /// ```
    /// let f = saddlescope::builtin("saddle", 2)?;
    /// assert_eq!(f.info().formula, "x^2 - y^2");
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn info(&self) -> &'static FunctionInfo {
        self.info
    }

    /// The known critical points at this dimension (see the tables in the
    /// type's docs), minima first, then maxima, then saddle and degenerate
    /// points. Never empty: every function lists at least its global minimum
    /// or its one critical point.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{builtin, Verdict};
    ///
    /// let points = builtin("himmelblau", 2)?.critical_points();
    /// assert_eq!(points.len(), 9);
    /// let maxima: Vec<_> = points
    ///     .iter()
    ///     .filter(|p| p.verdict == Verdict::LocalMaximum)
    ///     .collect();
    /// assert_eq!(maxima.len(), 1);
    /// assert!((maxima[0].x[0] + 0.270845).abs() < 1e-6);
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn critical_points(&self) -> Vec<CriticalPoint> {
        match self.info.id {
            Id::Rosenbrock => points::rosenbrock(self.dim),
            Id::Himmelblau => points::himmelblau(),
            Id::SixHumpCamel => points::six_hump_camel(),
            Id::MonkeySaddle => points::monkey_saddle(),
            Id::Saddle => points::saddle(),
            Id::DoubleWell => points::double_well(),
            Id::Rastrigin => points::rastrigin(self.dim),
            Id::Beale => points::beale(),
        }
    }

    /// A conventional starting point for searches, not a critical point:
    /// the standard one from Moré, Garbow & Hillstrom (1981) where there is
    /// one (see the type's docs for each function).
    ///
    /// # Examples
    ///
    /// ```
    /// let f = saddlescope::builtin("rosenbrock", 3)?;
    /// assert_eq!(f.default_point(), vec![-1.2, 1.0, -1.2]);
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn default_point(&self) -> Vec<f64> {
        match self.info.id {
            Id::Rosenbrock => (0..self.dim)
                .map(|i| if i % 2 == 0 { -1.2 } else { 1.0 })
                .collect(),
            Id::Himmelblau => vec![0.0, 0.0],
            Id::SixHumpCamel | Id::MonkeySaddle | Id::Saddle | Id::Beale => vec![1.0, 1.0],
            Id::DoubleWell => vec![0.5, 0.5],
            Id::Rastrigin => vec![2.5; self.dim],
        }
    }
}

impl Objective for Function {
    fn dim(&self) -> usize {
        self.dim
    }

    fn eval<D: Scalar>(&self, x: &[D]) -> D {
        debug_assert_eq!(x.len(), self.dim, "point for `{}`", self.info.name);
        match self.info.id {
            Id::Rosenbrock => formulas::rosenbrock(x),
            Id::Himmelblau => formulas::himmelblau(x),
            Id::SixHumpCamel => formulas::six_hump_camel(x),
            Id::MonkeySaddle => formulas::monkey_saddle(x),
            Id::Saddle => formulas::saddle(x),
            Id::DoubleWell => formulas::double_well(x),
            Id::Rastrigin => formulas::rastrigin(x),
            Id::Beale => formulas::beale(x),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_order_and_names() {
        let names: Vec<_> = builtin_functions().iter().map(|f| f.name).collect();
        assert_eq!(
            names,
            [
                "rosenbrock",
                "himmelblau",
                "six_hump_camel",
                "monkey_saddle",
                "saddle",
                "double_well",
                "rastrigin",
                "beale"
            ]
        );
    }

    #[test]
    fn unknown_name_lists_every_function() {
        let err = builtin("banana", 2).unwrap_err();
        assert!(
            matches!(&err, Error::Unknown { kind, name, .. } if kind == "function" && name == "banana")
        );
        assert_eq!(
            err.to_string(),
            "unknown function `banana`; known: rosenbrock, himmelblau, six_hump_camel, \
             monkey_saddle, saddle, double_well, rastrigin, beale"
        );
        assert!(builtin("", 2).is_err());
        assert!(builtin("Himmelblau", 2).is_err());
    }

    #[test]
    fn wrong_dimension_says_expected_and_found() {
        let err = builtin("himmelblau", 3).unwrap_err();
        assert!(matches!(err, Error::DimensionMismatch { .. }));
        assert_eq!(
            err.to_string(),
            "point for `himmelblau`: expected 2 coordinates, found 3"
        );
        assert_eq!(
            builtin("rosenbrock", 1).unwrap_err().to_string(),
            "point for `rosenbrock`: expected at least 2 coordinates, found 1"
        );
        assert_eq!(
            builtin("rastrigin", 0).unwrap_err().to_string(),
            "point for `rastrigin`: expected at least 1 coordinate, found 0"
        );
        for name in [
            "six_hump_camel",
            "monkey_saddle",
            "saddle",
            "double_well",
            "beale",
        ] {
            assert!(builtin(name, 1).is_err(), "{name}");
            assert!(builtin(name, 2).is_ok(), "{name}");
        }
        assert!(builtin("rosenbrock", 100).is_ok());
        assert!(builtin("rastrigin", 1).is_ok());
    }

    #[test]
    fn function_reports_its_dimension_and_info() {
        let f = builtin("rastrigin", 7).unwrap();
        assert_eq!(f.dim(), 7);
        assert_eq!(f.name(), "rastrigin");
        assert!(std::ptr::eq(f.info(), &FUNCTIONS[6]));
        assert_eq!(
            f,
            FunctionInfo::by_name("rastrigin")
                .unwrap()
                .with_dim(7)
                .unwrap()
        );
        assert_ne!(f, builtin("rastrigin", 6).unwrap());
    }

    #[test]
    fn dims_display() {
        assert_eq!(Dims::Fixed(2).to_string(), "2");
        assert_eq!(Dims::AtLeast(1).to_string(), ">= 1");
        assert_eq!(Dims::AtLeast(1).expected(), "at least 1 coordinate");
        assert_eq!(Dims::Fixed(1).expected(), "1 coordinate");
    }

    #[test]
    fn json_shape() {
        let info = serde_json::to_value(FunctionInfo::by_name("himmelblau").unwrap()).unwrap();
        assert_eq!(info["name"], "himmelblau");
        assert_eq!(info["dims"], serde_json::json!({ "fixed": 2 }));
        assert_eq!(info["default_dim"], 2);
        assert!(info.get("id").is_none());
        let rastrigin = serde_json::to_value(FunctionInfo::by_name("rastrigin").unwrap()).unwrap();
        assert_eq!(rastrigin["dims"], serde_json::json!({ "at_least": 1 }));

        let point = &builtin("saddle", 2).unwrap().critical_points()[0];
        assert_eq!(
            serde_json::to_value(point).unwrap(),
            serde_json::json!({
                "x": [0.0, 0.0],
                "value": 0.0,
                "verdict": "saddle_point",
                "note": "saddle point"
            })
        );
    }

    #[test]
    fn default_points() {
        let point = |name: &str, n: usize| builtin(name, n).unwrap().default_point();
        assert_eq!(point("rosenbrock", 2), [-1.2, 1.0]);
        assert_eq!(point("rosenbrock", 4), [-1.2, 1.0, -1.2, 1.0]);
        assert_eq!(point("beale", 2), [1.0, 1.0]);
        assert_eq!(point("rastrigin", 3), [2.5; 3]);
    }
}
