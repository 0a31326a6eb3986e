//! [`Checkpoint`]: named tensors and metadata, read from and written to
//! safetensors files.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use nalgebra::DVector;

use super::atomic::write_atomic;
use super::order::state_dict_cmp;
use super::tensor::{DType, Tensor, element_count, unravel};
use crate::{Error, Result};

/// The name errors use for a checkpoint that was not read from a file.
const IN_MEMORY: &str = "(in memory)";

/// The safetensors reader refuses headers longer than this.
const MAX_HEADER_BYTES: usize = 100_000_000;

/// A PyTorch `state_dict` as saved in a safetensors file: named tensors
/// (`"0.weight"`, `"1.running_mean"`, …) and the file's `__metadata__`
/// string map.
///
/// Tensors are kept in PyTorch `state_dict()` order, rebuilt from the names
/// because the file format does not keep insertion order: a module's own
/// tensors before its children's, numbered children by number, named
/// children alphabetically, and a module's own tensors as PyTorch's layers
/// register them — `weight`, `bias`, `running_mean`, `running_var`,
/// `num_batches_tracked`, then other names alphabetically. For an
/// `nn.Sequential` that is layer by layer, weight before bias. [`Checkpoint::names`] and
/// [`Checkpoint::iter`] yield that order; [`Checkpoint::flatten`] takes the
/// order the model asks for.
///
/// Two checkpoints are equal when their tensors (names, shapes, dtypes,
/// values) and metadata are; where they were read from does not matter.
///
/// # Examples
///
/// ```
/// use saddlescope::{Checkpoint, Tensor};
///
/// let mut ckpt = Checkpoint::new().with_metadata("format", "pt");
/// ckpt.insert("0.bias", Tensor::new(vec![2], vec![0.5, -0.5])?);
/// ckpt.insert("0.weight", Tensor::new(vec![2, 1], vec![1.0, 2.0])?);
///
/// let path = std::env::temp_dir().join("saddlescope-doc-checkpoint.safetensors");
/// ckpt.write(&path)?;
/// let back = Checkpoint::read(&path)?;
/// assert_eq!(back, ckpt);
/// assert_eq!(back.names().collect::<Vec<_>>(), ["0.weight", "0.bias"]);
/// # std::fs::remove_file(&path).ok();
/// # Ok::<(), saddlescope::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Checkpoint {
    /// The file (or the name given to `from_bytes`) for error messages.
    source: String,
    /// Sorted by `state_dict_cmp`, names unique.
    tensors: Vec<(String, Tensor)>,
    metadata: BTreeMap<String, String>,
}

impl Default for Checkpoint {
    fn default() -> Self {
        Checkpoint::new()
    }
}

impl PartialEq for Checkpoint {
    fn eq(&self, other: &Self) -> bool {
        self.tensors == other.tensors && self.metadata == other.metadata
    }
}

impl Checkpoint {
    /// An empty checkpoint, to fill with [`Checkpoint::insert`].
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::Checkpoint;
    ///
    /// let ckpt = Checkpoint::new();
    /// assert!(ckpt.is_empty());
    /// assert!(ckpt.metadata().is_empty());
    /// ```
    pub fn new() -> Checkpoint {
        Checkpoint {
            source: IN_MEMORY.into(),
            tensors: Vec::new(),
            metadata: BTreeMap::new(),
        }
    }

