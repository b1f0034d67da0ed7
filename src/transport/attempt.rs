//! One attempt: hand the request to reqwest, take the answer (reading an error's body under the
//! size cap), and say what a failure means for repeating the request ([`Class`]).

use std::{future::Future, time::Duration};

use bytes::{Bytes, BytesMut};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use reqwest::{
    Request, Response, StatusCode,
    header::{HeaderMap, LOCATION},
};

use super::retry::Class;
use crate::{
    ApiError, Error, ErrorKind, Location, LostStage, ResponsePart, TimeoutLimit, error::retry_after,
};

/// A failed attempt: the error to report and what it means for retrying.
pub(crate) struct Failure {
    pub error: Error,
    pub class: Class,
}

impl Failure {
    fn new(kind: ErrorKind, class: Class) -> Self {
        Failure {
            error: Error::new(kind),
            class,
        }
    }
}

/// The limits one attempt runs under.
#[derive(Clone, Copy)]
pub(crate) struct Limits {
    /// Largest body read into memory.
    pub max_bytes: usize,
    /// The client's connect timeout, to name it when it fires.
    pub connect_timeout: Duration,
}

/// An answer whose body was read into memory.
#[derive(Debug)]
pub(crate) struct Buffered {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// How the body of a successful answer is taken: read into memory ([`Buffered`]), or left on
/// the connection for the caller to stream (a [`Response`] whose head was checked).
pub(crate) trait Take {
    /// What a successful attempt returns.
    type Answer: Send;
    /// Whether a 3xx is handed back as an answer (to be followed by the caller, without
    /// credentials) rather than failing as [`ErrorKind::Redirect`].
    const REDIRECTS_ARE_ANSWERS: bool;
    /// Takes a 2xx (or, per [`Take::REDIRECTS_ARE_ANSWERS`], 3xx) response.
    fn take(
        response: Response,
        limits: Limits,
    ) -> impl Future<Output = Result<Self::Answer, Failure>> + Send;
    /// The answer's status and headers, for the trace.
    fn head(answer: &Self::Answer) -> (StatusCode, &HeaderMap);
}

impl Take for Buffered {
    type Answer = Buffered;
    const REDIRECTS_ARE_ANSWERS: bool = false;

    async fn take(response: Response, limits: Limits) -> Result<Buffered, Failure> {
        read(response, limits.max_bytes).await
    }

    fn head(answer: &Buffered) -> (StatusCode, &HeaderMap) {
        (answer.status, &answer.headers)
    }
}

/// Taking an answer as a stream: the [`Response`] itself, body unread.
pub(crate) struct Streamed;

impl Take for Streamed {
    type Answer = Response;
    const REDIRECTS_ARE_ANSWERS: bool = true;

    async fn take(response: Response, _: Limits) -> Result<Response, Failure> {
        Ok(response)
    }

    fn head(answer: &Response) -> (StatusCode, &HeaderMap) {
        (answer.status(), answer.headers())
    }
}

/// Sends `request` once and takes its answer with `K`; error statuses and refused redirects
/// come back as a [`Failure`].
pub(crate) async fn run<K: Take>(
    http: &reqwest::Client,
    request: Request,
    limits: Limits,
) -> Result<K::Answer, Failure> {
    let response = http
        .execute(request)
        .await
        .map_err(|e| sending_failed(e, limits))?;
    let status = response.status();
    if status.is_success() || (status.is_redirection() && K::REDIRECTS_ARE_ANSWERS) {
        return K::take(response, limits).await;
    }
    Err(refused(read_prefix(response, ERROR_BODY_LIMIT).await))
}

/// Most bytes read of an error answer's body: enough for its message, never a flood.
const ERROR_BODY_LIMIT: usize = 64 * 1024;

/// Reads at most `limit` bytes of a body. A body cut short leaves what arrived: for an error
/// answer the status says what matters.
async fn read_prefix(mut response: Response, limit: usize) -> Buffered {
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    let mut body = BytesMut::new();
    while body.len() < limit {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = limit - body.len();
                body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            Ok(None) | Err(_) => break,
        }
    }
    Buffered {
        status,
        headers,
        body: body.freeze(),
    }
}

/// The failure an error status or a redirect the caller does not follow stands for.
pub(crate) fn refused(answer: Buffered) -> Failure {
    let Buffered {
        status,
        headers,
        body,
    } = answer;
    if status.is_redirection() {
        let location = headers
            .get(LOCATION)
            .and_then(|value| value.to_str().ok())
            .map(Location::new);
        return Failure::new(ErrorKind::Redirect { status, location }, Class::Final);
    }
    let class = Class::Status {
        status,
        retry_after: retry_after(&headers),
    };
    Failure::new(
        ErrorKind::Api(ApiError::from_response(status, headers, &body)),
        class,
    )
}

/// Reads the whole body, refusing one over `max_bytes` without reading it all.
pub(crate) async fn read(response: Response, max_bytes: usize) -> Result<Buffered, Failure> {
    let too_large = || {
        Failure::new(
            ErrorKind::ResponseTooLarge(ResponsePart::Body { limit: max_bytes }),
            Class::Final,
        )
    };
    if response
        .content_length()
        .is_some_and(|length| length > max_bytes as u64)
    {
        return Err(too_large());
    }
    let (parts, body) = http::Response::from(response).into_parts();
    match Limited::new(body, max_bytes).collect().await {
        Ok(collected) => Ok(Buffered {
            status: parts.status,
            headers: parts.headers,
            body: collected.to_bytes(),
        }),
        Err(error) if error.is::<LengthLimitError>() => Err(too_large()),
        Err(error) => {
            let mut failure =
                Failure::new(ErrorKind::ConnectionLost(LostStage::MidBody), Class::Lost);
            failure.error = failure.error.with_source(error);
            Err(failure)
        }
    }
}

/// Classifies a failure to get a response at all.
fn sending_failed(error: reqwest::Error, limits: Limits) -> Failure {
    let (kind, class) = if error.is_connect() {
        let kind = if error.is_timeout() {
            ErrorKind::Timeout(TimeoutLimit::Connect(limits.connect_timeout))
        } else {
            ErrorKind::Connect
        };
        (kind, Class::NotSent)
    } else if headers_too_large(&error) {
        (
            ErrorKind::ResponseTooLarge(ResponsePart::Headers),
            Class::Final,
        )
    } else {
        (
            ErrorKind::ConnectionLost(LostStage::BeforeResponse),
            Class::Lost,
        )
    };
    let mut failure = Failure::new(kind, class);
    failure.error = failure.error.with_source(error);
    failure
}

/// Whether hyper gave up parsing the response head because it exceeded its limits, which a
/// repeat would hit again. hyper names this case only with its `server` feature
/// (`is_parse_too_large`), which the SDK does not build, so the parse error's text decides.
fn headers_too_large(error: &reqwest::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(error) = cause {
        if error
            .downcast_ref::<hyper::Error>()
            .is_some_and(|e| e.is_parse() && e.to_string().contains("too large"))
        {
            return true;
        }
        cause = error.source();
    }
    false
}
