//! Reading answers: 2xx bodies that do not decode (with the failing path), undocumented 2xx
//! statuses, the `"success": false` envelope, both error-body shapes (gRPC status and envelope),
//! and the lenient decoding of what the live API really sends (camelCase keys, numbers as
//! strings, unknown enum values). None of these is retried: one request each.

use agni::{Error, ErrorCode, ErrorKind, prelude::*, types};

use super::{client_for, ok, scenarios};
use crate::support::raw_server::{Server, json};

scenarios! {
    // 200 bodies that do not decode.
    empty_200_body_is_a_decode_error: Get, [ok("")] => Err((ErrorKind::Decode { .. }, _)), 1;
    truncated_200_body_is_a_decode_error:
        Get, [ok(r#"{"success": true, "data": {"id": "a"#)] => Err((ErrorKind::Decode { .. }, _)), 1;
    mistyped_field_decode_error_names_its_path:
        Get, [ok(r#"{"data": {"temperature": {}}}"#)]
        => Err((ErrorKind::Decode { path, .. }, e))
            if path == "data.temperature" && e.operation() == Some("get_agent"), 1;

    // Undocumented 2xx statuses are still successes: a create may answer 201, a delete 204.
    created_201_is_a_success: Buy, [json(201, r#"{"success": true}"#)] => Ok(()), 1;
    no_content_204_delete_is_a_success: Delete, [json(204, "")] => Ok(()), 1;
    empty_200_delete_is_a_success: Delete, [ok("")] => Ok(()), 1;
    undecodable_201_is_a_decode_error:
        Get, [json(201, "<html>")] => Err((ErrorKind::Decode { .. }, _)), 1;

    // A 2xx envelope that reports failure.
    success_false_in_a_200_is_an_api_error:
        Get, [ok(r#"{"success": false, "message": "agent is archived"}"#)]
        => Err((ErrorKind::Api(api), _))
            if api.status().as_u16() == 200 && api.message() == Some("agent is archived"), 1;

    // Error bodies: gRPC and envelope shapes, none retried.
    grpc_400_keeps_code_and_message:
        Get, [json(400, r#"{"code": 3, "message": "invalid uuid", "details": []}"#)]
        => Err((ErrorKind::Api(api), _))
            if api.code() == Some(&ErrorCode::Grpc(3)) && api.message() == Some("invalid uuid"), 1;
    grpc_401_is_unauthorized:
        Get, [json(401, r#"{"code": 16, "message": "bad key", "details": []}"#)]
        => Err((_, e)) if e.is_unauthorized() && !e.is_retryable(), 1;
    envelope_403_keeps_symbolic_code_and_inner_message:
        Get, [json(403, r#"{"success": false, "message": "denied",
                            "error": {"code": "FORBIDDEN", "message": "not your agent"}}"#)]
        => Err((ErrorKind::Api(api), _))
            if api.code() == Some(&ErrorCode::Symbolic("FORBIDDEN".into()))
                && api.message() == Some("not your agent"), 1;
    envelope_404_is_not_found:
        Get, [json(404, r#"{"success": false, "message": "missing",
                            "error": {"code": "NOT_FOUND", "message": "no such agent"}}"#)]
        => Err((ErrorKind::Api(api), e)) if e.is_not_found()
            && api.code() == Some(&ErrorCode::Symbolic("NOT_FOUND".into())), 1;
}

/// Lenient decoding of what the live API really sends.
async fn decoded_agent(body: &str) -> Result<types::Agent, Error> {
    let server = Server::script(vec![ok(body)]).await;
    let outcome = client_for(server.port()).get_agent().id("a1").send().await;
    assert_eq!(server.count(), 1);
    Ok(outcome?.into_inner().data)
}

#[tokio::test]
async fn camel_case_fields_decode() {
    let agent = decoded_agent(
        r#"{"success": true,
            "data": {"id": "a1", "agentName": "Ada", "organizationId": "o1", "s2sModel": "m"}}"#,
    )
    .await
    .expect("camelCase decodes");
    assert_eq!(agent.agent_name.as_deref(), Some("Ada"));
    assert_eq!(agent.organization_id.as_deref(), Some("o1"));
    assert_eq!(agent.s2s_model.as_deref(), Some("m"));
}

#[tokio::test]
async fn unknown_enum_value_decodes() {
    let agent = decoded_agent(
        r#"{"success": true, "data": {"id": "a1", "status": "AGENT_STATUS_SUSPENDED"}}"#,
    )
    .await
    .expect("an unknown status decodes");
    assert_eq!(agent.id, "a1");
}

#[tokio::test]
async fn numbers_sent_as_strings_decode() {
    let server = Server::script(vec![ok(
        r#"{"success": true, "data": [], "meta": {"total": "2", "limit": "10"}}"#,
    )])
    .await;
    let list = client_for(server.port()).list_agents().send().await;
    assert_eq!(server.count(), 1);
    let meta = list.expect("stringly numbers decode").into_inner().meta;
    let meta = meta.expect("meta present");
    assert_eq!((meta.total, meta.limit), (Some(2), Some(10)));
}
