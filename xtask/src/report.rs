//! The spec-change report a reviewer reads instead of the generated diff: what changed for SDK
//! users (the documents with `spec/overlay.yaml` applied), which upstream changes the overlay
//! absorbs, which overlay actions stopped matching, how the generated public Rust API changed,
//! the verdict and release it implies under the changelog policy, and the drafted changelog entry.

use std::{collections::BTreeSet, fmt::Write as _};

use serde_json::Value;

use crate::{
    changelog::{self, Bump},
    overlay::Unmatched,
    rustapi::{Api, ApiDiff},
    spec::SpecError,
    specdiff::{Change, Impact, SpecDiff, Subject, What},
};

/// Items listed per category of the Rust API diff and of the long lists; the rest are counted.
const LIST_LIMIT: usize = 15;

/// One side of a comparison: an upstream document and what the overlay and codegen make of it.
pub struct Side {
    /// Where it came from (a path or URL), for the report's title.
    pub label: String,
    /// The upstream document as published.
    pub upstream: Value,
    /// The same document with the overlay applied (what `openapi.yaml` would hold).
    pub corrected: Value,
    /// Overlay actions that matched nothing in it.
    pub unmatched: Vec<Unmatched>,
    /// The generated client, or why it could not be generated.
    pub code: Result<String, String>,
}

/// Everything the reviewer needs to judge a spec change.
pub struct Report {
    from: String,
    to: String,
    /// The SDK-level diff: both documents with the overlay applied.
    pub sdk: SpecDiff,
    /// Upstream changes that do not reach SDK users because the overlay covers them.
    pub absorbed: Vec<Change>,
    unmatched_old: Vec<Unmatched>,
    unmatched_new: Vec<Unmatched>,
    /// The generated public Rust API's difference, or why it is unavailable.
    pub rust: Result<ApiDiff, String>,
    version: Option<String>,
}

impl Report {
    /// Compares two sides; `version` is the crate's current version, for the release it implies.
    pub fn compare(old: &Side, new: &Side, version: Option<String>) -> Result<Self, SpecError> {
        let sdk = SpecDiff::between(&old.corrected, &new.corrected)?;
        let raw = SpecDiff::between(&old.upstream, &new.upstream)?;
        let seen: BTreeSet<&Change> = sdk.changes.iter().collect();
        let absorbed = raw
            .changes
            .iter()
            .filter(|c| c.impact > Impact::Docs && !seen.contains(c))
            .cloned()
            .collect();
        let rust = match (&old.code, &new.code) {
            (Ok(a), Ok(b)) => Api::parse(a)
                .and_then(|a| Ok(ApiDiff::between(&a, &Api::parse(b)?)))
                .map_err(|e| format!("cannot parse the generated code: {e}")),
            (Err(why), _) => Err(format!("the old side does not generate: {why}")),
            (_, Err(why)) => Err(format!("the new side does not generate: {why}")),
        };
        Ok(Self {
            from: old.label.clone(),
            to: new.label.clone(),
            sdk,
            absorbed,
            unmatched_old: old.unmatched.clone(),
            unmatched_new: new.unmatched.clone(),
            rust,
            version,
        })
    }

    /// The worst impact for users: the spec changes' and the Rust API's (removed or changed
    /// items are breaking, added ones compatible). `None` when nothing changed.
    pub fn impact(&self) -> Option<Impact> {
        let rust = match &self.rust {
            Ok(diff) if diff.is_breaking() => Some(Impact::Breaking),
            Ok(diff) if !diff.entries.is_empty() => Some(Impact::Compatible),
            _ => None,
        };
        self.sdk.impact().max(rust)
    }

    /// The release this change needs under the changelog policy.
    pub fn bump(&self) -> Bump {
        Bump::for_impact(self.impact(), self.version.as_deref())
    }

    /// The changelog entry for these changes.
    pub fn changelog(&self) -> changelog::Entry {
        let mut entry = changelog::Entry::from_changes(&self.sdk);
        if let Ok(diff) = &self.rust
            && diff.is_breaking()
            && self.sdk.impact() < Some(Impact::Breaking)
        {
            entry.changed.push(format!(
                "**Breaking:** the generated Rust API changed incompatibly ({} items removed, {} \
                 changed signature) although no spec change is classified breaking; see the \
                 refresh report.",
                diff.count(crate::rustapi::Delta::Removed),
                diff.count(crate::rustapi::Delta::Changed)
            ));
        }
        entry
    }

