//! Fault injection: the SDK against the loopback server of `support::raw_server`, misbehaving
//! on cue. Every answer carries `Connection: close`, so the number of requests the server logged
//! is exactly the number of attempts that reached it; every row asserts it.
//!
//! Clients use fast retries (backoff ≤ 5 ms, the default 2 retries) and a generous 5 s per
//! attempt, which only a stall reaches: on a loaded machine a slow answer must not turn into a
//! timeout and an extra attempt. The scenarios that stall on purpose set 300 ms
//! ([`stall_timeout`]) to end quickly. Every error is also checked not to print the API key
//! (`assert_no_secret`).
//!
//! | scenario | call | outcome | requests | module |
//! |---|---|---|---|---|
//! | connection refused | GET, POST | `Connect`, 3 attempts (from the trace) | – | retries |
//! | reset before response | GET / POST purchase | `ConnectionLost{BeforeResponse}` | 3 / **1** | retries |
//! | reset mid-body on 200 | GET / POST purchase | `ConnectionLost{MidBody}` | 3 / 1 | retries |
//! | stall past the timeout | GET / POST | `Timeout` | 3 / 1 | retries |
//! | stall under a 450 ms deadline | GET | `Timeout` within the deadline | 2 | retries |
//! | 500 with a per-request `RetryPolicy::none()` | GET | `Api` 500 | 1 | retries |
//! | 429 + `Retry-After` (1 s, HTTP date, none), then 200 | GET, POST | `Ok`, waited | 2 | retries |
//! | 429 + `Retry-After: 3600` | GET | rate limited, `retry_after` 3600 s | 1 | retries |
//! | 429 + `Retry-After: 99999999999999999999` | POST | rate limited, `Duration::MAX` | 1 | retries |
//! | 429 + `Retry-After: 0`, then 200 | POST | `Ok`, ≥ backoff floor apart (server clock) | 2 | retries |
//! | 408/500/502/503/504, then 200 | GET | `Ok` | 2 | retries |
//! | 503 | POST | `Api` 503 | 1 | retries |
//! | 500 forever, HTML 502 forever | GET | `Api` 500 / 502 with excerpt | 3 | retries |
//! | empty, truncated, mistyped 200 body | GET | `Decode` (with path) | 1 | decoding |
//! | 200 `{"success": false}` | GET | `Api` 200 with the message | 1 | decoding |
//! | 400/401 gRPC, 403/404 envelope | GET | codes, helpers | 1 | decoding |
//! | camelCase, stringly numbers, unknown enum | GET, list | decodes | 1 | decoding |
//! | body over `max_response_bytes` (length, chunked) | GET | `ResponseTooLarge(Body)` | 1 | limits |
//! | head too large (one 500 KiB header, 200 × 8 KiB, 150 headers) | GET | `ResponseTooLarge(Headers)` | 1 | limits |
//! | `/`, `..`, `?` inside a path parameter | GET | encoded, route unchanged | 1 | paths |
//! | `.`, `..`, empty, `%2e`, `%2E%2e` as a path parameter | GET, DELETE | `InvalidRequest` naming it | **0** | paths |
//! | 302 to a URL with userinfo and signed query | GET | `Redirect`, redacted everywhere | 1 | security |
//! | tracing at TRACE, `Debug`/`Display` of client and errors | all | no API key | – | security |
//! | key with non-ASCII, control character, space | build | `InvalidApiKey` | 0 | security |
//! | `HTTP_PROXY`/`http_proxy`/`ALL_PROXY`, plain-http base URL | GET (child process) | direct | proxy 0, API 1 | proxies |
//! | explicit `.proxy(..)`, plain-http base URL | build | `InsecureProxy` | 0, 0 | proxies |

use std::time::Duration;

use agni::{Error, prelude::*, types};

use crate::support::raw_server::{Reply, Seen, Server, json, reset_after};

mod decoding;
mod limits;
mod paths;
mod proxies;
mod retries;
mod security;

pub const API_KEY: &str = "sk_test_SECRET123";
pub const OK_BODY: &str = r#"{"success": true, "data": {"id": "a1"}}"#;

/// A 200 JSON answer.
pub fn ok(body: &str) -> Reply {
    json(200, body)
}

