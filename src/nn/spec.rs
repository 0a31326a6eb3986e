//! The architecture spec: an `nn.Sequential` as one line of text.
//!
//! Parsing runs in three steps, each reporting faults as a [`ParseError`]
//! whose caret points at the offending character:
//!
//! 1. a lexer splits the text into words (names, numbers, keywords, values)
//!    and the punctuation `(`, `)`, `,`, `=`, with character offsets;
//! 2. a recursive-descent parser reads `name` or `name(arguments)` items and
//!    binds the arguments, positional and keyword, against the layer's entry
//!    in [`KINDS`], which also holds its usage line for messages;
//! 3. the widths are chained from layer to layer.
//!
//! The syntax itself is documented on [`Architecture`], where users see it.

use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use crate::{Error, ParseError, Result};

/// One layer of a PyTorch `nn.Sequential`.
///
/// Widths are those of the feature dimension; every layer maps a batch of
/// rows to a batch of rows. Layers without a width of their own (the
/// activations and dropout) keep the width they are given.
///
/// # Examples
///
/// ```
/// use saddlescope::Layer;
///
/// let fc = Layer::Linear { inputs: 4, outputs: 8, bias: true };
/// assert_eq!(fc.to_string(), "linear(4,8)");
/// assert_eq!(fc.output_width(4), 8);
/// assert_eq!(Layer::Tanh.output_width(8), 8);
/// assert_eq!(Layer::LeakyRelu { slope: 0.2 }.to_string(), "leaky_relu(0.2)");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
pub enum Layer {
    /// `nn.Linear(inputs, outputs, bias)`: `y = x Wᵀ + b` with `W` of shape
    /// `[outputs, inputs]`. Spec: `linear(IN,OUT)`, `linear(IN,OUT,bias=false)`.
    Linear {
        /// Input features.
        inputs: usize,
        /// Output features.
        outputs: usize,
        /// Whether the layer has a bias vector.
        bias: bool,
    },
    /// `nn.Tanh`. Spec: `tanh`.
    Tanh,
    /// `nn.ReLU`. Spec: `relu`.
    Relu,
    /// `nn.Sigmoid`, 1/(1+e⁻ˣ). Spec: `sigmoid`.
    Sigmoid,
    /// `nn.GELU` with the exact (erf) form, PyTorch's default. Spec: `gelu`.
    Gelu,
    /// `nn.Softplus` with β = 1, ln(1+eˣ). Spec: `softplus`.
    Softplus,
    /// `nn.ELU(alpha)`: x for x > 0, α(eˣ − 1) otherwise. Spec: `elu` (α = 1)
    /// or `elu(ALPHA)`.
    Elu {
        /// α, any finite number.
        alpha: f64,
    },
    /// `nn.LeakyReLU(negative_slope)`: x for x ≥ 0, slope·x otherwise.
    /// Spec: `leaky_relu` (slope 0.01) or `leaky_relu(SLOPE)`.
    LeakyRelu {
        /// The slope for negative inputs, any finite number.
        slope: f64,
    },
    /// `nn.BatchNorm1d(features)` with eps 1e-5, momentum 0.1 and an affine
    /// weight and bias; running mean and variance are buffers, not
    /// parameters. Spec: `batchnorm(N)`.
    BatchNorm {
        /// Features normalised; equal to the incoming width.
        features: usize,
    },
    /// `nn.LayerNorm(features)` over the last dimension with eps 1e-5 and an
    /// elementwise affine weight and bias. Spec: `layernorm(N)`.
    LayerNorm {
        /// Features normalised; equal to the incoming width.
        features: usize,
    },
    /// `nn.Dropout(p)`, the identity when a network is analysed (evaluation
    /// mode). Spec: `dropout` (p = 0.5) or `dropout(P)` with 0 ≤ P < 1.
    Dropout {
        /// Probability of zeroing an element during training.
        p: f64,
    },
}

impl Layer {
    /// The `eps` of [`Layer::BatchNorm`] and [`Layer::LayerNorm`], PyTorch's
    /// default for both.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(saddlescope::Layer::NORM_EPS, 1e-5);
    /// ```
    pub const NORM_EPS: f64 = 1e-5;

    /// The momentum of [`Layer::BatchNorm`]'s running statistics, PyTorch's
    /// default.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(saddlescope::Layer::BATCHNORM_MOMENTUM, 0.1);
    /// ```
    pub const BATCHNORM_MOMENTUM: f64 = 0.1;

    /// The slope of a bare `leaky_relu`, PyTorch's default.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{Architecture, Layer};
    /// let a = Architecture::parse("linear(2,2),leaky_relu")?;
    /// assert_eq!(a.layers()[1], Layer::LeakyRelu { slope: Layer::DEFAULT_LEAKY_RELU_SLOPE });
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub const DEFAULT_LEAKY_RELU_SLOPE: f64 = 0.01;

    /// The α of a bare `elu`, PyTorch's default.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{Architecture, Layer};
    /// let a = Architecture::parse("linear(2,2),elu")?;
    /// assert_eq!(a.layers()[1], Layer::Elu { alpha: Layer::DEFAULT_ELU_ALPHA });
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub const DEFAULT_ELU_ALPHA: f64 = 1.0;

    /// The p of a bare `dropout`, PyTorch's default.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{Architecture, Layer};
    /// let a = Architecture::parse("linear(2,2),dropout")?;
    /// assert_eq!(a.layers()[1], Layer::Dropout { p: Layer::DEFAULT_DROPOUT_P });
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub const DEFAULT_DROPOUT_P: f64 = 0.5;

    /// The layer's name in the spec: `linear`, `tanh`, `leaky_relu`, ….
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::Layer;
    /// assert_eq!(Layer::LeakyRelu { slope: 0.1 }.name(), "leaky_relu");
    /// assert_eq!(Layer::BatchNorm { features: 6 }.name(), "batchnorm");
    /// ```
    pub fn name(&self) -> &'static str {
        match self {
            Layer::Linear { .. } => "linear",
            Layer::Tanh => "tanh",
            Layer::Relu => "relu",
            Layer::Sigmoid => "sigmoid",
            Layer::Gelu => "gelu",
            Layer::Softplus => "softplus",
            Layer::Elu { .. } => "elu",
            Layer::LeakyRelu { .. } => "leaky_relu",
            Layer::BatchNorm { .. } => "batchnorm",
            Layer::LayerNorm { .. } => "layernorm",
            Layer::Dropout { .. } => "dropout",
        }
    }

    /// The input width the layer requires, or `None` for layers that take
    /// any width (activations, dropout).
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::Layer;
    /// assert_eq!(Layer::Linear { inputs: 4, outputs: 8, bias: true }.input_width(), Some(4));
    /// assert_eq!(Layer::LayerNorm { features: 8 }.input_width(), Some(8));
    /// assert_eq!(Layer::Relu.input_width(), None);
    /// ```
    pub fn input_width(&self) -> Option<usize> {
        match *self {
            Layer::Linear { inputs, .. } => Some(inputs),
            Layer::BatchNorm { features } | Layer::LayerNorm { features } => Some(features),
            _ => None,
        }
    }

    /// The width of the output given an input of width `input`: `outputs`
    /// for a linear layer, `input` for every other layer.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::Layer;
    /// assert_eq!(Layer::Linear { inputs: 4, outputs: 8, bias: false }.output_width(4), 8);
    /// assert_eq!(Layer::Dropout { p: 0.1 }.output_width(8), 8);
    /// ```
    pub fn output_width(&self, input: usize) -> usize {
        match *self {
            Layer::Linear { outputs, .. } => outputs,
            _ => input,
        }
    }

    /// The number of trainable parameters (saturating at `usize::MAX`, which
    /// no layer of a parsed [`Architecture`] reaches).
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::Layer;
    /// assert_eq!(Layer::Linear { inputs: 4, outputs: 8, bias: true }.n_params(), 40);
    /// assert_eq!(Layer::Linear { inputs: 4, outputs: 8, bias: false }.n_params(), 32);
    /// assert_eq!(Layer::BatchNorm { features: 6 }.n_params(), 12);
    /// assert_eq!(Layer::Tanh.n_params(), 0);
    /// ```
    pub fn n_params(&self) -> usize {
        self.checked_n_params().unwrap_or(usize::MAX)
    }

    fn checked_n_params(&self) -> Option<usize> {
        self.parameter_shapes()
            .iter()
            .try_fold(0usize, |sum, (_, shape)| {
                sum.checked_add(shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d))?)
            })
    }

    /// `named_parameters()` of the layer: suffix and shape, in registration
    /// order (weight, then bias).
    fn parameter_shapes(&self) -> Vec<(&'static str, Vec<usize>)> {
        match *self {
            Layer::Linear {
                inputs,
                outputs,
                bias,
            } => {
                let mut p = vec![("weight", vec![outputs, inputs])];
                if bias {
                    p.push(("bias", vec![outputs]));
                }
                p
            }
            Layer::BatchNorm { features } | Layer::LayerNorm { features } => {
                vec![("weight", vec![features]), ("bias", vec![features])]
            }
            _ => Vec::new(),
        }
    }

    /// `named_buffers()` of the layer: suffix, shape, whether integer.
    fn buffer_shapes(&self) -> Vec<(&'static str, Vec<usize>, bool)> {
        match *self {
            Layer::BatchNorm { features } => vec![
                ("running_mean", vec![features], false),
                ("running_var", vec![features], false),
                ("num_batches_tracked", Vec::new(), true),
            ],
            _ => Vec::new(),
        }
    }
}

