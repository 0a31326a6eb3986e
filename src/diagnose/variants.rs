//! The smaller and bigger variants of a multilayer perceptron.

use serde::Serialize;

use crate::{Architecture, Error, Layer, Result};

/// Which of the compared networks a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VariantRole {
    /// Half the hidden layers (rounded down), each half as wide (rounded
    /// up); the linear model when that leaves no hidden layer.
    Smaller,
    /// The network as given.
    Given,
    /// Every hidden layer twice as wide, and one hidden layer more (a copy
    /// of the last hidden block).
    Bigger,
}

impl VariantRole {
    /// The three roles, smallest first.
    pub const ALL: [VariantRole; 3] = [
        VariantRole::Smaller,
        VariantRole::Given,
        VariantRole::Bigger,
    ];

    /// A short name: `smaller`, `given`, `bigger`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(saddlescope::VariantRole::Bigger.name(), "bigger");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            VariantRole::Smaller => "smaller",
            VariantRole::Given => "given",
            VariantRole::Bigger => "bigger",
        }
    }

    /// What the variant is, in words: `shallower, narrower`, `given`,
    /// `deeper, wider`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(saddlescope::VariantRole::Smaller.describe(), "shallower, narrower");
    /// ```
    pub fn describe(self) -> &'static str {
        match self {
            VariantRole::Smaller => "shallower, narrower",
            VariantRole::Given => "given",
            VariantRole::Bigger => "deeper, wider",
        }
    }
}

impl std::fmt::Display for VariantRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A multilayer perceptron read as blocks: the layers before the first
/// linear layer, the hidden blocks (a linear layer and the layers after it
/// up to the next linear layer: activation, normalisation, dropout), and
/// the output block (the last linear layer and whatever follows it).
#[derive(Debug, Clone, PartialEq)]
struct Blocks {
    prefix: Vec<Layer>,
    /// Each hidden block: its width and the layers after its linear layer.
    hidden: Vec<HiddenBlock>,
    /// The output linear layer's outputs and bias, and what follows it.
    outputs: usize,
    output_bias: bool,
    suffix: Vec<Layer>,
}

#[derive(Debug, Clone, PartialEq)]
struct HiddenBlock {
    width: usize,
    bias: bool,
    after: Vec<Layer>,
}

impl Blocks {
    fn of(arch: &Architecture) -> Blocks {
        let layers = arch.layers();
        let linear: Vec<usize> = layers
            .iter()
            .enumerate()
            .filter(|(_, l)| matches!(l, Layer::Linear { .. }))
            .map(|(i, _)| i)
            .collect();
        let Some((&last, hidden_starts)) = linear.split_last() else {
            // A parsed architecture fixes its widths; without a linear
            // layer it is normalisation and activations only.
            return Blocks {
                prefix: layers.to_vec(),
                hidden: Vec::new(),
                outputs: arch.output_width(),
                output_bias: false,
                suffix: Vec::new(),
            };
        };
        let mut hidden = Vec::new();
        for (k, &start) in hidden_starts.iter().enumerate() {
            let end = linear[k + 1];
            let Layer::Linear { outputs, bias, .. } = layers[start] else {
                unreachable!("indices of linear layers")
            };
            hidden.push(HiddenBlock {
                width: outputs,
                bias,
                after: layers[start + 1..end].to_vec(),
            });
        }
        let Layer::Linear { outputs, bias, .. } = layers[last] else {
            unreachable!("index of a linear layer")
        };
        Blocks {
            prefix: layers[..linear[0]].to_vec(),
            hidden,
            outputs,
            output_bias: bias,
            suffix: layers[last + 1..].to_vec(),
        }
    }

