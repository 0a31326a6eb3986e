//! Training loops: mini-batch training of a network with any optimizer and
//! schedule of the suite, per-step and per-epoch metrics, early stopping,
//! stall detection that tells a critical point from a ravine (and can run
//! the Hessian analysis there), atomic checkpoints that resume bit for bit,
//! and CSV / JSONL logs.

mod settings;
mod stall;
mod trainer;

pub use settings::{ScheduleInterval, TrainSettings};
pub use stall::{Stall, StallAnalysis, StallEscape, StallKind};
pub use trainer::{EPOCH_COLUMNS, EpochRecord, Finish, Progress, StepRecord, TrainReport, Trainer};
