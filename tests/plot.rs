//! Figures end to end: every plot as SVG (parsed as XML and searched for
//! what it must show) and as PNG (decoded and checked for content), the
//! network slices' determinism across runs and thread counts, and the
//! readers of training runs.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use saddlescope::*;

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared");

/// A fresh directory for one test's files (removed by [`done`] when the
/// test passes; left behind to look at when it fails).
fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("saddlescope-plot-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Removes a passing test's directory, unless SADDLESCOPE_KEEP_PLOTS is
/// set (to look at the figures).
fn done(dir: &Path) {
    if std::env::var_os("SADDLESCOPE_KEEP_PLOTS").is_none() {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// What an SVG holds: element counts by tag and every text.
struct Svg {
    tags: HashMap<String, usize>,
    texts: Vec<String>,
    /// The media type of each embedded image that decodes as a PNG.
    images: Vec<String>,
    width: f64,
    height: f64,
}

impl Svg {
    fn read(path: &Path) -> Svg {
        let text = std::fs::read_to_string(path).unwrap();
        let doc = roxmltree::Document::parse(&text)
            .unwrap_or_else(|e| panic!("{} is not XML: {e}", path.display()));
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg");
        let mut tags = HashMap::new();
        let mut texts = Vec::new();
        let mut images = Vec::new();
        for node in doc.descendants().filter(|n| n.is_element()) {
            if node.tag_name().name() == "image" {
                let href = node.attribute("href").unwrap_or("");
                let data = href
                    .strip_prefix("data:image/png;base64,")
                    .expect("a PNG data URI");
                let png = decode_base64(data);
                png::Decoder::new(std::io::Cursor::new(png))
                    .read_info()
                    .expect("a PNG");
                images.push("image/png".to_string());
            }
            *tags.entry(node.tag_name().name().to_string()).or_insert(0) += 1;
            if node.tag_name().name() == "text" {
                texts.push(node.text().unwrap_or("").trim().to_string());
            }
        }
        let dim = |a: &str| {
            root.attribute(a)
                .and_then(|v| v.parse().ok())
                .unwrap_or(0.0)
        };
        Svg {
            tags,
            texts,
            images,
            width: dim("width"),
            height: dim("height"),
        }
    }

    fn count(&self, tag: &str) -> usize {
        self.tags.get(tag).copied().unwrap_or(0)
    }

    fn has_text(&self, wanted: &str) -> bool {
        self.texts.iter().any(|t| t == wanted)
    }

    fn assert_texts(&self, wanted: &[&str]) {
        for w in wanted {
            assert!(self.has_text(w), "no text `{w}` in {:?}", self.texts);
        }
    }
}

fn decode_base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let bytes: Vec<u8> = text.bytes().filter(|c| *c != b'=').map(value).collect();
    let mut out = Vec::new();
    for chunk in bytes.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (k, v)| n | (u32::from(*v) << (18 - 6 * k)));
        out.extend(&n.to_be_bytes()[1..chunk.len()]);
    }
    out
}

/// A decoded PNG's size, number of distinct colours, and the share of
/// pixels that are not the white background.
fn png_stats(path: &Path) -> (u32, u32, usize, f64) {
    let file = std::fs::File::open(path).unwrap();
    let mut decoder = png::Decoder::new(std::io::BufReader::new(file));
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    let pixels: Vec<[u8; 3]> = buf[..info.buffer_size()]
        .chunks_exact(3)
        .map(|p| [p[0], p[1], p[2]])
        .collect();
    let colours: HashSet<[u8; 3]> = pixels.iter().copied().collect();
    let ink = pixels.iter().filter(|p| **p != [255, 255, 255]).count();
    (
        info.width,
        info.height,
        colours.len(),
        ink as f64 / pixels.len() as f64,
    )
}

fn assert_png(path: &Path, size: (u32, u32), min_colours: usize, min_ink: f64) {
    let (w, h, colours, ink) = png_stats(path);
    assert_eq!((w, h), size, "{}", path.display());
    assert!(
        colours >= min_colours,
        "{}: only {colours} colours",
        path.display()
    );
    assert!(
        ink >= min_ink,
        "{}: only {:.1} % drawn",
        path.display(),
        100.0 * ink
    );
}

