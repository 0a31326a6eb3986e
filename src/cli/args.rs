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
pub struct FunctionsArgs {
    /// Dimension for the functions of any dimension (rosenbrock, rastrigin).
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub dim: usize,
    /// Print JSON instead of the table.
    #[arg(long)]
    pub json: bool,
}
