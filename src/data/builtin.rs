//! Built-in synthetic data sets, deterministic for a seed: classic toy
//! problems for watching training stall at saddles.

use std::f64::consts::PI;

use nalgebra::DMatrix;

use super::{Dataset, Rng};
use crate::{Error, Result};

/// The largest number of values (rows × features) a built-in set may have.
const MAX_VALUES: f64 = 1e8;

/// A parameter of a built-in data set, as in `moons(noise=0.2)`.
///
/// # Examples
///
/// ```
/// let moons = saddlescope::builtin_datasets().iter().find(|d| d.name == "moons").unwrap();
/// let noise = moons.parameters.iter().find(|p| p.name == "noise").unwrap();
/// assert_eq!(noise.default, 0.1);
/// assert!(!noise.integer);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct BuiltinParameter {
    /// The key, as in `n=500`.
    pub name: &'static str,
    /// The value used when the parameter is not given.
    pub default: f64,
    /// Whether the value must be an integer.
    pub integer: bool,
    /// The smallest valid value.
    pub min: f64,
    /// The largest valid value.
    pub max: f64,
    /// What the parameter controls.
    pub description: &'static str,
}

/// A built-in synthetic data set: its name, what it is, and its parameters.
///
/// # Examples
///
/// ```
/// for set in saddlescope::builtin_datasets() {
///     println!("builtin:{:10} {}", set.name, set.description);
///     assert!(set.parameters.iter().any(|p| p.name == "n"));
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct BuiltinDataset {
    /// The name, as in `builtin:moons`.
    pub name: &'static str,
    /// One line: the shape of the data and the task.
    pub description: &'static str,
    /// The number of classes with the default parameters; `None` for
    /// regression.
    pub classes: Option<usize>,
    /// The parameters that may follow the name in parentheses.
    pub parameters: &'static [BuiltinParameter],
}

const fn param(
    name: &'static str,
    default: f64,
    integer: bool,
    min: f64,
    max: f64,
    description: &'static str,
) -> BuiltinParameter {
    BuiltinParameter {
        name,
        default,
        integer,
        min,
        max,
        description,
    }
}

const ROWS: f64 = 1e7;

static BUILTINS: [BuiltinDataset; 6] = [
    BuiltinDataset {
        name: "blobs",
        description: "k isotropic Gaussian clusters in d dimensions, centres uniform in \
                      [-10, 10]^d; k-class classification",
        classes: Some(3),
        parameters: &[
            param("n", 300.0, true, 1.0, ROWS, "number of rows"),
            param("k", 3.0, true, 1.0, 1000.0, "number of clusters (classes)"),
            param("d", 2.0, true, 1.0, 10_000.0, "number of features"),
            param(
                "noise",
                1.0,
                false,
                0.0,
                1e6,
                "standard deviation of each cluster",
            ),
        ],
    },
    BuiltinDataset {
        name: "moons",
        description: "two interleaving half circles in 2-D (as scikit-learn's make_moons) \
                      plus Gaussian noise; 2 classes",
        classes: Some(2),
        parameters: &[
            param("n", 300.0, true, 1.0, ROWS, "number of rows"),
            param(
                "noise",
                0.1,
                false,
                0.0,
                1e6,
                "standard deviation of the noise",
            ),
        ],
    },
    BuiltinDataset {
        name: "spirals",
        description: "k interleaved spiral arms in 2-D plus Gaussian noise; k-class \
                      classification",
        classes: Some(2),
        parameters: &[
            param("n", 300.0, true, 1.0, ROWS, "number of rows"),
            param("k", 2.0, true, 1.0, 100.0, "number of arms (classes)"),
            param("turns", 1.5, false, 0.0, 100.0, "turns of each arm"),
            param(
                "noise",
                0.04,
                false,
                0.0,
                1e6,
                "standard deviation of the noise",
            ),
        ],
    },
    BuiltinDataset {
        name: "xor",
        description: "Gaussian clusters at the 4 corners (±1, ±1) in 2-D, label 1 where the \
                      signs differ; 2 classes, not linearly separable",
        classes: Some(2),
        parameters: &[
            param("n", 200.0, true, 1.0, ROWS, "number of rows"),
            param(
                "noise",
                0.35,
                false,
                0.0,
                1e6,
                "standard deviation of each cluster",
            ),
        ],
    },
    BuiltinDataset {
        name: "sine",
        description: "x uniform on [-3, 3], target sin(x) + Gaussian noise; 1-D regression",
        classes: None,
        parameters: &[
            param("n", 200.0, true, 1.0, ROWS, "number of rows"),
            param(
                "noise",
                0.1,
                false,
                0.0,
                1e6,
                "standard deviation of the noise",
            ),
        ],
    },
    BuiltinDataset {
        name: "teacher",
        description: "inputs N(0, I) in d dimensions, target from a fixed random tanh network \
                      d → hidden → 1 (teacher) plus Gaussian noise; regression",
        classes: None,
        parameters: &[
            param("n", 300.0, true, 1.0, ROWS, "number of rows"),
            param("d", 4.0, true, 1.0, 10_000.0, "number of features"),
            param(
                "hidden",
                8.0,
                true,
                1.0,
                10_000.0,
                "hidden units of the teacher",
            ),
            param(
                "noise",
                0.05,
                false,
                0.0,
                1e6,
                "standard deviation of the noise",
            ),
            param(
                "net_seed",
                0.0,
                true,
                0.0,
                4_294_967_295.0,
                "seed of the teacher's weights (the data seed only draws inputs and noise)",
            ),
        ],
    },
];