    /// Reads a safetensors file, such as one written by PyTorch's
    /// `safetensors.torch.save_file(model.state_dict(), path)`.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] (action "read") when the file cannot be read, and the
    /// errors of [`Checkpoint::from_bytes`] with the path as the name.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{Checkpoint, Error, Tensor};
    ///
    /// let path = std::env::temp_dir().join("saddlescope-doc-read.safetensors");
    /// let mut ckpt = Checkpoint::new();
    /// ckpt.insert("0.weight", Tensor::new(vec![1, 2], vec![3.0, 4.0])?);
    /// ckpt.write(&path)?;
    ///
    /// let back = Checkpoint::read(&path)?;
    /// assert_eq!(back.get("0.weight").unwrap().data, [3.0, 4.0]);
    ///
    /// let missing = Checkpoint::read("/no/such/file.safetensors").unwrap_err();
    /// assert!(matches!(missing, Error::Io { .. }));
    /// # std::fs::remove_file(&path).ok();
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn read(path: impl AsRef<Path>) -> Result<Checkpoint> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| Error::Io {
            action: "read".into(),
            path: path.display().to_string(),
            source,
        })?;
        Checkpoint::from_bytes(&bytes, &path.display().to_string())
    }

    /// Decodes the bytes of a safetensors file; `name_for_errors` (usually
    /// the path) names the checkpoint in error messages.
    ///
    /// Floats (F64, F32, F16, BF16) are widened to `f64` exactly; integers
    /// and booleans are converted exactly. Never panics, whatever the bytes.
    ///
    /// # Errors
    ///
    /// [`Error::Checkpoint`] when the bytes are not a safetensors file (with
    /// the decoder's reason), a tensor has an unsupported dtype (named, with
    /// the supported ones), a float tensor holds NaN or ±∞ (named, with the
    /// flat index), an integer's magnitude exceeds 2^53, or a boolean byte is
    /// not 0 or 1.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{Checkpoint, DType, Error, Tensor};
    ///
    /// let mut ckpt = Checkpoint::new();
    /// ckpt.insert("1.num_batches_tracked", Tensor::from_integers(vec![], &[30])?);
    /// let bytes = ckpt.to_bytes()?;
    ///
    /// let back = Checkpoint::from_bytes(&bytes, "in-memory copy")?;
    /// assert_eq!(back.get("1.num_batches_tracked").unwrap().dtype, DType::I64);
    ///
    /// let err = Checkpoint::from_bytes(b"not a checkpoint", "junk").unwrap_err();
    /// assert!(matches!(err, Error::Checkpoint { .. }));
    /// assert!(err.to_string().starts_with("checkpoint junk: not a safetensors file"));
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn from_bytes(bytes: &[u8], name_for_errors: &str) -> Result<Checkpoint> {
        let fail = |message: String| Error::Checkpoint {
            path: name_for_errors.to_string(),
            message,
        };
        check_offsets(bytes).map_err(fail)?;
        let (header_len, meta) = safetensors::SafeTensors::read_metadata(bytes)
            .map_err(|e| fail(format!("not a safetensors file ({e})")))?;
        // `read_metadata` checked that the offsets tile this section exactly.
        let data = bytes.get(8 + header_len..).unwrap_or_default();

        let mut infos: Vec<_> = meta.tensors().into_iter().collect();
        infos.sort_by(|a, b| state_dict_cmp(&a.0, &b.0));
        let mut tensors = Vec::with_capacity(infos.len());
        for (name, info) in infos {
            let (start, end) = info.data_offsets;
            let raw = data.get(start..end).ok_or_else(|| {
                fail(format!(
                    "tensor `{name}` has data_offsets [{start}, {end}] outside the data"
                ))
            })?;
            let tensor = Tensor::decode(&name, info.dtype, &info.shape, raw).map_err(fail)?;
            tensors.push((name, tensor));
        }
        let metadata = meta
            .metadata()
            .as_ref()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();
        Ok(Checkpoint {
            source: name_for_errors.to_string(),
            tensors,
            metadata,
        })
    }

    /// The bytes of the safetensors file [`Checkpoint::write`] writes.
    ///
    /// Float tensors are stored as F64, integer tensors as I64, booleans as
    /// BOOL (see [`DType::written_as`]), each 8-byte tensor 8-byte aligned.
    /// The header lists `__metadata__` first and the tensors in
    /// `state_dict` order, so equal checkpoints give identical bytes.
    ///
    /// # Errors
    ///
    /// [`Error::Checkpoint`] when a tensor's data does not match its shape,
    /// a float value is NaN or ±∞, an integer tensor holds a non-integer or
    /// a magnitude beyond 2^53, a boolean is neither 0 nor 1, or a tensor is
    /// named `__metadata__`.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{Checkpoint, Tensor};
    ///
    /// let mut ckpt = Checkpoint::new();
    /// ckpt.insert("0.bias", Tensor::new(vec![1], vec![0.25])?);
    /// let bytes = ckpt.to_bytes()?;
    /// // 8-byte header length, a space-padded JSON header, then the data.
    /// let header_len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    /// assert_eq!(header_len % 8, 0);
    /// assert_eq!(bytes.len(), 8 + header_len + 8);
    /// assert_eq!(Checkpoint::from_bytes(&bytes, "copy")?, ckpt);
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        self.serialize().map_err(|message| Error::Checkpoint {
            path: self.source.clone(),
            message,
        })
    }

    /// Writes the checkpoint as a safetensors file that
    /// `safetensors.torch.load_file` loads back into a `state_dict` (floats
    /// as float64, integers as int64), replacing `path` atomically.
    ///
    /// The bytes go to a temporary file `.NAME.tmp-<pid>-<counter>` in the
    /// same directory, are flushed to disk, and the temporary file is renamed
    /// over `path`: readers see the old file or the new one, never a part.
    /// On failure the temporary file is removed and an existing `path` is
    /// left as it was.
    ///
    /// # Errors
    ///
    /// The errors of [`Checkpoint::to_bytes`] (naming `path`), checked before
    /// anything touches the disk; [`Error::Io`] with action "write" when the
    /// temporary file cannot be created, written or synced (e.g. the
    /// directory does not exist), "replace" when it cannot be renamed over
    /// `path` (e.g. `path` is a directory).
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{Checkpoint, Error, Tensor};
    ///
    /// let dir = std::env::temp_dir();
    /// let mut ckpt = Checkpoint::new();
    /// ckpt.insert("0.weight", Tensor::new(vec![1, 1], vec![2.0])?);
    /// ckpt.write(dir.join("saddlescope-doc-write.safetensors"))?;
    ///
    /// let err = ckpt.write(dir.join("no-such-dir/x.safetensors")).unwrap_err();
    /// assert!(matches!(err, Error::Io { .. }));
    /// # std::fs::remove_file(dir.join("saddlescope-doc-write.safetensors")).ok();
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn write(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let bytes = self.serialize().map_err(|message| Error::Checkpoint {
            path: path.display().to_string(),
            message,
        })?;
        write_atomic(path, &bytes)
    }

    /// The tensor called `name`, if any.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{Checkpoint, Tensor};
    ///
    /// let mut ckpt = Checkpoint::new();
    /// ckpt.insert("0.bias", Tensor::new(vec![1], vec![0.5])?);
    /// assert_eq!(ckpt.get("0.bias").unwrap().data, [0.5]);
    /// assert!(ckpt.get("0.weight").is_none());
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn get(&self, name: &str) -> Option<&Tensor> {
        self.position(name).ok().map(|i| &self.tensors[i].1)
    }

    /// The tensor called `name`, mutably, if any.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{Checkpoint, Tensor};
    ///
    /// let mut ckpt = Checkpoint::new();
    /// ckpt.insert("0.bias", Tensor::new(vec![1], vec![0.5])?);
    /// ckpt.get_mut("0.bias").unwrap().data[0] = 1.5;
    /// assert_eq!(ckpt.get("0.bias").unwrap().data, [1.5]);
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn get_mut(&mut self, name: &str) -> Option<&mut Tensor> {
        self.position(name).ok().map(|i| &mut self.tensors[i].1)
    }

    /// Adds a tensor, or replaces the one of the same name (which is
    /// returned). The tensor takes its place in `state_dict` order.
    ///
    /// Shapes and values are checked when the checkpoint is written or
    /// flattened, not here.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{Checkpoint, Tensor};
    ///
    /// let mut ckpt = Checkpoint::new();
    /// assert!(ckpt.insert("2.weight", Tensor::new(vec![1, 1], vec![1.0])?).is_none());
    /// ckpt.insert("0.weight", Tensor::new(vec![1, 1], vec![2.0])?);
    /// let old = ckpt.insert("2.weight", Tensor::new(vec![1, 1], vec![3.0])?);
    /// assert_eq!(old.unwrap().data, [1.0]);
    /// assert_eq!(ckpt.names().collect::<Vec<_>>(), ["0.weight", "2.weight"]);
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn insert(&mut self, name: impl Into<String>, tensor: Tensor) -> Option<Tensor> {
        let name = name.into();
        match self.position(&name) {
            Ok(i) => Some(std::mem::replace(&mut self.tensors[i].1, tensor)),
            Err(i) => {
                self.tensors.insert(i, (name, tensor));
                None
            }
        }
    }

    /// Removes and returns the tensor called `name`, if any.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{Checkpoint, Tensor};
    ///
    /// let mut ckpt = Checkpoint::new();
    /// ckpt.insert("0.bias", Tensor::new(vec![1], vec![0.5])?);
    /// assert!(ckpt.remove("0.bias").is_some());
    /// assert!(ckpt.is_empty());
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn remove(&mut self, name: &str) -> Option<Tensor> {
        self.position(name).ok().map(|i| self.tensors.remove(i).1)
    }

    /// The tensor names in `state_dict` order.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{Checkpoint, Tensor};
    ///
    /// let mut ckpt = Checkpoint::new();
    /// for name in ["10.weight", "1.running_var", "1.weight", "1.running_mean"] {
    ///     ckpt.insert(name, Tensor::new(vec![1], vec![1.0])?);
    /// }
    /// assert_eq!(
    ///     ckpt.names().collect::<Vec<_>>(),
    ///     ["1.weight", "1.running_mean", "1.running_var", "10.weight"]
    /// );
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn names(&self) -> impl Iterator<Item = &str> + '_ {
        self.tensors.iter().map(|(n, _)| n.as_str())
    }

    /// The tensors with their names, in `state_dict` order.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{Checkpoint, Tensor};
    ///
    /// let mut ckpt = Checkpoint::new();
    /// ckpt.insert("0.weight", Tensor::new(vec![2, 3], vec![0.0; 6])?);
    /// ckpt.insert("0.bias", Tensor::new(vec![2], vec![0.0; 2])?);
    /// let count: usize = ckpt.iter().map(|(_, t)| t.data.len()).sum();
    /// assert_eq!(count, 8);
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Tensor)> + '_ {
        self.tensors.iter().map(|(n, t)| (n.as_str(), t))
    }

    /// The number of tensors.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{Checkpoint, Tensor};
    ///
    /// let mut ckpt = Checkpoint::new();
    /// ckpt.insert("0.bias", Tensor::new(vec![1], vec![0.0])?);
    /// assert_eq!(ckpt.len(), 1);
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        self.tensors.len()
    }

    /// Whether the checkpoint has no tensors.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::Checkpoint;
    ///
    /// assert!(Checkpoint::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.tensors.is_empty()
    }

    /// The file the checkpoint was read from (or the name given to
    /// [`Checkpoint::from_bytes`]; `"(in memory)"` for a new one), as error
    /// messages show it.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::Checkpoint;
    ///
    /// assert_eq!(Checkpoint::new().source_name(), "(in memory)");
    /// ```
    pub fn source_name(&self) -> &str {
        &self.source
    }

    /// The file's `__metadata__` map (free-form strings, e.g.
    /// `{"format": "pt"}`), sorted by key.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::Checkpoint;
    ///
    /// let ckpt = Checkpoint::new().with_metadata("format", "pt");
    /// assert_eq!(ckpt.metadata()["format"], "pt");
    /// ```
    pub fn metadata(&self) -> &BTreeMap<String, String> {
        &self.metadata
    }

    /// The `__metadata__` map, mutably.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::Checkpoint;
    ///
    /// let mut ckpt = Checkpoint::new();
    /// ckpt.metadata_mut().insert("epoch".into(), "12".into());
    /// assert_eq!(ckpt.metadata().len(), 1);
    /// ```
    pub fn metadata_mut(&mut self) -> &mut BTreeMap<String, String> {
        &mut self.metadata
    }

    /// The checkpoint with one more `__metadata__` entry (replacing one of
    /// the same key).
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::Checkpoint;
    ///
    /// let ckpt = Checkpoint::new()
    ///     .with_metadata("format", "pt")
    ///     .with_metadata("producer", "saddlescope");
    /// assert_eq!(ckpt.metadata().keys().collect::<Vec<_>>(), ["format", "producer"]);
    /// ```
    pub fn with_metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }

    /// Checks the tensors against what a model expects: every `(name,
    /// shape)` of `expected` present with that shape, and no other tensor
    /// except those `allowed_extra` accepts. All problems are reported in
    /// one message.
    ///
    /// `expected` usually lists a model's parameters and buffers (a
    /// BatchNorm's `running_mean`, `running_var` and `num_batches_tracked`).
    /// Pass `|_| false` to allow nothing else.
    ///
    /// # Errors
    ///
    /// [`Error::Checkpoint`] naming the checkpoint, with each problem:
    /// "missing tensor `2.weight` (expected shape [3, 8])",
    /// "tensor `0.weight` has shape [8, 5], expected [8, 4]",
    /// "unexpected tensor `5.weight` with shape [2, 3]" — and, when there are
    /// unexpected tensors, "the architecture has tensors 0.weight, …". More
    /// than one problem reads "N problems: …; …". [`Error::InvalidInput`]
    /// when `expected` names a tensor twice.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{Checkpoint, Tensor};
    ///
    /// let mut ckpt = Checkpoint::new();
    /// ckpt.insert("0.weight", Tensor::new(vec![8, 5], vec![0.0; 40])?);
    /// ckpt.insert("0.bias", Tensor::new(vec![8], vec![0.0; 8])?);
    ///
    /// let expected = [("0.weight", vec![8, 4]), ("0.bias", vec![8])];
    /// let err = ckpt.check_tensors(&expected, |_| false).unwrap_err().to_string();
    /// assert_eq!(
    ///     err,
    ///     "checkpoint (in memory): tensor `0.weight` has shape [8, 5], expected [8, 4]"
    /// );
    ///
    /// let expected = [("0.weight", vec![8, 5])];
    /// ckpt.check_tensors(&expected, |name| name.ends_with(".bias"))?;
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn check_tensors<S: AsRef<str>>(
        &self,
        expected: &[(S, Vec<usize>)],
        allowed_extra: impl Fn(&str) -> bool,
    ) -> Result<()> {
        let expected_names = unique_names(expected.iter().map(|(n, _)| n.as_ref()))?;
        let mut problems = Vec::new();
        for (name, shape) in expected {
            let name = name.as_ref();
            match self.get(name) {
                None => problems.push(format!(
                    "missing tensor `{name}` (expected shape {shape:?})"
                )),
                Some(t) if t.shape != *shape => problems.push(format!(
                    "tensor `{name}` has shape {:?}, expected {shape:?}",
                    t.shape
                )),
                Some(_) => {}
            }
        }
        let mut unexpected = false;
        for (name, t) in self.iter() {
            if !expected_names.contains(name) && !allowed_extra(name) {
                unexpected = true;
                problems.push(format!(
                    "unexpected tensor `{name}` with shape {:?}",
                    t.shape
                ));
            }
        }
        if problems.is_empty() {
            return Ok(());
        }
        let mut message = if problems.len() == 1 {
            problems.remove(0)
        } else {
            format!("{} problems: {}", problems.len(), problems.join("; "))
        };
        if unexpected {
            let names: Vec<&str> = expected.iter().map(|(n, _)| n.as_ref()).collect();
            if names.is_empty() {
                message.push_str("; the architecture has no tensors");
            } else {
                message.push_str("; the architecture has tensors ");
                message.push_str(&names.join(", "));
            }
        }
        Err(self.error(message))
    }

    /// The values of the named tensors, each flattened row-major, one after
    /// the other in the order given: the flat parameter vector of a model
    /// whose `named_parameters()` are `names`.
    ///
    /// # Errors
    ///
    /// [`Error::Checkpoint`] when a name is missing ("missing tensor
    /// `2.weight`; the checkpoint has tensors …") or a tensor's data does not
    /// match its shape.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{Checkpoint, Tensor};
    ///
    /// let mut ckpt = Checkpoint::new();
    /// ckpt.insert("0.weight", Tensor::new(vec![2, 1], vec![1.0, 2.0])?);
    /// ckpt.insert("0.bias", Tensor::new(vec![2], vec![3.0, 4.0])?);
    ///
    /// let theta = ckpt.flatten(&["0.weight", "0.bias"])?;
    /// assert_eq!(theta.as_slice(), [1.0, 2.0, 3.0, 4.0]);
    /// assert!(ckpt.flatten(&["2.weight"]).is_err());
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn flatten<S: AsRef<str>>(&self, names: &[S]) -> Result<DVector<f64>> {
        let mut tensors = Vec::with_capacity(names.len());
        for name in names {
            let name = name.as_ref();
            let t = self.get(name).ok_or_else(|| {
                self.error(format!(
                    "missing tensor `{name}`; the checkpoint has {}",
                    self.listing()
                ))
            })?;
            t.check_count(&format!("tensor `{name}`"))
                .map_err(|m| self.error(m))?;
            tensors.push(t);
        }
        let total = tensors.iter().map(|t| t.data.len()).sum();
        let mut flat = Vec::with_capacity(total);
        for t in tensors {
            flat.extend_from_slice(&t.data);
        }
        Ok(DVector::from_vec(flat))
    }

    /// Writes a flat parameter vector back into tensors: `layout` gives, in
    /// order, each tensor's name and shape, and `values` their row-major
    /// values one after the other (the inverse of
    /// [`Checkpoint::flatten`]). Named tensors are replaced (as
    /// [`DType::F64`]) or added; others, such as BatchNorm buffers, are kept.
    ///
    /// Nothing changes unless every check passes.
    ///
    /// # Errors
    ///
    /// [`Error::DimensionMismatch`] when `values` does not have the total
    /// number of elements of `layout`, [`Error::NonFinite`] when a value is
    /// NaN or ±∞ (naming the tensor and index), [`Error::InvalidInput`] when
    /// `layout` names a tensor twice or a shape's element count overflows.
    ///
    /// # Examples
    ///
    /// ```
    /// use nalgebra::DVector;
    /// use saddlescope::{Checkpoint, Tensor};
    ///
    /// let mut ckpt = Checkpoint::new();
    /// ckpt.insert("1.num_batches_tracked", Tensor::from_integers(vec![], &[5])?);
    /// let layout = [("0.weight", vec![2, 1]), ("0.bias", vec![2])];
    /// ckpt.unflatten_into(&layout, &DVector::from_vec(vec![1.0, 2.0, 3.0, 4.0]))?;
    ///
    /// assert_eq!(ckpt.get("0.bias").unwrap().data, [3.0, 4.0]);
    /// assert_eq!(ckpt.len(), 3);
    /// assert_eq!(ckpt.flatten(&["0.weight", "0.bias"])?.len(), 4);
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn unflatten_into<S: AsRef<str>>(
        &mut self,
        layout: &[(S, Vec<usize>)],
        values: &DVector<f64>,
    ) -> Result<()> {
        unique_names(layout.iter().map(|(n, _)| n.as_ref()))?;
        let mut counts = Vec::with_capacity(layout.len());
        for (name, shape) in layout {
            counts.push(element_count(shape).ok_or_else(|| {
                Error::InvalidInput(format!(
                    "the shape {shape:?} of tensor `{}` has an element count that overflows",
                    name.as_ref()
                ))
            })?);
        }
        let total = counts
            .iter()
            .try_fold(0usize, |a, &n| a.checked_add(n))
            .ok_or_else(|| Error::InvalidInput("the layout's element count overflows".into()))?;
        if total != values.len() {
            let parts: Vec<String> = layout
                .iter()
                .map(|(n, s)| format!("{} {s:?}", n.as_ref()))
                .collect();
            return Err(Error::DimensionMismatch {
                what: format!("flat parameter vector for checkpoint {}", self.source),
                expected: format!("{total} values ({})", parts.join(", ")),
                found: format!("{} values", values.len()),
            });
        }
        if let Some((i, v)) = values
            .iter()
            .copied()
            .enumerate()
            .find(|(_, v)| !v.is_finite())
        {
            let mut offset = 0;
            for ((name, shape), &n) in layout.iter().zip(&counts) {
                if i < offset + n {
                    return Err(Error::NonFinite {
                        what: "the parameter vector".into(),
                        detail: format!(
                            "entry {i} is {v}: tensor `{}`, index {:?}",
                            name.as_ref(),
                            unravel(i - offset, shape)
                        ),
                    });
                }
                offset += n;
            }
        }
        let mut offset = 0;
        for ((name, shape), n) in layout.iter().zip(counts) {
            let data = values.as_slice()[offset..offset + n].to_vec();
            offset += n;
            self.insert(
                name.as_ref(),
                Tensor {
                    shape: shape.clone(),
                    data,
                    dtype: DType::F64,
                },
            );
        }
        Ok(())
    }

    fn position(&self, name: &str) -> std::result::Result<usize, usize> {
        self.tensors
            .binary_search_by(|(n, _)| state_dict_cmp(n, name))
    }

    fn error(&self, message: String) -> Error {
        Error::Checkpoint {
            path: self.source.clone(),
            message,
        }
    }

    /// "tensors a, b, c" or "no tensors".
    fn listing(&self) -> String {
        if self.is_empty() {
            "no tensors".into()
        } else {
            format!("tensors {}", self.names().collect::<Vec<_>>().join(", "))
        }
    }

    /// The safetensors encoding (see [`Checkpoint::to_bytes`]); the error is
    /// the message without the checkpoint's name.
    fn serialize(&self) -> std::result::Result<Vec<u8>, String> {
        let mut written = Vec::with_capacity(self.tensors.len());
        for (name, t) in &self.tensors {
            if name == "__metadata__" {
                return Err(
                    "a tensor may not be named `__metadata__` (the format reserves it)".into(),
                );
            }
            written.push(t.check_for_write(name)?);
        }
        // 8-byte tensors first, then the 1-byte booleans, each group in
        // state_dict order, so every 8-byte tensor starts 8-byte aligned.
        let mut layout: Vec<usize> = (0..self.tensors.len()).collect();
        layout.sort_by_key(|&i| std::cmp::Reverse(written[i].size_in_bytes()));
        let mut offsets = vec![(0, 0); self.tensors.len()];
        let mut end = 0;
        for &i in &layout {
            let len = self.tensors[i].1.data.len() * written[i].size_in_bytes();
            offsets[i] = (end, end + len);
            end += len;
        }

        let json = |s: &str| serde_json::to_string(s).unwrap_or_default();
        let mut header = String::from("{");
        if !self.metadata.is_empty() {
            let entries: Vec<String> = self
                .metadata
                .iter()
                .map(|(k, v)| format!("{}:{}", json(k), json(v)))
                .collect();
            header.push_str(&format!("\"__metadata__\":{{{}}}", entries.join(",")));
        }
        for (i, (name, t)) in self.tensors.iter().enumerate() {
            if header.len() > 1 {
                header.push(',');
            }
            let shape: Vec<String> = t.shape.iter().map(usize::to_string).collect();
            header.push_str(&format!(
                "{}:{{\"dtype\":\"{}\",\"shape\":[{}],\"data_offsets\":[{},{}]}}",
                json(name),
                written[i],
                shape.join(","),
                offsets[i].0,
                offsets[i].1
            ));
        }
        header.push('}');
        // The format pads the header with spaces to keep the data aligned.
        while header.len() % 8 != 0 {
            header.push(' ');
        }
        if header.len() > MAX_HEADER_BYTES {
            return Err(format!(
                "the header would be {} bytes; safetensors readers accept at most {MAX_HEADER_BYTES}",
                header.len()
            ));
        }

        let mut out = Vec::with_capacity(8 + header.len() + end);
        out.extend_from_slice(&(header.len() as u64).to_le_bytes());
        out.extend_from_slice(header.as_bytes());
        for &i in &layout {
            self.tensors[i].1.encode_into(written[i], &mut out);
        }
        Ok(out)
    }
}

