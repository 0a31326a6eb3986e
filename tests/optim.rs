//! Optimizers, schedules and solvers against PyTorch and each other.
//!
//! The torch fixtures are read with a small JSON reader of our own: serde_json
//! parses floats with a fast algorithm that can miss the nearest `f64` by an
//! ulp (its `float_roundtrip` feature fixes that), and bit-level comparisons
//! need the exact numbers torch wrote.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use nalgebra::DVector;
use saddlescope::{
    Descent, Error, Expression, Hessian, Hvp, Method, Optimizer, OptimizerSpec, ScheduleSpec,
    Scheduler, SolverSpec, StopReason, TwiceDifferentiable, builtin, descend, solve,
};

// ---------------------------------------------------------------- JSON

#[derive(Debug, Clone, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

impl Json {
    fn parse(src: &str) -> Json {
        let mut r = Reader {
            b: src.as_bytes(),
            i: 0,
        };
        let v = r.value();
        r.ws();
        assert_eq!(r.i, r.b.len(), "trailing JSON");
        v
    }
    fn get(&self, key: &str) -> &Json {
        match self {
            Json::Obj(kv) => kv
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v)
                .unwrap_or_else(|| panic!("no key {key}")),
            _ => panic!("not an object"),
        }
    }
    fn num(&self) -> f64 {
        match self {
            Json::Num(x) => *x,
            other => panic!("not a number: {other:?}"),
        }
    }
    fn opt_num(&self) -> Option<f64> {
        match self {
            Json::Null => None,
            other => Some(other.num()),
        }
    }
    fn str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            Json::Null => None,
            other => panic!("not a string: {other:?}"),
        }
    }
    fn arr(&self) -> &[Json] {
        match self {
            Json::Arr(v) => v,
            other => panic!("not an array: {other:?}"),
        }
    }
    fn nums(&self) -> Vec<f64> {
        self.arr().iter().map(Json::num).collect()
    }
    fn points(&self) -> Vec<Vec<f64>> {
        self.arr().iter().map(Json::nums).collect()
    }
}

struct Reader<'a> {
    b: &'a [u8],
    i: usize,
}

impl Reader<'_> {
    fn ws(&mut self) {
        while self.i < self.b.len() && self.b[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }
    fn eat(&mut self, word: &str) {
        assert!(
            self.b[self.i..].starts_with(word.as_bytes()),
            "expected {word}"
        );
        self.i += word.len();
    }
    fn string(&mut self) -> String {
        self.eat("\"");
        let mut out = String::new();
        loop {
            match self.b[self.i] {
                b'"' => {
                    self.i += 1;
                    return out;
                }
                b'\\' => {
                    let c = self.b[self.i + 1];
                    out.push(match c {
                        b'n' => '\n',
                        b't' => '\t',
                        other => other as char,
                    });
                    self.i += 2;
                }
                _ => {
                    let start = self.i;
                    while !matches!(self.b[self.i], b'"' | b'\\') {
                        self.i += 1;
                    }
                    out.push_str(std::str::from_utf8(&self.b[start..self.i]).unwrap());
                }
            }
        }
    }
    fn value(&mut self) -> Json {
        self.ws();
        match self.b[self.i] {
            b'{' => {
                self.i += 1;
                let mut kv = Vec::new();
                loop {
                    self.ws();
                    if self.b[self.i] == b'}' {
                        self.i += 1;
                        return Json::Obj(kv);
                    }
                    let k = self.string();
                    self.ws();
                    self.eat(":");
                    kv.push((k, self.value()));
                    self.ws();
                    if self.b[self.i] == b',' {
                        self.i += 1;
                    }
                }
            }
            b'[' => {
                self.i += 1;
                let mut v = Vec::new();
                loop {
                    self.ws();
                    if self.b[self.i] == b']' {
                        self.i += 1;
                        return Json::Arr(v);
                    }
                    v.push(self.value());
                    self.ws();
                    if self.b[self.i] == b',' {
                        self.i += 1;
                    }
                }
            }
            b'"' => Json::Str(self.string()),
            b't' => {
                self.eat("true");
                Json::Bool(true)
            }
            b'f' => {
                self.eat("false");
                Json::Bool(false)
            }
            b'n' => {
                self.eat("null");
                Json::Null
            }
            _ => {
                let start = self.i;
                while self.i < self.b.len()
                    && matches!(
                        self.b[self.i],
                        b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'
                    )
                {
                    self.i += 1;
                }
                let text = std::str::from_utf8(&self.b[start..self.i]).unwrap();
                // Rust's parse is correctly rounded, as Python's repr assumes.
                Json::Num(text.parse().unwrap_or_else(|_| panic!("bad number {text}")))
            }
        }
    }
}

