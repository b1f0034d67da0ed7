//! Secrets stay where they belong: the API key reaches the API server and nothing else (not the
//! logs at TRACE, not `Display`/`Debug` of clients, builders or errors); a key that cannot be
//! sent as given is refused at build; a redirect's URL is printed and logged only redacted.

use agni::{BuildError, ErrorKind, prelude::*};

use super::{API_KEY, OK_BODY, Op, assert_no_secret, client_for, ok, run, stall_timeout};
use crate::support::{
    logs::with_logs,
    raw_server::{Server, json, redirect, reset_before_response, stall},
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

/// The same for every other kind of failure, each with its request count: a lost connection
/// (retried), a stall (retried), a refused redirect, a body over the cap, an undecodable body, a
/// refused connection and a request refused before sending. `Op::call` checks every rendering
/// of each error; the logs of all of them together are checked here.
#[tokio::test]
async fn api_key_never_appears_in_failures_of_any_kind() {
    let (kinds, logs) = with_logs(async {
        let mut kinds = Vec::new();
        for (reply, requests) in [
            (reset_before_response(), 3),
            (stall(), 3),
            (redirect(302, "https://elsewhere.example/x"), 1),
            (ok(&format!(r#"{{"message": "{}"}}"#, "x".repeat(4096))), 1),
            (ok(r#"{"data": {"temperature": {}}}"#), 1),
        ] {
            let server = Server::script(vec![reply]).await;
            let client = client_for(server.port()).with_options(|o| {
                stall_timeout(o);
                o.max_response_bytes = 1024;
            });
            let error = Op::Get.call(&client).await.expect_err("fails");
            assert_eq!(server.count(), requests, "{error:?}");
            kinds.push(format!("{:?}", error.kind()));
        }

        let refused_port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
            listener.local_addr().expect("local addr").port()
        };
        let error = Op::Get
            .call(&client_for(refused_port))
            .await
            .expect_err("nothing listens");
        kinds.push(format!("{:?}", error.kind()));

        let server = Server::script(vec![ok(OK_BODY)]).await;
        let error = client_for(server.port())
            .get_agent()
            .send()
            .await
            .expect_err("no id");
        assert_no_secret(&error);
        assert_eq!(server.count(), 0);
        kinds.push(format!("{:?}", error.kind()));
        kinds
    })
    .await;
    for expected in [
        "ConnectionLost(BeforeResponse)",
        "Timeout(Attempt(",
        "Redirect {",
        "ResponseTooLarge(Body { limit: 1024 })",
        "Decode {",
        "Connect",
        "InvalidRequest {",
    ] {
        assert!(
            kinds.iter().any(|kind| kind.starts_with(expected)),
            "{expected} missing from {kinds:?}"
        );
    }
    assert!(logs.contains("agni.request"), "nothing captured:\n{logs}");
    assert!(!logs.contains("SECRET123"), "key in the logs:\n{logs}");

    let builder = agni::Client::builder()
        .api_key(API_KEY)
        .base_url("http://127.0.0.1:9");
    assert!(!format!("{builder:?}").contains("SECRET123"));
}

/// Issue 10: a key that cannot travel as a header value as given (non-ASCII, a control
/// character, a space) is refused at build, without echoing it; no client exists, so the
/// server, which would accept anything, receives nothing.
#[tokio::test]
async fn keys_that_cannot_be_sent_are_refused_at_build() {
    let server = Server::script(vec![ok(OK_BODY)]).await;
    for key in [
        "sk_prøbe",
        "sk_test\u{7}bell",
        "sk_test\nX-Injected: 1",
        "sk_test\ttab",
        "sk test",
    ] {
        let built = agni::Client::builder()
            .api_key(key)
            .base_url(server.origin())
            .build();
        let error = built.expect_err("an unsendable key is refused");
        assert!(
            matches!(error, BuildError::InvalidApiKey),
            "{key:?}: {error:?}"
        );
        for rendering in [format!("{error}"), format!("{error:?}")] {
            assert!(!rendering.contains("sk_"), "{key:?} echoed: {rendering}");
        }
    }
    assert_eq!(server.count(), 0);
}

/// Issue 10: every URL the client prints or logs is redacted. A GET answered with a 302 to a
/// URL holding userinfo and signed query values is not followed (one request); the error's
/// `Display`, `{:#}`, `Debug` and the TRACE logs of the call show neither the password nor the
/// query values, while `Location::as_str` keeps the URL as sent, for a browser.
#[tokio::test]
async fn redirect_location_is_redacted_wherever_it_is_printed() {
    const LOCATION: &str = "https://user:pass@elsewhere.example/x?token=SECRET&sig=SECRET2";
    let (outcome, logs) = with_logs(run(Op::Get, vec![redirect(302, LOCATION)], 1)).await;
    let error = outcome.expect_err("a redirect is an error");
    match error.kind() {
        ErrorKind::Redirect {
            status,
            location: Some(location),
        } => {
            assert_eq!(status.as_u16(), 302);
            assert_eq!(location.as_str(), LOCATION);
        }
        other => panic!("expected ErrorKind::Redirect with a location, got {other:?}"),
    }
    assert_eq!(
        error.to_string(),
        "get_agent: the Agni API redirected (302 Found) to \
         https://elsewhere.example/x?token=<redacted>&sig=<redacted>; redirects are not followed"
    );
    // The failure is logged with the location, redacted: the check below is not vacuous.
    assert!(
        logs.contains("https://elsewhere.example/x?token=<redacted>&sig=<redacted>"),
        "the redirect is not in the logs:\n{logs}"
    );
    for (what, rendering) in [
        ("Display", format!("{error}")),
        ("{:#}", format!("{error:#}")),
        ("Debug", format!("{error:?}")),
        ("{:#?}", format!("{error:#?}")),
        ("logs", logs),
    ] {
        assert!(
            !rendering.contains("pass") && !rendering.contains("SECRET"),
            "{what} shows a secret of the redirect:\n{rendering}"
        );
    }
}
