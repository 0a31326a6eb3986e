//! Reading a [`Dataset`] from CSV: one header row of column names, one row
//! per sample, every cell a finite number.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use nalgebra::DMatrix;

use super::{Dataset, non_finite_message};
use crate::{Error, Result};

/// How to read a CSV file into a [`Dataset`].
///
/// # Examples
///
/// ```
/// use saddlescope::CsvOptions;
///
/// let options = CsvOptions::default().with_target("species");
/// assert_eq!(options.target.as_deref(), Some("species"));
/// assert_eq!(CsvOptions::default().target, None);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CsvOptions {
    /// The name of the target column; `None` for the last column. Every
    /// other column is an input feature.
    pub target: Option<String>,
}

impl CsvOptions {
    /// Reads the target from the column named `name` instead of the last
    /// column.
    ///
    /// # Examples
    ///
    /// ```
    /// let options = saddlescope::CsvOptions::default().with_target("y");
    /// assert_eq!(options.target.as_deref(), Some("y"));
    /// ```
    pub fn with_target(mut self, name: impl Into<String>) -> CsvOptions {
        self.target = Some(name.into());
        self
    }
}

impl Dataset {
    /// Reads a data set from a CSV file: a header row of column names, then
    /// one row per sample. The target is the last column unless
    /// [`CsvOptions::target`] names another; every other column is a feature.
    ///
    /// Fields are separated by commas and may be quoted; spaces around
    /// fields, CRLF line ends, a UTF-8 byte-order mark, blank lines and a
    /// missing final newline are all fine. Every cell must be a finite
    /// number as Rust writes them (`3`, `-0.5`, `1e-3`).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the file cannot be read. [`Error::Data`] naming the
    /// file, the line (the header is line 1) and, where there is one, the
    /// column, for:
    ///
    /// - an empty file: `the file is empty; expected a header row of column
    ///   names`;
    /// - a header without data rows: `no data rows after the header`;
    /// - a header of numbers (`the header row holds numbers (…); the first
    ///   line must name the columns`), an empty or a duplicate column name
    ///   (`duplicate column name `x` (also column 1)`), fewer than 2 columns;
    /// - a target column that is not in the header: `no column `y` to use
    ///   as the target; the columns are: a, b, label`;
    /// - a row with another number of fields: `expected 5 fields as in the
    ///   header, found 4`;
    /// - a cell that is not a number (``abc` is not a number``), is empty
    ///   (`empty cell; expected a number`), NaN (`NaN is not allowed in
    ///   data`) or infinite (``inf` is infinite; infinite values are not
    ///   allowed in data``);
    /// - bytes that are not UTF-8.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{CsvOptions, Dataset};
    ///
    /// let path = std::env::temp_dir().join(format!("saddlescope-doc-{}.csv", std::process::id()));
    /// std::fs::write(&path, "a,b,label\n1,2,0\n3,4,1\n")?;
    /// let data = Dataset::from_csv(&path, &CsvOptions::default())?;
    /// assert_eq!((data.rows(), data.features()), (2, 2));
    /// assert_eq!(data.targets(), &[0.0, 1.0]);
    ///
    /// std::fs::write(&path, "a,b,label\n1,2,0\n3,x,1\n")?;
    /// let err = Dataset::from_csv(&path, &CsvOptions::default()).unwrap_err().to_string();
    /// assert!(err.ends_with(", line 3, column `b`: `x` is not a number"));
    /// std::fs::remove_file(&path)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_csv(path: impl AsRef<Path>, options: &CsvOptions) -> Result<Dataset> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let file = File::open(path).map_err(|source| Error::Io {
            action: "read".into(),
            path: name.clone(),
            reason: source,
        })?;
        Dataset::from_csv_reader(file, &name, options)
    }

    /// Reads a data set in CSV from any reader, as [`Dataset::from_csv`]
    /// does from a file; `source_name` stands for the file in messages and
    /// becomes the data set's [`source`](Dataset::source).
    ///
    /// # Errors
    ///
    /// As [`Dataset::from_csv`], with [`Error::Io`] naming `source_name` when
    /// reading fails.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{CsvOptions, Dataset};
    ///
    /// let text = "x, y, class\r\n0.5, 1, 2\r\n-1, 0, 0\r\n";
    /// let data = Dataset::from_csv_reader(text.as_bytes(), "inline", &CsvOptions::default().with_target("y"))?;
    /// assert_eq!(data.feature_names(), ["x", "class"]);
    /// assert_eq!(data.targets(), &[1.0, 0.0]);
    ///
    /// let err = Dataset::from_csv_reader("x,y\n1\n".as_bytes(), "inline", &CsvOptions::default());
    /// assert_eq!(
    ///     err.unwrap_err().to_string(),
    ///     "inline, line 2: expected 2 fields as in the header, found 1"
    /// );
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn from_csv_reader(
        reader: impl Read,
        source_name: &str,
        options: &CsvOptions,
    ) -> Result<Dataset> {
        let error = |row: Option<usize>, column: Option<&str>, message: String| Error::Data {
            source_name: source_name.to_string(),
            row,
            column: column.map(str::to_string),
            message,
        };
        // Read everything first: line numbers are computed from byte offsets
        // (the csv crate's own line count is one short after each CRLF).
        let mut bytes = Vec::new();
        let mut reader = reader;
        reader.read_to_end(&mut bytes).map_err(|source| Error::Io {
            action: "read".into(),
            path: source_name.to_string(),
            reason: source,
        })?;
        let mut lines = LineCounter::new(&bytes);
        let mut csv = ::csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(::csv::Trim::All)
            .from_reader(bytes.as_slice());
        let mut records = csv.records();
        let mut next_record = || -> Result<Option<(usize, ::csv::StringRecord)>> {
            for record in records.by_ref() {
                let record = record.map_err(|e| csv_error(e, source_name, &mut lines))?;
                let line = lines.line_of(record.position().map_or(0, |p| p.byte() as usize));
                // A line of spaces is a blank line too.
                if record.len() == 1 && record[0].is_empty() {
                    continue;
                }
                return Ok(Some((line, record)));
            }
            Ok(None)
        };

        let Some((header_line, header)) = next_record()? else {
            return Err(error(
                Some(1),
                None,
                "the file is empty; expected a header row of column names".into(),
            ));
        };
        let columns: Vec<String> = header
            .iter()
            .enumerate()
            .map(|(j, name)| {
                let name = if j == 0 {
                    name.trim_start_matches('\u{feff}').trim()
                } else {
                    name
                };
                name.to_string()
            })
            .collect();
        check_header(&columns, |column, message| {
            error(Some(header_line), column, message)
        })?;
        let target = match &options.target {
            None => columns.len() - 1,
            Some(target) => columns.iter().position(|c| c == target).ok_or_else(|| {
                error(
                    Some(header_line),
                    None,
                    format!(
                        "no column `{target}` to use as the target; the columns are: {}",
                        columns.join(", ")
                    ),
                )
            })?,
        };

        let width = columns.len();
        let mut values = Vec::new();
        let mut targets = Vec::new();
        let mut row_lines = Vec::new();
        while let Some((line, record)) = next_record()? {
            if record.len() != width {
                return Err(error(
                    Some(line),
                    None,
                    format!(
                        "expected {width} fields as in the header, found {}",
                        record.len()
                    ),
                ));
            }
            for (j, cell) in record.iter().enumerate() {
                let value = parse_cell(cell)
                    .map_err(|message| error(Some(line), Some(&columns[j]), message))?;
                if j == target {
                    targets.push(value);
                } else {
                    values.push(value);
                }
            }
            row_lines.push(line);
        }
        if targets.is_empty() {
            return Err(error(
                Some(header_line + 1),
                None,
                "no data rows after the header".into(),
            ));
        }

        let mut feature_names = columns;
        let target_name = feature_names.remove(target);
        Ok(Dataset {
            inputs: DMatrix::from_row_slice(targets.len(), width - 1, &values),
            targets,
            feature_names,
            target_name,
            source: source_name.to_string(),
            lines: Some(row_lines),
        })
    }
}

