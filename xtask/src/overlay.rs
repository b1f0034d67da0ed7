//! An OpenAPI Overlay 1.0 engine: applies `spec/overlay.yaml` to the upstream document.
//!
//! Targets are RFC 9535 JSONPath expressions (evaluated by `serde_json_path`). For every node a
//! target selects, `remove: true` deletes it from its parent; otherwise `update` is merged into it:
//! objects merge recursively (a key in the update replaces or adds that key; nested objects merge
//! in turn, anything else is replaced), and an array target gets the update appended (each element
//! of an array update, or the update itself). Actions apply in order, each to the result of the
//! previous one.
//!
//! An action whose target selects nothing is reported rather than ignored: an overlay that
//! silently stops applying after an upstream change would quietly undo a correction.
//!
//! An action marked `x-documentation: true` only documents what the document declares: its
//! update merges into existing members and never creates one. A schema, property or path it
//! names that the document lacks is reported like an unmatched target instead of being created
//! as an untyped skeleton (which would read, in a spec diff, as a type change from "any").

use serde::Deserialize;
use serde_json::Value;
use serde_json_path::JsonPath;

/// An Overlay document: metadata and the ordered list of actions.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Overlay {
    /// Overlay specification version; only `1.0.x` is understood.
    pub overlay: String,
    /// Title and version of this overlay.
    pub info: Info,
    /// Where the overlay says it applies (informative only).
    #[serde(default)]
    pub extends: Option<String>,
    /// The corrections, applied in order.
    pub actions: Vec<Action>,
}

/// The overlay's `info` object.
#[derive(Debug, Deserialize)]
pub struct Info {
    /// Human title.
    pub title: String,
    /// Overlay version.
    pub version: String,
}

/// One correction.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Action {
    /// RFC 9535 JSONPath selecting the nodes to change.
    pub target: String,
    /// Why the correction exists; required by this project's convention.
    #[serde(default)]
    pub description: Option<String>,
    /// Value merged into (or appended to) each selected node.
    #[serde(default)]
    pub update: Option<Value>,
    /// Delete each selected node instead.
    #[serde(default)]
    pub remove: bool,
    /// Documentation only: merge into existing members, never create one.
    #[serde(rename = "x-documentation", default)]
    pub documentation: bool,
}

/// Why an overlay could not be applied.
#[derive(Debug, thiserror::Error)]
pub enum OverlayError {
    /// The overlay file is not a valid overlay document.
    #[error("overlay is not a valid Overlay 1.0 document: {0}")]
    Parse(String),
    /// The `overlay` field names a version this engine does not implement.
    #[error("overlay version {0} is not supported (expected 1.0.x)")]
    Version(String),
    /// An action breaks the format's rules.
    #[error("action {index} ({target}): {problem}")]
    Action {
        /// Zero-based position in `actions`.
        index: usize,
        /// The action's target.
        target: String,
        /// What is wrong.
        problem: String,
    },
}

/// An action that selected no node: the upstream document changed under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmatched {
    /// Zero-based position in `actions`.
    pub index: usize,
    /// The action's target.
    pub target: String,
    /// The action's description, to say which correction stopped applying.
    pub description: String,
}

impl std::fmt::Display for Unmatched {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "action {} `{}` matches nothing ({})",
            self.index, self.target, self.description
        )
    }
}

impl Overlay {
    /// Parses an overlay from YAML (JSON is YAML too).
    pub fn from_yaml(text: &str) -> Result<Self, OverlayError> {
        let overlay: Overlay =
            serde_saphyr::from_str(text).map_err(|e| OverlayError::Parse(e.to_string()))?;
        if !overlay.overlay.starts_with("1.0.") {
            return Err(OverlayError::Version(overlay.overlay));
        }
        Ok(overlay)
    }

