//! The syntaxes the catalog writes a field list in, each read into [`Field`]s.

use serde_json::{Map, Value};

use super::entries::{Field, Ty, text};

/// F1: `{name, type, items, properties, enum}`.
pub(super) fn field_object(value: &Value) -> Field {
    let (ty, values) = descriptor(text(value, "type"));
    let mut field = Field::new(text(value, "name"), ty);
    field.values = value
        .get("enum")
        .and_then(Value::as_array)
        .map(|v| {
            v.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or(values);
    let nested = value.get("properties").and_then(Value::as_array);
    field.members = nested.into_iter().flatten().map(field_object).collect();
    // `array<object{title:string,text:string}>`
    if field.members.is_empty() && text(value, "type").contains('{') {
        field.members = braces(text(value, "type"));
    }
    match value.get("items") {
        Some(Value::Object(items)) => {
            let shape = items
                .get("properties")
                .and_then(Value::as_object)
                .unwrap_or(items);
            field.ty = Ty::Array(Box::new(Ty::Object));
            field.members = field_map(shape);
        }
        Some(Value::String(items)) if field.ty == Ty::Array(Box::new(Ty::Unspecified)) => {
            let (item, _) = descriptor(items);
            field.ty = Ty::Array(Box::new(item));
        }
        _ => {}
    }
    field
}

/// A field object or a field string.
pub(super) fn field_any(value: &Value) -> Option<Field> {
    match value {
        Value::Object(_) => Some(field_object(value)),
        Value::String(text) => field_text(text),
        _ => None,
    }
}

/// F2: `name`, `name (type)`, `name (A|B)`, `name {a, b: type}`; `None` for markers.
pub(super) fn field_text(text: &str) -> Option<Field> {
    let text = text.trim();
    if text.starts_with('(') || text.starts_with("...") || text.is_empty() {
        return None;
    }
    let name: String = text
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '?')
        .collect();
    let rest = text[name.len()..].trim();
    let mut field = Field::new(&name, Ty::Unspecified);
    if rest.starts_with('{') {
        field.ty = Ty::Object;
        field.members = braces(rest);
    } else if let Some(inner) = rest.strip_prefix('(').and_then(|r| r.split(')').next()) {
        match inner {
            "object" => field.ty = Ty::Object,
            "boolean" => field.ty = Ty::Boolean,
            "integer" => field.ty = Ty::Integer,
            "number" => field.ty = Ty::Number,
            "string" => field.ty = Ty::String,
            _ if inner.contains('|')
                && inner
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || "_|".contains(c)) =>
            {
                field.ty = Ty::String;
                field.values = inner.split('|').map(str::to_owned).collect();
            }
            _ => {}
        }
    }
    Some(field)
}

/// F3: `{name: descriptor}` (a string, a nested map, or a list holding the item map).
pub(super) fn field_map(map: &Map<String, Value>) -> Vec<Field> {
    map.iter()
        .map(|(name, value)| match value {
            Value::String(text) => {
                let (ty, values) = descriptor(text);
                let mut field = Field::new(name, ty);
                field.values = values;
                if let Some(inner) = text.split_once('{').map(|(_, r)| r) {
                    field.members = braces(&format!("{{{inner}"));
                }
                field
            }
            Value::Object(nested) => {
                let mut field = Field::new(name, Ty::Object);
                field.members = field_map(nested);
                field
            }
            Value::Array(items) => {
                let mut field = Field::new(name, Ty::Array(Box::new(Ty::Object)));
                if let Some(Value::Object(item)) = items.first() {
                    field.members = field_map(item);
                }
                field
            }
            _ => Field::new(name, Ty::Unspecified),
        })
        .collect()
}

/// F4/F2 inside braces: `{a, b:int, c:string[] (note), d{x, y}}`.
pub(super) fn braces(text: &str) -> Vec<Field> {
    let Some(start) = text.find('{') else {
        return Vec::new();
    };
    let mut depth = 0;
    let mut end = text.len();
    for (at, c) in text[start..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    end = start + at;
                    break;
                }
            }
            _ => {}
        }
    }
    split_top(&text[start + 1..end])
        .iter()
        .filter_map(|item| {
            let item = item.trim();
            match item.split_once(':') {
                Some((name, ty)) if !name.contains('{') && !name.contains('(') => {
                    let (ty, values) = descriptor(ty);
                    let mut field = Field::new(name, ty);
                    field.values = values;
                    Some(field)
                }
                _ => field_text(item),
            }
        })
        .collect()
}

/// F5: `snake_case: name*, agent_id*, contact_ids* (string[]), schedule{a, b}`.
pub(super) fn old_syntax_fields(text: &str) -> Vec<Field> {
    let text = text.split_once(':').map_or(text, |(_, rest)| rest);
    split_top(text)
        .iter()
        .filter_map(|item| {
            let item = item.trim().replacen('*', "", 1);
            let mut field = field_text(&item)?;
            if item.contains("string[]") {
                field.ty = Ty::Array(Box::new(Ty::String));
            }
            Some(field)
        })
        .collect()
}

/// Splits at the commas outside braces and parentheses.
pub(super) fn split_top(text: &str) -> Vec<String> {
    let (mut out, mut current, mut depth) = (Vec::new(), String::new(), 0);
    for c in text.chars() {
        match c {
            '{' | '(' | '[' | '<' => depth += 1,
            '}' | ')' | ']' | '>' => depth -= 1,
            ',' if depth == 0 => {
                out.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    out.push(current);
    out.into_iter().filter(|s| !s.trim().is_empty()).collect()
}

/// A type descriptor: `string`, `integer (epoch)`, `T[]`, `array<T>`, `object|null`,
/// `string enum a|b`, `int64`, a model name...; with its enum values, if any.
pub(super) fn descriptor(text: &str) -> (Ty, Vec<String>) {
    let text = text.trim();
    let base: String = text
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '<' || *c == '[')
        .collect();
    let values = text
        .split_once(" enum ")
        .map(|(_, v)| v.split_whitespace().next().unwrap_or_default())
        .map(|v| v.split('|').map(str::to_owned).collect())
        .unwrap_or_default();
    let scalar = |name: &str| match name {
        "string" => Ty::String,
        "integer" | "int" | "int32" | "int64" => Ty::Integer,
        "number" => Ty::Number,
        "boolean" => Ty::Boolean,
        "object" => Ty::Object,
        "array" => Ty::Array(Box::new(Ty::Unspecified)),
        "file" => Ty::File,
        _ => Ty::Unspecified,
    };
    let ty = if let Some(item) = base.strip_prefix("array<") {
        Ty::Array(Box::new(scalar(item.trim_end_matches('>'))))
    } else if let Some(item) = text.split("[]").next().filter(|_| text.contains("[]")) {
        Ty::Array(Box::new(scalar(item.trim())))
    } else {
        scalar(base.trim_end_matches(['<', '[']))
    };
    (ty, values)
}