#[test]
fn a_function_surface_has_heat_map_contours_points_trajectories_and_legend() {
    let dir = temp_dir("surface");
    let f = builtin("himmelblau", 2).unwrap();
    let grid = SurfaceGrid::evaluate(&f, -5.0..=5.0, -5.0..=5.0, 41, 41).unwrap();
    let mut plot = SurfacePlot::new()
        .with_title("Himmelblau")
        .with_critical_points(&f.critical_points())
        .unwrap();
    for spec in ["adam(lr=0.1)", "sgd(lr=0.005,momentum=0.9)"] {
        let d = descend(&f, &Method::parse(spec).unwrap(), None, &[-1.0, 4.5], 60).unwrap();
        plot = plot.with_trajectory(spec, &d.trajectory).unwrap();
    }
    let svg_path = dir.join("himmelblau.svg");
    plot_surface(&svg_path, &grid, &plot).unwrap();
    let svg = Svg::read(&svg_path);
    assert_eq!((svg.width, svg.height), (900.0, 720.0));
    svg.assert_texts(&[
        "Himmelblau",
        "x",
        "y",
        "f(x, y)",
        "adam(lr=0.1)",
        "sgd(lr=0.005,momentum=0.9)",
        "local minimum",
        "local maximum",
        "saddle point",
    ]);
    // The heat map as one embedded PNG, contour lines, 9 critical points
    // and 3 legend markers (polygons), dots along both trajectories.
    let levels = Levels::default().resolve(&grid).unwrap();
    let contour_count: usize = levels
        .levels
        .iter()
        .map(|l| contour_lines(&grid, *l).len())
        .sum();
    assert!(contour_count >= 12, "{contour_count}");
    assert_eq!(svg.count("image"), 1);
    assert_eq!(svg.images, ["image/png"]);
    assert!(svg.count("polyline") >= contour_count, "{:?}", svg.tags);
    assert_eq!(svg.count("polygon"), 9 + 3);
    assert!(svg.count("circle") >= 2 * 61, "{:?}", svg.tags);

    // The same figure as PNG, by extension and by explicit format.
    let png_path = dir.join("himmelblau.png");
    plot_surface(&png_path, &grid, &plot).unwrap();
    assert_png(&png_path, (900, 720), 300, 0.6);
    let forced = dir.join("himmelblau.image");
    plot_surface(
        &forced,
        &grid,
        &plot
            .clone()
            .with_format(Format::Png)
            .with_size(640, 480)
            .unwrap(),
    )
    .unwrap();
    assert_png(&forced, (640, 480), 300, 0.5);
    done(&dir);
}

#[test]
fn a_ravine_gets_log_levels_and_an_override_wins() {
    let f = builtin("rosenbrock", 2).unwrap();
    let grid = SurfaceGrid::evaluate(&f, -2.0..=2.0, -1.0..=3.0, 41, 41).unwrap();
    let auto = Levels::Auto(8).resolve(&grid).unwrap();
    assert!(auto.scale.is_log());
    let ratios: Vec<f64> = auto.levels.windows(2).map(|w| w[1] / w[0]).collect();
    assert!(
        ratios.iter().all(|r| (r / ratios[0] - 1.0).abs() < 1e-9),
        "{ratios:?}"
    );
    let linear = Levels::Linear(8).resolve(&grid).unwrap();
    assert!(!linear.scale.is_log());
    let steps: Vec<f64> = linear.levels.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(steps.iter().all(|s| (s / steps[0] - 1.0).abs() < 1e-9));
    let given = Levels::Values(vec![3.0, 1.0, 10.0]).resolve(&grid).unwrap();
    assert_eq!(given.levels, [1.0, 3.0, 10.0]);
    // A bowl stays linear.
    let bowl = Expression::parse("x^2 + y^2").unwrap();
    let g = SurfaceGrid::evaluate(&bowl, -1.0..=1.0, -1.0..=1.0, 21, 21).unwrap();
    assert!(!Levels::Auto(8).resolve(&g).unwrap().scale.is_log());
    assert!(Levels::Auto(0).resolve(&g).is_err());
}

