//! Lenient decoding of the generated types (the pass in `codegen/src/lenient.rs`, the helpers in
//! `src/lenient.rs`): every documented response example must decode to the same value whether its
//! keys are snake_case or lowerCamelCase and whether its numbers are numbers or strings, as the
//! protojson service sends them; plus the specific quirks from `agni-api/QUIRKS.md`.

use std::{collections::BTreeMap, fmt::Debug, fs, path::Path};

use agni::types;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

/// Checks that every variant decodes like the original example, for one response type.
type Check = fn(&Value, &[(&str, Value)]);

/// One row per operation whose 200 response documents a JSON `example`:
/// (operationId, response schema, the typed decode check).
const EXAMPLES: &[(&str, &str, Check)] = &[
    (
        "AddKnowledgeBaseSources",
        "AddKnowledgeBaseSourcesResponse",
        same_decode::<types::AddKnowledgeBaseSourcesResponse>,
    ),
    (
        "CreateCall",
        "CreateCallResponse",
        same_decode::<types::CreateCallResponse>,
    ),
    (
        "GetCallSessionDetail",
        "GetCallSessionDetailResponse",
        same_decode::<types::GetCallSessionDetailResponse>,
    ),
    (
        "GetKnowledgeBase",
        "KnowledgeBaseResponse",
        same_decode::<types::KnowledgeBaseResponse>,
    ),
    (
        "ListCallSessions",
        "ListCallSessionsResponse",
        same_decode::<types::ListCallSessionsResponse>,
    ),
    (
        "ListVoices",
        "ListVoicesResponse",
        same_decode::<types::ListVoicesResponse>,
    ),
    (
        "SaveGHLCallData",
        "Envelope",
        same_decode::<types::Envelope>,
    ),
];

fn spec() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.yaml");
    let text = fs::read_to_string(path).expect("read openapi.yaml");
    serde_saphyr::from_str(&text).expect("openapi.yaml parses")
}

/// operationId -> (response schema name, example) for every 2xx JSON response with an `example`.
fn documented_examples(spec: &Value) -> BTreeMap<String, (String, Value)> {
    let mut out = BTreeMap::new();
    for item in spec["paths"].as_object().expect("paths").values() {
        for op in item.as_object().expect("path item").values() {
            let Some(responses) = op.get("responses").and_then(Value::as_object) else {
                continue;
            };
            for (code, response) in responses {
                let media = &response["content"]["application/json"];
                let Some(example) = media.get("example") else {
                    continue;
                };
                if !code.starts_with('2') {
                    continue;
                }
                let schema = media["schema"]["$ref"]
                    .as_str()
                    .expect("response schema is a $ref");
                let name = schema.rsplit('/').next().unwrap().to_string();
                let id = op["operationId"].as_str().expect("operationId").to_string();
                out.insert(id, (name, example.clone()));
            }
        }
    }
    out
}

fn decode<T: DeserializeOwned>(value: &Value) -> Result<T, serde_json::Error> {
    // Through text, as the client decodes a response body.
    serde_json::from_str(&value.to_string())
}

fn same_decode<T: DeserializeOwned + serde::Serialize + PartialEq + Debug>(
    original: &Value,
    variants: &[(&str, Value)],
) {
    let expected: T = decode(original).unwrap_or_else(|e| panic!("original example: {e}"));
    // The example must really be this type: nothing it carries may be dropped as unknown.
    let back = serde_json::to_value(&expected).unwrap();
    assert_eq!(
        prune(&back),
        prune(original),
        "the example does not round-trip through the type"
    );
    for (name, variant) in variants {
        let got: T = decode(variant).unwrap_or_else(|e| panic!("{name} variant: {e}\n{variant:#}"));
        assert_eq!(
            got, expected,
            "{name} variant decodes differently\n{variant:#}"
        );
    }
}

/// Drops nulls and empty objects/arrays, which serialization leaves out.
fn prune(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), prune(v)))
                .filter(|(_, v)| !is_empty(v))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(prune).collect()),
        other => other.clone(),
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Object(map) => map.is_empty(),
        Value::Array(items) => items.is_empty(),
        _ => false,
    }
}

/// Follows `$ref`s into `#/components/schemas`.
fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let name = reference
                .strip_prefix("#/components/schemas/")
                .expect("local $ref");
            resolve(spec, &spec["components"]["schemas"][name])
        }
        None => schema,
    }
}

