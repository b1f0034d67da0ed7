//! The spec side: the operation an entry describes, and request and response bodies built from
//! documented fields in the shape its schemas accept.

use heck::{ToLowerCamelCase, ToSnakeCase};
use serde_json::{Map, Value, json};

use super::{SENTINEL, entries::*};
use crate::{
    support::e164_example,
    wire::{Operation, Spec},
};

/// `/a/{x}/` and `/a/{y}` are the same route: no trailing slash, parameters unnamed.
pub(super) fn route(path: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    for c in path.trim_end_matches('/').chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

/// The operation of `openapi.yaml` an entry describes: same method, and its path (or one of its
/// variants) names the same route.
pub(super) fn operation_for<'a>(
    entry: &Entry,
    operations: &'a [Operation],
) -> Option<&'a Operation> {
    let same_method = |op: &&Operation| op.method.eq_ignore_ascii_case(&entry.method);
    let exact = entry.path.as_deref().and_then(|path| {
        operations
            .iter()
            .filter(same_method)
            .find(|op| op.template == path)
    });
    exact.or_else(|| {
        entry.path.iter().chain(&entry.variants).find_map(|path| {
            operations
                .iter()
                .filter(same_method)
                .find(|op| route(&op.template) == route(path))
        })
    })
}

/// The schema property named `name` in either spelling, with its spec name.
pub(super) fn property<'a>(
    spec: &'a Spec,
    schema: &'a Value,
    name: &str,
) -> Option<(&'a str, &'a Value)> {
    let properties = spec
        .document
        .resolve(schema)
        .get("properties")?
        .as_object()?;
    properties
        .iter()
        .find(|(key, _)| key.as_str() == name || key.to_snake_case() == name.to_snake_case())
        .map(|(key, value)| (key.as_str(), spec.document.resolve(value)))
}

/// The schema at `position` below `schema`.
pub(super) fn schema_at<'a>(
    spec: &'a Spec,
    schema: &'a Value,
    position: &[Step],
) -> Option<&'a Value> {
    let mut at = spec.document.resolve(schema);
    for step in position {
        at = match step {
            Step::Key(key) => property(spec, at, key)?.1,
            Step::Items => spec.document.resolve(at.get("items")?),
        };
    }
    Some(at)
}

/// One of the two ways each body is sent.
#[derive(Clone, Copy, Debug)]
pub(super) enum Variant {
    /// lowerCamelCase names, numbers as numbers, Go's time text.
    Camel,
    /// snake_case names, numbers as strings, RFC 3339.
    Snake,
}

impl Variant {
    pub(super) fn name(self, field: &str) -> String {
        match self {
            Variant::Camel => field.to_lower_camel_case(),
            Variant::Snake => field.to_snake_case(),
        }
    }

    pub(super) fn number(self, number: Value) -> Value {
        match self {
            Variant::Camel => number,
            Variant::Snake => json!(number.to_string()),
        }
    }
}

