//! Knowledge-base file upload on the wire: the multipart request as a server parses it, the
//! typed answer, the retry of a 429 (which proves the body is replayable), and the refusals
//! that must happen before anything is sent.
//!
//! The loopback server (`support::raw_server`) logs each request with its `Content-Length`
//! body and answers with the next reply of its script (the last one repeats). The body is
//! parsed with `multer`, the multipart parser behind axum's `Multipart`, so the check
//! does not share code or assumptions with the SDK's encoder.

use std::time::Duration;

use agni::{
    ErrorKind,
    knowledge::{KnowledgeFile, KnowledgeFileKind},
};

use crate::support::raw_server::{Seen, Server, json};

const API_KEY: &str = "sk_test_KNOWLEDGE";
const KB_ID: &str = "0198f6a2-6d1e-7c1a-9d4f-2b1e3c4d5e6f";
const OK_BODY: &str = r#"{
  "success": true,
  "message": "Sources added",
  "data": {
    "knowledge_base": {
      "knowledge_base_id": "0198f6a2-6d1e-7c1a-9d4f-2b1e3c4d5e6f",
      "knowledge_base_name": "Handbook",
      "status": "in_progress",
      "enable_auto_refresh": false,
      "knowledge_base_sources": [
        {"source_id": "s-1", "source_type": "document", "source_name": "handbook.pdf",
         "source_status": "processing", "created_timestamp": 1732700000}
      ],
      "created_timestamp": 1732600000,
      "last_updated_timestamp": 1732700000
    },
    "url_sources": []
  }
}"#;

/// The client every test uses: the API key, this server as the base URL, fast retries.
trait ApiClient {
    fn client(&self) -> agni::Client;
}

impl ApiClient for Server {
    fn client(&self) -> agni::Client {
        agni::Client::builder()
            .api_key(API_KEY)
            .base_url(self.origin())
            .retry(agni::RetryPolicy {
                initial_backoff: Duration::from_millis(1),
                max_backoff: Duration::from_millis(5),
                ..agni::RetryPolicy::default()
            })
            .timeout(Duration::from_secs(5))
            .build()
            .expect("client builds")
    }
}

/// One part as `multer` parsed it.
#[derive(Debug)]
struct ParsedPart {
    name: Option<String>,
    file_name: Option<String>,
    content_type: Option<String>,
    bytes: Vec<u8>,
}

async fn parse_multipart(seen: &Seen) -> Vec<ParsedPart> {
    let content_type = seen.header("content-type").expect("a content type");
    let boundary = multer::parse_boundary(content_type).expect("a multipart boundary");
    let mut multipart = multer::Multipart::with_reader(&seen.body[..], boundary);
    let mut parts = Vec::new();
    while let Some(field) = multipart.next_field().await.expect("well-formed multipart") {
        let name = field.name().map(str::to_owned);
        let file_name = field.file_name().map(str::to_owned);
        let content_type = field.content_type().map(ToString::to_string);
        let bytes = field.bytes().await.expect("part body").to_vec();
        parts.push(ParsedPart {
            name,
            file_name,
            content_type,
            bytes,
        });
    }
    parts
}

/// Bytes that look like a PDF and contain CRLFs, dashes and NULs, as real files do.
fn pdf_bytes() -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\r\n%\xE2\xE3\xCF\xD3\r\n--\r\n\0\0".to_vec();
    bytes.extend((0..=255u8).cycle().take(70_000));
    bytes.extend_from_slice(b"\r\n%%EOF\r\n");
    bytes
}