    fn build(&self, input: usize) -> Result<Architecture> {
        let mut layers = self.prefix.clone();
        let mut width = input;
        for b in &self.hidden {
            layers.push(Layer::Linear {
                inputs: width,
                outputs: b.width,
                bias: b.bias,
            });
            layers.extend(b.after.iter().map(|l| resized(l, b.width)));
            width = b.width;
        }
        layers.push(Layer::Linear {
            inputs: width,
            outputs: self.outputs,
            bias: self.output_bias,
        });
        layers.extend(self.suffix.iter().cloned());
        Architecture::new(layers)
    }
}

/// A normalisation layer follows its block's new width; other layers keep
/// no width of their own.
fn resized(layer: &Layer, width: usize) -> Layer {
    match layer {
        Layer::BatchNorm { .. } => Layer::BatchNorm { features: width },
        Layer::LayerNorm { .. } => Layer::LayerNorm { features: width },
        other => other.clone(),
    }
}

/// The number of hidden layers: linear layers other than the last.
///
/// # Examples
///
/// ```
/// use saddlescope::{Architecture, hidden_layers};
/// assert_eq!(hidden_layers(&Architecture::parse("linear(4,16),tanh,linear(16,3)")?), 1);
/// assert_eq!(hidden_layers(&Architecture::parse("linear(4,3)")?), 0);
/// # Ok::<(), saddlescope::Error>(())
/// ```
pub fn hidden_layers(arch: &Architecture) -> usize {
    Blocks::of(arch).hidden.len()
}

/// The widths from input to output, a run of equal hidden widths written
/// once with its count: `4-16-3`, or `2-16×12-2` for twelve hidden layers
/// of 16 — the shape of a network at a glance.
///
/// # Examples
///
/// ```
/// use saddlescope::{Architecture, width_profile};
/// let deep = format!("linear(2,16),tanh,{}linear(16,2)", "linear(16,16),tanh,".repeat(11));
/// assert_eq!(width_profile(&Architecture::parse(&deep)?), "2-16×12-2");
/// assert_eq!(width_profile(&Architecture::parse("linear(4,8),relu,linear(8,4),relu,linear(4,3)")?), "4-8-4-3");
/// assert_eq!(width_profile(&Architecture::parse("linear(4,3)")?), "4-3");
/// # Ok::<(), saddlescope::Error>(())
/// ```
pub fn width_profile(arch: &Architecture) -> String {
    let blocks = Blocks::of(arch);
    let mut parts = vec![arch.input_width().to_string()];
    let mut k = 0;
    while k < blocks.hidden.len() {
        let w = blocks.hidden[k].width;
        let run = blocks.hidden[k..]
            .iter()
            .take_while(|b| b.width == w)
            .count();
        parts.push(if run > 1 {
            format!("{w}×{run}")
        } else {
            w.to_string()
        });
        k += run;
    }
    parts.push(blocks.outputs.to_string());
    parts.join("-")
}

