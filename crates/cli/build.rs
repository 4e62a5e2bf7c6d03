//! Embeds the demo zoo (`demo/zoo/`) into the binary so that `macaroni quickstart` works from any
//! directory without the source tree.

use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let zoo = manifest.join("../../demo/zoo");
    println!("cargo:rerun-if-changed={}", zoo.display());
    let mut files = Vec::new();
    collect(&zoo, &zoo, &mut files);
    files.sort();
    let mut code =
        String::from("/// (path relative to demo/zoo, contents)\npub const DEMO_FILES: &[(&str, &str)] = &[\n");
    for (relative, absolute) in files {
        code.push_str(&format!("    ({relative:?}, include_str!({absolute:?})),\n"));
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default()).join("demo_files.rs");
    if let Err(err) = std::fs::write(&out, code) {
        panic!("writing {}: {err}", out.display());
    }
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        println!("cargo:rerun-if-changed={}", path.display());
        if path.is_dir() {
            collect(root, &path, files);
        } else if let Ok(relative) = path.strip_prefix(root) {
            let absolute = path.canonicalize().unwrap_or(path.clone());
            files.push((
                relative.to_string_lossy().replace('\\', "/"),
                absolute.to_string_lossy().into_owned(),
            ));
        }
    }
}
