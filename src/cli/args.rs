//! The raw command line, as clap parses it. Validation lives in `config.rs`.

use clap::{Args, Parser, Subcommand};

/// Hessian-based critical-point analysis: is this point a local minimum, a
/// saddle point, or not a critical point at all — and if it is a saddle,
/// which way is down?
#[derive(Debug, Parser)]
#[command(name = "saddlescope", version, about, long_about = None)]
#[command(after_help = "Exit codes: 0 success, 2 bad usage or bad input, 1 any other failure.")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The main job on built-in defaults: an error surface with its critical
    /// points and optimizers crossing it, a network whose training stalls
    /// next to a saddle, the verdict there and the escape — as one HTML
    /// report.
    Tour(TourArgs),
    /// Classify a point from its gradient and Hessian spectrum: local
    /// minimum, local maximum, saddle point, degenerate, or not critical.
    #[command(after_help = "Examples:\n  \
        saddlescope classify --expr \"x^2 - y^2\" --at 0,0\n  \
        saddlescope classify --function himmelblau --at -0.270845,-0.923039\n  \
        saddlescope classify --expr \"x^3 - 3*x*y^2\" --at 0,0 --json\n  \
        saddlescope classify --checkpoint model.safetensors --arch \"linear(64,32),tanh,linear(32,10)\" \\\n      \
        --data digits.csv --scale 16")]
    Classify(Box<ClassifyArgs>),
    /// The Hessian's spectrum: both ends by Lanczos (matrix-free, any size),
    /// the density and trace by stochastic Lanczos quadrature, or every
    /// eigenvalue (dense).
    #[command(after_help = "Examples:\n  \
        saddlescope spectrum --checkpoint big.safetensors --arch \"linear(64,1024),tanh,linear(1024,10)\" \\\n      \
        --data digits.csv --scale 16                      (λmin and λmax by Lanczos)\n  \
        saddlescope spectrum … --method slq --probes 10 --steps 80 --json   (density and trace)\n  \
        saddlescope spectrum --function rosenbrock --at 1,1,1,1 --method dense\n\n\
        Without --method: dense up to 3000 parameters, Lanczos above.")]
    Spectrum(Box<SpectrumArgs>),
    /// Run an optimizer (torch.optim's, or an argmin solver) on a function
    /// from a start point and print its trajectory.
    #[command(after_help = "Examples:\n  \
        saddlescope descend --function rosenbrock --from -1.5,2 --optimizer \"adam(lr=0.01)\" --steps 200\n  \
        saddlescope descend --expr \"x^2 + 10*y^2\" --from 1,1 --optimizer \"sgd(lr=0.05,momentum=0.9)\" \\\n      \
        --schedule \"steplr(step_size=20,gamma=0.5)\" --steps 60 --json\n  \
        saddlescope descend --function rosenbrock --from -1.2,1 --optimizer lbfgs --steps 100\n\n\
        Optimizers (PyTorch names and keywords): sgd, adagrad, rmsprop, adam, adamw, radam, nadam,\n\
        gd(lr), momentum(lr, lambda); solvers: lbfgs, bfgs, cg, newton_cg, trust_region.\n\
        Schedules: steplr, multisteplr, exponentiallr, cosineannealinglr, linearlr, constantlr,\n\
        onecyclelr, reducelronplateau, sequential(...).")]
    Descend(Box<DescendArgs>),
    /// Train a network with mini-batches: metrics, stall detection,
    /// checkpoints that resume bit for bit, CSV and JSONL logs.
    #[command(after_help = "Examples:\n  \
        saddlescope train --arch \"linear(64,32),tanh,linear(32,10)\" --data digits.csv --scale 16 \\\n      \
        --optimizer \"adam(lr=0.001)\" --batch-size 32 --epochs 20 --out run1\n  \
        saddlescope train --out run1 --resume --epochs 40 --data digits.csv --scale 16\n  \
        saddlescope train --arch \"linear(2,16),tanh,linear(16,2)\" --data builtin:moons \\\n      \
        --optimizer \"sgd(lr=0.5,momentum=0.9)\" --schedule \"cosineannealinglr(t_max=50)\" --epochs 50 --analyze-stalls")]
    Train(Box<TrainArgs>),
    /// Train a grid of runs (optimizers × schedules × batch sizes × seeds)
    /// in parallel and compare them in one table.
    #[command(after_help = "Example:\n  \
        saddlescope compare --arch \"linear(64,32),tanh,linear(32,10)\" --data digits.csv --scale 16 \\\n      \
        --optimizer \"sgd(lr=0.1)\" --optimizer \"adam(lr=0.001)\" --batch-sizes 32,256 --seeds 0,1 \\\n      \
        --epochs 20 --out grid")]
    Compare(Box<CompareArgs>),
    /// Why does training fail? Train the network next to a shallower,
    /// narrower and a deeper, wider variant with the same optimizer and
    /// budget, and read the losses as the lecture does: model bias, an
    /// optimisation issue (a deeper network trains worse), or overfitting.
    #[command(after_help = "Examples:\n  \
        saddlescope diagnose --data iris.csv --arch \"linear(4,16),tanh,linear(16,3)\"\n  \
        saddlescope diagnose --data digits.csv --scale 16 --arch \"linear(64,32),tanh,linear(32,10)\" \\\n      \
        --validation digits_test.csv --optimizer \"sgd(lr=0.1,momentum=0.9)\" --epochs 50 --out diag --json\n\n\
        Variants: the smaller one keeps the first half of the hidden layers (rounded down; none: the\n\
        linear model) at half width; the bigger one doubles every width and repeats the last hidden\n\
        layer. B is the loss of the best constant prediction (class frequencies, target mean).\n\
        Training loss high (> --high-loss·B): a deeper network clearly worse than a shallower one it\n\
        contains → optimisation issue; else the bigger one clearly better → model bias. Training loss\n\
        low and validation − training > --gap·B → overfitting. \"Clearly\": by more than --margin.")]
    Diagnose(Box<DiagnoseArgs>),
    /// Escape a saddle point along the eigenvector of λmin, and compare the
    /// escape with gradient descent, momentum, Adam, perturbed gradient
    /// descent and saddle-free Newton from the same point.
    #[command(after_help = "Examples:\n  \
        saddlescope escape --function double_well --at 0,0 --optimizer \"gd(lr=0.1)\" --steps 50\n  \
        saddlescope escape --checkpoint stalled.safetensors --arch \"linear(4,5),tanh,linear(5,3)\" \\\n      \
        --data iris.csv --steps 100 --optimizer \"adam(lr=0.01)\" --out escaped.safetensors --json")]
    Escape(Box<EscapeArgs>),
    /// Find critical points of any kind (minima, saddles, maxima) by
    /// Newton-MR, gradient-norm minimisation or damped Newton: from one
    /// start, or from many in a box, deduplicated and classified.
    #[command(after_help = "Examples:\n  \
        saddlescope find --function himmelblau --box=-5,5,-5,5 --starts 100 --seed 1\n  \
        saddlescope find --function double_well --from 0.01,0.02 --method newton-mr --json\n  \
        saddlescope find --checkpoint stalled.safetensors --arch \"linear(1,16),tanh,linear(16,1)\" --data sine.csv --loss mse")]
    Find(Box<FindArgs>),
    /// Draw a figure: a 2-D function's surface with its critical points and
    /// optimizer paths, a network's loss along directions, a spectrum, the
    /// training curves of runs, or minimum ratio against loss.
    #[command(subcommand)]
    Plot(PlotCommand),
    /// One self-contained HTML report of a training run directory: curves,
    /// the epochs, the stalls and their verdicts.
    Report(ReportArgs),
    /// List the built-in functions with their known critical points, each
    /// classified by the engine.
    Functions(FunctionsArgs),
}