/// The layer as a spec item, with arguments equal to PyTorch's defaults
/// left out: `linear(4,8)`, `linear(4,8,bias=false)`, `elu`, `dropout(0.2)`.
impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.name();
        match *self {
            Layer::Linear {
                inputs,
                outputs,
                bias,
            } => {
                write!(f, "{name}({inputs},{outputs}")?;
                if !bias {
                    f.write_str(",bias=false")?;
                }
                f.write_str(")")
            }
            Layer::BatchNorm { features } | Layer::LayerNorm { features } => {
                write!(f, "{name}({features})")
            }
            Layer::Elu { alpha: x } | Layer::LeakyRelu { slope: x } | Layer::Dropout { p: x } => {
                let default = match self {
                    Layer::Elu { .. } => Layer::DEFAULT_ELU_ALPHA,
                    Layer::LeakyRelu { .. } => Layer::DEFAULT_LEAKY_RELU_SLOPE,
                    _ => Layer::DEFAULT_DROPOUT_P,
                };
                // Bit equality: a `-0.0` or a value one ulp off is written out.
                if x.to_bits() == default.to_bits() {
                    f.write_str(name)
                } else {
                    write!(f, "{name}({})", Real(x))
                }
            }
            _ => f.write_str(name),
        }
    }
}

/// A float written so that it parses back to the same bits, without the
/// hundreds of digits `{}` gives for very small or large magnitudes.
struct Real(f64);

impl fmt::Display for Real {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let magnitude = self.0.abs();
        if magnitude == 0.0 || (1e-4..1e16).contains(&magnitude) {
            write!(f, "{}", self.0)
        } else {
            write!(f, "{:e}", self.0)
        }
    }
}

/// A neural network as a PyTorch `nn.Sequential`, parsed from a one-line
/// spec.
///
/// # Syntax
///
/// A comma-separated list of layers; the i-th is index i of the Sequential,
/// so its tensors are `"i.weight"`, `"i.bias"`, …. Whitespace may appear
/// anywhere between tokens.
///
/// | Item | PyTorch | Keywords |
/// |------|---------|----------|
/// | `linear(IN,OUT)`, `linear(IN,OUT,bias=false)` | `nn.Linear` | `in_features`, `out_features`, `bias` |
/// | `tanh`, `relu`, `sigmoid`, `gelu`, `softplus` | `nn.Tanh`, `nn.ReLU`, `nn.Sigmoid`, `nn.GELU`, `nn.Softplus` | |
/// | `elu`, `elu(ALPHA)` | `nn.ELU`, α = 1 by default | `alpha` |
/// | `leaky_relu`, `leaky_relu(SLOPE)` | `nn.LeakyReLU`, slope 0.01 by default | `negative_slope` |
/// | `batchnorm(N)` | `nn.BatchNorm1d`, eps 1e-5, momentum 0.1, affine | `num_features` |
/// | `layernorm(N)` | `nn.LayerNorm`, eps 1e-5, elementwise affine | `normalized_shape` |
/// | `dropout`, `dropout(P)` | `nn.Dropout`, P = 0.5 by default, 0 ≤ P < 1 | `p` |
///
/// Arguments may be given by position or by PyTorch's keyword
/// (`linear(in_features=4, out_features=8)`), keywords last; `bias` is
/// keyword-only. Sizes are positive integers, ALPHA and SLOPE any finite
/// numbers (a negative slope is allowed), booleans `true` or `false`
/// (`True`/`False` also). Empty parentheses are allowed: `tanh()`.
///
/// The widths must chain: each linear layer takes as many inputs as the
/// layer before gives, and a norm layer's N is the width it receives. At
/// least one linear or norm layer must fix the widths; activations and
/// dropout before it take its width.
///
/// # Canonical form
///
/// [`Display`](fmt::Display) writes the canonical spec: no spaces, and
/// arguments equal to PyTorch's defaults left out (`linear(4,8)`, `elu`,
/// `dropout`). It parses back to an equal architecture.
///
/// # Examples
///
/// ```
/// use saddlescope::{Architecture, Layer};
///
/// let arch: Architecture = "linear(4, 8), tanh, linear(8, 3)".parse()?;
/// assert_eq!(arch.to_string(), "linear(4,8),tanh,linear(8,3)");
/// assert_eq!((arch.input_width(), arch.output_width()), (4, 3));
/// assert_eq!(arch.n_params(), 67);
/// assert_eq!(arch.layers()[1], Layer::Tanh);
///
/// let names: Vec<_> = arch.parameters().into_iter().map(|p| p.name).collect();
/// assert_eq!(names, ["0.weight", "0.bias", "2.weight", "2.bias"]);
/// # Ok::<(), saddlescope::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Architecture {
    layers: Vec<Layer>,
    input: usize,
}

impl Architecture {
    /// Parses a spec such as `linear(4,8),tanh,linear(8,3)` (syntax on
    /// [`Architecture`]).
    ///
    /// # Errors
    ///
    /// [`Error::Parse`] with the caret under the fault, for: an empty spec,
    /// an empty item (`linear(4,8),,tanh`) or trailing comma, unbalanced
    /// parentheses, an unknown layer (the message lists the known ones and
    /// suggests a near name), missing or extra arguments (the message gives
    /// the layer's usage, e.g. "linear takes 2 sizes (IN,OUT) and an
    /// optional bias=true|false"), an unknown keyword, a size that is not a
    /// positive integer, a boolean that is not `true`/`false`, a non-finite
    /// number, a dropout P outside [0, 1); widths that do not chain ("layer 1
    /// `linear(6,3)` takes 6 inputs but layer 0 `linear(4,8)` gives 8"), no
    /// layer that fixes the widths, and more parameters than a `usize`
    /// counts.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{Architecture, Error};
    ///
    /// let arch = Architecture::parse("linear(4,6), batchnorm(6), tanh, linear(6,3)")?;
    /// assert_eq!(arch.n_params(), 63);
    ///
    /// let Err(Error::Parse(err)) = Architecture::parse("linear(4,8),linear(6,3)") else {
    ///     panic!("widths do not chain")
    /// };
    /// assert_eq!(err.position, 12); // under the second `linear`
    /// assert_eq!(
    ///     err.message,
    ///     "layer 1 `linear(6,3)` takes 6 inputs but layer 0 `linear(4,8)` gives 8"
    /// );
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn parse(spec: &str) -> Result<Architecture> {
        let chars: Vec<char> = spec.chars().collect();
        let tokens = tokenize(&chars);
        let mut parser = Parser {
            source: spec,
            chars: &chars,
            tokens,
            pos: 0,
        };
        let items = parser.items()?;
        let input = chain(&items).map_err(|(position, message)| parser.error(position, message))?;
        Ok(Architecture {
            layers: items.into_iter().map(|item| item.layer).collect(),
            input,
        })
    }

    /// Builds an architecture from layers, checked exactly as
    /// [`parse`](Architecture::parse) checks their canonical spec.
    ///
    /// # Errors
    ///
    /// As for [`parse`](Architecture::parse); the error's text is the
    /// canonical spec of `layers`, e.g. a [`Layer::Dropout`] with p = 1 gives
    /// "P must be in [0, 1), found 1" under `dropout(1)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{Architecture, Layer};
    ///
    /// let arch = Architecture::new(vec![
    ///     Layer::Linear { inputs: 1, outputs: 16, bias: true },
    ///     Layer::Tanh,
    ///     Layer::Linear { inputs: 16, outputs: 1, bias: true },
    /// ])?;
    /// assert_eq!(arch.to_string(), "linear(1,16),tanh,linear(16,1)");
    ///
    /// let bad = Architecture::new(vec![Layer::Tanh]).unwrap_err();
    /// assert!(bad.to_string().contains("no layer fixes the widths"));
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn new(layers: Vec<Layer>) -> Result<Architecture> {
        Architecture::parse(&canonical(&layers))
    }