#[test]
fn contours_of_a_paraboloid_are_circles_of_the_right_radius() {
    let t = linspace(-2.0..=2.0, 81).unwrap();
    let g = SurfaceGrid::from_fn(t.clone(), t, |x, y| Ok(x * x + y * y)).unwrap();
    for r in [0.5, 1.0, 1.7] {
        let lines = contour_lines(&g, r * r);
        assert_eq!(lines.len(), 1);
        assert!(lines[0].closed);
        for &(x, y) in &lines[0].points {
            assert!((x.hypot(y) - r).abs() < 2e-3, "r = {r}: {}", x.hypot(y));
        }
    }
}

/// The trained sine network, its data, and the loss as a function of the
/// parameters.
fn sine() -> (Architecture, Network, NetworkObjective) {
    let arch = Architecture::parse("linear(1,16),tanh,linear(16,1)").unwrap();
    let net = Network::read(
        format!("{SHARED}/fixtures/mlp/sine_1-16-1_tanh.safetensors"),
        Some(&arch),
    )
    .unwrap();
    let data =
        Dataset::from_csv(format!("{SHARED}/data/sine.csv"), &CsvOptions::default()).unwrap();
    let f = NetworkObjective::new(&net, &data, Loss::Mse, NetworkOptions::default()).unwrap();
    (arch, net, f)
}

#[test]
fn filter_normalised_directions_of_a_network_with_norm_layers() {
    let arch = Architecture::parse("linear(4,6),batchnorm(6),tanh,linear(6,3)").unwrap();
    let net = Network::read(
        format!("{SHARED}/fixtures/mlp/iris_4-6bn-3_tanh.safetensors"),
        Some(&arch),
    )
    .unwrap();
    let theta = net.params().as_slice();
    let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
    let d = filter_normalized_direction(&arch, theta, 3, false).unwrap();
    for p in arch.parameters() {
        let (t, v) = (&theta[p.range()], &d.as_slice()[p.range()]);
        match p.shape.as_slice() {
            [_, cols] => {
                for (tr, dr) in t.chunks(*cols).zip(v.chunks(*cols)) {
                    assert!(
                        (norm(dr) - norm(tr)).abs() <= 1e-12 * norm(tr),
                        "{}",
                        p.name
                    );
                }
            }
            _ => assert!(v.iter().all(|x| *x == 0.0), "{} is not zeroed", p.name),
        }
    }
    let kept = filter_normalized_direction(&arch, theta, 3, true).unwrap();
    let bn_weight = &arch.parameters()[2];
    assert_eq!(bn_weight.name, "1.weight");
    let (t, v) = (
        &theta[bn_weight.range()],
        &kept.as_slice()[bn_weight.range()],
    );
    assert!((norm(v) - norm(t)).abs() <= 1e-12 * norm(t));
}

#[test]
fn network_slices_are_deterministic_and_the_same_at_one_and_two_threads() {
    let (arch, net, f) = sine();
    let theta = net.params().as_slice().to_vec();
    let slice = |seed: u64| {
        let d1 = filter_normalized_direction(&arch, &theta, seed, false).unwrap();
        let d2 = filter_normalized_direction(&arch, &theta, seed + 1, false).unwrap();
        let grid = slice_2d(
            &f,
            &theta,
            d1.as_slice(),
            d2.as_slice(),
            -1.0..=1.0,
            -1.0..=1.0,
            9,
        )
        .unwrap();
        let line = slice_1d(&f, &theta, d1.as_slice(), -1.0..=1.0, 17).unwrap();
        (grid, line)
    };
    let bits = |(g, l): &(SurfaceGrid, SliceCurve)| -> Vec<u64> {
        g.values
            .iter()
            .chain(&l.loss)
            .map(|v| v.to_bits())
            .collect()
    };
    let in_pool = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| slice(7))
    };
    let one = in_pool(1);
    let two = in_pool(2);
    assert_eq!(bits(&one), bits(&two));
    assert_eq!(bits(&one), bits(&slice(7)));
    assert_ne!(bits(&one), bits(&slice(8)));
    // The centre of the plane is θ itself.
    let loss = TwiceDifferentiable::value(&f, &theta).unwrap();
    assert_eq!(one.0.at(4, 4), loss);
    assert_eq!(one.1.value_at(0.0), Some(loss));
}

