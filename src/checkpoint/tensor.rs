//! One tensor of a checkpoint: shape, row-major `f64` data and the element
//! type it had in the file.

use std::fmt;

use crate::{Error, Result};

/// 2^53: every integer of at most this magnitude is exactly an `f64`.
const MAX_EXACT_INT: u64 = 1 << 53;

/// The element type a tensor is stored with in a safetensors file.
///
/// Values are `f64` in memory whatever the stored type: floats are widened
/// exactly, integers are converted exactly (those beyond ±2^53 are refused).
/// On write, float tensors become [`DType::F64`], integer tensors
/// [`DType::I64`] and boolean tensors [`DType::Bool`] (see
/// [`DType::written_as`]).
///
/// # Examples
///
/// ```
/// use saddlescope::DType;
///
/// assert_eq!(DType::BF16.to_string(), "BF16");
/// assert!(DType::F16.is_float());
/// assert_eq!(DType::I32.written_as(), DType::I64);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DType {
    /// IEEE 754 double precision (`torch.float64`).
    F64,
    /// IEEE 754 single precision (`torch.float32`).
    F32,
    /// IEEE 754 half precision (`torch.float16`).
    F16,
    /// bfloat16 (`torch.bfloat16`).
    BF16,
    /// 64-bit signed integer (`torch.int64`, e.g. `num_batches_tracked`).
    I64,
    /// 32-bit signed integer (`torch.int32`).
    I32,
    /// 16-bit signed integer (`torch.int16`).
    I16,
    /// 8-bit signed integer (`torch.int8`).
    I8,
    /// 64-bit unsigned integer (`torch.uint64`).
    U64,
    /// 32-bit unsigned integer (`torch.uint32`).
    U32,
    /// 16-bit unsigned integer (`torch.uint16`).
    U16,
    /// 8-bit unsigned integer (`torch.uint8`).
    U8,
    /// Boolean, one byte 0 or 1 (`torch.bool`).
    Bool,
}

impl DType {
    /// Every element type a checkpoint may hold, in the order error messages
    /// list them.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::DType;
    ///
    /// assert!(DType::SUPPORTED.contains(&DType::BF16));
    /// assert_eq!(DType::SUPPORTED.len(), 13);
    /// ```
    pub const SUPPORTED: [DType; 13] = [
        DType::F64,
        DType::F32,
        DType::F16,
        DType::BF16,
        DType::I64,
        DType::I32,
        DType::I16,
        DType::I8,
        DType::U64,
        DType::U32,
        DType::U16,
        DType::U8,
        DType::Bool,
    ];

