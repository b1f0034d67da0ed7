//! Secrets stay where they belong: the API key reaches the API server and nothing else (not the
//! logs at TRACE, not `Display`/`Debug` of clients or errors).

use super::{API_KEY, OK_BODY, Op, client_for, ok};
use crate::support::{
    logs::with_logs,
    raw_server::{Server, json},
};

/// The key reaches the server and nowhere else: not the TRACE logs of a success, a retried 500
/// and a 401, nor the client's `Debug` output. (Errors: see `assert_no_secret`.)
#[tokio::test]
async fn api_key_is_sent_but_never_logged_or_printed() {
    let server = Server::script(vec![
        ok(OK_BODY),
        json(500, r#"{"success": false, "message": "boom"}"#),
        ok(OK_BODY),
        json(401, r#"{"code": 16, "message": "bad key", "details": []}"#),
    ])
    .await;
    let client = client_for(server.port());
    let (outcomes, logs) = with_logs(async {
        [
            Op::Get.call(&client).await,
            Op::Get.call(&client).await,
            Op::Get.call(&client).await,
        ]
    })
    .await;
    assert!(outcomes[0].is_ok() && outcomes[1].is_ok(), "{outcomes:?}");
    assert!(
        matches!(&outcomes[2], Err(e) if e.is_unauthorized()),
        "{outcomes:?}"
    );
    assert_eq!(server.count(), 4);
    assert!(
        server
            .seen()
            .iter()
            .all(|seen| seen.header("x-api-key") == Some(API_KEY))
    );

    assert!(
        logs.contains("agni.request") && logs.contains("retrying"),
        "{logs}"
    );
    assert!(!logs.contains("SECRET123"), "key in the logs:\n{logs}");
    for rendering in [format!("{client:?}"), format!("{client:#?}")] {
        assert!(!rendering.contains("SECRET123"), "{rendering}");
    }
}