#[test]
fn network_slice_figures_mark_the_centre_with_its_verdict() {
    let dir = temp_dir("slices");
    let (arch, net, f) = sine();
    let theta = net.params().as_slice().to_vec();
    let a = analyze(&f, &theta, &AnalysisSettings::default()).unwrap();
    let verdict = a.classification.verdict;
    assert_eq!(verdict, Verdict::SaddlePoint);
    let n = theta.len();
    let v_min = unit_direction(a.spectrum.eigenvectors.column(0).as_slice()).unwrap();
    let v_max = unit_direction(a.spectrum.eigenvectors.column(n - 1).as_slice()).unwrap();

    // 2-D: the plane of the extreme eigenvectors.
    let grid = slice_2d(
        &f,
        &theta,
        v_min.as_slice(),
        v_max.as_slice(),
        -1.0..=1.0,
        -0.3..=0.3,
        21,
    )
    .unwrap();
    let plot = SurfacePlot::new()
        .with_title("eigen-plane")
        .with_labels("α", "β", "loss")
        .with_point(
            PointMark::new(0.0, 0.0)
                .with_verdict(verdict)
                .with_label("θ"),
        );
    for ext in ["svg", "png"] {
        plot_surface(dir.join(format!("plane.{ext}")), &grid, &plot).unwrap();
    }
    let svg = Svg::read(&dir.join("plane.svg"));
    svg.assert_texts(&["eigen-plane", "α", "β", "θ: saddle point"]);
    // The colour bar: the loss, or its excess over the minimum on a log scale.
    assert!(
        svg.texts.iter().any(|t| t.starts_with("loss")),
        "{:?}",
        svg.texts
    );
    assert_eq!(svg.count("polygon"), 2); // the centre and its legend marker
    assert_eq!(svg.images, ["image/png"]); // the heat map
    assert_png(&dir.join("plane.png"), (900, 720), 300, 0.6);

    // 1-D: along both eigenvectors and a random direction.
    let d = filter_normalized_direction(&arch, &theta, 1, false).unwrap();
    let curves = [
        slice_1d(&f, &theta, v_min.as_slice(), -1.0..=1.0, 41)
            .unwrap()
            .with_name("v(λmin)"),
        slice_1d(&f, &theta, v_max.as_slice(), -1.0..=1.0, 41)
            .unwrap()
            .with_name("v(λmax)"),
        slice_1d(&f, &theta, d.as_slice(), -1.0..=1.0, 41)
            .unwrap()
            .with_name("random"),
    ];
    // Negative curvature: down along v(λmin) on at least one side, up along v(λmax).
    let centre = curves[0].value_at(0.0).unwrap();
    assert!(curves[1].loss[0] > centre && curves[1].loss[40] > centre);
    let plot = SlicePlot::new()
        .with_title("lines")
        .with_mark(0.0, "θ", Some(verdict));
    for ext in ["svg", "png"] {
        plot_slice(dir.join(format!("lines.{ext}")), &curves, &plot).unwrap();
    }
    let svg = Svg::read(&dir.join("lines.svg"));
    svg.assert_texts(&[
        "lines",
        "α",
        "loss",
        "v(λmin)",
        "v(λmax)",
        "random",
        "θ: saddle point",
    ]);
    assert_eq!(svg.count("polygon"), 3 + 1); // θ on each curve, and in the legend
    assert!(svg.count("polyline") >= 3);
    assert_png(&dir.join("lines.png"), (900, 600), 20, 0.02);

    // The line between two checkpoints: initialisation and trained.
    let init = Network::init(&arch, 0).unwrap();
    let toward = direction_between(init.params().as_slice(), &theta).unwrap();
    let path = slice_1d(
        &f,
        init.params().as_slice(),
        toward.as_slice(),
        0.0..=1.0,
        11,
    )
    .unwrap();
    // θ₀ + 1·(θ₁ − θ₀) is θ₁ up to rounding.
    let end = path.value_at(1.0).unwrap();
    assert!((end - TwiceDifferentiable::value(&f, &theta).unwrap()).abs() < 1e-12);
    let plot = SlicePlot::new()
        .with_labels("t", "loss")
        .with_mark(0.0, "θ₀", None)
        .with_mark(1.0, "θ₁", Some(verdict));
    plot_slice(dir.join("path.svg"), &[path.with_name("θ₀ → θ₁")], &plot).unwrap();
    Svg::read(&dir.join("path.svg")).assert_texts(&["θ₀", "θ₁: saddle point", "θ₀ → θ₁"]);
    done(&dir);
}

