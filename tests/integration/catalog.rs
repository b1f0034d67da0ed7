//! The catalog test: every field the live docs document (`spec/live-docs-fields.json`, the
//! field-level catalog of the three doc generations and of what public integrations call) has a
//! typed home in the SDK.
//!
//! The catalog is walked generically (see [`entries`]): whatever shape an entry uses to list its
//! fields (field objects, `name (type)` strings, name-to-type maps, inline `{a, b:int}` prose, the
//! `*`-marked old-version syntax), it becomes a list of [`Field`]s per doc version, placed at
//! the payload position the entry's envelope names (`data`, `data[]`, `data.appointments[]`...).
//! Each entry maps to an operation of `openapi.yaml` by method and path (the trailing slash and
//! parameter names aside); then, through the SDK on a loopback mock and the wire test's rows:
//! - every response field list becomes bodies with every documented field, in lowerCamelCase with
//!   numbers as numbers and in snake_case with numbers as strings, arrays and nested objects where
//!   documented, timestamps in Go's and in RFC 3339 form; the operation decodes each, and each
//!   documented field must come back as a typed field: present under its spec name and not in
//!   `extra`;
//! - every request field list becomes a body the request type must carry: each field again as a
//!   typed field of what the SDK sends;
//! - every documented parameter is declared by the operation.
//!
//! Typed or `extra` is told apart by position: every object built here also carries
//! [`SENTINEL`], a key no schema declares, which therefore lands in `extra`; a struct serializes
//! its typed fields first and `extra` (a sorted map, where `!` sorts first) last, so a field
//! serialized after the sentinel came from `extra`.
//!
//! Anything the SDK deliberately does not model is in [`ALLOWED`], each entry with its reason;
//! `cargo test catalog -- --nocapture` prints the list.

use std::{
    collections::BTreeSet,
    fmt,
    sync::{Arc, Mutex},
};

use heck::{ToLowerCamelCase, ToSnakeCase};
use httpmock::MockServer;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value, json};

use crate::wire::{Case, Operation, Spec, cases, client};

/// A key no schema declares: it lands in `extra`, which serializes after every typed field.
const SENTINEL: &str = "!catalog-sentinel";

/// What the catalog documents that the SDK deliberately does not model. `version` and `field` may
/// be `*` (any); a `field` names a parameter, a request field or a response field path
/// (`data.id`, `data[].name`).
struct Allowed {
    operation: &'static str,
    version: &'static str,
    field: &'static str,
    why: &'static str,
}

/// Why three deletes keep answering `()`.
const DELETE_WITHOUT_BODY: &str = "deletes may answer with no body at all (QUIRKS.md), so the \
    SDK reads none and returns `()`; a `success: false` envelope still becomes `Error::Api`, so \
    the documented `{success, message}` adds nothing to the 2xx status";

const ALLOWED: &[Allowed] = &[
    Allowed {
        operation: "CalcomOAuthConnect",
        version: "*",
        field: "*",
        why: "removed upstream: the Cal.com OAuth flow is gone from the current API",
    },
    Allowed {
        operation: "CalcomOAuthCallback",
        version: "*",
        field: "*",
        why: "removed upstream: the Cal.com OAuth flow is gone from the current API",
    },
    Allowed {
        operation: "GetAgentCalcomAccount",
        version: "*",
        field: "*",
        why: "its path was never captured (\"INFERRED - not captured\"); GetAgentCalcomInfo returns \
              the same fields",
    },
    Allowed {
        operation: "ConnectAgentCalcom",
        version: "*",
        field: "*",
        why: "its path was never captured (\"UNKNOWN\")",
    },
    Allowed {
        operation: "DeleteCampaign",
        version: "*",
        field: "*",
        why: DELETE_WITHOUT_BODY,
    },
    Allowed {
        operation: "DeleteContact",
        version: "*",
        field: "*",
        why: DELETE_WITHOUT_BODY,
    },
    Allowed {
        operation: "RemoveCampaignContact",
        version: "*",
        field: "*",
        why: DELETE_WITHOUT_BODY,
    },
    Allowed {
        operation: "ListCallSessions",
        version: "response.OLD_schema",
        field: "*",
        why: "superseded shape: older docs list sessions as a flat `data[]`; the current API, its \
              docs and public code use `data.callSessions[]` (the same fields, which are typed)",
    },
    Allowed {
        operation: "GetCalcomAppointment",
        version: "*",
        field: "appointment_id",
        why: "the same path segment as the spec's `{id}`; the spec's name is kept, so callers' \
              `.id(..)` keeps working",
    },
    Allowed {
        operation: "AddKnowledgeBaseSources",
        version: "request_body.multipart_properties",
        field: "file",
        why: "the multipart upload, which progenitor cannot generate; \
              `Client::upload_knowledge_file` sends it",
    },
];

impl Allowed {
    fn covers(&self, operation: &str, version: &str, field: &str) -> bool {
        self.operation == operation
            && (self.version == "*" || self.version == version)
            && (self.field == "*" || self.field == field)
    }
}

