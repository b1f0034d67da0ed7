//! Who may call what: credentials per operation (the API key, the bearer token, a recording
//! URL's own token), exact paths, and unknown ids.

use super::*;

/// A GET of `url` with these headers: its status, `Content-Type` and body.
async fn fetch(url: &str, headers: &[(&str, &str)]) -> (u16, String, Vec<u8>) {
    let mut request = reqwest::Client::new().get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("the sandbox answers");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (
        status,
        content_type,
        response.bytes().await.unwrap().to_vec(),
    )
}

fn json_of(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap_or_else(|_| panic!("not JSON: {body:?}"))
}

#[tokio::test]
async fn each_operation_takes_the_credentials_its_security_lists() {
    let sandbox = Sandbox::builder()
        .api_key("sk_sandbox_right")
        .bearer_token("jwt_sandbox_right")
        .start()
        .await
        .unwrap();
    let agent = create_agent(&sandbox.client(), "Maya").await;
    let key = ("X-Api-Key", "sk_sandbox_right");
    let bearer = ("Authorization", "Bearer jwt_sandbox_right");

    // The bearer token only.
    let info = format!("{}/api/v1/calcom/agents/{agent}/info", sandbox.base_url());
    let (status, _, body) = fetch(&info, &[key]).await;
    assert_eq!(status, 401);
    assert_grpc(&json_of(&body), 16, "bearer token is missing or invalid");
    let (status, _, _) = fetch(&info, &[("Authorization", "Bearer jwt_sandbox_wrong")]).await;
    assert_eq!(status, 401);
    let (status, _, body) = fetch(&info, &[bearer]).await;
    assert_eq!(status, 200, "{}", json_of(&body));

    // Either of them.
    let appointments = format!("{}/api/v1/calcom/appointments", sandbox.base_url());
    for credential in [key, bearer] {
        let (status, _, _) = fetch(&appointments, &[credential]).await;
        assert_eq!(status, 200, "with {}", credential.0);
    }
    let (status, _, body) = fetch(&appointments, &[]).await;
    assert_eq!(status, 401);
    assert_grpc(&json_of(&body), 16, "API key (or bearer token)");

    // The sandbox's own client holds both, and the SDK picks the one each operation takes.
    let through_sdk = sandbox
        .client()
        .get_agent_calcom_info()
        .agent_id(&agent)
        .send()
        .await
        .expect("the bearer token is sent");
    assert_eq!(through_sdk.into_inner().data.connected, Some(false));
}

#[tokio::test]
async fn a_recording_url_authorizes_itself_with_its_token() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client();
    let agent = create_agent(&client, "Maya").await;
    let call = client.start_web_call(&agent).send().await.unwrap();
    let detail = client
        .get_call_session_detail()
        .id(&call.session_id)
        .send()
        .await
        .unwrap()
        .into_inner()
        .data;
    let url = detail.recording_url.expect("a recording URL");
    assert!(url.starts_with(sandbox.base_url()), "{url}");

    // The token alone is enough.
    let (status, content_type, audio) = fetch(&url, &[]).await;
    assert_eq!((status, content_type.as_str()), (200, "audio/mpeg"));
    assert_eq!(&audio[..2], &[0xFF, 0xFB], "MPEG audio");
    let forged = format!("{}forged", &url[..url.len() - 6]);
    let (status, _, body) = fetch(&forged, &[]).await;
    assert_eq!(status, 401);
    assert_grpc(&json_of(&body), 16, "recording token");

    // Without a token the endpoint needs the key, and names the signed URL.
    let endpoint = format!(
        "{}/api/v1/calling/sessions/{}/recording",
        sandbox.base_url(),
        call.session_id
    );
    let (status, _, _) = fetch(&endpoint, &[]).await;
    assert_eq!(status, 401);
    let (status, content_type, body) = fetch(&endpoint, &[("X-Api-Key", sandbox.api_key())]).await;
    assert_eq!((status, content_type.as_str()), (200, "application/json"));
    assert_eq!(json_of(&body)["data"]["recording_url"], url.as_str());
}

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
