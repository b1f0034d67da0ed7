//! Compares two schemas side by side: type, format, `$ref` target, nullable, enum values,
//! properties and their required flags, array items, maps and compositions.
//!
//! A `$ref` to a named schema is not followed: the named schema is compared on its own, by name,
//! so the walk only ever descends into inline JSON and always ends.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{Change, Impact, SCHEMA_REF, Subject, What};

/// Keywords that only document: a change to one is never an API change.
const DOCS: [&str; 3] = ["description", "summary", "title"];
/// Keywords nobody sees in the SDK (progenitor does not use examples).
const IGNORED: [&str; 3] = ["example", "examples", "externalDocs"];
/// Keywords compared structurally by [`Walk::compare`]; every other one is a generic change.
const STRUCTURAL: [&str; 12] = [
    "$ref",
    "type",
    "format",
    "nullable",
    "enum",
    "properties",
    "required",
    "items",
    "additionalProperties",
    "allOf",
    "oneOf",
    "anyOf",
];
const COMPOSITIONS: [&str; 3] = ["allOf", "oneOf", "anyOf"];

/// A change at the root of `subject`.
pub(super) fn change(subject: Subject, what: What, impact: Impact) -> Change {
    Change {
        subject,
        part: String::new(),
        path: String::new(),
        what,
        impact,
    }
}

/// Records the changes between schemas of one subject and part.
pub(super) struct Walk<'o> {
    subject: Subject,
    part: String,
    /// Whether requests send this schema: then a newly required field breaks callers.
    in_request: bool,
    out: &'o mut Vec<Change>,
}

impl<'o> Walk<'o> {
    pub(super) fn new(
        subject: Subject,
        part: String,
        in_request: bool,
        out: &'o mut Vec<Change>,
    ) -> Self {
        Self {
            subject,
            part,
            in_request,
            out,
        }
    }

    fn push(&mut self, path: &str, what: What, impact: Impact) {
        self.out.push(Change {
            subject: self.subject.clone(),
            part: self.part.clone(),
            path: path.to_owned(),
            what,
            impact,
        });
    }

    /// Records a change at the root of this walk's part (a parameter, a body, a response).
    pub(super) fn record(&mut self, what: What, impact: Impact) {
        self.push("", what, impact);
    }

    /// Compares `old` and `new` found at `path`.
    pub(super) fn compare(&mut self, path: &str, old: &Value, new: &Value) {
        if old == new {
            return;
        }
        let (old_ref, new_ref) = (named(old), named(new));
        if old_ref.is_some() || new_ref.is_some() {
            if old_ref != new_ref {
                let (from, to) = (describe(old), describe(new));
                self.push(path, What::TypeChanged { from, to }, Impact::Breaking);
            }
            // Siblings of a `$ref` (a description) are ignored by OpenAPI 3.0 too.
            return;
        }
        let (old_kind, new_kind) = (shallow(old), shallow(new));
        if old_kind != new_kind {
            let (from, to) = (describe(old), describe(new));
            self.push(path, What::TypeChanged { from, to }, Impact::Breaking);
            return;
        }
        let nullable = |s: &Value| s.get("nullable").and_then(Value::as_bool).unwrap_or(false);
        if nullable(old) != nullable(new) {
            self.push(
                path,
                What::NullableChanged(nullable(new)),
                Impact::Compatible,
            );
        }
        self.enums(path, old, new);
        self.properties(path, old, new);
        let absent = Value::Null;
        let (old_items, new_items) = (old.get("items"), new.get("items"));
        if old_items.is_some() || new_items.is_some() {
            let child = format!("{path}[]");
            self.compare(
                &child,
                old_items.unwrap_or(&absent),
                new_items.unwrap_or(&absent),
            );
        }
        match (
            old.get("additionalProperties"),
            new.get("additionalProperties"),
        ) {
            (Some(a @ Value::Object(_)), Some(b @ Value::Object(_))) => {
                self.compare(&format!("{path}{{}}"), a, b)
            }
            (a, b) if a != b => {
                self.keyword(path, "additionalProperties", a, b, Impact::Compatible)
            }
            _ => {}
        }
        for key in COMPOSITIONS {
            self.composition(path, key, old, new);
        }
        self.other_keywords(path, old, new);
    }

    fn enums(&mut self, path: &str, old: &Value, new: &Value) {
        let values = |s: &Value| -> BTreeSet<String> {
            s.get("enum")
                .and_then(Value::as_array)
                .map(|items| items.iter().map(enum_value).collect())
                .unwrap_or_default()
        };
        let (before, after) = (values(old), values(new));
        for value in before.difference(&after) {
            self.push(
                path,
                What::EnumValueRemoved(value.clone()),
                Impact::Breaking,
            );
        }
        for value in after.difference(&before) {
            self.push(
                path,
                What::EnumValueAdded(value.clone()),
                Impact::Compatible,
            );
        }
    }

    fn properties(&mut self, path: &str, old: &Value, new: &Value) {
        let (before, after) = (props(old), props(new));
        let (old_required, new_required) = (required(old), required(new));
        for (name, schema) in &after {
            let child = join(path, name);
            let now_required = new_required.contains(name.as_str());
            match before.get(name) {
                None => {
                    let breaking = now_required && self.in_request;
                    let what = What::FieldAdded {
                        ty: describe(schema),
                        required: now_required,
                        moved_from: moved(path, name, &before, &after),
                    };
                    self.push(&child, what, impact_if(breaking));
                }
                Some(previous) => {
                    if old_required.contains(name.as_str()) != now_required {
                        let breaking = now_required && self.in_request;
                        self.push(
                            &child,
                            What::RequiredChanged(now_required),
                            impact_if(breaking),
                        );
                    }
                    self.compare(&child, previous, schema);
                }
            }
        }
        for (name, schema) in &before {
            if !after.contains_key(name) {
                let what = What::FieldRemoved {
                    ty: describe(schema),
                    moved_to: moved(path, name, &after, &before),
                };
                self.push(&join(path, name), what, Impact::Breaking);
            }
        }
    }

