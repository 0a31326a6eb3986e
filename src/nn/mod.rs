//! Neural networks: PyTorch `nn.Sequential` models written as one line,
//! their layers and losses, and a network's loss on a data set as a
//! twice-differentiable function of its parameters.
//!
//! An [`Architecture`] is parsed from a spec such as
//! `linear(4,8),tanh,linear(8,3)`; its i-th item is index i of the
//! Sequential, so it names its tensors `"i.weight"`, `"i.bias"`, … exactly as
//! PyTorch's `state_dict()` does. [`Architecture::parameters`] gives the flat
//! parameter vector's layout in `named_parameters()` order and
//! [`Architecture::buffers`] the BatchNorm running statistics, which are not
//! parameters.
//!
//! - `spec`: the layer list, its syntax, parser and canonical form;
//! - `kernel`: dual matrices (real and tangent planes) and their arithmetic;
//! - `layers`, `loss`: forward and backward passes, written once over dual matrices;
//! - `network`: [`Network`] (from a checkpoint) and [`NetworkObjective`].

mod fast;
mod kernel;
mod layers;
mod loss;
mod network;
mod spec;

pub use layers::BatchNormMode;
pub use loss::Loss;
pub use network::{
    BatchGradient, BatchNormStats, META_ARCH, META_DATA, META_LOSS, META_TRAIN, Network,
    NetworkObjective, NetworkOptions,
};
pub use spec::{Architecture, BufferSpec, Layer, ParameterSpec};
