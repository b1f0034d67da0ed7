//! Executing one request with timeouts, a size cap and safe retries: the body of the
//! `ClientHooks::exec` hook that every generated operation goes through.
//!
//! The rules: idempotent methods (GET, HEAD, PUT, DELETE, OPTIONS) retry on connection
//! failures, timeouts and 408/429/500/502/503/504. POST and PATCH retry only when the request
//! provably never reached the server (the connection could not be made) or on 429, which the
//! server sends before doing any work; never after an attempt that may have been processed.
//! Waits are exponential with full jitter, honour `Retry-After` up to a cap, and never run past
//! the call's total deadline.

use std::time::{Duration, Instant, SystemTime};

use bytes::{Bytes, BytesMut};
use reqwest::{Method, StatusCode, header::HeaderMap};
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
pub(crate) async fn execute(
    client: &Client,
    request: reqwest::Request,
    operation_id: &'static str,
) -> reqwest::Result<reqwest::Response> {
    let options = client.options().clone();
    let fallback = Operation {
        id: operation_id,
        method: "",
        path: "",
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
    async move {
        let started = Instant::now();
        let (outcome, attempts) = run(&options, client.http(), request).await;
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
    .await
}

/// The retry loop; returns the final outcome and how many attempts were made.
async fn run(
    options: &Options,
    http: &reqwest::Client,
    request: reqwest::Request,
) -> (Attempt, u32) {
    let deadline = Instant::now() + options.deadline;
    let idempotent = is_idempotent(request.method());
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
        // Generated bodies are bytes, so cloning succeeds; a streaming body cannot be repeated,
        // so it is sent once, never retried.
        let Some(mut this_try) = request.try_clone() else {
            let outcome = attempt(http, request, options.max_response_bytes).await;
            return (outcome, attempt_number);
        };
        *this_try.timeout_mut() = Some(options.timeout.min(remaining));
        let started = Instant::now();
        let outcome = attempt(http, this_try, options.max_response_bytes).await;
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
async fn attempt(http: &reqwest::Client, request: reqwest::Request, max_bytes: usize) -> Attempt {
    let mut response = match http.execute(request).await {
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
    let headers = response.headers().clone();
    if response
        .content_length()
        .is_some_and(|length| length > max_bytes as u64)
    {
        return Attempt::Failure {
            error: Error::ResponseTooLarge { limit: max_bytes },
            reached_server: true,
        };
    }
    let mut body = BytesMut::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) if body.len() + chunk.len() > max_bytes => {
                return Attempt::Failure {
                    error: Error::ResponseTooLarge { limit: max_bytes },
                    reached_server: true,
                };
            }
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            Ok(None) => break,
            Err(e) => {
                return Attempt::Failure {
                    error: classify(e, LostStage::MidBody),
                    reached_server: true,
                };
            }
        }
    }
    let body = body.freeze();
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
    let mut rebuilt = http::Response::new(body);
    *rebuilt.status_mut() = status;
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
        && serde_json::from_slice::<Envelope>(body)
            .is_ok_and(|envelope| envelope.success == Some(false))
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
    }
}
