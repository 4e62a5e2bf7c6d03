//! Helpers shared by the binary's test files: run `macaroni` on a database, read its output.
// Each test file uses a different subset.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

pub fn macaroni(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_macaroni"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("running macaroni")
}

/// Standard output of a run that must have succeeded.
pub fn ok(output: Output) -> String {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8 output")
}

pub fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// The JSON a successful run printed.
pub fn ok_json(output: Output) -> Value {
    json(&ok(output))
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn code(output: &Output) -> i32 {
    output.status.code().unwrap_or(-1)
}
