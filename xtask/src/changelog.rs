//! The changelog policy as code: which release a change needs, the drafted `CHANGELOG.md` entry
//! (Keep a Changelog: Added / Changed / Removed, breaking items marked **Breaking**), and its
//! insertion under `## [Unreleased]` without touching any existing entry.
//!
//! The crate is 0.x: a breaking change bumps the MINOR version (0.1.x → 0.2.0), an additive-only
//! one the PATCH version, and a change users cannot see needs no release. From 1.0 on, the usual
//! semver rule applies (breaking → MAJOR, additive → MINOR).

use std::fmt::Write as _;

use heck::ToSnakeCase;

use crate::specdiff::{Change, Impact, SpecDiff, Subject, What};

/// What `CHANGELOG.md` starts as when the repository has none.
pub const HEADER: &str = "# Changelog\n\nAll notable changes to this project are documented in \
this file. The format is based on\n[Keep a Changelog](https://keepachangelog.com/en/1.1.0/), and \
this project adheres to\n[Semantic Versioning](https://semver.org/spec/v2.0.0.html).\n";

const UNRELEASED: &str = "## [Unreleased]";
/// Keep a Changelog's subsection order.
const ORDER: [&str; 6] = [
    "Added",
    "Changed",
    "Deprecated",
    "Removed",
    "Fixed",
    "Security",
];

/// `major.minor.patch`.
type Version = (u64, u64, u64);

/// The release a change needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bump {
    /// No user-visible change.
    None,
    /// Additive-only: PATCH in 0.x; `to` is the next version when the current one is known.
    Patch {
        from: Option<String>,
        to: Option<String>,
    },
    /// Breaking: MINOR in 0.x.
    Minor {
        from: Option<String>,
        to: Option<String>,
    },
    /// Breaking from 1.0 on.
    Major {
        from: Option<String>,
        to: Option<String>,
    },
}

impl Bump {
    /// The bump for the worst impact of a change, from the current `version` (`x.y.z`).
    pub fn for_impact(impact: Option<Impact>, version: Option<&str>) -> Self {
        let parsed = version.and_then(|v| {
            let mut parts = v.split('.').map(|p| p.parse::<u64>().ok());
            Some((parts.next()??, parts.next()??, parts.next()??))
        });
        let from = version.map(str::to_owned);
        let next = |f: fn(Version) -> Version| {
            parsed.map(|v| {
                let (a, b, c) = f(v);
                format!("{a}.{b}.{c}")
            })
        };
        let stable = parsed.is_some_and(|(major, _, _)| major > 0);
        match impact {
            None | Some(Impact::Docs) => Bump::None,
            Some(Impact::Breaking) if stable => Bump::Major {
                from,
                to: next(|(a, _, _)| (a + 1, 0, 0)),
            },
            Some(Impact::Breaking) => Bump::Minor {
                from,
                to: next(|(a, b, _)| (a, b + 1, 0)),
            },
            Some(Impact::Compatible) if stable => Bump::Minor {
                from,
                to: next(|(a, b, _)| (a, b + 1, 0)),
            },
            Some(Impact::Compatible) => Bump::Patch {
                from,
                to: next(|(a, b, c)| (a, b, c + 1)),
            },
        }
    }

    /// The bump in one sentence, for the report.
    pub fn sentence(&self) -> String {
        let versions = |from: &Option<String>, to: &Option<String>| match (from, to) {
            (Some(from), Some(to)) => format!(" ({from} → {to})"),
            _ => String::new(),
        };
        match self {
            Bump::None => "No release needed under the changelog policy.".to_owned(),
            Bump::Patch { from, to } => format!(
                "Under the changelog policy this needs a PATCH release{}.",
                versions(from, to)
            ),
            Bump::Minor { from, to } => format!(
                "Under the changelog policy this needs a MINOR release{}.",
                versions(from, to)
            ),
            Bump::Major { from, to } => format!(
                "Under the changelog policy this needs a MAJOR release{}.",
                versions(from, to)
            ),
        }
    }
}

/// A drafted changelog entry: bullet lines per subsection.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Entry {
    /// `### Added` bullets (without the leading `- `).
    pub added: Vec<String>,
    /// `### Changed` bullets.
    pub changed: Vec<String>,
    /// `### Removed` bullets.
    pub removed: Vec<String>,
}

