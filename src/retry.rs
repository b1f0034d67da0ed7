//! Executing one request with timeouts, a size cap and safe retries: the body of the
//! `ClientHooks::exec` hook that every generated operation goes through.
//!
//! The rules: idempotent methods (GET, HEAD, PUT, DELETE, OPTIONS) retry on connection
//! failures, timeouts and 408/429/500/502/503/504. POST and PATCH retry only when the request
//! provably never reached the server (the connection could not be made) or on 429, which the
//! server sends before doing any work; never after an attempt that may have been processed.
//! Waits are exponential with full jitter, honour `Retry-After` up to a cap, and never run past
//! the call's total deadline.

use std::{
    future::Future,
    sync::LazyLock,
    time::{Duration, Instant, SystemTime},
};

use bytes::{Bytes, BytesMut};
use memchr::memmem::Finder;
use reqwest::{Method, ResponseBuilderExt, StatusCode, header::HeaderMap};
use tracing::Instrument;

use crate::{
    Client, Error,
    call::{Operation, with_call},
    client::Options,
    error::{ApiError, LostStage},
};

/// When and how often a failed request is tried again.
///
/// ```
/// use std::time::Duration;
/// let patient = agni::RetryPolicy { max_retries: 5, ..agni::RetryPolicy::default() };
/// assert_eq!(patient.max_retry_after, Duration::from_secs(60));
/// assert_eq!(agni::RetryPolicy::none().max_retries, 0);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (default 2).
    pub max_retries: u32,
    /// Upper bound of the first backoff; it doubles each retry (default 250 ms).
    pub initial_backoff: Duration,
    /// Largest backoff between attempts (default 8 s).
    pub max_backoff: Duration,
    /// Longest `Retry-After` the client will sleep for (default 60 s); a longer one is returned
    /// to the caller as a rate-limit error carrying [`Error::retry_after`].
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        }
    }

    /// Full-jitter backoff before retry number `retry` (1-based): uniform in `[0, min(max, initial·2^(retry-1))]`.
    fn backoff(&self, retry: u32) -> Duration {
        let ceiling = self
            .initial_backoff
            .saturating_mul(1 << (retry - 1).min(16))
            .min(self.max_backoff);
        ceiling.mul_f64(fastrand::f64())
    }
}

/// 408, 429, 500, 502, 503, 504.
pub(crate) fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 429 | 500 | 502 | 503 | 504)
}

fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
    )
}

/// `Retry-After` as delta-seconds or an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(
        date.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// Maps a transport error; `stage` says whether a response had started arriving.
pub(crate) fn classify(error: reqwest::Error, stage: LostStage) -> Error {
    if error.is_timeout() {
        Error::Timeout(Some(error))
    } else if error.is_connect() {
        Error::Connect(error)
    } else {
        Error::ConnectionLost {
            stage,
            source: error,
        }
    }
}

/// How one attempt ended.
enum Attempt {
    /// A 2xx answer with a sound envelope, body fully read.
    Success(reqwest::Response),
    /// A failure; `reached_server` says whether the server may have processed the request.
    Failure { error: Error, reached_server: bool },
}

