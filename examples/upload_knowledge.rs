//! Adds a file (PDF, TXT, DOCX or Markdown) to a knowledge base.
//!
//! ```sh
//! export RAVAN_API_KEY=...
//! cargo run --example upload_knowledge -- <knowledge-base-id> <file>
//! ```

use std::process::ExitCode;

use agni::{BuildError, knowledge::KnowledgeFile};

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [kb_id, path] = args.as_slice() else {
        eprintln!("usage: upload_knowledge <knowledge-base-id> <file.pdf|.txt|.docx|.md>");
        return ExitCode::from(2);
    };

    let client = match agni::Client::from_env() {
        Ok(client) => client,
        Err(BuildError::MissingCredentials) => {
            eprintln!(
                "error: {} is not set; export your Agni API key first",
                agni::client::API_KEY_ENV
            );
            return ExitCode::from(2);
        }
        Err(error) => {
            eprintln!("error: cannot configure the client: {error}");
            return ExitCode::from(2);
        }
    };

    // Checks the extension and that the file is not empty before anything is sent.
    let file = match KnowledgeFile::from_path(path).await {
        Ok(file) => file,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    println!(
        "uploading {} ({} bytes, {:?})",
        file.name(),
        file.len(),
        file.kind()
    );

    match client.upload_knowledge_file(kb_id, file).send().await {
        Ok(answer) => {
            let Some(kb) = answer.data.as_ref().and_then(|d| d.knowledge_base.as_ref()) else {
                println!(
                    "uploaded; {}",
                    answer.message.as_deref().unwrap_or("no details")
                );
                return ExitCode::SUCCESS;
            };
            println!(
                "knowledge base {} ({}) now has {} sources, status {}",
                kb.knowledge_base_name.as_deref().unwrap_or("-"),
                kb.knowledge_base_id,
                kb.knowledge_base_sources.len(),
                kb.status
                    .as_ref()
                    .map_or_else(|| "-".to_owned(), |s| format!("{s:?}")),
            );
            for source in &kb.knowledge_base_sources {
                println!(
                    "  {} {} {}",
                    source.source_id,
                    source.source_name.as_deref().unwrap_or("-"),
                    source.source_status.as_deref().unwrap_or("-"),
                );
            }
            ExitCode::SUCCESS
        }
        Err(error) if error.is_not_found() => {
            eprintln!("error: no knowledge base {kb_id}: {error}");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
