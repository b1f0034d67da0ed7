//! `generate`, `check`, `refresh` and `diff` on scratch copies of the repository's spec files.

use std::{
    io::{Read, Write},
    net::TcpListener,
    thread,
};

use serde_json::Value;

use super::*;

/// A throwaway copy of this repository's spec inputs and generated files.
fn scratch() -> (tempfile::TempDir, Workspace) {
    let dir = tempfile::tempdir().expect("temp dir");
    let repo = Workspace::repository();
    // Cargo.toml: the crate version the report's release suggestion starts from.
    for file in [
        UPSTREAM,
        OVERLAY,
        OPENAPI,
        SNAPSHOT,
        MOCK_SNAPSHOT,
        CLI_SNAPSHOT,
        "Cargo.toml",
    ] {
        let target = dir.path().join(file);
        fs::create_dir_all(target.parent().expect("has parent")).expect("mkdir");
        fs::copy(repo.root.join(file), &target).expect("copy repository file");
    }
    let workspace = Workspace::at(dir.path());
    (dir, workspace)
}

fn upstream(workspace: &Workspace) -> Value {
    serde_json::from_str(&workspace.read(UPSTREAM).expect("upstream")).expect("json")
}

#[test]
fn the_checked_in_files_are_current() {
    Workspace::repository()
        .check()
        .expect("run `cargo xtask generate`");
}

#[test]
fn generate_is_deterministic() {
    let (_a, first) = scratch();
    let (_b, second) = scratch();
    first.generate().expect("generates");
    second.generate().expect("generates");
    second.generate().expect("generates again");
    for file in [OPENAPI, SNAPSHOT, MOCK_SNAPSHOT, CLI_SNAPSHOT] {
        assert_eq!(
            first.read(file).expect("read"),
            second.read(file).expect("read"),
            "{file}"
        );
    }
}

#[test]
fn check_fails_after_a_hand_edit_of_any_generated_file() {
    let generated = [OPENAPI, SNAPSHOT, MOCK_SNAPSHOT, CLI_SNAPSHOT];
    let (_dir, workspace) = scratch();
    workspace.check().expect("fresh copy is current");
    // All four edited at once: one check renders them all and names every stale file.
    for file in generated {
        let text = workspace.read(file).expect("read");
        let edited = text.replacen("ListAgents", "ListAgentz", 1);
        workspace.write(file, edited.as_bytes()).expect("write");
    }
    let error = workspace
        .check()
        .expect_err("hand edits detected")
        .to_string();
    for file in generated {
        let header = format!("{file} is stale:");
        let diff: Vec<&str> = error
            .lines()
            .skip_while(|line| *line != header)
            .skip(1)
            .take_while(|line| line.starts_with("    "))
            .collect();
        assert!(
            diff.iter().any(|line| line.contains("ListAgentz")),
            "{file}: the diff under its header shows the edit:\n{error}"
        );
    }
}

/// Writes `document` as a candidate upstream file and returns its path.
fn candidate(dir: &Path, document: &Value) -> PathBuf {
    let path = dir.join("candidate.json");
    fs::write(&path, serde_json::to_vec_pretty(document).expect("json")).expect("write");
    path
}

#[test]
fn refresh_from_a_file_reports_writes_the_report_and_drafts_the_changelog() {
    let (dir, workspace) = scratch();
    let mut document = upstream(&workspace);
    let paths = document["paths"].as_object_mut().expect("paths");
    paths.remove("/ready").expect("ReadinessCheck exists");
    paths.insert(
        "/metrics".into(),
        serde_json::json!({"get": {"operationId": "GetMetrics",
        "responses": {"200": {"description": "ok"}}}}),
    );
    paths["/health"]["get"]["summary"] = "Health, reworded".into();
    let path = candidate(dir.path(), &document);

    let report = workspace
        .refresh(path.to_str().expect("utf-8"), None)
        .expect("refreshes");
    for expected in [
        "**Verdict: breaking.** Under the changelog policy this needs a MINOR release \
         (0.1.0 → 0.2.0).",
        "## Operations: 1 added, 1 removed, 0 changed",
        "- `GetMetrics`: operation added (`GET /metrics`)",
        "- **breaking** `ReadinessCheck`: operation removed (`GET /ready`)",
        "## Documentation only (1)\n\n- `HealthCheck`: `summary` changed",
        "- `builder::ReadinessCheck`: `struct ReadinessCheck<'a>`",
        "- `ClientHealthServiceExt::readiness_check`: \
         `fn readiness_check(&self) -> builder::ReadinessCheck<'_>`",
        "wrote generated/agni.rs",
        "drafted the entry under `## [Unreleased]` in CHANGELOG.md",
    ] {
        assert!(report.contains(expected), "{expected}\n---\n{report}");
    }
    assert_eq!(
        fs::read(path).expect("read"),
        fs::read(dir.path().join(UPSTREAM)).expect("read")
    );
    assert!(workspace.read(OPENAPI).expect("read").contains("/metrics"));
    workspace.check().expect("refresh regenerated everything");

    let markdown = workspace
        .read(REPORT)
        .expect("the report is written under target/");
    assert!(
        report.starts_with(&markdown),
        "stdout carries the same report"
    );
    let changelog = workspace.read(CHANGELOG).expect("created");
    assert!(
        changelog.starts_with(crate::changelog::HEADER),
        "{changelog}"
    );
    for expected in [
        "## [Unreleased]\n\n### Added\n\n- Operation `GetMetrics` (`GET /metrics`): \
         `client.get_metrics()`.",
        "### Removed\n\n- **Breaking:** Operation `ReadinessCheck` (`GET /ready`): \
         `client.readiness_check()` is gone.",
    ] {
        assert!(changelog.contains(expected), "{expected}\n---\n{changelog}");
    }
}

