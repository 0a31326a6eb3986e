//! A network (architecture, parameters, buffers) and its loss on a data
//! set as a [`TwiceDifferentiable`] function of the parameters.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use nalgebra::{DMatrix, DVector};
use rayon::prelude::*;

use super::kernel::DualMat;
use super::layers::{self, BatchNormMode, Cache, Slots};
use super::loss::{Loss, Targets, loss_and_gradient};
use crate::ad::{check_finite, finish_hessian};
use crate::{
    Architecture, Checkpoint, Dataset, Error, Hessian, Hvp, Layer, Result, Tensor,
    TwiceDifferentiable,
};

/// Metadata key of the architecture in saddlescope's own checkpoints.
pub const META_ARCH: &str = "saddlescope.arch";
/// Metadata key of the loss in saddlescope's own checkpoints.
pub const META_LOSS: &str = "saddlescope.loss";
/// Metadata key of a trainer's state (`saddlescope train`'s checkpoints).
pub const META_TRAIN: &str = "saddlescope.train";
/// Metadata key of the data description in saddlescope's own checkpoints.
pub const META_DATA: &str = "saddlescope.data";

/// A feed-forward network: its architecture, its flat parameter vector in
/// PyTorch `named_parameters()` order, and its buffers (BatchNorm running
/// statistics), which are not parameters.
///
/// # Examples
///
/// ```
/// use saddlescope::{Architecture, Network};
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/fixtures/mlp/iris_4-8-3_tanh.safetensors");
/// let arch = Architecture::parse("linear(4,8),tanh,linear(8,3)").unwrap();
/// let net = Network::read(path, Some(&arch)).unwrap();
/// assert_eq!(net.params().len(), 67);
/// ```
#[derive(Debug, Clone)]
pub struct Network {
    arch: Architecture,
    params: DVector<f64>,
    checkpoint: Checkpoint,
}

impl Network {
    /// Reads a safetensors checkpoint. The architecture may be omitted for
    /// checkpoints written by saddlescope, which store it in their metadata.
    ///
    /// # Errors
    ///
    /// A missing or undecodable file; no architecture given or stored; a
    /// missing, unexpected or wrongly shaped tensor (named with the
    /// expected and found shapes).
    pub fn read(path: impl AsRef<Path>, arch: Option<&Architecture>) -> Result<Network> {
        let path = path.as_ref();
        let checkpoint = Checkpoint::read(path)?;
        let arch = match arch {
            Some(a) => a.clone(),
            None => match checkpoint.metadata().get(META_ARCH) {
                Some(spec) => spec.parse()?,
                None => {
                    return Err(Error::Checkpoint {
                        path: path.display().to_string(),
                        message: format!(
                            "no architecture given and none stored in the checkpoint's metadata; \
                             pass --arch. From its tensors it looks like --arch \"{}\" with \
                             ACTIVATION replaced by the activation you used (tanh, relu, …)",
                            suggest_architecture(&checkpoint)
                        ),
                    });
                }
            },
        };
        Network::from_checkpoint(checkpoint, arch)
    }

    /// A network from a checkpoint already in memory.
    ///
    /// # Errors
    ///
    /// A missing, unexpected or wrongly shaped tensor.
    pub fn from_checkpoint(checkpoint: Checkpoint, arch: Architecture) -> Result<Network> {
        // A trainer's checkpoint (`saddlescope train`) also holds optimizer
        // state; the network is the rest.
        let mut checkpoint = checkpoint;
        if checkpoint.metadata_mut().remove(META_TRAIN).is_some() {
            let optimizer: Vec<String> = checkpoint
                .names()
                .filter(|n| n.starts_with("optimizer."))
                .map(String::from)
                .collect();
            for name in optimizer {
                checkpoint.remove(&name);
            }
        }
        let mut expected: Vec<(String, Vec<usize>)> = arch
            .parameters()
            .into_iter()
            .map(|p| (p.name, p.shape))
            .collect();
        expected.extend(arch.buffers().into_iter().map(|b| (b.name, b.shape)));
        checkpoint.check_tensors(&expected, |_| false)?;
        let names: Vec<String> = arch.parameters().into_iter().map(|p| p.name).collect();
        let params = checkpoint.flatten(&names)?;
        Ok(Network {
            arch,
            params,
            checkpoint,
        })
    }

