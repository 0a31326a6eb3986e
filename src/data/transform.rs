//! Feature transforms: dividing by a constant, and z-scoring with statistics
//! that can be reported, saved and applied to another split.

use serde::{Deserialize, Serialize};

use super::Dataset;
use crate::{Error, Result};

/// Per-feature mean and standard deviation used to z-score inputs:
/// `x ↦ (x − mean) / std`.
///
/// `std` is the population standard deviation (divisor n, as scikit-learn's
/// `StandardScaler`). A constant column — every value equal — has no spread
/// to divide by: its `std` is recorded as 1, so it is only centred (to 0), and
/// its index is listed in `constant`.
///
/// Serialisable, so the statistics of a training split can be saved with a
/// model and applied to new data with [`Dataset::apply_standardization`].
///
/// # Examples
///
/// ```
/// use nalgebra::DMatrix;
/// use saddlescope::Dataset;
///
/// let x = DMatrix::from_row_slice(3, 2, &[1.0, 5.0, 2.0, 5.0, 3.0, 5.0]);
/// let mut data = Dataset::new("inline", vec!["a".into(), "b".into()], "y", x, vec![0.0; 3])?;
/// let stats = data.standardize()?;
/// assert_eq!(stats.mean, [2.0, 5.0]);
/// assert!((stats.std[0] - (2.0f64 / 3.0).sqrt()).abs() < 1e-15);
/// assert_eq!(stats.std[1], 1.0);
/// assert_eq!(stats.constant, [1]);
/// # Ok::<(), saddlescope::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Standardization {
    /// The mean of each feature.
    pub mean: Vec<f64>,
    /// The population standard deviation of each feature; 1 for a constant
    /// feature.
    pub std: Vec<f64>,
    /// Indices of the constant features (all values equal), whose `std` was
    /// set to 1.
    pub constant: Vec<usize>,
}

impl Standardization {
    /// Checks that the statistics can be applied to `features` columns:
    /// matching lengths, finite means, finite positive standard deviations.
    fn check(&self, features: usize) -> Result<()> {
        if self.mean.len() != features || self.std.len() != features {
            return Err(Error::DimensionMismatch {
                what: "standardization statistics".into(),
                expected: format!("a mean and a std for each of {features} features"),
                found: format!("{} means and {} stds", self.mean.len(), self.std.len()),
            });
        }
        if let Some(j) = self.mean.iter().position(|m| !m.is_finite()) {
            return Err(Error::InvalidInput(format!(
                "standardization mean of feature {j} is {}, expected a finite number",
                self.mean[j]
            )));
        }
        if let Some(j) = self.std.iter().position(|s| !(s.is_finite() && *s > 0.0)) {
            return Err(Error::InvalidInput(format!(
                "standardization std of feature {j} is {}, expected a finite positive number",
                self.std[j]
            )));
        }
        Ok(())
    }
}

impl Dataset {
    /// Divides every input by `divisor` (`--scale 16` maps digits' pixels
    /// 0–16 to 0–1). Targets are unchanged.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSetting`] when `divisor` is zero, NaN or infinite, or
    /// so small that an input would overflow; the data set is then
    /// unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut data = saddlescope::builtin_dataset("sine(n=4)", 0)?;
    /// let before = data.inputs()[(0, 0)];
    /// data.scale(2.0)?;
    /// assert_eq!(data.inputs()[(0, 0)], before / 2.0);
    /// assert!(data.scale(0.0).is_err());
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn scale(&mut self, divisor: f64) -> Result<()> {
        let invalid = |message: String| Error::InvalidSetting {
            name: "scale".into(),
            message,
        };
        if !divisor.is_finite() || divisor == 0.0 {
            return Err(invalid(format!(
                "expected a finite nonzero divisor, got {divisor}"
            )));
        }
        if let Some(x) = self.inputs.iter().find(|&&x| !(x / divisor).is_finite()) {
            return Err(invalid(format!(
                "dividing the input {x} by {divisor} overflows"
            )));
        }
        self.inputs.iter_mut().for_each(|x| *x /= divisor);
        Ok(())
    }

