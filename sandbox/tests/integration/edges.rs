//! The sandbox's HTTP edge, through the real `agni::Client` and, where the SDK cannot produce
//! the bad request, raw `reqwest`: validation, authentication, exact paths, error shapes,
//! protojson encoding, injected faults (with exact request counts), webhooks, shutdown, and the
//! `agni-sandbox` binary.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use agni::{ErrorCode, ErrorKind, prelude::*, types};
use agni_sandbox::{Encoding, Fault, Sandbox, WebhookShape};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};

/// A raw request to the sandbox with its key (or another key, or none).
async fn raw(
    sandbox: &Sandbox,
    method: reqwest::Method,
    path: &str,
    key: Option<&str>,
    body: Option<&str>,
) -> (u16, Value) {
    let mut request =
        reqwest::Client::new().request(method, format!("{}{path}", sandbox.base_url()));
    if let Some(key) = key {
        request = request.header("X-Api-Key", key);
    }
    if let Some(body) = body {
        request = request
            .header("Content-Type", "application/json")
            .body(body.to_owned());
    }
    let response = request.send().await.expect("the sandbox answers");
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
    };
    (status, value)
}

async fn get(sandbox: &Sandbox, path: &str) -> (u16, Value) {
    raw(
        sandbox,
        reqwest::Method::GET,
        path,
        Some(sandbox.api_key()),
        None,
    )
    .await
}

async fn post(sandbox: &Sandbox, path: &str, body: &str) -> (u16, Value) {
    raw(
        sandbox,
        reqwest::Method::POST,
        path,
        Some(sandbox.api_key()),
        Some(body),
    )
    .await
}

fn assert_grpc(body: &Value, code: i64, mentions: &str) {
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["details"], json!([]), "{body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(mentions),
        "{message:?} should mention {mentions:?}"
    );
}