    /// The layers, index i being index i of the `nn.Sequential`.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{Architecture, Layer};
    /// let arch = Architecture::parse("linear(4,8),relu")?;
    /// assert_eq!(arch.layers(), &[Layer::Linear { inputs: 4, outputs: 8, bias: true }, Layer::Relu]);
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }

    /// The width of the network's input: that of the first layer that fixes
    /// a width (linear or norm), since activations and dropout before it
    /// keep the width.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::Architecture;
    /// assert_eq!(Architecture::parse("dropout(0.1),linear(64,32)")?.input_width(), 64);
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn input_width(&self) -> usize {
        self.input
    }

    /// The width of the network's output.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::Architecture;
    /// assert_eq!(Architecture::parse("linear(64,32),tanh,linear(32,10)")?.output_width(), 10);
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn output_width(&self) -> usize {
        self.layers
            .iter()
            .fold(self.input, |width, layer| layer.output_width(width))
    }

    /// The trainable tensors in PyTorch `named_parameters()` order — by
    /// layer index, weight then bias — with their place in the flat
    /// parameter vector (each tensor flattened row-major).
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::Architecture;
    ///
    /// let params = Architecture::parse("linear(4,6),batchnorm(6),tanh,linear(6,3)")?.parameters();
    /// let layout: Vec<_> = params.iter().map(|p| (p.name.as_str(), p.shape.clone(), p.offset)).collect();
    /// assert_eq!(layout, [
    ///     ("0.weight", vec![6, 4], 0),
    ///     ("0.bias", vec![6], 24),
    ///     ("1.weight", vec![6], 30),
    ///     ("1.bias", vec![6], 36),
    ///     ("3.weight", vec![3, 6], 42),
    ///     ("3.bias", vec![3], 60),
    /// ]);
    /// assert_eq!(params[4].range(), 42..60);
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn parameters(&self) -> Vec<ParameterSpec> {
        let mut offset = 0;
        let mut specs = Vec::new();
        for (index, layer) in self.layers.iter().enumerate() {
            for (suffix, shape) in layer.parameter_shapes() {
                let spec = ParameterSpec {
                    name: format!("{index}.{suffix}"),
                    shape,
                    layer: index,
                    offset,
                };
                offset += spec.numel();
                specs.push(spec);
            }
        }
        specs
    }

    /// The non-trainable tensors of the `state_dict()`, in its order: for
    /// each BatchNorm layer i, `i.running_mean` and `i.running_var` of shape
    /// `[N]` and the integer scalar `i.num_batches_tracked` (shape `[]`).
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::Architecture;
    ///
    /// let buffers = Architecture::parse("linear(4,6),batchnorm(6),tanh,linear(6,3)")?.buffers();
    /// let names: Vec<_> = buffers.iter().map(|b| b.name.as_str()).collect();
    /// assert_eq!(names, ["1.running_mean", "1.running_var", "1.num_batches_tracked"]);
    /// assert!(buffers[2].integer && buffers[2].shape.is_empty());
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn buffers(&self) -> Vec<BufferSpec> {
        let mut specs = Vec::new();
        for (index, layer) in self.layers.iter().enumerate() {
            for (suffix, shape, integer) in layer.buffer_shapes() {
                specs.push(BufferSpec {
                    name: format!("{index}.{suffix}"),
                    shape,
                    layer: index,
                    integer,
                });
            }
        }
        specs
    }

    /// The length of the flat parameter vector.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::Architecture;
    /// assert_eq!(Architecture::parse("linear(64,1024),tanh,linear(1024,10)")?.n_params(), 76_810);
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn n_params(&self) -> usize {
        // Parsing checked that this sum does not overflow.
        self.layers.iter().map(Layer::n_params).sum()
    }
}

impl FromStr for Architecture {
    type Err = Error;

    /// Same as [`Architecture::parse`].
    fn from_str(spec: &str) -> Result<Architecture> {
        Architecture::parse(spec)
    }
}

/// The canonical spec (see [`Architecture`]).
impl fmt::Display for Architecture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&canonical(&self.layers))
    }
}

fn canonical(layers: &[Layer]) -> String {
    layers
        .iter()
        .map(Layer::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// A trainable tensor's place in the flat parameter vector.
///
/// # Examples
///
/// ```
/// use saddlescope::Architecture;
///
/// let p = &Architecture::parse("linear(4,8),tanh,linear(8,3)")?.parameters()[2];
/// assert_eq!((p.name.as_str(), p.layer, p.offset), ("2.weight", 2, 40));
/// assert_eq!(p.shape, [3, 8]);
/// assert_eq!(p.numel(), 24);
/// assert_eq!(p.range(), 40..64);
/// # Ok::<(), saddlescope::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ParameterSpec {
    /// The `state_dict()` name, e.g. `"0.weight"`.
    pub name: String,
    /// `[out, in]` for a linear weight, `[out]` for its bias, `[N]` for a
    /// norm layer's weight and bias.
    pub shape: Vec<usize>,
    /// The index of the layer in the Sequential.
    pub layer: usize,
    /// Where the tensor starts in the flat parameter vector.
    pub offset: usize,
}

impl ParameterSpec {
    /// The number of entries, the product of the shape.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::Architecture;
    /// let p = &Architecture::parse("linear(4,8)")?.parameters()[0];
    /// assert_eq!(p.numel(), 32);
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn numel(&self) -> usize {
        self.shape.iter().product()
    }

    /// The tensor's entries in the flat parameter vector:
    /// `offset..offset + numel()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::Architecture;
    /// let params = Architecture::parse("linear(4,8)")?.parameters();
    /// assert_eq!(params[1].range(), 32..40); // 0.bias
    /// # Ok::<(), saddlescope::Error>(())
    /// ```
    pub fn range(&self) -> Range<usize> {
        self.offset..self.offset + self.numel()
    }
}

/// A non-trainable tensor of the `state_dict()` (BatchNorm running
/// statistics).
///
/// # Examples
///
/// ```
/// use saddlescope::Architecture;
///
/// let b = &Architecture::parse("linear(4,6),batchnorm(6)")?.buffers()[0];
/// assert_eq!((b.name.as_str(), b.layer, b.integer), ("1.running_mean", 1, false));
/// assert_eq!(b.shape, [6]);
/// # Ok::<(), saddlescope::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BufferSpec {
    /// The `state_dict()` name, e.g. `"1.running_var"`.
    pub name: String,
    /// `[N]`, or `[]` for the scalar `num_batches_tracked`.
    pub shape: Vec<usize>,
    /// The index of the layer in the Sequential.
    pub layer: usize,
    /// Whether PyTorch stores it as an integer (`num_batches_tracked`, int64).
    pub integer: bool,
}

// ---------------------------------------------------------------------------
// The layer table: names, arguments, usage lines.

#[derive(Debug, Clone, Copy, PartialEq)]
enum Ty {
    /// A positive integer.
    Size,
    /// Any finite number.
    Real,
    /// A finite number in [0, 1).
    Probability,
    /// `true` or `false`.
    Bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Value {
    Size(usize),
    Real(f64),
    Bool(bool),
}

// The table's types and defaults agree (checked by the tests), so a
// mismatch is a bug in this file, never a consequence of user input.
impl Value {
    fn size(self) -> usize {
        match self {
            Value::Size(n) => n,
            other => unreachable!("expected a size, found {other:?}"),
        }
    }

    fn real(self) -> f64 {
        match self {
            Value::Real(x) => x,
            other => unreachable!("expected a number, found {other:?}"),
        }
    }