    /// The name safetensors headers use (`"F64"`, `"BF16"`, `"BOOL"`, …).
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::DType;
    ///
    /// assert_eq!(DType::Bool.name(), "BOOL");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            DType::F64 => "F64",
            DType::F32 => "F32",
            DType::F16 => "F16",
            DType::BF16 => "BF16",
            DType::I64 => "I64",
            DType::I32 => "I32",
            DType::I16 => "I16",
            DType::I8 => "I8",
            DType::U64 => "U64",
            DType::U32 => "U32",
            DType::U16 => "U16",
            DType::U8 => "U8",
            DType::Bool => "BOOL",
        }
    }

    /// Whether the type is a floating-point type.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::DType;
    ///
    /// assert!(DType::F32.is_float());
    /// assert!(!DType::I64.is_float());
    /// ```
    pub fn is_float(self) -> bool {
        matches!(self, DType::F64 | DType::F32 | DType::F16 | DType::BF16)
    }

    /// Whether the type is a signed or unsigned integer type (not
    /// [`DType::Bool`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::DType;
    ///
    /// assert!(DType::U8.is_integer());
    /// assert!(!DType::Bool.is_integer());
    /// ```
    pub fn is_integer(self) -> bool {
        !self.is_float() && self != DType::Bool
    }

    /// Bytes per element in a file.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::DType;
    ///
    /// assert_eq!(DType::BF16.size_in_bytes(), 2);
    /// assert_eq!(DType::F64.size_in_bytes(), 8);
    /// ```
    pub fn size_in_bytes(self) -> usize {
        match self {
            DType::F64 | DType::I64 | DType::U64 => 8,
            DType::F32 | DType::I32 | DType::U32 => 4,
            DType::F16 | DType::BF16 | DType::I16 | DType::U16 => 2,
            DType::I8 | DType::U8 | DType::Bool => 1,
        }
    }

    /// The type a tensor of this type is written as: floats as
    /// [`DType::F64`], integers as [`DType::I64`], booleans as
    /// [`DType::Bool`]. These load back into a PyTorch `state_dict` whose
    /// parameters are float64 and whose counters are int64.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::DType;
    ///
    /// assert_eq!(DType::F16.written_as(), DType::F64);
    /// assert_eq!(DType::U8.written_as(), DType::I64);
    /// assert_eq!(DType::Bool.written_as(), DType::Bool);
    /// ```
    pub fn written_as(self) -> DType {
        if self.is_float() {
            DType::F64
        } else if self.is_integer() {
            DType::I64
        } else {
            DType::Bool
        }
    }

    /// The supported type names, comma-separated, for error messages.
    pub(crate) fn supported_list() -> String {
        DType::SUPPORTED.map(DType::name).join(", ")
    }

    pub(crate) fn from_safetensors(dtype: safetensors::Dtype) -> Option<DType> {
        use safetensors::Dtype as S;
        Some(match dtype {
            S::F64 => DType::F64,
            S::F32 => DType::F32,
            S::F16 => DType::F16,
            S::BF16 => DType::BF16,
            S::I64 => DType::I64,
            S::I32 => DType::I32,
            S::I16 => DType::I16,
            S::I8 => DType::I8,
            S::U64 => DType::U64,
            S::U32 => DType::U32,
            S::U16 => DType::U16,
            S::U8 => DType::U8,
            S::BOOL => DType::Bool,
            _ => return None,
        })
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A named array of a checkpoint, e.g. a layer's `weight` of shape
/// `[out, in]`.
///
/// `data` is row-major (C order, PyTorch's default) and always `f64`;
/// `dtype` records the type the file stored (or will store, see
/// [`DType::written_as`]). A scalar has the empty shape `[]` and one value.
///
/// The fields are public for convenience; [`Tensor::new`] and
/// [`Tensor::from_integers`] check that they agree, and
/// [`Checkpoint::write`](crate::Checkpoint::write) checks again before
/// anything reaches a file.
///
/// # Examples
///
/// ```
/// use saddlescope::{DType, Tensor};
///
/// let w = Tensor::new(vec![2, 3], vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0])?;
/// assert_eq!(w.dtype, DType::F64);
/// assert_eq!(w.element_count(), Some(6));
/// // Row 1, column 0 of a row-major [2, 3] array.
/// assert_eq!(w.data[1 * 3 + 0], 4.0);
/// # Ok::<(), saddlescope::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    /// The dimensions, outermost first; `[]` for a scalar.
    pub shape: Vec<usize>,
    /// The values in row-major order, `shape.iter().product()` of them.
    pub data: Vec<f64>,
    /// The element type in the file.
    pub dtype: DType,
}

impl Tensor {
    /// A float tensor ([`DType::F64`]) from its shape and row-major values.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when the number of values is not the product
    /// of the shape, [`Error::NonFinite`] when a value is NaN or infinite.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{Error, Tensor};
    ///
    /// let b = Tensor::new(vec![3], vec![0.1, 0.2, 0.3])?;
    /// assert_eq!(b.shape, [3]);
    ///
    /// let err = Tensor::new(vec![2, 2], vec![1.0]).unwrap_err();
    /// assert!(matches!(err, Error::InvalidInput(_)));
    /// assert!(Tensor::new(vec![1], vec![f64::NAN]).is_err());
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn new(shape: Vec<usize>, data: Vec<f64>) -> Result<Tensor> {
        let tensor = Tensor {
            shape,
            data,
            dtype: DType::F64,
        };
        tensor
            .check_count("the tensor")
            .map_err(Error::InvalidInput)?;
        if let Some((i, v)) = first_non_finite(&tensor.data) {
            return Err(Error::NonFinite {
                what: "a tensor value".into(),
                detail: format!(
                    "{v} at flat index {i} (index {:?})",
                    unravel(i, &tensor.shape)
                ),
            });
        }
        Ok(tensor)
    }