    /// Applies every action to `document` in order and returns the actions that matched nothing.
    pub fn apply(&self, document: &mut Value) -> Result<Vec<Unmatched>, OverlayError> {
        let mut unmatched = Vec::new();
        for (index, action) in self.actions.iter().enumerate() {
            let fail = |problem: String| OverlayError::Action {
                index,
                target: action.target.clone(),
                problem,
            };
            let path = JsonPath::parse(&action.target).map_err(|e| fail(e.to_string()))?;
            let pointers: Vec<String> = path
                .query_located(document)
                .dedup()
                .locations()
                .map(|location| location.to_json_pointer())
                .collect();
            if pointers.is_empty() {
                unmatched.push(Unmatched {
                    index,
                    target: action.target.clone(),
                    description: action.description.clone().unwrap_or_default(),
                });
                continue;
            }
            match (&action.update, action.remove) {
                (_, true) => remove_all(document, pointers).map_err(fail)?,
                (Some(update), false) => {
                    let mut missing = Vec::new();
                    for pointer in &pointers {
                        let node = document
                            .pointer_mut(pointer)
                            .ok_or_else(|| fail(format!("{pointer} vanished while applying")))?;
                        let mut at = Missing {
                            creates: !action.documentation,
                            pointer: pointer.clone(),
                            found: &mut missing,
                        };
                        merge(node, update, &mut at)
                            .map_err(|problem| fail(format!("{pointer}: {problem}")))?;
                    }
                    unmatched.extend(missing.into_iter().map(|pointer| Unmatched {
                        index,
                        target: format!("{} at {pointer}", action.target),
                        description: action.description.clone().unwrap_or_default(),
                    }));
                }
                (None, false) => {
                    return Err(fail("has neither `update` nor `remove: true`".into()));
                }
            }
        }
        Ok(unmatched)
    }
}