/// Checks the column names: at least two, none empty, no duplicates, not all
/// numbers (a missing header).
fn check_header(columns: &[String], error: impl Fn(Option<&str>, String) -> Error) -> Result<()> {
    if columns.iter().all(|c| c.parse::<f64>().is_ok()) {
        let shown: Vec<&str> = columns.iter().take(3).map(String::as_str).collect();
        let more = if columns.len() > 3 { ", …" } else { "" };
        return Err(error(
            None,
            format!(
                "the header row holds numbers ({}{more}); the first line must name the columns",
                shown.join(", ")
            ),
        ));
    }
    if columns.len() < 2 {
        return Err(error(
            None,
            format!(
                "expected at least 2 columns (features and a target), found {}",
                columns.len()
            ),
        ));
    }
    for (j, name) in columns.iter().enumerate() {
        if name.is_empty() {
            return Err(error(None, format!("column {} has an empty name", j + 1)));
        }
        if let Some(first) = columns[..j].iter().position(|c| c == name) {
            return Err(error(
                Some(name),
                format!("duplicate column name `{name}` (also column {})", first + 1),
            ));
        }
    }
    Ok(())
}

/// A cell's value, or the message saying why it is not a finite number.
fn parse_cell(cell: &str) -> std::result::Result<f64, String> {
    if cell.is_empty() {
        return Err("empty cell; expected a number".into());
    }
    match cell.parse::<f64>() {
        Ok(value) if value.is_finite() => Ok(value),
        Ok(value) => Err(non_finite_message(value, Some(cell))),
        Err(_) => Err(format!("`{cell}` is not a number")),
    }
}