    fn boolean(self) -> bool {
        match self {
            Value::Bool(b) => b,
            other => unreachable!("expected a boolean, found {other:?}"),
        }
    }
}

struct Param {
    /// How the usage line and messages name a positional argument.
    label: &'static str,
    /// PyTorch's keyword.
    keyword: &'static str,
    ty: Ty,
    positional: bool,
    /// `None` for a required argument.
    default: Option<Value>,
}

/// A layer as the parser knows it.
struct Kind {
    name: &'static str,
    params: &'static [Param],
    /// "linear takes …", quoted in arity errors.
    usage: &'static str,
    /// Builds the layer from one value per parameter, defaults filled in.
    build: fn(&[Value]) -> Layer,
}

const fn size(label: &'static str, keyword: &'static str) -> Param {
    Param {
        label,
        keyword,
        ty: Ty::Size,
        positional: true,
        default: None,
    }
}

const fn optional(label: &'static str, keyword: &'static str, ty: Ty, default: f64) -> Param {
    Param {
        label,
        keyword,
        ty,
        positional: true,
        default: Some(Value::Real(default)),
    }
}

const fn activation(name: &'static str, usage: &'static str, build: fn(&[Value]) -> Layer) -> Kind {
    Kind {
        name,
        params: &[],
        usage,
        build,
    }
}

/// Every layer of the spec, in the order messages list them.
const KINDS: &[Kind] = &[
    Kind {
        name: "linear",
        params: &[
            size("IN", "in_features"),
            size("OUT", "out_features"),
            Param {
                label: "bias",
                keyword: "bias",
                ty: Ty::Bool,
                positional: false,
                default: Some(Value::Bool(true)),
            },
        ],
        usage: "linear takes 2 sizes (IN,OUT) and an optional bias=true|false, \
                e.g. `linear(4,8)` or `linear(4,8,bias=false)`",
        build: |v| Layer::Linear {
            inputs: v[0].size(),
            outputs: v[1].size(),
            bias: v[2].boolean(),
        },
    },
    activation("tanh", "tanh takes no arguments", |_| Layer::Tanh),
    activation("relu", "relu takes no arguments", |_| Layer::Relu),
    activation("sigmoid", "sigmoid takes no arguments", |_| Layer::Sigmoid),
    activation("gelu", "gelu takes no arguments", |_| Layer::Gelu),
    activation("softplus", "softplus takes no arguments", |_| {
        Layer::Softplus
    }),
    Kind {
        name: "elu",
        params: &[optional(
            "ALPHA",
            "alpha",
            Ty::Real,
            Layer::DEFAULT_ELU_ALPHA,
        )],
        usage: "elu takes an optional ALPHA (default 1), e.g. `elu` or `elu(0.5)`",
        build: |v| Layer::Elu { alpha: v[0].real() },
    },
    Kind {
        name: "leaky_relu",
        params: &[optional(
            "SLOPE",
            "negative_slope",
            Ty::Real,
            Layer::DEFAULT_LEAKY_RELU_SLOPE,
        )],
        usage: "leaky_relu takes an optional negative SLOPE (default 0.01), \
                e.g. `leaky_relu` or `leaky_relu(0.2)`",
        build: |v| Layer::LeakyRelu { slope: v[0].real() },
    },
    Kind {
        name: "batchnorm",
        params: &[size("N", "num_features")],
        usage: "batchnorm takes 1 size, the number of features N, e.g. `batchnorm(8)` \
                (BatchNorm1d with eps 1e-5, momentum 0.1, affine)",
        build: |v| Layer::BatchNorm {
            features: v[0].size(),
        },
    },
    Kind {
        name: "layernorm",
        params: &[size("N", "normalized_shape")],
        usage: "layernorm takes 1 size, the number of features N, e.g. `layernorm(8)` \
                (eps 1e-5, elementwise affine)",
        build: |v| Layer::LayerNorm {
            features: v[0].size(),
        },
    },
    Kind {
        name: "dropout",
        params: &[optional(
            "P",
            "p",
            Ty::Probability,
            Layer::DEFAULT_DROPOUT_P,
        )],
        usage: "dropout takes an optional probability P in [0, 1) (default 0.5), \
                e.g. `dropout` or `dropout(0.2)`",
        build: |v| Layer::Dropout { p: v[0].real() },
    },
];

fn kind_names() -> String {
    KINDS.iter().map(|k| k.name).collect::<Vec<_>>().join(", ")
}

// ---------------------------------------------------------------------------
// Lexer.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    /// A run of letters, digits and `_ . + -`: a name, number or value.
    Word,
    Open,
    Close,
    Comma,
    Equals,
    /// Any other single character.
    Other,
    End,
}

#[derive(Debug, Clone, Copy)]
struct Token {
    kind: Tok,
    /// Character offsets.
    start: usize,
    end: usize,
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '.' | '+' | '-')
}

fn tokenize(chars: &[char]) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let kind = match c {
            '(' => Tok::Open,
            ')' => Tok::Close,
            ',' => Tok::Comma,
            '=' => Tok::Equals,
            c if is_word_char(c) => {
                while i + 1 < chars.len() && is_word_char(chars[i + 1]) {
                    i += 1;
                }
                Tok::Word
            }
            _ => Tok::Other,
        };
        i += 1;
        tokens.push(Token {
            kind,
            start,
            end: i,
        });
    }
    tokens.push(Token {
        kind: Tok::End,
        start: chars.len(),
        end: chars.len(),
    });
    tokens
}

// ---------------------------------------------------------------------------
// Parser.

/// A parsed layer and the character offset of its name.
struct Item {
    layer: Layer,
    start: usize,
}

/// An argument as written: `value` or `keyword=value`.
struct Arg {
    keyword: Option<String>,
    value: String,
    /// Offset of the argument (its keyword, if any).
    start: usize,
    /// Offset of the value.
    value_start: usize,
}

struct Parser<'a> {
    source: &'a str,
    chars: &'a [char],
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Token {
        self.tokens[self.pos]
    }

    fn advance(&mut self) -> Token {
        let token = self.peek();
        if token.kind != Tok::End {
            self.pos += 1;
        }
        token
    }

    fn text(&self, token: Token) -> String {
        self.chars[token.start..token.end].iter().collect()
    }

    /// "`tanh`" or "the end", for messages.
    fn describe(&self, token: Token) -> String {
        match token.kind {
            Tok::End => "the end".to_string(),
            _ => format!("`{}`", self.text(token)),
        }
    }

    fn error(&self, position: usize, message: String) -> ParseError {
        ParseError {
            subject: "architecture",
            expression: self.source.to_string(),
            position,
            message,
        }
    }

    fn items(&mut self) -> Result<Vec<Item>, ParseError> {
        if self.peek().kind == Tok::End {
            return Err(self.error(
                0,
                "empty architecture: expected layers such as `linear(4,8),tanh,linear(8,3)`"
                    .to_string(),
            ));
        }
        let mut items = vec![self.item(None)?];
        loop {
            let token = self.advance();
            match token.kind {
                Tok::End => return Ok(items),
                Tok::Comma => items.push(self.item(Some(token))?),
                Tok::Close => {
                    return Err(self.error(token.start, "unmatched `)`".to_string()));
                }
                _ => {
                    let found = self.describe(token);
                    return Err(self.error(
                        token.start,
                        format!("expected `,` between layers, found {found}"),
                    ));
                }
            }
        }
    }

    /// One layer; `comma` is the `,` before it, if any.
    fn item(&mut self, comma: Option<Token>) -> Result<Item, ParseError> {
        let token = self.advance();
        let found = self.describe(token);
        match (token.kind, comma) {
            (Tok::Word, _) => {}
            (Tok::Comma, Some(_)) => {
                return Err(self.error(
                    token.start,
                    "empty layer: expected a layer name between the commas, found `,`".to_string(),
                ));
            }
            (Tok::End, Some(comma)) => {
                return Err(self.error(
                    comma.start,
                    "trailing `,`: expected a layer name after it, found the end".to_string(),
                ));
            }
            _ => {
                return Err(
                    self.error(token.start, format!("expected a layer name, found {found}"))
                );
            }
        }
        let name = self.text(token);
        if !name.starts_with(|c: char| c.is_alphabetic() || c == '_') {
            return Err(self.error(token.start, format!("expected a layer name, found {found}")));
        }
        let Some(kind) = KINDS.iter().find(|k| k.name == name) else {
            return Err(self.error(token.start, unknown_layer(&name)));
        };
        let (args, missing_at) = if self.peek().kind == Tok::Open {
            let open = self.advance();
            self.arguments(kind.name, open)?
        } else {
            (Vec::new(), token.end)
        };
        let layer = self.bind(kind, &args, missing_at)?;
        Ok(Item {
            layer,
            start: token.start,
        })
    }

    /// The arguments after `open`, through the matching `)`, and the offset
    /// of that `)`.
    fn arguments(&mut self, name: &str, open: Token) -> Result<(Vec<Arg>, usize), ParseError> {
        let mut args = Vec::new();
        if self.peek().kind == Tok::Close {
            return Ok((args, self.advance().start));
        }
        loop {
            args.push(self.argument(name, open)?);
            let token = self.advance();
            match token.kind {
                Tok::Close => return Ok((args, token.start)),
                Tok::Comma if self.peek().kind == Tok::Close => {
                    let close = self.peek();
                    return Err(self.error(
                        close.start,
                        "expected an argument after `,`, found `)`".to_string(),
                    ));
                }
                Tok::Comma => {}
                Tok::End => return Err(self.unclosed(name, open, token)),
                _ => {
                    let found = self.describe(token);
                    return Err(self.error(
                        token.start,
                        format!(
                            "expected `,` or `)` after an argument of `{name}(`, found {found}"
                        ),
                    ));
                }
            }
        }
    }

    fn unclosed(&self, name: &str, open: Token, found: Token) -> ParseError {
        let at = found.start;
        let found = self.describe(found);
        self.error(
            at,
            format!(
                "expected `)` to close the `{name}(` at character {}, found {found}",
                open.start
            ),
        )
    }

    /// `value` or `keyword=value`.
    fn argument(&mut self, name: &str, open: Token) -> Result<Arg, ParseError> {
        let token = self.advance();
        match token.kind {
            Tok::Word => {}
            Tok::End => return Err(self.unclosed(name, open, token)),
            _ => {
                let found = self.describe(token);
                return Err(self.error(
                    token.start,
                    format!("expected an argument of `{name}(`, found {found}"),
                ));
            }
        }
        let text = self.text(token);
        if self.peek().kind != Tok::Equals {
            return Ok(Arg {
                keyword: None,
                value: text,
                start: token.start,
                value_start: token.start,
            });
        }
        if !is_identifier(&text) {
            return Err(self.error(
                token.start,
                format!("expected a keyword before `=`, found `{text}`"),
            ));
        }
        self.advance();
        let value = self.advance();
        match value.kind {
            Tok::Word => Ok(Arg {
                keyword: Some(text),
                value: self.text(value),
                start: token.start,
                value_start: value.start,
            }),
            Tok::End => Err(self.unclosed(name, open, value)),
            _ => {
                let found = self.describe(value);
                Err(self.error(
                    value.start,
                    format!("expected a value after `{text}=`, found {found}"),
                ))
            }
        }
    }

    /// Binds positional and keyword arguments to `kind`'s parameters and
    /// builds the layer; `missing_at` is where a missing argument belongs
    /// (the `)`, or the end of a bare name).
    fn bind(&self, kind: &Kind, args: &[Arg], missing_at: usize) -> Result<Layer, ParseError> {
        let mut slots: Vec<Option<Value>> = vec![None; kind.params.len()];
        let mut positional = kind
            .params
            .iter()
            .enumerate()
            .filter(|(_, p)| p.positional)
            .map(|(i, _)| i);
        let mut keyword_seen = false;
        for arg in args {
            let index = match &arg.keyword {
                None if keyword_seen => {
                    return Err(self.error(
                        arg.start,
                        format!(
                            "positional argument `{}` after a keyword argument; \
                             give keyword arguments last",
                            arg.value
                        ),
                    ));
                }
                None => match positional.next() {
                    Some(i) => i,
                    None => return Err(self.error(arg.start, extra_argument(kind, &arg.value))),
                },
                Some(keyword) => {
                    keyword_seen = true;
                    match kind.params.iter().position(|p| p.keyword == keyword) {
                        Some(i) => i,
                        None => return Err(self.error(arg.start, unknown_keyword(kind, keyword))),
                    }
                }
            };
            let param = &kind.params[index];
            if slots[index].is_some() {
                return Err(self.error(
                    arg.start,
                    format!("{} of {} is given twice", describe_param(param), kind.name),
                ));
            }
            let shown = arg.keyword.as_deref().unwrap_or(param.label);
            let value = convert(param.ty, shown, &arg.value)
                .map_err(|message| self.error(arg.value_start, message))?;
            slots[index] = Some(value);
        }
        let missing: Vec<&str> = kind
            .params
            .iter()
            .zip(&slots)
            .filter(|(p, slot)| slot.is_none() && p.default.is_none())
            .map(|(p, _)| p.label)
            .collect();
        if !missing.is_empty() {
            let verb = if missing.len() == 1 { "is" } else { "are" };
            return Err(self.error(
                missing_at,
                format!("{} {verb} missing: {}", missing.join(" and "), kind.usage),
            ));
        }
        let values: Vec<Value> = kind
            .params
            .iter()
            .zip(slots)
            .map(|(p, slot)| slot.or(p.default).expect("required arguments are present"))
            .collect();
        Ok((kind.build)(&values))
    }
}

fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// "IN (in_features)" or "bias".
fn describe_param(param: &Param) -> String {
    if param.positional {
        format!("{} (`{}`)", param.label, param.keyword)
    } else {
        format!("`{}`", param.keyword)
    }
}

fn unknown_layer(name: &str) -> String {
    let lower = name.to_lowercase();
    let hint = if lower != name && KINDS.iter().any(|k| k.name == lower) {
        format!(" (layer names are lower-case: write `{lower}`)")
    } else {
        match closest(&lower, KINDS.iter().map(|k| k.name)) {
            Some(near) => format!(" (did you mean `{near}`?)"),
            None => String::new(),
        }
    };
    format!(
        "unknown layer `{name}`{hint}; known layers: {}",
        kind_names()
    )
}

fn unknown_keyword(kind: &Kind, keyword: &str) -> String {
    if kind.params.is_empty() {
        return format!("unexpected `{keyword}=`: {}", kind.usage);
    }
    let keywords = kind.params.iter().map(|p| p.keyword);
    let hint = match closest(keyword, keywords.clone()) {
        Some(near) => format!(" (did you mean `{near}`?)"),
        None => String::new(),
    };
    format!(
        "unknown keyword `{keyword}` for {}{hint}; its keywords are {}",
        kind.name,
        keywords.collect::<Vec<_>>().join(", ")
    )
}

fn extra_argument(kind: &Kind, value: &str) -> String {
    let message = format!("extra argument `{value}`: {}", kind.usage);
    let bool_keyword = kind
        .params
        .iter()
        .find(|p| p.ty == Ty::Bool && !p.positional);
    if let (Some(param), Ok(_)) = (bool_keyword, convert(Ty::Bool, "", value)) {
        return format!("{message}; write `{}={value}`", param.keyword);
    }
    message
}

/// Parses an argument's text as a value of type `ty`; `shown` names the
/// argument in the message.
fn convert(ty: Ty, shown: &str, text: &str) -> Result<Value, String> {
    match ty {
        Ty::Size => {
            if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!(
                    "{shown} must be a positive integer, found `{text}`"
                ));
            }
            match text.parse::<usize>() {
                Ok(0) => Err(format!("{shown} must be at least 1, found 0")),
                Ok(n) => Ok(Value::Size(n)),
                Err(_) => Err(format!(
                    "{shown} `{text}` is too large: the limit is {}",
                    usize::MAX
                )),
            }
        }
        Ty::Real | Ty::Probability => {
            let x: f64 = text
                .parse()
                .map_err(|_| format!("{shown} must be a number, found `{text}`"))?;
            if !x.is_finite() {
                return Err(format!("{shown} must be finite, found `{text}`"));
            }
            if ty == Ty::Probability && !(0.0..1.0).contains(&x) {
                return Err(format!("{shown} must be in [0, 1), found {text}"));
            }
            Ok(Value::Real(x))
        }
        Ty::Bool => match text {
            "true" | "True" => Ok(Value::Bool(true)),
            "false" | "False" => Ok(Value::Bool(false)),
            _ => Err(format!("{shown} must be true or false, found `{text}`")),
        },
    }
}

/// The candidate nearest to `name` by edit distance, if it is near enough
/// to be a likely typo.
fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|c| (edit_distance(name, c), c))
        .filter(|&(d, _)| d <= 2 && d < name.chars().count())
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

/// Chains the widths through the items; returns the input width, or the
/// offset and message of the first fault.
fn chain(items: &[Item]) -> Result<usize, (usize, String)> {
    // The current width and the index of the layer that fixed it.
    let mut width: Option<(usize, usize)> = None;
    let mut input = None;
    let mut total: usize = 0;
    for (i, item) in items.iter().enumerate() {
        let layer = &item.layer;
        if let Some(need) = layer.input_width() {
            match width {
                Some((given, j)) if given != need => {
                    let what = match layer {
                        Layer::Linear { .. } => format!("takes {}", plural(need, "input")),
                        _ => format!("normalises {}", plural(need, "feature")),
                    };
                    return Err((
                        item.start,
                        format!(
                            "layer {i} `{layer}` {what} but layer {j} `{}` gives {given}",
                            items[j].layer
                        ),
                    ));
                }
                Some(_) => {}
                None => input = Some(need),
            }
            width = Some((layer.output_width(need), i));
        }
        total = layer
            .checked_n_params()
            .and_then(|n| total.checked_add(n))
            .ok_or_else(|| {
                (
                    item.start,
                    format!(
                        "layer {i} `{layer}` brings the parameter count beyond {}",
                        usize::MAX
                    ),
                )
            })?;
    }
    input.ok_or_else(|| {
        (
            items[0].start,
            "no layer fixes the widths: the network needs a linear, batchnorm or layernorm layer"
                .to_string(),
        )
    })
}