/// The names as a set; an error when one repeats.
fn unique_names<'a>(names: impl Iterator<Item = &'a str>) -> Result<HashSet<&'a str>> {
    let mut set = HashSet::new();
    for name in names {
        if !set.insert(name) {
            return Err(Error::InvalidInput(format!(
                "the expected tensors name `{name}` twice"
            )));
        }
    }
    Ok(set)
}

/// Rejects, before the safetensors decoder sees them, data offsets that
/// point past the end of the file: the decoder adds them to the header
/// length unchecked, which overflows (and panics in debug builds) for
/// offsets near `usize::MAX`. Anything else malformed is left to the
/// decoder, which reports it.
fn check_offsets(bytes: &[u8]) -> std::result::Result<(), String> {
    let Some(len_bytes) = bytes.get(..8) else {
        return Ok(());
    };
    let mut word = [0; 8];
    word.copy_from_slice(len_bytes);
    let header_len = u64::from_le_bytes(word);
    let available = (bytes.len() - 8) as u64;
    if header_len > available || header_len > MAX_HEADER_BYTES as u64 {
        return Ok(());
    }
    let data_len = available - header_len;
    let header = &bytes[8..8 + header_len as usize];
    let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(header) else {
        return Ok(());
    };
    for (name, info) in &map {
        if name == "__metadata__" {
            continue;
        }
        let offsets = info
            .get("data_offsets")
            .and_then(|o| o.as_array())
            .map(|a| a.iter().filter_map(|v| v.as_u64()).collect::<Vec<_>>())
            .unwrap_or_default();
        if let Some(&beyond) = offsets.iter().find(|&&o| o > data_len) {
            return Err(format!(
                "not a safetensors file (tensor `{name}` has the data offset {beyond}, \
                 beyond the {data_len} bytes of data)"
            ));
        }
    }
    Ok(())
}
