//! What the integration tests share: the real binary run as a user types
//! it, and reading the SVGs the figures are drawn into. (Each test file
//! uses a part of it.)
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

/// Runs the `saddlescope` binary with `args`.
pub fn saddlescope<S: AsRef<str>>(args: &[S]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_saddlescope"))
        .args(args.iter().map(|a| a.as_ref()))
        .output()
        .expect("the binary runs")
}

/// A run's stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A run's stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs, expects success, returns stdout.
pub fn success(args: &[&str]) -> String {
    let o = saddlescope(args);
    assert!(
        o.status.success(),
        "{args:?} failed ({:?}):\n{}",
        o.status.code(),
        stderr(&o)
    );
    stdout(&o)
}

/// Runs, expects success, parses the JSON on stdout.
pub fn json(args: &[&str]) -> Value {
    let out = success(args);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}):\n{out}"))
}

/// Every text of an SVG, trimmed, in document order; panics (failing the
/// test) unless the file parses as XML with an `svg` root.
pub fn svg_texts(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{} is not readable: {e}", path.display()));
    let doc = roxmltree::Document::parse(&text)
        .unwrap_or_else(|e| panic!("{} is not XML: {e}", path.display()));
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    doc.descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == "text")
        .map(|n| n.text().unwrap_or("").trim().to_string())
        .collect()
}
