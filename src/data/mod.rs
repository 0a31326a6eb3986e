//! Data sets: CSV loading, labels, scaling and standardisation, seeded
//! train/validation splits, and built-in synthetic sets.
//!
//! A [`Dataset`] is a matrix of inputs (row *i* is sample *i*) and one target
//! per row: a class label stored as a float (`0.0`, `1.0`, …) or a regression
//! target. It comes from a CSV file ([`Dataset::from_csv`]), from a built-in
//! generator ([`builtin_dataset`]), or from either by one spec string
//! ([`load_dataset`]: `builtin:moons(n=500)` or a path).
//!
//! Rows loaded from a file remember their line numbers, so an error found
//! later — a label out of range for the network, say — names the line of the
//! file even after a split has shuffled the rows.
//!
//! Every random choice takes an explicit seed and goes through the crate's
//! own generator (not `rand`, whose streams may change between releases),
//! so a seed gives the same bits on every run.

mod builtin;
mod csv_file;
mod rng;
mod transform;

pub use builtin::{BuiltinDataset, BuiltinParameter, builtin_dataset, builtin_datasets};
pub use csv_file::CsvOptions;
pub(crate) use rng::Rng;
pub use transform::Standardization;

use nalgebra::DMatrix;

use crate::{Error, Result};

/// Labels above this are not treated as class labels by
/// [`Dataset::class_count`]: a column of large integers is a regression
/// target, not a million-class problem.
const MAX_CLASS_LABEL: f64 = 1_000_000.0;

/// Rows of inputs with one target each, and where they came from.
///
/// Row *i* of [`inputs`](Dataset::inputs) and entry *i* of
/// [`targets`](Dataset::targets) are sample *i*. Every value is finite.
///
/// # Examples
///
/// ```
/// use nalgebra::DMatrix;
/// use saddlescope::Dataset;
///
/// let inputs = DMatrix::from_row_slice(3, 2, &[0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
/// let data = Dataset::new("inline", vec!["a".into(), "b".into()], "label", inputs, vec![0.0, 1.0, 1.0])?;
/// assert_eq!((data.rows(), data.features()), (3, 2));
/// assert_eq!(data.class_count(), Some(2));
/// assert_eq!(data.select(&[2, 0]).targets(), &[1.0, 0.0]);
/// # Ok::<(), saddlescope::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    inputs: DMatrix<f64>,
    targets: Vec<f64>,
    feature_names: Vec<String>,
    target_name: String,
    source: String,
    /// For rows read from a file: each row's 1-based line number.
    lines: Option<Vec<usize>>,
}

impl Dataset {
    /// A data set from an input matrix (rows × features) and one target per
    /// row. `source` says where it came from (a path, `builtin:moons`, or any
    /// label for data built in memory) and is used in error messages.
    ///
    /// # Errors
    ///
    /// [`Error::DimensionMismatch`] when the number of targets differs from
    /// the number of rows or the number of names from the number of columns;
    /// [`Error::Data`] naming the row (0-based) and column of the first NaN or
    /// infinite value.
    ///
    /// # Examples
    ///
    /// ```
    /// use nalgebra::DMatrix;
    /// use saddlescope::Dataset;
    ///
    /// let x = DMatrix::from_row_slice(2, 1, &[0.5, -0.5]);
    /// let data = Dataset::new("inline", vec!["x".into()], "y", x.clone(), vec![1.0, 2.0])?;
    /// assert_eq!(data.source(), "inline");
    ///
    /// let err = Dataset::new("inline", vec!["x".into()], "y", x, vec![1.0]).unwrap_err();
    /// assert!(err.to_string().contains("expected 2 targets"));
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn new(
        source: impl Into<String>,
        feature_names: Vec<String>,
        target_name: impl Into<String>,
        inputs: DMatrix<f64>,
        targets: Vec<f64>,
    ) -> Result<Dataset> {
        let source = source.into();
        if targets.len() != inputs.nrows() {
            return Err(Error::DimensionMismatch {
                what: format!("targets of data set {source}"),
                expected: format!("{} targets, one per row", inputs.nrows()),
                found: format!("{}", targets.len()),
            });
        }
        if feature_names.len() != inputs.ncols() {
            return Err(Error::DimensionMismatch {
                what: format!("feature names of data set {source}"),
                expected: format!("{} names, one per column", inputs.ncols()),
                found: format!("{}", feature_names.len()),
            });
        }
        let target_name = target_name.into();
        // Report the first bad value in reading order (row by row).
        for i in 0..inputs.nrows() {
            for j in 0..inputs.ncols() {
                let v = inputs[(i, j)];
                if !v.is_finite() {
                    return Err(non_finite_in_memory(&source, i, &feature_names[j], v));
                }
            }
            if !targets[i].is_finite() {
                return Err(non_finite_in_memory(&source, i, &target_name, targets[i]));
            }
        }
        Ok(Dataset {
            inputs,
            targets,
            feature_names,
            target_name,
            source,
            lines: None,
        })
    }

