//! Neural networks: PyTorch `nn.Sequential` models written as one line.
//!
//! An [`Architecture`] is parsed from a spec such as
//! `linear(4,8),tanh,linear(8,3)`; its i-th item is index i of the
//! Sequential, so it names its tensors `"i.weight"`, `"i.bias"`, … exactly as
//! PyTorch's `state_dict()` does. [`Architecture::parameters`] gives the flat
//! parameter vector's layout in `named_parameters()` order and
//! [`Architecture::buffers`] the BatchNorm running statistics, which are not
//! parameters.
//!
//! `spec` holds the layer list, its syntax, parser and canonical form.

mod spec;

pub use spec::{Architecture, BufferSpec, Layer, ParameterSpec};
