//! `openapi.yaml` as JSON, and walking values alongside its schemas: what the wire, lenient and
//! catalog tests share.

use serde_json::{Value, json};

/// The corrected spec the SDK is generated from.
pub struct Document {
    pub root: Value,
}

impl Document {
    pub fn load() -> Document {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml");
        let text = std::fs::read_to_string(path).expect("openapi.yaml is readable");
        let root = serde_saphyr::from_str::<Value>(&text).expect("openapi.yaml is valid YAML");
        Document { root }
    }

    /// Follows local `$ref`s (`#/components/...`, JSON pointers into the document) and the
    /// one-element `allOf` that documents a reference.
    pub fn resolve<'a>(&'a self, mut node: &'a Value) -> &'a Value {
        loop {
            if let Some(reference) = node.get("$ref").and_then(Value::as_str) {
                let pointer = reference
                    .strip_prefix('#')
                    .unwrap_or_else(|| panic!("non-local $ref {reference}"));
                node = self
                    .root
                    .pointer(pointer)
                    .unwrap_or_else(|| panic!("dangling $ref {reference}"));
            } else if let Some([only]) = node
                .get("allOf")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
            {
                node = only;
            } else {
                return node;
            }
        }
    }

    /// `value` with each timestamp `schema` declares (`format: date-time`) rewritten as the SDK
    /// writes it: the SDK reads every form the service sends (epoch integers for knowledge bases,
    /// Go's time text for agents) as one `agni::Timestamp`, which serializes as RFC 3339.
    pub fn canonical_times(&self, schema: &Value, value: &Value) -> Value {
        let schema = self.resolve(schema);
        match value {
            Value::Object(members) => {
                let properties = schema.get("properties").and_then(Value::as_object);
                members
                    .iter()
                    .map(|(key, member)| {
                        let member = match properties.and_then(|p| p.get(key)) {
                            Some(sub) => self.canonical_times(sub, member),
                            None => member.clone(),
                        };
                        (key.clone(), member)
                    })
                    .collect()
            }
            Value::Array(items) => items
                .iter()
                .map(|item| self.canonical_times(&schema["items"], item))
                .collect(),
            Value::String(_) | Value::Number(_) if schema["format"] == "date-time" => {
                serde_json::from_value::<agni::Timestamp>(value.clone())
                    .map(|time| json!(time.to_string()))
                    .unwrap_or_else(|e| panic!("the timestamp {value} does not decode: {e}"))
            }
            _ => value.clone(),
        }
    }
}

/// The JSON equality these tests hold the SDK to. progenitor's types leave out an optional member
/// that is `null`, `{}` or `[]` (`skip_serializing_if`), so a documented example that spells one
/// out can never come back verbatim, although it decodes to the same value. Such members are
/// dropped on both sides before comparing; every other difference counts.
pub fn without_empty_members(value: &Value) -> Value {
    let empty = |value: &Value| match value {
        Value::Null => true,
        Value::Object(members) => members.is_empty(),
        Value::Array(items) => items.is_empty(),
        _ => false,
    };
    match value {
        Value::Object(members) => members
            .iter()
            .filter(|(_, member)| !empty(member))
            .map(|(key, member)| (key.clone(), without_empty_members(member)))
            .collect(),
        Value::Array(items) => items.iter().map(without_empty_members).collect(),
        _ => value.clone(),
    }
}
