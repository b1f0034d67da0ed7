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
    sync::{Arc, Mutex},
};

use heck::ToSnakeCase;
use httpmock::MockServer;
use serde_json::{Value, json};

mod answer;
mod bodies;
mod entries;
mod fields;

use answer::*;
use bodies::*;
use entries::*;

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