/// The smaller (shallower and narrower) and bigger (deeper and wider)
/// variants of a multilayer perceptron, as [`diagnose`](crate::diagnose)
/// trains them next to it:
///
/// - **smaller**: the first ⌊L/2⌋ of the L hidden blocks, each ⌈h/2⌉ wide
///   instead of h; with one hidden layer that is none — the smaller
///   variant is then the linear model (input straight to the output
///   layer). A linear model (L = 0) has no smaller variant: `None`.
/// - **bigger**: every hidden block 2h wide, and a copy of the last hidden
///   block appended (L + 1 hidden layers). A linear model gets one hidden
///   layer of width 2·max(inputs, outputs) with `tanh`.
///
/// A hidden block is a linear layer with the layers after it up to the next
/// linear layer; they are kept, in order, with BatchNorm and LayerNorm
/// resized to the block's new width and activations and dropout unchanged
/// (saddlescope evaluates and trains dropout as the identity, so it changes
/// nothing here).
/// Layers before the first linear layer and after the last are kept as
/// they are. So each variant nests in the next: the bigger one can
/// represent (exactly with ReLU, arbitrarily closely with smooth
/// activations through their near-linear range) every function the given
/// one can, and the given one every function of the smaller one — as far
/// as the widths allow (a bottleneck narrower than the smaller network's
/// map breaks it; [`diagnose`](crate::diagnose) checks) and except through
/// LayerNorm, which no block can undo.
///
/// # Errors
///
/// An architecture without a linear layer (nothing to vary).
///
/// # Examples
///
/// ```
/// use saddlescope::{Architecture, variants};
///
/// let arch = Architecture::parse("linear(4,16),tanh,linear(16,16),tanh,linear(16,3)")?;
/// let (smaller, bigger) = variants(&arch)?;
/// assert_eq!(smaller.unwrap().to_string(), "linear(4,8),tanh,linear(8,3)");
/// assert_eq!(
///     bigger.to_string(),
///     "linear(4,32),tanh,linear(32,32),tanh,linear(32,32),tanh,linear(32,3)"
/// );
///
/// // One hidden layer: the smaller variant is the linear model.
/// let (smaller, _) = variants(&Architecture::parse("linear(4,16),tanh,linear(16,3)")?)?;
/// assert_eq!(smaller.unwrap().to_string(), "linear(4,3)");
///
/// // BatchNorm follows the width.
/// let (_, bigger) = variants(&Architecture::parse("linear(2,8),batchnorm(8),relu,linear(8,2)")?)?;
/// assert_eq!(
///     bigger.to_string(),
///     "linear(2,16),batchnorm(16),relu,linear(16,16),batchnorm(16),relu,linear(16,2)"
/// );
/// # Ok::<(), saddlescope::Error>(())
/// ```
pub fn variants(arch: &Architecture) -> Result<(Option<Architecture>, Architecture)> {
    if !arch
        .layers()
        .iter()
        .any(|l| matches!(l, Layer::Linear { .. }))
    {
        return Err(Error::InvalidInput(format!(
            "diagnose varies the hidden layers of a multilayer perceptron; `{arch}` has no linear layer"
        )));
    }
    let blocks = Blocks::of(arch);
    let input = arch.input_width();
    let smaller = if blocks.hidden.is_empty() {
        None
    } else {
        let keep = blocks.hidden.len() / 2;
        let mut s = blocks.clone();
        s.hidden.truncate(keep);
        for b in &mut s.hidden {
            b.width = b.width.div_ceil(2);
        }
        Some(s.build(input)?)
    };
    let mut b = blocks.clone();
    match b.hidden.last().cloned() {
        Some(last) => {
            for h in &mut b.hidden {
                h.width *= 2;
            }
            b.hidden.push(HiddenBlock {
                width: last.width * 2,
                ..last
            });
        }
        None => b.hidden.push(HiddenBlock {
            width: 2 * input.max(blocks.outputs),
            bias: true,
            after: vec![Layer::Tanh],
        }),
    }
    Ok((smaller, b.build(input)?))
}