#[test]
fn refresh_merges_its_entry_into_an_existing_changelog_and_honours_markdown() {
    let (dir, workspace) = scratch();
    let before = "# Changelog\n\n## [Unreleased]\n\n### Fixed\n\n- Kept by hand.\n\n\
                  ## [0.1.0] - 2025-01-01\n\n### Added\n\n- First release.\n";
    workspace
        .write(CHANGELOG, before.as_bytes())
        .expect("write");
    let mut document = upstream(&workspace);
    document["paths"]["/health"]["get"]["parameters"] = serde_json::json!([
        {"name": "verbose", "in": "query", "required": false, "schema": {"type": "boolean"}}
    ]);
    let markdown = dir.path().join("pr.md");
    let report = workspace
        .refresh(
            candidate(dir.path(), &document).to_str().expect("utf-8"),
            Some(&markdown),
        )
        .expect("refreshes");
    assert!(
        report.contains("**Verdict: compatible (additive).**"),
        "{report}"
    );
    assert!(report.contains("PATCH release (0.1.0 → 0.1.1)"), "{report}");
    assert!(
        fs::read_to_string(&markdown)
            .expect("written")
            .contains("`verbose` (query)")
    );
    assert!(
        !dir.path().join(REPORT).exists(),
        "--markdown replaces the default path"
    );
    let changelog = workspace.read(CHANGELOG).expect("read");
    assert_eq!(
        changelog,
        "# Changelog\n\n## [Unreleased]\n\n### Added\n\n- `HealthCheck` parameter `verbose` \
         (query): parameter added (optional).\n\n### Fixed\n\n- Kept by hand.\n\n\
         ## [0.1.0] - 2025-01-01\n\n### Added\n\n- First release.\n"
    );
}

#[test]
fn diff_reports_without_writing_anything() {
    let (dir, workspace) = scratch();
    let mut document = upstream(&workspace);
    document["components"]["schemas"]["HealthResponse"]["properties"]
        .as_object_mut()
        .expect("properties")
        .remove("message");
    let new = candidate(dir.path(), &document);
    let old = dir.path().join(UPSTREAM);
    let listing = |dir: &Path| {
        let mut names: Vec<_> = walk(dir);
        names.sort();
        names
    };
    let files_before = listing(dir.path());
    let report = workspace
        .diff(
            old.to_str().expect("utf-8"),
            new.to_str().expect("utf-8"),
            None,
        )
        .expect("diffs");
    assert!(
        report.contains(
            "- **breaking** `HealthCheck` (`GET /health`) changed\n  - \
         **breaking** through schema `HealthResponse` (below)"
        ),
        "{report}"
    );
    assert!(
        report.contains("- **breaking** `message`: field removed (was string)"),
        "{report}"
    );
    assert!(
        report.contains("Fields removed:\n\n- `types::HealthResponse.message`: `Option<String>`"),
        "{report}"
    );
    assert_eq!(listing(dir.path()), files_before, "diff wrote nothing");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path);
        }
    }
    found
}

#[test]
fn refresh_over_loopback_http_stores_the_bytes_exactly() {
    let (dir, workspace) = scratch();
    let body = workspace
        .read(UPSTREAM)
        .expect("read")
        .replace("Get Agent", "Get an Agent");
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let url = format!(
        "http://{}/openapi.json",
        listener.local_addr().expect("addr")
    );
    let served = body.clone();
    let server = thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("one request");
        let mut request = [0u8; 4096];
        let _ = stream.read(&mut request).expect("read request");
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            served.len()
        );
        stream
            .write_all(head.as_bytes())
            .and_then(|()| stream.write_all(served.as_bytes()))
            .expect("respond");
    });
    let report = workspace.refresh(&url, None).expect("refreshes");
    server.join().expect("server thread");
    assert!(
        report.contains("- `GetAgent`: `summary` changed"),
        "{report}"
    );
    assert!(
        report.contains("**Verdict: documentation only.** No release needed"),
        "{report}"
    );
    assert!(
        !dir.path().join(CHANGELOG).exists(),
        "no user-visible change, no changelog entry"
    );
    assert_eq!(workspace.read(UPSTREAM).expect("read"), body);
}

#[test]
fn refresh_refuses_openapi_3_1_and_keeps_the_old_upstream() {
    let (dir, workspace) = scratch();
    let before = workspace.read(UPSTREAM).expect("read");
    let mut document = upstream(&workspace);
    document["openapi"] = "3.1.0".into();
    let error = workspace.refresh(
        candidate(dir.path(), &document).to_str().expect("utf-8"),
        None,
    );
    assert!(matches!(
        error,
        Err(XtaskError::Spec(SpecError::UnsupportedVersion(_)))
    ));
    assert_eq!(workspace.read(UPSTREAM).expect("read"), before);
}

#[test]
fn refresh_names_overlay_actions_that_stopped_matching() {
    let (dir, workspace) = scratch();
    let mut document = upstream(&workspace);
    document["paths"]
        .as_object_mut()
        .expect("paths")
        .remove("/api/v1/campaigns/{id}/contacts");
    let error = workspace
        .refresh(
            candidate(dir.path(), &document).to_str().expect("utf-8"),
            None,
        )
        .expect_err("an overlay action lost its target")
        .to_string();
    assert!(
        error.contains("## Operations: 0 added, 2 removed"),
        "{error}"
    );
    assert!(
        error.contains("Not compared: the new side does not generate"),
        "{error}"
    );
    assert!(error.contains("no longer match upstream"), "{error}");
    assert!(
        error.contains("$.paths['/api/v1/campaigns/{id}/contacts'].post.responses['200']"),
        "{error}"
    );
}
