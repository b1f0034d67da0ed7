//! Size limits on what the SDK reads: a body over `Options::max_response_bytes`, whether its
//! length is announced or found out while reading, and a response head larger than the HTTP
//! client parses. Neither is retried: the same request would get the same answer.

use agni::{Error, ErrorKind, ResponsePart};

use super::{Op, client_for, ok, run};
use crate::support::raw_server::{Reply, Server, chunked, head, raw};

/// The size cap holds whether the length is announced or only found out while reading.
async fn too_large(reply: Reply, limit: usize) -> Result<(), Error> {
    let server = Server::script(vec![reply]).await;
    let client = client_for(server.port()).with_options(|o| o.max_response_bytes = limit);
    let outcome = Op::Get.call(&client).await;
    assert_eq!(server.count(), 1);
    outcome
}

/// `{"success": true, "message": "xxx…"}` of exactly `len` bytes.
fn body_of(len: usize) -> String {
    let frame = r#"{"success": true, "data": {"id": "a1"}, "message": ""}"#;
    format!(
        r#"{{"success": true, "data": {{"id": "a1"}}, "message": "{}"}}"#,
        "x".repeat(len - frame.len())
    )
}

#[tokio::test]
async fn oversized_body_with_content_length_is_refused() {
    let outcome = too_large(ok(&body_of(2000)), 1024).await;
    assert!(
        matches!(
            outcome.as_ref().map_err(Error::kind),
            Err(ErrorKind::ResponseTooLarge(ResponsePart::Body {
                limit: 1024
            }))
        ),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn oversized_chunked_body_is_refused() {
    let outcome = too_large(chunked(&body_of(2000)), 1024).await;
    assert!(
        matches!(
            outcome.as_ref().map_err(Error::kind),
            Err(ErrorKind::ResponseTooLarge(ResponsePart::Body {
                limit: 1024
            }))
        ),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn body_exactly_at_the_cap_is_accepted() {
    let outcome = too_large(chunked(&body_of(1024)), 1024).await;
    assert!(outcome.is_ok(), "{outcome:?}");
    let outcome = too_large(ok(&body_of(1024)), 1024).await;
    assert!(outcome.is_ok(), "{outcome:?}");
}

/// A 200 whose head carries `headers` and a small valid body.
fn with_headers(headers: &[(String, String)]) -> Reply {
    let headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    let body = br#"{"success": true, "data": {"id": "a1"}}"#;
    let mut bytes = head(200, &headers, Some(body.len()));
    bytes.extend_from_slice(body);
    raw(bytes)
}

/// Issue 10: a head the HTTP client refuses to parse is `ResponseTooLarge(Headers)` after
/// exactly one request (a GET, which would be retried after a lost connection), with a message
/// that says so.
async fn head_too_large(reply: Reply) {
    let outcome = run(Op::Get, vec![reply], 1).await;
    let error = outcome.expect_err("the head is too large");
    assert!(
        matches!(
            error.kind(),
            ErrorKind::ResponseTooLarge(ResponsePart::Headers)
        ),
        "{error:?}"
    );
    assert_eq!(error.attempts(), 1, "{error:?}");
    assert_eq!(
        error.to_string(),
        "get_agent: the response headers exceeded the HTTP client's limit"
    );
}

#[tokio::test]
async fn one_500_kib_header_is_too_large_and_not_retried() {
    head_too_large(with_headers(&[(
        "X-Huge".to_owned(),
        "h".repeat(500 * 1024),
    )]))
    .await;
}

#[tokio::test]
async fn two_hundred_8_kib_headers_are_too_large_and_not_retried() {
    let headers: Vec<(String, String)> = (0..200)
        .map(|i| (format!("X-Filler-{i}"), "f".repeat(8 * 1024)))
        .collect();
    head_too_large(with_headers(&headers)).await;
}

#[tokio::test]
async fn more_headers_than_the_client_parses_are_too_large_and_not_retried() {
    // hyper parses at most 100 headers; 150 tiny ones are a small head but too many.
    let headers: Vec<(String, String)> = (0..150)
        .map(|i| (format!("X-Many-{i}"), "m".to_owned()))
        .collect();
    head_too_large(with_headers(&headers)).await;
}