/// Where the objective comes from.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct Source {
    /// A math expression in the variables, e.g. "x^2 - y^2": operators
    /// `+ - * / ^`, functions `sin cos tan exp ln log sqrt tanh sigmoid
    /// softplus abs`, constants `pi` and `e`.
    #[arg(long, value_name = "EXPR", allow_hyphen_values = true)]
    pub expr: Option<String>,
    /// A built-in function (see `saddlescope functions`).
    #[arg(long, value_name = "NAME")]
    pub function: Option<String>,
    /// A network checkpoint (safetensors, PyTorch state_dict naming),
    /// analysed at its parameters on --data.
    #[arg(long, value_name = "CKPT")]
    pub checkpoint: Option<std::path::PathBuf>,
}

/// The network and data set for --checkpoint.
#[derive(Debug, Args)]
pub struct NetworkArgs {
    /// The architecture, as an nn.Sequential: e.g. "linear(4,8),tanh,linear(8,3)".
    /// May be omitted for checkpoints written by saddlescope.
    #[arg(long, value_name = "SPEC")]
    pub arch: Option<String>,
    /// The data: a CSV file (header row; the last column is the label or
    /// target) or a built-in set, e.g. builtin:moons.
    #[arg(long, value_name = "CSV|builtin:NAME")]
    pub data: Option<String>,
    /// The target column of the CSV (default: the last).
    #[arg(long, value_name = "NAME")]
    pub target: Option<String>,
    /// Divide the features by S (e.g. 16 for digits' 0–16 pixels).
    #[arg(long, value_name = "S", allow_negative_numbers = true)]
    pub scale: Option<f64>,
    /// Z-score each feature column (the statistics are reported).
    #[arg(long)]
    pub standardize: bool,
    /// The loss, averaged over rows as PyTorch's reduction='mean' [default:
    /// cross-entropy]. mse with several outputs one-hot encodes the labels.
    #[arg(long, value_enum)]
    pub loss: Option<LossArg>,
    /// BatchNorm: running statistics (eval, as model.eval()) or the
    /// statistics of the whole data set as one batch (train) [default: eval].
    #[arg(long, value_enum)]
    pub bn: Option<BnArg>,
    /// Add (λ/2)·‖θ‖² to the loss [default: 0].
    #[arg(long, value_name = "λ", allow_negative_numbers = true)]
    pub l2: Option<f64>,
    /// Seed for built-in data sets and, for `spectrum`, of Lanczos' start and
    /// the probes [default: 0].
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Refuse a dense Hessian above N parameters (its matrix and
    /// eigenvectors take 16·N² bytes: 2.3 GB at the default) [default: 12000].
    #[arg(long, value_name = "N")]
    pub max_dense_params: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LossArg {
    /// Softmax cross-entropy on integer labels.
    CrossEntropy,
    /// Mean squared error.
    Mse,
    /// Binary cross-entropy with logits, 0/1 labels.
    Bce,
}

impl LossArg {
    /// The loss a flag names; cross-entropy when the flag is absent.
    pub fn or_default(arg: Option<LossArg>) -> saddlescope::Loss {
        match arg.unwrap_or(LossArg::CrossEntropy) {
            LossArg::CrossEntropy => saddlescope::Loss::CrossEntropy,
            LossArg::Mse => saddlescope::Loss::Mse,
            LossArg::Bce => saddlescope::Loss::Bce,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BnArg {
    /// Running statistics.
    Eval,
    /// Batch statistics.
    Train,
}

/// Tolerances of the verdict.
#[derive(Debug, Args)]
pub struct ToleranceArgs {
    /// The point is critical when ‖∇f‖₂ ≤ G.
    #[arg(
        long,
        value_name = "G",
        default_value_t = 1e-4,
        allow_negative_numbers = true
    )]
    pub grad_tol: f64,
    /// An eigenvalue with |λ| ≤ E·max|λ| counts as zero.
    #[arg(
        long,
        value_name = "E",
        default_value_t = 1e-9,
        allow_negative_numbers = true
    )]
    pub eig_tol: f64,
}

#[derive(Debug, Args)]
pub struct ClassifyArgs {
    #[command(flatten)]
    pub source: Source,
    /// Variable order for --expr, comma-separated (default: order of first
    /// appearance).
    #[arg(long, value_name = "X,Y,…", requires = "expr")]
    pub vars: Option<String>,
    /// The point, comma-separated; negative coordinates as typed:
    /// --at -1.5,2 (for --expr and --function).
    #[arg(long, value_name = "X,Y,…", allow_hyphen_values = true)]
    pub at: Option<String>,
    #[command(flatten)]
    pub network: NetworkArgs,
    #[command(flatten)]
    pub tolerances: ToleranceArgs,
    /// dense: every eigenvalue; lanczos: the verdict from λmin and λmax
    /// alone, matrix-free [default: dense, or lanczos for a network above
    /// --max-dense-params].
    #[arg(long, value_enum)]
    pub method: Option<MethodArg>,
    /// Relative residual tolerance of Lanczos' λmin and λmax.
    #[arg(
        long,
        value_name = "T",
        default_value_t = 1e-6,
        allow_negative_numbers = true
    )]
    pub lanczos_tol: f64,
    /// Length α of the trial step along the escape direction, whose actual
    /// change of f is compared with ½·λmin·α².
    #[arg(
        long,
        value_name = "ALPHA",
        default_value_t = 0.1,
        allow_negative_numbers = true
    )]
    pub step_length: f64,
    /// Print the JSON report instead of the table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MethodArg {
    /// Form the Hessian and compute every eigenvalue.
    Dense,
    /// Thick-restart Lanczos over Hessian-vector products: the ends.
    Lanczos,
    /// Stochastic Lanczos quadrature: the density and the trace.
    Slq,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum WhichArg {
    Both,
    Largest,
    Smallest,
}