fn assert_envelope(body: &Value, code: &str) {
    assert_eq!(body["success"], false, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(body["message"].is_string(), "{body}");
    assert!(body["error"]["message"].is_string(), "{body}");
}

async fn create_agent(client: &agni::Client, name: &str) -> String {
    let created = client
        .create_agent()
        .body(types::CreateAgentRequest {
            agent_name: Some(name.to_owned()),
            ..Default::default()
        })
        .send()
        .await
        .expect("create_agent");
    created.into_inner().data.id
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn missing_required_field_is_invalid_argument_and_changes_nothing() {
    let sandbox = Sandbox::start().await.unwrap();
    let (status, body) = post(
        &sandbox,
        "/api/v1/campaigns/",
        r#"{"agent_id": "a1", "phone_number_id": "p1", "from_phone_number": "+14155550100", "contact_ids": []}"#,
    )
    .await;
    assert_eq!(status, 400);
    assert_grpc(&body, 3, "\"name\"");
    assert_eq!(sandbox.requests_for("CreateCampaign"), 1);

    // A null required field is absent, as protojson reads it.
    let (status, body) = post(
        &sandbox,
        "/api/v1/campaigns/",
        r#"{"name": null, "agent_id": "a1", "phone_number_id": "p1", "from_phone_number": "+1", "contact_ids": []}"#,
    )
    .await;
    assert_eq!(status, 400);
    assert_grpc(&body, 3, "\"name\"");

    let (status, body) = get(&sandbox, "/api/v1/campaigns/").await;
    assert_eq!(status, 200);
    assert_eq!(body["data"].as_array().map_or(0, Vec::len), 0, "{body}");
}

#[tokio::test]
async fn wrong_type_invalid_json_and_bad_query_are_invalid_argument() {
    let sandbox = Sandbox::start().await.unwrap();
    let (status, body) = post(
        &sandbox,
        "/api/v1/agents/",
        r#"{"agent_name": "Maya", "temperature": "hot"}"#,
    )
    .await;
    assert_eq!(status, 400);
    assert_grpc(&body, 3, "temperature");

    let (status, body) = post(&sandbox, "/api/v1/agents/", r#"{"agent_name": "#).await;
    assert_eq!(status, 400);
    assert_grpc(&body, 3, "JSON");

    let (status, body) = post(&sandbox, "/api/v1/agents/", r#"["not", "an", "object"]"#).await;
    assert_eq!(status, 400);
    assert_grpc(&body, 3, "object");

    let (status, body) = get(&sandbox, "/api/v1/agents/?limit=abc").await;
    assert_eq!(status, 400);
    assert_grpc(&body, 3, "limit");

    let (status, body) = get(&sandbox, "/api/v1/phone-numbers/list?is_active=maybe").await;
    assert_eq!(status, 400);
    assert_grpc(&body, 3, "is_active");

    let (status, body) = get(&sandbox, "/api/v1/rag/knowledgebases").await;
    assert_eq!(status, 400);
    assert_grpc(&body, 3, "org_id");

    // Nothing was created by any of them.
    let agents = sandbox.client().list_agents().send().await.unwrap();
    assert!(agents.data.is_empty());
}

#[tokio::test]
async fn protojson_input_spellings_and_numeric_strings_are_accepted() {
    let sandbox = Sandbox::start().await.unwrap();
    let (status, body) = post(
        &sandbox,
        "/api/v1/agents/",
        r#"{"agentName": "Maya", "temperature": "0.5", "maxCallDurationMs": "60000", "voiceId": null}"#,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let id = body["data"]["id"].as_str().expect("an id").to_owned();
    let agent = sandbox.client().get_agent().id(&id).send().await.unwrap();
    let agent = agent.into_inner().data;
    assert_eq!(agent.agent_name.as_deref(), Some("Maya"));
    assert_eq!(agent.temperature, Some(0.5));
}

// ---------------------------------------------------------------------------------------------
// Authentication, paths, not found
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn wrong_or_missing_key_is_unauthenticated() {
    let sandbox = Sandbox::builder()
        .api_key("sk_sandbox_right")
        .start()
        .await
        .unwrap();
    let wrong = agni::Client::builder()
        .base_url(sandbox.base_url())
        .api_key("sk_sandbox_wrong")
        .build()
        .unwrap();
    let error = wrong.list_agents().send().await.unwrap_err();
    assert!(error.is_unauthorized(), "{error:#}");
    assert_eq!(
        error.api().and_then(|e| e.code()),
        Some(&ErrorCode::Grpc(16))
    );
    assert_eq!(sandbox.requests_served(), 1, "a 401 is not retried");

    let (status, body) = raw(
        &sandbox,
        reqwest::Method::GET,
        "/api/v1/agents/",
        None,
        None,
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(
        body,
        json!({"code": 16, "message": "API key is missing or invalid", "details": []})
    );

    // Health and readiness need no key.
    let (status, _) = raw(&sandbox, reqwest::Method::GET, "/health", None, None).await;
    assert_eq!(status, 200);
    let (status, _) = raw(&sandbox, reqwest::Method::GET, "/ready", None, None).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn paths_match_byte_exactly() {
    let sandbox = Sandbox::start().await.unwrap();
    let (status, body) = get(&sandbox, "/api/v1/agents").await;
    assert_eq!(status, 404);
    assert_envelope(&body, "NOT_FOUND");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("/api/v1/agents/"),
        "{body}"
    );
    let (status, _) = get(&sandbox, "/api/v1/agents/").await;
    assert_eq!(status, 200);

    // Contacts have no trailing slash on the item path; agents do.
    let (status, body) = get(&sandbox, "/api/v1/contacts/c1/").await;
    assert_eq!(status, 404);
    assert_envelope(&body, "NOT_FOUND");

    let (status, body) = get(&sandbox, "/api/v1/nothing-here").await;
    assert_eq!(status, 404);
    assert_envelope(&body, "NOT_FOUND");
    assert_eq!(sandbox.requests_for("ListAgents"), 1);

    let (status, body) = raw(
        &sandbox,
        reqwest::Method::PUT,
        "/api/v1/agents/",
        Some(sandbox.api_key()),
        None,
    )
    .await;
    assert_eq!(status, 405);
    assert_envelope(&body, "METHOD_NOT_ALLOWED");
}

#[tokio::test]
async fn unknown_id_is_not_found() {
    let sandbox = Sandbox::start().await.unwrap();
    let error = sandbox
        .client()
        .get_agent()
        .id("0198f6a2-6d1e-7c1a-9d4f-2b1e3c4d5e6f")
        .send()
        .await
        .unwrap_err();
    assert!(error.is_not_found(), "{error:#}");
    assert_eq!(
        error.api().and_then(|e| e.code()),
        Some(&ErrorCode::Symbolic("NOT_FOUND".into()))
    );
    let (status, body) = get(
        &sandbox,
        "/api/v1/agents/0198f6a2-6d1e-7c1a-9d4f-2b1e3c4d5e6f/",
    )
    .await;
    assert_eq!(status, 404);
    assert_envelope(&body, "NOT_FOUND");
}

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn protojson_encoding_is_camel_case_with_stringly_totals_and_the_sdk_decodes_it() {
    let sandbox = Sandbox::builder()
        .encoding(Encoding::Protojson)
        .start()
        .await
        .unwrap();
    let client = sandbox.client();
    create_agent(&client, "Maya").await;
    create_agent(&client, "Ravi").await;

    let (status, body) = get(&sandbox, "/api/v1/agents/").await;
    assert_eq!(status, 200);
    assert_eq!(body["meta"]["total"], json!("2"), "{body}");
    let first = &body["data"][0];
    assert!(first.get("agentName").is_some(), "{first}");
    assert!(first.get("agent_name").is_none(), "{first}");

    let agents = client.list_agents().send().await.unwrap();
    assert_eq!(agents.meta.as_ref().and_then(|m| m.total), Some(2));
    let mut names: Vec<_> = agents
        .data
        .iter()
        .filter_map(|a| a.agent_name.clone())
        .collect();
    names.sort();
    assert_eq!(names, ["Maya", "Ravi"]);

    // Knowledge bases stay snake_case upstream; their epoch timestamps are int64 strings.
    client
        .add_knowledge_base_sources()
        .kb_id("kb-1")
        .body(types::AddKnowledgeBaseSourcesRequest {
            knowledge_base_texts: vec![types::KnowledgeBaseText {
                title: Some("Hours".into()),
                text: Some("Open 9 to 5.".into()),
                extra: Default::default(),
            }],
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    let (status, body) = get(&sandbox, "/api/v1/rag/get-knowledge-base/kb-1").await;
    assert_eq!(status, 200, "{body}");
    assert!(body["data"]["knowledge_base_sources"].is_array(), "{body}");
    assert!(body["data"]["created_timestamp"].is_string(), "{body}");
    let base = client
        .get_knowledge_base()
        .kb_id("kb-1")
        .send()
        .await
        .unwrap();
    assert!(base.into_inner().data.created_timestamp.is_some());

    // Call sessions: camelCase list, the cost as a string, the credit breakdown in snake_case,
    // free-form metadata untouched.
    let agent = create_agent(&client, "Caller").await;
    client
        .start_web_call(&agent)
        .metadata("crm_id", "42")
        .send()
        .await
        .unwrap();
    client.list_agents().send().await.unwrap(); // the call ends
    let (_, body) = get(&sandbox, "/api/v1/calling/call-sessions").await;
    let session = &body["data"]["callSessions"][0];
    assert!(session["costTotal"].is_string(), "{session}");
    assert!(
        session["creditBreakdown"]["total_credits"].is_number(),
        "{session}"
    );
    assert_eq!(session["metadata"], json!({"crm_id": "42"}), "{session}");
    let sessions = client.list_call_sessions().send().await.unwrap();
    let sessions = sessions.into_inner().data.unwrap_or_default().call_sessions;
    assert!(sessions[0].cost_total.is_some());

    // The default encoding is the spec's: snake_case, numbers as numbers.
    let plain = Sandbox::start().await.unwrap();
    create_agent(&plain.client(), "Maya").await;
    let (_, body) = get(&plain, "/api/v1/agents/").await;
    assert_eq!(body["meta"]["total"], json!(1), "{body}");
    assert!(body["data"][0].get("agent_name").is_some(), "{body}");
}

// ---------------------------------------------------------------------------------------------
// Faults
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn rate_limited_once_then_ok() {
    let sandbox = Sandbox::builder()
        .fault(
            "CreateCall",
            Fault::RateLimited {
                retry_after: Some(Duration::from_secs(1)),
            }
            .times(1),
        )
        .start()
        .await
        .unwrap();
    let client = sandbox.client();
    let agent = create_agent(&client, "Maya").await;
    let started = Instant::now();
    let call = client
        .start_web_call(&agent)
        .send()
        .await
        .expect("the retry succeeds");
    assert!(!call.session_id.is_empty());
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After was honoured"
    );
    assert_eq!(sandbox.requests_for("CreateCall"), 2);
    assert_eq!(sandbox.requests_served(), 3);
    let sessions = client.list_call_sessions().send().await.unwrap();
    let sessions = sessions.into_inner().data.unwrap_or_default().call_sessions;
    assert_eq!(
        sessions.len(),
        1,
        "the rate-limited attempt created no call"
    );
}

#[tokio::test]
async fn rate_limited_without_retry_after() {
    let sandbox = Sandbox::builder()
        .fault("ListAgents", Fault::RateLimited { retry_after: None })
        .start()
        .await
        .unwrap();
    let client = sandbox
        .client()
        .with_options(|o| o.retry = agni::RetryPolicy::none());
    let error = client.list_agents().send().await.unwrap_err();
    assert!(error.is_rate_limited(), "{error:#}");
    assert_eq!(error.retry_after(), None);
    assert_eq!(
        error.api().and_then(|e| e.code()),
        Some(&ErrorCode::Grpc(8))
    );
    assert_eq!(sandbox.requests_served(), 1);
}

#[tokio::test]
async fn unavailable_forever_fails_after_three_attempts() {
    let sandbox = Sandbox::builder()
        .fault("ListAgents", Fault::Status(503))
        .start()
        .await
        .unwrap();
    let error = sandbox.client().list_agents().send().await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503), "{error:#}");
    assert_eq!(
        error.api().and_then(|e| e.code()),
        Some(&ErrorCode::Symbolic("SERVICE_UNAVAILABLE".into()))
    );
    assert_eq!(sandbox.requests_for("ListAgents"), 3);
    // Other operations are unaffected.
    sandbox.client().health_check().send().await.unwrap();
}

#[tokio::test]
async fn dropped_connection_on_purchase_buys_nothing() {
    let sandbox = Sandbox::builder()
        .fault("BuyPhoneNumber", Fault::DropConnection.times(1))
        .start()
        .await
        .unwrap();
    let client = sandbox.client();
    let available = client
        .list_available_numbers()
        .iso_country("US")
        .send()
        .await
        .unwrap();
    let number = available
        .data
        .iter()
        .find_map(|n| n.phone_number.clone())
        .expect("the default seed has US numbers");

    let error = client.buy_number(number.as_str()).send().await.unwrap_err();
    assert!(
        matches!(error.kind(), ErrorKind::ConnectionLost(_)),
        "expected a lost connection, got {error:#}"
    );
    assert_eq!(
        sandbox.requests_for("BuyPhoneNumber"),
        1,
        "a POST is never resent"
    );
    let purchased = client.list_purchased_numbers().send().await.unwrap();
    assert!(
        purchased.data.is_empty(),
        "nothing was bought: {:?}",
        purchased.data
    );

    // The fault was spent: the purchase now goes through.
    client.buy_number(number.as_str()).send().await.unwrap();
    let purchased = client.list_purchased_numbers().send().await.unwrap();
    assert_eq!(purchased.data.len(), 1);
    assert_eq!(sandbox.requests_for("BuyPhoneNumber"), 2);
}

#[tokio::test]
async fn latency_is_observable() {
    let sandbox = Sandbox::builder()
        .latency(Duration::from_millis(100))
        .fault(
            "ListAgents",
            Fault::Latency(Duration::from_millis(300)).times(1),
        )
        .start()
        .await
        .unwrap();
    let client = sandbox.client();
    let started = Instant::now();
    client.list_agents().send().await.unwrap();
    let first = started.elapsed();
    assert!(first >= Duration::from_millis(400), "{first:?}");
    let started = Instant::now();
    client.list_agents().send().await.unwrap();
    let second = started.elapsed();
    assert!(second >= Duration::from_millis(100), "{second:?}");
    assert!(
        second < Duration::from_millis(400),
        "the injected latency was spent: {second:?}"
    );
}

#[tokio::test]
async fn faults_must_name_a_known_operation() {
    let error = Sandbox::builder()
        .fault("CreateCalls", Fault::Status(500))
        .start()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
    assert!(error.to_string().contains("CreateCalls"));
}

// ---------------------------------------------------------------------------------------------
// Webhooks
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_call_that_ends_emits_its_webhook() {
    let sandbox = Sandbox::builder()
        .webhook_shape(WebhookShape::RealDelivery)
        .start()
        .await
        .unwrap();
    let client = sandbox.client();
    let agent = create_agent(&client, "Maya").await;
    let call = client.start_web_call(&agent).send().await.unwrap();
    assert!(
        sandbox.end_call(&call.session_id),
        "the call was in progress"
    );
    assert!(!sandbox.end_call(&call.session_id), "it has ended");
    let event = sandbox
        .next_webhook_timeout(Duration::from_secs(5))
        .await
        .expect("an after-call event");
    assert_eq!(event["event"], "call_completed", "{event}");
    let parsed = agni_webhooks::CallCompleted::from_value(event).unwrap();
    assert_eq!(parsed.dedup_key(), call.session_id);
    assert!(
        sandbox
            .next_webhook_timeout(Duration::from_millis(50))
            .await
            .is_none()
    );
}

/// A loopback receiver that answers the first delivery 500 and the next ones 200.
async fn flaky_receiver() -> (String, Arc<Mutex<Vec<Value>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks/after-call", listener.local_addr().unwrap());
    let received = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&received);
    tokio::spawn(async move {
        for attempt in 0..10 {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let mut reader = tokio::io::BufReader::new(stream);
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                    break;
                }
                if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap_or(0);
                }
                if line == "\r\n" {
                    break;
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).await.unwrap();
            log.lock()
                .unwrap()
                .push(serde_json::from_slice(&body).unwrap());
            let status = if attempt == 0 {
                "500 Internal Server Error"
            } else {
                "200 OK"
            };
            let response =
                format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            reader
                .get_mut()
                .write_all(response.as_bytes())
                .await
                .unwrap();
        }
    });
    (url, received)
}

#[tokio::test]
async fn webhooks_are_posted_and_retried_on_non_2xx() {
    let (url, received) = flaky_receiver().await;
    let sandbox = Sandbox::builder()
        .webhook_url(&url)
        .webhook_shape(WebhookShape::Documented)
        .start()
        .await
        .unwrap();
    let client = sandbox.client();
    let agent = create_agent(&client, "Maya").await;
    let call = client.start_web_call(&agent).send().await.unwrap();
    // Any later request lets the call end.
    client.list_agents().send().await.unwrap();
    let queued = sandbox
        .next_webhook_timeout(Duration::from_secs(5))
        .await
        .expect("the event is queued too");
    assert_eq!(queued["event"], "call.completed", "{queued}");

    let deadline = Instant::now() + Duration::from_secs(5);
    while received.lock().unwrap().len() < 2 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let received = received.lock().unwrap().clone();
    assert_eq!(
        received.len(),
        2,
        "one failed delivery, one retry: {received:?}"
    );
    assert_eq!(received[0], received[1]);
    let event = agni_webhooks::CallCompleted::from_value(received[0].clone()).unwrap();
    assert_eq!(event.dedup_key(), call.session_id);
}

#[tokio::test]
async fn knowledge_file_upload_is_accepted_as_multipart() {
    let sandbox = Sandbox::start().await.unwrap();
    let file = agni::knowledge::KnowledgeFile::from_bytes(
        "faq.md",
        "# FAQ\nOpen 9-5.",
        agni::knowledge::KnowledgeFileKind::Md,
    );
    let uploaded = sandbox
        .client()
        .upload_knowledge_file("kb-1", file)
        .send()
        .await
        .expect("the multipart upload is accepted");
    let base = uploaded
        .into_inner()
        .data
        .and_then(|d| d.knowledge_base)
        .unwrap();
    assert!(
        base.knowledge_base_sources
            .iter()
            .any(|s| s.source_name.as_deref() == Some("faq.md")),
        "{base:?}"
    );

    // Multipart anywhere else is a bad request.
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/agents/", sandbox.base_url()))
        .header("X-Api-Key", sandbox.api_key())
        .header("Content-Type", "multipart/form-data; boundary=x")
        .body("--x--\r\n")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    assert_grpc(&response.json().await.unwrap(), 3, "multipart");
}

// ---------------------------------------------------------------------------------------------
// Lifecycle and the binary
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn dropping_the_sandbox_closes_its_port() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client();
    client.list_agents().send().await.unwrap();
    let addr = sandbox.local_addr();
    drop(sandbox);
    let refused = tokio::net::TcpStream::connect(addr).await.unwrap_err();
    assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
    let client = client.with_options(|o| o.retry = agni::RetryPolicy::none());
    let error = client.list_agents().send().await.unwrap_err();
    assert!(
        matches!(
            error.kind(),
            ErrorKind::Connect | ErrorKind::ConnectionLost(_)
        ),
        "{error:#}"
    );
}

#[test]
fn handles_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Sandbox>();
    send_sync::<agni_sandbox::SandboxBuilder>();
}