#[test]
fn the_json_reader_is_exact_where_it_matters() {
    let j = Json::parse(r#"{"a": [0.1, -1.5e-300, 2], "b": "x\"y", "c": null, "d": true}"#);
    assert_eq!(j.get("a").nums(), [0.1, -1.5e-300, 2.0]);
    assert_eq!(j.get("b").str(), Some("x\"y"));
    assert_eq!(j.get("c"), &Json::Null);
    assert_eq!(j.get("d"), &Json::Bool(true));
    // 2^-1074 · odd: a number serde_json's default parser is known to miss.
    assert_eq!(Json::parse("1.7976931348623157e308").num(), f64::MAX);
}

// ---------------------------------------------------------------- comparing

/// The largest relative deviation |a − b| / max(|a|, |b|) (0 where both are
/// 0) and how many entries differ in any bit.
#[derive(Debug, Default, Clone, Copy)]
struct Deviation {
    max_relative: f64,
    differing: usize,
    compared: usize,
}

impl Deviation {
    fn add(&mut self, got: f64, want: f64) {
        self.compared += 1;
        if got.to_bits() != want.to_bits() {
            self.differing += 1;
            let scale = got.abs().max(want.abs());
            let rel = if scale == 0.0 {
                0.0
            } else {
                (got - want).abs() / scale
            };
            self.max_relative =
                self.max_relative
                    .max(if rel.is_nan() { f64::INFINITY } else { rel });
        }
    }
    fn all(&mut self, got: &[f64], want: &[f64]) {
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(want) {
            self.add(*g, *w);
        }
    }
}

struct Case {
    name: String,
    function: String,
    start: Vec<f64>,
    steps: usize,
    optimizer: String,
    schedule: Option<String>,
    points: Vec<Vec<f64>>,
    f: Vec<f64>,
    lr: Vec<f64>,
    momentum: Option<Vec<Option<f64>>>,
}

fn read_case(path: &Path) -> Case {
    let j = Json::parse(&std::fs::read_to_string(path).unwrap());
    let kv = match &j {
        Json::Obj(kv) => kv,
        _ => panic!(),
    };
    let has = |k: &str| kv.iter().any(|(key, _)| key == k);
    Case {
        name: path.file_stem().unwrap().to_string_lossy().into_owned(),
        function: j.get("function").str().unwrap().to_string(),
        start: j.get("start").nums(),
        steps: j.get("steps").num() as usize,
        optimizer: j.get("optimizer").str().unwrap().to_string(),
        schedule: j.get("schedule").str().map(str::to_string),
        points: j.get("points").points(),
        f: j.get("f").nums(),
        lr: j.get("lr").nums(),
        momentum: has("momentum")
            .then(|| j.get("momentum").arr().iter().map(Json::opt_num).collect()),
    }
}

/// Runs a case with `Optimizer` and `Scheduler` by hand (recording the
/// momentum too), checks that `descend` takes the same path to the bit, and
/// returns the deviation from the fixture.
fn replay(case: &Case, optimizer: &str) -> Deviation {
    let f = Expression::parse(&case.function).unwrap();
    let spec = OptimizerSpec::parse(optimizer).unwrap();
    let schedule = case
        .schedule
        .as_deref()
        .map(|s| ScheduleSpec::parse(s).unwrap());
    let mut opt = Optimizer::new(&spec, case.start.len()).unwrap();
    let mut sched = schedule
        .as_ref()
        .map(|s| Scheduler::new(s, &mut opt).unwrap());
    let mut x = case.start.clone();
    let (mut points, mut fs, mut lrs, mut moms) = (vec![x.clone()], vec![], vec![], vec![]);
    for _ in 0..case.steps {
        let (value, g) = f.gradient(&x).unwrap();
        fs.push(value);
        lrs.push(opt.lr());
        moms.push(opt.momentum());
        opt.step(&mut x, g.as_slice()).unwrap();
        if let Some(s) = sched.as_mut() {
            s.step(&mut opt, Some(value)).unwrap();
        }
        points.push(x.clone());
    }
    let d = descend(
        &f,
        &Method::parse(optimizer).unwrap(),
        schedule.as_ref(),
        &case.start,
        case.steps,
    )
    .unwrap();
    assert_eq!(
        d.trajectory.points, points,
        "{}: descend differs from the loop",
        case.name
    );
    assert_eq!(d.trajectory.f, fs);
    assert_eq!(d.trajectory.lr, lrs);
    assert_eq!(d.x, x);

    let mut dev = Deviation::default();
    assert_eq!(points.len(), case.points.len(), "{}", case.name);
    for (p, q) in points.iter().zip(&case.points) {
        dev.all(p, q);
    }
    dev.all(&fs, &case.f);
    dev.all(&lrs, &case.lr);
    if let Some(want) = &case.momentum {
        for (got, want) in moms.iter().zip(want) {
            match (got, want) {
                (Some(g), Some(w)) => dev.add(*g, *w),
                (None, None) => {}
                other => panic!("{}: momentum {other:?}", case.name),
            }
        }
    }
    dev
}

fn fixtures(dir: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    v.sort();
    v
}

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/fixtures/optim");
const OURS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/optim");

/// The issue's acceptance fixtures: Rosenbrock from (−1.5, 2), 200 steps.
#[test]
fn shared_fixtures_are_reproduced_to_the_bit() {
    let files = fixtures(SHARED);
    assert_eq!(files.len(), 3);
    for path in files {
        let case = read_case(&path);
        let dev = replay(&case, &case.optimizer);
        println!(
            "{}: {} values, {} differ, max relative deviation {:e}",
            case.name, dev.compared, dev.differing, dev.max_relative
        );
        assert_eq!(dev.compared, 201 * 2 + 200 * 2);
        assert_eq!(dev.differing, 0, "{}: {dev:?}", case.name);
    }
}

/// Every optimizer and schedule, with non-default options, against
/// trajectories torch computed (tests/fixtures/optim/generate.py).
#[test]
fn torch_fixtures_are_reproduced_to_the_bit() {
    let files = fixtures(OURS);
    assert!(files.len() >= 45, "{} fixtures", files.len());
    let mut failures = Vec::new();
    for path in files {
        let case = read_case(&path);
        let dev = replay(&case, &case.optimizer);
        println!(
            "{:32} {:4} values, {:3} differ, max relative deviation {:e}",
            case.name, dev.compared, dev.differing, dev.max_relative
        );
        if dev.differing != 0 {
            failures.push(format!("{}: {dev:?}", case.name));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// The comparison can fail: ε 10% away from torch's is seen, and so is an lr one ulp away.
#[test]
fn a_perturbed_eps_is_caught() {
    let case = read_case(&Path::new(OURS).join("adam.json"));
    let dev = replay(&case, "adam(eps=1.1e-8)");
    assert!(dev.differing > 0 && dev.max_relative > 0.0, "{dev:?}");
    let case = read_case(&Path::new(OURS).join("sequentiallr_warmup_cosine.json"));
    let dev = replay(&case, "adam(lr=0.010000000000000002)");
    assert!(dev.differing > 0, "{dev:?}");
}

// ---------------------------------------------------------------- checkpoints

#[test]
fn runs_resume_bit_identically_from_exported_state() {
    let f = Expression::parse("(1-x)^2 + 100*(y-x^2)^2").unwrap();
    for (optimizer, schedule) in [
        (
            "sgd(lr=0.001,momentum=0.9,nesterov=true)",
            Some("steplr(step_size=7,gamma=0.5)"),
        ),
        ("sgd(lr=0.001,momentum=0.9)", None),
        (
            "adam(lr=0.02,amsgrad=true)",
            Some("cosineannealinglr(t_max=13)"),
        ),
        (
            "adamw",
            Some("onecyclelr(max_lr=0.05,total_steps=60,three_phase=true)"),
        ),
        ("nadam", Some("onecyclelr(max_lr=0.02,total_steps=60)")),
        (
            "radam(lr=0.01)",
            Some("reducelronplateau(patience=2,factor=0.5)"),
        ),
        (
            "rmsprop(centered=true,momentum=0.5,lr=0.001)",
            Some("linearlr(total_iters=40)"),
        ),
        (
            "adagrad(lr_decay=0.1)",
            Some("multisteplr(milestones=[10,35],gamma=0.3)"),
        ),
        ("momentum(lr=0.001)", Some("exponentiallr(gamma=0.97)")),
        (
            "gd(lr=0.001)",
            Some("constantlr(factor=0.5,total_iters=40)"),
        ),
        (
            "adam(lr=0.01)",
            Some(
                "sequentiallr(linearlr(start_factor=0.1,total_iters=5),cosineannealinglr(t_max=95),milestones=[20])",
            ),
        ),
    ] {
        let spec = OptimizerSpec::parse(optimizer).unwrap();
        let sspec = schedule.map(|s| ScheduleSpec::parse(s).unwrap());
        let run =
            |opt: &mut Optimizer, sched: &mut Option<Scheduler>, x: &mut Vec<f64>, n: usize| {
                for _ in 0..n {
                    let (v, g) = f.gradient(x).unwrap();
                    opt.step(x, g.as_slice()).unwrap();
                    if let Some(s) = sched.as_mut() {
                        s.step(opt, Some(v)).unwrap();
                    }
                }
            };
        let fresh = || {
            let mut opt = Optimizer::new(&spec, 2).unwrap();
            let sched = sspec.as_ref().map(|s| Scheduler::new(s, &mut opt).unwrap());
            (opt, sched)
        };
        let (mut a, mut sa) = fresh();
        let mut xa = vec![-1.5, 2.0];
        run(&mut a, &mut sa, &mut xa, 60);

        let (mut b, mut sb) = fresh();
        let mut xb = vec![-1.5, 2.0];
        run(&mut b, &mut sb, &mut xb, 25);
        let saved = (b.state(), sb.as_ref().map(Scheduler::state));

        let (mut c, mut sc) = fresh();
        if let (Some(s), Some(state)) = (sc.as_mut(), &saved.1) {
            s.load_state(state).unwrap();
        }
        c.load_state(&saved.0).unwrap();
        let mut xc = xb.clone();
        run(&mut c, &mut sc, &mut xc, 35);
        assert_eq!(
            xa.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            xc.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            "{optimizer} {schedule:?}"
        );
        assert_eq!(a.state(), c.state(), "{optimizer}");
        assert_eq!(sa.map(|s| s.state()), sc.map(|s| s.state()), "{optimizer}");
    }
}

// ---------------------------------------------------------------- solvers

/// Rosenbrock that counts how its derivatives are asked for.
struct Counting {
    f: saddlescope::Function,
    gradients: AtomicUsize,
    hvps: AtomicUsize,
    hessians: AtomicUsize,
}

impl Counting {
    fn new() -> Counting {
        Counting {
            f: builtin("rosenbrock", 2).unwrap(),
            gradients: AtomicUsize::new(0),
            hvps: AtomicUsize::new(0),
            hessians: AtomicUsize::new(0),
        }
    }
}

impl TwiceDifferentiable for Counting {
    fn dim(&self) -> usize {
        2
    }
    fn value(&self, x: &[f64]) -> saddlescope::Result<f64> {
        TwiceDifferentiable::value(&self.f, x)
    }
    fn gradient(&self, x: &[f64]) -> saddlescope::Result<(f64, DVector<f64>)> {
        self.gradients.fetch_add(1, Ordering::Relaxed);
        TwiceDifferentiable::gradient(&self.f, x)
    }
    fn hvp(&self, x: &[f64], v: &[f64]) -> saddlescope::Result<Hvp> {
        self.hvps.fetch_add(1, Ordering::Relaxed);
        TwiceDifferentiable::hvp(&self.f, x, v)
    }
    fn hessian(&self, x: &[f64]) -> saddlescope::Result<Hessian> {
        self.hessians.fetch_add(1, Ordering::Relaxed);
        TwiceDifferentiable::hessian(&self.f, x)
    }
}

#[test]
fn every_solver_reaches_the_rosenbrock_minimum_from_both_starts() {
    for solver in ["lbfgs", "bfgs", "cg", "newton_cg", "trust_region"] {
        for start in [[-1.2, 1.0], [-1.5, 2.0]] {
            let f = Counting::new();
            let spec = SolverSpec::parse(solver).unwrap();
            let d: Descent = solve(&f, &spec, &start).unwrap();
            let err = (d.x[0] - 1.0).abs().max((d.x[1] - 1.0).abs());
            println!(
                "{solver:13} from {start:?}: {} iterations, |x − (1,1)|∞ = {err:.1e}, f = {:.1e}, {:?}, {} HVPs, {} gradients",
                d.trajectory.steps(),
                d.value,
                d.stop,
                d.hvps,
                f.gradients.load(Ordering::Relaxed)
            );
            assert!(err <= 1e-6, "{solver} from {start:?}: {:?}", d.x);
            assert_ne!(d.stop, StopReason::Budget, "{solver} from {start:?}");
            assert_eq!(
                f.hessians.load(Ordering::Relaxed),
                0,
                "{solver} formed a Hessian"
            );
            let hvps = f.hvps.load(Ordering::Relaxed);
            assert_eq!(d.hvps, hvps);
            if solver == "newton_cg" || solver == "trust_region" {
                assert!(hvps >= d.trajectory.steps(), "{solver}: {hvps} HVPs");
            } else {
                assert_eq!(hvps, 0);
            }
            // The trajectory's shape and its end.
            let t = &d.trajectory;
            assert_eq!(t.points.len(), t.steps() + 1);
            assert_eq!((t.lr.len(), t.grad_norm.len()), (t.steps(), t.steps()));
            assert_eq!(t.points[0], start);
            assert_eq!(t.points.last().unwrap(), &d.x);
            assert!(t.f[0] > d.value);
        }
    }
}

#[test]
fn descend_caps_solver_iterations_and_records_step_lengths() {
    let f = builtin("rosenbrock", 2).unwrap();
    let d = descend(
        &f,
        &Method::parse("trust_region").unwrap(),
        None,
        &[-1.2, 1.0],
        5,
    )
    .unwrap();
    assert_eq!(d.trajectory.steps(), 5);
    assert_eq!(d.stop, StopReason::Budget);
    for k in 0..5 {
        let p = &d.trajectory.points;
        let len = ((p[k + 1][0] - p[k][0]).powi(2) + (p[k + 1][1] - p[k][1]).powi(2)).sqrt();
        assert_eq!(d.trajectory.lr[k], len);
    }
    let d = descend(
        &f,
        &Method::parse("lbfgs(max_iters=3)").unwrap(),
        None,
        &[-1.2, 1.0],
        100,
    )
    .unwrap();
    assert_eq!(d.trajectory.steps(), 3);
    let d = descend(
        &f,
        &Method::parse("bfgs(grad_tol=0,cost_tol=1e-3)").unwrap(),
        None,
        &[-1.2, 1.0],
        1000,
    )
    .unwrap();
    assert_eq!(d.stop, StopReason::CostTol);
}

#[test]
fn non_finite_values_inside_a_solver_name_the_iteration() {
    let f = Expression::parse("exp(x^2)").unwrap();
    let e = solve(&f, &SolverSpec::parse("newton_cg").unwrap(), &[30.0]).unwrap_err();
    assert!(matches!(e, Error::NonFinite { .. }), "{e}");
    assert!(e.to_string().contains("iteration"), "{e}");
}

// ---------------------------------------------------------------- specs

#[test]
fn every_spec_round_trips_through_display() {
    for src in [
        "gd",
        "momentum(lambda=0.5)",
        "sgd(lr=0.1,momentum=0.9,nesterov=true,weight_decay=1e-4)",
        "adagrad(lr_decay=1e-3)",
        "rmsprop(centered=true,momentum=0.9)",
        "adam(betas=(0.95,0.9999),amsgrad=true,maximize=true)",
        "adamw(weight_decay=0)",
        "radam(decoupled_weight_decay=true,weight_decay=0.1)",
        "nadam(momentum_decay=0.01)",
        "lbfgs(m=3,grad_tol=1e-12)",
        "bfgs",
        "cg(beta=hestenes_stiefel)",
        "newton_cg(cost_tol=1e-14)",
        "trust_region(eta=0.2)",
    ] {
        let m = Method::parse(src).unwrap();
        let canonical = m.to_string();
        assert_eq!(Method::parse(&canonical).unwrap(), m, "{src}");
        assert_eq!(Method::parse(&canonical).unwrap().to_string(), canonical);
    }
    for src in [
        "steplr(step_size=50,gamma=0.5)",
        "multisteplr(milestones=[40,120])",
        "exponentiallr(gamma=0.99)",
        "cosineannealinglr(T_max=100,eta_min=1e-5)",
        "linearlr(start_factor=0.1,total_iters=5)",
        "constantlr(factor=0.25)",
        "onecyclelr(max_lr=0.1,total_steps=1000,anneal_strategy='linear',three_phase=true)",
        "reducelronplateau(mode=max,threshold_mode=abs,cooldown=2,min_lr=1e-6)",
        "sequential(linearlr(start_factor=0.1,total_iters=5),cosineannealinglr(t_max=95),milestones=[5])",
    ] {
        let s = ScheduleSpec::parse(src).unwrap();
        let canonical = s.to_string();
        assert_eq!(ScheduleSpec::parse(&canonical).unwrap(), s, "{src}");
    }
}

#[test]
fn unknown_names_list_what_is_valid() {
    let e = OptimizerSpec::parse("adamax").unwrap_err();
    assert_eq!(
        e.to_string(),
        "unknown optimizer `adamax`; known: gd, momentum, sgd, adagrad, rmsprop, adam, adamw, radam, nadam"
    );
    let e = ScheduleSpec::parse("cycliclr").unwrap_err();
    assert_eq!(
        e.to_string(),
        "unknown schedule `cycliclr`; known: steplr, multisteplr, exponentiallr, cosineannealinglr, linearlr, constantlr, onecyclelr, reducelronplateau, sequentiallr"
    );
    let e = SolverSpec::parse("nelder_mead").unwrap_err();
    assert_eq!(
        e.to_string(),
        "unknown solver `nelder_mead`; known: lbfgs, bfgs, cg, newton_cg, trust_region"
    );
    let e = Method::parse("sgdd").unwrap_err();
    assert!(matches!(e, Error::Unknown { .. }));
    let e = Method::parse("adam(lr=0.1").unwrap_err();
    assert!(matches!(e, Error::Parse(_)), "{e}");
    assert!(e.to_string().contains("expected `,` or `)`"), "{e}");
}

#[test]
fn onecyclelr_refuses_optimizers_without_momentum_like_torch() {
    for name in ["gd", "adagrad"] {
        let mut opt = Optimizer::new(&OptimizerSpec::parse(name).unwrap(), 1).unwrap();
        let spec = ScheduleSpec::parse("onecyclelr(max_lr=0.1,total_steps=10)").unwrap();
        let e = Scheduler::new(&spec, &mut opt).unwrap_err();
        assert!(e.to_string().contains("momentum or beta1"), "{e}");
        let spec =
            ScheduleSpec::parse("onecyclelr(max_lr=0.1,total_steps=10,cycle_momentum=false)")
                .unwrap();
        assert!(Scheduler::new(&spec, &mut opt).is_ok());
    }
}

#[test]
fn descend_refuses_a_schedule_for_a_solver_and_wrong_dimensions() {
    let f = builtin("rosenbrock", 2).unwrap();
    let s = ScheduleSpec::parse("steplr(step_size=3)").unwrap();
    assert!(matches!(
        descend(
            &f,
            &Method::parse("lbfgs").unwrap(),
            Some(&s),
            &[0.0, 0.0],
            3
        ),
        Err(Error::InvalidSetting { .. })
    ));
    assert!(matches!(
        descend(&f, &Method::parse("adam").unwrap(), None, &[0.0], 3),
        Err(Error::DimensionMismatch { .. })
    ));
    let mut opt = Optimizer::new(&OptimizerSpec::parse("adam").unwrap(), 2).unwrap();
    assert!(matches!(
        opt.step(&mut [0.0, 0.0], &[1.0]),
        Err(Error::DimensionMismatch { .. })
    ));
}

/// argmin's L-BFGS empties its state when its line search fails (near a
/// minimum whose Hessian is singular, here a softmax model's): the run
/// ends at the last accepted point with `LineSearchFailed`, not an error.
#[test]
fn lbfgs_keeps_its_point_when_the_line_search_fails() {
    let data = saddlescope::load_dataset(
        "builtin:moons(n=400)",
        &saddlescope::CsvOptions::default(),
        0,
    )
    .unwrap()
    .split(0.25, 0)
    .unwrap()
    .0;
    let arch = saddlescope::Architecture::parse("linear(2,2)").unwrap();
    let net = saddlescope::Network::init(&arch, 0).unwrap();
    let f = saddlescope::NetworkObjective::new(
        &net,
        &data,
        saddlescope::Loss::CrossEntropy,
        saddlescope::NetworkOptions::default(),
    )
    .unwrap();
    let lbfgs = Method::parse("lbfgs").unwrap();
    let short = descend(&f, &lbfgs, None, &[0.0; 6], 19).unwrap();
    let d = descend(&f, &lbfgs, None, &[0.0; 6], 40).unwrap();
    assert!(d.value <= short.value, "{} > {}", d.value, short.value);
    assert!((d.value - 0.258121097004).abs() < 1e-9, "{}", d.value);
    assert_eq!(d.stop, StopReason::LineSearchFailed);
    assert_eq!(d.x, *d.trajectory.points.last().unwrap());
    assert_eq!(f.value(&d.x).unwrap(), d.value);
}