    /// Number of rows (samples).
    ///
    /// # Examples
    ///
    /// ```
    /// let data = saddlescope::builtin_dataset("moons(n=40)", 0)?;
    /// assert_eq!(data.rows(), 40);
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn rows(&self) -> usize {
        self.inputs.nrows()
    }

    /// Number of input features (columns of [`inputs`](Dataset::inputs)).
    ///
    /// # Examples
    ///
    /// ```
    /// let data = saddlescope::builtin_dataset("blobs(d=5)", 0)?;
    /// assert_eq!(data.features(), 5);
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn features(&self) -> usize {
        self.inputs.ncols()
    }

    /// The inputs, rows × features: row *i* is sample *i*.
    ///
    /// # Examples
    ///
    /// ```
    /// let data = saddlescope::builtin_dataset("sine(n=10)", 0)?;
    /// assert_eq!(data.inputs().shape(), (10, 1));
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn inputs(&self) -> &DMatrix<f64> {
        &self.inputs
    }

    /// The targets, one per row: class labels as floats (`0.0`, `1.0`, …)
    /// or regression targets.
    ///
    /// # Examples
    ///
    /// ```
    /// let data = saddlescope::builtin_dataset("xor(n=8)", 0)?;
    /// assert!(data.targets().iter().all(|&y| y == 0.0 || y == 1.0));
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn targets(&self) -> &[f64] {
        &self.targets
    }