impl Entry {
    /// Drafts the entry for the SDK-level changes (documentation-only changes are left out).
    pub fn from_changes(diff: &SpecDiff) -> Self {
        let mut entry = Self::default();
        let mut new_types = Vec::new();
        for change in diff.changes.iter().filter(|c| c.impact > Impact::Docs) {
            let mark = if change.impact == Impact::Breaking {
                "**Breaking:** "
            } else {
                ""
            };
            let id = match &change.subject {
                Subject::Operation(id) => id.as_str(),
                _ => "",
            };
            match &change.what {
                What::SchemaAdded => {
                    if let Subject::Schema(name) = &change.subject {
                        new_types.push(format!("`{name}`"));
                    }
                }
                What::OperationAdded(route) => entry.added.push(format!(
                    "Operation `{id}` (`{route}`): `client.{}()`.",
                    id.to_snake_case()
                )),
                What::OperationRemoved(route) => entry.removed.push(format!(
                    "{mark}Operation `{id}` (`{route}`): `client.{}()` is gone.",
                    id.to_snake_case()
                )),
                What::SchemaRemoved => entry
                    .removed
                    .push(format!("{mark}Type {}.", change.place())),
                What::FieldAdded { .. }
                | What::ParameterAdded { .. }
                | What::BodyAdded { .. }
                | What::ResponseAdded
                | What::MediaTypeAdded(_)
                | What::EnumValueAdded(_) => entry.added.push(bullet(mark, change)),
                What::FieldRemoved { .. }
                | What::ParameterRemoved
                | What::BodyRemoved
                | What::ResponseRemoved
                | What::MediaTypeRemoved(_)
                | What::EnumValueRemoved(_) => entry.removed.push(bullet(mark, change)),
                _ => entry.changed.push(bullet(mark, change)),
            }
        }
        if !new_types.is_empty() {
            entry.added.insert(
                0,
                format!("Types {} (in `agni::types`).", new_types.join(", ")),
            );
        }
        entry
    }

    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }

    fn sections(&self) -> [(&'static str, &Vec<String>); 3] {
        [
            ("Added", &self.added),
            ("Changed", &self.changed),
            ("Removed", &self.removed),
        ]
    }

    /// The entry as Keep a Changelog subsections.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        for (title, bullets) in self.sections() {
            if bullets.is_empty() {
                continue;
            }
            let _ = writeln!(out, "### {title}\n");
            for line in bullets {
                let _ = writeln!(out, "- {line}");
            }
            out.push('\n');
        }
        out
    }

    /// `changelog` (the file's text, `None` when it does not exist) with this entry merged under
    /// `## [Unreleased]`: bullets go to the end of the matching subsection, a missing subsection is
    /// created in Keep a Changelog's order, a missing `## [Unreleased]` above the first release.
    /// Bullets already present are not repeated, and nothing else changes.
    pub fn insert_into(&self, changelog: Option<&str>) -> String {
        let text = changelog.unwrap_or(HEADER);
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        let start = match lines.iter().position(|l| l.trim_end() == UNRELEASED) {
            Some(index) => index,
            None => {
                let at = lines
                    .iter()
                    .position(|l| l.starts_with("## "))
                    .unwrap_or(lines.len());
                let mut block = vec![UNRELEASED.to_owned(), String::new()];
                if at == lines.len() && lines.last().is_some_and(|l| !l.trim().is_empty()) {
                    block.insert(0, String::new());
                }
                lines.splice(at..at, block);
                at + usize::from(lines[at].is_empty())
            }
        };
        for (title, bullets) in self.sections() {
            let fresh: Vec<String> = bullets
                .iter()
                .map(|b| format!("- {b}"))
                .filter(|b| !section_range(&lines, start).any(|i| lines[i] == *b))
                .collect();
            if fresh.is_empty() {
                continue;
            }
            insert_bullets(&mut lines, start, title, fresh);
        }
        while lines.last().is_some_and(|l| l.trim().is_empty()) {
            lines.pop();
        }
        let mut result = lines.join("\n");
        result.push('\n');
        result
    }
}

/// The indices of the lines after `## [Unreleased]` (at `start`) up to the next release.
fn section_range(lines: &[String], start: usize) -> std::ops::Range<usize> {
    let end = lines[start + 1..]
        .iter()
        .position(|l| l.starts_with("## "))
        .map_or(lines.len(), |offset| start + 1 + offset);
    start + 1..end
}

fn insert_bullets(lines: &mut Vec<String>, start: usize, title: &str, fresh: Vec<String>) {
    let range = section_range(lines, start);
    let heading = format!("### {title}");
    if let Some(at) = range.clone().find(|&i| lines[i].trim_end() == heading) {
        // The end of this subsection: the next heading, or the end of the release.
        let mut end = (at + 1..range.end)
            .find(|&i| lines[i].starts_with('#'))
            .unwrap_or(range.end);
        while end > at + 1 && lines[end - 1].trim().is_empty() {
            end -= 1;
        }
        if end == at + 1 {
            // An empty subsection: keep a blank line after the heading.
            lines.insert(end, String::new());
            end += 1;
        }
        lines.splice(end..end, fresh);
        return;
    }
    // A new subsection, before the first existing one that comes later in Keep a Changelog's order.
    let rank = |name: &str| ORDER.iter().position(|o| *o == name).unwrap_or(ORDER.len());
    let mine = rank(title);
    let at = range
        .clone()
        .find(|&i| {
            lines[i]
                .strip_prefix("### ")
                .is_some_and(|other| rank(other.trim()) > mine)
        })
        .unwrap_or_else(|| {
            // After the last non-blank line of the release.
            let mut end = range.end;
            while end > start + 1 && lines[end - 1].trim().is_empty() {
                end -= 1;
            }
            end
        });
    let mut block = Vec::new();
    if lines
        .get(at.wrapping_sub(1))
        .is_some_and(|l| !l.trim().is_empty())
    {
        block.push(String::new());
    }
    block.push(format!("### {title}"));
    block.push(String::new());
    block.extend(fresh);
    if lines.get(at).is_some_and(|l| !l.trim().is_empty()) {
        block.push(String::new());
    }
    lines.splice(at..at, block);
}

fn bullet(mark: &str, change: &Change) -> String {
    format!("{mark}{change}.")
}

#[cfg(test)]
mod tests;
