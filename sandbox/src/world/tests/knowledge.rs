//! Knowledge bases: sources, queries and deletes, and the legacy document operations.

use super::*;

#[test]
fn knowledge_base_sources_query_and_delete() {
    let mut world = new_world(Seed::empty());
    let missing = failure(
        &mut world,
        request("GetKnowledgeBase", &[("kb_id", "kb-1")], &[], Value::Null),
    );
    assert!(matches!(missing, Failure::NotFound(_)));
    let added = ok_json(
        &mut world,
        request(
            "AddKnowledgeBaseSources",
            &[("kb_id", "kb-1")],
            &[],
            json!({"knowledge_base_texts": [{"title": "Hours", "text": "We are open 9 to 5 on weekdays. Parking is free."}],
                   "knowledge_base_urls": ["https://example.com/pricing"]}),
        ),
    );
    let kb = &added["data"]["knowledge_base"];
    assert_eq!(kb["knowledge_base_id"], "kb-1");
    assert_eq!(kb["status"], "complete");
    assert!(kb["created_timestamp"].is_i64(), "epoch integers");
    assert!(kb["last_updated_timestamp"].is_i64());
    assert!(kb["knowledge_base_sources"][0]["created_timestamp"].is_i64());
    assert_eq!(
        kb["knowledge_base_sources"].as_array().map(Vec::len),
        Some(2)
    );
    let url_source = &added["data"]["url_sources"][0];
    assert_eq!(url_source["url"], "https://example.com/pricing");
    assert!(url_source["pages_found"].as_i64().is_some_and(|n| n >= 1));
    let bad = failure(
        &mut world,
        request(
            "AddKnowledgeBaseSources",
            &[("kb_id", "kb-1")],
            &[],
            json!({"knowledge_base_urls": ["ftp://x"]}),
        ),
    );
    assert!(matches!(bad, Failure::InvalidArgument(_)));

    let query = |world: &mut World, q: &str| {
        ok_json(
            world,
            request(
                "QueryKnowledgeBase",
                &[],
                &[],
                json!({"org_id": ORG, "kb_id": "kb-1", "query": q}),
            ),
        )
    };
    let answer = query(&mut world, "When are you open on weekdays?");
    let best = &answer["data"]["results"][0];
    assert_eq!(best["text"], "We are open 9 to 5 on weekdays.");
    assert_eq!(
        best["doc_id"], kb["knowledge_base_sources"][0]["source_id"],
        "a source answers with its id"
    );
    assert!(best["score"].as_f64().is_some_and(|s| s > 0.0 && s <= 1.0));
    assert_eq!(
        query(&mut world, "pricing")["data"]["results"][0]["metadata"]["source_url"],
        "https://example.com/pricing"
    );
    assert_eq!(query(&mut world, "submarine")["data"]["results"], json!([]));

    let text_source = text(&kb["knowledge_base_sources"][0]["source_id"]);
    let after = ok_json(
        &mut world,
        request(
            "DeleteKnowledgeBaseSource",
            &[("kb_id", "kb-1"), ("source_id", &text_source)],
            &[],
            Value::Null,
        ),
    );
    assert_eq!(
        after["data"]["knowledge_base_sources"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    assert_eq!(query(&mut world, "weekdays")["data"]["results"], json!([]));
    let again = failure(
        &mut world,
        request(
            "DeleteKnowledgeBaseSource",
            &[("kb_id", "kb-1"), ("source_id", &text_source)],
            &[],
            Value::Null,
        ),
    );
    assert!(matches!(again, Failure::NotFound(_)));
}

#[test]
fn legacy_rag_documents() {
    let mut world = new_world(Seed::empty());
    let upserted = ok_json(
        &mut world,
        request(
            "UpsertDocument",
            &[],
            &[],
            json!({"org_id": ORG, "kb_id": "kb-2", "doc_id": "menu", "text": "Pizza costs 12 dollars. Pasta costs 10.",
                   "metadata": {"menu": "lunch"}}),
        ),
    );
    assert_eq!(upserted["data"]["doc_id"], "menu");
    assert_eq!(upserted["data"]["kb_id"], "kb-2");
    assert_eq!(upserted["data"]["status"], "complete");
    assert!(upserted["data"]["text"].is_null(), "text only when fetched");
    let answer = ok_json(
        &mut world,
        request(
            "QueryKnowledgeBase",
            &[],
            &[],
            json!({"org_id": ORG, "kb_id": "kb-2", "query": "pasta"}),
        ),
    );
    let result = &answer["data"]["results"][0];
    assert_eq!(result["text"], "Pasta costs 10.");
    assert_eq!(result["doc_id"], "menu", "a document answers with its id");
    assert_eq!(result["metadata"], json!({"menu": "lunch"}));
    let doc = ok_json(
        &mut world,
        request(
            "GetDocument",
            &[],
            &[("org_id", ORG), ("doc_id", "menu")],
            Value::Null,
        ),
    );
    assert_eq!(
        doc["data"]["text"],
        "Pizza costs 12 dollars. Pasta costs 10."
    );
    // Upserting again replaces the document.
    ok_json(
        &mut world,
        request(
            "UpsertDocument",
            &[],
            &[],
            json!({"org_id": ORG, "kb_id": "kb-2", "doc_id": "menu", "text": "Soup only."}),
        ),
    );
    let docs = ok_json(
        &mut world,
        request(
            "ListDocuments",
            &[],
            &[("org_id", ORG), ("kb_id", "kb-2")],
            Value::Null,
        ),
    );
    assert_eq!(docs["meta"]["total"], 1);
    let kbs = ok_json(
        &mut world,
        request("ListKnowledgeBases", &[], &[("org_id", ORG)], Value::Null),
    );
    assert_eq!(kbs["data"][0]["kb_id"], "kb-2");
    assert_eq!(kbs["data"][0]["document_count"], 1);
    assert_eq!(kbs["meta"]["total"], 1);
    let other_org = ok_json(
        &mut world,
        request("ListKnowledgeBases", &[], &[("org_id", "x")], Value::Null),
    );
    assert_eq!(other_org["data"], json!([]));
    ok_json(
        &mut world,
        request(
            "ManageExclusions",
            &[],
            &[],
            json!({"org_id": ORG, "kb_id": "kb-2", "action": "add", "urls": ["https://example.com/private"]}),
        ),
    );
    let exclusions = ok_json(
        &mut world,
        request(
            "ListExclusions",
            &[],
            &[("org_id", ORG), ("kb_id", "kb-2")],
            Value::Null,
        ),
    );
    assert_eq!(
        exclusions["data"]["urls"],
        json!(["https://example.com/private"])
    );
    let discovered = ok_json(
        &mut world,
        request(
            "DiscoverUrls",
            &[],
            &[],
            json!({"url": "https://example.com", "limit": 3}),
        ),
    );
    assert_eq!(discovered["data"]["urls"].as_array().map(Vec::len), Some(3));
}