/// The `exec` hook: runs `request` under the client's options and records the verdict.
///
/// A plain function returning the instrumented retry loop, not an `async fn` around it: each
/// `async` layer keeps its own copy of its arguments and moves the future it awaits, and these
/// futures are large (see `call::send`).
pub(crate) fn execute(
    client: &Client,
    request: reqwest::Request,
    operation_id: &'static str,
) -> impl Future<Output = reqwest::Result<reqwest::Response>> {
    let fallback = Operation {
        id: operation_id,
        method: "",
        path: "",
        auth: &[],
    };
    let operation = with_call(|call| call.operation).unwrap_or(&fallback);
    let span = tracing::info_span!(
        "agni.request",
        operation = operation.id,
        method = %request.method(),
        path = operation.path,
        status = tracing::field::Empty,
        attempts = tracing::field::Empty,
        latency_ms = tracing::field::Empty,
    );
    // Lent to `run`, which takes it out for each attempt and puts it back if it can be sent again.
    let mut request = Some(request);
    async move {
        let started = Instant::now();
        let (outcome, attempts) = run(client.options(), client.http(), &mut request).await;
        let span = tracing::Span::current();
        span.record("attempts", attempts);
        span.record("latency_ms", started.elapsed().as_millis() as u64);
        match outcome {
            Attempt::Success(response) => {
                span.record("status", response.status().as_u16());
                with_call(|call| call.verdict.borrow_mut().status = Some(response.status()));
                Ok(response)
            }
            Attempt::Failure { error, .. } => {
                if let Some(status) = error.status() {
                    span.record("status", status.as_u16());
                }
                tracing::warn!(error = %error, "request failed");
                // progenitor needs some failure to stop on; the verdict carries the real one.
                let placeholder = http::Response::builder()
                    .status(error.status().unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
                    .body(Bytes::new())
                    .unwrap_or_default();
                with_call(|call| call.verdict.borrow_mut().error = Some(error));
                Ok(reqwest::Response::from(placeholder))
            }
        }
    }
    .instrument(span)
}

/// The retry loop; returns the final outcome and how many attempts were made.
///
/// `request` is borrowed, not owned, so this future holds no copy of it; there is one
/// `attempt(..).await` in the loop, not two, as each would take its own space in this future.
async fn run(
    options: &Options,
    http: &reqwest::Client,
    request: &mut Option<reqwest::Request>,
) -> (Attempt, u32) {
    let deadline = Instant::now() + options.deadline;
    let idempotent = request
        .as_ref()
        .is_some_and(|request| is_idempotent(request.method()));
    let mut attempt_number = 0;
    loop {
        attempt_number += 1;
        let Some(remaining) = deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
        else {
            return (
                Attempt::Failure {
                    error: Error::Timeout(None),
                    reached_server: false,
                },
                attempt_number - 1,
            );
        };
        let started = Instant::now();
        let mut repeatable = true;
        // The request is chosen inside the argument, so no binding holding it lives across the
        // `await` (and takes space in this future).
        let outcome = attempt(
            http,
            {
                let Some(original) = request.take() else {
                    // Unreachable: a request that cannot be repeated returns after its attempt.
                    return (
                        Attempt::Failure {
                            error: Error::InvalidRequest("the request was already sent".into()),
                            reached_server: false,
                        },
                        attempt_number - 1,
                    );
                };
                // Generated bodies are bytes, so cloning succeeds; a streaming body cannot be
                // repeated, so it is sent once, never retried.
                match original.try_clone() {
                    Some(mut copy) => {
                        *copy.timeout_mut() = Some(options.timeout.min(remaining));
                        *request = Some(original);
                        copy
                    }
                    None => {
                        repeatable = false;
                        original
                    }
                }
            },
            options.max_response_bytes,
        )
        .await;
        if !repeatable {
            return (outcome, attempt_number);
        }
        tracing::debug!(
            attempt = attempt_number,
            latency_ms = started.elapsed().as_millis() as u64,
            ok = matches!(outcome, Attempt::Success(_)),
            "attempt finished"
        );
        let Attempt::Failure {
            error,
            reached_server,
        } = outcome
        else {
            return (outcome, attempt_number);
        };
        let retries_used = attempt_number - 1;
        let may_repeat = match &error {
            Error::Api(api) if api.status() == StatusCode::TOO_MANY_REQUESTS => true,
            Error::Api(api) => idempotent && is_retryable_status(api.status()),
            Error::Connect(_) => true,
            Error::Timeout(_) | Error::ConnectionLost { .. } => idempotent || !reached_server,
            _ => false,
        };
        if !may_repeat || retries_used >= options.retry.max_retries {
            return (
                Attempt::Failure {
                    error,
                    reached_server,
                },
                attempt_number,
            );
        }
        let wait = match error.retry_after() {
            Some(asked) if asked > options.retry.max_retry_after => {
                return (
                    Attempt::Failure {
                        error,
                        reached_server,
                    },
                    attempt_number,
                );
            }
            Some(asked) => asked,
            None => options.retry.backoff(attempt_number),
        };
        if Instant::now() + wait >= deadline {
            return (
                Attempt::Failure {
                    error,
                    reached_server,
                },
                attempt_number,
            );
        }
        tracing::info!(attempt = attempt_number, wait_ms = wait.as_millis() as u64, error = %error, "retrying");
        tokio::time::sleep(wait).await;
    }
}

/// Sends once and reads the whole body under the size cap.
///
/// Hands the request to reqwest before returning the future, which so holds reqwest's small
/// pending future rather than the request.
fn attempt(
    http: &reqwest::Client,
    request: reqwest::Request,
    max_bytes: usize,
) -> impl Future<Output = Attempt> {
    let pending = http.execute(request);
    async move { read(pending.await, max_bytes).await }
}

/// The rest of [`attempt`]: classifies the outcome and reads the body.
async fn read(sent: reqwest::Result<reqwest::Response>, max_bytes: usize) -> Attempt {
    let mut response = match sent {
        Ok(response) => response,
        Err(e) => {
            // A connect error means nothing was sent; anything later may have reached the server.
            let reached_server = !e.is_connect();
            return Attempt::Failure {
                error: classify(e, LostStage::BeforeResponse),
                reached_server,
            };
        }
    };
    let status = response.status();
    let content_length = response.content_length();
    if content_length.is_some_and(|length| length > max_bytes as u64) {
        return Attempt::Failure {
            error: Error::ResponseTooLarge { limit: max_bytes },
            reached_server: true,
        };
    }
    // The response is rebuilt below around the body read here; its headers and URL move over.
    let headers = std::mem::take(response.headers_mut());
    let url = response.url().clone();
    // A body that arrives in one chunk is kept as is; a longer one is copied once, into a
    // buffer of the announced length.
    let mut first: Option<Bytes> = None;
    let mut body = BytesMut::new();
    let mut received = 0usize;
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) if received + chunk.len() > max_bytes => {
                return Attempt::Failure {
                    error: Error::ResponseTooLarge { limit: max_bytes },
                    reached_server: true,
                };
            }
            Ok(Some(chunk)) => {
                received += chunk.len();
                if received == chunk.len() {
                    first = Some(chunk);
                    continue;
                }
                if let Some(first) = first.take() {
                    let announced = content_length.map_or(0, |length| length as usize);
                    body.reserve(announced.max(received));
                    body.extend_from_slice(&first);
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(e) => {
                return Attempt::Failure {
                    error: classify(e, LostStage::MidBody),
                    reached_server: true,
                };
            }
        }
    }
    let body = first.unwrap_or_else(|| body.freeze());
    if status.is_redirection() {
        let location = headers
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        return Attempt::Failure {
            error: Error::Redirect { status, location },
            reached_server: true,
        };
    }
    if !status.is_success() || envelope_says_failure(&body) {
        let error = ApiError::from_response(status, &headers, &body).into();
        return Attempt::Failure {
            error,
            reached_server: true,
        };
    }
    // With its URL attached, reqwest does not parse a placeholder URL for the rebuilt response.
    let mut rebuilt = http::Response::builder()
        .status(status)
        .url(url)
        .body(body)
        .unwrap_or_default();
    *rebuilt.headers_mut() = headers;
    Attempt::Success(reqwest::Response::from(rebuilt))
}