// ---------------------------------------------------------------------------------------------
// Tests.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn multipart_request_on_the_wire_and_typed_answer() {
    let server = Server::script(vec![json(200, OK_BODY)]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("handbook.pdf");
    let content = pdf_bytes();
    std::fs::write(&path, &content).expect("write");

    let file = KnowledgeFile::from_path(&path).await.expect("reads");
    assert_eq!(file.kind(), KnowledgeFileKind::Pdf);
    let answer = server
        .client()
        .upload_knowledge_file(KB_ID, file)
        .send()
        .await
        .expect("uploads");

    // The typed answer.
    assert_eq!(answer.status().as_u16(), 200);
    let kb = answer
        .data
        .as_ref()
        .and_then(|d| d.knowledge_base.as_ref())
        .expect("knowledge_base");
    assert_eq!(kb.knowledge_base_id, KB_ID);
    assert_eq!(kb.knowledge_base_name.as_deref(), Some("Handbook"));
    assert_eq!(kb.knowledge_base_sources.len(), 1);
    assert_eq!(
        kb.knowledge_base_sources[0].source_name.as_deref(),
        Some("handbook.pdf")
    );
    assert_eq!(
        kb.created_timestamp,
        agni::Timestamp::from_epoch(1_732_600_000.0)
    );

    // The request.
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    let request = &seen[0];
    assert_eq!(
        request.line,
        format!("POST /api/v1/rag/knowledge-base/{KB_ID}/add-sources HTTP/1.1")
    );
    assert_eq!(request.header("x-api-key"), Some(API_KEY));
    assert_eq!(request.header("accept"), Some("application/json"));
    let content_type = request.header("content-type").expect("content type");
    let boundary = content_type
        .strip_prefix("multipart/form-data; boundary=")
        .expect("multipart/form-data with a boundary");
    assert!(
        (1..=70).contains(&boundary.len()),
        "RFC 2046 boundary length: {boundary}"
    );
    assert_eq!(
        request.header("content-length"),
        Some(request.body.len().to_string().as_str())
    );
    // Framing, byte for byte: opens with the first delimiter, closes with the final one.
    assert!(
        request
            .body
            .starts_with(format!("--{boundary}\r\n").as_bytes())
    );
    assert!(
        request
            .body
            .ends_with(format!("\r\n--{boundary}--\r\n").as_bytes())
    );

    let parts = parse_multipart(request).await;
    assert_eq!(parts.len(), 1, "{parts:?}");
    let part = &parts[0];
    assert_eq!(part.name.as_deref(), Some("file"));
    assert_eq!(part.file_name.as_deref(), Some("handbook.pdf"));
    assert_eq!(part.content_type.as_deref(), Some("application/pdf"));
    assert!(
        part.bytes == content,
        "the part's bytes differ from the file"
    );
}

#[tokio::test]
async fn every_kind_has_its_content_type() {
    let cases = [
        ("notes.txt", "text/plain"),
        ("README.MD", "text/markdown"),
        (
            "policy.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ];
    let server = Server::script(vec![json(200, OK_BODY)]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, expected) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, b"content").expect("write");
        let file = KnowledgeFile::from_path(&path).await.expect("reads");
        server
            .client()
            .upload_knowledge_file(KB_ID, file)
            .send()
            .await
            .expect("uploads");
        let seen = server.seen();
        let parts = parse_multipart(seen.last().expect("a request")).await;
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].file_name.as_deref(), Some(name));
        assert_eq!(parts[0].content_type.as_deref(), Some(expected));
        assert_eq!(parts[0].bytes, b"content");
    }
}

#[tokio::test]
async fn awkward_names_and_ids_are_escaped() {
    let server = Server::script(vec![json(200, OK_BODY)]).await;
    let file = KnowledgeFile::from_bytes(
        "Q3 \"final\"\r\nX-Evil: 1.md",
        "# Q3",
        KnowledgeFileKind::Md,
    );
    server
        .client()
        .upload_knowledge_file("a/b c?d#é%", file)
        .send()
        .await
        .expect("uploads");
    let seen = server.seen();
    assert_eq!(
        seen[0].line,
        "POST /api/v1/rag/knowledge-base/a%2Fb%20c%3Fd%23%C3%A9%25/add-sources HTTP/1.1"
    );
    // No header was injected into the part, and the name survives in browser escaping.
    let parts = parse_multipart(&seen[0]).await;
    assert_eq!(parts.len(), 1, "{parts:?}");
    assert_eq!(
        parts[0].file_name.as_deref(),
        Some("Q3 %22final%22%0D%0AX-Evil: 1.md")
    );
    assert_eq!(parts[0].content_type.as_deref(), Some("text/markdown"));
    assert_eq!(parts[0].bytes, b"# Q3");
}