fn allowed(operation: &str, version: &str, field: &str) -> bool {
    ALLOWED.iter().any(|a| a.covers(operation, version, field))
}

// ---------------------------------------------------------------------------------------------
// The catalog, read generically.
// ---------------------------------------------------------------------------------------------

/// A type as the catalog gives it.
#[derive(Clone, Debug, PartialEq)]
enum Ty {
    String,
    Integer,
    Number,
    Boolean,
    Object,
    Array(Box<Ty>),
    File,
    /// Not stated: the spec's type decides what to send.
    Unspecified,
}

/// One documented field.
#[derive(Clone, Debug)]
struct Field {
    name: String,
    ty: Ty,
    /// The members of an object, or of the objects of an array.
    members: Vec<Field>,
    /// Documented values, for enums.
    values: Vec<String>,
}

impl Field {
    fn new(name: &str, ty: Ty) -> Field {
        Field {
            name: name.trim().trim_end_matches('?').to_owned(),
            ty,
            members: Vec::new(),
            values: Vec::new(),
        }
    }
}

/// Where a payload sits in the response body.
#[derive(Clone, Debug, PartialEq)]
enum Step {
    Key(String),
    Items,
}

/// The fields of one doc version, at one position.
#[derive(Clone, Debug)]
struct Payload {
    version: String,
    position: Vec<Step>,
    fields: Vec<Field>,
}

/// One operation of the catalog.
#[derive(Debug)]
struct Entry {
    operation: String,
    method: String,
    /// The path, if the catalog captured one.
    path: Option<String>,
    variants: Vec<String>,
    params: Vec<String>,
    requests: Vec<Payload>,
    responses: Vec<Payload>,
}

fn load_catalog() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/spec/live-docs-fields.json");
    let text = std::fs::read_to_string(path).expect("spec/live-docs-fields.json is readable");
    serde_json::from_str(&text).expect("the catalog is JSON")
}

/// Every entry of the catalog.
fn entries(catalog: &Value) -> Vec<Entry> {
    let raw = catalog["endpoints"].as_array().expect("endpoints");
    let models = models(raw);
    raw.iter()
        .map(|entry| read_entry(entry, raw, &models))
        .collect()
}

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn read_entry(entry: &Value, all: &[Value], models: &[(String, String, Vec<Field>)]) -> Entry {
    let operation = text(entry, "operationId").to_owned();
    let path = Some(text(entry, "path"))
        .filter(|p| p.starts_with('/') && !p.contains(' '))
        .map(str::to_owned);
    let variants = entry
        .get("path_variants")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|v| text(v, "value"))
        .filter(|p| p.starts_with('/') && !p.contains(' '))
        .map(str::to_owned)
        .collect();
    let params = ["path_params", "query_params"]
        .iter()
        .flat_map(|key| entry[*key].as_array().into_iter().flatten())
        .map(|p| text(p, "name").to_owned())
        .filter(|name| !name.is_empty() && !name.starts_with('('))
        .collect();
    let by_id = |id: &str| all.iter().find(|e| text(e, "operationId") == id);
    Entry {
        method: text(entry, "method").to_owned(),
        requests: requests(entry, by_id("CreateAgent")),
        responses: match entry.get("response_schema") {
            Some(schema) => style_a_responses(&operation, schema, by_id("GetAgent")),
            None => style_b_responses(&entry["response"], models),
        },
        operation,
        path,
        variants,
        params,
    }
}

/// The request field lists: `properties` and its kin, the prose "same as Create Agent v3", and
/// the old-version mini-syntax.
fn requests(entry: &Value, create_agent: Option<&Value>) -> Vec<Payload> {
    let body = &entry["request_body"];
    let Some(members) = body.as_object() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, value) in members {
        if let Some(list) = value.as_array().filter(|l| l.iter().all(Value::is_object)) {
            out.push(request(key, list.iter().map(f1).collect()));
        }
    }
    // "Same field set as Create Agent v3 (...)".
    if body["schema_v3_camelCase"].is_string()
        && let Some(list) =
            create_agent.and_then(|e| e["request_body"]["schema_v3_current_camelCase"].as_array())
    {
        out.push(request(
            "request_body.schema_v3_camelCase",
            list.iter().map(f1).collect(),
        ));
    }
    if let Some(old) = body["old_version_properties"].as_str() {
        out.push(request("request_body.old_version_properties", f5(old)));
    }
    out
}

fn request(key: &str, fields: Vec<Field>) -> Payload {
    let version = if key.starts_with("request_body.") {
        key.to_owned()
    } else {
        format!("request_body.{key}")
    };
    Payload {
        version,
        position: Vec::new(),
        fields,
    }
}

