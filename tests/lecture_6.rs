//! Lecture 6: in the ravine gradient descent bounces or crawls; adaptive
//! rates get through and burst near the end; decay removes the bursts;
//! warm-up keeps the first steps small — on the example's default settings,
//! checked against closed forms where there are some.

mod common;

use std::sync::OnceLock;

use saddlescope::lecture::adaptive_lr::{Outcome, Run, Settings, run};

/// The default run, once for all tests.
fn outcome() -> &'static Outcome {
    static OUTCOME: OnceLock<Outcome> = OnceLock::new();
    OUTCOME.get_or_init(|| run(&Settings::default()).expect("the default experiment runs"))
}

fn get<'a>(out: &'a Outcome, label: &str) -> &'a Run {
    out.run(label).unwrap_or_else(|| panic!("no run `{label}`"))
}

/// ∇f of ½(u² + κv²) in (x, y), by hand.
fn gradient(kappa: f64, angle: f64, p: &[f64]) -> [f64; 2] {
    let (s, c) = angle.sin_cos();
    let u = c * p[0] + s * p[1];
    let v = c * p[1] - s * p[0];
    // ∂/∂x = u·c − κv·s, ∂/∂y = u·s + κv·c.
    [u * c - kappa * v * s, u * s + kappa * v * c]
}

#[test]
fn gradient_descent_follows_its_closed_form_per_coordinate() {
    let out = outcome();
    let s = &out.settings;
    let [u0, v0] = s.start;
    for (k, run) in out.runs[..2].iter().enumerate() {
        let eta = if k == 0 {
            s.large_lr_times_lambda_max / s.condition_number
        } else {
            s.tiny_lr_times_lambda_min
        };
        for (step, &(u, v)) in run.valley.iter().enumerate() {
            let n = step as i32;
            let (eu, ev) = (
                (1.0 - eta).powi(n) * u0,
                (1.0 - eta * s.condition_number).powi(n) * v0,
            );
            assert!(
                (u - eu).abs() <= 1e-9 * eu.abs() + 1e-13,
                "{}: u at step {step} is {u}, expected {eu}",
                run.label
            );
            assert!(
                (v - ev).abs() <= 1e-9 * ev.abs() + 1e-13,
                "{}: v at step {step} is {v}, expected {ev}",
                run.label
            );
        }
    }
}

#[test]
fn a_large_rate_bounces_across_the_valley_and_a_tiny_one_crawls() {
    let out = outcome();
    let s = &out.settings;
    let large = &out.runs[0];
    // Across: v changes sign at every one of the first 300 steps, shrinking
    // by only |1 − η·λmax| = 0.98 per step, with a large gradient.
    for k in 0..300 {
        let (a, b) = (large.valley[k].1, large.valley[k + 1].1);
        assert!(a * b < 0.0, "no bounce at step {k}");
        assert!((b / a + 0.98).abs() < 1e-6);
    }
    assert!(large.trajectory.grad_norm[..100].iter().all(|g| *g > 100.0));
    // Along: 14 % of the valley left after 10,000 steps, f four orders of
    // magnitude above the target and a gradient that is not small.
    assert!(large.valley_left > 0.1, "{}", large.valley_left);
    assert!(large.final_f() > 1e3 * s.target);
    assert!(large.grad_norm_end > 0.1);
    assert_eq!(large.reached, None);

    let tiny = &out.runs[1];
    // No bounce: v keeps its sign and reaches the floor ...
    assert!(tiny.valley.windows(2).all(|w| w[0].1 * w[1].1 > 0.0));
    assert!(tiny.valley.last().unwrap().1.abs() < 1e-3 * s.start[1].abs());
    // ... and along the valley it moves by less than 0.2 %.
    assert!(tiny.valley_left > 0.998, "{}", tiny.valley_left);
    assert!(tiny.final_f() > 0.49);
    assert_eq!(tiny.reached, None);
}

