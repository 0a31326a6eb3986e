//! Checkpoints: PyTorch `state_dict`s in safetensors files.
//!
//! A [`Checkpoint`] holds named [`Tensor`]s the way PyTorch names the
//! tensors of an `nn.Sequential` (`"0.weight"` of shape `[out, in]`,
//! `"0.bias"`, `"1.running_mean"`, `"1.num_batches_tracked"`, …) and the
//! file's `__metadata__` strings.
//!
//! # Guarantees
//!
//! - Values are `f64` in memory. F64, F32, F16 and BF16 tensors are widened
//!   exactly; integer tensors (I64, I32, I16, I8, U64, U32, U16, U8) and BOOL
//!   are converted exactly, and integers beyond ±2^53 are refused rather
//!   than rounded. [`Tensor::dtype`] records the stored type.
//! - No NaN or ±∞ enters from a file or leaves into one: reading and writing
//!   name the tensor and the flat index of the first such value.
//! - Reading never panics, whatever the bytes: every failure is an
//!   [`Error`](crate::Error).
//! - Tensors are kept in PyTorch `state_dict()` order, rebuilt from the names
//!   since the file format keeps no order: a module's own tensors before its
//!   children's, numbered children by number, named children alphabetically,
//!   and a module's own tensors as PyTorch's layers register them — `weight`,
//!   `bias`, `running_mean`, `running_var`, `num_batches_tracked`, then other
//!   names alphabetically. The flat parameter vector follows the order a
//!   model passes to [`Checkpoint::flatten`] (its `named_parameters()`).
//! - Writes are atomic: a temporary file in the target's directory, synced,
//!   then renamed over the target. A failed write leaves no temporary file
//!   and leaves an existing target untouched. Floats are written as F64 and
//!   integers as I64, which `safetensors.torch.load_file` loads back into a
//!   float64 `state_dict`; equal checkpoints are written as identical bytes.

mod atomic;
mod file;
mod order;
mod tensor;

pub use file::Checkpoint;
pub use tensor::{DType, Tensor};