#[test]
fn spectrum_figures_count_signs_and_show_the_density() {
    let dir = temp_dir("spectrum");
    let arch = Architecture::parse("linear(4,8),tanh,linear(8,3)").unwrap();
    let net = Network::read(
        format!("{SHARED}/fixtures/mlp/iris_4-8-3_tanh.safetensors"),
        Some(&arch),
    )
    .unwrap();
    let iris =
        Dataset::from_csv(format!("{SHARED}/data/iris.csv"), &CsvOptions::default()).unwrap();
    let f =
        NetworkObjective::new(&net, &iris, Loss::CrossEntropy, NetworkOptions::default()).unwrap();
    let theta = net.params().as_slice().to_vec();
    let h = TwiceDifferentiable::hessian(&f, &theta).unwrap();
    let eigenvalues = symmetric_eigenvalues(&h.matrix).unwrap();
    // The legend counts as the verdict does: |λ| ≤ 1e-9·max|λ| is zero.
    let band = 1e-9 * eigenvalues.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let negative = eigenvalues.iter().filter(|v| **v < -band).count();
    let positive = eigenvalues.iter().filter(|v| **v > band).count();
    let zero = eigenvalues.len() - negative - positive;
    assert!(negative > 0 && zero > 0 && positive > 0);
    let strictly_negative = eigenvalues.iter().filter(|v| **v < 0.0).count();
    assert!(
        strictly_negative > negative,
        "rounding-level eigenvalues of both signs"
    );

    let symlog = EigenvaluePlot::new()
        .with_title("iris spectrum")
        .with_symlog(1e-3)
        .unwrap()
        .with_log_counts(true);
    let linear = EigenvaluePlot::new().with_bins(20).unwrap();
    for (name, plot) in [("symlog", &symlog), ("linear", &linear)] {
        for ext in ["svg", "png"] {
            plot_eigenvalues(
                dir.join(format!("{name}.{ext}")),
                eigenvalues.as_slice(),
                plot,
            )
            .unwrap();
        }
        let svg = Svg::read(&dir.join(format!("{name}.svg")));
        svg.assert_texts(&[
            &format!("negative: {negative}"),
            &format!("zero: {zero}"),
            &format!("positive: {positive}"),
            "count",
            "eigenvalue λ",
        ]);
        // Bars of each sign, and a legend swatch for each.
        assert!(svg.count("rect") >= 2 + 2 + 2, "{:?}", svg.tags);
        assert_png(&dir.join(format!("{name}.png")), (900, 560), 20, 0.02);
    }
    assert!(Svg::read(&dir.join("symlog.svg")).has_text("iris spectrum"));
    // A zero tolerance of 0 counts signs strictly.
    let strict = EigenvaluePlot::new().with_zero_tolerance(0.0).unwrap();
    plot_eigenvalues(dir.join("strict.svg"), eigenvalues.as_slice(), &strict).unwrap();
    Svg::read(&dir.join("strict.svg")).assert_texts(&[&format!("negative: {strictly_negative}")]);

    let density =
        Density::from_eigenvalues(eigenvalues.as_slice(), &SlqSettings::default()).unwrap();
    let op = HessianOperator::new(&f, &theta).unwrap();
    let estimated = slq(
        &op,
        &SlqSettings::default()
            .with_probes(4)
            .unwrap()
            .with_steps(20)
            .unwrap(),
    )
    .unwrap();
    for (name, d, scale) in [
        ("exact", &density, AxisScale::Linear),
        ("slq", &estimated, AxisScale::Log),
    ] {
        let plot = DensityPlot::new()
            .with_title(format!("density {name}"))
            .with_scale(scale);
        for ext in ["svg", "png"] {
            plot_density(dir.join(format!("{name}.{ext}")), d, &plot).unwrap();
        }
        let svg = Svg::read(&dir.join(format!("{name}.svg")));
        svg.assert_texts(&[&format!("density {name}"), "density φ(λ)"]);
        let shares = format!(
            "negative: {:.1} %",
            100.0 * d.negative_fraction.max(0.0) + 0.0
        );
        svg.assert_texts(&[&shares]);
        assert!(svg.count("polygon") >= 2, "{:?}", svg.tags); // shaded areas
        assert_png(&dir.join(format!("{name}.png")), (900, 560), 20, 0.02);
    }
    done(&dir);
}

