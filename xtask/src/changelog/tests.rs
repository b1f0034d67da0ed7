//! The release policy, the drafted entry, and its insertion into every shape of `CHANGELOG.md`.

use serde_json::json;

use super::*;

#[test]
fn breaking_bumps_minor_additive_bumps_patch_in_0_x() {
    let bump = |impact, version| Bump::for_impact(impact, version);
    assert_eq!(
        bump(Some(Impact::Breaking), Some("0.1.3")),
        Bump::Minor {
            from: Some("0.1.3".into()),
            to: Some("0.2.0".into())
        }
    );
    assert_eq!(
        bump(Some(Impact::Compatible), Some("0.1.3")),
        Bump::Patch {
            from: Some("0.1.3".into()),
            to: Some("0.1.4".into())
        }
    );
    assert_eq!(bump(Some(Impact::Docs), Some("0.1.3")), Bump::None);
    assert_eq!(bump(None, Some("0.1.3")), Bump::None);
    assert_eq!(
        bump(Some(Impact::Breaking), Some("1.4.2")),
        Bump::Major {
            from: Some("1.4.2".into()),
            to: Some("2.0.0".into())
        }
    );
    assert_eq!(
        bump(Some(Impact::Compatible), Some("1.4.2")),
        Bump::Minor {
            from: Some("1.4.2".into()),
            to: Some("1.5.0".into())
        }
    );
    // An unreadable version still names the kind of release.
    let unknown = bump(Some(Impact::Breaking), Some("next"));
    assert_eq!(
        unknown.sentence(),
        "Under the changelog policy this needs a MINOR release."
    );
    assert_eq!(
        bump(Some(Impact::Breaking), Some("0.1.0")).sentence(),
        "Under the changelog policy this needs a MINOR release (0.1.0 → 0.2.0)."
    );
}

fn entry() -> Entry {
    let old = json!({"openapi": "3.0.1", "paths": {
        "/gone": {"get": {"operationId": "GetGone", "responses": {}}}
    }, "components": {"schemas": {
        "Agent": {"type": "object", "properties": {"name": {"type": "string"}, "old": {"type": "string"}}}
    }}});
    let new = json!({"openapi": "3.0.1", "paths": {
        "/new": {"post": {"operationId": "CreateThing", "responses": {}}}
    }, "components": {"schemas": {
        "Agent": {"type": "object", "properties": {"name": {"type": "integer"}, "fresh": {"type": "string"}}},
        "Thing": {"type": "object"}
    }}});
    Entry::from_changes(&SpecDiff::between(&old, &new).expect("valid"))
}

#[test]
fn the_entry_sorts_changes_into_added_changed_removed_and_marks_breaking_ones() {
    let entry = entry();
    assert_eq!(
        entry.added,
        [
            "Types `Thing` (in `agni::types`).",
            "Operation `CreateThing` (`POST /new`): `client.create_thing()`.",
            "`Agent.fresh`: field added (string, optional).",
        ]
    );
    assert_eq!(
        entry.changed,
        ["**Breaking:** `Agent.name`: type changed: string → integer."]
    );
    assert_eq!(
        entry.removed,
        [
            "**Breaking:** Operation `GetGone` (`GET /gone`): `client.get_gone()` is gone.",
            "**Breaking:** `Agent.old`: field removed (was string).",
        ]
    );
    assert!(
        entry
            .markdown()
            .starts_with("### Added\n\n- Types `Thing` (in `agni::types`).\n")
    );
}

#[test]
fn a_missing_changelog_is_created_with_a_header_and_unreleased() {
    let text = entry().insert_into(None);
    assert!(text.starts_with(HEADER), "{text}");
    assert!(
        text.contains("\n\n## [Unreleased]\n\n### Added\n\n- Types `Thing`"),
        "{text}"
    );
    let added = text.find("### Added").expect("added");
    let changed = text.find("### Changed").expect("changed");
    let removed = text.find("### Removed").expect("removed");
    assert!(added < changed && changed < removed, "{text}");
    assert!(text.ends_with("is gone.\n- **Breaking:** `Agent.old`: field removed (was string).\n"));
}

#[test]
fn entries_merge_into_existing_subsections_and_keep_every_other_line() {
    let before = "# Changelog\n\nIntro.\n\n## [Unreleased]\n\n### Added\n\n- By hand.\n\n\
                  ### Fixed\n\n- A fix.\n\n## [0.1.0] - 2025-01-01\n\n### Removed\n\n- Old.\n";
    let after = entry().insert_into(Some(before));
    assert_eq!(
        after,
        "# Changelog\n\nIntro.\n\n## [Unreleased]\n\n### Added\n\n- By hand.\n\
         - Types `Thing` (in `agni::types`).\n\
         - Operation `CreateThing` (`POST /new`): `client.create_thing()`.\n\
         - `Agent.fresh`: field added (string, optional).\n\n\
         ### Changed\n\n- **Breaking:** `Agent.name`: type changed: string → integer.\n\n\
         ### Removed\n\n\
         - **Breaking:** Operation `GetGone` (`GET /gone`): `client.get_gone()` is gone.\n\
         - **Breaking:** `Agent.old`: field removed (was string).\n\n\
         ### Fixed\n\n- A fix.\n\n## [0.1.0] - 2025-01-01\n\n### Removed\n\n- Old.\n"
    );
    // Running the same refresh twice adds nothing the second time.
    assert_eq!(entry().insert_into(Some(&after)), after);
}

#[test]
fn unreleased_is_added_above_the_first_release_when_missing() {
    let before = "# Changelog\n\n## [0.1.0] - 2025-01-01\n\n- First.\n";
    let after = Entry {
        added: vec!["New.".into()],
        ..Entry::default()
    }
    .insert_into(Some(before));
    assert_eq!(
        after,
        "# Changelog\n\n## [Unreleased]\n\n### Added\n\n- New.\n\n## [0.1.0] - 2025-01-01\n\n- First.\n"
    );
}
