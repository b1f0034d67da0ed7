//! `agni_httpmock`: the typed httpmock helpers, used the way an SDK user would in their own tests.
//! Run with `cargo test --features mock --test mock_helpers`.

use agni::{Client, ErrorCode, RetryPolicy, prelude::*, types};
use agni_httpmock::{MockServerExt, httpmock::MockServer};

fn client(server: &MockServer) -> Client {
    Client::builder()
        .api_key("sk_test_mock")
        .base_url(server.base_url())
        .retry(RetryPolicy::none())
        .build()
        .expect("client builds")
}

fn agent(id: &str, name: &str) -> types::Agent {
    types::Agent::builder()
        .id(id)
        .agent_name(name.to_owned())
        .try_into()
        .expect("an agent with an id")
}

#[tokio::test]
async fn get_with_a_path_parameter_matches_only_that_id() {
    let server = MockServer::start_async().await;
    let answer = types::GetAgentResponse {
        data: agent("a1", "Front desk"),
        success: Some(true),
        message: None,
        extra: Default::default(),
    };
    let mock = server.get_agent(|when, then| {
        when.id("a1");
        then.ok(&answer);
    });
    let client = client(&server);

    let got = client
        .get_agent()
        .id("a1")
        .send()
        .await
        .expect("mocked agent");
    assert_eq!(got.into_inner(), answer);

    // Another id does not match the typed path: httpmock answers its own 404.
    let other = client
        .get_agent()
        .id("a2")
        .send()
        .await
        .expect_err("unmocked id");
    assert_eq!(other.status().map(|s| s.as_u16()), Some(404));
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn post_matches_the_typed_body_exactly() {
    let server = MockServer::start_async().await;
    let request = types::CreateAgentRequest {
        agent_name: Some("Front desk".into()),
        begin_message: Some("Hello!".into()),
        max_call_duration_ms: Some(600_000),
        ..Default::default()
    };
    let created = types::CreateAgentResponse {
        data: agent("a9", "Front desk"),
        success: Some(true),
        message: None,
        extra: Default::default(),
    };
    let mock = server.create_agent(|when, then| {
        when.body(&request);
        then.ok(&created);
    });
    let client = client(&server);

    let got = client
        .create_agent()
        .body(request.clone())
        .send()
        .await
        .expect("body matched");
    assert_eq!(got.into_inner(), created);

    // A different body is not this mock's request.
    let different = types::CreateAgentRequest {
        begin_message: Some("Hi".into()),
        ..request
    };
    let unmatched = client
        .create_agent()
        .body(different)
        .send()
        .await
        .expect_err("body differs");
    assert_eq!(unmatched.status().map(|s| s.as_u16()), Some(404));
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn typed_error_answers_become_agni_errors() {
    let server = MockServer::start_async().await;
    // gRPC-gateway shape, as a wrong key gets it.
    let unauthorized = server.list_agents(|when, then| {
        when.limit(5).offset(None);
        then.unauthorized(&types::ErrorBody {
            code: Some(16.into()),
            message: Some("invalid api key".into()),
            ..Default::default()
        });
    });
    // Envelope shape, through the 4XX range helper.
    let conflict = server.get_agent(|when, then| {
        when.id("busy");
        then.client_error(
            409,
            &types::ErrorBody {
                success: Some(false),
                error: Some(
                    types::ErrorDetail {
                        code: Some("CONFLICT".into()),
                        message: Some("agent is in a call".into()),
                        ..Default::default()
                    }
                    .into(),
                ),
                ..Default::default()
            },
        );
    });
    let client = client(&server);

    let error = client.list_agents().limit(5).send().await.expect_err("401");
    let api = error.api().expect("an API error");
    assert_eq!(api.status().as_u16(), 401);
    assert_eq!(api.code(), Some(&ErrorCode::Grpc(16)));
    assert_eq!(api.message(), Some("invalid api key"));

    let error = client.get_agent().id("busy").send().await.expect_err("409");
    let api = error.api().expect("an API error");
    assert_eq!(api.status().as_u16(), 409);
    assert_eq!(api.code(), Some(&ErrorCode::Symbolic("CONFLICT".into())));
    assert_eq!(api.message(), Some("agent is in a call"));

    unauthorized.assert_calls_async(1).await;
    conflict.assert_calls_async(1).await;
}

#[tokio::test]
async fn into_inner_reaches_plain_httpmock_for_what_the_spec_does_not_describe() {
    let server = MockServer::start_async().await;
    let mock = server.get_agent(|when, then| {
        when.id("a1")
            .into_inner()
            .header("x-api-key", "sk_test_mock");
        then.into_inner()
            .status(200)
            .header("content-type", "application/json")
            .body(r#"{"success":true,"data":{"id":"a1","agentName":"camelCase on the wire"}}"#);
    });

    let got = client(&server)
        .get_agent()
        .id("a1")
        .send()
        .await
        .expect("decoded leniently");
    let data = got.into_inner().data;
    assert_eq!(data.agent_name.as_deref(), Some("camelCase on the wire"));
    mock.assert_async().await;
}