#[tokio::test]
async fn a_429_is_retried_with_the_same_body() {
    let server = Server::script(vec![
        json(
            429,
            r#"{"success": false, "message": "slow down", "error": {"code": "RATE_LIMITED"}}"#,
        ),
        json(200, OK_BODY),
    ])
    .await;
    let file = KnowledgeFile::from_bytes("faq.txt", "Q: hours? A: 9-5.", KnowledgeFileKind::Txt);
    let answer = server
        .client()
        .upload_knowledge_file(KB_ID, file)
        .send()
        .await
        .expect("succeeds on the retry");
    assert_eq!(answer.success, Some(true));

    let seen = server.seen();
    assert_eq!(seen.len(), 2, "one 429, one retry");
    assert_eq!(seen[0].body, seen[1].body, "the retry sends the same body");
    assert_eq!(
        seen[0].header("content-type"),
        seen[1].header("content-type")
    );
    for request in &seen {
        assert_eq!(request.header("x-api-key"), Some(API_KEY));
        let parts = parse_multipart(request).await;
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].bytes, b"Q: hours? A: 9-5.");
    }
}

#[tokio::test]
async fn a_500_on_a_post_is_not_retried() {
    let server = Server::script(vec![json(
        500,
        r#"{"success": false, "message": "boom", "error": {"code": "INTERNAL_ERROR"}}"#,
    )])
    .await;
    let file = KnowledgeFile::from_bytes("faq.txt", "x", KnowledgeFileKind::Txt);
    let error = server
        .client()
        .upload_knowledge_file(KB_ID, file)
        .send()
        .await
        .expect_err("500");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(500));
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn an_undecodable_answer_is_a_decode_error_with_a_path() {
    let server = Server::script(vec![json(
        200,
        r#"{"success": true, "data": {"knowledge_base": {"knowledge_base_sources": 7}}}"#,
    )])
    .await;
    let file = KnowledgeFile::from_bytes("faq.txt", "x", KnowledgeFileKind::Txt);
    let error = server
        .client()
        .upload_knowledge_file(KB_ID, file)
        .send()
        .await
        .expect_err("mistyped");
    assert_eq!(error.operation(), Some("upload_knowledge_file"));
    match error.kind() {
        ErrorKind::Decode { path, .. } => {
            assert_eq!(path, "data.knowledge_base.knowledge_base_sources");
        }
        other => panic!("expected ErrorKind::Decode, got {other:?}"),
    }
}

#[tokio::test]
async fn invalid_files_are_refused_before_sending() {
    let server = Server::script(vec![json(200, OK_BODY)]).await;
    let client = server.client();
    let dir = tempfile::tempdir().expect("tempdir");

    let exe = dir.path().join("setup.exe");
    std::fs::write(&exe, b"MZ").expect("write");
    let no_extension = dir.path().join("README");
    std::fs::write(&no_extension, b"text").expect("write");
    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, b"").expect("write");
    let missing = dir.path().join("missing.pdf");
    for path in [&exe, &no_extension, &empty, &missing] {
        let error = KnowledgeFile::from_path(path).await.expect_err("refused");
        assert!(
            matches!(error.kind(), ErrorKind::InvalidRequest { .. }),
            "{}: {error:?}",
            path.display()
        );
    }

    let refusals = [
        (
            KB_ID,
            KnowledgeFile::from_bytes("empty.pdf", Vec::new(), KnowledgeFileKind::Pdf),
        ),
        (
            KB_ID,
            KnowledgeFile::from_bytes("", "x", KnowledgeFileKind::Txt),
        ),
        (
            "",
            KnowledgeFile::from_bytes("a.txt", "x", KnowledgeFileKind::Txt),
        ),
    ];
    for (kb_id, file) in refusals {
        let description = format!("{kb_id:?} {file:?}");
        let error = client
            .upload_knowledge_file(kb_id, file)
            .send()
            .await
            .expect_err("refused");
        assert!(
            matches!(error.kind(), ErrorKind::InvalidRequest { .. }),
            "{description}: {error:?}"
        );
    }
    assert!(server.seen().is_empty(), "nothing may be sent");
}

#[test]
fn kinds_from_extensions() {
    assert_eq!(
        KnowledgeFileKind::from_path("a/b/c.Docx"),
        Some(KnowledgeFileKind::Docx)
    );
    assert_eq!(
        KnowledgeFileKind::from_extension(".txt"),
        Some(KnowledgeFileKind::Txt)
    );
    assert_eq!(KnowledgeFileKind::from_extension("doc"), None);
    assert_eq!(KnowledgeFileKind::from_path("archive.tar.gz"), None);
    let file = KnowledgeFile::from_bytes("x.pdf", vec![1, 2, 3], KnowledgeFileKind::Pdf);
    assert!(!format!("{file:?}").contains("[1, 2, 3]"));
}