    /// The names of the input columns, in order.
    ///
    /// # Examples
    ///
    /// ```
    /// let data = saddlescope::builtin_dataset("moons", 0)?;
    /// assert_eq!(data.feature_names(), ["x0", "x1"]);
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }

    /// The name of the target column.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(saddlescope::builtin_dataset("moons", 0)?.target_name(), "label");
    /// assert_eq!(saddlescope::builtin_dataset("sine", 0)?.target_name(), "target");
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn target_name(&self) -> &str {
        &self.target_name
    }

    /// Where the data came from: the file path, `builtin:NAME` (with the
    /// parameters as given, spaces removed), or the label given to
    /// [`Dataset::new`].
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(saddlescope::builtin_dataset("moons", 0)?.source(), "builtin:moons");
    /// assert_eq!(
    ///     saddlescope::builtin_dataset("moons( n = 50 )", 0)?.source(),
    ///     "builtin:moons(n=50)"
    /// );
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The number of classes when the targets look like class labels: every
    /// target a non-negative integer (at most 1 000 000), giving the largest
    /// label + 1. `None` for regression targets and for an empty data set.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(saddlescope::builtin_dataset("blobs(k=4)", 0)?.class_count(), Some(4));
    /// assert_eq!(saddlescope::builtin_dataset("sine", 0)?.class_count(), None);
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn class_count(&self) -> Option<usize> {
        let mut max = None::<f64>;
        for &y in &self.targets {
            if !(y >= 0.0 && y.fract() == 0.0 && y <= MAX_CLASS_LABEL) {
                return None;
            }
            max = Some(max.map_or(y, |m| m.max(y)));
        }
        max.map(|m| m as usize + 1)
    }

    /// The targets as class indices for a network with `n_classes` outputs
    /// (cross-entropy): every target must be an integer in `0..n_classes`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSetting`] when `n_classes` is 0. [`Error::Data`] for
    /// the first target that is not an integer (`label 1.5 is not an
    /// integer`) or is out of range (`label 3 is out of range for a network
    /// with 3 outputs (expected 0..=2)`), naming its line in the file (or
    /// its 0-based row for data built in memory) and the target column.
    ///
    /// # Examples
    ///
    /// ```
    /// let data = saddlescope::builtin_dataset("blobs(n=9,k=3)", 0)?;
    /// let labels = data.class_labels(3)?;
    /// assert_eq!(labels.len(), 9);
    /// assert!(labels.iter().all(|&c| c < 3));
    ///
    /// let err = data.class_labels(2).unwrap_err().to_string();
    /// assert!(err.contains("label 2 is out of range for a network with 2 outputs (expected 0..=1)"));
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn class_labels(&self, n_classes: usize) -> Result<Vec<usize>> {
        if n_classes == 0 {
            return Err(Error::InvalidSetting {
                name: "number of classes".into(),
                message: "expected at least 1 output, got 0".into(),
            });
        }
        self.targets
            .iter()
            .enumerate()
            .map(|(i, &y)| {
                if y.fract() != 0.0 {
                    Err(self.row_error(i, format!("label {y} is not an integer")))
                } else if y < 0.0 || y >= n_classes as f64 {
                    Err(self.row_error(
                        i,
                        format!(
                            "label {y} is out of range for a network with {n_classes} outputs \
                             (expected 0..={})",
                            n_classes - 1
                        ),
                    ))
                } else {
                    Ok(y as usize)
                }
            })
            .collect()
    }

    /// The targets as 0/1 labels for binary cross-entropy (a network with
    /// one output): every target must be exactly 0 or 1.
    ///
    /// # Errors
    ///
    /// [`Error::Data`] for the first other target (`label 2 is not 0 or 1
    /// (binary cross-entropy needs 0/1 labels)`), naming its line in the file
    /// (or its 0-based row for data built in memory) and the target column.
    ///
    /// # Examples
    ///
    /// ```
    /// let data = saddlescope::builtin_dataset("moons(n=10)", 0)?;
    /// assert_eq!(data.binary_labels()?.iter().filter(|&&y| y == 1.0).count(), 5);
    ///
    /// let blobs = saddlescope::builtin_dataset("blobs(k=3)", 0)?;
    /// assert!(blobs.binary_labels().unwrap_err().to_string().contains("label 2 is not 0 or 1"));
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn binary_labels(&self) -> Result<Vec<f64>> {
        self.targets
            .iter()
            .enumerate()
            .map(|(i, &y)| {
                if y == 0.0 || y == 1.0 {
                    // Normalises -0.0 to 0.0.
                    Ok(if y == 1.0 { 1.0 } else { 0.0 })
                } else {
                    Err(self.row_error(
                        i,
                        format!("label {y} is not 0 or 1 (binary cross-entropy needs 0/1 labels)"),
                    ))
                }
            })
            .collect()
    }

    /// The rows at `indices`, in that order (repeats allowed): for
    /// mini-batches and splits. Line numbers of rows from a file are kept.
    ///
    /// # Panics
    ///
    /// If an index is not below [`rows`](Dataset::rows), like slice indexing.
    ///
    /// # Examples
    ///
    /// ```
    /// let data = saddlescope::builtin_dataset("sine(n=5)", 0)?;
    /// let batch = data.select(&[4, 1]);
    /// assert_eq!(batch.rows(), 2);
    /// assert_eq!(batch.inputs()[(0, 0)], data.inputs()[(4, 0)]);
    /// assert_eq!(batch.targets()[1], data.targets()[1]);
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn select(&self, indices: &[usize]) -> Dataset {
        let n = self.rows();
        if let Some(&bad) = indices.iter().find(|&&i| i >= n) {
            panic!("Dataset::select: row {bad} is out of range for {n} rows");
        }
        Dataset {
            inputs: self.inputs.select_rows(indices),
            targets: indices.iter().map(|&i| self.targets[i]).collect(),
            feature_names: self.feature_names.clone(),
            target_name: self.target_name.clone(),
            source: self.source.clone(),
            lines: self
                .lines
                .as_ref()
                .map(|lines| indices.iter().map(|&i| lines[i]).collect()),
        }
    }

    /// Splits the rows at random into a training part and a validation part
    /// of ⌈`validation_fraction` · rows⌉ rows (rounded up, as scikit-learn's
    /// `train_test_split`). The rows are shuffled with `seed` (Fisher–Yates
    /// on the crate's seeded generator); each part then keeps the rows in
    /// their original order. The same seed gives the same split.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSetting`] when `validation_fraction` is not in
    /// [0, 1), or when it leaves no rows for training.
    ///
    /// # Examples
    ///
    /// ```
    /// let data = saddlescope::builtin_dataset("moons(n=100)", 0)?;
    /// let (train, validation) = data.split(0.25, 7)?;
    /// assert_eq!((train.rows(), validation.rows()), (75, 25));
    /// assert_eq!(data.split(0.25, 7)?.1, validation);
    /// assert!(data.split(1.0, 7).is_err());
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn split(&self, validation_fraction: f64, seed: u64) -> Result<(Dataset, Dataset)> {
        if !(0.0..1.0).contains(&validation_fraction) {
            return Err(Error::InvalidSetting {
                name: "validation fraction".into(),
                message: format!("expected a number in [0, 1), got {validation_fraction}"),
            });
        }
        let n = self.rows();
        let n_validation = (validation_fraction * n as f64).ceil() as usize;
        if n_validation >= n && n > 0 {
            return Err(Error::InvalidSetting {
                name: "validation fraction".into(),
                message: format!(
                    "{validation_fraction} of {n} rows leaves no rows for training \
                     ({n_validation} for validation)"
                ),
            });
        }
        let mut order = Rng::new(seed).permutation(n);
        let (validation, train) = order.split_at_mut(n_validation);
        validation.sort_unstable();
        train.sort_unstable();
        Ok((self.select(train), self.select(validation)))
    }

    /// An [`Error::Data`] about row `i`: names the line of the file when the
    /// row came from one, else the 0-based row in the message.
    fn row_error(&self, i: usize, message: String) -> Error {
        match &self.lines {
            Some(lines) => Error::Data {
                source_name: self.source.clone(),
                row: Some(lines[i]),
                column: Some(self.target_name.clone()),
                message,
            },
            None => Error::Data {
                source_name: self.source.clone(),
                row: None,
                column: Some(self.target_name.clone()),
                message: format!("row {i}: {message}"),
            },
        }
    }
}

