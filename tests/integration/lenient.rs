//! Lenient decoding of the generated types (the passes in `codegen/src/{lenient,enums,extra}.rs`,
//! the helpers in `src/model/`): every documented response example must decode to the same value
//! whether its keys are snake_case or lowerCamelCase and whether its numbers are numbers or
//! strings, as the protojson service sends them; plus the specific quirks from
//! `agni-api/QUIRKS.md`: enum spellings, timestamps in every form, an agent's tools in every
//! shape, unknown fields kept.

use std::{collections::BTreeMap, fmt::Debug};

use agni::types;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use crate::openapi::{Document, without_empty_members};

/// Checks that the original example decodes and round-trips (to the second value, the example
/// with its timestamps as the SDK writes them), and that every variant decodes like it.
type Check = fn(&Value, &Value, &[(&str, Value)]);

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
        "AssignCalcomAccountToAgent",
        "AssignCalcomAccountResponse",
        same_decode::<types::AssignCalcomAccountResponse>,
    ),
    (
        "GetAgentCalcomInfo",
        "GetAgentCalcomInfoResponse",
        same_decode::<types::GetAgentCalcomInfoResponse>,
    ),
    (
        "GetAgentCalcomStatus",
        "GetAgentCalcomStatusResponse",
        same_decode::<types::GetAgentCalcomStatusResponse>,
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
        "SaveGhlCallData",
        "Envelope",
        same_decode::<types::Envelope>,
    ),
];