/// A 2xx body of the form `{"success": false, ...}`.
fn envelope_says_failure(body: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct Envelope {
        success: Option<bool>,
    }
    body.first() == Some(&b'{')
        && may_say_failure(body)
        && serde_json::from_slice::<Envelope>(body)
            .is_ok_and(|envelope| envelope.success == Some(false))
}

/// Whether `body` can be an envelope saying `"success": false`, by a byte scan far cheaper than
/// parsing (parsing a 100-agent list just to find `"success": true` cost a fifth of the client's
/// time per call). Exact in one direction: a `false` here means the parse cannot find it. Without
/// a `\u` escape (which could spell the key another way) such a body must hold the literal key
/// `"success"`, then only whitespace, `:`, whitespace and `false`; anything that might be that
/// (a nested key included) goes on to the real parse, which decides.
fn may_say_failure(body: &[u8]) -> bool {
    fn skip_whitespace(bytes: &[u8]) -> &[u8] {
        let start = bytes
            .iter()
            .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
            .unwrap_or(bytes.len());
        &bytes[start..]
    }
    static KEY: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"\"success\""));
    static ESCAPE: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"\\u"));
    if memchr::memchr(b'\\', body).is_some() && ESCAPE.find(body).is_some() {
        return true;
    }
    KEY.find_iter(body).any(|at| {
        skip_whitespace(&body[at + KEY.needle().len()..])
            .strip_prefix(b":")
            .is_some_and(|value| skip_whitespace(value).starts_with(b"false"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", "7".parse().expect("header"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        let later = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(30));
        headers.insert("retry-after", later.parse().expect("header"));
        let wait = retry_after(&headers).expect("date parses");
        assert!(
            wait <= Duration::from_secs(30) && wait >= Duration::from_secs(28),
            "{wait:?}"
        );
        headers.insert("retry-after", "soon".parse().expect("header"));
        assert_eq!(retry_after(&headers), None);
    }

    #[test]
    fn backoff_is_full_jitter_under_an_exponential_ceiling() {
        let policy = RetryPolicy::default();
        for retry in 1..=10 {
            let ceiling = (policy.initial_backoff * 2u32.pow(retry - 1)).min(policy.max_backoff);
            assert!(policy.backoff(retry) <= ceiling);
        }
    }

    #[test]
    fn envelope_failure_detection() {
        assert!(envelope_says_failure(
            br#"{"success": false, "message": "no"}"#
        ));
        assert!(!envelope_says_failure(br#"{"success": true}"#));
        assert!(!envelope_says_failure(br#"{"data": []}"#));
        assert!(!envelope_says_failure(b""));
        assert!(!envelope_says_failure(b"[]"));
        // Whitespace anywhere JSON allows it, and the key spelled with escapes.
        assert!(envelope_says_failure(
            b"{\"data\": [1, 2],\n  \"success\"\t :\r\n false }"
        ));
        assert!(envelope_says_failure(br#"{"succ\u0065ss": false}"#));
        // A nested `"success": false` is not the envelope's.
        assert!(!envelope_says_failure(
            br#"{"data": {"success": false}, "success": true}"#
        ));
        assert!(!envelope_says_failure(
            br#"{"data": {"note": "success", "ok": false}, "success": true}"#
        ));
    }

    #[test]
    fn the_byte_scan_never_hides_a_failure_the_parse_would_find() {
        let bodies: &[&[u8]] = &[
            br#"{"success": false}"#,
            br#"{"success":false,"message":"no"}"#,
            br#"{"message": "no", "success" : false}"#,
            br#"{"succ\u0065ss": false}"#,
            br#"{"success": true, "data": {"success": false}}"#,
            br#"{"success": "false"}"#,
            br#"{"data": "\"success\": false"}"#,
            br#"{"success": true}"#,
            br#"{"success": null}"#,
            br#"{"data": [{"enabled": false}], "success": true}"#,
        ];
        #[derive(serde::Deserialize)]
        struct Envelope {
            success: Option<bool>,
        }
        for body in bodies {
            let parsed = serde_json::from_slice::<Envelope>(body)
                .is_ok_and(|envelope| envelope.success == Some(false));
            assert!(
                !parsed || may_say_failure(body),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        // The common case skips the parse: a list of agents whose booleans are `false`.
        assert!(!may_say_failure(
            br#"{"data": [{"enabled": false}], "success": true}"#
        ));
    }
}