fn non_finite_in_memory(source: &str, row: usize, column: &str, value: f64) -> Error {
    Error::Data {
        source_name: source.to_string(),
        row: None,
        column: Some(column.to_string()),
        message: format!("row {row}: {}", non_finite_message(value, None)),
    }
}

/// "NaN is not allowed in data" / "`inf` is infinite; …", with the cell's
/// text when it came from a file.
fn non_finite_message(value: f64, text: Option<&str>) -> String {
    if value.is_nan() {
        "NaN is not allowed in data".to_string()
    } else {
        let shown = text.map_or_else(|| value.to_string(), str::to_string);
        format!("`{shown}` is infinite; infinite values are not allowed in data")
    }
}

/// Loads a data set from a spec: `builtin:NAME` or `builtin:NAME(key=value,
/// …)` for a built-in synthetic set (see [`builtin_datasets`]), generated with
/// `seed`; anything else is a CSV path read with `options` (write
/// `./builtin:x.csv` for a file whose name starts with `builtin:`).
///
/// # Errors
///
/// Those of [`builtin_dataset`] and [`Dataset::from_csv`];
/// [`Error::InvalidSetting`] when `options` names a target column other than
/// the built-in set's own (`label` or `target`).
///
/// # Examples
///
/// ```
/// use saddlescope::{CsvOptions, load_dataset};
///
/// let data = load_dataset("builtin:spirals(n=60)", &CsvOptions::default(), 3)?;
/// assert_eq!(data.rows(), 60);
///
/// let err = load_dataset("/no/such/file.csv", &CsvOptions::default(), 3).unwrap_err();
/// assert!(err.to_string().starts_with("cannot read /no/such/file.csv"));
/// # Ok::<(), saddlescope::Error>(())
/// ```
pub fn load_dataset(spec: &str, options: &CsvOptions, seed: u64) -> Result<Dataset> {
    match spec.strip_prefix("builtin:") {
        Some(builtin) => {
            let data = builtin_dataset(builtin, seed)?;
            match &options.target {
                Some(target) if *target != data.target_name => Err(Error::InvalidSetting {
                    name: "target".into(),
                    message: format!(
                        "{} has the fixed target column `{}`; got `{target}` \
                         (choosing a target applies to CSV files)",
                        data.source, data.target_name
                    ),
                }),
                _ => Ok(data),
            }
        }
        None => {
            let name = spec.split('(').next().unwrap_or(spec);
            let is_builtin = builtin_datasets().iter().any(|b| b.name == name);
            if is_builtin && !std::path::Path::new(spec).exists() {
                return Err(Error::InvalidInput(format!(
                    "there is no file `{spec}`; for the built-in data set write `builtin:{spec}`"
                )));
            }
            Dataset::from_csv(spec, options)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_builtin_name_without_its_prefix_gets_a_hint() {
        let err = load_dataset("moons", &CsvOptions::default(), 0)
            .unwrap_err()
            .to_string();
        assert!(err.contains("builtin:moons"), "{err}");
    }

    fn small() -> Dataset {
        let x = DMatrix::from_row_slice(4, 2, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]);
        Dataset::new(
            "mem",
            vec!["a".into(), "b".into()],
            "y",
            x,
            vec![0.0, 1.0, 2.0, 1.0],
        )
        .unwrap()
    }

    #[test]
    fn new_checks_shapes_and_finiteness() {
        let x = DMatrix::from_row_slice(2, 2, &[1.0, 2.0, 3.0, f64::NAN]);
        let err = Dataset::new("mem", vec!["a".into(), "b".into()], "y", x, vec![0.0, 1.0])
            .unwrap_err()
            .to_string();
        assert_eq!(err, "mem, column `b`: row 1: NaN is not allowed in data");

        let x = DMatrix::from_row_slice(1, 1, &[1.0]);
        let err = Dataset::new("mem", vec!["a".into()], "y", x, vec![f64::INFINITY])
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "mem, column `y`: row 0: `inf` is infinite; infinite values are not allowed in data"
        );

        let x = DMatrix::from_row_slice(1, 1, &[1.0]);
        let err = Dataset::new("mem", vec![], "y", x, vec![0.0]).unwrap_err();
        assert!(matches!(err, Error::DimensionMismatch { .. }));
    }

    #[test]
    fn class_count_and_labels() {
        let d = small();
        assert_eq!(d.class_count(), Some(3));
        assert_eq!(d.class_labels(3).unwrap(), [0, 1, 2, 1]);
        assert_eq!(
            d.class_labels(2).unwrap_err().to_string(),
            "mem, column `y`: row 2: label 2 is out of range for a network with 2 outputs \
             (expected 0..=1)"
        );
        assert!(matches!(
            d.class_labels(0),
            Err(Error::InvalidSetting { .. })
        ));
        assert_eq!(
            d.binary_labels().unwrap_err().to_string(),
            "mem, column `y`: row 2: label 2 is not 0 or 1 (binary cross-entropy needs 0/1 labels)"
        );
        assert_eq!(
            d.select(&[0, 1, 3]).binary_labels().unwrap(),
            [0.0, 1.0, 1.0]
        );

        let x = DMatrix::from_row_slice(3, 1, &[0.0, 0.0, 0.0]);
        let r = Dataset::new("mem", vec!["a".into()], "y", x, vec![0.0, 1.5, -1.0]).unwrap();
        assert_eq!(r.class_count(), None);
        assert_eq!(
            r.class_labels(3).unwrap_err().to_string(),
            "mem, column `y`: row 1: label 1.5 is not an integer"
        );
        assert_eq!(
            r.select(&[2]).class_labels(3).unwrap_err().to_string(),
            "mem, column `y`: row 0: label -1 is out of range for a network with 3 outputs \
             (expected 0..=2)"
        );
        assert_eq!(r.select(&[]).class_count(), None);
        assert_eq!(r.select(&[0]).class_count(), Some(1));

        let x = DMatrix::from_row_slice(1, 1, &[0.0]);
        let big = Dataset::new("mem", vec!["a".into()], "y", x, vec![1e9]).unwrap();
        assert_eq!(big.class_count(), None);
    }

    #[test]
    fn select_takes_rows_in_order() {
        let d = small();
        let s = d.select(&[3, 0, 3]);
        assert_eq!(s.rows(), 3);
        assert_eq!(
            s.inputs().row(0).iter().copied().collect::<Vec<_>>(),
            [7.0, 8.0]
        );
        assert_eq!(
            s.inputs().row(1).iter().copied().collect::<Vec<_>>(),
            [1.0, 2.0]
        );
        assert_eq!(s.targets(), [1.0, 0.0, 1.0]);
        assert_eq!(s.feature_names(), d.feature_names());
        assert_eq!(d.select(&[]).rows(), 0);
        assert_eq!(d.select(&[]).features(), 2);
    }

    #[test]
    #[should_panic(expected = "row 4 is out of range for 4 rows")]
    fn select_panics_out_of_range() {
        small().select(&[4]);
    }

    #[test]
    fn split_sizes_disjoint_and_reproducible() {
        let n = 103;
        let x = DMatrix::from_fn(n, 1, |i, _| i as f64);
        let d = Dataset::new("mem", vec!["i".into()], "y", x, vec![0.0; n]).unwrap();
        for (fraction, expected_validation) in [(0.0, 0), (0.2, 21), (0.5, 52), (0.99, 102)] {
            let (train, validation) = d.split(fraction, 11).unwrap();
            assert_eq!(validation.rows(), expected_validation, "{fraction}");
            assert_eq!(train.rows() + validation.rows(), n);
            let mut ids: Vec<usize> = train
                .inputs()
                .iter()
                .chain(validation.inputs().iter())
                .map(|&v| v as usize)
                .collect();
            ids.sort_unstable();
            assert_eq!(ids, (0..n).collect::<Vec<_>>(), "disjoint and complete");
            // Each part keeps the original order.
            assert!(train.inputs().as_slice().windows(2).all(|w| w[0] < w[1]));
            assert!(
                validation
                    .inputs()
                    .as_slice()
                    .windows(2)
                    .all(|w| w[0] < w[1])
            );
        }
        assert_eq!(d.split(0.0, 1).unwrap().0, d);
        assert_eq!(d.split(0.3, 5).unwrap(), d.split(0.3, 5).unwrap());
        assert_ne!(d.split(0.3, 5).unwrap().1, d.split(0.3, 6).unwrap().1);

        for bad in [-0.1, 1.0, 1.5, f64::NAN] {
            let err = d.split(bad, 0).unwrap_err();
            assert!(matches!(err, Error::InvalidSetting { .. }), "{bad}");
        }
        assert_eq!(
            d.select(&[0]).split(0.5, 0).unwrap_err().to_string(),
            "invalid validation fraction: 0.5 of 1 rows leaves no rows for training \
             (1 for validation)"
        );
        let (t, v) = d.select(&[]).split(0.5, 0).unwrap();
        assert_eq!((t.rows(), v.rows()), (0, 0));
    }

    #[test]
    fn load_dataset_dispatches() {
        let options = CsvOptions::default();
        let d = load_dataset("builtin:moons(n=20)", &options, 1).unwrap();
        assert_eq!(d.rows(), 20);
        assert_eq!(d, builtin_dataset("moons(n=20)", 1).unwrap());
        let ok = CsvOptions::default().with_target("label");
        assert!(load_dataset("builtin:moons", &ok, 1).is_ok());
        let bad = CsvOptions::default().with_target("y");
        assert_eq!(
            load_dataset("builtin:moons", &bad, 1)
                .unwrap_err()
                .to_string(),
            "invalid target: builtin:moons has the fixed target column `label`; got `y` \
             (choosing a target applies to CSV files)"
        );
        let iris = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/iris.csv");
        assert_eq!(load_dataset(iris, &options, 1).unwrap().rows(), 150);
        assert!(matches!(
            load_dataset("builtin:nope", &options, 1),
            Err(Error::Unknown { .. })
        ));
    }
}