    /// The architecture.
    pub fn arch(&self) -> &Architecture {
        &self.arch
    }

    /// The flat parameter vector (PyTorch `named_parameters()` order).
    pub fn params(&self) -> &DVector<f64> {
        &self.params
    }

    /// The state dict (parameters and buffers) as a checkpoint, with the
    /// architecture in its metadata.
    pub fn checkpoint(&self) -> &Checkpoint {
        &self.checkpoint
    }

    /// The same network with other parameters (same order and length).
    ///
    /// # Errors
    ///
    /// A vector of the wrong length, or NaN/inf in it.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{Architecture, Network};
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/fixtures/mlp/iris_4-8-3_tanh.safetensors");
    /// let net = Network::read(path, Some(&"linear(4,8),tanh,linear(8,3)".parse().unwrap())).unwrap();
    /// let zero = net.with_params(nalgebra::DVector::zeros(67)).unwrap();
    /// assert_eq!(zero.checkpoint().get("2.bias").unwrap().data, vec![0.0; 3]);
    /// assert!(net.with_params(nalgebra::DVector::zeros(5)).is_err());
    /// ```
    pub fn with_params(&self, params: DVector<f64>) -> Result<Network> {
        let layout: Vec<(String, Vec<usize>)> = self
            .arch
            .parameters()
            .into_iter()
            .map(|p| (p.name, p.shape))
            .collect();
        let mut checkpoint = self.checkpoint.clone();
        checkpoint.unflatten_into(&layout, &params)?;
        Ok(Network {
            arch: self.arch.clone(),
            params,
            checkpoint,
        })
    }

    /// Writes the network as a safetensors checkpoint in PyTorch state_dict
    /// naming, atomically, with the architecture in the metadata (so it
    /// loads without --arch) and the given extra metadata (loss, data).
    ///
    /// # Errors
    ///
    /// The file cannot be written; nothing is left half-written.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::Network;
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/fixtures/mlp/iris_4-8-3_tanh.safetensors");
    /// let net = Network::read(path, Some(&"linear(4,8),tanh,linear(8,3)".parse().unwrap())).unwrap();
    /// let out = std::env::temp_dir().join(format!("saddlescope-doc-{}.safetensors", std::process::id()));
    /// net.save(&out, &[]).unwrap();
    /// let back = Network::read(&out, None).unwrap(); // the architecture comes from the metadata
    /// assert_eq!(back.params(), net.params());
    /// std::fs::remove_file(out).unwrap();
    /// ```
    pub fn save(&self, path: impl AsRef<Path>, metadata: &[(&str, &str)]) -> Result<()> {
        let mut checkpoint = self
            .checkpoint
            .clone()
            .with_metadata(META_ARCH, self.arch.to_string());
        for (k, v) in metadata {
            checkpoint = checkpoint.with_metadata(*k, *v);
        }
        checkpoint.write(path)
    }

    /// A buffer tensor by name (e.g. `1.running_mean`).
    pub fn buffer(&self, name: &str) -> Option<&Tensor> {
        self.checkpoint.get(name)
    }

    /// Per layer: where its parameters sit, and BatchNorm's running statistics.
    fn slots(&self) -> Result<Vec<Slots>> {
        let mut slots = vec![Slots::default(); self.arch.layers().len()];
        for p in self.arch.parameters() {
            let s = &mut slots[p.layer];
            if p.name.ends_with(".weight") {
                s.weight = Some(p.offset);
            } else {
                s.bias = Some(p.offset);
            }
        }
        for (i, layer) in self.arch.layers().iter().enumerate() {
            if let Layer::BatchNorm { .. } = layer {
                let get = |what: &str| -> Result<Vec<f64>> {
                    let name = format!("{i}.{what}");
                    let t = self
                        .checkpoint
                        .get(&name)
                        .ok_or_else(|| Error::Checkpoint {
                            path: self.checkpoint.source_name().into(),
                            message: format!("missing buffer `{name}`"),
                        })?;
                    Ok(t.data.clone())
                };
                slots[i].running = Some((get("running_mean")?, get("running_var")?));
            }
        }
        Ok(slots)
    }
}

/// A mini-batch's loss and gradient ([`NetworkObjective::batch_gradient`]).
#[derive(Debug, Clone, PartialEq)]
pub struct BatchGradient {
    /// The mean loss over the batch (plus the l2 term).
    pub loss: f64,
    /// Its gradient.
    pub gradient: Vec<f64>,
    /// Each BatchNorm layer's batch statistics, in layer order.
    pub batch_norm: Vec<BatchNormStats>,
}

