//! The sandbox's HTTP edge, through the real `agni::Client` and, where the SDK cannot produce
//! the bad request, raw `reqwest`, one module per concern; this one owns the raw-request and
//! error-shape helpers they share.

mod access;
mod encoding;
mod faults;
mod lifecycle;
mod validation;
mod webhooks;

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