/// A 200 head promising 1000 bytes, 30 of them, then a reset.
pub fn reset_mid_body() -> Reply {
    reset_after(
        b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\n\
          Content-Length: 1000\r\n\r\n{\"success\": true, \"data\": {\"id"
            .to_vec(),
    )
}

pub fn fast_retries() -> agni::RetryPolicy {
    agni::RetryPolicy {
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(5),
        ..agni::RetryPolicy::default()
    }
}

/// The attempt timeout of the scenarios that stall on purpose.
pub const STALL_TIMEOUT: Duration = Duration::from_millis(300);

/// For scenarios that stall on purpose: attempts end after [`STALL_TIMEOUT`].
pub fn stall_timeout(options: &mut agni::Options) {
    options.timeout = STALL_TIMEOUT;
}

pub fn client_for(port: u16) -> agni::Client {
    crate::support::logs::install_subscriber();
    agni::Client::builder()
        .api_key(API_KEY)
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry(fast_retries())
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client builds")
}

/// The calls the scenarios are run with: idempotent ones, and one that must never be repeated
/// once it may have reached the server.
#[derive(Clone, Copy, Debug)]
pub enum Op {
    /// `get_agent`: GET.
    Get,
    /// `buy_phone_number`: POST, a purchase.
    Buy,
    /// `delete_agent`: DELETE, documented with an empty 200.
    Delete,
}

impl Op {
    /// How the server sees this call's request line.
    pub fn request_line(self) -> &'static str {
        match self {
            Op::Get => "GET /api/v1/agents/a1/ HTTP/1.1",
            Op::Buy => "POST /api/v1/phone-numbers/buy/ HTTP/1.1",
            Op::Delete => "DELETE /api/v1/agents/a1/ HTTP/1.1",
        }
    }

    pub async fn call(self, client: &agni::Client) -> Result<(), Error> {
        let outcome = match self {
            Op::Get => client.get_agent().id("a1").send().await.map(drop),
            Op::Delete => client.delete_agent().id("a1").send().await.map(drop),
            Op::Buy => {
                let purchase = types::BuyPhoneNumberRequest {
                    phone_number: Some("+14155550100".parse()?),
                    ..Default::default()
                };
                client
                    .buy_phone_number()
                    .body(purchase)
                    .send()
                    .await
                    .map(drop)
            }
        };
        if let Err(error) = &outcome {
            assert_no_secret(error);
        }
        outcome
    }
}

/// Calls `op` once against a fresh server playing `script` and asserts the server received
/// exactly `requests` requests, each of them this call's, authenticated.
pub async fn run(op: Op, script: Vec<Reply>, requests: usize) -> Result<(), Error> {
    run_with(op, script, requests, |_| {}).await.0
}

/// [`run`] with the client's options changed for this call (`Client::with_options`); also
/// returns the requests, for checks on their timing.
pub async fn run_with(
    op: Op,
    script: Vec<Reply>,
    requests: usize,
    change: impl FnOnce(&mut agni::Options),
) -> (Result<(), Error>, Vec<Seen>) {
    let server = Server::script(script).await;
    let outcome = op
        .call(&client_for(server.port()).with_options(change))
        .await;
    let seen = server.seen();
    assert_eq!(
        seen.len(),
        requests,
        "{op:?} received {} requests; outcome {outcome:?}",
        seen.len()
    );
    for request in &seen {
        assert_eq!(request.line, op.request_line(), "{request:?}");
        assert_eq!(request.header("x-api-key"), Some(API_KEY), "{request:?}");
    }
    (outcome, seen)
}

/// No rendering of `error`, nor of anything in its source chain, contains the API key.
pub fn assert_no_secret(error: &Error) {
    let mut renderings = vec![
        format!("{error}"),
        format!("{error:#}"),
        format!("{error:?}"),
        format!("{error:#?}"),
    ];
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        renderings.push(format!("{cause} {cause:?}"));
        source = cause.source();
    }
    for rendering in renderings {
        assert!(!rendering.contains("SECRET123"), "key leaked: {rendering}");
    }
}

pub fn status(error: &Error) -> Option<u16> {
    error.status().map(|status| status.as_u16())
}

/// `name: Op (with change), [script] => outcome pattern (if guard), requests;` becomes one
/// test: the call is made once, with the client's options changed by `change` if given, against
/// a fresh server playing the script, and the server must have received exactly `requests`
/// requests. Patterns match `(what went wrong, the whole error)`.
macro_rules! scenarios {
    (@change) => { |_: &mut agni::Options| {} };
    (@change $change:expr) => { $change };
    ($(
        $name:ident: $op:ident $(with $change:expr)?, [$($step:expr),+ $(,)?]
        => $outcome:pat $(if $guard:expr)?, $requests:literal;
    )*) => {
        $(
            #[tokio::test]
            async fn $name() {
                let change = $crate::faults::scenarios!(@change $($change)?);
                let (outcome, _) = $crate::faults::run_with(
                    $crate::faults::Op::$op, vec![$($step),+], $requests, change
                ).await;
                let matched = outcome.as_ref().map_err(|e| (e.kind(), e));
                assert!(matches!(matched, $outcome $(if $guard)?), "{outcome:?}");
            }
        )*
    };
}
pub(crate) use scenarios;