/// A BatchNorm layer's statistics over a batch: what PyTorch folds into the
/// running buffers during training.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchNormStats {
    /// The layer's index in the Sequential.
    pub layer: usize,
    /// The mean of each feature.
    pub mean: Vec<f64>,
    /// The unbiased variance of each feature (n − 1 in the denominator; the
    /// biased one for a batch of one row, as there is no other).
    pub var: Vec<f64>,
}

impl BatchNormStats {
    fn of(layer: usize, x: &DualMat) -> BatchNormStats {
        let (rows, cols) = (x.rows, x.cols);
        let mut mean = vec![0.0; cols];
        for r in 0..rows {
            for (m, v) in mean.iter_mut().zip(&x.re[r * cols..(r + 1) * cols]) {
                *m += v;
            }
        }
        mean.iter_mut().for_each(|m| *m /= rows as f64);
        let mut var = vec![0.0; cols];
        for r in 0..rows {
            for ((s, v), m) in var
                .iter_mut()
                .zip(&x.re[r * cols..(r + 1) * cols])
                .zip(&mean)
            {
                *s += (v - m) * (v - m);
            }
        }
        let denom = if rows > 1 { rows - 1 } else { 1 } as f64;
        var.iter_mut().for_each(|s| *s /= denom);
        BatchNormStats { layer, mean, var }
    }
}

/// Rows whose prediction is right: argmax of the logits against the class
/// (or the one-hot target), or the logit's sign against a 0/1 label.
fn correct(loss: Loss, z: &DualMat, targets: &Targets) -> usize {
    let cols = z.cols;
    let argmax = |row: &[f64]| {
        row.iter()
            .enumerate()
            .fold((0, f64::NEG_INFINITY), |(bi, bv), (i, &v)| {
                if v > bv { (i, v) } else { (bi, bv) }
            })
            .0
    };
    (0..z.rows)
        .filter(|&r| {
            let row = &z.re[r * cols..(r + 1) * cols];
            match (loss, targets) {
                (_, Targets::Classes(c)) => argmax(row) == c[r],
                (Loss::Bce, Targets::Dense { values, .. }) => (row[0] > 0.0) == (values[r] > 0.5),
                (_, Targets::Dense { values, cols: t }) => {
                    argmax(row) == argmax(&values[r * t..(r + 1) * t])
                }
            }
        })
        .count()
}

impl Network {
    /// A freshly initialised network, as PyTorch initialises its layers:
    /// Linear weights and biases uniform in ±1/√fan_in (`kaiming_uniform_`
    /// with a = √5), norm layers' weights 1 and biases 0, running means 0,
    /// variances 1 — drawn from saddlescope's seeded generator (not
    /// PyTorch's, so the numbers differ from `torch.manual_seed`).
    ///
    /// # Errors
    ///
    /// None in practice; the tensors are built to the architecture's shapes.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{Architecture, Network};
    /// let arch = Architecture::parse("linear(4,8),tanh,linear(8,3)").unwrap();
    /// let net = Network::init(&arch, 7).unwrap();
    /// assert_eq!(net.params().len(), 67);
    /// assert!(net.params().iter().all(|p| p.abs() <= 0.5)); // 1/√4
    /// assert_eq!(net.params(), Network::init(&arch, 7).unwrap().params());
    /// ```
    pub fn init(arch: &Architecture, seed: u64) -> Result<Network> {
        let mut rng = crate::data::Rng::new(seed);
        let mut checkpoint = Checkpoint::new();
        for p in arch.parameters() {
            let numel: usize = p.shape.iter().product();
            let data = match arch.layers()[p.layer] {
                Layer::Linear { inputs, .. } => {
                    let bound = 1.0 / (inputs as f64).sqrt();
                    (0..numel).map(|_| rng.uniform_in(-bound, bound)).collect()
                }
                _ if p.name.ends_with(".weight") => vec![1.0; numel],
                _ => vec![0.0; numel],
            };
            checkpoint.insert(p.name.clone(), Tensor::new(p.shape.clone(), data)?);
        }
        for b in arch.buffers() {
            let numel: usize = b.shape.iter().product();
            let tensor = if b.integer {
                Tensor::from_integers(b.shape.clone(), &vec![0; numel])?
            } else if b.name.ends_with("running_var") {
                Tensor::new(b.shape.clone(), vec![1.0; numel])?
            } else {
                Tensor::new(b.shape.clone(), vec![0.0; numel])?
            };
            checkpoint.insert(b.name.clone(), tensor);
        }
        Network::from_checkpoint(checkpoint, arch.clone())
    }

