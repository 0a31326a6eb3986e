//! `saddlescope plot …` and `report` through the real binary (#7): each
//! figure is written, the SVG parses as XML and holds its title and marks,
//! the PNG is a PNG, the report inlines its figures.

use std::path::{Path, PathBuf};
use std::process::Command;

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared");

fn run(args: &[&str]) {
    let o = Command::new(env!("CARGO_BIN_EXE_saddlescope"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn temp() -> PathBuf {
    let d = std::env::temp_dir().join(format!("saddlescope-cli-plot-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Parses the SVG; returns its text content and the number of drawn shapes.
fn svg(path: &Path) -> (String, usize) {
    let text = std::fs::read_to_string(path).unwrap();
    let doc =
        roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let words: String = doc
        .descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect::<Vec<_>>()
        .join(" ");
    let shapes = doc
        .descendants()
        .filter(|n| {
            ["path", "polyline", "polygon", "circle", "rect", "line"].contains(&n.tag_name().name())
        })
        .count();
    (words, shapes)
}

#[test]
fn every_plot_command_draws_its_figure() {
    let d = temp();
    let p = |name: &str| d.join(name).display().to_string();
    let iris = format!("{SHARED}/data/iris.csv");
    let ckpt = format!("{SHARED}/fixtures/mlp/iris_4-8-3_tanh.safetensors");
    let arch = "linear(4,8),tanh,linear(8,3)";

    run(&[
        "plot",
        "surface",
        "--function",
        "himmelblau",
        "--box=-5,5,-5,5",
        "--from",
        "-0.1,-0.6",
        "--optimizer",
        "gd(lr=0.01)",
        "--optimizer",
        "adam(lr=0.1)",
        "--out",
        &p("surface.svg"),
    ]);
    let (words, shapes) = svg(&d.join("surface.svg"));
    assert!(
        words.contains("himmelblau")
            && words.contains("saddle point")
            && words.contains("adam(lr=0.1)"),
        "{words}"
    );
    assert!(shapes > 100);

    run(&[
        "plot",
        "surface",
        "--expr",
        "x^2 + 100*y^2",
        "--box=-1,1,-1,1",
        "--out",
        &p("ravine.png"),
    ]);
    let png = std::fs::read(d.join("ravine.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert!(png.len() > 20_000);

    run(&[
        "plot",
        "slice",
        "--checkpoint",
        &ckpt,
        "--arch",
        arch,
        "--data",
        &iris,
        "--out",
        &p("slice1.svg"),
    ]);
    assert!(svg(&d.join("slice1.svg")).0.contains("random direction 1"));
    run(&[
        "plot",
        "slice",
        "--checkpoint",
        &ckpt,
        "--arch",
        arch,
        "--data",
        &iris,
        "--directions",
        "eigen",
        "--dims",
        "2",
        "--points",
        "21",
        "--out",
        &p("slice2.svg"),
    ]);
    assert!(svg(&d.join("slice2.svg")).0.contains("u_min"));

    run(&[
        "plot",
        "spectrum",
        "--checkpoint",
        &ckpt,
        "--arch",
        arch,
        "--data",
        &iris,
        "--symlog",
        "--out",
        &p("spectrum.svg"),
    ]);
    let spectrum = svg(&d.join("spectrum.svg")).0;
    assert!(spectrum.contains("67 eigenvalues"));
    // The legend counts as `classify` does.
    let verdict = Command::new(env!("CARGO_BIN_EXE_saddlescope"))
        .args([
            "classify",
            "--checkpoint",
            &ckpt,
            "--arch",
            arch,
            "--data",
            &iris,
            "--json",
        ])
        .output()
        .unwrap();
    let verdict: serde_json::Value = serde_json::from_slice(&verdict.stdout).unwrap();
    for sign in ["negative", "zero", "positive"] {
        let text = format!("{sign}: {}", verdict["counts"][sign]);
        assert!(spectrum.contains(&text), "no `{text}` in {spectrum}");
    }
    run(&[
        "plot",
        "spectrum",
        "--checkpoint",
        &ckpt,
        "--arch",
        arch,
        "--data",
        &iris,
        "--method",
        "slq",
        "--out",
        &p("density.svg"),
    ]);
    assert!(svg(&d.join("density.svg")).0.contains("SLQ"));

    // A run with analysed stalls for the curves, the scatter and the report.
    let runs = d.join("runs");
    let near = d.join("near.safetensors");
    {
        use saddlescope::{Architecture, Network};
        let a = Architecture::parse("linear(2,8),tanh,linear(8,2)").unwrap();
        let init = Network::init(&a, 3).unwrap();
        init.with_params(init.params() * 1e-4)
            .unwrap()
            .save(&near, &[])
            .unwrap();
    }
    run(&[
        "train",
        "--init",
        &near.display().to_string(),
        "--data",
        "builtin:moons(n=200)",
        "--optimizer",
        "sgd(lr=0.5)",
        "--batch-size",
        "200",
        "--epochs",
        "30",
        "--validation",
        "0",
        "--analyze-stalls",
        "--out",
        &runs.join("sgd").display().to_string(),
    ]);
    run(&[
        "plot",
        "curves",
        &runs.display().to_string(),
        "--out",
        &p("curves.svg"),
    ]);
    let (words, _) = svg(&d.join("curves.svg"));
    assert!(
        words.contains("sgd") && words.contains("learning rate"),
        "{words}"
    );
    run(&[
        "plot",
        "minratio",
        &runs.display().to_string(),
        "--out",
        &p("minratio.svg"),
    ]);
    assert!(svg(&d.join("minratio.svg")).0.contains("minimum ratio"));
    run(&[
        "report",
        "--run",
        &runs.join("sgd").display().to_string(),
        "--out",
        &p("report.html"),
    ]);
    let html = std::fs::read_to_string(d.join("report.html")).unwrap();
    assert!(html.matches("<figure>").count() >= 2);
    assert!(html.contains("Stalls") && html.contains("saddle_point"));
    run(&[
        "report",
        "--checkpoint",
        &ckpt,
        "--arch",
        arch,
        "--data",
        &iris,
        "--out",
        &p("ck/report.html"),
    ]);
    let html = std::fs::read_to_string(d.join("ck/report.html")).unwrap();
    assert_eq!(html.matches("<figure>").count(), 2);
    assert!(html.contains("Verdict") && html.contains("67 eigenvalues"));
    let _ = std::fs::remove_dir_all(d);
}