    /// The per-feature mean and population standard deviation of the
    /// inputs, without changing them; see [`Standardization`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for a data set without rows.
    ///
    /// # Examples
    ///
    /// ```
    /// let data = saddlescope::builtin_dataset("blobs(d=3)", 1)?;
    /// let stats = data.standardization()?;
    /// assert_eq!(stats.mean.len(), 3);
    /// assert!(stats.std.iter().all(|&s| s > 0.0));
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn standardization(&self) -> Result<Standardization> {
        let n = self.rows();
        if n == 0 {
            return Err(Error::InvalidInput(format!(
                "cannot standardize {}: it has no rows",
                self.source
            )));
        }
        let mut mean = Vec::with_capacity(self.features());
        let mut std = Vec::with_capacity(self.features());
        let mut constant = Vec::new();
        for (j, column) in self.inputs.column_iter().enumerate() {
            // Two passes: the mean, then squared deviations from it, which
            // is accurate where Σx² − n·mean² cancels.
            let m = column.iter().sum::<f64>() / n as f64;
            let first = column[0];
            if column.iter().all(|&x| x == first) {
                // The mean of equal values is that value, exactly.
                mean.push(first);
                std.push(1.0);
                constant.push(j);
                continue;
            }
            let variance = column.iter().map(|&x| (x - m) * (x - m)).sum::<f64>() / n as f64;
            mean.push(m);
            // Values that differ but whose spread underflows: keep a usable
            // divisor rather than 0.
            let s = variance.sqrt();
            std.push(if s > 0.0 && s.is_finite() { s } else { 1.0 });
        }
        Ok(Standardization {
            mean,
            std,
            constant,
        })
    }

    /// Z-scores every input column in place — `(x − mean) / std` — and
    /// returns the statistics used, for printing, saving, and applying to
    /// another split with [`Dataset::apply_standardization`]. Afterwards
    /// each column has mean 0 and population standard deviation 1, except
    /// constant columns, which become all 0.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for a data set without rows.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut data = saddlescope::builtin_dataset("moons", 0)?;
    /// data.standardize()?;
    /// let column = data.inputs().column(0);
    /// assert!(column.mean().abs() < 1e-12);
    /// assert!((column.variance() - 1.0).abs() < 1e-12);
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn standardize(&mut self) -> Result<Standardization> {
        let stats = self.standardization()?;
        self.apply_standardization(&stats)?;
        Ok(stats)
    }