    /// Folds a training step's BatchNorm statistics into the running
    /// buffers as PyTorch does: running ← (1 − m)·running + m·batch (the
    /// variance unbiased), `num_batches_tracked` += 1.
    ///
    /// # Errors
    ///
    /// Statistics for a layer that is not a BatchNorm of that width.
    pub fn update_batch_norm(&mut self, stats: &[BatchNormStats], momentum: f64) -> Result<()> {
        for s in stats {
            for (what, batch) in [("running_mean", &s.mean), ("running_var", &s.var)] {
                let name = format!("{}.{what}", s.layer);
                let mut t =
                    self.checkpoint
                        .get(&name)
                        .cloned()
                        .ok_or_else(|| Error::Checkpoint {
                            path: self.checkpoint.source_name().into(),
                            message: format!("missing buffer `{name}`"),
                        })?;
                if t.data.len() != batch.len() {
                    return Err(Error::DimensionMismatch {
                        what: format!("batch statistics for `{name}`"),
                        expected: format!("{} values", t.data.len()),
                        found: format!("{}", batch.len()),
                    });
                }
                for (r, b) in t.data.iter_mut().zip(batch) {
                    *r = (1.0 - momentum) * *r + momentum * b;
                }
                self.checkpoint.insert(name, t);
            }
            let name = format!("{}.num_batches_tracked", s.layer);
            if let Some(t) = self.checkpoint.get(&name).cloned() {
                let n = t.data.first().copied().unwrap_or(0.0) as i64 + 1;
                self.checkpoint
                    .insert(name, Tensor::from_integers(t.shape, &[n])?);
            }
        }
        Ok(())
    }
}