/// Rewrites `value` as the service might send it, guided by its schema: `key` renames the
/// properties the schema declares, `numbers` turns declared integers/numbers into strings.
/// Free-form objects (no `properties`) are left alone, as protojson leaves a `Struct`'s keys.
fn rewrite(
    spec: &Value,
    schema: &Value,
    value: &Value,
    key: fn(&str) -> String,
    numbers: bool,
) -> Value {
    let schema = resolve(spec, schema);
    match value {
        Value::Object(map) if schema.get("properties").is_some() => {
            let properties = &schema["properties"];
            let mut out = Map::new();
            for (k, v) in map {
                match properties.get(k) {
                    Some(sub) => out.insert(key(k), rewrite(spec, sub, v, key, numbers)),
                    None => out.insert(k.clone(), v.clone()),
                };
            }
            Value::Object(out)
        }
        Value::Array(items) if schema.get("items").is_some() => Value::Array(
            items
                .iter()
                .map(|v| rewrite(spec, &schema["items"], v, key, numbers))
                .collect(),
        ),
        Value::Number(n)
            if numbers && matches!(schema["type"].as_str(), Some("integer" | "number")) =>
        {
            Value::String(n.to_string())
        }
        other => other.clone(),
    }
}

fn keep(name: &str) -> String {
    name.to_string()
}

fn to_lower_camel(name: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in name.chars() {
        match c {
            '_' => upper = !out.is_empty(),
            c if upper => {
                out.extend(c.to_uppercase());
                upper = false;
            }
            c => out.push(c),
        }
    }
    out
}