#[test]
fn the_lectures_adagrad_gets_through_the_turn_and_bursts_near_the_end() {
    let out = outcome();
    let s = &out.settings;
    let a = get(out, "adagrad (lecture: σ = RMS)");
    assert!(a.reached.is_some(), "it reaches f < target");
    assert!(a.bursts >= 3, "{} bursts", a.bursts);
    assert!(a.largest_rise > 1e4);
    // At the end it is bouncing across the valley with a gradient that is
    // not small, far from the minimum's neighbourhood it had reached.
    assert!(a.sign_flips > s.window / 2);
    assert!(a.amplitude > 1e-2 && a.grad_norm_end > 0.1);
    assert!(a.final_f() > 10.0 * s.target);

    // Cosine decay: fewer bursts, none near the end, no oscillation left.
    let d = get(out, "adagrad (lecture) + cosine");
    assert!(d.bursts < a.bursts);
    assert!(d.amplitude < 1e-4 * a.amplitude);
    assert_eq!(d.sign_flips, 0);
    let last_quarter = &d.f[3 * s.steps / 4..];
    assert!(
        last_quarter
            .windows(2)
            .all(|w| w[1] <= w[0] * (1.0 + 1e-12))
    );

    // torch's Adagrad (the lecture's with η/√t): no burst, but slow.
    let t = get(out, "adagrad (torch: √Σg²)");
    assert_eq!(t.bursts, 0);
    assert!(t.valley_left > 0.5);
}

#[test]
fn rmsprop_and_adam_oscillate_at_the_end_and_decay_removes_it() {
    let out = outcome();
    let s = &out.settings;
    let rms = get(out, "rmsprop");
    // A limit cycle: v flips at almost every step, ‖∇f‖ large, never at the
    // target.
    assert_eq!(rms.reached, None);
    assert!(rms.sign_flips >= s.window * 9 / 10);
    assert!(rms.grad_norm_end > 10.0 && rms.amplitude > 1e-3);
    let rms_cos = get(out, "rmsprop + cosine");
    assert!(rms_cos.reached.is_some());
    assert!(rms_cos.amplitude < 1e-2 * rms.amplitude);

    let adam = get(out, "adam");
    assert!(adam.reached.is_some());
    assert!(adam.bursts >= 5, "{} bursts", adam.bursts);
    assert!(adam.amplitude > 1e-3);
    let adam_cos = get(out, "adam + cosine");
    assert!(adam_cos.reached.is_some());
    assert_eq!(adam_cos.bursts, 0);
    assert!(adam_cos.amplitude < 1e-6 * adam.amplitude);
    assert!(adam_cos.final_f() < 1e-6 * adam.final_f());
}

#[test]
fn warm_up_keeps_the_first_steps_small() {
    let out = outcome();
    let s = &out.settings;
    for name in ["rmsprop", "adam"] {
        let plain = get(out, &format!("{name} + cosine"));
        let warm = get(out, &format!("{name} + warm-up + cosine"));
        assert!(
            warm.largest_early_step < 0.5 * plain.largest_early_step,
            "{name}: {} vs {}",
            warm.largest_early_step,
            plain.largest_early_step
        );
        assert!(warm.reached.is_some() && warm.bursts == 0, "{name}");
        // The schedule as specified: linear from the start factor, then
        // the cosine from the full rate.
        let lr = &warm.trajectory.lr;
        assert!((lr[0] - s.lr * s.warmup_start_factor).abs() < 1e-15);
        assert!((lr[s.warmup_steps] - s.lr).abs() < 1e-15);
        assert!(lr[s.steps - 1] < 1e-3 * s.lr);
    }
    // RMSProp's first step is 1/√(1 − α) = 10 times η along each axis
    // (no bias correction); warm-up scales it down by its start factor.
    let first = get(out, "rmsprop").trajectory.points[..2].to_vec();
    let step = (first[1][0] - first[0][0]).abs();
    // (ε = 1e-8 in the denominator shaves off a few parts in 10⁹.)
    assert!((step - 10.0 * s.lr).abs() < 1e-6 * s.lr, "{step}");
}

/// The lecture's Adagrad written out: θ ← θ − η_t·g/σ_t with σ_t the root
/// mean square of g_1 … g_t per coordinate.
fn lecture_adagrad(out: &Outcome, steps: usize, eta: impl Fn(usize) -> f64) -> Vec<[f64; 2]> {
    let s = &out.settings;
    let v = &out.valley;
    let p0 = v.point(s.start[0], s.start[1]);
    let mut p = [p0[0], p0[1]];
    let mut sum = [0.0; 2];
    let mut path = vec![p];
    for t in 1..=steps {
        let g = gradient(s.condition_number, v.angle, &p);
        for i in 0..2 {
            sum[i] += g[i] * g[i];
            let sigma = (sum[i] / t as f64).sqrt();
            p[i] -= eta(t) * g[i] / sigma;
        }
        path.push(p);
    }
    path
}

