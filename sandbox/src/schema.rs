//! Walking JSON alongside the spec's schemas: converting OpenAPI 3.0 schemas to JSON Schema,
//! normalising request bodies the way protojson reads them, and re-encoding responses the way
//! the real service writes them.

use serde_json::{Map, Number, Value};

/// Schemas whose keys stay as the spec spells them even inside a camelCase response.
const KEEP_SPELLING: [&str; 1] = ["CreditBreakdown"];

/// `components.schemas` of the spec, as written (OpenAPI 3.0).
pub(crate) struct Schemas {
    map: Map<String, Value>,
}

/// How a response is re-encoded.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Style {
    /// Every declared key in lowerCamelCase (except inside free-form maps).
    pub camel_case: bool,
    /// 64-bit integers (epoch timestamps included, and the decimal `cost_total`) as JSON
    /// strings.
    pub wide_numbers_as_strings: bool,
}

impl Schemas {
    pub fn new(map: Map<String, Value>) -> Schemas {
        Schemas { map }
    }

    /// Follows `$ref`s to `#/components/schemas/...`.
    pub fn resolve<'a>(&'a self, mut schema: &'a Value) -> &'a Value {
        for _ in 0..16 {
            match ref_name(schema).and_then(|name| self.map.get(name)) {
                Some(target) => schema = target,
                None => break,
            }
        }
        schema
    }

    /// The declared property `key` names, in the spec's spelling: the exact name, or the one
    /// equal to it once both are snake_case (`agentName` finds `agent_name` and vice versa).
    fn property<'a>(
        &'a self,
        properties: &'a Map<String, Value>,
        key: &str,
    ) -> Option<(&'a str, &'a Value)> {
        if let Some((name, schema)) = properties.get_key_value(key) {
            return Some((name, schema));
        }
        let wanted = snake_case(key);
        properties
            .iter()
            .find(|(name, _)| snake_case(name) == wanted)
            .map(|(name, schema)| (name.as_str(), schema))
    }

    /// A request body as protojson reads it: `null` fields are absent (except where the spec
    /// declares the field `nullable`, as `AssignCalcomAccountRequest.calcom_account_id`, whose
    /// `null` unlinks), either spelling of a field name is accepted (renamed to the spec's), and
    /// numbers may be sent as strings.
    pub fn normalize_request(&self, value: Value, schema: Option<&Value>) -> Value {
        let Some(schema) = schema.map(|schema| self.resolve(schema)) else {
            return value;
        };
        match value {
            Value::Object(map) => {
                let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
                    return Value::Object(map); // a free-form map: kept as sent
                };
                let mut out = Map::new();
                for (key, value) in map {
                    match self.property(properties, &key) {
                        // `null` is a value only where the spec says so (`nullable`).
                        Some((name, sub)) if value.is_null() => {
                            if sub.get("nullable").and_then(Value::as_bool) == Some(true) {
                                out.insert(name.to_owned(), Value::Null);
                            }
                        }
                        Some((name, sub)) => {
                            out.insert(name.to_owned(), self.normalize_request(value, Some(sub)));
                        }
                        None if value.is_null() => {}
                        None => {
                            out.insert(key, value);
                        }
                    }
                }
                Value::Object(out)
            }
            Value::Array(items) => {
                let item_schema = schema.get("items");
                Value::Array(
                    items
                        .into_iter()
                        .map(|item| self.normalize_request(item, item_schema))
                        .collect(),
                )
            }
            Value::String(text) => {
                let parsed = match schema.get("type").and_then(Value::as_str) {
                    Some("integer") => text
                        .trim()
                        .parse::<i64>()
                        .ok()
                        .map(Number::from)
                        .or_else(|| text.trim().parse::<u64>().ok().map(Number::from)),
                    Some("number") => text.trim().parse::<f64>().ok().and_then(Number::from_f64),
                    _ => None,
                };
                parsed.map_or(Value::String(text), Value::Number)
            }
            other => other,
        }
    }

    /// A response body re-encoded in `style`; keys are renamed to the spec's spelling first,
    /// so the world may answer in either.
    pub fn encode_response(&self, value: Value, schema: Option<&Value>, style: Style) -> Value {
        let style = match schema.and_then(ref_name) {
            Some(name) if KEEP_SPELLING.contains(&name) => Style {
                camel_case: false,
                ..style
            },
            _ => style,
        };
        let schema = schema.map(|schema| self.resolve(schema));
        match value {
            Value::Object(map) => {
                let properties = schema
                    .and_then(|s| s.get("properties"))
                    .and_then(Value::as_object);
                if schema.is_some() && properties.is_none() {
                    return Value::Object(map); // a free-form map: kept as the world wrote it
                }
                let mut out = Map::new();
                for (key, value) in map {
                    let (name, sub) = match properties.and_then(|p| self.property(p, &key)) {
                        Some((name, sub)) => (name.to_owned(), Some(sub)),
                        None => (key, None),
                    };
                    let snake = snake_case(&name);
                    let value = if sub.is_none() && looks_free_form(&snake) {
                        value
                    } else if sub.is_none() && snake == "meta" && style.wide_numbers_as_strings {
                        stringify_field(self.encode_response(value, None, style), "total")
                    } else {
                        self.encode_response(value, sub, style)
                    };
                    let value = match value {
                        Value::Number(number)
                            if style.wide_numbers_as_strings && snake == "cost_total" =>
                        {
                            Value::String(number.to_string())
                        }
                        value => value,
                    };
                    let key = if style.camel_case {
                        lower_camel_case(&snake)
                    } else {
                        name
                    };
                    out.insert(key, value);
                }
                Value::Object(out)
            }
            Value::Array(items) => {
                let item_schema = schema.and_then(|s| s.get("items"));
                Value::Array(
                    items
                        .into_iter()
                        .map(|item| self.encode_response(item, item_schema, style))
                        .collect(),
                )
            }
            // 64-bit integers, and timestamps sent as epoch integers (knowledge bases).
            Value::Number(number)
                if style.wide_numbers_as_strings
                    && matches!(
                        schema.and_then(|s| s.get("format")).and_then(Value::as_str),
                        Some("int64" | "date-time")
                    ) =>
            {
                Value::String(number.to_string())
            }
            other => other,
        }
    }
}