/// The built-in synthetic data sets: `blobs`, `moons`, `spirals`, `xor`,
/// `sine`, `teacher`, with their parameters and defaults.
///
/// # Examples
///
/// ```
/// let names: Vec<&str> = saddlescope::builtin_datasets().iter().map(|d| d.name).collect();
/// assert_eq!(names, ["blobs", "moons", "spirals", "xor", "sine", "teacher"]);
/// ```
pub fn builtin_datasets() -> &'static [BuiltinDataset] {
    &BUILTINS
}

/// Generates a built-in data set from its spec — the part after
/// `builtin:` — and a seed: `moons`, or with parameters,
/// `moons(n=500, noise=0.2)`. The same spec and seed give the same bits on
/// every run (across machines, up to the platform libm's last-bit rounding
/// of `sin`, `cos`, `ln` and `tanh`); rows are shuffled with the seed, and
/// classes are as balanced as the row count allows.
///
/// | name | features | target | parameters (defaults) |
/// |---|---|---|---|
/// | `blobs` | `d` | `k` classes | `n=300, k=3, d=2, noise=1` |
/// | `moons` | 2 | 2 classes | `n=300, noise=0.1` |
/// | `spirals` | 2 | `k` classes | `n=300, k=2, turns=1.5, noise=0.04` |
/// | `xor` | 2 | 2 classes | `n=200, noise=0.35` |
/// | `sine` | 1 | regression | `n=200, noise=0.1` |
/// | `teacher` | `d` | regression | `n=300, d=4, hidden=8, noise=0.05, net_seed=0` |
///
/// Features are named `x0`, `x1`, … (`x` for `sine`); the target is `label`
/// for classification and `target` for regression. `noise` is always a
/// standard deviation.
///
/// - `blobs`: centres uniform in [-10, 10]^d, then N(centre, noise²·I) rows,
///   as scikit-learn's `make_blobs`.
/// - `moons`: the upper half circle of radius 1 at the origin (label 0) and
///   the lower one shifted to (1, 0.5) (label 1), points evenly spaced along
///   each, as scikit-learn's `make_moons`.
/// - `spirals`: arm *j* at t ∈ [0, 1] (evenly spaced) is the point at radius
///   t and angle 2π(turns·t + j/k).
/// - `xor`: label 0 around (1, 1) and (−1, −1), label 1 around (1, −1) and
///   (−1, 1).
/// - `teacher`: target w₂ · tanh(W₁x + b₁) + noise, with W₁ ~ N(0, 1/d),
///   b₁ ~ N(0, 0.1²), w₂ ~ N(0, 1/hidden) drawn from `net_seed`, so every
///   data seed samples the same function.
///
/// # Errors
///
/// [`Error::Unknown`] for an unknown name (listing the names) or parameter
/// (listing the set's parameters); [`Error::InvalidSetting`] for a value that
/// is not a number, not an integer where one is needed, out of its range, or
/// given twice; [`Error::InvalidInput`] for a malformed spec.
///
/// # Examples
///
/// ```
/// use saddlescope::builtin_dataset;
///
/// let moons = builtin_dataset("moons(n=500, noise=0.2)", 42)?;
/// assert_eq!((moons.rows(), moons.features()), (500, 2));
/// assert_eq!(moons, builtin_dataset("moons(n=500,noise=0.2)", 42)?);
///
/// let err = builtin_dataset("circles", 0).unwrap_err().to_string();
/// assert_eq!(err, "unknown built-in data set `circles`; known: blobs, moons, spirals, xor, sine, teacher");
/// let err = builtin_dataset("moons(n=0)", 0).unwrap_err().to_string();
/// assert_eq!(err, "invalid moons parameter `n`: expected an integer in [1, 10000000], got 0");
/// # Ok::<(), saddlescope::Error>(())
/// ```
pub fn builtin_dataset(spec: &str, seed: u64) -> Result<Dataset> {
    let (set, values) = parse_spec(spec)?;
    let source: String = format!("builtin:{spec}")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let get = |name: &str| {
        let i = set
            .parameters
            .iter()
            .position(|p| p.name == name)
            .expect("parameter in the table");
        values[i]
    };
    let n = get("n") as usize;
    let mut rng = Rng::new(seed);
    let (columns, inputs, targets) = match set.name {
        "blobs" => {
            let d = get("d") as usize;
            check_size(set.name, n, d)?;
            blobs(&mut rng, n, get("k") as usize, d, get("noise"))
        }
        "moons" => moons(&mut rng, n, get("noise")),
        "spirals" => spirals(&mut rng, n, get("k") as usize, get("turns"), get("noise")),
        "xor" => xor(&mut rng, n, get("noise")),
        "sine" => sine(&mut rng, n, get("noise")),
        "teacher" => {
            let (d, hidden) = (get("d") as usize, get("hidden") as usize);
            check_size(set.name, n, d)?;
            check_size(set.name, hidden, d)?;
            let net_seed = get("net_seed") as u64;
            teacher(&mut rng, n, d, hidden, get("noise"), net_seed)
        }
        other => unreachable!("built-in data set `{other}` has no generator"),
    };
    let target_name = if set.classes.is_some() {
        "label"
    } else {
        "target"
    };
    let feature_names = if set.name == "sine" {
        vec!["x".to_string()]
    } else {
        (0..columns).map(|j| format!("x{j}")).collect()
    };
    // Shuffle so that no prefix of the rows is one class.
    let order = rng.permutation(targets.len());
    let inputs = DMatrix::from_row_slice(targets.len(), columns, &inputs);
    let full = Dataset::new(source, feature_names, target_name, inputs, targets)?;
    Ok(full.select(&order))
}