#[derive(Debug, Args)]
pub struct SpectrumArgs {
    #[command(flatten)]
    pub source: Source,
    /// Variable order for --expr, comma-separated.
    #[arg(long, value_name = "X,Y,…", requires = "expr")]
    pub vars: Option<String>,
    /// The point, comma-separated (for --expr and --function).
    #[arg(long, value_name = "X,Y,…", allow_hyphen_values = true)]
    pub at: Option<String>,
    #[command(flatten)]
    pub network: NetworkArgs,
    /// How to compute it [default: dense up to 3000 parameters, else lanczos].
    #[arg(long, value_enum)]
    pub method: Option<MethodArg>,
    /// Eigenpairs at each end.
    #[arg(long, value_name = "K", default_value_t = 1)]
    pub k: usize,
    /// Which end(s) of the spectrum (lanczos).
    #[arg(long, value_enum, default_value_t = WhichArg::Both)]
    pub which: WhichArg,
    /// Lanczos' relative residual tolerance: ‖Hv − λv‖ ≤ T·|λ|.
    #[arg(
        long,
        value_name = "T",
        default_value_t = 1e-6,
        allow_negative_numbers = true
    )]
    pub tol: f64,
    /// Vectors per Lanczos block (resolves eigenvalues of that multiplicity).
    #[arg(long, value_name = "B", default_value_t = 1)]
    pub block: usize,
    /// The most Hessian-vector products before Lanczos gives up.
    #[arg(long, value_name = "N", default_value_t = 20_000)]
    pub max_hvps: usize,
    /// Random probe vectors (slq).
    #[arg(long, value_name = "P", default_value_t = 10)]
    pub probes: usize,
    /// Lanczos steps per probe (slq).
    #[arg(long, value_name = "S", default_value_t = 80)]
    pub steps: usize,
    /// Gaussian broadening of the density, in eigenvalue units [default: 1 %
    /// of the spectrum's width].
    #[arg(long, value_name = "σ", allow_negative_numbers = true)]
    pub sigma: Option<f64>,
    /// Print the JSON report instead of the table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DescendArgs {
    #[command(flatten)]
    pub source: FunctionSource,
    /// Variable order for --expr, comma-separated.
    #[arg(long, value_name = "X,Y,…", requires = "expr")]
    pub vars: Option<String>,
    /// The start point, comma-separated; negative coordinates as typed.
    #[arg(long, value_name = "X,Y,…", allow_hyphen_values = true)]
    pub from: String,
    /// The optimizer or solver, e.g. "adam(lr=0.01)" or "lbfgs".
    #[arg(long, value_name = "SPEC", default_value = "gd(lr=0.001)")]
    pub optimizer: String,
    /// A learning-rate schedule, stepped after every step.
    #[arg(long, value_name = "SPEC")]
    pub schedule: Option<String>,
    /// Steps (iterations for a solver).
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub steps: usize,
    /// Print the JSON trajectory instead of the table.
    #[arg(long)]
    pub json: bool,
}