/// Style A entries (`response_schema`): the envelope string gives the position, each list is
/// one doc version.
fn style_a_responses(operation: &str, schema: &Value, get_agent: Option<&Value>) -> Vec<Payload> {
    let envelope = text(schema, "envelope");
    let (position, siblings) = envelope_position(envelope);
    let mut out = Vec::new();
    if !siblings.is_empty() {
        out.push(Payload {
            version: "response_schema.envelope".to_owned(),
            position: vec![Step::Key("data".into())],
            fields: siblings,
        });
    }
    if let Some(meta) = schema.get("meta").and_then(Value::as_object) {
        out.push(meta_payload(meta));
    }
    let lists: Vec<(&str, &Value)> = match operation {
        // "UpdateAgent response_schema has only envelope+notes": the agent GetAgent documents.
        "UpdateAgent" => get_agent
            .and_then(|e| e["response_schema"].as_object())
            .into_iter()
            .flat_map(|m| m.iter().map(|(k, v)| (k.as_str(), v)))
            .collect(),
        _ => schema
            .as_object()
            .into_iter()
            .flat_map(|m| m.iter().map(|(k, v)| (k.as_str(), v)))
            .collect(),
    };
    for (key, value) in lists {
        let Some(list) = value.as_array() else {
            continue;
        };
        if key == "errors" {
            continue;
        }
        let fields = list.iter().filter_map(field_any).collect();
        out.push(Payload {
            version: format!("response_schema.{key}"),
            position: position.clone(),
            fields,
        });
    }
    if operation == "UpdateAgentStatus" {
        // Three prose answers: a full snake_case agent, `{id, status}`, and `data: null`.
        let md = text(schema, "v3_md");
        let after = md.split(" with ").nth(1).unwrap_or_default();
        let fields = split_top(after).iter().filter_map(|s| f2(s)).collect();
        let data = vec![Step::Key("data".into())];
        out.push(Payload {
            version: "response_schema.v3_md".into(),
            position: data.clone(),
            fields,
        });
        out.push(Payload {
            version: "response_schema.v3_example".into(),
            position: data,
            fields: braces(text(schema, "v3_example")),
        });
    }
    out
}

/// Where a style A envelope puts its payload, and the fields documented beside it.
fn envelope_position(envelope: &str) -> (Vec<Step>, Vec<Field>) {
    let data = || Step::Key("data".into());
    let inside = envelope
        .split_once("data")
        .map(|(_, rest)| rest)
        .unwrap_or_default();
    for list in ["appointments", "calendars"] {
        if inside.contains(list) {
            let siblings = braces(inside)
                .into_iter()
                .filter(|f| f.name != list)
                .map(|f| {
                    let ty = if f.name == "count" {
                        Ty::Integer
                    } else {
                        Ty::String
                    };
                    Field::new(&f.name, ty)
                })
                .collect();
            return (vec![data(), Step::Key(list.into()), Step::Items], siblings);
        }
    }
    if inside.contains("appointment:") {
        let siblings = braces(inside)
            .into_iter()
            .filter(|f| f.name != "appointment")
            .map(|f| Field::new(&f.name, Ty::String))
            .collect();
        return (vec![data(), Step::Key("appointment".into())], siblings);
    }
    if inside.contains("[]") {
        return (vec![data(), Step::Items], Vec::new());
    }
    (vec![data()], Vec::new())
}

fn meta_payload(meta: &Map<String, Value>) -> Payload {
    let mut field = Field::new("meta", Ty::Object);
    field.members = f3(meta);
    Payload {
        version: "envelope.meta".into(),
        position: Vec::new(),
        fields: vec![field],
    }
}

/// The models style B entries name (`Campaign`, `Contact`, `CampaignContact`), per doc version:
/// `(name, version, fields)`.
fn models(all: &[Value]) -> Vec<(String, String, Vec<Field>)> {
    let mut out = Vec::new();
    for entry in all {
        let Some(response) = entry["response"].as_object() else {
            continue;
        };
        for (key, value) in response {
            let Some(map) = value.as_object() else {
                continue;
            };
            let (name, version) = match key.as_str() {
                "campaign_new" | "campaign_item_new" => ("Campaign", "v3"),
                "campaign_old" | "campaign_item_old" => ("Campaign", "v1_v2"),
                "Contact" | "CampaignContact" => (key.as_str(), "current"),
                _ => continue,
            };
            if !out.iter().any(|(n, v, _)| n == name && v == version) {
                out.push((name.to_owned(), version.to_owned(), f3(map)));
            }
        }
    }
    out
}

