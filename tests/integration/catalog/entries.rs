//! The catalog read generically: its entries, each with the parameters and the request and
//! response field lists of every doc version, placed at their payload position.

use serde_json::{Map, Value};

use super::fields::*;

/// A type as the catalog gives it.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Ty {
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
pub(super) struct Field {
    pub(super) name: String,
    pub(super) ty: Ty,
    /// The members of an object, or of the objects of an array.
    pub(super) members: Vec<Field>,
    /// Documented values, for enums.
    pub(super) values: Vec<String>,
}

impl Field {
    pub(super) fn new(name: &str, ty: Ty) -> Field {
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
pub(super) enum Step {
    Key(String),
    Items,
}

/// The fields of one doc version, at one position.
#[derive(Clone, Debug)]
pub(super) struct Payload {
    pub(super) version: String,
    pub(super) position: Vec<Step>,
    pub(super) fields: Vec<Field>,
}

/// One operation of the catalog.
#[derive(Debug)]
pub(super) struct Entry {
    pub(super) operation: String,
    pub(super) method: String,
    /// The path, if the catalog captured one.
    pub(super) path: Option<String>,
    pub(super) variants: Vec<String>,
    pub(super) params: Vec<String>,
    pub(super) requests: Vec<Payload>,
    pub(super) responses: Vec<Payload>,
}

pub(super) fn load_catalog() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/spec/live-docs-fields.json");
    let text = std::fs::read_to_string(path).expect("spec/live-docs-fields.json is readable");
    serde_json::from_str(&text).expect("the catalog is JSON")
}

/// Every entry of the catalog.
pub(super) fn entries(catalog: &Value) -> Vec<Entry> {
    let raw = catalog["endpoints"].as_array().expect("endpoints");
    let models = models(raw);
    raw.iter()
        .map(|entry| read_entry(entry, raw, &models))
        .collect()
}

pub(super) fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or_default()
}

pub(super) fn read_entry(
    entry: &Value,
    all: &[Value],
    models: &[(String, String, Vec<Field>)],
) -> Entry {
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
pub(super) fn requests(entry: &Value, create_agent: Option<&Value>) -> Vec<Payload> {
    let body = &entry["request_body"];
    let Some(members) = body.as_object() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, value) in members {
        if let Some(list) = value.as_array().filter(|l| l.iter().all(Value::is_object)) {
            out.push(request(key, list.iter().map(field_object).collect()));
        }
    }
    // "Same field set as Create Agent v3 (...)".
    if body["schema_v3_camelCase"].is_string()
        && let Some(list) =
            create_agent.and_then(|e| e["request_body"]["schema_v3_current_camelCase"].as_array())
    {
        out.push(request(
            "request_body.schema_v3_camelCase",
            list.iter().map(field_object).collect(),
        ));
    }
    if let Some(old) = body["old_version_properties"].as_str() {
        out.push(request(
            "request_body.old_version_properties",
            old_syntax_fields(old),
        ));
    }
    out
}

pub(super) fn request(key: &str, fields: Vec<Field>) -> Payload {
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
pub(super) fn style_a_responses(
    operation: &str,
    schema: &Value,
    get_agent: Option<&Value>,
) -> Vec<Payload> {
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
        let fields = split_top(after)
            .iter()
            .filter_map(|s| field_text(s))
            .collect();
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
pub(super) fn envelope_position(envelope: &str) -> (Vec<Step>, Vec<Field>) {
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

pub(super) fn meta_payload(meta: &Map<String, Value>) -> Payload {
    let mut field = Field::new("meta", Ty::Object);
    field.members = field_map(meta);
    Payload {
        version: "envelope.meta".into(),
        position: Vec::new(),
        fields: vec![field],
    }
}

/// The models style B entries name (`Campaign`, `Contact`, `CampaignContact`), per doc version:
/// `(name, version, fields)`.
pub(super) fn models(all: &[Value]) -> Vec<(String, String, Vec<Field>)> {
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
                out.push((name.to_owned(), version.to_owned(), field_map(map)));
            }
        }
    }
    out
}

/// Style B entries (`response`): envelopes as maps or prose, and data schemas per version.
pub(super) fn style_b_responses(
    response: &Value,
    models: &[(String, String, Vec<Field>)],
) -> Vec<Payload> {
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
                fields: field_map(map),
            });
        }
    }
    if let Some(list) = response["OLD_data_example_fields"].as_array() {
        let fields = list
            .iter()
            .filter_map(|f| f.as_str().and_then(field_text))
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
            .filter_map(|f| f.as_str().and_then(field_text))
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
pub(super) fn envelope_payloads(
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
                    fields: field_map(item),
                }),
                None => out.push(Payload {
                    version: version.into(),
                    position: vec![data.clone()],
                    fields: field_map(map),
                }),
            },
            ("data", Value::Array(items)) => {
                if let Some(Value::Object(item)) = items.first() {
                    out.push(Payload {
                        version: version.into(),
                        position: vec![data.clone(), Step::Items],
                        fields: field_map(item),
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
    let top_fields: Vec<Field> = field_map(&top)
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
pub(super) fn single_list(map: &Map<String, Value>) -> Option<(&str, &Map<String, Value>)> {
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
pub(super) fn model_payloads(
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
pub(super) fn prose_payloads(
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