    /// The whole report as Markdown, for a pull request description.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# Spec change: `{}` → `{}`\n", self.from, self.to);
        self.verdict(&mut out);
        self.operations(&mut out);
        self.schemas(&mut out);
        self.other(&mut out);
        self.overlay(&mut out);
        let _ = writeln!(out, "\n## Public Rust API (`generated/agni.rs`)\n");
        match &self.rust {
            Ok(diff) => out.push_str(&diff.markdown(LIST_LIMIT)),
            Err(why) => {
                let _ = writeln!(out, "Not compared: {why}.");
            }
        }
        let entry = self.changelog();
        let _ = writeln!(out, "\n## Changelog draft\n");
        if entry.is_empty() {
            let _ = writeln!(out, "Nothing to add: no user-visible change.");
        } else {
            out.push_str(&entry.markdown());
        }
        let _ = writeln!(
            out,
            "\n## Reading the generated diff\n\n`git diff --histogram -- openapi.yaml generated/` \
             aligns moved items far better than git's default algorithm."
        );
        // Empty sections leave runs of blank lines; Markdown renders one the same, text does not.
        while out.contains("\n\n\n") {
            out = out.replace("\n\n\n", "\n\n");
        }
        out
    }

    fn verdict(&self, out: &mut String) {
        let bump = self.bump();
        let spec = |impact| {
            self.sdk
                .changes
                .iter()
                .filter(|c| c.impact == impact)
                .count()
        };
        let _ = writeln!(
            out,
            "**Verdict: {}.** {}\n",
            verdict_word(self.impact()),
            bump.sentence()
        );
        let _ = writeln!(
            out,
            "- Spec (overlay applied): {} breaking, {} compatible, {} documentation-only changes.",
            spec(Impact::Breaking),
            spec(Impact::Compatible),
            spec(Impact::Docs)
        );
        if let Ok(diff) = &self.rust {
            let _ = writeln!(
                out,
                "- Generated Rust API: {} items removed, {} changed signature, {} added.",
                diff.count(crate::rustapi::Delta::Removed),
                diff.count(crate::rustapi::Delta::Changed),
                diff.count(crate::rustapi::Delta::Added)
            );
        }
        if !self.absorbed.is_empty() {
            let _ = writeln!(
                out,
                "- Upstream changes absorbed by `spec/overlay.yaml`: {} (listed below).",
                self.absorbed.len()
            );
        }
        if !self.unmatched_new.is_empty() {
            let _ = writeln!(
                out,
                "- **{} overlay action(s) match nothing in the new document**: `cargo xtask \
                 generate` fails until `spec/overlay.yaml` is fixed.",
                self.unmatched_new.len()
            );
        }
    }

    fn operations(&self, out: &mut String) {
        let added: Vec<&Change> = self
            .sdk
            .changes
            .iter()
            .filter(|c| matches!(c.what, What::OperationAdded(_)))
            .collect();
        let removed: Vec<&Change> = self
            .sdk
            .changes
            .iter()
            .filter(|c| matches!(c.what, What::OperationRemoved(_)))
            .collect();
        let changed = self.sdk.changed_operations();
        let api_changed: Vec<_> = changed
            .iter()
            .filter(|(_, op)| op.impact() > Impact::Docs)
            .collect();
        let _ = writeln!(
            out,
            "\n## Operations: {} added, {} removed, {} changed\n",
            added.len(),
            removed.len(),
            api_changed.len()
        );
        for change in added.iter().chain(&removed) {
            let _ = writeln!(out, "- {}{}", badge(change.impact), change);
        }
        for (id, op) in api_changed {
            let _ = writeln!(
                out,
                "- {}`{id}` (`{}`) changed",
                badge(op.impact()),
                op.route
            );
            for change in op.direct.iter().filter(|c| c.impact > Impact::Docs) {
                let mut place = change.part.clone();
                if !change.path.is_empty() {
                    let _ = write!(place, " `{}`", change.path);
                }
                let _ = writeln!(
                    out,
                    "  - {}{}: {}",
                    badge(change.impact),
                    place.trim(),
                    change.what
                );
            }
            for (schema, impact) in op.via.iter().filter(|(_, i)| **i > Impact::Docs) {
                let _ = writeln!(
                    out,
                    "  - {}through schema `{schema}` (below)",
                    badge(*impact)
                );
            }
        }
    }

    fn schemas(&self, out: &mut String) {
        let names = |pick: fn(&What) -> bool| -> Vec<&str> {
            self.sdk
                .changes
                .iter()
                .filter(|c| pick(&c.what))
                .filter_map(|c| match &c.subject {
                    Subject::Schema(name) => Some(name.as_str()),
                    _ => None,
                })
                .collect()
        };
        let added = names(|w| matches!(w, What::SchemaAdded));
        let removed = names(|w| matches!(w, What::SchemaRemoved));
        let changed: BTreeSet<&str> = self
            .sdk
            .changes
            .iter()
            .filter(|c| {
                c.impact > Impact::Docs
                    && !matches!(c.what, What::SchemaAdded | What::SchemaRemoved)
            })
            .filter_map(|c| match &c.subject {
                Subject::Schema(name) => Some(name.as_str()),
                _ => None,
            })
            .collect();
        let _ = writeln!(
            out,
            "\n## Schemas: {} added, {} removed, {} changed\n",
            added.len(),
            removed.len(),
            changed.len()
        );
        if !added.is_empty() {
            let _ = writeln!(out, "- Added: {}", code_list(&added));
        }
        if !removed.is_empty() {
            let _ = writeln!(out, "- **breaking** Removed: {}", code_list(&removed));
        }
        for name in changed {
            let changes: Vec<&Change> = self
                .sdk
                .changes
                .iter()
                .filter(|c| {
                    c.subject == Subject::Schema(name.to_owned()) && c.impact > Impact::Docs
                })
                .collect();
            let worst = changes
                .iter()
                .map(|c| c.impact)
                .max()
                .unwrap_or(Impact::Docs);
            let users = self.sdk.used_by(name);
            let used = if users.is_empty() {
                "no operation uses it".to_owned()
            } else {
                format!("used by {}", code_list(&users))
            };
            let _ = writeln!(out, "\n### `{name}` ({}; {used})\n", worst.label());
            for change in changes {
                let field = if change.path.is_empty() {
                    String::new()
                } else {
                    format!("`{}`: ", change.path)
                };
                let _ = writeln!(out, "- {}{field}{}", badge(change.impact), change.what);
            }
        }
    }

    fn other(&self, out: &mut String) {
        let document: Vec<&Change> = self.sdk.of(|s| *s == Subject::Document).collect();
        if !document.is_empty() {
            let _ = writeln!(out, "\n## Document settings\n");
            for change in document {
                let _ = writeln!(out, "- {}{}", badge(change.impact), change.what);
            }
        }
        let docs: Vec<&Change> = self
            .sdk
            .changes
            .iter()
            .filter(|c| c.impact == Impact::Docs && c.subject != Subject::Document)
            .collect();
        if !docs.is_empty() {
            let _ = writeln!(out, "\n## Documentation only ({})\n", docs.len());
            bounded(out, docs.iter().map(|c| format!("- {c}")));
        }
        if !self.absorbed.is_empty() {
            let _ = writeln!(
                out,
                "\n## Upstream changes absorbed by the overlay ({})\n\nUpstream made these \
                 changes, but with `spec/overlay.yaml` applied both documents agree there, so SDK \
                 users see no difference (the overlay restores, adds or replaces what they touch). \
                 Check whether each correction is still needed.\n",
                self.absorbed.len()
            );
            bounded(
                out,
                self.absorbed
                    .iter()
                    .map(|c| format!("- {}{c}", badge(c.impact))),
            );
        }
    }

    fn overlay(&self, out: &mut String) {
        for (side, unmatched) in [("old", &self.unmatched_old), ("new", &self.unmatched_new)] {
            if unmatched.is_empty() {
                continue;
            }
            let _ = writeln!(
                out,
                "\n## Overlay actions matching nothing in the {side} document ({})\n",
                unmatched.len()
            );
            for action in unmatched {
                let _ = writeln!(out, "- {action}");
            }
        }
    }
}

/// Writes at most [`LIST_LIMIT`] × 3 lines, then how many more there are.
fn bounded(out: &mut String, lines: impl Iterator<Item = String>) {
    let mut more = 0;
    for (index, line) in lines.enumerate() {
        if index < LIST_LIMIT * 3 {
            let _ = writeln!(out, "{line}");
        } else {
            more += 1;
        }
    }
    if more > 0 {
        let _ = writeln!(out, "- ... and {more} more");
    }
}

fn badge(impact: Impact) -> &'static str {
    match impact {
        Impact::Breaking => "**breaking** ",
        Impact::Compatible | Impact::Docs => "",
    }
}

fn verdict_word(impact: Option<Impact>) -> &'static str {
    match impact {
        Some(Impact::Breaking) => "breaking",
        Some(Impact::Compatible) => "compatible (additive)",
        Some(Impact::Docs) => "documentation only",
        None => "no change",
    }
}

fn code_list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests;