/// Removes every node at `pointers`; array elements go last-first so indices stay valid.
fn remove_all(document: &mut Value, mut pointers: Vec<String>) -> Result<(), String> {
    // Longer pointers first (children before their parents), then array indices descending.
    pointers.sort_by(|a, b| {
        b.matches('/')
            .count()
            .cmp(&a.matches('/').count())
            .then_with(|| index_key(b).cmp(&index_key(a)))
    });
    for pointer in pointers {
        let Some((parent, last)) = pointer.rsplit_once('/') else {
            return Err("the document root cannot be removed".into());
        };
        let key = last.replace("~1", "/").replace("~0", "~");
        match document.pointer_mut(parent) {
            Some(Value::Object(map)) => {
                map.remove(&key);
            }
            Some(Value::Array(items)) => {
                let i: usize = key
                    .parse()
                    .map_err(|_| format!("bad array index in {pointer}"))?;
                if i < items.len() {
                    items.remove(i);
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Sort key placing higher array indices of the same parent first.
fn index_key(pointer: &str) -> (&str, usize) {
    match pointer.rsplit_once('/') {
        Some((parent, last)) => (parent, last.parse().unwrap_or(0)),
        None => (pointer, 0),
    }
}

/// Where a merge is, and (for documentation actions) the members it found missing.
struct Missing<'a> {
    /// Whether the merge may create members that hold objects.
    creates: bool,
    /// JSON pointer of the node being merged into.
    pointer: String,
    found: &'a mut Vec<String>,
}

/// Merges `update` into `target` with Overlay 1.0 semantics, except that an object member the
/// target lacks is not created unless `at.creates`.
fn merge(target: &mut Value, update: &Value, at: &mut Missing<'_>) -> Result<(), String> {
    match target {
        Value::Object(map) => {
            let Value::Object(fields) = update else {
                return Err("an object target needs an object update".into());
            };
            for (key, value) in fields {
                let member = format!(
                    "{}/{}",
                    at.pointer,
                    key.replace('~', "~0").replace('/', "~1")
                );
                match map.get_mut(key) {
                    Some(existing @ Value::Object(_)) if value.is_object() => {
                        let parent = std::mem::replace(&mut at.pointer, member);
                        merge(existing, value, at)?;
                        at.pointer = parent;
                    }
                    None if value.is_object() && !at.creates => at.found.push(member),
                    _ => {
                        map.insert(key.clone(), value.clone());
                    }
                }
            }
            Ok(())
        }
        Value::Array(items) => {
            match update {
                Value::Array(more) => items.extend(more.iter().cloned()),
                single => items.push(single.clone()),
            }
            Ok(())
        }
        _ => Err("update targets must be objects or arrays".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn overlay(actions: &str) -> Overlay {
        Overlay::from_yaml(&format!(
            "overlay: 1.0.0\ninfo: {{title: t, version: '1'}}\nactions:\n{actions}"
        ))
        .expect("test overlay parses")
    }

    #[test]
    fn update_merges_objects_recursively_and_replaces_scalars() {
        let mut doc = json!({"a": {"keep": 1, "inner": {"x": 1, "y": [1]}, "s": "old"}});
        let unmatched = overlay(
            "  - target: $.a\n    description: d\n    update: {s: new, inner: {y: [2], z: 3}, added: true}\n",
        )
        .apply(&mut doc)
        .expect("applies");
        assert!(unmatched.is_empty());
        assert_eq!(
            doc,
            json!({"a": {"keep": 1, "inner": {"x": 1, "y": [2], "z": 3}, "s": "new", "added": true}})
        );
    }

    #[test]
    fn update_appends_to_arrays() {
        let mut doc = json!({"tags": [{"name": "A"}]});
        overlay("  - target: $.tags\n    update: [{name: B}, {name: C}]\n  - target: $.tags\n    update: {name: D}\n")
            .apply(&mut doc)
            .expect("applies");
        assert_eq!(
            doc,
            json!({"tags": [{"name": "A"}, {"name": "B"}, {"name": "C"}, {"name": "D"}]})
        );
    }

    #[test]
    fn update_applies_to_every_match_of_a_wildcard_or_union() {
        let mut doc = json!({"paths": {
            "/a": {"get": {"responses": {"200": {}, "400": {"d": 1}, "500": {"d": 1}}}},
            "/b": {"post": {"responses": {"400": {"d": 1}}}}
        }});
        overlay("  - target: \"$.paths[*][*].responses['400','500']\"\n    update: {d: 2}\n")
            .apply(&mut doc)
            .expect("applies");
        assert_eq!(doc["paths"]["/a"]["get"]["responses"]["400"]["d"], 2);
        assert_eq!(doc["paths"]["/a"]["get"]["responses"]["500"]["d"], 2);
        assert_eq!(doc["paths"]["/b"]["post"]["responses"]["400"]["d"], 2);
        assert_eq!(doc["paths"]["/a"]["get"]["responses"]["200"], json!({}));
    }

    #[test]
    fn remove_deletes_object_members_and_array_elements() {
        let mut doc = json!({"a": {"b": 1, "c/d": 2}, "list": [0, 1, 2, 3, 4]});
        overlay(
            "  - target: \"$.a['c/d']\"\n    remove: true\n  - target: '$.list[1,3]'\n    remove: true\n",
        )
        .apply(&mut doc)
        .expect("applies");
        assert_eq!(doc, json!({"a": {"b": 1}, "list": [0, 2, 4]}));
    }

    #[test]
    fn filter_selectors_pick_nodes_by_content() {
        let mut doc = json!({"items": [{"type": "integer", "ex": 1}, {"type": "string"}]});
        overlay("  - target: \"$.items[?@.type == 'integer']\"\n    update: {type: number}\n")
            .apply(&mut doc)
            .expect("applies");
        assert_eq!(doc["items"][0], json!({"type": "number", "ex": 1}));
        assert_eq!(doc["items"][1], json!({"type": "string"}));
    }

    #[test]
    fn a_target_that_matches_nothing_is_reported_and_changes_nothing() {
        let mut doc = json!({"a": 1});
        let before = doc.clone();
        let unmatched =
            overlay("  - target: $.missing\n    description: why\n    update: {x: 1}\n")
                .apply(&mut doc)
                .expect("applies");
        assert_eq!(
            unmatched,
            vec![Unmatched {
                index: 0,
                target: "$.missing".into(),
                description: "why".into()
            }]
        );
        assert_eq!(doc, before);
    }

    #[test]
    fn a_documentation_action_never_creates_what_it_documents() {
        let mut doc = json!({"schemas": {"A": {"properties": {"x": {"type": "string"}}}}});
        let unmatched = overlay(
            "  - target: $.schemas\n    description: docs\n    x-documentation: true\n    update: {A: {description: a, properties: {x: {description: ex}, gone: {description: g}}}, B: {description: b}}\n",
        )
        .apply(&mut doc)
        .expect("applies");
        assert_eq!(
            doc,
            json!({"schemas": {"A": {"description": "a", "properties": {"x": {"type": "string", "description": "ex"}}}}})
        );
        let missing: Vec<&str> = unmatched.iter().map(|u| u.target.as_str()).collect();
        assert_eq!(
            missing,
            [
                "$.schemas at /schemas/A/properties/gone",
                "$.schemas at /schemas/B"
            ]
        );
    }

    #[test]
    fn malformed_actions_and_versions_are_errors() {
        let mut doc = json!({"a": {}});
        assert!(matches!(
            overlay("  - target: $.a\n").apply(&mut doc),
            Err(OverlayError::Action { index: 0, .. })
        ));
        assert!(matches!(
            overlay("  - target: '$[bad'\n    remove: true\n").apply(&mut doc),
            Err(OverlayError::Action { .. })
        ));
        assert!(matches!(
            Overlay::from_yaml("overlay: 2.0.0\ninfo: {title: t, version: '1'}\nactions: []\n"),
            Err(OverlayError::Version(_))
        ));
    }
}