/// A value of `field`'s documented type that its spec property (if any) accepts.
pub(super) fn value(spec: &Spec, field: &Field, schema: Option<&Value>, variant: Variant) -> Value {
    let spec_type = schema.and_then(|s| s["type"].as_str()).unwrap_or_default();
    let is_time = schema.is_some_and(|s| s["format"] == "date-time");
    let ty = match &field.ty {
        Ty::Unspecified | Ty::Object if !field.members.is_empty() && spec_type == "array" => {
            Ty::Array(Box::new(Ty::Object))
        }
        Ty::Unspecified => match spec_type {
            "integer" => Ty::Integer,
            "number" => Ty::Number,
            "boolean" => Ty::Boolean,
            "array" => Ty::Array(Box::new(Ty::Unspecified)),
            "object" => Ty::Object,
            _ if !field.members.is_empty() => Ty::Object,
            _ => Ty::String,
        },
        other => other.clone(),
    };
    match ty {
        Ty::Array(item) => {
            let item_schema = schema
                .and_then(|s| s.get("items"))
                .map(|i| spec.document.resolve(i));
            let item_field = Field {
                name: field.name.clone(),
                ty: if field.members.is_empty() {
                    *item
                } else {
                    Ty::Object
                },
                members: field.members.clone(),
                values: Vec::new(),
            };
            json!([value(spec, &item_field, item_schema, variant)])
        }
        Ty::Object if !field.members.is_empty() => object(spec, &field.members, schema, variant),
        Ty::Object => match schema.and_then(|s| s.get("properties")) {
            // A typed object the docs show without members: only what it requires.
            Some(_) => required_members(spec, schema, variant),
            None => json!({"key": "value"}),
        },
        Ty::Integer if is_time => variant.number(json!(1_767_225_600)),
        Ty::Integer => variant.number(json!(7)),
        Ty::Number => variant.number(json!(0.5)),
        Ty::Boolean => json!(true),
        Ty::File => json!("file"),
        Ty::String | Ty::Unspecified => {
            let spec_values = schema.and_then(|s| s["enum"].as_array());
            if let Some(value) = field.values.iter().find(|v| !v.is_empty()) {
                json!(value)
            } else if let Some(value) = spec_values.and_then(|v| v.first()) {
                value.clone()
            } else if is_time {
                match variant {
                    Variant::Camel => json!("2026-06-11 10:57:40.229069 +0000 UTC"),
                    Variant::Snake => json!("2026-06-11T10:57:40.229069Z"),
                }
            } else if let Some(number) = schema.and_then(e164_example) {
                number
            } else if matches!(spec_type, "integer" | "number") {
                // Documented as text, typed as a number: protojson's quoted numbers.
                json!("7")
            } else {
                json!(format!("{}-value", field.name))
            }
        }
    }
}

/// An object with the sentinel, the members `schema` requires and `fields` (each named as
/// `variant` spells it).
pub(super) fn object(
    spec: &Spec,
    fields: &[Field],
    schema: Option<&Value>,
    variant: Variant,
) -> Value {
    let mut out = match required_members(spec, schema, variant) {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    for field in fields {
        let sub = schema
            .and_then(|s| property(spec, s, &field.name))
            .map(|(_, s)| s);
        // A required member in the spec's spelling is the same field: one of them only, or the
        // decoder rightly rejects a duplicate.
        out.retain(|key, _| key.to_snake_case() != field.name.to_snake_case());
        out.insert(variant.name(&field.name), value(spec, field, sub, variant));
    }
    Value::Object(out)
}

/// The sentinel and the members `schema` requires (a resource's `id`, an envelope's `data`), so
/// that a body built from one doc version's fields still decodes. The sentinel comes first, so it
/// also heads `extra` if serde_json keeps insertion order (its `preserve_order` feature).
pub(super) fn required_members(spec: &Spec, schema: Option<&Value>, variant: Variant) -> Value {
    let mut out = Map::new();
    out.insert(SENTINEL.into(), json!(true));
    let Some(schema) = schema.map(|s| spec.document.resolve(s)) else {
        return Value::Object(out);
    };
    for name in schema["required"].as_array().into_iter().flatten() {
        let Some(name) = name.as_str() else { continue };
        let sub = property(spec, schema, name).map(|(_, s)| s);
        let field = Field::new(name, Ty::Unspecified);
        out.insert(name.to_owned(), value(spec, &field, sub, variant));
    }
    Value::Object(out)
}

/// The response body for `payload`: the fields at their position, the envelope around them.
pub(super) fn response_body(
    spec: &Spec,
    schema: &Value,
    payload: &Payload,
    variant: Variant,
) -> Value {
    let mut steps = payload.position.clone();
    let mut inner = object(
        spec,
        &payload.fields,
        schema_at(spec, schema, &steps),
        variant,
    );
    while let Some(step) = steps.pop() {
        let parent = schema_at(spec, schema, &steps);
        inner = match step {
            Step::Items => json!([inner]),
            Step::Key(key) => {
                let mut around = match required_members(spec, parent, variant) {
                    Value::Object(map) => map,
                    _ => Map::new(),
                };
                around.insert(key, inner);
                Value::Object(around)
            }
        };
    }
    inner
}