/// An expression or a built-in function (no checkpoint).
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct FunctionSource {
    /// A math expression, e.g. "(1-x)^2 + 100*(y-x^2)^2".
    #[arg(long, value_name = "EXPR", allow_hyphen_values = true)]
    pub expr: Option<String>,
    /// A built-in function (see `saddlescope functions`).
    #[arg(long, value_name = "NAME")]
    pub function: Option<String>,
}

/// The network and data of a training run.
#[derive(Debug, Args)]
pub struct TrainData {
    /// The architecture, e.g. "linear(64,32),tanh,linear(32,10)".
    #[arg(long, value_name = "SPEC")]
    pub arch: Option<String>,
    /// Start from this checkpoint's parameters instead of a fresh
    /// PyTorch-style initialisation.
    #[arg(long, value_name = "CKPT")]
    pub init: Option<std::path::PathBuf>,
    /// A CSV file (header row; last column the label) or builtin:NAME.
    #[arg(long, value_name = "CSV|builtin:NAME")]
    pub data: String,
    /// The target column of the CSV (default: the last).
    #[arg(long, value_name = "NAME")]
    pub target: Option<String>,
    /// Divide the features by S.
    #[arg(long, value_name = "S", allow_negative_numbers = true)]
    pub scale: Option<f64>,
    /// Z-score each feature column (statistics from the training rows).
    #[arg(long)]
    pub standardize: bool,
    /// The loss [default: cross-entropy].
    #[arg(long, value_enum)]
    pub loss: Option<LossArg>,
    /// Add (λ/2)·‖θ‖² to the loss.
    #[arg(
        long,
        value_name = "λ",
        default_value_t = 0.0,
        allow_negative_numbers = true
    )]
    pub l2: f64,
    /// Hold out this fraction of the rows for validation (0: none).
    #[arg(
        long,
        value_name = "F",
        default_value_t = 0.2,
        allow_negative_numbers = true
    )]
    pub validation: f64,
}

