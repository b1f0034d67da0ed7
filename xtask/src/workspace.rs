//! The files `cargo xtask` reads and writes, and the commands over them: `generate`, `check`,
//! `refresh` and `diff`.

use std::{
    fmt::Write as _,
    fs, panic,
    path::{Path, PathBuf},
    thread,
};

use crate::{
    overlay::{Overlay, OverlayError, Unmatched},
    report::{Report, Side},
    review::{self, Corrected},
    spec::SpecError,
};

const UPSTREAM: &str = "spec/upstream.json";
const OVERLAY: &str = "spec/overlay.yaml";
const OPENAPI: &str = "openapi.yaml";
const SNAPSHOT: &str = "generated/agni.rs";
const MOCK_SNAPSHOT: &str = "httpmock/src/generated.rs";
const CLI_SNAPSHOT: &str = "cli/src/generated.rs";
const CHANGELOG: &str = "CHANGELOG.md";
/// Where `refresh` writes the Markdown report by default: under `target/`, which git ignores.
pub const REPORT: &str = "target/xtask/spec-report.md";

/// How many diff lines `--check` prints per stale file; enough to see what moved.
const DIFF_LINES: usize = 40;

/// Everything that can stop a command.
#[derive(Debug, thiserror::Error)]
pub enum XtaskError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying failure.
        source: std::io::Error,
    },
    /// The overlay is malformed.
    #[error(transparent)]
    Overlay(#[from] OverlayError),
    /// An upstream document is not acceptable.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// progenitor could not generate from the result.
    #[error(transparent)]
    Codegen(#[from] agni_codegen::Error),
    /// The corrected document could not be written as YAML.
    #[error("cannot write openapi.yaml as YAML: {0}")]
    Yaml(String),
    /// Some overlay actions no longer select anything in upstream.
    #[error("{} overlay action(s) no longer match upstream; fix spec/overlay.yaml:\n{}", .0.len(), list(.0))]
    Unmatched(Vec<Unmatched>),
    /// `--check` found files that differ from what `generate` writes.
    #[error("stale generated files; run `cargo xtask generate` and commit the result:\n{0}")]
    Stale(String),
    /// `cargo xtask bench` could not finish.
    #[error("bench: {0}")]
    Bench(String),
    /// A locked dependency needs a newer Rust than the workspace declares.
    #[error("{0}")]
    Msrv(String),
    /// The new upstream document could not be fetched.
    #[error("cannot fetch {from}: {reason}")]
    Fetch {
        /// URL that was asked.
        from: String,
        /// What went wrong.
        reason: String,
    },
    /// `refresh` replaced upstream, but regenerating from it failed.
    #[error(
        "{report}\nspec/upstream.json was replaced, but regenerating failed: {cause}\nAfter fixing \
         it, `cargo xtask generate`, then `cargo xtask diff --from <(git show \
         HEAD:spec/upstream.json) --to spec/upstream.json` reports the change again."
    )]
    AfterRefresh {
        /// The report of what changed (without the Rust API, which could not be generated).
        report: String,
        /// Why regeneration failed.
        cause: Box<XtaskError>,
    },
}

fn list(unmatched: &[Unmatched]) -> String {
    unmatched.iter().map(|u| format!("  {u}\n")).collect()
}