/// Trains two small runs into `dir` as a comparison grid would.
fn train_grid(dir: &Path) {
    let data = builtin_dataset("moons(n=120, noise=0.2)", 0).unwrap();
    let (train, val) = data.split(0.25, 1).unwrap();
    let arch = Architecture::parse("linear(2,8),tanh,linear(8,2)").unwrap();
    let mut rows = Vec::new();
    for (k, opt) in ["sgd(lr=0.1)", "adam(lr=0.01)"].into_iter().enumerate() {
        let run = format!("run{k:03}");
        let mut t = Trainer::new(
            Network::init(&arch, 1).unwrap(),
            train.clone(),
            Some(val.clone()),
            Loss::CrossEntropy,
            0.0,
            &OptimizerSpec::parse(opt).unwrap(),
            None,
            TrainSettings::default()
                .with_epochs(4)
                .unwrap()
                .with_batch_size(30)
                .unwrap(),
            dir.join(&run),
        )
        .unwrap();
        t.run(&mut |_| {}).unwrap();
        rows.push(format!(
            r#"{{"run": "{run}", "optimizer": "{opt}", "schedule": null, "batch_size": 30, "seed": 0}}"#
        ));
    }
    std::fs::write(dir.join("summary.json"), format!("[{}]", rows.join(","))).unwrap();
}

#[test]
fn training_curves_read_runs_back_and_plot_them() {
    let dir = temp_dir("training");
    let grid = dir.join("grid");
    train_grid(&grid);

    let epochs = read_runs(&grid, CurveAxis::Epoch).unwrap();
    let names: Vec<&str> = epochs.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["sgd(lr=0.1)", "adam(lr=0.01)"]);
    for r in &epochs {
        assert_eq!(r.x, [1.0, 2.0, 3.0, 4.0]);
        assert_eq!(r.val_loss.len(), 4);
        assert!(
            r.loss
                .iter()
                .chain(&r.grad_norm)
                .chain(&r.lr)
                .all(|v| v.is_finite() && *v > 0.0)
        );
    }
    let steps = read_runs(&grid, CurveAxis::Step).unwrap();
    assert_eq!(steps[0].x.len(), 4 * 3); // 90 rows in batches of 30
    let single = TrainingSeries::read(grid.join("run001"), CurveAxis::Epoch).unwrap();
    assert_eq!(single.name, "run001");
    assert_eq!(single.loss, epochs[1].loss);

    for (name, runs) in [
        ("epochs", &epochs),
        ("steps", &steps),
        ("single", &vec![single]),
    ] {
        let plot = TrainingPlot::new().with_title(format!("curves {name}"));
        for ext in ["svg", "png"] {
            plot_training(dir.join(format!("{name}.{ext}")), runs, &plot).unwrap();
        }
        let svg = Svg::read(&dir.join(format!("{name}.svg")));
        svg.assert_texts(&[
            &format!("curves {name}"),
            "loss",
            "gradient norm ‖∇L‖",
            "learning rate",
        ]);
        for r in runs.iter() {
            svg.assert_texts(&[&r.name]);
        }
        assert!(svg.count("polyline") >= 3 * runs.len(), "{:?}", svg.tags);
        assert_png(&dir.join(format!("{name}.png")), (900, 960), 20, 0.02);
    }
    assert!(Svg::read(&dir.join("epochs.svg")).has_text("validation"));
    assert!(Svg::read(&dir.join("steps.svg")).has_text("step"));

    // Without a summary, the subdirectories by name.
    std::fs::remove_file(grid.join("summary.json")).unwrap();
    let by_dir = read_runs(&grid, CurveAxis::Epoch).unwrap();
    let names: Vec<&str> = by_dir.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["run000", "run001"]);
    // A directory without runs, and a run without step records.
    assert!(matches!(
        read_runs(&dir, CurveAxis::Epoch).unwrap_err(),
        Error::InvalidInput(_)
    ));
    std::fs::write(
        grid.join("run000").join("log.jsonl"),
        "{\"kind\": \"epoch\"}\n",
    )
    .unwrap();
    let err = TrainingSeries::read(grid.join("run000"), CurveAxis::Step).unwrap_err();
    assert!(err.to_string().contains("no step records"), "{err}");
    // A malformed cell names the file, line and column.
    let csv = grid.join("run001").join("epochs.csv");
    let text = std::fs::read_to_string(&csv)
        .unwrap()
        .replacen(",0.", ",zero.", 1);
    std::fs::write(&csv, text).unwrap();
    let err = TrainingSeries::read(grid.join("run001"), CurveAxis::Epoch)
        .unwrap_err()
        .to_string();
    assert!(err.contains("epochs.csv, line 2, column"), "{err}");
    done(&dir);
}

