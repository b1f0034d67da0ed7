//! Who may call what: credentials per operation, exact paths, and unknown ids.

use super::*;

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