/// Style B entries (`response`): envelopes as maps or prose, and data schemas per version.
fn style_b_responses(response: &Value, models: &[(String, String, Vec<Field>)]) -> Vec<Payload> {
    let mut out = Vec::new();
    let data = || vec![Step::Key("data".into())];
    for (key, version) in [
        ("schema", "response.schema"),
        ("NEW_schema", "response.NEW_schema"),
        ("OLD_schema", "response.OLD_schema"),
    ] {
        match response.get(key) {
            Some(Value::Object(envelope)) => {
                out.extend(envelope_payloads(envelope, version, models))
            }
            Some(Value::String(prose)) => out.extend(prose_payloads(prose, version, models)),
            _ => {}
        }
    }
    for (key, version) in [
        ("NEW_data_schema", "response.NEW_data_schema"),
        ("OLD_data_schema", "response.OLD_data_schema"),
        ("data_schema", "response.data_schema"),
    ] {
        if let Some(map) = response.get(key).and_then(Value::as_object) {
            out.push(Payload {
                version: version.into(),
                position: data(),
                fields: f3(map),
            });
        }
    }
    if let Some(list) = response["OLD_data_example_fields"].as_array() {
        let fields = list
            .iter()
            .filter_map(|f| f.as_str().and_then(f2))
            .collect();
        out.push(Payload {
            version: "response.OLD_data_example_fields".into(),
            position: data(),
            fields,
        });
    }
    if let Some(list) = response["OLD_example_item_keys"].as_array() {
        let fields = list
            .iter()
            .filter_map(|f| f.as_str().and_then(f2))
            .collect();
        out.push(Payload {
            version: "response.OLD_example_item_keys".into(),
            position: vec![
                Step::Key("data".into()),
                Step::Key("results".into()),
                Step::Items,
            ],
            fields,
        });
    }
    out
}

/// An envelope given as a map: `data` as a map, a list holding the item shape, a one-key map of
/// such a list, or a model name; everything else (`success`, `added_count`, `meta`) at the top.
fn envelope_payloads(
    envelope: &Map<String, Value>,
    version: &str,
    models: &[(String, String, Vec<Field>)],
) -> Vec<Payload> {
    let mut out = Vec::new();
    let data = Step::Key("data".into());
    let mut top = Map::new();
    for (key, value) in envelope {
        match (key.as_str(), value) {
            ("meta", Value::Object(meta)) => out.push(meta_payload(meta)),
            ("data", Value::Object(map)) => match single_list(map) {
                Some((list, item)) => out.push(Payload {
                    version: version.into(),
                    position: vec![data.clone(), Step::Key(list.into()), Step::Items],
                    fields: f3(item),
                }),
                None => out.push(Payload {
                    version: version.into(),
                    position: vec![data.clone()],
                    fields: f3(map),
                }),
            },
            ("data", Value::Array(items)) => {
                if let Some(Value::Object(item)) = items.first() {
                    out.push(Payload {
                        version: version.into(),
                        position: vec![data.clone(), Step::Items],
                        fields: f3(item),
                    });
                }
            }
            ("data", Value::String(named)) => {
                out.extend(model_payloads(named, vec![data.clone()], models))
            }
            _ => {
                top.insert(key.clone(), value.clone());
            }
        }
    }
    let has_data = envelope.contains_key("data");
    let top_fields: Vec<Field> = f3(&top)
        .into_iter()
        // Beside a payload, `success` and `message` are the envelope every answer has.
        .filter(|f| !has_data || !matches!(f.name.as_str(), "success" | "message"))
        .collect();
    if !top_fields.is_empty() {
        out.push(Payload {
            version: version.into(),
            position: Vec::new(),
            fields: top_fields,
        });
    }
    out
}

/// `{"callSessions": [ {..} ]}`: the list's name and its item shape.
fn single_list(map: &Map<String, Value>) -> Option<(&str, &Map<String, Value>)> {
    let (key, Value::Array(items)) = map.iter().next()? else {
        return None;
    };
    let Some(Value::Object(item)) = items.first() else {
        return None;
    };
    (map.len() == 1).then_some((key.as_str(), item))
}

/// The payloads of a model named in prose: `array<Campaign>`, `Campaign (status set to ..)`,
/// `Contact[]`.
fn model_payloads(
    named: &str,
    mut position: Vec<Step>,
    models: &[(String, String, Vec<Field>)],
) -> Vec<Payload> {
    let list = named.starts_with("array<") || named.contains("[]");
    let name: String = named
        .trim_start_matches("array<")
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    if list {
        position.push(Step::Items);
    }
    models
        .iter()
        .filter(|(model, _, _)| *model == name)
        .map(|(_, version, fields)| Payload {
            version: format!("model.{name}.{version}"),
            position: position.clone(),
            fields: fields.clone(),
        })
        .collect()
}

/// A style B `schema` written in prose: `ContactResponse {.., data: Contact}`,
/// `data{id, first_name, total_calls:int}`, `data: array of {..}`, or a bare response name.
fn prose_payloads(
    prose: &str,
    version: &str,
    models: &[(String, String, Vec<Field>)],
) -> Vec<Payload> {
    let data = Step::Key("data".into());
    if let Some(at) = prose.find("data") {
        let rest = &prose[at + "data".len()..];
        let rest = rest.trim_start_matches([':', ' ']);
        if let Some(items) = rest.strip_prefix("array of") {
            return vec![Payload {
                version: version.into(),
                position: vec![data, Step::Items],
                fields: braces(items),
            }];
        }
        if rest.starts_with('{') {
            return vec![Payload {
                version: version.into(),
                position: vec![data],
                fields: braces(rest),
            }];
        }
        return model_payloads(rest, vec![data], models);
    }
    // A bare response name (`ContactResponse`) wraps the model of the same name.
    let model = prose.trim().trim_end_matches("Response");
    model_payloads(model, vec![data], models)
}