/// How each run trains.
#[derive(Debug, Args)]
pub struct TrainLoop {
    /// Epochs in all.
    #[arg(long, value_name = "E", default_value_t = 20)]
    pub epochs: usize,
    /// When the schedule steps.
    #[arg(long, value_enum, default_value_t = IntervalArg::Epoch)]
    pub schedule_every: IntervalArg,
    /// Stop after P epochs without improvement of the validation loss
    /// (the training loss without a validation set).
    #[arg(long, value_name = "P")]
    pub patience: Option<usize>,
    /// The improvement that counts for --patience.
    #[arg(long, value_name = "D", default_value_t = 0.0)]
    pub min_delta: f64,
    /// Stall detection: epochs to look back over.
    #[arg(long, value_name = "W", default_value_t = 5)]
    pub stall_window: usize,
    /// Stall detection: stalled below this relative fall of the loss.
    #[arg(long, value_name = "R", default_value_t = 1e-3)]
    pub stall_tol: f64,
    /// Stall detection: a gradient norm at most G counts as small.
    #[arg(long, value_name = "G", default_value_t = 1e-3)]
    pub small_grad: f64,
    /// Run the Hessian analysis at stalled parameters and log the verdict.
    #[arg(long)]
    pub analyze_stalls: bool,
    /// At a stall on a saddle, step along ±u_min (λmin's eigenvector), log
    /// it and train on.
    #[arg(long)]
    pub escape_saddles: bool,
    /// Do not write per-step records to log.jsonl.
    #[arg(long)]
    pub no_step_log: bool,
    /// Write the checkpoint at most every S seconds (always after the first
    /// and the last epoch); 0: after every epoch.
    #[arg(long, value_name = "S", default_value_t = 1.0)]
    pub checkpoint_seconds: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum IntervalArg {
    Epoch,
    Step,
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    #[command(flatten)]
    pub data: TrainData,
    #[command(flatten)]
    pub run: TrainLoop,
    /// The optimizer, PyTorch's name and keywords [default: adam(lr=0.001)].
    #[arg(long, value_name = "SPEC")]
    pub optimizer: Option<String>,
    /// A learning-rate schedule.
    #[arg(long, value_name = "SPEC")]
    pub schedule: Option<String>,
    /// Rows per mini-batch (larger than the data: the whole set) [default: 32].
    #[arg(long, value_name = "B")]
    pub batch_size: Option<usize>,
    /// Seed of the initialisation, the shuffling, the validation split and
    /// built-in data [default: 0; on --resume, the run's own].
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// The run directory (checkpoint, model, logs).
    #[arg(long, value_name = "DIR", default_value = "saddlescope-run")]
    pub out: std::path::PathBuf,
    /// Continue the run in --out from its last checkpoint.
    #[arg(long)]
    pub resume: bool,
    /// Print the JSON report instead of the table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    #[command(flatten)]
    pub data: TrainData,
    #[command(flatten)]
    pub run: TrainLoop,
    /// An optimizer of the grid (repeat the flag for more).
    #[arg(long = "optimizer", value_name = "SPEC", required = true)]
    pub optimizers: Vec<String>,
    /// A schedule of the grid (repeat; `none` for a constant rate).
    #[arg(long = "schedule", value_name = "SPEC")]
    pub schedules: Vec<String>,
    /// Batch sizes of the grid, comma-separated.
    #[arg(long, value_name = "B,…", value_delimiter = ',', default_value = "32")]
    pub batch_sizes: Vec<usize>,
    /// Seeds of the grid, comma-separated.
    #[arg(long, value_name = "S,…", value_delimiter = ',', default_value = "0")]
    pub seeds: Vec<u64>,
    /// The directory for the runs and the summary.
    #[arg(long, value_name = "DIR", default_value = "saddlescope-compare")]
    pub out: std::path::PathBuf,
    /// Print the JSON summary instead of the table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DiagnoseArgs {
    /// The network to diagnose, e.g. "linear(4,16),tanh,linear(16,3)".
    #[arg(long, value_name = "SPEC")]
    pub arch: String,
    /// The training data: a CSV file (header row; last column the label or
    /// target) or builtin:NAME.
    #[arg(long, value_name = "CSV|builtin:NAME")]
    pub data: String,
    /// The target column of the CSV files (default: the last).
    #[arg(long, value_name = "NAME")]
    pub target: Option<String>,
    /// Validate on this CSV file (same columns as --data) instead of
    /// holding out rows.
    #[arg(long, value_name = "CSV", conflicts_with = "holdout")]
    pub validation: Option<String>,
    /// Hold out this fraction of the --data rows for validation (split with
    /// --seed) [default: 0.2].
    #[arg(long, value_name = "F", allow_negative_numbers = true)]
    pub holdout: Option<f64>,
    /// Divide the features (of both sets) by S.
    #[arg(long, value_name = "S", allow_negative_numbers = true)]
    pub scale: Option<f64>,
    /// Z-score each feature column (statistics from the training rows).
    #[arg(long)]
    pub standardize: bool,
    /// The loss [default: cross-entropy].
    #[arg(long, value_enum)]
    pub loss: Option<LossArg>,
    /// The optimizer of every run, PyTorch's name and keywords.
    #[arg(long, value_name = "SPEC", default_value = "adam(lr=0.01)")]
    pub optimizer: String,
    /// Epochs of every run.
    #[arg(long, value_name = "E", default_value_t = 100)]
    pub epochs: usize,
    /// Rows per mini-batch (larger than the data: the whole set).
    #[arg(long, value_name = "B", default_value_t = 32)]
    pub batch_size: usize,
    /// Seed of the initialisations, the shuffling, the holdout split and
    /// built-in data.
    #[arg(long, value_name = "S", default_value_t = 0)]
    pub seed: u64,
    /// The training loss is high above H·B (B: the loss of the best
    /// constant prediction).
    #[arg(
        long,
        value_name = "H",
        default_value_t = 0.1,
        allow_negative_numbers = true
    )]
    pub high_loss: f64,
    /// Overfitting when validation − training loss > G·B.
    #[arg(
        long,
        value_name = "G",
        default_value_t = 0.1,
        allow_negative_numbers = true
    )]
    pub gap: f64,
    /// A loss is clearly lower than another below (1 − M) times it.
    #[arg(
        long,
        value_name = "M",
        default_value_t = 0.2,
        allow_negative_numbers = true
    )]
    pub margin: f64,
    /// Keep the three runs (checkpoints, logs) and diagnosis.json here.
    #[arg(long, value_name = "DIR")]
    pub out: Option<std::path::PathBuf>,
    /// Print the JSON report instead of the table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct EscapeArgs {
    #[command(flatten)]
    pub source: Source,
    /// Variable order for --expr, comma-separated.
    #[arg(long, value_name = "X,Y,…", requires = "expr")]
    pub vars: Option<String>,
    /// The point (for --expr and --function).
    #[arg(long, value_name = "X,Y,…", allow_hyphen_values = true)]
    pub at: Option<String>,
    #[command(flatten)]
    pub network: NetworkArgs,
    /// Steps of every method compared (the escape step counts as one).
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub steps: usize,
    /// The optimizer that continues after the escape step; its learning
    /// rate is also gradient descent's, momentum's, Adam's and PGD's.
    #[arg(long, value_name = "SPEC", default_value = "adam(lr=0.01)")]
    pub optimizer: String,
    /// The longest trial escape step α₀ (halved until the loss falls, then
    /// doubled while it keeps falling).
    #[arg(long, value_name = "ALPHA", default_value_t = 1.0)]
    pub step_length: f64,
    /// Write the escaped network (after the escape step) here, in
    /// saddlescope's format.
    #[arg(long, value_name = "CKPT")]
    pub out: Option<std::path::PathBuf>,
    /// Print the JSON report instead of the table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct FindArgs {
    #[command(flatten)]
    pub source: Source,
    /// Variable order for --expr, comma-separated.
    #[arg(long, value_name = "X,Y,…", requires = "expr")]
    pub vars: Option<String>,
    /// One start point (for --expr and --function; a checkpoint starts at
    /// its own parameters).
    #[arg(
        long,
        value_name = "X,Y,…",
        allow_hyphen_values = true,
        conflicts_with = "search_box"
    )]
    pub from: Option<String>,
    /// Starts in a box: LO,HI for each coordinate, e.g. --box=-5,5,-5,5.
    #[arg(long = "box", value_name = "LO,HI,…", allow_hyphen_values = true)]
    pub search_box: Option<String>,
    /// Random starts in the box (seeded by --seed).
    #[arg(long, value_name = "N", default_value_t = 100, conflicts_with = "grid")]
    pub starts: usize,
    /// A regular grid of K starts per coordinate instead of random ones.
    #[arg(long, value_name = "K")]
    pub grid: Option<usize>,
    /// The finder.
    #[arg(long, value_enum, default_value_t = FinderArg::NewtonMr)]
    pub method: FinderArg,
    /// Converged when ‖∇f‖ ≤ G.
    #[arg(long, value_name = "G", default_value_t = 1e-10)]
    pub grad_tol: f64,
    /// Iterations per start.
    #[arg(long, value_name = "N", default_value_t = 200)]
    pub max_iters: usize,
    #[command(flatten)]
    pub network: NetworkArgs,
    /// Print the JSON report instead of the table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FinderArg {
    /// Newton-MR: MINRES on H·p = −g and a line search on ‖g‖².
    NewtonMr,
    /// L-BFGS on ½‖∇f‖² (its gradient is H·∇f).
    Gradnorm,
    /// Levenberg–Marquardt-damped Newton on ∇f = 0.
    Newton,
}