fn to_snake(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_uppercase() {
            if !out.is_empty() {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn every_documented_example_has_a_row() {
    let documented = documented_examples(&spec());
    let documented: BTreeMap<&str, &str> = documented
        .iter()
        .map(|(id, (schema, _))| (id.as_str(), schema.as_str()))
        .collect();
    let table: BTreeMap<&str, &str> = EXAMPLES
        .iter()
        .map(|(id, schema, _)| (*id, *schema))
        .collect();
    assert!(
        !documented.is_empty(),
        "openapi.yaml documents no response examples"
    );
    assert_eq!(
        table, documented,
        "EXAMPLES must list exactly the operations with a 200 example"
    );
}

#[test]
fn examples_decode_in_every_spelling() {
    let spec = spec();
    let documented = documented_examples(&spec);
    let (mut respelled, mut stringified) = (0, 0);
    for (id, schema_name, check) in EXAMPLES {
        let Some((_, example)) = documented.get(*id) else {
            panic!("{id} has no documented example any more");
        };
        let schema = json!({ "$ref": format!("#/components/schemas/{schema_name}") });
        let variant =
            |key: fn(&str) -> String, numbers| rewrite(&spec, &schema, example, key, numbers);
        let camel = variant(to_lower_camel, false);
        let snake = variant(to_snake, false);
        let strings = variant(keep, true);
        respelled += usize::from(camel != snake);
        stringified += usize::from(strings != *example);
        let variants = [
            ("lowerCamelCase", camel),
            ("snake_case", snake),
            ("numbers as strings", strings),
            (
                "lowerCamelCase, numbers as strings",
                variant(to_lower_camel, true),
            ),
            ("snake_case, numbers as strings", variant(to_snake, true)),
        ];
        check(example, &variants);
    }
    // Guard against a rewrite that silently does nothing.
    assert!(respelled >= 5, "few examples were respelled: {respelled}");
    assert!(
        stringified >= 5,
        "few examples had numbers to stringify: {stringified}"
    );
}

#[test]
fn meta_numbers_may_be_strings() {
    let response: types::ListAgentsResponse =
        decode(&json!({"meta": {"total": "2", "limit": 10, "offset": "0"}})).unwrap();
    let meta = response.meta.unwrap();
    assert_eq!(
        (meta.total, meta.limit, meta.offset),
        (Some(2), Some(10), Some(0))
    );

    let session: types::CallSession =
        decode(&json!({"costTotal": "0.42", "durationSec": "42"})).unwrap();
    assert_eq!(
        (session.cost_total, session.duration_sec),
        (Some(0.42), Some(42))
    );

    // Only numbers: garbage and out-of-range values still fail, naming the value.
    let error = decode::<types::Meta>(&json!({"total": "two"}))
        .unwrap_err()
        .to_string();
    assert!(error.contains("\"two\""), "{error}");
    assert!(decode::<types::Meta>(&json!({"limit": "3000000000"})).is_err());
    assert!(decode::<types::Meta>(&json!({"limit": 3_000_000_000_u64})).is_err());
    assert!(decode::<types::Meta>(&json!({"total": true})).is_err());
}

#[test]
fn unknown_enum_values_are_kept() {
    let response: types::ListAgentsResponse = decode(
        &json!({"data": [{"status": "AGENT_STATUS_SUSPENDED"}, {"status": "AGENT_STATUS_ACTIVE"}]}),
    )
    .unwrap();
    let unknown = types::AgentStatus::Unknown("AGENT_STATUS_SUSPENDED".into());
    assert_eq!(response.data[0].status, Some(unknown.clone()));
    assert_eq!(
        response.data[1].status,
        Some(types::AgentStatus::AgentStatusActive)
    );
    assert_eq!(
        serde_json::to_value(&unknown).unwrap(),
        json!("AGENT_STATUS_SUSPENDED")
    );
    assert_eq!(
        serde_json::to_value(&response).unwrap()["data"][0]["status"],
        json!("AGENT_STATUS_SUSPENDED")
    );
    assert_eq!(
        serde_json::to_value(types::AgentStatus::AgentStatusActive).unwrap(),
        json!("AGENT_STATUS_ACTIVE")
    );
    // Display and FromStr agree with serde: the raw string in, the raw string out.
    assert_eq!(unknown.to_string(), "AGENT_STATUS_SUSPENDED");
    assert_eq!(
        "AGENT_STATUS_SUSPENDED"
            .parse::<types::AgentStatus>()
            .unwrap(),
        unknown
    );
    assert_eq!(
        types::AgentStatus::try_from("AGENT_STATUS_ACTIVE").unwrap(),
        types::AgentStatus::AgentStatusActive
    );
    assert_eq!(
        types::AgentStatus::AgentStatusInactive.to_string(),
        "AGENT_STATUS_INACTIVE"
    );
}

#[test]
fn null_means_absent() {
    let agents: types::ListAgentsResponse = decode(&json!({"data": null, "meta": null})).unwrap();
    assert!(agents.data.is_empty() && agents.meta.is_none());

    let kb: types::KnowledgeBaseResponse =
        decode(&json!({"data": {"knowledge_base_sources": null, "created_timestamp": null}}))
            .unwrap();
    let kb = kb.data.unwrap();
    assert!(kb.knowledge_base_sources.is_empty() && kb.created_timestamp.is_none());

    let agent: types::Agent =
        decode(&json!({"integrations": null, "selectedTools": null, "status": null})).unwrap();
    assert_eq!(agent, types::Agent::default());

    // Absent still decodes too.
    let empty: types::KnowledgeBase = decode(&json!({})).unwrap();
    assert_eq!(empty, types::KnowledgeBase::default());
}

#[test]
fn unknown_fields_are_ignored() {
    let response: types::ListAgentsResponse = decode(&json!({
        "success": true,
        "traceId": "abc",
        "data": [{"agentName": "Receptionist", "futureSetting": {"nested": [1, 2]}}],
        "meta": {"total": "1", "nextCursor": "x"}
    }))
    .unwrap();
    assert_eq!(response.data[0].agent_name.as_deref(), Some("Receptionist"));
    assert_eq!(response.meta.unwrap().total, Some(1));
}

#[test]
fn requests_still_serialize_as_the_spec_spells_them() {
    let request: types::CreateAgentRequest = types::CreateAgentRequest::builder()
        .agent_name("Receptionist".to_string())
        .max_call_duration_ms(60_000)
        .try_into()
        .unwrap();
    let body = serde_json::to_value(&request).unwrap();
    assert_eq!(
        body,
        json!({"agent_name": "Receptionist", "max_call_duration_ms": 60_000})
    );

    // Decoding accepts either spelling; encoding goes back to the spec's.
    let camel: types::CreateAgentRequest =
        decode(&json!({"agentName": "Receptionist", "maxCallDurationMs": "60000"})).unwrap();
    assert_eq!(serde_json::to_value(&camel).unwrap(), body);

    // A camelCase-declared schema keeps its camelCase on the way out.
    let session: types::CallSession =
        decode(&json!({"agent_name": "R", "cost_total": 1.5})).unwrap();
    assert_eq!(
        serde_json::to_value(&session).unwrap(),
        json!({"agentName": "R", "costTotal": 1.5})
    );
}