    /// An integer tensor ([`DType::I64`]), such as a BatchNorm's
    /// `num_batches_tracked` (shape `[]`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when the number of values is not the product
    /// of the shape, or a value's magnitude exceeds 2^53 (beyond which `f64`
    /// does not hold every integer).
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{DType, Tensor};
    ///
    /// let steps = Tensor::from_integers(vec![], &[30])?;
    /// assert_eq!(steps.dtype, DType::I64);
    /// assert_eq!(steps.data, [30.0]);
    /// assert!(Tensor::from_integers(vec![], &[i64::MAX]).is_err());
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn from_integers(shape: Vec<usize>, values: &[i64]) -> Result<Tensor> {
        if let Some((i, v)) = values
            .iter()
            .enumerate()
            .find(|(_, v)| v.unsigned_abs() > MAX_EXACT_INT)
        {
            return Err(Error::InvalidInput(format!(
                "integer tensor value {v} at flat index {i} is beyond ±2^53, \
                 where f64 holds every integer exactly"
            )));
        }
        let tensor = Tensor {
            shape,
            data: values.iter().map(|&v| v as f64).collect(),
            dtype: DType::I64,
        };
        tensor
            .check_count("the tensor")
            .map_err(Error::InvalidInput)?;
        Ok(tensor)
    }

    /// The number of elements the shape describes (1 for a scalar), or
    /// `None` if that product overflows `usize`.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::Tensor;
    ///
    /// let w = Tensor::new(vec![8, 4], vec![0.0; 32])?;
    /// assert_eq!(w.element_count(), Some(32));
    /// let s = Tensor::from_integers(vec![], &[7])?;
    /// assert_eq!(s.element_count(), Some(1));
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn element_count(&self) -> Option<usize> {
        element_count(&self.shape)
    }

    /// Checks that `data` has as many values as `shape` describes. `label`
    /// names the tensor in the message ("tensor `0.weight`").
    pub(crate) fn check_count(&self, label: &str) -> std::result::Result<(), String> {
        match self.element_count() {
            Some(n) if n == self.data.len() => Ok(()),
            Some(n) => Err(format!(
                "{label} has shape {:?} ({n} elements) but holds {} values",
                self.shape,
                self.data.len()
            )),
            None => Err(format!(
                "{label} has shape {:?}, whose element count overflows",
                self.shape
            )),
        }
    }

    /// Checks everything a file needs (count, finiteness, integrality) and
    /// returns the type the tensor is written as.
    pub(crate) fn check_for_write(&self, name: &str) -> std::result::Result<DType, String> {
        let label = format!("tensor `{name}`");
        self.check_count(&label)?;
        let written = self.dtype.written_as();
        // (flat index, what is wrong, why it matters)
        let bad = match written {
            DType::F64 => first_non_finite(&self.data)
                .map(|(i, v)| (i, format!("has a non-finite value ({v})"), String::new())),
            DType::I64 => self
                .data
                .iter()
                .enumerate()
                .find(|(_, v)| v.fract() != 0.0 || v.abs() > MAX_EXACT_INT as f64)
                .map(|(i, &v)| {
                    if v.fract() == 0.0 {
                        (
                            i,
                            format!("({}) has the value {v:?}", self.dtype),
                            ", beyond ±2^53 where f64 holds every integer exactly".into(),
                        )
                    } else {
                        (
                            i,
                            format!("({}) has the non-integer value {v}", self.dtype),
                            String::new(),
                        )
                    }
                }),
            _ => self
                .data
                .iter()
                .enumerate()
                .find(|(_, v)| **v != 0.0 && **v != 1.0)
                .map(|(i, &v)| {
                    (
                        i,
                        format!("(BOOL) has the value {v}"),
                        ", expected 0 or 1".into(),
                    )
                }),
        };
        match bad {
            Some((i, what, why)) => Err(format!(
                "{label} {what} at flat index {i} (index {:?}){why}",
                unravel(i, &self.shape)
            )),
            None => Ok(written),
        }
    }

    /// Appends the little-endian bytes of the tensor as `written` (the
    /// result of [`Tensor::check_for_write`]).
    pub(crate) fn encode_into(&self, written: DType, out: &mut Vec<u8>) {
        match written {
            DType::F64 => self
                .data
                .iter()
                .for_each(|v| out.extend_from_slice(&v.to_le_bytes())),
            DType::I64 => self
                .data
                .iter()
                .for_each(|&v| out.extend_from_slice(&(v as i64).to_le_bytes())),
            _ => self.data.iter().for_each(|&v| out.push(u8::from(v != 0.0))),
        }
    }