    /// Z-scores the inputs with statistics computed elsewhere, typically on
    /// the training split: `(x − mean) / std` per column.
    ///
    /// # Errors
    ///
    /// [`Error::DimensionMismatch`] when the statistics are for another
    /// number of features; [`Error::InvalidInput`] when a mean is not finite
    /// or a std is not finite and positive (as could come from a
    /// hand-edited file). The data set is then unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// let data = saddlescope::builtin_dataset("moons", 0)?;
    /// let (mut train, mut validation) = data.split(0.2, 0)?;
    /// let stats = train.standardize()?;
    /// validation.apply_standardization(&stats)?;
    /// // The validation split is scaled like the training split, so its
    /// // mean is near, but not exactly, 0.
    /// assert!(validation.inputs().column(0).mean().abs() < 0.5);
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn apply_standardization(&mut self, stats: &Standardization) -> Result<()> {
        stats.check(self.features())?;
        for (j, mut column) in self.inputs.column_iter_mut().enumerate() {
            let (m, s) = (stats.mean[j], stats.std[j]);
            column.iter_mut().for_each(|x| *x = (*x - m) / s);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use nalgebra::DMatrix;

    use super::*;

    fn column_stats(data: &Dataset, j: usize) -> (f64, f64) {
        let c = data.inputs().column(j);
        let n = c.len() as f64;
        let mean = c.iter().sum::<f64>() / n;
        let var = c.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
        (mean, var.sqrt())
    }

    fn wine() -> Dataset {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/wine.csv");
        Dataset::from_csv(path, &crate::CsvOptions::default()).unwrap()
    }

    #[test]
    fn standardize_gives_mean_zero_std_one() {
        let mut data = wine();
        let raw = data.clone();
        let stats = data.standardize().unwrap();
        assert!(stats.constant.is_empty());
        for j in 0..data.features() {
            let (mean, std) = column_stats(&data, j);
            assert!(mean.abs() < 1e-12, "column {j}: mean {mean}");
            assert!((std - 1.0).abs() < 1e-12, "column {j}: std {std}");
            let (raw_mean, raw_std) = column_stats(&raw, j);
            assert!((stats.mean[j] - raw_mean).abs() <= 1e-12 * raw_mean.abs());
            assert!((stats.std[j] - raw_std).abs() <= 1e-12 * raw_std);
        }
        // Proline (x12), first row 1065: sklearn's StandardScaler gives
        // mean 746.893258…, std 314.021657… (population;
        // checked with Python).
        assert!((stats.mean[12] - 746.893_258_426_966_3).abs() < 1e-9);
        assert!((stats.std[12] - 314.021_656_841_987_7).abs() < 1e-8);
        assert_eq!(data.targets(), raw.targets());
    }

    #[test]
    fn statistics_of_one_split_apply_to_another() {
        let data = wine();
        let (mut train, mut validation) = data.split(0.3, 42).unwrap();
        let raw_validation = validation.clone();
        let stats = train.standardize().unwrap();
        validation.apply_standardization(&stats).unwrap();
        for j in 0..data.features() {
            for i in 0..validation.rows() {
                let expected = (raw_validation.inputs()[(i, j)] - stats.mean[j]) / stats.std[j];
                assert_eq!(validation.inputs()[(i, j)], expected);
            }
        }
        // Not the validation split's own statistics.
        let own = raw_validation.standardization().unwrap();
        assert_ne!(own.mean, stats.mean);

        let wrong = Standardization {
            mean: vec![0.0; 3],
            std: vec![1.0; 3],
            constant: vec![],
        };
        let err = validation.apply_standardization(&wrong).unwrap_err();
        assert!(matches!(err, Error::DimensionMismatch { .. }));
        let mut bad = stats.clone();
        bad.std[2] = 0.0;
        let before = validation.clone();
        let err = validation.apply_standardization(&bad).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid input: standardization std of feature 2 is 0, expected a finite positive \
             number"
        );
        assert_eq!(validation, before);
    }

    #[test]
    fn a_constant_column_is_centred_and_flagged() {
        let x = DMatrix::from_row_slice(
            4,
            3,
            &[
                1.0, 7.5, 0.1, //
                2.0, 7.5, 0.1, //
                3.0, 7.5, 0.1, //
                4.0, 7.5, 0.1, //
            ],
        );
        let names = vec!["a".into(), "b".into(), "c".into()];
        let mut data = Dataset::new("mem", names, "y", x, vec![0.0; 4]).unwrap();
        let stats = data.standardize().unwrap();
        assert_eq!(stats.constant, [1, 2]);
        assert_eq!(stats.std[1..], [1.0, 1.0]);
        assert_eq!(stats.mean[1..], [7.5, 0.1]);
        assert!(data.inputs().iter().all(|x| x.is_finite()));
        assert!(data.inputs().column(1).iter().all(|&x| x == 0.0));
        assert!(data.inputs().column(2).iter().all(|&x| x == 0.0));
        assert_eq!(stats.mean[0], 2.5);
        assert_eq!(stats.std[0], 1.25f64.sqrt());

        let json = serde_json::to_string(&stats).unwrap();
        let back: Standardization = serde_json::from_str(&json).unwrap();
        assert_eq!(back, stats);
    }

    #[test]
    fn standardizing_nothing_is_an_error() {
        let mut empty = wine().select(&[]);
        assert!(matches!(empty.standardize(), Err(Error::InvalidInput(_))));
        let mut one = wine().select(&[0]);
        let stats = one.standardize().unwrap();
        assert_eq!(stats.constant.len(), 13);
        assert!(one.inputs().iter().all(|&x| x == 0.0));
    }

    #[test]
    fn scale_divides_inputs_and_validates() {
        let mut data = wine();
        let raw = data.clone();
        data.scale(16.0).unwrap();
        assert_eq!(data.inputs()[(0, 12)], 1065.0 / 16.0);
        assert_eq!(data.targets(), raw.targets());
        data.scale(-0.5).unwrap();
        assert_eq!(data.inputs()[(0, 12)], -1065.0 / 8.0);
        for bad in [0.0, -0.0, f64::NAN, f64::INFINITY] {
            let err = data.scale(bad).unwrap_err();
            assert!(matches!(err, Error::InvalidSetting { .. }), "{bad}");
        }
        assert_eq!(
            data.scale(0.0).unwrap_err().to_string(),
            "invalid scale: expected a finite nonzero divisor, got 0"
        );
        let before = data.clone();
        assert!(data.scale(1e-320).is_err());
        assert_eq!(data, before);
    }
}