/// Whether `larger` can represent every function of `smaller`, by widths:
/// `Ok` when its first hidden layers are at least as wide as all of
/// `smaller`'s, and each further one at least as wide as the rank of the
/// map that `smaller` applies after its last hidden layer (its width, or
/// the input width for a linear model, at most the output width) — so
/// that the extra layers can pass it on near-linearly. `Err` names the
/// layer that is too narrow. The architectures must come from the same
/// network (same prefix, output and activations), as [`variants`] makes
/// them.
pub(crate) fn represents(larger: &Architecture, smaller: &Architecture) -> Result<(), String> {
    let (big, small) = (Blocks::of(larger), Blocks::of(smaller));
    if big.hidden.len() < small.hidden.len() {
        return Err(format!(
            "it has {} hidden layers, fewer than {}",
            big.hidden.len(),
            small.hidden.len()
        ));
    }
    for (k, (b, s)) in big.hidden.iter().zip(&small.hidden).enumerate() {
        if b.width < s.width {
            return Err(format!(
                "its hidden layer {} is {} wide, narrower than the {} it has to hold",
                k + 1,
                b.width,
                s.width
            ));
        }
    }
    let carried = small
        .hidden
        .last()
        .map_or(smaller.input_width(), |b| b.width)
        .min(small.outputs);
    for (k, b) in big.hidden.iter().enumerate().skip(small.hidden.len()) {
        if b.width < carried {
            return Err(format!(
                "its hidden layer {} is {} wide, narrower than the {} the smaller network's \
                 map passes on",
                k + 1,
                b.width,
                carried
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arch(s: &str) -> Architecture {
        Architecture::parse(s).unwrap()
    }

    fn pair(s: &str) -> (Option<String>, String) {
        let (a, b) = variants(&arch(s)).unwrap();
        (a.map(|a| a.to_string()), b.to_string())
    }

    #[test]
    fn a_deep_network_halves_its_depth_and_width() {
        let spec = format!(
            "linear(2,16),sigmoid,{}linear(16,2)",
            "linear(16,16),sigmoid,".repeat(9)
        );
        let (smaller, bigger) = variants(&arch(&spec)).unwrap();
        assert_eq!(hidden_layers(&arch(&spec)), 10);
        assert_eq!(hidden_layers(smaller.as_ref().unwrap()), 5);
        assert_eq!(hidden_layers(&bigger), 11);
        assert_eq!(
            smaller.unwrap().to_string(),
            format!(
                "linear(2,8),sigmoid,{}linear(8,2)",
                "linear(8,8),sigmoid,".repeat(4)
            )
        );
    }

    #[test]
    fn a_linear_model_has_no_smaller_variant() {
        assert_eq!(
            pair("linear(4,3)"),
            (None, "linear(4,8),tanh,linear(8,3)".into())
        );
    }

    #[test]
    fn prefix_suffix_dropout_and_odd_widths_are_kept_sensibly() {
        assert_eq!(
            pair("batchnorm(4),linear(4,5),relu,dropout(0.1),linear(5,1),sigmoid"),
            (
                Some("batchnorm(4),linear(4,1),sigmoid".into()),
                "batchnorm(4),linear(4,10),relu,dropout(0.1),linear(10,10),relu,dropout(0.1),linear(10,1),sigmoid"
                    .into()
            )
        );
        assert_eq!(
            pair("linear(3,7),layernorm(7),gelu,linear(7,5,bias=false),tanh,linear(5,2)"),
            (
                Some("linear(3,4),layernorm(4),gelu,linear(4,2)".into()),
                "linear(3,14),layernorm(14),gelu,linear(14,10,bias=false),tanh,linear(10,10,bias=false),tanh,linear(10,2)"
                    .into()
            )
        );
    }

    #[test]
    fn no_linear_layer_is_refused() {
        let err = variants(&arch("batchnorm(3),tanh"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("no linear layer"), "{err}");
    }

    #[test]
    fn the_variants_nest_unless_a_bottleneck_is_too_narrow() {
        for spec in [
            "linear(4,16),tanh,linear(16,3)",
            "linear(4,3)",
            "linear(2,16),sigmoid,linear(16,16),sigmoid,linear(16,16),sigmoid,linear(16,2)",
            "linear(3,7),layernorm(7),gelu,linear(7,5,bias=false),tanh,linear(5,2)",
        ] {
            let given = arch(spec);
            let (smaller, bigger) = variants(&given).unwrap();
            assert_eq!(represents(&bigger, &given), Ok(()), "{spec}");
            if let Some(s) = smaller {
                assert_eq!(represents(&given, &s), Ok(()), "{spec}");
            }
        }
        // A bottleneck of 2 cannot hold the rank-10 map of the linear model.
        let given = arch("linear(64,2),tanh,linear(2,10)");
        let (smaller, _) = variants(&given).unwrap();
        let err = represents(&given, &smaller.unwrap()).unwrap_err();
        assert!(err.contains("2 wide, narrower than the 10"), "{err}");
    }
}