/// F1: `{name, type, items, properties, enum}`.
fn f1(value: &Value) -> Field {
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
    field.members = nested.into_iter().flatten().map(f1).collect();
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
            field.members = f3(shape);
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
fn field_any(value: &Value) -> Option<Field> {
    match value {
        Value::Object(_) => Some(f1(value)),
        Value::String(text) => f2(text),
        _ => None,
    }
}

/// F2: `name`, `name (type)`, `name (A|B)`, `name {a, b: type}`; `None` for markers.
fn f2(text: &str) -> Option<Field> {
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
fn f3(map: &Map<String, Value>) -> Vec<Field> {
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
                field.members = f3(nested);
                field
            }
            Value::Array(items) => {
                let mut field = Field::new(name, Ty::Array(Box::new(Ty::Object)));
                if let Some(Value::Object(item)) = items.first() {
                    field.members = f3(item);
                }
                field
            }
            _ => Field::new(name, Ty::Unspecified),
        })
        .collect()
}

/// F4/F2 inside braces: `{a, b:int, c:string[] (note), d{x, y}}`.
fn braces(text: &str) -> Vec<Field> {
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
                _ => f2(item),
            }
        })
        .collect()
}

/// F5: `snake_case: name*, agent_id*, contact_ids* (string[]), schedule{a, b}`.
fn f5(text: &str) -> Vec<Field> {
    let text = text.split_once(':').map_or(text, |(_, rest)| rest);
    split_top(text)
        .iter()
        .filter_map(|item| {
            let item = item.trim().replacen('*', "", 1);
            let mut field = f2(&item)?;
            if item.contains("string[]") {
                field.ty = Ty::Array(Box::new(Ty::String));
            }
            Some(field)
        })
        .collect()
}

