//! Knowledge bases: sources, uploads, queries, documents.

use super::*;

#[tokio::test]
async fn knowledge_base() {
    let sandbox = start(Seed::default()).await;
    let client = sandbox.client();
    let kb = "0198f6a2-1111-7000-8000-00000000000b";
    assert!(
        client
            .get_knowledge_base()
            .kb_id(kb)
            .send()
            .await
            .unwrap_err()
            .is_not_found()
    );

    let added = client
        .add_knowledge_base_sources()
        .kb_id(kb)
        .body(types::AddKnowledgeBaseSourcesRequest {
            knowledge_base_texts: vec![types::KnowledgeBaseText {
                title: Some("Hours".into()),
                text: Some("We are open 9 to 5 on weekdays. Parking is free for guests.".into()),
                extra: Default::default(),
            }],
            knowledge_base_urls: vec!["https://example.com/pricing".into()],
            extra: Default::default(),
        })
        .send()
        .await
        .expect("add sources")
        .into_inner()
        .data
        .expect("data");
    assert_eq!(added.url_sources.len(), 1);
    assert!(added.url_sources[0].pages_found.is_some_and(|n| n >= 1));
    let base = added.knowledge_base.expect("knowledge base");
    assert_eq!(base.knowledge_base_sources.len(), 2);
    assert_eq!(base.status, Some(types::KnowledgeBaseStatus::Complete));

    let file = agni::knowledge::KnowledgeFile::from_bytes(
        "menu.md",
        "# Menu\nThe lasagne is vegetarian.",
        agni::knowledge::KnowledgeFileKind::Md,
    );
    let uploaded = client
        .upload_knowledge_file(kb, file)
        .send()
        .await
        .expect("upload")
        .into_inner();
    let sources = uploaded
        .data
        .and_then(|d| d.knowledge_base)
        .expect("kb")
        .knowledge_base_sources;
    assert_eq!(sources.len(), 3);
    assert_eq!(
        sources[2].source_type,
        Some(types::KnowledgeBaseSourceSourceType::Document)
    );
    assert_eq!(sources[2].source_name.as_deref(), Some("menu.md"));

    let fetched = client
        .get_knowledge_base()
        .kb_id(kb)
        .send()
        .await
        .expect("get")
        .into_inner()
        .data;
    assert_eq!(fetched.knowledge_base_id, kb);
    assert!(
        fetched
            .created_timestamp
            .is_some_and(|t| t.as_datetime().timestamp() > 1_700_000_000),
        "a recent creation time"
    );

    let query = |q: &str| {
        client.query_knowledge_base().body(types::RagQueryRequest {
            org_id: Seed::DEMO_ORGANIZATION_ID.into(),
            kb_id: kb.into(),
            query: q.into(),
            extra: Default::default(),
        })
    };
    let answer = query("Is parking free?")
        .send()
        .await
        .expect("query")
        .into_inner();
    let results = answer.data.expect("results").results;
    assert_eq!(
        results[0].text.as_deref(),
        Some("Parking is free for guests.")
    );
    let vegetarian = query("vegetarian lasagne")
        .send()
        .await
        .expect("query")
        .into_inner();
    assert!(
        vegetarian.data.expect("results").results[0]
            .text
            .as_deref()
            .is_some_and(|text| text.contains("lasagne"))
    );

    let text_source = fetched.knowledge_base_sources[0].source_id.clone();
    let after = client
        .delete_knowledge_base_source()
        .kb_id(kb)
        .source_id(&text_source)
        .send()
        .await
        .expect("delete source")
        .into_inner()
        .data
        .expect("kb");
    assert_eq!(after.knowledge_base_sources.len(), 2);
    let gone = query("parking").send().await.expect("query").into_inner();
    assert!(gone.data.is_none_or(|data| data.results.is_empty()));
}