/// "1 input", "6 inputs".
fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Checkpoint;
    use proptest::prelude::*;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/fixtures/mlp/");

    fn arch(spec: &str) -> Architecture {
        Architecture::parse(spec).unwrap_or_else(|e| panic!("{spec:?}: {e}"))
    }

    fn err(spec: &str) -> ParseError {
        match Architecture::parse(spec) {
            Err(Error::Parse(e)) => e,
            Err(other) => panic!("{spec:?}: expected a parse error, got {other:?}"),
            Ok(a) => panic!("{spec:?} parsed to {a:?}"),
        }
    }

    /// Asserts the caret position and that the message contains every part.
    fn assert_err(spec: &str, position: usize, parts: &[&str]) {
        let e = err(spec);
        assert_eq!(e.expression, spec);
        assert_eq!(e.position, position, "caret for {spec:?}: {}", e.message);
        for part in parts {
            assert!(
                e.message.contains(part),
                "message for {spec:?} lacks {part:?}: {}",
                e.message
            );
        }
    }

    fn layout(a: &Architecture) -> Vec<(String, Vec<usize>, usize)> {
        a.parameters()
            .into_iter()
            .map(|p| (p.name, p.shape, p.offset))
            .collect()
    }

    fn fixture(name: &str) -> serde_json::Value {
        let path = format!("{FIXTURES}{name}.json");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        serde_json::from_str(&text).unwrap()
    }

    /// The architecture's tensors are exactly those PyTorch saved, with the
    /// same shapes, and integer exactly where PyTorch stores integers.
    fn assert_matches_checkpoint(a: &Architecture, name: &str) {
        let ckpt = Checkpoint::read(format!("{FIXTURES}{name}.safetensors")).unwrap();
        let mut expected: Vec<(String, Vec<usize>)> = a
            .parameters()
            .into_iter()
            .map(|p| (p.name, p.shape))
            .collect();
        expected.extend(a.buffers().into_iter().map(|b| (b.name, b.shape)));
        ckpt.check_tensors(&expected, |_| false).unwrap();
        for p in a.parameters() {
            assert!(ckpt.get(&p.name).unwrap().dtype.is_float(), "{}", p.name);
        }
        for b in a.buffers() {
            assert_eq!(
                ckpt.get(&b.name).unwrap().dtype.is_integer(),
                b.integer,
                "{}",
                b.name
            );
        }
    }

    #[test]
    fn fixtures_parse_with_pytorch_parameter_order() {
        let cases = [
            ("iris_4-8-3_tanh", 67, 0),
            ("iris_4-6bn-3_tanh", 63, 3),
            ("sine_1-16-1_tanh", 49, 0),
            ("digits_64-32-10_tanh", 2410, 0),
        ];
        for (name, n_params, n_buffers) in cases {
            let json = fixture(name);
            let spec = json["arch"].as_str().unwrap();
            let a = arch(spec);
            assert_eq!(a.to_string(), spec, "{name}: canonical form");
            assert_eq!(a.n_params(), n_params, "{name}");
            assert_eq!(
                json["n_params"].as_u64().unwrap() as usize,
                n_params,
                "{name}"
            );

            let params = a.parameters();
            let names: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
            let order: Vec<&str> = json["parameter_order"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            assert_eq!(names, order, "{name}");

            let mut offset = 0;
            for p in &params {
                assert_eq!(p.offset, offset, "{name}: {}", p.name);
                assert_eq!(p.layer.to_string(), p.name.split('.').next().unwrap());
                offset += p.numel();
            }
            assert_eq!(offset, n_params, "{name}");
            assert_eq!(a.buffers().len(), n_buffers, "{name}");
            assert_matches_checkpoint(&a, name);
        }
    }

    #[test]
    fn fixture_layouts() {
        let v = |s: &[usize]| s.to_vec();
        assert_eq!(
            layout(&arch("linear(4,8),tanh,linear(8,3)")),
            [
                ("0.weight".into(), v(&[8, 4]), 0),
                ("0.bias".into(), v(&[8]), 32),
                ("2.weight".into(), v(&[3, 8]), 40),
                ("2.bias".into(), v(&[3]), 64),
            ]
        );
        assert_eq!(
            layout(&arch("linear(1,16),tanh,linear(16,1)")),
            [
                ("0.weight".into(), v(&[16, 1]), 0),
                ("0.bias".into(), v(&[16]), 16),
                ("2.weight".into(), v(&[1, 16]), 32),
                ("2.bias".into(), v(&[1]), 48),
            ]
        );
        let bn = arch("linear(4,6),batchnorm(6),tanh,linear(6,3)");
        assert_eq!(
            bn.buffers(),
            [
                BufferSpec {
                    name: "1.running_mean".into(),
                    shape: vec![6],
                    layer: 1,
                    integer: false
                },
                BufferSpec {
                    name: "1.running_var".into(),
                    shape: vec![6],
                    layer: 1,
                    integer: false
                },
                BufferSpec {
                    name: "1.num_batches_tracked".into(),
                    shape: vec![],
                    layer: 1,
                    integer: true
                },
            ]
        );
    }

    #[test]
    fn matrix_free_workload_has_76810_parameters() {
        let a = arch("linear(64,1024),tanh,linear(1024,10)");
        assert_eq!(a.n_params(), 76_810);
        assert_eq!((a.input_width(), a.output_width()), (64, 10));
        assert_matches_checkpoint(&a, "digits_64-1024-10_tanh");
    }

    #[test]
    fn every_layer_parses() {
        let a = arch(
            "dropout, linear(3,5,bias=false), relu, sigmoid, gelu, softplus, elu, elu(0.5), \
             leaky_relu, leaky_relu(-0.2), batchnorm(5), layernorm(5), dropout(0.25), \
             linear(5,2,bias=true), tanh",
        );
        assert_eq!(
            a.layers(),
            [
                Layer::Dropout { p: 0.5 },
                Layer::Linear {
                    inputs: 3,
                    outputs: 5,
                    bias: false
                },
                Layer::Relu,
                Layer::Sigmoid,
                Layer::Gelu,
                Layer::Softplus,
                Layer::Elu { alpha: 1.0 },
                Layer::Elu { alpha: 0.5 },
                Layer::LeakyRelu { slope: 0.01 },
                Layer::LeakyRelu { slope: -0.2 },
                Layer::BatchNorm { features: 5 },
                Layer::LayerNorm { features: 5 },
                Layer::Dropout { p: 0.25 },
                Layer::Linear {
                    inputs: 5,
                    outputs: 2,
                    bias: true
                },
                Layer::Tanh,
            ]
        );
        assert_eq!(
            a.to_string(),
            "dropout,linear(3,5,bias=false),relu,sigmoid,gelu,softplus,elu,elu(0.5),leaky_relu,\
             leaky_relu(-0.2),batchnorm(5),layernorm(5),dropout(0.25),linear(5,2),tanh"
        );
        assert_eq!((a.input_width(), a.output_width()), (3, 2));
        assert_eq!(a.n_params(), 15 + 10 + 10 + 12);
        let names: Vec<String> = a.parameters().into_iter().map(|p| p.name).collect();
        assert_eq!(
            names,
            [
                "1.weight",
                "10.weight",
                "10.bias",
                "11.weight",
                "11.bias",
                "13.weight",
                "13.bias"
            ]
        );
        // Only BatchNorm has buffers.
        assert_eq!(a.buffers().len(), 3);
        assert!(a.buffers().iter().all(|b| b.layer == 10));
    }

    #[test]
    fn keywords_spaces_and_empty_parentheses() {
        let canonical = arch("linear(4,8,bias=false),tanh,linear(8,3)");
        for spec in [
            "  linear ( 4 , 8 , bias = false ) ,tanh , linear(8,3)  ",
            "linear(in_features=4, out_features=8, bias=False), tanh(), linear(8, out_features=3)",
            "linear(4, bias=false, out_features=8),tanh,linear(8,3,bias=True)",
            "\tlinear(4,8,bias=false)\n,\ttanh,\nlinear(8,3)",
        ] {
            assert_eq!(arch(spec), canonical, "{spec:?}");
        }
        assert_eq!(
            arch("batchnorm(num_features=3),layernorm(normalized_shape=3),dropout(p=0.1),elu(alpha=2),leaky_relu(negative_slope=0.3)")
                .to_string(),
            "batchnorm(3),layernorm(3),dropout(0.1),elu(2),leaky_relu(0.3)"
        );
    }

    #[test]
    fn norm_layer_may_fix_the_input_width() {
        let a = arch("tanh,batchnorm(4),linear(4,2)");
        assert_eq!((a.input_width(), a.output_width()), (4, 2));
        let a = arch("layernorm(7)");
        assert_eq!(
            (a.input_width(), a.output_width(), a.n_params()),
            (7, 7, 14)
        );
    }

    #[test]
    fn canonical_numbers() {
        assert_eq!(arch("linear(2,2),elu(1.0)").to_string(), "linear(2,2),elu");
        assert_eq!(
            arch("linear(2,2),dropout(0.50)").to_string(),
            "linear(2,2),dropout"
        );
        assert_eq!(
            arch("linear(2,2),leaky_relu(1e-2)").to_string(),
            "linear(2,2),leaky_relu"
        );
        assert_eq!(
            arch("linear(2,2),leaky_relu(-0.0)").to_string(),
            "linear(2,2),leaky_relu(-0)"
        );
        assert_eq!(
            arch("linear(2,2),leaky_relu(1e-300),elu(-2.5e20),dropout(1e-5)").to_string(),
            "linear(2,2),leaky_relu(1e-300),elu(-2.5e20),dropout(1e-5)"
        );
    }

    #[test]
    fn syntax_errors_point_at_the_fault() {
        let usage = "linear takes 2 sizes (IN,OUT) and an optional bias=true|false";
        assert_err("", 0, &["empty architecture"]);
        assert_err("   ", 0, &["empty architecture"]);
        assert_err(
            "linear(4,8),,tanh",
            12,
            &["empty layer", "between the commas"],
        );
        assert_err("linear(4,8),", 11, &["trailing `,`"]);
        assert_err("linear(4,8) , ", 12, &["trailing `,`"]);
        assert_err(",tanh", 0, &["expected a layer name, found `,`"]);
        assert_err(
            "linear(4",
            8,
            &[
                "expected `)` to close the `linear(` at character 6",
                "found the end",
            ],
        );
        assert_err("linear(4,8", 10, &["expected `)` to close the `linear(`"]);
        assert_err("linear(4,bias=", 14, &["expected `)` to close"]);
        assert_err("linear(4,8))", 11, &["unmatched `)`"]);
        assert_err("tanh)", 4, &["unmatched `)`"]);
        assert_err("(linear(4,8))", 0, &["expected a layer name, found `(`"]);
        assert_err(
            "linear((4,8))",
            7,
            &["expected an argument of `linear(`, found `(`"],
        );
        assert_err(
            "linear(4 8)",
            9,
            &["expected `,` or `)` after an argument of `linear(`, found `8`"],
        );
        assert_err(
            "linear(4,)",
            9,
            &["expected an argument after `,`, found `)`"],
        );
        assert_err(
            "linear(4,8) tanh",
            12,
            &["expected `,` between layers, found `tanh`"],
        );
        assert_err(
            "linear(4,8);tanh",
            11,
            &["expected `,` between layers, found `;`"],
        );
        assert_err("linear(4,8),4", 12, &["expected a layer name, found `4`"]);
        assert_err(
            "linear(4,=8)",
            9,
            &["expected an argument of `linear(`, found `=`"],
        );
        assert_err(
            "linear(4,8,bias=)",
            16,
            &["expected a value after `bias=`, found `)`"],
        );
        assert_err(
            "linear(4,8,1=2)",
            11,
            &["expected a keyword before `=`, found `1`"],
        );
        assert_err("linear(4)", 8, &[usage, "OUT is missing"]);
        assert_eq!(
            err("linear(4)").message,
            "OUT is missing: linear takes 2 sizes (IN,OUT) and an optional bias=true|false, \
             e.g. `linear(4,8)` or `linear(4,8,bias=false)`"
        );
        assert_err("linear()", 7, &[usage, "IN and OUT are missing"]);
        assert_err("linear", 6, &[usage, "IN and OUT are missing"]);
        assert_err("tanh,linear,tanh", 11, &[usage]);
        assert_err("linear(bias=false)", 17, &["IN and OUT are missing"]);
        assert_err("linear(4,8,16)", 11, &["extra argument `16`: ", usage]);
        assert_err(
            "linear(4,8,false)",
            11,
            &[
                "extra argument `false`: linear takes",
                "; write `bias=false`",
            ],
        );
        assert_err(
            "linear(4,8),tanh(1)",
            17,
            &["extra argument `1`: tanh takes no arguments"],
        );
        assert_err(
            "linear(4,8),relu(inplace=true)",
            17,
            &["unexpected `inplace=`: relu takes no arguments"],
        );
        assert_err("batchnorm", 9, &["batchnorm takes 1 size", "N is missing"]);
        assert_err(
            "linear(4,8),dropout(0.1,0.2)",
            24,
            &["dropout takes an optional probability P in [0, 1)"],
        );
        assert_err(
            "linear(4,8,bais=false)",
            11,
            &[
                "unknown keyword `bais` for linear (did you mean `bias`?); its keywords are",
                "in_features, out_features, bias",
            ],
        );
        assert_err(
            "linear(4,8,in_features=4)",
            11,
            &["IN (`in_features`) of linear is given twice"],
        );
        assert_err(
            "linear(4,8,bias=true,bias=false)",
            21,
            &["`bias` of linear is given twice"],
        );
        assert_err(
            "linear(in_features=4, 8)",
            22,
            &["positional argument `8` after a keyword argument"],
        );
    }

    #[test]
    fn value_errors_point_at_the_value() {
        assert_err(
            "linear(4.5,8)",
            7,
            &["IN must be a positive integer, found `4.5`"],
        );
        assert_err(
            "linear(4,-8)",
            9,
            &["OUT must be a positive integer, found `-8`"],
        );
        assert_err(
            "linear(4,+8)",
            9,
            &["OUT must be a positive integer, found `+8`"],
        );
        assert_err("linear(0,8)", 7, &["IN must be at least 1, found 0"]);
        assert_err(
            "linear(in_features=x,out_features=8)",
            19,
            &["in_features must be a positive integer, found `x`"],
        );
        assert_err(
            "linear(99999999999999999999999,8)",
            7,
            &["IN `99999999999999999999999` is too large"],
        );
        assert_err(
            "linear(4,8,bias=yes)",
            16,
            &["bias must be true or false, found `yes`"],
        );
        assert_err(
            "linear(4,8,bias=1)",
            16,
            &["bias must be true or false, found `1`"],
        );
        assert_err(
            "linear(4,8),dropout(1)",
            20,
            &["P must be in [0, 1), found 1"],
        );
        assert_err(
            "linear(4,8),dropout(-0.1)",
            20,
            &["P must be in [0, 1), found -0.1"],
        );
        assert_err(
            "linear(4,8),dropout(p=1.5)",
            22,
            &["p must be in [0, 1), found 1.5"],
        );
        assert_err(
            "linear(4,8),dropout(nan)",
            20,
            &["P must be finite, found `nan`"],
        );
        assert_err(
            "linear(4,8),leaky_relu(inf)",
            23,
            &["SLOPE must be finite, found `inf`"],
        );
        assert_err(
            "linear(4,8),leaky_relu(1e999)",
            23,
            &["SLOPE must be finite, found `1e999`"],
        );
        assert_err(
            "linear(4,8),elu(fast)",
            16,
            &["ALPHA must be a number, found `fast`"],
        );
        // A negative slope is fine.
        assert_eq!(
            arch("linear(4,8),leaky_relu(-3)").layers()[1],
            Layer::LeakyRelu { slope: -3.0 }
        );
    }

    #[test]
    fn unknown_layers_list_the_known_ones() {
        let known = "known layers: linear, tanh, relu, sigmoid, gelu, softplus, elu, \
                     leaky_relu, batchnorm, layernorm, dropout";
        assert_err(
            "tahn",
            0,
            &[
                "unknown layer `tahn` (did you mean `tanh`?); known layers: ",
                known,
            ],
        );
        assert_err(
            "linear(4,8),Tanh",
            12,
            &["unknown layer `Tanh` (layer names are lower-case: write `tanh`); known layers"],
        );
        assert_err(
            "linear(4,8),BatchNorm1d(8)",
            12,
            &["did you mean `batchnorm`?"],
        );
        assert_err("linear(4,8),leakyrelu", 12, &["did you mean `leaky_relu`?"]);
        assert_err(
            "linear(4,8),conv2d(3,3)",
            12,
            &["unknown layer `conv2d`; known layers"],
        );
        let e = err("linear(4,8),conv2d(3,3)");
        assert!(!e.message.contains("did you mean"), "{}", e.message);
        // Offsets are in characters, not bytes.
        assert_err("é,linear(4,8)", 0, &["unknown layer `é`"]);
        assert_err(
            "linear(4,8),\u{3000}\u{a0}foo",
            14,
            &["unknown layer `foo`"],
        );
        let e = err("linear(4,8),tanh,ö");
        assert_eq!(e.position, 17);
        assert!(e.to_string().contains(&format!("\n  {}^", " ".repeat(17))));
    }

    #[test]
    fn widths_must_chain() {
        let e = err("linear(4,8),linear(6,3)");
        assert_eq!(e.position, 12);
        assert_eq!(
            e.message,
            "layer 1 `linear(6,3)` takes 6 inputs but layer 0 `linear(4,8)` gives 8"
        );
        assert_err(
            "linear(4,8),tanh,linear(6,3)",
            17,
            &["layer 2 `linear(6,3)` takes 6 inputs but layer 0 `linear(4,8)` gives 8"],
        );
        assert_err(
            "linear(4,8),batchnorm(8),tanh, linear(1,3)",
            31,
            &["layer 3 `linear(1,3)` takes 1 input but layer 1 `batchnorm(8)` gives 8"],
        );
        assert_err(
            "linear(4,8),tanh,batchnorm(6)",
            17,
            &["layer 2 `batchnorm(6)` normalises 6 features but layer 0 `linear(4,8)` gives 8"],
        );
        assert_err(
            "layernorm(3),linear(4,2,bias=false)",
            13,
            &["layer 1 `linear(4,2,bias=false)` takes 4 inputs but layer 0 `layernorm(3)` gives 3"],
        );
        assert_err(
            "tanh, relu, dropout(0.1)",
            0,
            &[
                "no layer fixes the widths: the network needs a linear, batchnorm or layernorm layer",
            ],
        );
        assert_err(" dropout", 1, &["no layer fixes the widths"]);
    }

    #[test]
    fn parameter_count_overflow_is_an_error() {
        let big = usize::MAX / 2;
        assert_err(
            &format!("linear({big},3)"),
            0,
            &["layer 0 `linear(", "brings the parameter count beyond"],
        );
        let half = 1usize << (usize::BITS / 2 - 1);
        // Each layer fits; their sum does not.
        let spec = format!(
            "linear({half},{half},bias=false),tanh,linear({half},{half},bias=false),linear({half},{half},bias=false),linear({half},{half},bias=false),linear({half},{half},bias=false)"
        );
        assert!(Architecture::parse(&spec).is_err());
        let e = err(&spec);
        assert!(
            e.message.contains("brings the parameter count beyond"),
            "{}",
            e.message
        );
    }

    #[test]
    fn new_checks_like_parse() {
        let layers = vec![
            Layer::Linear {
                inputs: 2,
                outputs: 3,
                bias: true,
            },
            Layer::Elu { alpha: f64::NAN },
        ];
        let Err(Error::Parse(e)) = Architecture::new(layers) else {
            panic!("NaN alpha accepted")
        };
        assert_eq!(e.expression, "linear(2,3),elu(NaN)");
        assert_eq!(e.position, 16);
        assert!(e.message.contains("ALPHA must be finite"), "{}", e.message);

        let Err(Error::Parse(e)) = Architecture::new(vec![Layer::Dropout { p: 1.0 }]) else {
            panic!("p = 1 accepted")
        };
        assert_eq!(e.message, "P must be in [0, 1), found 1");

        assert!(Architecture::new(Vec::new()).is_err());
    }

    #[test]
    fn error_renders_with_a_caret() {
        let text = Architecture::parse("linear(4,8),,tanh")
            .unwrap_err()
            .to_string();
        assert!(
            text.contains("\n  linear(4,8),,tanh\n              ^"),
            "{text}"
        );
    }

    #[test]
    fn table_defaults_match_types() {
        for kind in KINDS {
            for p in kind.params {
                match (p.ty, p.default) {
                    (_, None) => assert!(p.positional, "{}.{}", kind.name, p.keyword),
                    (Ty::Bool, Some(Value::Bool(_))) => {}
                    (Ty::Real | Ty::Probability, Some(Value::Real(_))) => {}
                    (ty, default) => panic!("{}.{}: {ty:?} with {default:?}", kind.name, p.keyword),
                }
            }
            assert!(kind.usage.starts_with(kind.name), "{}", kind.name);
        }
    }

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("tahn", "tanh"), 2);
        assert_eq!(edit_distance("", "elu"), 3);
        assert_eq!(edit_distance("leakyrelu", "leaky_relu"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    // -----------------------------------------------------------------------
    // Property tests.

    fn finite() -> impl Strategy<Value = f64> {
        prop_oneof![
            Just(0.01),
            Just(1.0),
            Just(0.5),
            Just(-0.0),
            -10.0..10.0f64,
            prop::num::f64::NORMAL | prop::num::f64::SUBNORMAL | prop::num::f64::ZERO,
        ]
    }

    fn probability() -> impl Strategy<Value = f64> {
        prop_oneof![Just(0.5), Just(0.0), 0.0..1.0f64]
    }

    /// A valid architecture: layers that chain from a random input width.
    fn architecture() -> impl Strategy<Value = Architecture> {
        let step = (0u8..12, 1usize..40, any::<bool>(), finite(), probability());
        (1usize..40, prop::collection::vec(step, 1..10)).prop_map(|(input, steps)| {
            let mut width = input;
            let mut layers = Vec::new();
            for (k, n, bias, x, p) in steps {
                layers.push(match k {
                    0 => {
                        let layer = Layer::Linear {
                            inputs: width,
                            outputs: n,
                            bias,
                        };
                        width = n;
                        layer
                    }
                    1 => Layer::Tanh,
                    2 => Layer::Relu,
                    3 => Layer::Sigmoid,
                    4 => Layer::Gelu,
                    5 => Layer::Softplus,
                    6 => Layer::Elu { alpha: x },
                    7 => Layer::LeakyRelu { slope: x },
                    8 => Layer::BatchNorm { features: width },
                    9 => Layer::LayerNorm { features: width },
                    _ => Layer::Dropout { p },
                });
            }
            if layers.iter().all(|l| l.input_width().is_none()) {
                layers.push(Layer::Linear {
                    inputs: width,
                    outputs: 1,
                    bias: true,
                });
            }
            Architecture::new(layers.clone()).unwrap_or_else(|e| panic!("{layers:?} rejected: {e}"))
        })
    }

    /// The spec with whitespace from `spaces` around each punctuation mark.
    fn spaced(spec: &str, spaces: &[String]) -> String {
        let mut out = String::new();
        let mut k = 0;
        for c in spec.chars() {
            if matches!(c, '(' | ')' | ',' | '=') {
                out.push_str(&spaces[k % spaces.len()]);
                out.push(c);
                out.push_str(&spaces[(k + 1) % spaces.len()]);
                k += 2;
            } else {
                out.push(c);
            }
        }
        out
    }

    proptest! {
        #[test]
        fn display_parses_back(a in architecture()) {
            let text = a.to_string();
            let back = Architecture::parse(&text).unwrap();
            prop_assert_eq!(&back, &a);
            prop_assert_eq!(back.to_string(), text);
            // Bit-exact floats, not just `==`.
            for (x, y) in back.layers().iter().zip(a.layers()) {
                prop_assert_eq!(format!("{x:?}"), format!("{y:?}"));
            }
        }

        #[test]
        fn whitespace_between_tokens_is_ignored(
            a in architecture(),
            spaces in prop::collection::vec("[ \t\n]{0,3}", 1..6),
        ) {
            let text = spaced(&a.to_string(), &spaces);
            prop_assert_eq!(Architecture::parse(&text).unwrap(), a);
        }

        #[test]
        fn parameters_tile_the_flat_vector(a in architecture()) {
            let params = a.parameters();
            let mut offset = 0;
            let mut names = std::collections::HashSet::new();
            for p in &params {
                prop_assert_eq!(p.offset, offset);
                prop_assert!(names.insert(p.name.clone()));
                let prefix = format!("{}.", p.layer);
                prop_assert!(p.name.starts_with(&prefix));
                offset = p.range().end;
            }
            prop_assert_eq!(offset, a.n_params());
            // Layer indices never decrease: named_parameters() order.
            prop_assert!(params.windows(2).all(|w| w[0].layer <= w[1].layer));
            let widths = a.layers().iter().scan(a.input_width(), |w, l| {
                let given = *w;
                *w = l.output_width(given);
                Some((l.input_width(), given))
            });
            for (need, given) in widths {
                prop_assert!(need.is_none_or(|n| n == given));
            }
        }

        #[test]
        fn random_strings_never_panic(src in "\\PC{0,40}") {
            check_any(&src)?;
        }

        #[test]
        fn spec_like_strings_never_panic(
            words in prop::collection::vec(prop::sample::select(vec![
                "linear", "tanh", "relu", "elu", "leaky_relu", "batchnorm", "layernorm",
                "dropout", "gelu", "(", ")", ",", "=", " ", "bias", "true", "false", "p",
                "in_features", "0", "1", "4", "8", "0.5", "-1", "1e999", "nan", "é",
                "18446744073709551615", "4294967296",
            ]), 0..16),
        ) {
            check_any(&words.concat())?;
        }
    }

    /// Any string parses to an architecture that round-trips, or gives a
    /// parse error with the caret inside (or just after) the text.
    fn check_any(src: &str) -> std::result::Result<(), TestCaseError> {
        match Architecture::parse(src) {
            Ok(a) => {
                prop_assert_eq!(Architecture::parse(&a.to_string()).unwrap(), a.clone());
                let _ = (a.parameters(), a.buffers(), a.n_params(), a.output_width());
            }
            Err(Error::Parse(e)) => {
                prop_assert!(e.position <= src.chars().count());
                prop_assert_eq!(&e.expression, src);
                let _ = e.to_string();
            }
            Err(other) => prop_assert!(false, "non-parse error {other:?}"),
        }
        Ok(())
    }
}
