//! Request validation: required fields, types, JSON, query parameters, protojson spellings,
//! and multipart uploads.

use super::*;

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

#[tokio::test]
async fn phone_numbers_must_be_valid_for_their_country() {
    let sandbox = Sandbox::start().await.unwrap();
    // E.164 in shape, but +1 999 is no North American area code: the SDK would refuse it
    // before sending, so raw HTTP.
    let (status, body) = post(
        &sandbox,
        "/api/v1/phone-numbers/buy/",
        r#"{"phone_number": "+19995550100"}"#,
    )
    .await;
    assert_eq!(status, 400);
    assert_grpc(&body, 3, "field \"phone_number\"");
    let (status, body) = post(
        &sandbox,
        "/api/v1/phone-numbers/import/",
        r#"{"phone": "+44 20 7946 010"}"#,
    )
    .await;
    assert_eq!(status, 400);
    assert_grpc(&body, 3, "field \"phone\"");
    // Contacts too: the real API refuses what is not a number, and so does the sandbox.
    let (status, body) = post(
        &sandbox,
        "/api/v1/contacts/",
        r#"{"first_name": "Ada", "phone": "not a number"}"#,
    )
    .await;
    assert_eq!(status, 400);
    assert_grpc(&body, 3, "field \"phone\"");
}

/// A JSON `PUT` with the sandbox's bearer token.
async fn put_with_bearer(sandbox: &Sandbox, path: &str, body: &'static str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .put(format!("{}{path}", sandbox.base_url()))
        .header(
            "Authorization",
            format!("Bearer {}", sandbox.bearer_token()),
        )
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn null_is_a_value_only_where_the_spec_says_nullable() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client();
    let agent = create_agent(&client, "Maya").await;
    let path = format!("/api/v1/calcom/agents/{agent}/account");
    // `calcom_account_id` is required and nullable: null unlinks, absent is a 400.
    let (status, body) = put_with_bearer(&sandbox, &path, r#"{"calcom_account_id": null}"#).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["data"]["calcom_account_id"].is_null(), "{body}");
    let (status, body) = put_with_bearer(&sandbox, &path, "{}").await;
    assert_eq!(status, 400);
    assert_grpc(&body, 3, "calcom_account_id");
    // Elsewhere null means absent: a required field sent as null is missing.
    let (status, body) = post(
        &sandbox,
        "/api/v1/calling/create-call",
        r#"{"type": "web_call", "agent_id": null}"#,
    )
    .await;
    assert_eq!(status, 400);
    assert_grpc(&body, 3, "agent_id");
}
