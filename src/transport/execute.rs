//! One call of one operation: the credential and extras go on, then attempts run under the
//! per-attempt timeout and the call's deadline, with [`decide`] choosing between waiting and
//! giving up after each failure. The call is one `agni.request` tracing span.

use std::time::Instant;

use reqwest::Request;
use tracing::{Instrument, field::Empty};

use super::{
    Operation,
    attempt::{self, Failure, Limits, Take},
    prepare::prepare,
    retry::{Class, Decision, decide, is_idempotent},
};
use crate::{Client, Error, ErrorKind, TimeoutLimit, error::request_id};

pub(crate) use super::attempt::Streamed;

/// Sends `request` as a call of `operation`, retrying as the client's options allow, and
/// returns the answer taken with `K` (a 2xx, or a 3xx for [`Streamed`]).
pub(crate) async fn execute<K: Take>(
    client: &Client,
    operation: &'static Operation,
    mut request: Request,
) -> Result<K::Answer, Error> {
    prepare(client.state(), operation, &mut request)
        .map_err(|error| error.with_operation(operation.id))?;
    let span = tracing::info_span!(
        "agni.request",
        operation = operation.id,
        method = %request.method(),
        path = operation.path,
        status = Empty,
        attempts = Empty,
        request_id = Empty,
        latency_ms = Empty,
    );
    attempts::<K>(client, operation, request)
        .instrument(span)
        .await
}

/// The attempt loop, inside the call's span.
async fn attempts<K: Take>(
    client: &Client,
    operation: &'static Operation,
    request: Request,
) -> Result<K::Answer, Error> {
    let options = client.options();
    let limits = Limits {
        max_bytes: options.max_response_bytes,
        connect_timeout: client.state().connect_timeout(),
    };
    let started = Instant::now();
    let deadline = started + options.deadline;
    let idempotent = is_idempotent(request.method());
    let mut request = request;
    let mut attempts = 0;
    let failure = loop {
        attempts += 1;
        let time_left = deadline.saturating_duration_since(Instant::now());
        let (budget, limit) = if options.timeout < time_left {
            (options.timeout, TimeoutLimit::Attempt(options.timeout))
        } else {
            (time_left, TimeoutLimit::Deadline(options.deadline))
        };
        // A copy for the next attempt, made only while one may follow. A streaming body cannot
        // be copied: such a request is sent once.
        let copy = if attempts <= options.retry.max_retries {
            request.try_clone()
        } else {
            None
        };
        let outcome =
            tokio::time::timeout(budget, attempt::run::<K>(client.http(), request, limits))
                .await
                .unwrap_or_else(|_| {
                    Err(Failure {
                        error: Error::new(ErrorKind::Timeout(limit)),
                        class: Class::Lost,
                    })
                });
        let failure = match outcome {
            Ok(answer) => {
                let (status, headers) = K::head(&answer);
                record(attempts, started, status.as_u16(), request_id(headers));
                tracing::debug!("request finished");
                return Ok(answer);
            }
            Err(failure) => failure,
        };
        let time_left = deadline.saturating_duration_since(Instant::now());
        let decision = decide(
            &options.retry,
            idempotent,
            failure.class,
            attempts - 1,
            time_left,
            fastrand::f64(),
        );
        match (decision, copy) {
            (Decision::Retry(wait), Some(copy)) => {
                tracing::info!(
                    attempt = attempts,
                    wait_ms = wait.as_millis() as u64,
                    error = %failure.error,
                    "retrying"
                );
                tokio::time::sleep(wait).await;
                request = copy;
            }
            _ => break failure,
        }
    };
    let error = failure
        .error
        .with_operation(operation.id)
        .with_attempts(attempts);
    let status = error.status().map_or(0, |status| status.as_u16());
    record(
        attempts,
        started,
        status,
        error
            .api()
            .and_then(|api| api.request_id().map(str::to_owned)),
    );
    // The caller receives the error; logging it louder would report it twice.
    tracing::debug!(error = %error, "request failed");
    Err(error)
}

/// Fills the call span's fields once the call is over.
fn record(attempts: u32, started: Instant, status: u16, request_id: Option<String>) {
    let span = tracing::Span::current();
    span.record("attempts", attempts);
    span.record("latency_ms", started.elapsed().as_millis() as u64);
    if status != 0 {
        span.record("status", status);
    }
    if let Some(id) = request_id {
        span.record("request_id", id);
    }
}