/// operationId -> (response schema name, example) for every 2xx JSON response with an `example`.
fn documented_examples(spec: &Document) -> BTreeMap<String, (String, Value)> {
    let mut out = BTreeMap::new();
    for item in spec.root["paths"].as_object().expect("paths").values() {
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
    written: &Value,
    variants: &[(&str, Value)],
) {
    let expected: T = decode(original).unwrap_or_else(|e| panic!("original example: {e}"));
    // The example must really be this type: nothing it carries may be dropped as unknown.
    let back = serde_json::to_value(&expected).unwrap();
    assert_eq!(
        without_empty_members(&back),
        without_empty_members(written),
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

/// Rewrites `value` as the service might send it, guided by its schema: `key` renames the
/// properties the schema declares, `numbers` turns declared integers/numbers (and epoch
/// timestamps) into strings.
/// Free-form objects (no `properties`) are left alone, as protojson leaves a `Struct`'s keys.
fn rewrite(
    spec: &Document,
    schema: &Value,
    value: &Value,
    key: fn(&str) -> String,
    numbers: bool,
) -> Value {
    let schema = spec.resolve(schema);
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
        // Epoch timestamps (knowledge bases) are 64-bit integers to protojson, quoted like any.
        Value::Number(n)
            if numbers
                && (matches!(schema["type"].as_str(), Some("integer" | "number"))
                    || schema["format"] == "date-time") =>
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
    let documented = documented_examples(&Document::load());
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
    let spec = Document::load();
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
        check(example, &spec.canonical_times(&schema, example), &variants);
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
        decode(&json!({"id": "s1", "costTotal": "0.42", "durationSec": "42"})).unwrap();
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
    let response: types::ListAgentsResponse = decode(&json!({"data": [
        {"id": "a1", "status": "AGENT_STATUS_SUSPENDED"},
        {"id": "a2", "status": "AGENT_STATUS_ACTIVE"}
    ]}))
    .unwrap();
    let unknown = types::AgentStatus::Unknown("AGENT_STATUS_SUSPENDED".into());
    assert_eq!(response.data[0].status, Some(unknown.clone()));
    assert_eq!(response.data[1].status, Some(types::AgentStatus::Active));
    assert_eq!(
        serde_json::to_value(&unknown).unwrap(),
        json!("AGENT_STATUS_SUSPENDED")
    );
    assert_eq!(
        serde_json::to_value(&response).unwrap()["data"][0]["status"],
        json!("AGENT_STATUS_SUSPENDED")
    );
    // Display and FromStr agree with serde: the raw string in, the raw string out.
    assert_eq!(unknown.to_string(), "AGENT_STATUS_SUSPENDED");
    assert_eq!(
        "AGENT_STATUS_SUSPENDED"
            .parse::<types::AgentStatus>()
            .unwrap(),
        unknown
    );
}

#[test]
fn every_documented_enum_spelling_decodes_and_the_proto_name_is_sent() {
    // The docs spell agent statuses `AGENT_STATUS_ACTIVE`, `ACTIVE` and `active`.
    for spelling in ["AGENT_STATUS_ACTIVE", "ACTIVE", "active"] {
        let status: types::AgentStatus = decode(&json!(spelling)).unwrap();
        assert_eq!(status, types::AgentStatus::Active, "{spelling}");
        assert_eq!(
            spelling.parse::<types::AgentStatus>().ok(),
            Some(status),
            "{spelling}"
        );
    }
    assert_eq!(
        serde_json::to_value(types::AgentStatus::Inactive).unwrap(),
        json!("AGENT_STATUS_INACTIVE")
    );
    assert_eq!(
        types::AgentStatus::Active.to_string(),
        "AGENT_STATUS_ACTIVE"
    );
    // Widget positions arrive as `bottom-right` from the v2 docs.
    for spelling in ["BOT_POSITION_BOTTOM_RIGHT", "BOTTOM_RIGHT", "bottom-right"] {
        let position: types::BotPosition = decode(&json!(spelling)).unwrap();
        assert_eq!(position, types::BotPosition::BottomRight, "{spelling}");
    }
    // Create/update send the v3 docs' spelling, which an agent's status also decodes from.
    let request = types::CreateAgentRequest::builder()
        .status(types::AgentStatusSetting::Inactive)
        .try_into()
        .map(|r: types::CreateAgentRequest| serde_json::to_value(r).unwrap())
        .unwrap();
    assert_eq!(request["status"], json!("INACTIVE"));
    let agent: types::Agent = decode(&json!({"id": "a1", "status": "INACTIVE"})).unwrap();
    assert_eq!(agent.status, Some(types::AgentStatus::Inactive));
    // GoHighLevel's "nothing left to do" is the empty string.
    let next: types::GhlSetupStatusResponseDataNextStep = decode(&json!("")).unwrap();
    assert_eq!(next, types::GhlSetupStatusResponseDataNextStep::Empty);
}

#[test]
fn timestamps_decode_in_every_form_the_service_sends() {
    let agent: types::Agent = decode(&json!({
        "id": "a1",
        "createdAt": "2026-06-11 10:57:40.229069 +0000 UTC",
        "updatedAt": "2026-06-11T12:57:40.229069+02:00"
    }))
    .unwrap();
    assert_eq!(agent.created_at, agent.updated_at);
    assert_eq!(
        serde_json::to_value(&agent).unwrap()["created_at"],
        json!("2026-06-11T10:57:40.229069Z")
    );
    let kb: types::KnowledgeBase = decode(&json!({
        "knowledge_base_id": "kb1",
        "created_timestamp": 1767225600,
        "last_updated_timestamp": "1767229200"
    }))
    .unwrap();
    assert_eq!(
        kb.created_timestamp.unwrap().to_string(),
        "2026-01-01T00:00:00Z"
    );
    assert_eq!(
        kb.last_updated_timestamp.unwrap().to_string(),
        "2026-01-01T01:00:00Z"
    );
    // Not started yet: null, absent, or the empty string.
    let campaign: types::Campaign =
        decode(&json!({"id": "c1", "startedAt": "", "completedAt": null})).unwrap();
    assert_eq!((campaign.started_at, campaign.completed_at), (None, None));
    // Anything else fails, naming the field.
    let error = decode::<types::Campaign>(&json!({"id": "c1", "createdAt": "soon"}))
        .unwrap_err()
        .to_string();
    assert!(error.contains("\"soon\""), "{error}");
}

#[test]
fn an_agents_tools_decode_in_every_documented_shape() {
    let tools = |selected: Value| {
        let agent: types::Agent = decode(&json!({"id": "a1", "selectedTools": selected})).unwrap();
        agent.selected_tools.map(agni::SelectedTools::into_vec)
    };
    let none: Vec<String> = Vec::new();
    assert_eq!(tools(json!(null)), None);
    assert_eq!(tools(json!({})), Some(none.clone()));
    assert_eq!(tools(json!([])), Some(none));
    assert_eq!(
        tools(json!(["t1", "t2"])),
        Some(vec!["t1".into(), "t2".into()])
    );
    assert_eq!(
        tools(json!([{"id": "t1", "name": "Lookup"}, {}])),
        Some(vec!["t1".into()])
    );
    // Sent as the current docs show it: an array of tool ids.
    let request: types::UpdateAgentRequest = types::UpdateAgentRequest::builder()
        .selected_tools(agni::SelectedTools::from(["t1"]))
        .try_into()
        .unwrap();
    assert_eq!(
        serde_json::to_value(request).unwrap(),
        json!({"selected_tools": ["t1"]})
    );
}

#[test]
fn null_means_absent() {
    let agents: types::ListAgentsResponse = decode(&json!({"data": null, "meta": null})).unwrap();
    assert!(agents.data.is_empty() && agents.meta.is_none());

    let kb: types::KnowledgeBaseResponse = decode(&json!({"data": {
        "knowledge_base_id": "kb1", "knowledge_base_sources": null, "created_timestamp": null
    }}))
    .unwrap();
    let kb = kb.data;
    assert!(kb.knowledge_base_sources.is_empty() && kb.created_timestamp.is_none());

    let agent: types::Agent =
        decode(&json!({"id": "a1", "integrations": null, "selectedTools": null, "status": null}))
            .unwrap();
    let bare: types::Agent = types::Agent::builder().id("a1").try_into().unwrap();
    assert_eq!(agent, bare);

    // Absent still decodes too; only the id must be there.
    let empty: types::KnowledgeBase = decode(&json!({"knowledge_base_id": "kb1"})).unwrap();
    let bare: types::KnowledgeBase = types::KnowledgeBase::builder()
        .knowledge_base_id("kb1")
        .try_into()
        .unwrap();
    assert_eq!(empty, bare);
}

/// `client.get_agent().id(x).send().await?.data` is the agent, or an error that says what the
/// answer lacks.
#[tokio::test]
async fn a_missing_id_or_data_fails_naming_it() {
    use agni::prelude::*;

    let server = httpmock::MockServer::start_async().await;
    let client = crate::wire::client(&server);
    for (body, missing) in [
        (json!({"success": true}), "data"),
        (
            json!({"success": true, "data": {"agentName": "R"}}),
            "data.id",
        ),
    ] {
        server.reset_async().await;
        server
            .mock_async(|when, then| {
                when.method("GET").path("/api/v1/agents/a1/");
                then.status(200).json_body(body);
            })
            .await;
        let error = client.get_agent().id("a1").send().await.unwrap_err();
        assert!(
            matches!(error.kind(), agni::ErrorKind::Decode { .. }),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            format!("get_agent: cannot decode the answer (HTTP 200 OK): it has no `{missing}`")
        );
    }
}

#[test]
fn unknown_fields_are_kept() {
    let response: types::ListAgentsResponse = decode(&json!({
        "success": true,
        "traceId": "abc",
        "data": [{"id": "a1", "agentName": "Receptionist", "futureSetting": {"nested": [1, 2]}}],
        "meta": {"total": "1", "nextCursor": "x"}
    }))
    .unwrap();
    let agent = &response.data[0];
    assert_eq!(agent.agent_name.as_deref(), Some("Receptionist"));
    assert_eq!(response.extra["traceId"], json!("abc"));
    assert_eq!(agent.extra["futureSetting"], json!({"nested": [1, 2]}));
    let meta = response.meta.as_ref().unwrap();
    assert_eq!(meta.total, Some(1));
    assert_eq!(meta.extra["nextCursor"], json!("x"));
    // A known field is known in either spelling: neither lands in `extra`.
    assert_eq!(agent.extra.len(), 1, "{:?}", agent.extra);
    let snake: types::Agent =
        decode(&json!({"id": "a1", "agent_name": "R", "voice_id": "v"})).unwrap();
    let camel: types::Agent =
        decode(&json!({"id": "a1", "agentName": "R", "voiceId": "v"})).unwrap();
    assert_eq!(snake, camel);
    assert!(snake.extra.is_empty(), "{:?}", snake.extra);
    // And they go back out as they came.
    assert_eq!(
        serde_json::to_value(&response).unwrap()["data"][0]["futureSetting"],
        json!({"nested": [1, 2]})
    );
}

#[test]
fn requests_can_carry_fields_the_sdk_does_not_know() {
    let request: types::CreateAgentRequest = types::CreateAgentRequest::builder()
        .agent_name("Receptionist".to_string())
        .extra("futureSetting", json!({"level": 2}))
        .try_into()
        .unwrap();
    assert_eq!(
        serde_json::to_value(&request).unwrap(),
        json!({"agent_name": "Receptionist", "futureSetting": {"level": 2}})
    );
}

#[test]
fn requests_still_serialize_as_the_spec_spells_them() {
    let request: types::CreateAgentRequest = types::CreateAgentRequest::builder()
        .agent_name("Receptionist".to_string())
        .max_call_duration_ms(60_000)
        .prompt("You are Riley.".to_string())
        .try_into()
        .unwrap();
    let body = serde_json::to_value(&request).unwrap();
    assert_eq!(
        body,
        json!({"agent_name": "Receptionist", "max_call_duration_ms": 60_000, "prompt": "You are Riley."})
    );

    // Decoding accepts either spelling; encoding goes back to the spec's.
    let camel: types::CreateAgentRequest = decode(&json!({
        "agentName": "Receptionist", "maxCallDurationMs": "60000", "prompt": "You are Riley."
    }))
    .unwrap();
    assert_eq!(serde_json::to_value(&camel).unwrap(), body);

    // A camelCase-declared schema keeps its camelCase on the way out.
    let session: types::CallSession =
        decode(&json!({"id": "s1", "agent_name": "R", "cost_total": 1.5})).unwrap();
    assert_eq!(
        serde_json::to_value(&session).unwrap(),
        json!({"id": "s1", "agentName": "R", "costTotal": 1.5})
    );
}