/// The generated files as `generate` would write them.
struct Rendered {
    files: [(&'static str, String); 4],
    summary: String,
}

impl Rendered {
    /// The generated client (`generated/agni.rs`).
    fn client(&self) -> &str {
        &self.files[1].1
    }
}

/// A checkout of this repository (or a copy of its `spec/` folder, in tests).
pub struct Workspace {
    root: PathBuf,
}

impl Workspace {
    /// The repository this xtask was built from.
    pub fn repository() -> Self {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        Self::at(manifest.parent().unwrap_or(manifest))
    }

    /// The folder it is rooted at.
    #[cfg(test)]
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// A workspace rooted at `root`, which holds `spec/upstream.json` and `spec/overlay.yaml`.
    pub fn at(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    fn read(&self, relative: &str) -> Result<String, XtaskError> {
        let path = self.root.join(relative);
        fs::read_to_string(&path).map_err(|source| XtaskError::Io { path, source })
    }

    fn write(&self, relative: &str, contents: &[u8]) -> Result<(), XtaskError> {
        let path = self.root.join(relative);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|source| XtaskError::Io {
                path: parent.into(),
                source,
            })?;
        }
        fs::write(&path, contents).map_err(|source| XtaskError::Io { path, source })
    }

    fn overlay(&self) -> Result<Overlay, XtaskError> {
        Ok(Overlay::from_yaml(&self.read(OVERLAY)?)?)
    }

    /// Generates the client and the mock helpers from a corrected document, in memory.
    fn render_corrected(
        &self,
        corrected: &Corrected,
        overlay: &Overlay,
    ) -> Result<Rendered, XtaskError> {
        if !corrected.unmatched.is_empty() {
            return Err(XtaskError::Unmatched(corrected.unmatched.clone()));
        }
        let operations = crate::spec::operations(&corrected.document)?.len();
        let openapi = corrected.yaml()?;
        let client = agni_codegen::generate(&openapi)?;
        let mock = agni_codegen::generate_httpmock(&openapi)?;
        let cli = agni_codegen::generate_cli(&openapi)?;
        let summary = format!(
            "applied {} actions of \"{}\" {} to {}: {operations} operations",
            overlay.actions.len(),
            overlay.info.title,
            overlay.info.version,
            overlay.extends.as_deref().unwrap_or(UPSTREAM),
        );
        Ok(Rendered {
            files: [
                (OPENAPI, openapi),
                (SNAPSHOT, client),
                (MOCK_SNAPSHOT, mock),
                (CLI_SNAPSHOT, cli),
            ],
            summary,
        })
    }

    /// Applies the overlay to `spec/upstream.json` and generates the client, in memory.
    fn render(&self) -> Result<Rendered, XtaskError> {
        let overlay = self.overlay()?;
        let corrected = Corrected::new(self.read(UPSTREAM)?.as_bytes(), &overlay)?;
        self.render_corrected(&corrected, &overlay)
    }

    fn write_rendered(&self, rendered: &Rendered) -> Result<String, XtaskError> {
        let mut report = format!("{}\n", rendered.summary);
        for (path, contents) in &rendered.files {
            self.write(path, contents.as_bytes())?;
            let _ = writeln!(report, "wrote {path}");
        }
        Ok(report)
    }

    /// `cargo xtask generate`: writes `openapi.yaml` and the snapshots (client, httpmock helpers, CLI).
    pub fn generate(&self) -> Result<String, XtaskError> {
        self.write_rendered(&self.render()?)
    }

    /// `cargo xtask generate --check`: fails with a diff if a generated file is stale.
    pub fn check(&self) -> Result<(), XtaskError> {
        let rendered = self.render()?;
        let mut stale = String::new();
        for (path, expected) in &rendered.files {
            let actual = fs::read_to_string(self.root.join(path)).unwrap_or_default();
            if actual != *expected {
                let _ = writeln!(stale, "{path} is stale:");
                let diff = similar::TextDiff::from_lines(&actual, expected);
                let unified = diff
                    .unified_diff()
                    .context_radius(2)
                    .header(path, "expected")
                    .to_string();
                let mut lines = unified.lines();
                for line in lines.by_ref().take(DIFF_LINES) {
                    let _ = writeln!(stale, "    {line}");
                }
                if lines.next().is_some() {
                    let _ = writeln!(stale, "    ...");
                }
            }
        }
        if stale.is_empty() {
            Ok(())
        } else {
            Err(XtaskError::Stale(stale))
        }
    }

    /// `cargo xtask refresh --from URL|PATH [--markdown PATH]`: replaces upstream, regenerates,
    /// prints the report, writes it as Markdown (default [`REPORT`]) and drafts the changelog
    /// entry under `## [Unreleased]` of `CHANGELOG.md`.
    pub fn refresh(&self, from: &str, markdown: Option<&Path>) -> Result<String, XtaskError> {
        let bytes = fetch(from)?;
        let overlay = self.overlay()?;
        let new = Corrected::new(&bytes, &overlay)?;
        let old = Corrected::new(self.read(UPSTREAM)?.as_bytes(), &overlay)?;
        let rendered = self.render_corrected(&new, &overlay);
        let version = review::crate_version(&self.root);
        // Without a new client there is no Rust API to compare; the spec diff still stands.
        let client = match &rendered {
            Ok(rendered) => Ok(rendered.client().to_owned()),
            Err(cause) => Err(cause.to_string()),
        };
        let new_side = new.side(from, Some(client));
        let old_side = old.side(UPSTREAM, None);
        let report = Report::compare(&old_side, &new_side, version)?;
        let text = report.markdown();
        self.write(UPSTREAM, &bytes)?;
        let rendered = match rendered {
            Ok(rendered) => rendered,
            Err(cause) => {
                return Err(XtaskError::AfterRefresh {
                    report: text,
                    cause: Box::new(cause),
                });
            }
        };
        let generated = self.write_rendered(&rendered)?;
        let report_path = markdown.map_or_else(|| self.root.join(REPORT), Path::to_path_buf);
        review::write_file(&report_path, &text)?;
        let entry = report.changelog();
        let mut out = format!("{text}\n{generated}wrote {}\n", report_path.display());
        if !entry.is_empty() {
            let path = self.root.join(CHANGELOG);
            let existing = fs::read_to_string(&path).ok();
            review::write_file(&path, &entry.insert_into(existing.as_deref()))?;
            let _ = writeln!(
                out,
                "drafted the entry under `## [Unreleased]` in {CHANGELOG}"
            );
        }
        Ok(out)
    }

    /// `cargo xtask diff --from A --to B [--markdown PATH]`: the report `refresh` would print for
    /// upstream `A` replaced by `B` (files or URLs), writing nothing but the optional Markdown.
    pub fn diff(
        &self,
        from: &str,
        to: &str,
        markdown: Option<&Path>,
    ) -> Result<String, XtaskError> {
        let (old, new) = self.sides(from, to)?;
        let mut text = self.compare(&old, &new)?;
        if let Some(path) = markdown {
            review::write_file(path, &text)?;
            let _ = writeln!(text, "\nwrote {}", path.display());
        }
        Ok(text)
    }

    /// The two sides `diff` compares, each generated on its own thread: a generation takes
    /// seconds, and they are independent.
    pub fn sides(&self, from: &str, to: &str) -> Result<(Side, Side), XtaskError> {
        let overlay = self.overlay()?;
        let side = |label: &str| -> Result<Side, XtaskError> {
            Ok(Corrected::new(&fetch(label)?, &overlay)?.side(label, None))
        };
        thread::scope(|scope| {
            let old = scope.spawn(|| side(from));
            let new = side(to)?;
            let old = old
                .join()
                .unwrap_or_else(|panic| panic::resume_unwind(panic))?;
            Ok((old, new))
        })
    }

    /// The Markdown report of `old` replaced by `new`.
    pub fn compare(&self, old: &Side, new: &Side) -> Result<String, XtaskError> {
        Ok(Report::compare(old, new, review::crate_version(&self.root))?.markdown())
    }
}

/// Reads a new upstream document from an http(s) URL or a file path, byte for byte.
fn fetch(from: &str) -> Result<Vec<u8>, XtaskError> {
    let fail = |reason: String| XtaskError::Fetch {
        from: from.to_owned(),
        reason,
    };
    if !(from.starts_with("http://") || from.starts_with("https://")) {
        return fs::read(from).map_err(|source| XtaskError::Io {
            path: from.into(),
            source,
        });
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| fail(e.to_string()))?;
    runtime.block_on(async {
        let response = reqwest::get(from).await.map_err(|e| fail(e.to_string()))?;
        let status = response.status();
        if !status.is_success() {
            return Err(fail(format!("HTTP {status}")));
        }
        Ok(response
            .bytes()
            .await
            .map_err(|e| fail(e.to_string()))?
            .to_vec())
    })
}

#[cfg(test)]
mod tests;
