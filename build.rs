//! Compiles `openapi.yaml` into the generated client (`$OUT_DIR/agni.rs`) with the settings in
//! `agni-codegen`, the same ones `cargo xtask generate` uses for the checked-in snapshot
//! `generated/agni.rs`.

use std::{env, fs, path::PathBuf, process::ExitCode};

fn main() -> ExitCode {
    println!("cargo::rerun-if-changed=openapi.yaml");
    let spec = match fs::read_to_string("openapi.yaml") {
        Ok(spec) => spec,
        Err(e) => return fail(&format!("cannot read openapi.yaml: {e}")),
    };
    let code = match agni_codegen::generate(&spec) {
        Ok(code) => code,
        Err(e) => return fail(&e.to_string()),
    };
    let Some(out_dir) = env::var_os("OUT_DIR") else {
        return fail("cargo did not set OUT_DIR");
    };
    if let Err(e) = fs::write(PathBuf::from(out_dir).join("agni.rs"), code) {
        return fail(&format!("cannot write the generated client: {e}"));
    }
    ExitCode::SUCCESS
}

fn fail(message: &str) -> ExitCode {
    println!("cargo::error={message}");
    ExitCode::FAILURE
}
