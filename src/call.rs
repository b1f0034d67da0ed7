//! One call of one operation, from the generated `send` to an [`agni::Error`](crate::Error).
//!
//! Every generated builder's `send` is a thin wrapper (added by `agni-codegen`) that runs
//! progenitor's request code inside `send`. progenitor's hook interface can only hand back a
//! `reqwest::Response` or a `reqwest::Error`, so the hook (`crate::retry`) records its richer
//! verdict — the API error, the final status, how many attempts it took — in a task-local
//! `CallContext`, and `send` turns that and progenitor's own result into one [`Error`].

use std::{cell::RefCell, future::Future};

use reqwest::StatusCode;
use serde::de::DeserializeOwned;

use crate::{ByteStream, Error, ResponseValue, error::excerpt, types::ErrorBody};

/// What the generated code knows about an operation, for tracing, retries and authentication.
#[derive(Debug)]
pub struct Operation {
    /// progenitor's operation name, e.g. `list_agents`.
    pub id: &'static str,
    /// HTTP method, e.g. `GET`.
    pub method: &'static str,
    /// Path template, e.g. `/api/v1/agents/{id}/`.
    pub path: &'static str,
    /// The credentials the operation accepts, from its `security` in `openapi.yaml`, in order of
    /// preference: the request hook sends the first one the client holds. Empty: none is sent.
    pub auth: &'static [Credential],
}

/// A credential an operation accepts (an entry of its `security` list).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    /// The API key, as `X-Api-Key`.
    ApiKey,
    /// The bearer token (a JWT), as `Authorization: Bearer <token>`.
    Bearer,
    /// Nothing (`{}` in `security`): the credentials listed before it are optional.
    Anonymous,
}

/// What the hook found out while executing a call.
#[derive(Debug, Default)]
pub(crate) struct Verdict {
    /// The error to return, overriding whatever progenitor made of the response.
    pub error: Option<Error>,
    /// Status of the last response, for decode errors.
    pub status: Option<StatusCode>,
}

/// The task-local state of one call.
pub(crate) struct CallContext {
    pub operation: &'static Operation,
    pub verdict: RefCell<Verdict>,
}

tokio::task_local! {
    static CALL: CallContext;
}

/// Runs `f` with the current call's context, if the hook runs inside `send`.
pub(crate) fn with_call<R>(f: impl FnOnce(&CallContext) -> R) -> Option<R> {
    CALL.try_with(f).ok()
}

/// Runs one generated call with a JSON response and maps its outcome into [`Error`].
///
/// Not an `async fn`, on purpose: `generated` (progenitor's request code with the retry hook
/// inside) is a future of a few KiB, and every `async` layer that takes it by value holds a copy
/// of its own and moves it again when it is awaited: the future `send` returned was 15 KiB, and
/// moving it around measurably slowed small requests (`cargo xtask bench`). Boxed here, before
/// any layer, it is moved once; everything above it handles a pointer.
#[doc(hidden)]
pub fn send<T, F>(
    operation: &'static Operation,
    generated: F,
) -> impl Future<Output = Result<ResponseValue<T>, Error>>
where
    T: DeserializeOwned,
    F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<ErrorBody>>>,
{
    run(
        operation,
        Box::pin(generated),
        failing_path::<T>,
        move |response| decode_success::<T>(operation, response),
    )
}

/// Runs one generated call whose response is not decoded (a byte stream); boxed like [`send`].
#[doc(hidden)]
pub fn send_raw<F>(
    operation: &'static Operation,
    generated: F,
) -> impl Future<Output = Result<ResponseValue<ByteStream>, Error>>
where
    F: Future<Output = Result<ResponseValue<ByteStream>, progenitor_client::Error<ErrorBody>>>,
{
    run(
        operation,
        Box::pin(generated),
        |_| ".".to_owned(),
        |response| async { Ok(ResponseValue::stream(response)) },
    )
}

/// progenitor's `ResponseValue::from_response`, which `agni-codegen` has the generated code call
/// instead, made cheaper: the headers move into the value rather than being copied, and the body
/// is checked as UTF-8 once and parsed as a `str`, which spares serde_json checking each string
/// it reads (a tenth of the time it takes to decode a list of agents). Same results, same errors.
#[doc(hidden)]
pub async fn from_response<T: DeserializeOwned, E>(
    mut response: reqwest::Response,
) -> Result<ResponseValue<T>, progenitor_client::Error<E>> {
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    let body = response
        .bytes()
        .await
        .map_err(progenitor_client::Error::ResponseBodyError)?;
    match decode_json(&body) {
        Ok(inner) => Ok(ResponseValue::new(inner, status, headers)),
        Err(e) => Err(progenitor_client::Error::InvalidResponsePayload(body, e)),
    }
}

/// JSON into `T`, checking UTF-8 once for the whole body so serde_json need not check every
/// string again; a body that is not UTF-8 goes to `from_slice`, which says where.
fn decode_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, serde_json::Error> {
    match std::str::from_utf8(body) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(body),
    }
}

/// Where in `body` decoding into `T` fails, as a serde path (`data[3].status`). A required field
/// that is missing (a resource's `id`, an envelope's `data`) is named in the path too, since
/// serde reports it at the object that lacks it.
fn failing_path<T: DeserializeOwned>(body: &[u8]) -> String {
    let Err(error) =
        serde_path_to_error::deserialize::<_, T>(&mut serde_json::Deserializer::from_slice(body))
    else {
        return ".".to_owned();
    };
    let path = error.path().to_string();
    match missing_field(error.inner()) {
        Some(field) if path == "." => field,
        Some(field) => format!("{path}.{field}"),
        None => path,
    }
}

