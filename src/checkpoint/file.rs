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
            reason: source,
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use safetensors::{Dtype, SafeTensors, tensor::TensorView};
    use std::path::PathBuf;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/fixtures/mlp/");
    const FIXTURE_NAMES: [&str; 5] = [
        "iris_4-8-3_tanh",
        "iris_4-6bn-3_tanh",
        "sine_1-16-1_tanh",
        "digits_64-32-10_tanh",
        "digits_64-1024-10_tanh",
    ];

    fn fixture_path(name: &str) -> String {
        format!("{FIXTURES}{name}.safetensors")
    }

    fn fixture(name: &str) -> Checkpoint {
        Checkpoint::read(fixture_path(name)).unwrap()
    }

    /// A fresh directory under the system temp dir, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(tag: &str) -> TempDir {
            let dir =
                std::env::temp_dir().join(format!("saddlescope-ckpt-{tag}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }

        fn path(&self, name: &str) -> PathBuf {
            self.0.join(name)
        }

        fn entries(&self) -> Vec<String> {
            let mut v: Vec<String> = std::fs::read_dir(&self.0)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            v.sort();
            v
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// The tensors an architecture spec such as
    /// `linear(4,6),batchnorm(6),tanh,linear(6,3)` has, in state_dict order.
    fn arch_tensors(arch: &str) -> Vec<(String, Vec<usize>)> {
        let mut out = Vec::new();
        let mut layers = Vec::new();
        let mut depth = 0;
        let mut start = 0;
        for (i, c) in arch.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                ',' if depth == 0 => {
                    layers.push(&arch[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        layers.push(&arch[start..]);
        for (i, layer) in layers.iter().enumerate() {
            let args: Vec<usize> = layer
                .split_once('(')
                .map(|(_, a)| {
                    a.trim_end_matches(')')
                        .split(',')
                        .map(|x| x.trim().parse().unwrap())
                        .collect()
                })
                .unwrap_or_default();
            if layer.starts_with("linear") {
                out.push((format!("{i}.weight"), vec![args[1], args[0]]));
                out.push((format!("{i}.bias"), vec![args[1]]));
            } else if layer.starts_with("batchnorm") {
                for leaf in ["weight", "bias", "running_mean", "running_var"] {
                    out.push((format!("{i}.{leaf}"), vec![args[0]]));
                }
                out.push((format!("{i}.num_batches_tracked"), vec![]));
            }
        }
        out
    }

    fn fixture_json(name: &str) -> serde_json::Value {
        let text = std::fs::read_to_string(format!("{FIXTURES}{name}.json")).unwrap();
        serde_json::from_str(&text).unwrap()
    }

    fn same_bits(a: &Checkpoint, b: &Checkpoint) {
        assert_eq!(a.names().collect::<Vec<_>>(), b.names().collect::<Vec<_>>());
        for ((_, x), (_, y)) in a.iter().zip(b.iter()) {
            assert_eq!(x.shape, y.shape);
            assert_eq!(x.dtype, y.dtype);
            let xb: Vec<u64> = x.data.iter().map(|v| v.to_bits()).collect();
            let yb: Vec<u64> = y.data.iter().map(|v| v.to_bits()).collect();
            assert_eq!(xb, yb);
        }
        assert_eq!(a.metadata(), b.metadata());
    }

    /// A safetensors file written by the reference crate, one tensor.
    fn raw_file(name: &str, dtype: Dtype, shape: Vec<usize>, bytes: &[u8]) -> Vec<u8> {
        let view = TensorView::new(dtype, shape, bytes).unwrap();
        safetensors::serialize([(name, view)], None).unwrap()
    }

    fn message(err: Error) -> String {
        match err {
            Error::Checkpoint { message, .. } => message,
            other => panic!("expected Error::Checkpoint, got {other:?}"),
        }
    }

    // ---- fixtures -------------------------------------------------------

    #[test]
    fn every_fixture_loads_with_the_json_names_and_shapes() {
        for name in FIXTURE_NAMES.iter().filter(|n| !n.contains("1024")) {
            let ckpt = fixture(name);
            let json = fixture_json(name);
            let expected = arch_tensors(json["arch"].as_str().unwrap());
            ckpt.check_tensors(&expected, |_| false).unwrap();
            // state_dict order is the architecture's order.
            let names: Vec<&str> = ckpt.names().collect();
            let want: Vec<&str> = expected.iter().map(|(n, _)| n.as_str()).collect();
            assert_eq!(names, want, "{name}");

            let order: Vec<&str> = json["parameter_order"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            let theta = ckpt.flatten(&order).unwrap();
            assert_eq!(
                theta.len() as u64,
                json["n_params"].as_u64().unwrap(),
                "{name}"
            );
            assert!(
                ckpt.iter()
                    .all(|(_, t)| t.dtype.is_float() || t.dtype == DType::I64)
            );
        }
    }

    #[test]
    fn iris_4_8_3_names_and_shapes() {
        let ckpt = fixture("iris_4-8-3_tanh");
        let shapes: Vec<(&str, &[usize])> =
            ckpt.iter().map(|(n, t)| (n, t.shape.as_slice())).collect();
        assert_eq!(
            shapes,
            [
                ("0.weight", &[8, 4][..]),
                ("0.bias", &[8][..]),
                ("2.weight", &[3, 8][..]),
                ("2.bias", &[3][..]),
            ]
        );
        assert!(ckpt.iter().all(|(_, t)| t.dtype == DType::F64));
        assert_eq!(ckpt.source_name(), fixture_path("iris_4-8-3_tanh"));
        assert!(ckpt.metadata().is_empty());
    }

    #[test]
    fn batchnorm_fixture_has_its_buffers_and_an_int64_counter() {
        let ckpt = fixture("iris_4-6bn-3_tanh");
        let counter = ckpt.get("1.num_batches_tracked").unwrap();
        assert_eq!(counter.dtype, DType::I64);
        assert!(counter.shape.is_empty());
        assert_eq!(counter.data.len(), 1);
        assert!(counter.data[0] >= 1.0 && counter.data[0].fract() == 0.0);
        let var = ckpt.get("1.running_var").unwrap();
        assert_eq!(var.shape, [6]);
        assert!(var.data.iter().all(|&v| v > 0.0));
    }

    #[test]
    fn large_fixture_loads_quickly() {
        let start = std::time::Instant::now();
        let ckpt = fixture("digits_64-1024-10_tanh");
        let elapsed = start.elapsed();
        let theta = ckpt
            .flatten(&["0.weight", "0.bias", "2.weight", "2.bias"])
            .unwrap();
        assert_eq!(theta.len(), 76_810);
        assert_eq!(ckpt.get("0.weight").unwrap().shape, [1024, 64]);
        // Milliseconds in practice; generous for a shared debug build.
        assert!(elapsed.as_secs_f64() < 5.0, "took {elapsed:?}");
    }

    #[test]
    fn row_major_layout_matches_the_raw_bytes() {
        let bytes = std::fs::read(fixture_path("iris_4-8-3_tanh")).unwrap();
        let raw = SafeTensors::deserialize(&bytes).unwrap();
        let view = raw.tensor("0.weight").unwrap();
        let ckpt = fixture("iris_4-8-3_tanh");
        let w = ckpt.get("0.weight").unwrap();
        // Element [row 2, column 3] of the [8, 4] weight.
        let at = 2 * 4 + 3;
        let stored = f64::from_le_bytes(view.data()[8 * at..8 * at + 8].try_into().unwrap());
        assert_eq!(w.data[at].to_bits(), stored.to_bits());
    }

    // ---- round trips ----------------------------------------------------

    #[test]
    fn read_write_read_keeps_every_bit() {
        let dir = TempDir::new("roundtrip");
        for name in FIXTURE_NAMES {
            let first = fixture(name)
                .with_metadata("format", "pt")
                .with_metadata("note \"quoted\" \u{e9}", "line\nbreak");
            let path = dir.path(&format!("{name}.safetensors"));
            first.write(&path).unwrap();
            let second = Checkpoint::read(&path).unwrap();
            same_bits(&first, &second);
            assert_eq!(first, second);
            // Equal checkpoints give identical bytes.
            assert_eq!(std::fs::read(&path).unwrap(), second.to_bytes().unwrap());
        }
    }

    #[test]
    fn written_file_reads_back_with_the_reference_crate_as_f64_and_i64() {
        let dir = TempDir::new("reference");
        for name in FIXTURE_NAMES {
            let ckpt = fixture(name);
            let path = dir.path("out.safetensors");
            ckpt.write(&path).unwrap();
            let ours = std::fs::read(&path).unwrap();
            let raw = SafeTensors::deserialize(&ours).unwrap();
            let original_bytes = std::fs::read(fixture_path(name)).unwrap();
            let original = SafeTensors::deserialize(&original_bytes).unwrap();
            assert_eq!(raw.len(), ckpt.len());
            for (tname, t) in ckpt.iter() {
                let view = raw.tensor(tname).unwrap();
                assert_eq!(view.shape(), t.shape.as_slice());
                let want = if tname.ends_with("num_batches_tracked") {
                    Dtype::I64
                } else {
                    Dtype::F64
                };
                assert_eq!(view.dtype(), want);
                // The PyTorch-written bytes, unchanged.
                assert_eq!(view.data(), original.tensor(tname).unwrap().data());
                // 8-byte tensors start 8-byte aligned in the file.
                let offset = view.data().as_ptr() as usize - ours.as_ptr() as usize;
                assert_eq!(offset % 8, 0);
            }
        }
    }

    #[test]
    fn metadata_round_trips_through_the_reference_crate() {
        let ckpt = fixture("sine_1-16-1_tanh")
            .with_metadata("format", "pt")
            .with_metadata("epoch", "3");
        let bytes = ckpt.to_bytes().unwrap();
        let (_, meta) = SafeTensors::read_metadata(&bytes).unwrap();
        let m = meta.metadata().as_ref().unwrap();
        assert_eq!(m["format"], "pt");
        assert_eq!(m["epoch"], "3");
        assert_eq!(m.len(), 2);
    }

    #[test]
    fn empty_checkpoint_and_booleans_round_trip() {
        let empty = Checkpoint::new();
        let back = Checkpoint::from_bytes(&empty.to_bytes().unwrap(), "empty").unwrap();
        assert!(back.is_empty());

        let mut ckpt = Checkpoint::new();
        ckpt.insert(
            "0.mask",
            Tensor {
                shape: vec![3],
                data: vec![1.0, 0.0, 1.0],
                dtype: DType::Bool,
            },
        );
        ckpt.insert(
            "0.weight",
            Tensor::new(vec![3, 1], vec![1.0, 2.0, 3.0]).unwrap(),
        );
        ckpt.insert("1.steps", Tensor::from_integers(vec![2], &[-5, 7]).unwrap());
        let bytes = ckpt.to_bytes().unwrap();
        let raw = SafeTensors::deserialize(&bytes).unwrap();
        assert_eq!(raw.tensor("0.mask").unwrap().dtype(), Dtype::BOOL);
        assert_eq!(raw.tensor("1.steps").unwrap().dtype(), Dtype::I64);
        same_bits(&Checkpoint::from_bytes(&bytes, "mixed").unwrap(), &ckpt);
    }

    /// The fixture's float tensors re-encoded as `dtype` by the reference
    /// crate, each value passed through `narrow`.
    fn narrowed_copy(ckpt: &Checkpoint, dtype: Dtype, encode: impl Fn(f64) -> Vec<u8>) -> Vec<u8> {
        let buffers: Vec<(String, Vec<usize>, Vec<u8>)> = ckpt
            .iter()
            .map(|(n, t)| {
                let bytes = t.data.iter().flat_map(|&v| encode(v)).collect();
                (n.to_string(), t.shape.clone(), bytes)
            })
            .collect();
        let views: Vec<(String, TensorView<'_>)> = buffers
            .iter()
            .map(|(n, s, b)| (n.clone(), TensorView::new(dtype, s.clone(), b).unwrap()))
            .collect();
        safetensors::serialize(views, None).unwrap()
    }

    #[test]
    fn f32_f16_bf16_copies_load_to_the_precision_of_their_type() {
        let ckpt = fixture("digits_64-32-10_tanh");
        type Case = (Dtype, DType, fn(f64) -> Vec<u8>, fn(f64) -> f64, f64, f64);
        let cases: [Case; 3] = [
            (
                Dtype::F32,
                DType::F32,
                |v| (v as f32).to_le_bytes().to_vec(),
                |v| f64::from(v as f32),
                1e-7,
                0.0,
            ),
            (
                Dtype::F16,
                DType::F16,
                |v| half::f16::from_f64(v).to_le_bytes().to_vec(),
                |v| half::f16::from_f64(v).to_f64(),
                1e-3,
                1e-7, // subnormal half values are absolute-precision
            ),
            (
                Dtype::BF16,
                DType::BF16,
                |v| half::bf16::from_f64(v).to_le_bytes().to_vec(),
                |v| half::bf16::from_f64(v).to_f64(),
                1e-2,
                0.0,
            ),
        ];
        for (raw_dtype, dtype, encode, exact, rel, abs) in cases {
            let bytes = narrowed_copy(&ckpt, raw_dtype, encode);
            let copy = Checkpoint::from_bytes(&bytes, "copy").unwrap();
            assert_eq!(
                copy.names().collect::<Vec<_>>(),
                ckpt.names().collect::<Vec<_>>()
            );
            for ((_, a), (_, b)) in ckpt.iter().zip(copy.iter()) {
                assert_eq!(b.dtype, dtype);
                assert_eq!(a.shape, b.shape);
                for (&x, &y) in a.data.iter().zip(&b.data) {
                    // Widening is exact: the stored value, nothing else.
                    assert_eq!(y.to_bits(), exact(x).to_bits());
                    assert!((x - y).abs() <= rel * x.abs() + abs, "{dtype}: {x} vs {y}");
                }
            }
            // Written back, a narrow copy becomes F64 with the same values.
            let wide = Checkpoint::from_bytes(&copy.to_bytes().unwrap(), "wide").unwrap();
            assert!(wide.iter().all(|(_, t)| t.dtype == DType::F64));
            assert_eq!(
                wide.flatten(&["0.weight"]).unwrap(),
                copy.flatten(&["0.weight"]).unwrap()
            );
        }
    }

    #[test]
    fn integer_types_convert_exactly() {
        let cases: Vec<(Dtype, Vec<u8>, Vec<f64>)> = vec![
            (Dtype::I8, vec![0x80, 0x7f], vec![-128.0, 127.0]),
            (Dtype::U8, vec![0, 255], vec![0.0, 255.0]),
            (
                Dtype::I16,
                [i16::MIN, 3].iter().flat_map(|v| v.to_le_bytes()).collect(),
                vec![-32768.0, 3.0],
            ),
            (
                Dtype::U16,
                [u16::MAX, 1].iter().flat_map(|v| v.to_le_bytes()).collect(),
                vec![65535.0, 1.0],
            ),
            (
                Dtype::I32,
                [i32::MIN, -1]
                    .iter()
                    .flat_map(|v| v.to_le_bytes())
                    .collect(),
                vec![-2147483648.0, -1.0],
            ),
            (
                Dtype::U32,
                [u32::MAX, 0].iter().flat_map(|v| v.to_le_bytes()).collect(),
                vec![4294967295.0, 0.0],
            ),
            (
                Dtype::I64,
                [-(1i64 << 53), 1 << 53]
                    .iter()
                    .flat_map(|v| v.to_le_bytes())
                    .collect(),
                vec![-9007199254740992.0, 9007199254740992.0],
            ),
            (
                Dtype::U64,
                [1u64 << 53, 0]
                    .iter()
                    .flat_map(|v| v.to_le_bytes())
                    .collect(),
                vec![9007199254740992.0, 0.0],
            ),
        ];
        for (dtype, bytes, want) in cases {
            let file = raw_file("t", dtype, vec![2], &bytes);
            let t = Checkpoint::from_bytes(&file, "ints")
                .unwrap()
                .remove("t")
                .unwrap();
            assert_eq!(t.data, want, "{dtype}");
            assert!(t.dtype.is_integer());
            assert_eq!(t.dtype.name(), dtype.to_string());
        }
    }

    // ---- atomic writes --------------------------------------------------

    #[test]
    fn writing_into_a_missing_directory_fails_and_creates_nothing() {
        let dir = TempDir::new("missing-dir");
        let target = dir.path("absent/sub/x.safetensors");
        let err = fixture("iris_4-8-3_tanh").write(&target).unwrap_err();
        match &err {
            Error::Io {
                action,
                path,
                reason: source,
            } => {
                assert_eq!(action, "write");
                assert_eq!(path, &target.display().to_string());
                assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
            }
            other => panic!("expected Error::Io, got {other:?}"),
        }
        assert!(err.to_string().starts_with("cannot write "));
        assert!(dir.entries().is_empty());
    }

    #[test]
    fn failed_rename_onto_a_directory_leaves_no_temporary_file() {
        let dir = TempDir::new("onto-dir");
        std::fs::create_dir(dir.path("target.safetensors")).unwrap();
        std::fs::write(dir.path("target.safetensors/keep"), b"x").unwrap();
        let err = fixture("iris_4-8-3_tanh")
            .write(dir.path("target.safetensors"))
            .unwrap_err();
        assert!(
            matches!(&err, Error::Io { action, .. } if action == "replace"),
            "{err}"
        );
        assert_eq!(dir.entries(), ["target.safetensors"]);
        assert_eq!(
            std::fs::read(dir.path("target.safetensors/keep")).unwrap(),
            b"x"
        );
    }

    #[test]
    fn invalid_checkpoint_is_refused_before_touching_the_disk() {
        let dir = TempDir::new("refused");
        let target = dir.path("old.safetensors");
        std::fs::write(&target, b"old contents").unwrap();
        let mut ckpt = fixture("iris_4-8-3_tanh");
        ckpt.get_mut("2.bias").unwrap().data[1] = f64::INFINITY;
        let err = ckpt.write(&target).unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with(&format!("checkpoint {}: ", target.display())),
            "{text}"
        );
        assert!(
            text.contains("tensor `2.bias` has a non-finite value (inf) at flat index 1"),
            "{text}"
        );
        assert_eq!(std::fs::read(&target).unwrap(), b"old contents");
        assert_eq!(dir.entries(), ["old.safetensors"]);
    }

    #[test]
    fn overwriting_replaces_the_file_whole() {
        let dir = TempDir::new("overwrite");
        let target = dir.path("ckpt.safetensors");
        fixture("digits_64-1024-10_tanh").write(&target).unwrap();
        let small = fixture("sine_1-16-1_tanh");
        small.write(&target).unwrap();
        let bytes = std::fs::read(&target).unwrap();
        assert_eq!(bytes, small.to_bytes().unwrap());
        same_bits(&Checkpoint::read(&target).unwrap(), &small);
        assert_eq!(dir.entries(), ["ckpt.safetensors"]);
    }

    #[cfg(unix)]
    #[test]
    fn overwriting_keeps_permissions_and_follows_symlinks() {
        use std::os::unix::fs::PermissionsExt;
        let dir = TempDir::new("perms");
        let real = dir.path("real.safetensors");
        let link = dir.path("link.safetensors");
        fixture("iris_4-8-3_tanh").write(&real).unwrap();
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let sine = fixture("sine_1-16-1_tanh");
        sine.write(&link).unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        let mode = std::fs::metadata(&real).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
        same_bits(&Checkpoint::read(&real).unwrap(), &sine);
    }

    #[test]
    fn concurrent_writers_never_expose_a_partial_file() {
        let dir = TempDir::new("concurrent");
        let target = dir.path("ckpt.safetensors");
        let a = fixture("digits_64-32-10_tanh");
        let b = fixture("iris_4-6bn-3_tanh");
        a.write(&target).unwrap();
        std::thread::scope(|s| {
            for ckpt in [&a, &b] {
                let target = &target;
                s.spawn(move || {
                    for _ in 0..10 {
                        ckpt.write(target).unwrap();
                    }
                });
            }
            s.spawn(|| {
                for _ in 0..30 {
                    let read = Checkpoint::read(&target).unwrap();
                    assert!(read == a || read == b);
                }
            });
        });
        assert_eq!(dir.entries(), ["ckpt.safetensors"]);
    }

    // ---- errors on reading ----------------------------------------------

    #[test]
    fn missing_file_is_an_io_error_naming_the_path() {
        let err = Checkpoint::read("/definitely/not/here.safetensors").unwrap_err();
        match &err {
            Error::Io { action, path, .. } => {
                assert_eq!(action, "read");
                assert_eq!(path, "/definitely/not/here.safetensors");
            }
            other => panic!("expected Error::Io, got {other:?}"),
        }
        assert!(
            err.to_string()
                .starts_with("cannot read /definitely/not/here.safetensors: ")
        );
    }

    #[test]
    fn garbage_is_not_a_safetensors_file() {
        for bytes in [
            &b""[..],
            b"1234567",
            b"PK\x03\x04 this is a zip",
            &[0xff; 64],
            b"\x02\x00\x00\x00\x00\x00\x00\x00[]",
        ] {
            let err = Checkpoint::from_bytes(bytes, "junk.bin").unwrap_err();
            let text = err.to_string();
            assert!(
                text.starts_with("checkpoint junk.bin: not a safetensors file ("),
                "{text}"
            );
        }
    }

    #[test]
    fn every_truncation_of_a_valid_file_is_an_error() {
        let bytes = std::fs::read(fixture_path("iris_4-6bn-3_tanh")).unwrap();
        for len in 0..bytes.len() {
            let err = Checkpoint::from_bytes(&bytes[..len], "cut").unwrap_err();
            assert!(matches!(err, Error::Checkpoint { .. }));
        }
    }

    #[test]
    fn offsets_near_usize_max_are_an_error_not_an_overflow() {
        // Eight U8 tensors of 2^61 - 1 bytes each tile offsets up to
        // 2^64 - 8; the decoder would add the header length to that.
        let size = (1usize << 61) - 1;
        let mut header = String::from("{");
        for i in 0..8 {
            if i > 0 {
                header.push(',');
            }
            header.push_str(&format!(
                "\"t{i}\":{{\"dtype\":\"U8\",\"shape\":[{size}],\"data_offsets\":[{},{}]}}",
                i * size,
                (i + 1) * size
            ));
        }
        header.push('}');
        let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
        bytes.extend_from_slice(header.as_bytes());
        let text = Checkpoint::from_bytes(&bytes, "huge")
            .unwrap_err()
            .to_string();
        assert!(text.contains("beyond the 0 bytes of data"), "{text}");
    }

    #[test]
    fn nan_and_inf_name_the_tensor_and_index() {
        let mut values = [0.5f32; 8];
        values[5] = f32::NAN;
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        let file = raw_file("0.weight", Dtype::F32, vec![2, 4], &bytes);
        let msg = message(Checkpoint::from_bytes(&file, "nan.safetensors").unwrap_err());
        assert_eq!(
            msg,
            "tensor `0.weight` (F32) has a non-finite value (NaN) at flat index 5 (index [1, 1])"
        );

        let bytes: Vec<u8> = [1.0, f64::NEG_INFINITY]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let file = raw_file("2.bias", Dtype::F64, vec![2], &bytes);
        let msg = message(Checkpoint::from_bytes(&file, "inf").unwrap_err());
        assert!(msg.contains("`2.bias` (F64) has a non-finite value (-inf) at flat index 1"));

        // 0x7c00 is +inf in half precision.
        let file = raw_file("1.weight", Dtype::F16, vec![], &[0x00, 0x7c]);
        let msg = message(Checkpoint::from_bytes(&file, "inf16").unwrap_err());
        assert!(msg.contains("`1.weight` (F16) has a non-finite value (inf) at flat index 0"));
    }

    #[test]
    fn unsupported_dtype_is_named_with_the_supported_ones() {
        let file = raw_file("0.weight", Dtype::F8_E4M3, vec![2], &[1, 2]);
        let msg = message(Checkpoint::from_bytes(&file, "fp8").unwrap_err());
        assert_eq!(
            msg,
            "tensor `0.weight` has the unsupported dtype F8_E4M3; supported: \
             F64, F32, F16, BF16, I64, I32, I16, I8, U64, U32, U16, U8, BOOL"
        );
        let file = raw_file("c", Dtype::C64, vec![1], &[0; 8]);
        assert!(message(Checkpoint::from_bytes(&file, "c64").unwrap_err()).contains("C64"));
    }

    #[test]
    fn integers_beyond_2_pow_53_and_bad_booleans_are_refused() {
        let too_big = ((1i64 << 53) + 1).to_le_bytes();
        let file = raw_file("1.num_batches_tracked", Dtype::I64, vec![], &too_big);
        let msg = message(Checkpoint::from_bytes(&file, "big").unwrap_err());
        assert!(msg.contains("`1.num_batches_tracked` (I64) has the value 9007199254740993"));
        assert!(msg.contains("beyond ±2^53"));

        let file = raw_file("u", Dtype::U64, vec![1], &u64::MAX.to_le_bytes());
        assert!(Checkpoint::from_bytes(&file, "u64").is_err());

        let file = raw_file("m", Dtype::BOOL, vec![3], &[0, 1, 2]);
        let msg = message(Checkpoint::from_bytes(&file, "bool").unwrap_err());
        assert!(
            msg.contains("`m` (BOOL) has the byte 0x02 at flat index 2"),
            "{msg}"
        );
    }

    // ---- validation against a model -------------------------------------

    fn iris_expected() -> Vec<(String, Vec<usize>)> {
        arch_tensors("linear(4,8),tanh,linear(8,3)")
    }

    #[test]
    fn missing_tensor_message() {
        let mut ckpt = fixture("iris_4-8-3_tanh");
        ckpt.remove("2.weight");
        let msg = message(ckpt.check_tensors(&iris_expected(), |_| false).unwrap_err());
        assert_eq!(msg, "missing tensor `2.weight` (expected shape [3, 8])");
    }

    #[test]
    fn wrong_shape_message() {
        let mut ckpt = fixture("iris_4-8-3_tanh");
        ckpt.insert("0.weight", Tensor::new(vec![8, 5], vec![0.0; 40]).unwrap());
        let err = ckpt.check_tensors(&iris_expected(), |_| false).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "checkpoint {}: tensor `0.weight` has shape [8, 5], expected [8, 4]",
                fixture_path("iris_4-8-3_tanh")
            )
        );
    }

    #[test]
    fn unexpected_tensor_message_lists_the_architecture() {
        let mut ckpt = fixture("iris_4-8-3_tanh");
        ckpt.insert("5.weight", Tensor::new(vec![2, 3], vec![0.0; 6]).unwrap());
        let msg = message(ckpt.check_tensors(&iris_expected(), |_| false).unwrap_err());
        assert_eq!(
            msg,
            "unexpected tensor `5.weight` with shape [2, 3]; \
             the architecture has tensors 0.weight, 0.bias, 2.weight, 2.bias"
        );
        ckpt.check_tensors(&iris_expected(), |n| n.starts_with("5."))
            .unwrap();
    }

    #[test]
    fn all_problems_in_one_message() {
        let mut ckpt = fixture("iris_4-8-3_tanh");
        ckpt.remove("2.bias");
        ckpt.insert("0.weight", Tensor::new(vec![4, 8], vec![0.0; 32]).unwrap());
        ckpt.insert("3.weight", Tensor::new(vec![1], vec![0.0]).unwrap());
        let msg = message(ckpt.check_tensors(&iris_expected(), |_| false).unwrap_err());
        assert_eq!(
            msg,
            "3 problems: tensor `0.weight` has shape [4, 8], expected [8, 4]; \
             missing tensor `2.bias` (expected shape [3]); \
             unexpected tensor `3.weight` with shape [1]; \
             the architecture has tensors 0.weight, 0.bias, 2.weight, 2.bias"
        );
    }

    #[test]
    fn batchnorm_buffers_are_expected_or_allowed() {
        let ckpt = fixture("iris_4-6bn-3_tanh");
        let params: Vec<(String, Vec<usize>)> =
            arch_tensors("linear(4,6),batchnorm(6),tanh,linear(6,3)")
                .into_iter()
                .filter(|(n, _)| !n.contains("running") && !n.contains("num_batches"))
                .collect();
        let err = ckpt.check_tensors(&params, |_| false).unwrap_err();
        assert!(message(err).starts_with("3 problems: unexpected tensor `1.running_mean`"));
        let buffers = ["running_mean", "running_var", "num_batches_tracked"];
        ckpt.check_tensors(&params, |n| buffers.iter().any(|b| n.ends_with(b)))
            .unwrap();
    }

    #[test]
    fn duplicate_expected_names_are_invalid_input() {
        let ckpt = fixture("iris_4-8-3_tanh");
        let expected = [("0.bias", vec![8]), ("0.bias", vec![8])];
        let err = ckpt.check_tensors(&expected, |_| false).unwrap_err();
        assert!(matches!(err, Error::InvalidInput(_)));
    }

    // ---- flat parameter vectors -----------------------------------------

    #[test]
    fn flatten_follows_the_given_order_and_unflatten_inverts_it() {
        let ckpt = fixture("iris_4-6bn-3_tanh");
        let order = [
            "0.weight", "0.bias", "1.weight", "1.bias", "3.weight", "3.bias",
        ];
        let theta = ckpt.flatten(&order).unwrap();
        assert_eq!(theta.len(), 63);
        assert_eq!(
            theta[0].to_bits(),
            ckpt.get("0.weight").unwrap().data[0].to_bits()
        );
        assert_eq!(
            theta[24].to_bits(),
            ckpt.get("0.bias").unwrap().data[0].to_bits()
        );

        let layout: Vec<(&str, Vec<usize>)> = order
            .iter()
            .map(|&n| (n, ckpt.get(n).unwrap().shape.clone()))
            .collect();
        let mut other = ckpt.clone();
        let shifted = theta.map(|v| v + 1.0);
        other.unflatten_into(&layout, &shifted).unwrap();
        assert_eq!(other.flatten(&order).unwrap(), shifted);
        // Buffers untouched.
        assert_eq!(other.get("1.running_mean"), ckpt.get("1.running_mean"));
        other.unflatten_into(&layout, &theta).unwrap();
        same_bits(&other, &ckpt);
    }

    #[test]
    fn flatten_names_a_missing_tensor() {
        let ckpt = fixture("iris_4-8-3_tanh");
        let msg = message(ckpt.flatten(&["0.weight", "4.weight"]).unwrap_err());
        assert_eq!(
            msg,
            "missing tensor `4.weight`; the checkpoint has tensors 0.weight, 0.bias, 2.weight, 2.bias"
        );
        let mut bad = ckpt.clone();
        bad.get_mut("0.bias").unwrap().data.pop();
        let msg = message(bad.flatten(&["0.bias"]).unwrap_err());
        assert_eq!(
            msg,
            "tensor `0.bias` has shape [8] (8 elements) but holds 7 values"
        );
    }

    #[test]
    fn unflatten_checks_length_finiteness_and_names_before_changing_anything() {
        let original = fixture("iris_4-8-3_tanh");
        let layout = iris_expected();
        let mut ckpt = original.clone();

        let err = ckpt
            .unflatten_into(&layout, &DVector::zeros(50))
            .unwrap_err();
        assert!(matches!(err, Error::DimensionMismatch { .. }));
        assert!(err.to_string().contains("expected 67 values (0.weight [8, 4], 0.bias [8], 2.weight [3, 8], 2.bias [3]), found 50 values"), "{err}");

        let mut v = DVector::zeros(67);
        v[36] = f64::NAN;
        let err = ckpt.unflatten_into(&layout, &v).unwrap_err();
        assert!(matches!(err, Error::NonFinite { .. }));
        assert!(
            err.to_string()
                .contains("entry 36 is NaN: tensor `0.bias`, index [4]"),
            "{err}"
        );

        let twice = [("0.bias", vec![8]), ("0.bias", vec![8])];
        let err = ckpt
            .unflatten_into(&twice, &DVector::zeros(16))
            .unwrap_err();
        assert!(matches!(err, Error::InvalidInput(_)));

        same_bits(&ckpt, &original);
    }

    #[test]
    fn write_refuses_inconsistent_tensors() {
        let mut ckpt = Checkpoint::new();
        ckpt.insert(
            "0.weight",
            Tensor {
                shape: vec![2, 2],
                data: vec![1.0; 3],
                dtype: DType::F32,
            },
        );
        let msg = message(ckpt.to_bytes().unwrap_err());
        assert_eq!(
            msg,
            "tensor `0.weight` has shape [2, 2] (4 elements) but holds 3 values"
        );

        let mut ckpt = Checkpoint::new();
        ckpt.insert(
            "1.num_batches_tracked",
            Tensor {
                shape: vec![],
                data: vec![2.5],
                dtype: DType::I64,
            },
        );
        let msg = message(ckpt.to_bytes().unwrap_err());
        assert_eq!(
            msg,
            "tensor `1.num_batches_tracked` (I64) has the non-integer value 2.5 at flat index 0 (index [])"
        );

        let mut ckpt = Checkpoint::new();
        ckpt.insert("__metadata__", Tensor::new(vec![], vec![1.0]).unwrap());
        assert!(message(ckpt.to_bytes().unwrap_err()).contains("`__metadata__`"));
    }

    // ---- never a panic --------------------------------------------------

    fn valid_file() -> Vec<u8> {
        std::fs::read(fixture_path("iris_4-6bn-3_tanh")).unwrap()
    }

    fn header_file(header: &str, data_len: usize) -> Vec<u8> {
        let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
        bytes.extend_from_slice(header.as_bytes());
        bytes.extend(std::iter::repeat_n(0x3fu8, data_len));
        bytes
    }

    fn any_dim() -> impl Strategy<Value = u64> {
        prop_oneof![
            0u64..6,
            Just(u64::MAX),
            Just(1 << 61),
            Just((1 << 61) - 1),
            any::<u64>()
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = Checkpoint::from_bytes(&bytes, "fuzz");
        }

        #[test]
        fn truncated_or_mutated_files_never_panic(
            cut in 0usize..1300,
            flips in proptest::collection::vec((0usize..1300, any::<u8>()), 0..4),
        ) {
            let mut bytes = valid_file();
            for (at, b) in flips {
                if let Some(slot) = bytes.get_mut(at) {
                    *slot = b;
                }
            }
            bytes.truncate(cut);
            let _ = Checkpoint::from_bytes(&bytes, "fuzz");
        }

        #[test]
        fn arbitrary_headers_never_panic(
            dtype in prop::sample::select(vec![
                "F64", "F32", "F16", "BF16", "I64", "I32", "I16", "I8", "U64", "U32",
                "U16", "U8", "BOOL", "F4", "F8_E4M3", "C64", "X1",
            ]),
            shape in proptest::collection::vec(any_dim(), 0..4),
            start in any_dim(),
            end in any_dim(),
            data_len in 0usize..64,
        ) {
            let shape: Vec<String> = shape.iter().map(u64::to_string).collect();
            let header = format!(
                "{{\"__metadata__\":{{\"a\":\"b\"}},\"x\":{{\"dtype\":\"{dtype}\",\"shape\":[{}],\"data_offsets\":[{start},{end}]}}}}",
                shape.join(",")
            );
            let _ = Checkpoint::from_bytes(&header_file(&header, data_len), "fuzz");
        }

        #[test]
        fn written_checkpoints_read_back_bit_exact(
            values in proptest::collection::vec(
                prop_oneof![any::<f64>().prop_filter("finite", |v| v.is_finite()), Just(-0.0)],
                0..40,
            ),
            counter in -(1i64 << 53)..=(1i64 << 53),
        ) {
            let mut ckpt = Checkpoint::new().with_metadata("k", "v");
            let n = values.len();
            ckpt.insert("0.weight", Tensor::new(vec![n, 1], values).unwrap());
            ckpt.insert("0.num_batches_tracked", Tensor::from_integers(vec![], &[counter]).unwrap());
            let back = Checkpoint::from_bytes(&ckpt.to_bytes().unwrap(), "prop").unwrap();
            same_bits(&ckpt, &back);
        }
    }
}