#[derive(Debug, Args)]
pub struct TourArgs {
    /// Where to write the report and its runs.
    #[arg(long, value_name = "DIR", default_value = "saddlescope-tour")]
    pub out: std::path::PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum PlotCommand {
    /// A 2-D function: heatmap and contours, critical points by verdict,
    /// optimizer paths.
    #[command(
        after_help = "Example:\n  saddlescope plot surface --function himmelblau --box=-5,5,-5,5 \\\n      --from -0.1,-0.6 --optimizer \"gd(lr=0.01)\" --optimizer \"adam(lr=0.1)\" --out himmelblau.svg"
    )]
    Surface(Box<PlotSurfaceArgs>),
    /// A network's loss along one or two directions through its parameters.
    #[command(
        after_help = "Example:\n  saddlescope plot slice --checkpoint model.safetensors --data iris.csv --directions eigen --dims 2 --out slice.svg"
    )]
    Slice(Box<PlotSliceArgs>),
    /// The Hessian's eigenvalues (dense) or its SLQ density.
    Spectrum(Box<PlotSpectrumArgs>),
    /// Loss, gradient norm and learning rate of one or more training runs.
    Curves(PlotCurvesArgs),
    /// Minimum ratio against training loss at the analysed stalls of runs.
    Minratio(PlotCurvesArgs),
}

