//! Protojson encoding: lowerCamelCase where upstream uses it, 64-bit integers as strings, and
//! the SDK decoding all of it.

use super::*;

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
