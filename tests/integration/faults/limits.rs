//! Size limits on what the SDK reads: a body over `Options::max_response_bytes`, whether its
//! length is announced or found out while reading. Not retried: the same request would get the
//! same answer.

use agni::{Error, ErrorKind, ResponsePart};

use super::{Op, client_for, ok};
use crate::support::raw_server::{Reply, Server, chunked};

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
    let frame = r#"{"success": true, "message": ""}"#;
    format!(
        r#"{{"success": true, "message": "{}"}}"#,
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