#[derive(Debug, Args)]
pub struct PlotSurfaceArgs {
    #[command(flatten)]
    pub source: FunctionSource,
    /// Variable order for --expr.
    #[arg(long, value_name = "X,Y", requires = "expr")]
    pub vars: Option<String>,
    /// The plotted box LO,HI,LO,HI.
    #[arg(
        long = "box",
        value_name = "LO,HI,LO,HI",
        allow_hyphen_values = true,
        default_value = "-2,2,-2,2"
    )]
    pub search_box: String,
    /// An optimizer whose path to draw (repeat for several).
    #[arg(long = "optimizer", value_name = "SPEC")]
    pub optimizers: Vec<String>,
    /// Where the paths start.
    #[arg(long, value_name = "X,Y", allow_hyphen_values = true)]
    pub from: Option<String>,
    /// Steps of each path.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub steps: usize,
    /// Random starts for finding the critical points to mark (0: none).
    #[arg(long, value_name = "N", default_value_t = 60)]
    pub starts: usize,
    /// Contour levels: auto (log-spaced when f spans decades), linear or log.
    #[arg(long, value_enum, default_value_t = LevelsArg::Auto)]
    pub levels: LevelsArg,
    /// The output file: .svg or .png.
    #[arg(long, value_name = "FILE", default_value = "surface.svg")]
    pub out: std::path::PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LevelsArg {
    Auto,
    Linear,
    Log,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DirectionsArg {
    /// Filter-normalised random directions (Li et al. 2018).
    Random,
    /// The eigenvectors of λmin and λmax.
    Eigen,
}

#[derive(Debug, Args)]
pub struct PlotSliceArgs {
    #[command(flatten)]
    pub network: NetworkArgs,
    /// The network checkpoint.
    #[arg(long, value_name = "CKPT")]
    pub checkpoint: std::path::PathBuf,
    /// One direction (a curve) or two (a surface).
    #[arg(long, value_name = "1|2", default_value_t = 1)]
    pub dims: usize,
    /// Which directions.
    #[arg(long, value_enum, default_value_t = DirectionsArg::Random)]
    pub directions: DirectionsArg,
    /// Instead: the line to this second checkpoint (α = 0 and 1 are the two).
    #[arg(long, value_name = "CKPT2", conflicts_with = "directions")]
    pub to: Option<std::path::PathBuf>,
    /// The slice spans −R … R along each direction.
    #[arg(long, value_name = "R", default_value_t = 1.0)]
    pub range: f64,
    /// Grid points per direction.
    #[arg(long, value_name = "K", default_value_t = 41)]
    pub points: usize,
    /// Keep biases and normalisation parameters in random directions.
    #[arg(long)]
    pub keep_biases: bool,
    /// The output file: .svg or .png.
    #[arg(long, value_name = "FILE", default_value = "slice.svg")]
    pub out: std::path::PathBuf,
}

#[derive(Debug, Args)]
pub struct PlotSpectrumArgs {
    #[command(flatten)]
    pub source: Source,
    /// The point (for --expr and --function).
    #[arg(long, value_name = "X,Y,…", allow_hyphen_values = true)]
    pub at: Option<String>,
    #[command(flatten)]
    pub network: NetworkArgs,
    /// dense: a histogram of every eigenvalue; slq: the estimated density.
    #[arg(long, value_enum, default_value_t = MethodArg::Dense)]
    pub method: MethodArg,
    /// A symmetric-log eigenvalue axis (dense).
    #[arg(long)]
    pub symlog: bool,
    /// An eigenvalue with |λ| ≤ E·max|λ| counts, and is drawn, as zero
    /// (dense; as in `classify`).
    #[arg(
        long,
        value_name = "E",
        default_value_t = 1e-9,
        allow_negative_numbers = true
    )]
    pub eig_tol: f64,
    /// The output file: .svg or .png.
    #[arg(long, value_name = "FILE", default_value = "spectrum.svg")]
    pub out: std::path::PathBuf,
}