    fn composition(&mut self, path: &str, key: &str, old: &Value, new: &Value) {
        let list = |s: &Value| {
            s.get(key)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        };
        let (before, after) = (list(old), list(new));
        if before.len() != after.len() {
            let (from, to) = (
                format!("{key} of {}", before.len()),
                format!("{key} of {}", after.len()),
            );
            self.push(path, What::TypeChanged { from, to }, Impact::Breaking);
            return;
        }
        for (index, (a, b)) in before.iter().zip(&after).enumerate() {
            self.compare(&format!("{path}{key}[{index}]"), a, b);
        }
    }

    fn other_keywords(&mut self, path: &str, old: &Value, new: &Value) {
        let keys = |s: &Value| -> BTreeSet<String> {
            s.as_object()
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default()
        };
        for key in keys(old).union(&keys(new)) {
            let key = key.as_str();
            if STRUCTURAL.contains(&key) || IGNORED.contains(&key) {
                continue;
            }
            let (a, b) = (old.get(key), new.get(key));
            if a == b {
                continue;
            }
            if DOCS.contains(&key) {
                self.push(path, What::DocsChanged(key.to_owned()), Impact::Docs);
            } else {
                self.keyword(path, key, a, b, Impact::Compatible);
            }
        }
    }

    fn keyword(
        &mut self,
        path: &str,
        key: &str,
        a: Option<&Value>,
        b: Option<&Value>,
        impact: Impact,
    ) {
        let what = What::KeywordChanged {
            keyword: key.to_owned(),
            from: compact(a),
            to: compact(b),
        };
        self.push(path, what, impact);
    }
}

type Properties = serde_json::Map<String, Value>;

fn props(schema: &Value) -> Properties {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// Where field `name` (gone from, or new to, one side) sits on the `other` side inside an object
/// field that only the other side has: `data.status` when `status` moved into a new `data`
/// envelope (or out of a dropped one).
fn moved(path: &str, name: &str, other: &Properties, this: &Properties) -> Option<String> {
    other
        .iter()
        .filter(|(wrapper, _)| !this.contains_key(*wrapper))
        .find(|(_, schema)| props(schema).contains_key(name))
        .map(|(wrapper, _)| join(path, &format!("{wrapper}.{name}")))
}

fn impact_if(breaking: bool) -> Impact {
    if breaking {
        Impact::Breaking
    } else {
        Impact::Compatible
    }
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

fn required(schema: &Value) -> BTreeSet<&str> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// The named schema a `$ref` points at, if `schema` is one.
pub(super) fn named(schema: &Value) -> Option<&str> {
    let target = schema.get("$ref").and_then(Value::as_str)?;
    Some(target.strip_prefix(SCHEMA_REF).unwrap_or(target))
}

/// The part of a schema that decides its Rust type's kind: type and format, map or struct.
fn shallow(schema: &Value) -> (String, String) {
    let format = schema.get("format").and_then(Value::as_str).unwrap_or("");
    (kind(schema).to_owned(), format.to_owned())
}

fn kind(schema: &Value) -> &str {
    if let Some(ty) = schema.get("type").and_then(Value::as_str) {
        if ty == "object" && is_map(schema) {
            return "map";
        }
        return ty;
    }
    if schema.get("properties").is_some() {
        "object"
    } else if is_map(schema) {
        "map"
    } else {
        COMPOSITIONS
            .iter()
            .find(|key| schema.get(**key).is_some())
            .copied()
            .unwrap_or("any")
    }
}

fn is_map(schema: &Value) -> bool {
    schema.get("properties").is_none()
        && matches!(
            schema.get("additionalProperties"),
            Some(Value::Object(_) | Value::Bool(true))
        )
}

/// A schema's type in words: `string`, `integer (int32)`, `array of Agent`, `map of string`.
pub(super) fn describe(schema: &Value) -> String {
    if let Some(name) = named(schema) {
        return name.to_owned();
    }
    let absent = Value::Null;
    let mut text = match kind(schema) {
        "array" => format!(
            "array of {}",
            describe(schema.get("items").unwrap_or(&absent))
        ),
        "map" => match schema.get("additionalProperties") {
            Some(inner @ Value::Object(_)) => format!("map of {}", describe(inner)),
            _ => "map".to_owned(),
        },
        other => other.to_owned(),
    };
    if let Some(format) = schema.get("format").and_then(Value::as_str) {
        text.push_str(&format!(" ({format})"));
    }
    text
}

/// An enum value as written in the report: strings bare, anything else as JSON.
fn enum_value(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Compact JSON of a keyword's value for the report, cut at 80 characters; `-` when absent.
pub(super) fn compact(value: Option<&Value>) -> String {
    const LIMIT: usize = 80;
    let Some(value) = value else {
        return "-".to_owned();
    };
    // A backtick would end the report's inline code early.
    let text = value.to_string().replace('`', "'");
    if text.chars().count() <= LIMIT {
        text
    } else {
        let cut: String = text.chars().take(LIMIT).collect();
        format!("{cut}…")
    }
}
