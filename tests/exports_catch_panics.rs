//! Every `#[napi]` function must carry `catch_unwind`: since Rust 1.81 a panic unwinding out
//! of an `extern "C"` boundary aborts the whole Node process. This test reads the sources and
//! fails on any exported function (constructors and getters included) that lacks it.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_napi_function_catches_unwinding() {
    let mut files = Vec::new();
    rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    let mut missing = Vec::new();
    let mut checked = 0;
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read source");
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let attr = line.trim();
            if !attr.starts_with("#[napi") {
                continue;
            }
            // The item this attribute belongs to: skip further attributes and doc comments.
            let item = lines[i + 1..]
                .iter()
                .map(|l| l.trim())
                .find(|l| !l.starts_with("#[") && !l.starts_with("///") && !l.is_empty())
                .unwrap_or("");
            let is_fn = item.starts_with("pub fn ") || item.starts_with("fn ") || item.starts_with("pub async fn ");
            if !is_fn {
                continue;
            }
            checked += 1;
            if !attr.contains("catch_unwind") {
                missing.push(format!("{}:{}: {}", file.display(), i + 1, item));
            }
        }
    }
    assert!(checked > 10, "found only {checked} exported functions: is the scan broken?");
    assert!(missing.is_empty(), "exports without catch_unwind:\n{}", missing.join("\n"));
}