#[test]
fn the_lectures_adagrad_is_its_formula_and_torchs_is_it_with_eta_over_root_t() {
    let out = outcome();
    let s = &out.settings;
    let close = |a: &[f64], b: &[f64; 2], tol: f64| {
        (a[0] - b[0]).abs() <= tol * (1.0 + b[0].abs())
            && (a[1] - b[1]).abs() <= tol * (1.0 + b[1].abs())
    };
    // Up to the first burst (the runs are exact to rounding; a burst
    // amplifies the last bits).
    let n = 1000;
    let lecture = get(out, "adagrad (lecture: σ = RMS)");
    let by_hand = lecture_adagrad(out, n, |_| s.lr);
    for (k, p) in by_hand.iter().enumerate() {
        assert!(close(&lecture.trajectory.points[k], p, 1e-8), "step {k}");
    }
    let torch = get(out, "adagrad (torch: √Σg²)");
    let by_hand = lecture_adagrad(out, 3000, |t| s.lr / (t as f64).sqrt());
    for (k, p) in by_hand.iter().enumerate() {
        assert!(close(&torch.trajectory.points[k], p, 1e-8), "step {k}");
    }
}

#[test]
fn over_other_valleys_and_rates_decay_removes_or_reduces_adams_bursts() {
    let out = outcome();
    assert_eq!(out.robustness.len(), out.settings.robustness.len());
    let col = |label: &str| {
        out.robustness[0]
            .results
            .iter()
            .position(|r| r.0 == label)
            .unwrap()
    };
    let (adam, adam_cos, lecture) = (
        col("adam"),
        col("adam + cosine"),
        col("adagrad (lecture: σ = RMS)"),
    );
    let (warm, default_lr) = (col("adam + warm-up + cosine"), out.settings.lr);
    for row in &out.robustness {
        let what = format!(
            "κ = {}, θ = {}°, η = {}",
            row.condition_number, row.angle_degrees, row.lr
        );
        // At every rate, decay leaves fewer bursts than a constant rate,
        // warm-up before it no more.
        assert!(row.results[adam_cos].2 < row.results[adam].2, "{what}");
        assert!(row.results[warm].2 <= row.results[adam_cos].2, "{what}");
        if row.lr != default_lr {
            continue;
        }
        assert!(row.results[adam].2 >= 1, "{what}: adam did not burst");
        assert!(row.results[adam_cos].1.is_some(), "{what}");
        assert_eq!(row.results[adam_cos].2, 0, "{what}: adam + cosine burst");
        // The lecture's Adagrad bursts whenever the valley is rotated; an
        // axis-aligned valley separates and shows none (module docs).
        if row.angle_degrees == 0.0 {
            assert_eq!(row.results[lecture].2, 0, "{what}");
        } else {
            assert!(row.results[lecture].2 >= 1, "{what}");
        }
    }
}

#[test]
fn the_figures_are_drawn_and_name_what_they_show() {
    let out = outcome();
    let dir = std::env::temp_dir().join(format!("saddlescope-lecture-6-{}", std::process::id()));
    let files = out.draw(&dir).unwrap();
    assert_eq!(files.len(), 5);
    for f in &files {
        let texts = common::svg_texts(f).join(" ");
        let stem = f.file_stem().unwrap().to_string_lossy().to_string();
        let expected: &[&str] = match stem.as_str() {
            "contour_gd_adagrad" => &[
                "ravine",
                "gd, η·λmax = 1.98",
                "adagrad (lecture: σ = RMS)",
                "local minimum",
            ],
            "contour_rmsprop_adam" => &[
                "ravine",
                "rmsprop",
                "adam + cosine",
                "adam + warm-up + cosine",
            ],
            "loss_gd_adagrad" => &["f against the step", "gd, η·λmin", "adagrad (torch: √Σg²)"],
            "loss_rmsprop_adam" => &["f against the step", "rmsprop + cosine", "adam"],
            "learning_rate" => &["learning rate", "cosine decay", "warm-up + cosine", "η/√t"],
            other => panic!("unexpected figure {other}"),
        };
        for e in expected {
            assert!(texts.contains(e), "{stem} lacks `{e}`");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