#[test]
fn sandboxes_serve_any_runtime_and_none() {
    // Started on one runtime, used from another, dropped outside any.
    let sandbox = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(Sandbox::start())
        .unwrap();
    let agents = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async { sandbox.client().list_agents().send().await })
        .unwrap();
    assert!(agents.data.is_empty());
    let addr = sandbox.local_addr();
    drop(sandbox);
    assert!(std::net::TcpStream::connect(addr).is_err());
}

/// Kills the child process when the test ends, however it ends.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_binary_prints_its_address_and_serves() {
    use std::io::BufRead;

    let mut child = KillOnDrop(
        std::process::Command::new(env!("CARGO_BIN_EXE_agni-sandbox"))
            .args([
                "--port",
                "0",
                "--api-key",
                "sk_sandbox_cli",
                "--encoding",
                "protojson",
            ])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("the binary starts"),
    );
    let mut lines = std::io::BufReader::new(child.0.stdout.take().unwrap()).lines();
    let first = lines.next().expect("a first line").unwrap();
    let base_url = first
        .rsplit(' ')
        .next()
        .filter(|url| url.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_owned();
    let key_line = lines.next().expect("a second line").unwrap();
    assert_eq!(key_line, "API key: sk_sandbox_cli");

    let client = agni::Client::builder()
        .base_url(&base_url)
        .api_key("sk_sandbox_cli")
        .build()
        .unwrap();
    let agents = client.list_agents().send().await.unwrap();
    assert!(agents.data.is_empty());
    let (status, body) = {
        let response = reqwest::Client::new()
            .get(format!("{base_url}/api/v1/agents/"))
            .header("X-Api-Key", "sk_sandbox_cli")
            .send()
            .await
            .unwrap();
        (
            response.status().as_u16(),
            response.json::<Value>().await.unwrap(),
        )
    };
    assert_eq!(status, 200);
    assert_eq!(body["meta"]["total"], json!("0"), "protojson: {body}");
    drop(child);
}