/// Splits at the commas outside braces and parentheses.
fn split_top(text: &str) -> Vec<String> {
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
fn descriptor(text: &str) -> (Ty, Vec<String>) {
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

// ---------------------------------------------------------------------------------------------
// The spec side.
// ---------------------------------------------------------------------------------------------

/// `/a/{x}/` and `/a/{y}` are the same route: no trailing slash, parameters unnamed.
fn route(path: &str) -> String {
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
fn operation_for<'a>(entry: &Entry, operations: &'a [Operation]) -> Option<&'a Operation> {
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
fn property<'a>(spec: &'a Spec, schema: &'a Value, name: &str) -> Option<(&'a str, &'a Value)> {
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
fn schema_at<'a>(spec: &'a Spec, schema: &'a Value, position: &[Step]) -> Option<&'a Value> {
    let mut at = spec.document.resolve(schema);
    for step in position {
        at = match step {
            Step::Key(key) => property(spec, at, key)?.1,
            Step::Items => spec.document.resolve(at.get("items")?),
        };
    }
    Some(at)
}

// ---------------------------------------------------------------------------------------------
// Bodies built from the fields.
// ---------------------------------------------------------------------------------------------

/// One of the two ways each body is sent.
#[derive(Clone, Copy, Debug)]
enum Variant {
    /// lowerCamelCase names, numbers as numbers, Go's time text.
    Camel,
    /// snake_case names, numbers as strings, RFC 3339.
    Snake,
}

impl Variant {
    fn name(self, field: &str) -> String {
        match self {
            Variant::Camel => field.to_lower_camel_case(),
            Variant::Snake => field.to_snake_case(),
        }
    }

    fn number(self, number: Value) -> Value {
        match self {
            Variant::Camel => number,
            Variant::Snake => json!(number.to_string()),
        }
    }
}

/// A value of `field`'s documented type that its spec property (if any) accepts.
fn value(spec: &Spec, field: &Field, schema: Option<&Value>, variant: Variant) -> Value {
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
fn object(spec: &Spec, fields: &[Field], schema: Option<&Value>, variant: Variant) -> Value {
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
fn required_members(spec: &Spec, schema: Option<&Value>, variant: Variant) -> Value {
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
fn response_body(spec: &Spec, schema: &Value, payload: &Payload, variant: Variant) -> Value {
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

// ---------------------------------------------------------------------------------------------
// Reading the SDK's answer in the order it wrote it.
// ---------------------------------------------------------------------------------------------

/// JSON with each object's members in the order they were written.
#[derive(Debug)]
enum Ordered {
    Object(Vec<(String, Ordered)>),
    Array(Vec<Ordered>),
    Scalar,
}

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Ordered, D::Error> {
        deserializer.deserialize_any(OrderedVisitor)
    }
}

struct OrderedVisitor;

impl<'de> Visitor<'de> for OrderedVisitor {
    type Value = Ordered;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JSON")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ordered, A::Error> {
        let mut members = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Ordered>()? {
            members.push((key, value));
        }
        Ok(Ordered::Object(members))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Ordered, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Ordered>()? {
            items.push(item);
        }
        Ok(Ordered::Array(items))
    }

    fn visit_bool<E>(self, _: bool) -> Result<Ordered, E> {
        Ok(Ordered::Scalar)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Ordered, E> {
        Ok(Ordered::Scalar)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Ordered, E> {
        Ok(Ordered::Scalar)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Ordered, E> {
        Ok(Ordered::Scalar)
    }
    fn visit_str<E>(self, _: &str) -> Result<Ordered, E> {
        Ok(Ordered::Scalar)
    }
    fn visit_unit<E>(self) -> Result<Ordered, E> {
        Ok(Ordered::Scalar)
    }
}

impl Ordered {
    /// The member `key` if it was written before the sentinel (a typed field), `Err` with why
    /// not otherwise.
    fn typed(&self, key: &str) -> Result<&Ordered, &'static str> {
        let Ordered::Object(members) = self else {
            return Err("its parent is not an object");
        };
        for (name, value) in members {
            if name == SENTINEL {
                break;
            }
            if name == key {
                return Ok(value);
            }
        }
        if members.iter().any(|(name, _)| name == key) {
            Err("it landed in `extra`")
        } else {
            Err("it is missing once decoded")
        }
    }

    /// The first element, through arrays.
    fn first(&self) -> Option<&Ordered> {
        match self {
            Ordered::Array(items) => items.first(),
            other => Some(other),
        }
    }
}

/// Checks that every field in `fields` is a typed member of `at`, recursing into the members the
/// catalog documents; collects `path: why` failures and returns how many fields it checked.
fn check_fields(
    spec: &Spec,
    at: &Ordered,
    schema: Option<&Value>,
    fields: &[Field],
    path: &str,
    failures: &mut Vec<(String, String)>,
) -> usize {
    let mut checked = 0;
    for field in fields {
        checked += 1;
        let here = format!("{path}{}", field.name);
        let Some((name, sub)) = schema.and_then(|s| property(spec, s, &field.name)) else {
            failures.push((here, "no property in openapi.yaml (no home)".into()));
            continue;
        };
        match at.typed(name) {
            Ok(value) => {
                if !field.members.is_empty() {
                    let item_schema = sub.get("items").map(|i| spec.document.resolve(i));
                    let (inner, inner_schema, suffix) = match sub["type"].as_str() {
                        Some("array") => (value.first(), item_schema, "[]."),
                        _ => (Some(value), Some(sub), "."),
                    };
                    if let Some(inner) = inner {
                        checked += check_fields(
                            spec,
                            inner,
                            inner_schema,
                            &field.members,
                            &format!("{here}{suffix}"),
                            failures,
                        );
                    }
                }
            }
            Err(why) => failures.push((here, why.into())),
        }
    }
    checked
}

/// Walks `position` in the SDK's answer.
fn navigate<'a>(mut at: &'a Ordered, position: &[Step]) -> Result<&'a Ordered, String> {
    for step in position {
        at = match step {
            Step::Key(key) => at.typed(key).map_err(|why| format!("`{key}`: {why}"))?,
            Step::Items => at.first().ok_or("an empty list")?,
        };
    }
    Ok(at)
}

fn position_text(position: &[Step]) -> String {
    let mut out = String::new();
    for step in position {
        match step {
            Step::Key(key) if out.is_empty() => out.push_str(key),
            Step::Key(key) => {
                out.push('.');
                out.push_str(key);
            }
            Step::Items => out.push_str("[]"),
        }
    }
    if out.is_empty() { "top".into() } else { out }
}

// ---------------------------------------------------------------------------------------------
// The tests.
// ---------------------------------------------------------------------------------------------

struct Context {
    spec: Spec,
    operations: Vec<Operation>,
    cases: Vec<Case>,
    entries: Vec<Entry>,
}

impl Context {
    fn new() -> Context {
        let spec = Spec::load();
        let operations = spec.operations();
        Context {
            spec,
            operations,
            cases: cases(),
            entries: entries(&load_catalog()),
        }
    }
}

fn print_allowed() {
    println!("Catalog entries deliberately left out ({}):", ALLOWED.len());
    for a in ALLOWED {
        println!("  {} [{}] {}: {}", a.operation, a.version, a.field, a.why);
    }
}

#[test]
fn the_walk_reads_every_entry() {
    let context = Context::new();
    assert_eq!(context.entries.len(), 102, "catalog entries");
    let count = |payloads: &[Payload]| {
        fn fields(list: &[Field]) -> usize {
            list.iter().map(|f| 1 + fields(&f.members)).sum()
        }
        payloads.iter().map(|p| fields(&p.fields)).sum::<usize>()
    };
    let requests: usize = context.entries.iter().map(|e| count(&e.requests)).sum();
    let responses: usize = context.entries.iter().map(|e| count(&e.responses)).sum();
    println!("catalog: {requests} request field paths, {responses} response field paths");
    // The walk must not silently skip a shape: these are the totals of every list it reads.
    assert!(requests >= 320, "request field paths: {requests}");
    assert!(responses >= 1300, "response field paths: {responses}");
    let agent = context
        .entries
        .iter()
        .find(|e| e.operation == "CreateAgent")
        .expect("CreateAgent");
    let v3 = agent
        .requests
        .iter()
        .find(|p| p.version.contains("v3"))
        .expect("the v3 request");
    assert_eq!(v3.fields.len(), 33);
    assert!(v3.fields.iter().any(|f| f.name == "prompt"));
}

#[test]
fn every_catalog_operation_is_in_the_spec_or_allowed() {
    print_allowed();
    let context = Context::new();
    let mut missing = Vec::new();
    for entry in &context.entries {
        if operation_for(entry, &context.operations).is_none()
            && !allowed(&entry.operation, "*", "*")
        {
            missing.push(format!(
                "{} {} {:?}",
                entry.operation, entry.method, entry.path
            ));
        }
    }
    assert!(
        missing.is_empty(),
        "catalog operations without an operation: {missing:#?}"
    );
    assert_eq!(context.operations.len(), 98, "operations in openapi.yaml");
}

#[test]
fn every_documented_parameter_is_declared() {
    let context = Context::new();
    let mut failures = Vec::new();
    for entry in &context.entries {
        let Some(op) = operation_for(entry, &context.operations) else {
            continue;
        };
        let declared = op.parameter_names();
        for param in &entry.params {
            let known = declared
                .iter()
                .any(|d| d == param || d.to_snake_case() == param.to_snake_case());
            if !known && !allowed(&entry.operation, "*", param) {
                failures.push(format!("{}: parameter {param}", entry.operation));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "undeclared parameters:\n  {}",
        failures.join("\n  ")
    );
}

/// Serves `body` for `op` on `server` and calls the operation; returns the SDK's answer and the
/// request body it sent.
async fn exchange(
    server: &MockServer,
    context: &Context,
    op: &Operation,
    body: &Value,
) -> Result<(String, Option<String>), String> {
    let case = context
        .cases
        .iter()
        .find(|c| c.op == op.id)
        .ok_or_else(|| format!("the wire test has no row for {}", op.id))?;
    server.reset_async().await;
    let sent = Arc::new(Mutex::new(None));
    let log = Arc::clone(&sent);
    let answer = body.to_string();
    server
        .mock_async(|when, then| {
            when.method(op.method.as_str())
                .path(op.wire_path())
                .is_true(move |request| {
                    *log.lock().expect("request log") = Some(request.body_string());
                    true
                });
            then.status(200)
                .header("content-type", "application/json")
                .body(answer);
        })
        .await;
    let outcome = case.send(&client(server), op).await??;
    let sent = sent.lock().expect("request log").clone();
    Ok((outcome, sent))
}

#[tokio::test]
async fn every_documented_response_field_decodes_as_a_typed_field() {
    let context = Context::new();
    let server = MockServer::start_async().await;
    let mut failures = Vec::new();
    let mut checked = 0;
    for entry in &context.entries {
        let Some(op) = operation_for(entry, &context.operations) else {
            continue;
        };
        for payload in &entry.responses {
            if payload.fields.is_empty() || allowed(&entry.operation, &payload.version, "*") {
                continue;
            }
            let Some(schema) = &op.response_schema else {
                failures.push(format!(
                    "{} [{}]: the operation has no JSON response for {} documented fields",
                    entry.operation,
                    payload.version,
                    payload.fields.len()
                ));
                continue;
            };
            for variant in [Variant::Camel, Variant::Snake] {
                let body = response_body(&context.spec, schema, payload, variant);
                let answer = match exchange(&server, &context, op, &body).await {
                    Ok((answer, _)) => answer,
                    Err(why) => {
                        failures.push(format!(
                            "{} [{} {variant:?}]: {why}\n      body: {body}",
                            entry.operation, payload.version
                        ));
                        continue;
                    }
                };
                let ordered: Ordered = serde_json::from_str(&answer).expect("the SDK writes JSON");
                let position = position_text(&payload.position);
                let at = match navigate(&ordered, &payload.position) {
                    Ok(at) => at,
                    Err(why) => {
                        failures.push(format!(
                            "{} [{} {variant:?}] {position}: {why}",
                            entry.operation, payload.version
                        ));
                        continue;
                    }
                };
                let mut missing = Vec::new();
                let payload_schema = schema_at(&context.spec, schema, &payload.position);
                checked += check_fields(
                    &context.spec,
                    at,
                    payload_schema,
                    &payload.fields,
                    "",
                    &mut missing,
                );
                for (field, why) in missing {
                    if !allowed(&entry.operation, &payload.version, &field) {
                        failures.push(format!(
                            "{} [{} {variant:?}] {position}.{field}: {why}",
                            entry.operation, payload.version
                        ));
                    }
                }
            }
        }
    }
    print_allowed();
    println!("{checked} documented response fields decoded as typed fields");
    // Both spellings of every response list: a walk that checks nothing must not pass.
    assert!(
        checked >= 2 * 1300,
        "checked only {checked} response fields"
    );
    assert!(
        failures.is_empty(),
        "{} documented response fields are not typed fields:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}

#[tokio::test]
async fn every_documented_request_field_has_a_typed_home() {
    let context = Context::new();
    let server = MockServer::start_async().await;
    let mut failures = Vec::new();
    let mut checked = 0;
    for entry in &context.entries {
        let Some(op) = operation_for(entry, &context.operations) else {
            continue;
        };
        for payload in &entry.requests {
            let fields: Vec<Field> = payload
                .fields
                .iter()
                .filter(|f| !allowed(&entry.operation, &payload.version, &f.name))
                .cloned()
                .collect();
            if fields.is_empty() {
                continue;
            }
            let Some(schema) = &op.request_schema else {
                failures.push(format!(
                    "{} [{}]: the operation takes no JSON body",
                    entry.operation, payload.version
                ));
                continue;
            };
            for variant in [Variant::Camel, Variant::Snake] {
                let mut body = object(&context.spec, &fields, Some(schema), variant);
                // Start from the spec's example, so that what it requires is there.
                if let (Value::Object(map), Some(Value::Object(example))) = (&mut body, &op.body) {
                    for (key, value) in example {
                        let documented = fields
                            .iter()
                            .any(|f| f.name.to_snake_case() == key.to_snake_case());
                        if !documented {
                            map.insert(key.clone(), value.clone());
                        }
                    }
                }
                let mut with_body = op.clone();
                with_body.body = Some(body.clone());
                let response = op.response.clone().unwrap_or(Value::Null);
                let sent = match exchange(&server, &context, &with_body, &response).await {
                    Ok((_, Some(sent))) => sent,
                    Ok((_, None)) => {
                        failures.push(format!("{}: nothing was sent", entry.operation));
                        continue;
                    }
                    Err(why) => {
                        failures.push(format!(
                            "{} [{} {variant:?}]: {why}\n      body: {body}",
                            entry.operation, payload.version
                        ));
                        continue;
                    }
                };
                let ordered: Ordered = match serde_json::from_str(&sent) {
                    Ok(ordered) => ordered,
                    Err(e) => {
                        failures.push(format!(
                            "{}: the SDK sent no JSON ({e}): {sent}",
                            entry.operation
                        ));
                        continue;
                    }
                };
                let mut missing = Vec::new();
                let resolved = Some(context.spec.document.resolve(schema));
                checked +=
                    check_fields(&context.spec, &ordered, resolved, &fields, "", &mut missing);
                for (field, why) in missing {
                    failures.push(format!(
                        "{} [{} {variant:?}] {field}: {why}",
                        entry.operation, payload.version
                    ));
                }
            }
        }
    }
    print_allowed();
    println!("{checked} documented request fields sent as typed fields");
    assert!(checked >= 2 * 300, "checked only {checked} request fields");
    assert!(
        failures.is_empty(),
        "{} documented request fields have no typed home:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}

#[test]
fn the_allow_list_names_real_entries() {
    let context = Context::new();
    let names: BTreeSet<&str> = context
        .entries
        .iter()
        .map(|e| e.operation.as_str())
        .collect();
    for a in ALLOWED {
        assert!(
            names.contains(a.operation),
            "{} is not in the catalog",
            a.operation
        );
    }
}

/// The position check itself: a member the SDK does not type comes back after the sentinel.
#[tokio::test]
async fn an_untyped_field_is_told_from_a_typed_one() {
    let context = Context::new();
    let server = MockServer::start_async().await;
    let op = context
        .operations
        .iter()
        .find(|op| op.id == "GetAgent")
        .expect("GetAgent");
    let body = json!({
        "data": {SENTINEL: true, "id": "agent-1", "prompt": "Be brief.", "aaNotInTheSpec": 1},
        "success": true,
    });
    let (answer, _) = exchange(&server, &context, op, &body)
        .await
        .expect("GetAgent decodes");
    let ordered: Ordered = serde_json::from_str(&answer).expect("the SDK writes JSON");
    let data = ordered.typed("data").expect("data is typed");
    assert!(data.typed("prompt").is_ok(), "{answer}");
    assert_eq!(
        data.typed("aaNotInTheSpec").err(),
        Some("it landed in `extra`"),
        "{answer}"
    );
    assert_eq!(
        data.typed("nowhere").err(),
        Some("it is missing once decoded")
    );
}