#[test]
fn the_min_ratio_scatter_has_a_marker_per_point_and_a_legend_per_label() {
    let dir = temp_dir("scatter");
    let points: Vec<MinRatioPoint> = vec![
        (2.3, 0.52, "sgd").into(),
        (0.9, 0.71, "sgd").into(),
        (0.2, 0.93, "adam").into(),
        (0.05, 0.99, "adam").into(),
        (0.01, 1.0, "lbfgs").into(),
    ];
    let plot = MinRatioPlot::new().with_title("minimum ratio");
    for ext in ["svg", "png"] {
        plot_min_ratio(dir.join(format!("scatter.{ext}")), &points, &plot).unwrap();
    }
    let svg = Svg::read(&dir.join("scatter.svg"));
    svg.assert_texts(&["minimum ratio", "sgd", "adam", "lbfgs", "training loss"]);
    assert_eq!(svg.count("polygon"), points.len() + 3);
    assert_png(&dir.join("scatter.png"), (820, 620), 20, 0.02);
    let bad = [MinRatioPoint::from((1.0, 1.5, "x"))];
    assert!(matches!(
        plot_min_ratio(dir.join("bad.svg"), &bad, &plot).unwrap_err(),
        Error::InvalidInput(_)
    ));
    done(&dir);
}

#[test]
fn bad_input_and_unwritable_paths_are_errors_not_panics() {
    let dir = temp_dir("errors");
    let f = builtin("rosenbrock", 2).unwrap();
    let grid = SurfaceGrid::evaluate(&f, -1.0..=1.0, -1.0..=1.0, 5, 5).unwrap();
    let missing = dir.join("no-such-dir").join("x.svg");
    let err = plot_surface(&missing, &grid, &SurfacePlot::new()).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err}");
    assert!(err.to_string().contains("no-such-dir"), "{err}");

    let three = builtin("rosenbrock", 3).unwrap();
    assert!(matches!(
        SurfaceGrid::evaluate(&three, -1.0..=1.0, -1.0..=1.0, 5, 5).unwrap_err(),
        Error::DimensionMismatch { .. }
    ));
    let d = descend(
        &three,
        &Method::parse("adam").unwrap(),
        None,
        &[0.0, 0.0, 0.0],
        2,
    )
    .unwrap();
    assert!(
        SurfacePlot::new()
            .with_trajectory("3-D", &d.trajectory)
            .is_err()
    );
    assert!(SurfaceGrid::evaluate(&f, 1.0..=-1.0, -1.0..=1.0, 5, 5).is_err());
    assert!(SurfaceGrid::evaluate(&f, -1.0..=1.0, -1.0..=1.0, 1, 5).is_err());
    assert!(plot_eigenvalues(dir.join("e.svg"), &[], &EigenvaluePlot::new()).is_err());
    assert!(plot_eigenvalues(dir.join("e.svg"), &[1.0, f64::NAN], &EigenvaluePlot::new()).is_err());
    assert!(plot_slice(dir.join("s.svg"), &[], &SlicePlot::new()).is_err());
    assert!(plot_training(dir.join("t.svg"), &[], &TrainingPlot::new()).is_err());
    assert!(SurfacePlot::new().with_size(100, 100).is_err());
    assert!(slice_1d(&f, &[0.0, 0.0], &[1.0], -1.0..=1.0, 5).is_err());
    // Degenerate data still draws: a constant surface, equal eigenvalues
    // far from 0, all-negative ones, a single one.
    let t = linspace(0.0..=1.0, 5).unwrap();
    let flat = SurfaceGrid::from_fn(t.clone(), t, |_, _| Ok(2.0)).unwrap();
    plot_surface(dir.join("flat.svg"), &flat, &SurfacePlot::new()).unwrap();
    for (k, e) in [&[5.0, 5.0, 5.0][..], &[-3.0, -1.0, -0.5], &[0.0], &[7.0]]
        .into_iter()
        .enumerate()
    {
        for plot in [
            EigenvaluePlot::new(),
            EigenvaluePlot::new().with_symlog(0.1).unwrap(),
        ] {
            let path = dir.join(format!("degenerate{k}.png"));
            plot_eigenvalues(&path, e, &plot).unwrap();
            assert_png(&path, (900, 560), 20, 0.02);
        }
    }
    // A grid put together by hand is checked, not trusted.
    let mut broken = flat.clone();
    broken.values.pop();
    assert!(matches!(
        plot_surface(dir.join("broken.svg"), &broken, &SurfacePlot::new()).unwrap_err(),
        Error::DimensionMismatch { .. }
    ));
    assert!(contour_lines(&broken, 2.0).is_empty());
    // A surface where f is undefined in places still draws.
    let log = Expression::parse("log(x) + y^2").unwrap();
    let holes = SurfaceGrid::evaluate(&log, -1.0..=2.0, -1.0..=1.0, 16, 16).unwrap();
    assert!(holes.values.iter().any(|v| v.is_nan()));
    plot_surface(dir.join("holes.png"), &holes, &SurfacePlot::new()).unwrap();
    plot_surface(dir.join("holes.svg"), &holes, &SurfacePlot::new()).unwrap();
    done(&dir);
}