    /// Decodes a tensor's bytes as stored in a file; the error message names
    /// the tensor.
    pub(crate) fn decode(
        name: &str,
        dtype: safetensors::Dtype,
        shape: &[usize],
        bytes: &[u8],
    ) -> std::result::Result<Tensor, String> {
        let Some(dt) = DType::from_safetensors(dtype) else {
            return Err(format!(
                "tensor `{name}` has the unsupported dtype {dtype}; supported: {}",
                DType::supported_list()
            ));
        };
        let count = element_count(shape)
            .filter(|n| n.checked_mul(dt.size_in_bytes()) == Some(bytes.len()))
            .ok_or_else(|| {
                format!(
                    "tensor `{name}` ({dt}, shape {shape:?}) does not fit its {} bytes",
                    bytes.len()
                )
            })?;
        let too_large = |i: usize, v: &dyn fmt::Display| {
            format!(
                "tensor `{name}` ({dt}) has the value {v} at flat index {i} (index {:?}), \
                 beyond ±2^53 where f64 holds every integer exactly",
                unravel(i, shape)
            )
        };
        let mut data = Vec::with_capacity(count);
        match dt {
            DType::F64 => words(bytes).for_each(|w| data.push(f64::from_le_bytes(w))),
            DType::F32 => words(bytes).for_each(|w| data.push(f64::from(f32::from_le_bytes(w)))),
            DType::F16 => words(bytes)
                .for_each(|w| data.push(half::f16::from_bits(u16::from_le_bytes(w)).to_f64())),
            DType::BF16 => words(bytes)
                .for_each(|w| data.push(half::bf16::from_bits(u16::from_le_bytes(w)).to_f64())),
            DType::I64 => {
                for (i, w) in words(bytes).enumerate() {
                    let v = i64::from_le_bytes(w);
                    if v.unsigned_abs() > MAX_EXACT_INT {
                        return Err(too_large(i, &v));
                    }
                    data.push(v as f64);
                }
            }
            DType::U64 => {
                for (i, w) in words(bytes).enumerate() {
                    let v = u64::from_le_bytes(w);
                    if v > MAX_EXACT_INT {
                        return Err(too_large(i, &v));
                    }
                    data.push(v as f64);
                }
            }
            DType::I32 => words(bytes).for_each(|w| data.push(f64::from(i32::from_le_bytes(w)))),
            DType::U32 => words(bytes).for_each(|w| data.push(f64::from(u32::from_le_bytes(w)))),
            DType::I16 => words(bytes).for_each(|w| data.push(f64::from(i16::from_le_bytes(w)))),
            DType::U16 => words(bytes).for_each(|w| data.push(f64::from(u16::from_le_bytes(w)))),
            DType::I8 => bytes.iter().for_each(|&b| data.push(f64::from(b as i8))),
            DType::U8 => bytes.iter().for_each(|&b| data.push(f64::from(b))),
            DType::Bool => {
                for (i, &b) in bytes.iter().enumerate() {
                    if b > 1 {
                        return Err(format!(
                            "tensor `{name}` (BOOL) has the byte {b:#04x} at flat index {i} \
                             (index {:?}), expected 0 or 1",
                            unravel(i, shape)
                        ));
                    }
                    data.push(f64::from(b));
                }
            }
        }
        if dt.is_float() {
            if let Some((i, v)) = first_non_finite(&data) {
                return Err(format!(
                    "tensor `{name}` ({dt}) has a non-finite value ({v}) at flat index {i} \
                     (index {:?})",
                    unravel(i, shape)
                ));
            }
        }
        Ok(Tensor {
            shape: shape.to_vec(),
            data,
            dtype: dt,
        })
    }
}

/// The product of the dimensions, `None` on overflow.
pub(crate) fn element_count(shape: &[usize]) -> Option<usize> {
    shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d))
}

/// The row-major multi-index of flat index `flat` in `shape`.
pub(crate) fn unravel(mut flat: usize, shape: &[usize]) -> Vec<usize> {
    let mut index = vec![0; shape.len()];
    for (slot, &d) in index.iter_mut().zip(shape).rev() {
        if d > 0 {
            *slot = flat % d;
            flat /= d;
        }
    }
    index
}