/// 1-based line numbers of byte offsets, counted incrementally (offsets
/// come in increasing order).
struct LineCounter<'a> {
    bytes: &'a [u8],
    /// Offset up to which newlines have been counted.
    counted_to: usize,
    /// 1 + the number of `\n` in `bytes[..counted_to]`.
    line: usize,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> LineCounter<'a> {
        LineCounter {
            bytes,
            counted_to: 0,
            line: 1,
        }
    }

    /// The line of the first byte at or after `offset` that is not a line
    /// end: a record's reported start may be the line end before it, or the
    /// blank lines the reader skipped.
    fn line_of(&mut self, offset: usize) -> usize {
        let mut start = offset.min(self.bytes.len());
        while start < self.bytes.len() && matches!(self.bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        if start < self.counted_to {
            self.counted_to = 0;
            self.line = 1;
        }
        self.line += self.bytes[self.counted_to..start]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.counted_to = start;
        self.line
    }
}

/// A CSV reader error as the library's error, with the line when known.
fn csv_error(err: ::csv::Error, source_name: &str, lines: &mut LineCounter<'_>) -> Error {
    let line = err.position().map(|p| lines.line_of(p.byte() as usize));
    match err.into_kind() {
        ::csv::ErrorKind::Io(source) => Error::Io {
            action: "read".into(),
            path: source_name.to_string(),
            reason: source,
        },
        ::csv::ErrorKind::Utf8 { err, .. } => Error::Data {
            source_name: source_name.to_string(),
            row: line,
            column: None,
            message: format!("field {} is not valid UTF-8", err.field() + 1),
        },
        other => Error::Data {
            source_name: source_name.to_string(),
            row: line,
            column: None,
            message: format!("cannot parse CSV: {other:?}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CsvOptions;

    fn shared(name: &str) -> String {
        format!("{}/../shared/data/{name}", env!("CARGO_MANIFEST_DIR"))
    }

    /// Writes `text` to a fresh file in the temp directory; removed on drop.
    struct TempCsv(std::path::PathBuf);

    impl TempCsv {
        fn new(tag: &str, text: &[u8]) -> TempCsv {
            let path = std::env::temp_dir().join(format!(
                "saddlescope-data-test-{}-{tag}.csv",
                std::process::id()
            ));
            std::fs::write(&path, text).unwrap();
            TempCsv(path)
        }

        fn load(&self) -> Result<Dataset> {
            Dataset::from_csv(&self.0, &CsvOptions::default())
        }

        /// The error message with the temp path replaced by `FILE`.
        fn error(&self, options: &CsvOptions) -> String {
            let err = Dataset::from_csv(&self.0, options).unwrap_err();
            err.to_string()
                .replace(&self.0.display().to_string(), "FILE")
        }
    }

    impl Drop for TempCsv {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    fn row(data: &Dataset, i: usize) -> Vec<f64> {
        data.inputs().row(i).iter().copied().collect()
    }

    #[test]
    fn loads_the_shared_data_sets() {
        let cases: [(&str, usize, usize, Option<usize>); 5] = [
            ("iris.csv", 150, 4, Some(3)),
            ("wine.csv", 178, 13, Some(3)),
            ("breast_cancer.csv", 569, 30, Some(2)),
            ("digits.csv", 1797, 64, Some(10)),
            ("sine.csv", 200, 1, None),
        ];
        for (file, rows, features, classes) in cases {
            let data = Dataset::from_csv(shared(file), &CsvOptions::default()).unwrap();
            assert_eq!(data.rows(), rows, "{file}");
            assert_eq!(data.features(), features, "{file}");
            assert_eq!(data.feature_names().len(), features, "{file}");
            assert_eq!(data.class_count(), classes, "{file}");
            assert_eq!(data.source(), shared(file));
            if let Some(k) = classes {
                assert_eq!(data.class_labels(k).unwrap().len(), rows);
            }
        }

        let iris = Dataset::from_csv(shared("iris.csv"), &CsvOptions::default()).unwrap();
        assert_eq!(
            iris.feature_names(),
            ["sepal_length", "sepal_width", "petal_length", "petal_width"]
        );
        assert_eq!(iris.target_name(), "label");
        assert_eq!(row(&iris, 0), [5.1, 3.5, 1.4, 0.2]);
        assert_eq!(row(&iris, 1), [4.9, 3.0, 1.4, 0.2]);
        assert_eq!(iris.targets()[0], 0.0);

        let wine = Dataset::from_csv(shared("wine.csv"), &CsvOptions::default()).unwrap();
        assert_eq!(
            row(&wine, 0),
            [
                14.23, 1.71, 2.43, 15.6, 127.0, 2.8, 3.06, 0.28, 2.29, 5.64, 1.04, 3.92, 1065.0
            ]
        );

        let cancer =
            Dataset::from_csv(shared("breast_cancer.csv"), &CsvOptions::default()).unwrap();
        assert_eq!(&row(&cancer, 0)[..4], [17.99, 10.38, 122.8, 1001.0]);
        assert_eq!(row(&cancer, 0)[29], 0.1189);
        assert_eq!(cancer.targets()[0], 0.0);

        let digits = Dataset::from_csv(shared("digits.csv"), &CsvOptions::default()).unwrap();
        assert_eq!(&row(&digits, 0)[..5], [0.0, 0.0, 5.0, 13.0, 9.0]);
        assert_eq!(digits.targets()[..2], [0.0, 1.0]);
        assert!(digits.inputs().iter().all(|&p| (0.0..=16.0).contains(&p)));

        let sine = Dataset::from_csv(shared("sine.csv"), &CsvOptions::default()).unwrap();
        assert_eq!(sine.feature_names(), ["x"]);
        assert_eq!(sine.target_name(), "target");
        assert_eq!(row(&sine, 0), [-1.92639112]);
        assert_eq!(sine.targets()[0], -0.88170933);
    }

    #[test]
    fn label_errors_name_the_file_line_even_after_a_split() {
        let path = shared("iris.csv");
        let iris = Dataset::from_csv(&path, &CsvOptions::default()).unwrap();
        let (_, validation) = iris.split(0.5, 3).unwrap();
        let message = validation.class_labels(2).unwrap_err().to_string();
        let prefix = format!("{path}, line ");
        let rest = message.strip_prefix(&prefix).expect(&message);
        let line: usize = rest[..rest.find(',').unwrap()].parse().unwrap();
        assert!(rest.ends_with(
            ", column `label`: label 2 is out of range for a network with 2 outputs \
             (expected 0..=1)"
        ));
        // That line of the file is the first validation row of class 2.
        let text = std::fs::read_to_string(&path).unwrap();
        let cells: Vec<f64> = text
            .lines()
            .nth(line - 1)
            .unwrap()
            .split(',')
            .map(|c| c.parse().unwrap())
            .collect();
        let first = validation.targets().iter().position(|&y| y == 2.0).unwrap();
        assert_eq!(cells[4], 2.0);
        assert_eq!(cells[..4], row(&validation, first)[..]);
    }

    #[test]
    fn a_target_column_by_name() {
        let options = CsvOptions::default().with_target("sepal_length");
        let iris = Dataset::from_csv(shared("iris.csv"), &options).unwrap();
        assert_eq!(
            iris.feature_names(),
            ["sepal_width", "petal_length", "petal_width", "label"]
        );
        assert_eq!(iris.target_name(), "sepal_length");
        assert_eq!(iris.targets()[0], 5.1);
        assert_eq!(row(&iris, 0), [3.5, 1.4, 0.2, 0.0]);
        assert_eq!(iris.class_count(), None);
    }

    #[test]
    fn tolerates_crlf_spaces_blank_lines_bom_quotes_and_no_final_newline() {
        let text =
            "\u{feff} a ,\"b\" ,label\r\n 1 , 2.5,0\r\n\r\n   \r\n-3,\" 4e-1 \", 1\r\n+5,.5,2";
        let file = TempCsv::new("lenient", text.as_bytes());
        let data = file.load().unwrap();
        assert_eq!(data.feature_names(), ["a", "b"]);
        assert_eq!(data.rows(), 3);
        assert_eq!(row(&data, 0), [1.0, 2.5]);
        assert_eq!(row(&data, 1), [-3.0, 0.4]);
        assert_eq!(row(&data, 2), [5.0, 0.5]);
        assert_eq!(data.targets(), [0.0, 1.0, 2.0]);
        // Line numbers count the blank lines: the third row is on line 6.
        assert_eq!(
            data.class_labels(2)
                .unwrap_err()
                .to_string()
                .replace(&file.0.display().to_string(), "FILE"),
            "FILE, line 6, column `label`: label 2 is out of range for a network with 2 outputs \
             (expected 0..=1)"
        );

        let trailing = TempCsv::new("trailing", b"a,label\n1,0\n2,1\n\n\n");
        assert_eq!(trailing.load().unwrap().rows(), 2);
    }

    #[test]
    fn error_messages_name_file_line_and_column() {
        let default = CsvOptions::default();
        let cases: &[(&str, &[u8], &str)] = &[
            (
                "empty",
                b"",
                "FILE, line 1: the file is empty; expected a header row of column names",
            ),
            (
                "blank",
                b"\n \r\n\n",
                "FILE, line 1: the file is empty; expected a header row of column names",
            ),
            (
                "header-only",
                b"a,b,label\n",
                "FILE, line 2: no data rows after the header",
            ),
            (
                "header-only-no-newline",
                b"a,b,label",
                "FILE, line 2: no data rows after the header",
            ),
            (
                "ragged-short",
                b"a,b,c,d,label\n1,2,3,4,0\n1,2,3,4,0\n1,2,3,0\n",
                "FILE, line 4: expected 5 fields as in the header, found 4",
            ),
            (
                "ragged-long",
                b"a,b,label\r\n1,2,0\r\n1,2,0,7\r\n",
                "FILE, line 3: expected 3 fields as in the header, found 4",
            ),
            (
                "not-a-number",
                b"a,b,label\n1,2,0\n1,abc,0\n",
                "FILE, line 3, column `b`: `abc` is not a number",
            ),
            (
                "empty-cell",
                b"a,b,label\n1, ,0\n",
                "FILE, line 2, column `b`: empty cell; expected a number",
            ),
            (
                "nan",
                b"a,b,label\n1,2,0\n\n3,4,0\nNaN,1,1\n",
                "FILE, line 5, column `a`: NaN is not allowed in data",
            ),
            (
                "inf",
                b"a,b,label\n1,2,0\n3,-inf,0\n",
                "FILE, line 3, column `b`: `-inf` is infinite; infinite values are not allowed \
                 in data",
            ),
            (
                "overflow",
                b"a,b,label\n1,2,1e999\n",
                "FILE, line 2, column `label`: `1e999` is infinite; infinite values are not \
                 allowed in data",
            ),
            (
                "duplicate",
                b"x,y,x,label\n1,2,3,0\n",
                "FILE, line 1, column `x`: duplicate column name `x` (also column 1)",
            ),
            (
                "empty-name",
                b"x,,label\n1,2,0\n",
                "FILE, line 1: column 2 has an empty name",
            ),
            (
                "one-column",
                b"label\n1\n",
                "FILE, line 1: expected at least 2 columns (features and a target), found 1",
            ),
            (
                "no-header",
                b"5.1,3.5,1.4,0.2,0\n4.9,3,1.4,0.2,0\n",
                "FILE, line 1: the header row holds numbers (5.1, 3.5, 1.4, …); the first line \
                 must name the columns",
            ),
            (
                "not-utf8",
                b"a,label\n1,0\n\xff\xfe,1\n",
                "FILE, line 3: field 1 is not valid UTF-8",
            ),
        ];
        for (tag, text, expected) in cases {
            let file = TempCsv::new(tag, text);
            assert_eq!(file.error(&default), *expected, "case {tag}");
        }

        let file = TempCsv::new("unknown-target", b"a,b,label\n1,2,0\n");
        assert_eq!(
            file.error(&CsvOptions::default().with_target("species")),
            "FILE, line 1: no column `species` to use as the target; the columns are: a, b, label"
        );
    }

    #[test]
    fn a_missing_file_is_an_io_error() {
        let err = Dataset::from_csv("/no/such/dir/data.csv", &CsvOptions::default()).unwrap_err();
        assert!(matches!(err, Error::Io { .. }));
        assert!(
            err.to_string()
                .starts_with("cannot read /no/such/dir/data.csv: ")
        );
        let dir = std::env::temp_dir();
        let err = Dataset::from_csv(&dir, &CsvOptions::default()).unwrap_err();
        assert!(matches!(err, Error::Io { .. }), "{err}");
    }
}
