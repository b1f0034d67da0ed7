//! The path every request takes, from a builder's `send()` to the socket and back.
//!
//! Each generated operation's `send` (written by `agni-codegen`'s `send` pass) builds a
//! `reqwest::Request` with progenitor's code and hands it here with a static [`Operation`];
//! hand-written operations (`crate::resources`) do the same. Read the files in this order:
//!
//! 1. `operation` — what the generated code says about an operation: its id, path template and
//!    the credential it needs.
//! 2. `prepare` — what every request gets before it leaves: the credential, the client's extra
//!    headers and query parameters; and the path-segment check the generated code calls.
//! 3. `execute` — one call: a tracing span, attempts under the deadline, waits between them.
//!    Each call logs one event at `debug` inside its `agni.request` span ("request finished" or
//!    "request failed", with status, attempts, request id and latency): a failure is returned to
//!    the caller, so it is not logged louder; a retry is logged at `info`.
//! 4. `attempt` — one attempt: send, read the body under the size cap, classify what failed.
//! 5. `retry` — [`RetryPolicy`] and the pure decision between retrying (after how long) and
//!    giving up.
//! 6. `answer` — reading a successful answer: the `"success": false` envelope rule and
//!    decoding into the operation's type.
//!
//! Nothing here is public API except [`RetryPolicy`]; errors are [`crate::Error`].

mod answer;
mod attempt;
mod execute;
mod operation;
mod prepare;
mod retry;

use reqwest::Request;
use serde::de::DeserializeOwned;

pub(crate) use answer::{Envelope, decode, envelope_failure};
pub(crate) use attempt::Buffered;
pub(crate) use execute::{Streamed, execute};
pub(crate) use operation::{Credential, Operation};
pub(crate) use prepare::{check_range, path_segment};
pub use retry::RetryPolicy;

use crate::{ByteStream, Client, Error, ResponseValue, types::ErrorBody};

/// What a generated builder's `request()` returns: the client and the request, or why the
/// request could not be built (a missing or invalid parameter).
pub(crate) type Prepared<'a> = Result<(&'a Client, Request), progenitor_client::Error<ErrorBody>>;

/// Runs a generated operation whose answer is JSON (or empty, for `()`).
pub(crate) async fn send<T: DeserializeOwned + Envelope>(
    operation: &'static Operation,
    prepared: Prepared<'_>,
) -> Result<ResponseValue<T>, Error> {
    let (client, request) = prepared.map_err(|e| not_built(operation, e))?;
    let answer = execute::<Buffered>(client, operation, request).await?;
    decode(operation, answer)
}

/// Runs a generated operation whose answer is streamed bytes (a recording). A redirect is an
/// error, as everywhere: only the recordings download follows one, without the credential.
pub(crate) async fn send_stream(
    operation: &'static Operation,
    prepared: Prepared<'_>,
) -> Result<ResponseValue<ByteStream>, Error> {
    let (client, request) = prepared.map_err(|e| not_built(operation, e))?;
    let response = execute::<Streamed>(client, operation, request).await?;
    if response.status().is_redirection() {
        return Err(refuse_redirect(operation, response));
    }
    Ok(ResponseValue::stream(response))
}

/// The error for a redirect answer the caller does not follow.
pub(crate) fn refuse_redirect(operation: &Operation, response: reqwest::Response) -> Error {
    let answer = Buffered {
        status: response.status(),
        headers: response.headers().clone(),
        body: bytes::Bytes::new(),
    };
    attempt::refused(answer).error.with_operation(operation.id)
}

/// Reads a streamed answer's body into memory, refusing more than `max_bytes` (a small JSON
/// answer met while following a recording).
pub(crate) async fn read_body(
    response: reqwest::Response,
    max_bytes: usize,
) -> Result<Buffered, Error> {
    attempt::read(response, max_bytes)
        .await
        .map_err(|failure| failure.error)
}

/// Why progenitor's request code refused to build the request: nothing was sent.
fn not_built(operation: &Operation, error: progenitor_client::Error<ErrorBody>) -> Error {
    let reason = match error {
        progenitor_client::Error::InvalidRequest(reason)
        | progenitor_client::Error::Custom(reason) => reason,
        other => other.to_string(),
    };
    Error::invalid_request(reason).with_operation(operation.id)
}