#[test]
fn xy_charts_draw_lines_dashes_and_markers_on_log_axes() {
    let dir = temp_dir("xy");
    let batch = vec![1.0, 8.0, 64.0, 512.0, 1797.0];
    let series = [
        XySeries::new(
            "train accuracy",
            batch.clone(),
            vec![0.99, 0.98, 0.95, 0.90, 0.85],
            SeriesStyle::LinePoints,
        ),
        XySeries::new(
            "validation accuracy",
            batch.clone(),
            vec![0.96, 0.95, 0.92, 0.85, f64::NAN],
            SeriesStyle::Dashed,
        )
        .with_color(0),
        XySeries::new("seeds", batch.clone(), vec![0.97; 5], SeriesStyle::Points),
        XySeries::new("", batch, vec![0.9; 5], SeriesStyle::Line),
    ];
    let plot = XyPlot::new()
        .with_title("accuracy against batch size")
        .with_labels("batch size", "accuracy")
        .with_x_scale(AxisScale::Log);
    for ext in ["svg", "png"] {
        plot_xy(dir.join(format!("xy.{ext}")), &series, &plot).unwrap();
    }
    let svg = Svg::read(&dir.join("xy.svg"));
    svg.assert_texts(&[
        "accuracy against batch size",
        "batch size",
        "accuracy",
        "train accuracy",
        "validation accuracy",
        "seeds",
    ]);
    // Log ticks on x: the decades are labelled.
    assert!(svg.has_text("10") && svg.has_text("100"), "{:?}", svg.texts);
    // 5 + 5 markers and one per marked legend entry.
    assert_eq!(svg.count("polygon"), 12);
    assert_png(&dir.join("xy.png"), (900, 600), 20, 0.02);

    let short = [XySeries::new(
        "x",
        vec![1.0, 2.0],
        vec![1.0],
        SeriesStyle::Line,
    )];
    let err = plot_xy(dir.join("bad.svg"), &short, &plot).unwrap_err();
    assert!(
        err.to_string().contains("2 x values but 1 y values"),
        "{err}"
    );
    let empty = [XySeries::new(
        "x",
        vec![f64::NAN],
        vec![1.0],
        SeriesStyle::Line,
    )];
    assert!(matches!(
        plot_xy(dir.join("bad.svg"), &empty, &plot).unwrap_err(),
        Error::InvalidInput(_)
    ));
    assert!(plot_xy(dir.join("bad.svg"), &[], &plot).is_err());
    done(&dir);
}