#[derive(Debug, Args)]
pub struct PlotCurvesArgs {
    /// Run directories (of `train`, or of `compare`: every run inside).
    #[arg(required = true, value_name = "RUN_DIR")]
    pub runs: Vec<std::path::PathBuf>,
    /// Against optimizer steps (from log.jsonl) instead of epochs.
    #[arg(long)]
    pub steps: bool,
    /// The output file: .svg or .png.
    #[arg(long, value_name = "FILE", default_value = "curves.svg")]
    pub out: std::path::PathBuf,
}

#[derive(Debug, Args)]
#[group(id = "report_source", required = true, multiple = false, args = ["run", "checkpoint"])]
pub struct ReportArgs {
    /// A training run directory (of `train`).
    #[arg(long, value_name = "DIR")]
    pub run: Option<std::path::PathBuf>,
    /// Or a network checkpoint, analysed on --data.
    #[arg(long, value_name = "CKPT")]
    pub checkpoint: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub network: NetworkArgs,
    /// The HTML file [default: DIR/report.html, or report.html].
    #[arg(long, value_name = "FILE")]
    pub out: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct FunctionsArgs {
    /// Dimension for the functions of any dimension (rosenbrock, rastrigin).
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub dim: usize,
    /// Print JSON instead of the table.
    #[arg(long)]
    pub json: bool,
}
