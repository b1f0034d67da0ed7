//! Knowledge bases (RAG): add a document's text, upload a file, list the bases and their
//! documents, and ask a question.
//!
//! ```sh
//! cargo run --example knowledge                         # the sandbox, unless RAVAN_API_KEY is set
//! RAVAN_API_KEY=... cargo run --example knowledge -- ORG_ID   # lists your knowledge bases
//! ```

#[path = "common/mod.rs"]
mod common;

use std::process::ExitCode;

use agni::{
    knowledge::{KnowledgeFile, KnowledgeFileKind},
    prelude::*,
    types,
};
use agni_sandbox::Seed;
use common::{Example, Result, or_dash};

const USAGE: &str = "usage: cargo run --example knowledge [-- [--sandbox] [ORG_ID]]";

/// The knowledge base the sandbox run fills.
const KB_ID: &str = "kb-dental-faq";

fn main() -> ExitCode {
    common::run(USAGE, |example| async move {
        let org_id = match (example.in_sandbox(), example.args.first()) {
            (true, _) => Seed::DEMO_ORGANIZATION_ID.to_owned(),
            (false, Some(org_id)) => org_id.clone(),
            (false, None) => return Err(format!("the real API needs your ORG_ID\n{USAGE}").into()),
        };
        if example.in_sandbox() {
            fill(&example, &org_id).await?;
        }
        list(&example, &org_id).await
    })
}

async fn fill(example: &Example, org_id: &str) -> Result {
    let client = &example.client;
    client
        .upsert_document()
        .body(
            types::UpsertDocumentRequest::builder()
                .org_id(org_id)
                .kb_id(KB_ID)
                .doc_id("opening-hours")
                .text(Some(
                    "Acme Dental is open Monday to Friday, 8am to 6pm, and Saturday 9am to 1pm."
                        .to_owned(),
                )),
        )
        .send()
        .await?;
    println!("added document opening-hours to {KB_ID}");

    let file = KnowledgeFile::from_bytes(
        "prices.txt",
        "A check-up costs $80. Whitening costs $250.",
        KnowledgeFileKind::Txt,
    );
    let uploaded = client
        .upload_knowledge_file(KB_ID, file)
        .send()
        .await?
        .into_inner();
    println!(
        "uploaded prices.txt: {}",
        or_dash(uploaded.message.as_deref())
    );

    let answer = client
        .query_knowledge_base()
        .body(
            types::RagQueryRequest::builder()
                .org_id(org_id)
                .kb_id(KB_ID)
                .query("When are you open on Saturday?"),
        )
        .send()
        .await?
        .into_inner();
    for result in answer.data.map(|d| d.results).unwrap_or_default() {
        println!(
            "answer {} ({}): {}",
            or_dash(result.doc_id.as_deref()),
            or_dash(result.score),
            or_dash(result.text.as_deref())
        );
    }
    Ok(())
}

async fn list(example: &Example, org_id: &str) -> Result {
    let bases = example
        .client
        .list_knowledge_bases()
        .org_id(org_id)
        .send()
        .await?
        .into_inner();
    println!("{} knowledge bases:", bases.data.len());
    for base in &bases.data {
        let documents = example
            .client
            .list_documents()
            .org_id(org_id)
            .kb_id(&base.kb_id)
            .send()
            .await?
            .into_inner();
        println!(
            "  {} ({} documents)",
            base.kb_id,
            or_dash(base.document_count)
        );
        for document in &documents.data {
            println!("    {}", document.doc_id);
        }
    }
    Ok(())
}