/// `data` in serde's "missing field `data`".
fn missing_field(error: &serde_json::Error) -> Option<String> {
    let message = error.to_string();
    let field = message.strip_prefix("missing field `")?.split('`').next()?;
    Some(field.to_owned())
}

/// Sends a hand-written request (multipart upload, ...) down the same path as generated
/// operations: authentication, the retry loop, tracing and error mapping. The answer comes back
/// fully read (under the size cap) with a 2xx status.
pub(crate) async fn send_request(
    client: &crate::Client,
    operation: &'static Operation,
    mut request: reqwest::Request,
) -> Result<reqwest::Response, Error> {
    progenitor_client::ClientInfo::inner(client)
        .authenticate(&mut request, operation.auth, operation.id)
        .map_err(Error::InvalidRequest)?;
    let (response, verdict) = in_call(
        operation,
        crate::retry::execute(client, request, operation.id),
    )
    .await;
    match verdict.error {
        Some(error) => Err(error),
        None => {
            response.map_err(|e| crate::retry::classify(e, crate::error::LostStage::BeforeResponse))
        }
    }
}

/// Runs `work` as the call of `operation`, returning its output and the hook's verdict.
async fn in_call<R>(operation: &'static Operation, work: impl Future<Output = R>) -> (R, Verdict) {
    let context = CallContext {
        operation,
        verdict: RefCell::default(),
    };
    CALL.scope(context, async {
        let output = work.await;
        (output, CALL.with(|call| call.verdict.take()))
    })
    .await
}

/// Decodes a 2xx answer into `T`: one that progenitor did not expect (it matches only the
/// documented 200, so a create answered 201 or a delete answered 204 lands here), or the answer
/// to a hand-written request. An empty body reads as `null`, which is `()`.
pub(crate) async fn decode_success<T: DeserializeOwned>(
    operation: &'static Operation,
    mut response: reqwest::Response,
) -> Result<ResponseValue<T>, Error> {
    let (status, headers) = (response.status(), std::mem::take(response.headers_mut()));
    let body = response
        .bytes()
        .await
        .map_err(|e| crate::retry::classify(e, crate::error::LostStage::MidBody))?;
    let json: &[u8] = if body.is_empty() { b"null" } else { &body };
    match decode_json(json) {
        Ok(value) => Ok(ResponseValue::new(value, status, headers)),
        Err(source) => Err(Error::Decode {
            operation: operation.id,
            status,
            path: failing_path::<T>(json),
            excerpt: excerpt(&body),
            source,
        }),
    }
}

async fn run<T, F, S, Fut>(
    operation: &'static Operation,
    generated: F,
    failing_path: fn(&[u8]) -> String,
    accept_success: S,
) -> Result<ResponseValue<T>, Error>
where
    F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<ErrorBody>>>,
    S: FnOnce(reqwest::Response) -> Fut,
    Fut: Future<Output = Result<ResponseValue<T>, Error>>,
{
    let (result, verdict) = in_call(operation, generated).await;
    if let Some(error) = verdict.error {
        return Err(error);
    }
    match result {
        // Rare, and its future is large: boxed, so it takes no space in this one.
        Err(progenitor_client::Error::UnexpectedResponse(response))
            if response.status().is_success() =>
        {
            return Box::pin(accept_success(response)).await;
        }
        result => result,
    }
    .map_err(|error| from_generated(operation, verdict.status, error, failing_path))
}

/// Maps what progenitor reports when the hook recorded no verdict of its own.
fn from_generated(
    operation: &'static Operation,
    status: Option<StatusCode>,
    error: progenitor_client::Error<ErrorBody>,
    failing_path: fn(&[u8]) -> String,
) -> Error {
    use progenitor_client::Error as Generated;
    match error {
        Generated::InvalidRequest(reason) | Generated::Custom(reason) => {
            Error::InvalidRequest(reason)
        }
        Generated::InvalidResponsePayload(body, source) => {
            // serde_json reports line and column; the path names the field that failed.
            Error::Decode {
                operation: operation.id,
                status: status.unwrap_or(StatusCode::OK),
                path: failing_path(&body),
                excerpt: excerpt(&body),
                source,
            }
        }
        Generated::CommunicationError(e)
        | Generated::ResponseBodyError(e)
        | Generated::InvalidUpgrade(e) => {
            crate::retry::classify(e, crate::error::LostStage::BeforeResponse)
        }
        // The hook turns every non-2xx answer into a verdict, so these only surface if a
        // response reached progenitor without passing the hook.
        Generated::ErrorResponse(response) => {
            crate::error::ApiError::from_response(response.status(), response.headers(), &[]).into()
        }
        Generated::UnexpectedResponse(response) => {
            crate::error::ApiError::from_response(response.status(), response.headers(), &[]).into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    #[allow(dead_code, reason = "only decoded")]
    struct Envelope {
        data: Resource,
    }

    #[derive(serde::Deserialize)]
    #[allow(dead_code, reason = "only decoded")]
    struct Resource {
        id: String,
        count: Option<u8>,
    }

    #[test]
    fn the_failing_path_names_a_missing_field() {
        assert_eq!(failing_path::<Envelope>(br#"{"success": true}"#), "data");
        assert_eq!(failing_path::<Envelope>(br#"{"data": {}}"#), "data.id");
        assert_eq!(
            failing_path::<Envelope>(br#"{"data": {"id": "a", "count": "x"}}"#),
            "data.count"
        );
        assert_eq!(failing_path::<Envelope>(br#"{"data": {"id": "a"}}"#), ".");
    }
}