fn first_non_finite(data: &[f64]) -> Option<(usize, f64)> {
    data.iter()
        .copied()
        .enumerate()
        .find(|(_, v)| !v.is_finite())
}

/// The bytes as consecutive `N`-byte words (a trailing partial word, which
/// the caller's size check rules out, is ignored).
fn words<const N: usize>(bytes: &[u8]) -> impl Iterator<Item = [u8; N]> + '_ {
    bytes.chunks_exact(N).map(|c| {
        let mut word = [0; N];
        word.copy_from_slice(c);
        word
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unravel_is_row_major() {
        assert_eq!(unravel(5, &[2, 4]), [1, 1]);
        assert_eq!(unravel(23, &[2, 3, 4]), [1, 2, 3]);
        assert_eq!(unravel(0, &[]), Vec::<usize>::new());
    }

    #[test]
    fn constructors_check_counts_and_values() {
        let err = Tensor::new(vec![2, 3], vec![0.0; 5]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid input: the tensor has shape [2, 3] (6 elements) but holds 5 values"
        );
        let err = Tensor::new(vec![2, 2], vec![0.0, 0.0, 0.0, f64::NEG_INFINITY]).unwrap_err();
        assert!(matches!(err, Error::NonFinite { .. }));
        assert!(
            err.to_string()
                .contains("-inf at flat index 3 (index [1, 1])")
        );
        let err = Tensor::new(vec![usize::MAX, 2], vec![]).unwrap_err();
        assert!(err.to_string().contains("overflows"));

        assert_eq!(
            Tensor::from_integers(vec![], &[-(1 << 53)]).unwrap().data,
            [-9007199254740992.0]
        );
        let err = Tensor::from_integers(vec![2], &[0, (1 << 53) + 1]).unwrap_err();
        assert!(err.to_string().contains("9007199254740993 at flat index 1"));
        assert!(Tensor::from_integers(vec![3], &[1, 2]).is_err());
    }

    #[test]
    fn write_checks_follow_the_written_type() {
        let t = |dtype, data: Vec<f64>| Tensor {
            shape: vec![data.len()],
            data,
            dtype,
        };
        assert_eq!(
            t(DType::BF16, vec![0.5]).check_for_write("a"),
            Ok(DType::F64)
        );
        assert_eq!(t(DType::U8, vec![3.0]).check_for_write("a"), Ok(DType::I64));
        assert_eq!(
            t(DType::Bool, vec![1.0, 0.0]).check_for_write("a"),
            Ok(DType::Bool)
        );
        assert_eq!(
            t(DType::Bool, vec![1.0, 2.0]).check_for_write("m"),
            Err(
                "tensor `m` (BOOL) has the value 2 at flat index 1 (index [1]), expected 0 or 1"
                    .into()
            )
        );
        assert_eq!(
            t(DType::I32, vec![1e300]).check_for_write("c"),
            Err(
                "tensor `c` (I32) has the value 1e300 at flat index 0 (index [0]), beyond ±2^53 where f64 holds every integer exactly"
                    .into()
            )
        );
        assert!(t(DType::I64, vec![f64::NAN]).check_for_write("c").is_err());
        assert!(t(DType::F16, vec![f64::NAN]).check_for_write("c").is_err());
    }

    #[test]
    fn encoding_matches_the_written_type() {
        let mut out = Vec::new();
        let counter = Tensor::from_integers(vec![], &[-3]).unwrap();
        counter.encode_into(DType::I64, &mut out);
        assert_eq!(out, (-3i64).to_le_bytes());
        out.clear();
        Tensor::new(vec![1], vec![0.1])
            .unwrap()
            .encode_into(DType::F64, &mut out);
        assert_eq!(out, 0.1f64.to_le_bytes());
    }

    #[test]
    fn every_supported_type_maps_from_safetensors_and_has_its_size() {
        for d in DType::SUPPORTED {
            let st: safetensors::Dtype =
                serde_json::from_str(&format!("\"{}\"", d.name())).unwrap();
            assert_eq!(DType::from_safetensors(st), Some(d));
            assert_eq!(d.size_in_bytes() * 8, st.bitsize());
        }
        assert_eq!(DType::from_safetensors(safetensors::Dtype::F8_E5M2), None);
    }
}