/// `{"components": {"schemas": ...}}` with every schema converted to JSON Schema, to be merged
/// into each validator's root so `#/components/schemas/...` references resolve.
pub(crate) fn json_schema_components(schemas: &Schemas) -> Value {
    let converted: Map<String, Value> = schemas
        .map
        .iter()
        .map(|(name, schema)| (name.clone(), to_json_schema(schema)))
        .collect();
    serde_json::json!({ "components": { "schemas": converted } })
}

/// An OpenAPI 3.0 schema as JSON Schema 2020-12: `nullable: true` becomes a `null` type (or
/// an `anyOf` with `null` beside a `$ref`). Everything else already means the same.
pub(crate) fn to_json_schema(schema: &Value) -> Value {
    let Some(object) = schema.as_object() else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (keyword, value) in object {
        let converted = match keyword.as_str() {
            "properties" | "patternProperties" | "$defs" => match value.as_object() {
                Some(map) => Value::Object(
                    map.iter()
                        .map(|(name, sub)| (name.clone(), to_json_schema(sub)))
                        .collect(),
                ),
                None => value.clone(),
            },
            "items" | "additionalProperties" | "not" => to_json_schema(value),
            "allOf" | "anyOf" | "oneOf" => match value.as_array() {
                Some(list) => Value::Array(list.iter().map(to_json_schema).collect()),
                None => value.clone(),
            },
            "nullable" => continue,
            _ => value.clone(),
        };
        out.insert(keyword.clone(), converted);
    }
    if object.get("nullable").and_then(Value::as_bool) == Some(true) {
        if let Some(Value::String(kind)) = out.get("type").cloned() {
            out.insert("type".into(), serde_json::json!([kind, "null"]));
            if let Some(Value::Array(values)) = out.get_mut("enum") {
                values.push(Value::Null);
            }
        } else if let Some(reference) = out.remove("$ref") {
            out.insert(
                "anyOf".into(),
                serde_json::json!([{ "$ref": reference }, { "type": "null" }]),
            );
        }
    }
    Value::Object(out)
}

/// The schema name a `$ref` points at.
fn ref_name(schema: &Value) -> Option<&str> {
    schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|reference| reference.strip_prefix("#/components/schemas/"))
}