/// An architecture spec read off a state dict's tensor names and shapes:
/// `i.weight` [out, in] is a Linear, a 1-D weight with running statistics a
/// BatchNorm and without them a LayerNorm, and an index without tensors an
/// activation (or Dropout), written `ACTIVATION`.
fn suggest_architecture(checkpoint: &Checkpoint) -> String {
    let index = |name: &str| name.split('.').next().and_then(|i| i.parse::<usize>().ok());
    let Some(last) = checkpoint.names().filter_map(index).max() else {
        return "linear(IN,OUT),ACTIVATION,…".into();
    };
    (0..=last)
        .map(|i| {
            let get = |what: &str| checkpoint.get(&format!("{i}.{what}"));
            match get("weight").map(|t| t.shape.as_slice()) {
                Some([out, inp]) => {
                    let bias = if get("bias").is_some() {
                        ""
                    } else {
                        ",bias=false"
                    };
                    format!("linear({inp},{out}{bias})")
                }
                Some([n]) if get("running_mean").is_some() => format!("batchnorm({n})"),
                Some([n]) => format!("layernorm({n})"),
                _ => "ACTIVATION".into(),
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// How a network's loss is evaluated.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct NetworkOptions {
    /// BatchNorm's mode. The default, `Eval`, normalises with the running
    /// statistics — the network as deployed. A freshly initialised network
    /// has running mean 0 and variance 1, so in `Eval` mode its BatchNorm
    /// is nearly the identity; for the landscape that training sees (batch
    /// statistics, the curvature BatchNorm reshapes), use `Train`.
    pub batch_norm: BatchNormMode,
    /// Weight of the added (λ/2)·‖θ‖².
    pub l2: f64,
}

impl Default for NetworkOptions {
    fn default() -> Self {
        NetworkOptions {
            batch_norm: BatchNormMode::Eval,
            l2: 0.0,
        }
    }
}

/// Rows per chunk when rows are processed in parallel. Fixed, so the
/// summation order — and the result — does not depend on the thread count.
const CHUNK_ROWS: usize = 256;

/// Hessian columns per forward-over-reverse sweep.
const LANES: usize = 32;

/// A network's mean loss on a data set, as a function of its parameters:
/// value, gradient (one reverse sweep), Hessian-vector product (one
/// forward-over-reverse sweep with one tangent lane) and full Hessian (sweeps over
/// 32 tangent lanes at a time, parallel over column blocks).
pub struct NetworkObjective {
    arch: Architecture,
    slots: Vec<Slots>,
    /// (inputs, targets) per chunk of rows; one chunk when BatchNorm uses
    /// batch statistics.
    chunks: Vec<(DualMat, Targets)>,
    /// All rows again, for mini-batches drawn from anywhere.
    inputs: DualMat,
    targets: Targets,
    rows: usize,
    loss: Loss,
    options: NetworkOptions,
    params: DVector<f64>,
}

impl NetworkObjective {
    /// The loss of `network` on `data`.
    ///
    /// # Errors
    ///
    /// Data whose feature count differs from the network's input width,
    /// labels that do not fit the loss and the output width, a negative or
    /// non-finite l2.
    pub fn new(
        network: &Network,
        data: &Dataset,
        loss: Loss,
        options: NetworkOptions,
    ) -> Result<NetworkObjective> {
        let arch = network.arch().clone();
        if data.features() != arch.input_width() {
            return Err(Error::DimensionMismatch {
                what: format!("data set {} for the network `{arch}`", data.source()),
                expected: format!("{} feature columns", arch.input_width()),
                found: format!("{}", data.features()),
            });
        }
        if !(options.l2.is_finite() && options.l2 >= 0.0) {
            return Err(Error::InvalidSetting {
                name: "l2".into(),
                message: format!("expected a finite number ≥ 0, got {}", options.l2),
            });
        }
        let targets = Targets::new(loss, data, arch.output_width())?;
        let inputs = {
            let x = data.inputs();
            let (rows, cols) = (x.nrows(), x.ncols());
            DualMat::constant(
                rows,
                cols,
                0,
                (0..rows * cols).map(|k| x[(k / cols, k % cols)]).collect(),
            )
        };
        let rows = inputs.rows;
        if rows == 0 {
            return Err(Error::InvalidInput(format!(
                "data set {} has no rows",
                data.source()
            )));
        }
        let batch_coupled = options.batch_norm == BatchNormMode::Train
            && arch
                .layers()
                .iter()
                .any(|l| matches!(l, Layer::BatchNorm { .. }));
        let chunk = if batch_coupled { rows } else { CHUNK_ROWS };
        let chunks = (0..rows)
            .step_by(chunk)
            .map(|start| {
                let end = (start + chunk).min(rows);
                (
                    inputs.rows_range(start, end),
                    targets.rows_range(start, end),
                )
            })
            .collect();
        Ok(NetworkObjective {
            slots: network.slots()?,
            arch,
            chunks,
            inputs,
            targets,
            rows,
            loss,
            options,
            params: network.params().clone(),
        })
    }

    /// The network's own parameters (where the checkpoint put them).
    pub fn params(&self) -> &DVector<f64> {
        &self.params
    }

    /// The loss function.
    pub fn loss_fn(&self) -> Loss {
        self.loss
    }

    /// The number of data rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The full Hessian, reporting progress as (column blocks done, total).
    fn blocked_hessian(
        &self,
        theta: &[f64],
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<Hessian> {
        self.check(theta)?;
        let n = theta.len();
        let blocks = n.div_ceil(LANES);
        let done = AtomicUsize::new(0);
        let results: Vec<(f64, Vec<f64>, Vec<f64>)> = (0..blocks)
            .into_par_iter()
            .map(|b| {
                let first = b * LANES;
                let mut lanes = vec![0.0; LANES * n];
                for l in 0..LANES.min(n - first) {
                    lanes[l * n + first + l] = 1.0;
                }
                let seeded = DualMat {
                    rows: 1,
                    cols: n,
                    k: LANES,
                    re: theta.to_vec(),
                    lanes: Some(lanes),
                };
                let (value, grad) = self.sweep_sequential(&seeded);
                progress(done.fetch_add(1, Ordering::Relaxed) + 1, blocks);
                (
                    value.re[0],
                    grad.re,
                    grad.lanes.unwrap_or_else(|| vec![0.0; LANES * n]),
                )
            })
            .collect();
        let mut h = DMatrix::zeros(n, n);
        for (b, (_, _, lanes)) in results.iter().enumerate() {
            for l in 0..LANES {
                let j = b * LANES + l;
                if j < n {
                    h.column_mut(j).copy_from_slice(&lanes[l * n..(l + 1) * n]);
                }
            }
        }
        let (value, gradient, _) = results.into_iter().next().ok_or_else(|| {
            Error::InvalidInput("a network without parameters has no Hessian".into())
        })?;
        finish_hessian(value, gradient, h, theta)
    }

    /// The mean loss over the rows `rows` (a mini-batch) and its gradient:
    /// one sequential forward and backward pass, BatchNorm normalising as
    /// [`NetworkOptions::batch_norm`] says (in `Train` mode with the batch's
    /// own statistics, which come back for the running buffers).
    ///
    /// # Errors
    ///
    /// Parameters of the wrong length or not finite, no rows or a row out
    /// of range, a non-finite loss or gradient.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::*;
    /// let shared = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared");
    /// let arch = Architecture::parse("linear(4,8),tanh,linear(8,3)").unwrap();
    /// let net = Network::read(format!("{shared}/fixtures/mlp/iris_4-8-3_tanh.safetensors"), Some(&arch)).unwrap();
    /// let data = Dataset::from_csv(format!("{shared}/data/iris.csv"), &CsvOptions::default()).unwrap();
    /// let f = NetworkObjective::new(&net, &data, Loss::CrossEntropy, NetworkOptions::default()).unwrap();
    /// let theta = f.params().as_slice();
    /// let all: Vec<usize> = (0..150).collect();
    /// let b = f.batch_gradient(theta, &all).unwrap();
    /// let (loss, g) = f.gradient(theta).unwrap();
    /// assert!((b.loss - loss).abs() < 1e-14);
    /// assert!(b.gradient.iter().zip(g.iter()).all(|(a, b)| (a - b).abs() < 1e-14));
    /// ```
    pub fn batch_gradient(&self, theta: &[f64], rows: &[usize]) -> Result<BatchGradient> {
        self.check(theta)?;
        self.check_rows(rows)?;
        let plain = DualMat::constant(1, theta.len(), 0, theta.to_vec());
        let mut stats = Vec::new();
        let (value, grad) = if self.batch_coupled() || rows.len() <= CHUNK_ROWS {
            let x = self.gather(rows);
            let targets = self.targets.select(rows);
            let part = self.sweep_chunk(&plain, &x, &targets, rows.len(), Some(&mut stats));
            self.reduce(&plain, vec![part])
        } else {
            // Large batches in fixed chunks of rows, in parallel, summed in
            // chunk order (as the full-data gradient).
            let parts = rows
                .par_chunks(CHUNK_ROWS)
                .map(|chunk| {
                    let x = self.gather(chunk);
                    let targets = self.targets.select(chunk);
                    self.sweep_chunk(&plain, &x, &targets, rows.len(), None)
                })
                .collect();
            self.reduce(&plain, parts)
        };
        check_finite("the mini-batch loss", &value.re, theta)?;
        check_finite("the mini-batch gradient", &grad.re, theta)?;
        Ok(BatchGradient {
            loss: value.re[0],
            gradient: grad.re,
            batch_norm: stats,
        })
    }

    /// The mean loss over all rows and, for classification, the accuracy
    /// (the share of rows whose largest logit is the label; for bce, whose
    /// logit has the label's sign). `None` for regression.
    ///
    /// # Errors
    ///
    /// Parameters of the wrong length or not finite, a non-finite loss.
    pub fn loss_and_accuracy(&self, theta: &[f64]) -> Result<(f64, Option<f64>)> {
        self.check(theta)?;
        let plain = DualMat::constant(1, theta.len(), 0, theta.to_vec());
        let parts: Vec<(f64, usize)> = self
            .chunks
            .par_iter()
            .map(|(x, t)| {
                let z = self.forward_chunk(&plain, x);
                let (value, _) = loss_and_gradient(self.loss, &z, t, self.rows);
                (value.re[0], correct(self.loss, &z, t))
            })
            .collect();
        let mut loss = 0.0;
        let mut right = 0;
        for (l, c) in parts {
            loss += l;
            right += c;
        }
        if self.options.l2 > 0.0 {
            loss += 0.5 * self.options.l2 * theta.iter().map(|t| t * t).sum::<f64>();
        }
        check_finite("the loss", &[loss], theta)?;
        let classifies = match (&self.targets, self.loss) {
            (Targets::Classes(_), _) | (_, Loss::Bce) => true,
            (Targets::Dense { cols, .. }, Loss::Mse) => *cols > 1,
            _ => false,
        };
        Ok((loss, classifies.then(|| right as f64 / self.rows as f64)))
    }

    fn forward_chunk(&self, theta: &DualMat, x: &DualMat) -> DualMat {
        let mut current = x.clone();
        for (i, layer) in self.arch.layers().iter().enumerate() {
            current = layers::forward(
                layer,
                &self.slots[i],
                theta,
                &current,
                self.options.batch_norm,
            )
            .0;
        }
        current
    }

    /// Whether rows are coupled through BatchNorm's batch statistics (then
    /// a batch is one chunk).
    fn batch_coupled(&self) -> bool {
        self.options.batch_norm == BatchNormMode::Train
            && self
                .arch
                .layers()
                .iter()
                .any(|l| matches!(l, Layer::BatchNorm { .. }))
    }

    fn check_rows(&self, rows: &[usize]) -> Result<()> {
        if rows.is_empty() {
            return Err(Error::InvalidInput(
                "a mini-batch needs at least one row".into(),
            ));
        }
        if let Some(&bad) = rows.iter().find(|&&r| r >= self.rows) {
            return Err(Error::DimensionMismatch {
                what: "mini-batch row".into(),
                expected: format!("an index below {}", self.rows),
                found: format!("{bad}"),
            });
        }
        Ok(())
    }

    fn gather(&self, rows: &[usize]) -> DualMat {
        let cols = self.inputs.cols;
        let mut re = Vec::with_capacity(rows.len() * cols);
        for &r in rows {
            re.extend_from_slice(&self.inputs.re[r * cols..(r + 1) * cols]);
        }
        DualMat::constant(rows.len(), cols, 0, re)
    }

    fn check(&self, theta: &[f64]) -> Result<()> {
        if theta.len() != self.arch.n_params() {
            return Err(Error::DimensionMismatch {
                what: format!("parameters of `{}`", self.arch),
                expected: format!("{} values", self.arch.n_params()),
                found: format!("{}", theta.len()),
            });
        }
        check_finite("the parameters", theta, &[])
    }

    /// Loss and gradient over all chunks, in parallel; summed in chunk order.
    fn sweep_parallel(&self, theta: &DualMat) -> (DualMat, DualMat) {
        let parts: Vec<(DualMat, DualMat)> = self
            .chunks
            .par_iter()
            .map(|(x, t)| self.sweep_chunk(theta, x, t, self.rows, None))
            .collect();
        self.reduce(theta, parts)
    }

    /// Loss and gradient over all chunks, one after the other (inside a
    /// parallel Hessian block).
    fn sweep_sequential(&self, theta: &DualMat) -> (DualMat, DualMat) {
        let parts = self
            .chunks
            .iter()
            .map(|(x, t)| self.sweep_chunk(theta, x, t, self.rows, None))
            .collect();
        self.reduce(theta, parts)
    }

    fn reduce(&self, theta: &DualMat, parts: Vec<(DualMat, DualMat)>) -> (DualMat, DualMat) {
        let mut parts = parts.into_iter();
        let (mut value, mut grad) = parts.next().expect("a data set has rows");
        for (v, g) in parts {
            value = value.axpby(1.0, &v, 1.0);
            grad = grad.axpby(1.0, &g, 1.0);
        }
        let l2 = self.options.l2;
        if l2 > 0.0 {
            value = value.axpby(1.0, &theta.mul(theta).sum_all(), 0.5 * l2);
            grad = grad.axpby(1.0, theta, l2);
        }
        (value, grad)
    }

    /// Forward and backward over one chunk of rows: the loss summed over the
    /// chunk and divided by `total_rows` (1×1), and the gradient (a row of
    /// n). With `stats`, BatchNorm layers report their batch statistics.
    fn sweep_chunk(
        &self,
        theta: &DualMat,
        x: &DualMat,
        targets: &Targets,
        total_rows: usize,
        mut stats: Option<&mut Vec<BatchNormStats>>,
    ) -> (DualMat, DualMat) {
        let layers = self.arch.layers();
        let bn = self.options.batch_norm;
        let mut outputs: Vec<DualMat> = Vec::with_capacity(layers.len());
        let mut caches: Vec<Cache> = Vec::with_capacity(layers.len());
        for (i, layer) in layers.iter().enumerate() {
            let input = if i == 0 { x } else { &outputs[i - 1] };
            if let (Some(stats), Layer::BatchNorm { .. }) = (stats.as_deref_mut(), layer) {
                stats.push(BatchNormStats::of(i, input));
            }
            let (y, cache) = layers::forward(layer, &self.slots[i], theta, input, bn);
            outputs.push(y);
            caches.push(cache);
        }
        let z = outputs.last().expect("an architecture has layers");
        let (value, mut d) = loss_and_gradient(self.loss, z, targets, total_rows);
        let mut grad = DualMat::zeros(1, theta.cols, theta.k);
        for i in (0..layers.len()).rev() {
            let input = if i == 0 { x } else { &outputs[i - 1] };
            match layers::backward(
                &layers[i],
                &self.slots[i],
                theta,
                input,
                &outputs[i],
                &caches[i],
                d,
                &mut grad,
                bn,
                i > 0,
            ) {
                Some(next) => d = next,
                None => break,
            }
        }
        (value, grad)
    }
}

impl TwiceDifferentiable for NetworkObjective {
    fn dim(&self) -> usize {
        self.arch.n_params()
    }

    fn value(&self, theta: &[f64]) -> Result<f64> {
        // Forward passes only (slices, line searches): no backward sweep.
        self.loss_and_accuracy(theta).map(|(v, _)| v)
    }

    fn gradient(&self, theta: &[f64]) -> Result<(f64, DVector<f64>)> {
        self.check(theta)?;
        let plain = DualMat::constant(1, theta.len(), 0, theta.to_vec());
        let (value, grad) = self.sweep_parallel(&plain);
        check_finite("the loss", &value.re, theta)?;
        check_finite("the gradient", &grad.re, theta)?;
        Ok((value.re[0], DVector::from_vec(grad.re)))
    }

    fn hvp(&self, theta: &[f64], v: &[f64]) -> Result<Hvp> {
        self.check(theta)?;
        if v.len() != theta.len() {
            return Err(Error::DimensionMismatch {
                what: "direction v of the Hessian-vector product".into(),
                expected: format!("{} values", theta.len()),
                found: format!("{}", v.len()),
            });
        }
        check_finite("the direction v", v, theta)?;
        let seeded = DualMat {
            rows: 1,
            cols: theta.len(),
            k: 1,
            re: theta.to_vec(),
            lanes: Some(v.to_vec()),
        };
        let (value, grad) = self.sweep_parallel(&seeded);
        let gradient = grad.re;
        let product = grad.lanes.unwrap_or_else(|| vec![0.0; theta.len()]);
        check_finite("the loss", &value.re, theta)?;
        check_finite("the gradient", &gradient, theta)?;
        check_finite("the Hessian-vector product", &product, theta)?;
        Ok(Hvp {
            value: value.re[0],
            gradient: DVector::from_vec(gradient),
            product: DVector::from_vec(product),
        })
    }

    fn hvp_block(&self, theta: &[f64], vs: &[f64], k: usize) -> Result<Vec<f64>> {
        self.check(theta)?;
        let n = theta.len();
        if vs.len() != k * n {
            return Err(Error::DimensionMismatch {
                what: "block of directions for the Hessian-vector products".into(),
                expected: format!("{k} × {n} = {} values", k * n),
                found: format!("{}", vs.len()),
            });
        }
        if k == 0 {
            return Ok(Vec::new());
        }
        check_finite("the directions", vs, theta)?;
        // One sweep with k tangent lanes, parallel over the row chunks.
        let seeded = DualMat {
            rows: 1,
            cols: n,
            k,
            re: theta.to_vec(),
            lanes: Some(vs.to_vec()),
        };
        let (value, grad) = self.sweep_parallel(&seeded);
        let products = grad.lanes.unwrap_or_else(|| vec![0.0; k * n]);
        check_finite("the loss", &value.re, theta)?;
        check_finite("the Hessian-vector products", &products, theta)?;
        Ok(products)
    }

    fn hessian(&self, theta: &[f64]) -> Result<Hessian> {
        self.blocked_hessian(theta, &|_, _| {})
    }

    fn hessian_with_progress(
        &self,
        theta: &[f64],
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<Hessian> {
        self.blocked_hessian(theta, progress)
    }
}