/// Finds the set named in `spec` and the values of all its parameters, in
/// the table's order, defaults filled in.
fn parse_spec(spec: &str) -> Result<(&'static BuiltinDataset, Vec<f64>)> {
    let spec = spec.trim();
    let (name, arguments) = match spec.find('(') {
        None => (spec, None),
        Some(open) => {
            let Some(inner) = spec[open + 1..].trim_end().strip_suffix(')') else {
                return Err(malformed(spec));
            };
            (spec[..open].trim_end(), Some(inner))
        }
    };
    let set = BUILTINS
        .iter()
        .find(|d| d.name == name)
        .ok_or_else(|| Error::Unknown {
            kind: "built-in data set".into(),
            name: name.to_string(),
            known: BUILTINS
                .iter()
                .map(|d| d.name)
                .collect::<Vec<_>>()
                .join(", "),
        })?;
    let mut values: Vec<f64> = set.parameters.iter().map(|p| p.default).collect();
    let mut given = vec![false; values.len()];
    let Some(arguments) = arguments else {
        return Ok((set, values));
    };
    if arguments.contains(['(', ')']) {
        return Err(malformed(spec));
    }
    if arguments.trim().is_empty() {
        return Ok((set, values));
    }
    for argument in arguments.split(',') {
        let Some((key, value)) = argument.split_once('=') else {
            return Err(malformed(spec));
        };
        let (key, value) = (key.trim(), value.trim());
        let invalid = |message: String| Error::InvalidSetting {
            name: format!("{} parameter `{key}`", set.name),
            message,
        };
        let i = set
            .parameters
            .iter()
            .position(|p| p.name == key)
            .ok_or_else(|| Error::Unknown {
                kind: format!("parameter of builtin:{}", set.name),
                name: key.to_string(),
                known: set
                    .parameters
                    .iter()
                    .map(|p| p.name)
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
        if given[i] {
            return Err(invalid("given twice".into()));
        }
        given[i] = true;
        let p = &set.parameters[i];
        let x: f64 = value
            .parse()
            .map_err(|_| invalid(format!("`{value}` is not a number")))?;
        let kind = if p.integer { "an integer" } else { "a number" };
        if !(x >= p.min && x <= p.max) || (p.integer && x.fract() != 0.0) {
            return Err(invalid(format!(
                "expected {kind} in [{}, {}], got {value}",
                p.min, p.max
            )));
        }
        values[i] = x;
    }
    Ok((set, values))
}

fn malformed(spec: &str) -> Error {
    Error::InvalidInput(format!(
        "built-in data set `{spec}`: expected NAME or NAME(key=value, …)"
    ))
}

fn check_size(name: &str, rows: usize, columns: usize) -> Result<()> {
    if rows as f64 * columns as f64 > MAX_VALUES {
        return Err(Error::InvalidSetting {
            name: format!("size of builtin:{name}"),
            message: format!("{rows} × {columns} values is more than the limit of {MAX_VALUES:e}"),
        });
    }
    Ok(())
}

/// Row counts for `k` classes sharing `n` rows: as equal as possible, the
/// first `n % k` classes one row larger.
fn class_sizes(n: usize, k: usize) -> impl Iterator<Item = (usize, usize)> {
    (0..k).map(move |c| (c, n / k + usize::from(c < n % k)))
}

/// `count` evenly spaced points from `start` to `end` inclusive (NumPy's
/// `linspace`).
fn linspace(start: f64, end: f64, count: usize) -> impl Iterator<Item = f64> {
    let step = if count > 1 {
        (end - start) / (count - 1) as f64
    } else {
        0.0
    };
    (0..count).map(move |i| start + step * i as f64)
}

/// (columns, row-major inputs, targets) of a generated set, before shuffling.
type Generated = (usize, Vec<f64>, Vec<f64>);

fn blobs(rng: &mut Rng, n: usize, k: usize, d: usize, noise: f64) -> Generated {
    let centres: Vec<f64> = (0..k * d).map(|_| rng.uniform_in(-10.0, 10.0)).collect();
    let mut inputs = Vec::with_capacity(n * d);
    let mut targets = Vec::with_capacity(n);
    for (c, size) in class_sizes(n, k) {
        for _ in 0..size {
            inputs.extend((0..d).map(|j| rng.normal_with(centres[c * d + j], noise)));
            targets.push(c as f64);
        }
    }
    (d, inputs, targets)
}

fn moons(rng: &mut Rng, n: usize, noise: f64) -> Generated {
    // As make_moons: the outer moon gets n / 2 rows, the inner the rest.
    let outer = n / 2;
    let inner = n - outer;
    let mut inputs = Vec::with_capacity(2 * n);
    let mut targets = Vec::with_capacity(n);
    for t in linspace(0.0, PI, outer) {
        inputs.extend([t.cos(), t.sin()]);
        targets.push(0.0);
    }
    for t in linspace(0.0, PI, inner) {
        inputs.extend([1.0 - t.cos(), 0.5 - t.sin()]);
        targets.push(1.0);
    }
    inputs.iter_mut().for_each(|x| *x += noise * rng.normal());
    (2, inputs, targets)
}

fn spirals(rng: &mut Rng, n: usize, k: usize, turns: f64, noise: f64) -> Generated {
    let mut inputs = Vec::with_capacity(2 * n);
    let mut targets = Vec::with_capacity(n);
    for (arm, size) in class_sizes(n, k) {
        for t in linspace(0.0, 1.0, size) {
            let angle = 2.0 * PI * (turns * t + arm as f64 / k as f64);
            inputs.extend([
                t * angle.cos() + noise * rng.normal(),
                t * angle.sin() + noise * rng.normal(),
            ]);
            targets.push(arm as f64);
        }
    }
    (2, inputs, targets)
}

fn xor(rng: &mut Rng, n: usize, noise: f64) -> Generated {
    // Corners in the order of the quadrants; the label is 1 where the signs
    // of the coordinates differ. Label 0 gets corners 0 and 2, label 1
    // corners 1 and 3, so the classes are balanced as the corners are.
    const CORNERS: [(f64, f64, f64); 4] = [
        (1.0, 1.0, 0.0),
        (-1.0, 1.0, 1.0),
        (-1.0, -1.0, 0.0),
        (1.0, -1.0, 1.0),
    ];
    let mut inputs = Vec::with_capacity(2 * n);
    let mut targets = Vec::with_capacity(n);
    // Corner sizes alternate labels, so with n odd label 0 has one more row.
    for (corner, size) in class_sizes(n, 4) {
        let (cx, cy, label) = CORNERS[corner];
        for _ in 0..size {
            inputs.extend([rng.normal_with(cx, noise), rng.normal_with(cy, noise)]);
            targets.push(label);
        }
    }
    (2, inputs, targets)
}

fn sine(rng: &mut Rng, n: usize, noise: f64) -> Generated {
    let mut inputs = Vec::with_capacity(n);
    let mut targets = Vec::with_capacity(n);
    for _ in 0..n {
        let x = rng.uniform_in(-3.0, 3.0);
        inputs.push(x);
        targets.push(x.sin() + noise * rng.normal());
    }
    (1, inputs, targets)
}

/// A fixed random tanh network d → hidden → 1, the target of `teacher`.
struct Teacher {
    d: usize,
    w1: Vec<f64>,
    b1: Vec<f64>,
    w2: Vec<f64>,
}

impl Teacher {
    /// The teacher for `net_seed`. Its weights come from their own stream, so
    /// the data seed changes the sample and not the function.
    fn new(d: usize, hidden: usize, net_seed: u64) -> Teacher {
        let mut net = Rng::with_stream(net_seed, 0x7EAC_4E12);
        let w1 = (0..hidden * d)
            .map(|_| net.normal() / (d as f64).sqrt())
            .collect();
        let b1 = (0..hidden).map(|_| 0.1 * net.normal()).collect();
        let w2 = (0..hidden)
            .map(|_| net.normal() / (hidden as f64).sqrt())
            .collect();
        Teacher { d, w1, b1, w2 }
    }

    /// w₂ · tanh(W₁x + b₁).
    fn eval(&self, x: &[f64]) -> f64 {
        self.w1
            .chunks_exact(self.d)
            .zip(&self.b1)
            .zip(&self.w2)
            .map(|((row, b), w)| {
                let z = row.iter().zip(x).map(|(w, x)| w * x).sum::<f64>() + b;
                w * z.tanh()
            })
            .sum()
    }
}

fn teacher(
    rng: &mut Rng,
    n: usize,
    d: usize,
    hidden: usize,
    noise: f64,
    net_seed: u64,
) -> Generated {
    let net = Teacher::new(d, hidden, net_seed);
    let mut inputs = Vec::with_capacity(n * d);
    let mut targets = Vec::with_capacity(n);
    for _ in 0..n {
        let x: Vec<f64> = (0..d).map(|_| rng.normal()).collect();
        targets.push(net.eval(&x) + noise * rng.normal());
        inputs.extend_from_slice(&x);
    }
    (d, inputs, targets)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bits(data: &Dataset) -> Vec<u64> {
        data.inputs()
            .iter()
            .chain(data.targets())
            .map(|x| x.to_bits())
            .collect()
    }

    fn counts(data: &Dataset) -> Vec<usize> {
        let k = data.class_count().unwrap();
        let mut c = vec![0; k];
        for &y in data.targets() {
            c[y as usize] += 1;
        }
        c
    }

    #[test]
    fn every_set_is_reproducible_and_seed_dependent() {
        for set in builtin_datasets() {
            let a = builtin_dataset(set.name, 1).unwrap();
            let b = builtin_dataset(set.name, 1).unwrap();
            let c = builtin_dataset(set.name, 2).unwrap();
            assert_eq!(bits(&a), bits(&b), "{}", set.name);
            assert_ne!(bits(&a), bits(&c), "{}", set.name);
            assert_ne!(
                a.targets(),
                c.targets(),
                "{}: rows shuffled by seed",
                set.name
            );
            assert_eq!(a.source(), format!("builtin:{}", set.name));
            assert_eq!(
                a.class_count().is_some(),
                set.classes.is_some(),
                "{}",
                set.name
            );
            if let Some(k) = set.classes {
                assert_eq!(a.class_count(), Some(k), "{}", set.name);
                assert_eq!(a.target_name(), "label");
            } else {
                assert_eq!(a.target_name(), "target");
            }
            assert!(a.inputs().iter().all(|x| x.is_finite()));
            let n = set.parameters.iter().find(|p| p.name == "n").unwrap();
            assert_eq!(a.rows() as f64, n.default, "{}", set.name);
            // Defaults are valid values of their own parameters.
            for p in set.parameters {
                assert!(p.min <= p.default && p.default <= p.max, "{}", p.name);
            }
        }
    }

    #[test]
    fn golden_values_pin_the_streams() {
        // Part of the reproducibility promise: a change here changes every
        // seeded result. The inputs are uniforms, bit-exact everywhere; the
        // targets go through libm's `sin` and `ln`, so allow rounding.
        let data = builtin_dataset("sine(n=3)", 2026).unwrap();
        let inputs: Vec<u64> = data.inputs().iter().map(|x| x.to_bits()).collect();
        assert_eq!(
            inputs,
            [
                4_601_640_991_962_031_360,
                4_612_501_277_835_347_970,
                4_611_110_511_292_476_628
            ]
        );
        let expected = [
            4_600_309_726_754_189_647u64,
            4_605_282_556_634_864_708,
            4_607_187_641_315_725_328,
        ];
        for (y, e) in data.targets().iter().zip(expected) {
            let e = f64::from_bits(e);
            assert!((y - e).abs() <= 4.0 * f64::EPSILON * e.abs(), "{y} vs {e}");
        }
    }

    #[test]
    fn shapes_and_class_balance() {
        let blobs = builtin_dataset("blobs(n=301, k=4, d=3, noise=0.5)", 0).unwrap();
        assert_eq!((blobs.rows(), blobs.features()), (301, 3));
        assert_eq!(counts(&blobs), [76, 75, 75, 75]);
        assert_eq!(blobs.feature_names(), ["x0", "x1", "x2"]);

        let moons = builtin_dataset("moons(n=301)", 0).unwrap();
        assert_eq!(counts(&moons), [150, 151]);
        let spirals = builtin_dataset("spirals(n=300,k=3)", 0).unwrap();
        assert_eq!(counts(&spirals), [100, 100, 100]);
        assert_eq!(spirals.features(), 2);
        let xor = builtin_dataset("xor", 0).unwrap();
        assert_eq!(counts(&xor), [100, 100]);
        let xor_odd = builtin_dataset("xor(n=7)", 0).unwrap();
        assert_eq!(counts(&xor_odd), [4, 3]);

        let sine = builtin_dataset("sine(n=50)", 0).unwrap();
        assert_eq!((sine.rows(), sine.features()), (50, 1));
        assert_eq!(sine.feature_names(), ["x"]);
        assert!(sine.inputs().iter().all(|x| (-3.0..3.0).contains(x)));

        let teacher = builtin_dataset("teacher(n=20, d=6, hidden=3)", 0).unwrap();
        assert_eq!((teacher.rows(), teacher.features()), (20, 6));
        assert_eq!(teacher.class_count(), None);

        assert_eq!(builtin_dataset("moons(n=1)", 0).unwrap().rows(), 1);
        assert_eq!(builtin_dataset("blobs(n=2,k=5)", 0).unwrap().rows(), 2);
    }

    #[test]
    fn noiseless_sets_have_their_exact_geometry() {
        let moons = builtin_dataset("moons(n=100, noise=0)", 3).unwrap();
        for i in 0..moons.rows() {
            let (x, y) = (moons.inputs()[(i, 0)], moons.inputs()[(i, 1)]);
            let r = if moons.targets()[i] == 0.0 {
                (x * x + y * y).sqrt()
            } else {
                ((x - 1.0).powi(2) + (y - 0.5).powi(2)).sqrt()
            };
            assert!((r - 1.0).abs() < 1e-12);
            assert!(if moons.targets()[i] == 0.0 {
                y >= -1e-12
            } else {
                y <= 0.5 + 1e-12
            });
        }

        let xor = builtin_dataset("xor(n=40, noise=0)", 3).unwrap();
        for i in 0..xor.rows() {
            let (x, y) = (xor.inputs()[(i, 0)], xor.inputs()[(i, 1)]);
            assert_eq!(x.abs(), 1.0);
            assert_eq!(y.abs(), 1.0);
            assert_eq!(xor.targets()[i], if x * y < 0.0 { 1.0 } else { 0.0 });
        }

        let sine = builtin_dataset("sine(noise=0)", 3).unwrap();
        for i in 0..sine.rows() {
            assert_eq!(sine.targets()[i], sine.inputs()[(i, 0)].sin());
        }

        let spirals = builtin_dataset("spirals(n=40, noise=0)", 3).unwrap();
        let radii: Vec<f64> = (0..40).map(|i| spirals.inputs().row(i).norm()).collect();
        assert!(radii.iter().all(|&r| r <= 1.0 + 1e-12));
        assert!(radii.iter().any(|&r| (r - 1.0).abs() < 1e-12));
    }

    #[test]
    fn blobs_cluster_around_distinct_centres() {
        let data = builtin_dataset("blobs(n=3000, k=3, noise=0.5)", 9).unwrap();
        for c in 0..3 {
            let rows: Vec<usize> = (0..data.rows())
                .filter(|&i| data.targets()[i] == c as f64)
                .collect();
            let part = data.select(&rows);
            for j in 0..2 {
                let col = part.inputs().column(j);
                let std = col.variance().sqrt();
                assert!((std - 0.5).abs() < 0.05, "class {c} column {j}: std {std}");
                assert!(col.mean().abs() <= 10.0 + 0.1);
            }
        }
    }

    #[test]
    fn the_teacher_function_is_fixed_by_net_seed() {
        let a = builtin_dataset("teacher(n=5, noise=0)", 1).unwrap();
        let c = builtin_dataset("teacher(n=5, noise=0, net_seed=7)", 1).unwrap();
        assert_eq!(a.inputs(), c.inputs(), "same data seed, same inputs");
        assert_ne!(a.targets(), c.targets(), "another teacher");
        // Another data seed samples the same function.
        let b = builtin_dataset("teacher(n=5, noise=0)", 2).unwrap();
        assert_ne!(a.inputs(), b.inputs());
        let net = Teacher::new(4, 8, 0);
        for data in [&a, &b] {
            for (i, row) in data.inputs().row_iter().enumerate() {
                let x: Vec<f64> = row.iter().copied().collect();
                assert_eq!(data.targets()[i], net.eval(&x));
            }
        }
        // tanh outputs are bounded by Σ|w₂|: targets of a modest scale.
        let big = builtin_dataset("teacher(n=2000, noise=0)", 5).unwrap();
        let spread = big.targets().iter().map(|y| y.abs()).fold(0.0, f64::max);
        assert!(spread > 0.1 && spread < 10.0, "{spread}");
    }

    #[test]
    fn spec_errors() {
        let cases = [
            (
                "circles",
                "unknown built-in data set `circles`; known: blobs, moons, spirals, xor, sine, \
                 teacher",
            ),
            (
                "moons(m=3)",
                "unknown parameter of builtin:moons `m`; known: n, noise",
            ),
            (
                "moons(n=abc)",
                "invalid moons parameter `n`: `abc` is not a number",
            ),
            (
                "moons(n=2.5)",
                "invalid moons parameter `n`: expected an integer in [1, 10000000], got 2.5",
            ),
            (
                "moons(noise=-1)",
                "invalid moons parameter `noise`: expected a number in [0, 1000000], got -1",
            ),
            (
                "moons(noise=NaN)",
                "invalid moons parameter `noise`: expected a number in [0, 1000000], got NaN",
            ),
            ("moons(n=5,n=6)", "invalid moons parameter `n`: given twice"),
            (
                "moons(n=5",
                "invalid input: built-in data set `moons(n=5`: expected NAME or \
                 NAME(key=value, …)",
            ),
            (
                "moons(n)",
                "invalid input: built-in data set `moons(n)`: expected NAME or \
                 NAME(key=value, …)",
            ),
            (
                "moons(n=5,)",
                "invalid input: built-in data set `moons(n=5,)`: expected NAME or \
                 NAME(key=value, …)",
            ),
            (
                "blobs(n=10000000, d=100)",
                "invalid size of builtin:blobs: 10000000 × 100 values is more than the limit \
                 of 1e8",
            ),
        ];
        for (spec, expected) in cases {
            assert_eq!(
                builtin_dataset(spec, 0).unwrap_err().to_string(),
                expected,
                "{spec}"
            );
        }
        assert!(builtin_dataset("moons()", 0).is_ok());
        assert!(builtin_dataset("  moons ( n = 10 , noise = 0 ) ", 0).is_ok());
        assert_eq!(
            builtin_dataset(" moons ( n = 10 ) ", 0).unwrap().source(),
            "builtin:moons(n=10)"
        );
    }
}