/// Undeclared keys whose values are maps of the caller's own keys, never renamed.
fn looks_free_form(snake: &str) -> bool {
    snake.ends_with("metadata")
        || snake.ends_with("variables")
        || snake.ends_with("_result")
        || snake == "custom_fields"
        || snake == "credit_breakdown"
}

fn stringify_field(value: Value, field: &str) -> Value {
    match value {
        Value::Object(mut map) => {
            if let Some(Value::Number(number)) = map.get(field) {
                let text = number.to_string();
                map.insert(field.to_owned(), Value::String(text));
            }
            Value::Object(map)
        }
        other => other,
    }
}

/// `agentName` → `agent_name`; `s2sModel` → `s2s_model`; snake_case stays.
pub(crate) fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `agent_name` → `agentName`, as protoc derives a field's JSON name.
pub(crate) fn lower_camel_case(name: &str) -> String {
    heck::ToLowerCamelCase::to_lower_camel_case(name)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn schemas() -> Schemas {
        let map = json!({
            "Agent": {"type": "object", "properties": {
                "agent_name": {"type": "string"},
                "temperature": {"type": "number"},
                "max_call_duration_ms": {"type": "integer", "format": "int32"},
                "metadata": {"type": "object"},
                "credit_breakdown": {"$ref": "#/components/schemas/CreditBreakdown"},
                "tags": {"type": "array", "items": {"type": "string"}},
                "voice_id": {"type": "string", "nullable": true},
                "created_at": {"type": "string", "format": "date-time"}
            }},
            "CreditBreakdown": {"type": "object", "properties": {"total_credits": {"type": "number"}}},
            "List": {"type": "object", "properties": {
                "data": {"type": "array", "items": {"$ref": "#/components/schemas/Agent"}},
                "meta": {"type": "object", "properties": {"total": {"type": "integer", "format": "int64"}}}
            }}
        });
        Schemas::new(map.as_object().unwrap().clone())
    }

    #[test]
    fn names() {
        assert_eq!(snake_case("agentName"), "agent_name");
        assert_eq!(snake_case("s2sModel"), "s2s_model");
        assert_eq!(snake_case("agent_name"), "agent_name");
        assert_eq!(lower_camel_case("s2s_model"), "s2sModel");
        assert_eq!(lower_camel_case("organization_id"), "organizationId");
    }

    #[test]
    fn requests_accept_camel_case_strings_and_nulls_only_where_nullable() {
        let schemas = schemas();
        let body = json!({
            "agentName": "Ada", "temperature": "0.5", "maxCallDurationMs": "60000",
            "metadata": {"crmId": "1"}, "tags": null, "voiceId": null, "unknownField": 1
        });
        let out =
            schemas.normalize_request(body, Some(&json!({"$ref": "#/components/schemas/Agent"})));
        assert_eq!(
            out,
            json!({"agent_name": "Ada", "temperature": 0.5, "max_call_duration_ms": 60000,
                   "metadata": {"crmId": "1"}, "voice_id": null, "unknownField": 1})
        );
    }

    #[test]
    fn responses_in_protojson_style() {
        let schemas = schemas();
        let body = json!({
            "data": [{"agent_name": "Ada", "metadata": {"crm_id": "1"},
                      "credit_breakdown": {"total_credits": 1.5}, "cost_total": 0.42,
                      "created_at": 1767225600}],
            "meta": {"total": 2}
        });
        let style = Style {
            camel_case: true,
            wide_numbers_as_strings: true,
        };
        let out = schemas.encode_response(
            body,
            Some(&json!({"$ref": "#/components/schemas/List"})),
            style,
        );
        assert_eq!(
            out,
            json!({
                "data": [{"agentName": "Ada", "metadata": {"crm_id": "1"},
                          "creditBreakdown": {"total_credits": 1.5}, "costTotal": "0.42",
                          "createdAt": "1767225600"}],
                "meta": {"total": "2"}
            })
        );
    }

    #[test]
    fn nullable() {
        assert_eq!(
            to_json_schema(
                &json!({"type": "object", "nullable": true, "properties": {"nullable": {"type": "string"}}})
            ),
            json!({"type": ["object", "null"], "properties": {"nullable": {"type": "string"}}})
        );
    }
}
