//! [`Error`], the one error every operation returns: what went wrong ([`ErrorKind`]), in which
//! operation, after how many attempts; and (`api`) [`ApiError`], an error answer of the API in
//! either of its body shapes.
//!
//! The request path (`crate::transport`) builds these values; nothing here calls it.

mod api;

pub use api::{ApiError, ErrorCode};
pub(crate) use api::{excerpt, request_id, retry_after};

use std::{fmt, time::Duration};

use reqwest::StatusCode;

use crate::redact::redact_str;

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

type Source = Box<dyn std::error::Error + Send + Sync>;

/// Everything that can go wrong calling the Agni API.
///
/// `{e}` is one sentence a person can act on: the operation, what happened, and how many
/// attempts were made; `{e:#}` appends the chain of causes. [`Error::kind`] says what happened
/// in a form code can match on; the `is_*` methods answer the common questions.
///
/// ```
/// # async fn run(client: &agni::Client) {
/// use agni::prelude::*;
///
/// match client.get_agent().id("0198f6a2-6d1e-7c1a-9d4f-2b1e3c4d5e6f").send().await {
///     Ok(agent) => println!("{:?}", agent.data),
///     Err(e) if e.is_not_found() => println!("no such agent"),
///     Err(e) => eprintln!("{e:#}"),
/// }
/// # }
/// ```
// Boxed, so `Result<T, Error>` is a pointer wider than `T` and futures holding one stay small.
pub struct Error(Box<Inner>);

struct Inner {
    kind: ErrorKind,
    operation: Option<&'static str>,
    attempts: u32,
    source: Option<Source>,
}

/// What went wrong, for code to match on: see [`Error::kind`].
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The API answered with an error status, or with `"success": false` in a 2xx envelope.
    Api(ApiError),
    /// No connection could be made (refused, DNS failure, TLS handshake): nothing was sent.
    Connect,
    /// A time limit ran out; which one says where to raise it.
    Timeout(TimeoutLimit),
    /// The connection failed after the request may have reached the server.
    ConnectionLost(LostStage),
    /// The API answered with a redirect. The client never follows one (it would carry the
    /// credentials along); the GoHighLevel OAuth operations answer this way by design, and
    /// `location` is where a browser should go.
    Redirect {
        /// The 3xx status.
        status: StatusCode,
        /// The `Location` header, if any.
        location: Option<Location>,
    },
    /// A part of the response exceeded its limit and was not read further. Not retried: the
    /// same request would get the same answer.
    ResponseTooLarge(ResponsePart),
    /// A successful response whose body does not match the expected type.
    Decode {
        /// HTTP status of the response.
        status: StatusCode,
        /// Where in the body decoding failed (`data[3].status`), or `.` for the root.
        path: String,
        /// The start of the body.
        excerpt: String,
    },
    /// A local file or writer failed (saving a recording, reading a file to upload).
    Io {
        /// What was being done, e.g. `cannot write the recording file /tmp/call.mp3`.
        context: String,
    },
    /// The request was refused before anything was sent: a required parameter is missing, a
    /// value is out of its documented range, a phone number is invalid, a credential is missing.
    InvalidRequest {
        /// Why, naming the parameter.
        reason: String,
    },
}

/// The time limit that ran out, with its configured value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeoutLimit {
    /// Connecting took longer than [`ClientBuilder::connect_timeout`](crate::ClientBuilder::connect_timeout).
    Connect(Duration),
    /// One attempt took longer than [`Options::timeout`](crate::Options::timeout).
    Attempt(Duration),
    /// The whole call, retries and waits included, reached [`Options::deadline`](crate::Options::deadline).
    Deadline(Duration),
}

/// Which part of a response was too large.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResponsePart {
    /// The body exceeded [`Options::max_response_bytes`](crate::Options::max_response_bytes).
    Body {
        /// The configured cap, in bytes.
        limit: usize,
    },
    /// The headers exceeded what the HTTP client accepts (about 400 KiB, or 100 headers).
    Headers,
}

/// Where a redirect points. `Display` and `Debug` show it redacted (no userinfo, no query
/// values: signed URLs and OAuth states live there); [`as_str`](Self::as_str) gives it as sent,
/// to hand to a browser.
///
/// ```
/// # fn show(location: &agni::Location) {
/// println!("go to {location}"); // redacted
/// let url = location.as_str(); // as sent
/// # }
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Location(String);

impl Location {
    pub(crate) fn new(location: &str) -> Self {
        Location(location.to_owned())
    }

    /// The location as the server sent it, secrets included.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact_str(&self.0))
    }
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Location({:?})", redact_str(&self.0))
    }
}

/// When a connection was lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LostStage {
    /// Before any response arrived: the server may or may not have processed the request.
    BeforeResponse,
    /// While the response body was being read: the server processed the request.
    MidBody,
}

impl fmt::Display for LostStage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LostStage::BeforeResponse => "before a response arrived",
            LostStage::MidBody => "while reading the response body",
        })
    }
}

impl Error {
    pub(crate) fn new(kind: ErrorKind) -> Self {
        Error(Box::new(Inner {
            kind,
            operation: None,
            attempts: 0,
            source: None,
        }))
    }

    /// An [`ErrorKind::InvalidRequest`]: nothing was sent.
    ///
    /// ```
    /// let e = agni::Error::invalid_request("the file is empty");
    /// assert_eq!(e.to_string(), "invalid request, nothing was sent: the file is empty");
    /// ```
    pub fn invalid_request(reason: impl Into<String>) -> Self {
        Error::new(ErrorKind::InvalidRequest {
            reason: reason.into(),
        })
    }

    pub(crate) fn with_operation(mut self, operation: &'static str) -> Self {
        self.0.operation = Some(operation);
        self
    }

    pub(crate) fn with_attempts(mut self, attempts: u32) -> Self {
        self.0.attempts = attempts;
        self
    }

    pub(crate) fn with_source(mut self, source: impl Into<Source>) -> Self {
        self.0.source = Some(source.into());
        self
    }

    /// What went wrong.
    ///
    /// ```
    /// use agni::ErrorKind;
    /// let e = agni::Error::invalid_request("no id");
    /// assert!(matches!(e.kind(), ErrorKind::InvalidRequest { .. }));
    /// ```
    pub fn kind(&self) -> &ErrorKind {
        &self.0.kind
    }

    /// The operation that failed (`get_agent`), when the error came from one.
    ///
    /// ```
    /// assert_eq!(agni::Error::invalid_request("x").operation(), None);
    /// ```
    pub fn operation(&self) -> Option<&'static str> {
        self.0.operation
    }

    /// How many times the request was sent (or tried to be): 0 when it was refused before
    /// sending, more than 1 when it was retried.
    ///
    /// ```
    /// assert_eq!(agni::Error::invalid_request("x").attempts(), 0);
    /// ```
    pub fn attempts(&self) -> u32 {
        self.0.attempts
    }

    /// The HTTP status, for errors that came with a response.
    ///
    /// ```
    /// assert_eq!(agni::Error::invalid_request("x").status(), None);
    /// ```
    pub fn status(&self) -> Option<StatusCode> {
        match &self.0.kind {
            ErrorKind::Api(api) => Some(api.status()),
            ErrorKind::Decode { status, .. } | ErrorKind::Redirect { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The API's error answer, if this is one.
    ///
    /// ```
    /// assert!(agni::Error::invalid_request("x").api().is_none());
    /// ```
    pub fn api(&self) -> Option<&ApiError> {
        match &self.0.kind {
            ErrorKind::Api(api) => Some(api),
            _ => None,
        }
    }

    /// 404, or the envelope code `NOT_FOUND`, or gRPC NOT_FOUND (5).
    ///
    /// ```
    /// assert!(!agni::Error::invalid_request("x").is_not_found());
    /// ```
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(StatusCode::NOT_FOUND)
            || self.api().and_then(ApiError::code).is_some_and(|code| {
                *code == ErrorCode::Grpc(5) || *code == ErrorCode::Symbolic("NOT_FOUND".into())
            })
    }

    /// 401, or gRPC UNAUTHENTICATED (16): the credential is missing, wrong or expired.
    ///
    /// ```
    /// assert!(!agni::Error::invalid_request("x").is_unauthorized());
    /// ```
    pub fn is_unauthorized(&self) -> bool {
        self.status() == Some(StatusCode::UNAUTHORIZED)
            || self.api().and_then(ApiError::code) == Some(&ErrorCode::Grpc(16))
    }

    /// 429: too many requests (see [`Error::retry_after`]).
    ///
    /// ```
    /// assert!(!agni::Error::invalid_request("x").is_rate_limited());
    /// ```
    pub fn is_rate_limited(&self) -> bool {
        self.status() == Some(StatusCode::TOO_MANY_REQUESTS)
    }

    /// A time limit ran out ([`ErrorKind::Timeout`]).
    ///
    /// ```
    /// assert!(!agni::Error::invalid_request("x").is_timeout());
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self.0.kind, ErrorKind::Timeout(_))
    }

    /// How long the server asked to wait before retrying (`Retry-After`).
    ///
    /// ```
    /// assert_eq!(agni::Error::invalid_request("x").retry_after(), None);
    /// ```
    pub fn retry_after(&self) -> Option<Duration> {
        self.api().and_then(ApiError::retry_after)
    }

    /// Whether the same request could succeed later: connection failures, timeouts and
    /// 408/429/500/502/503/504. Whether it is *safe* to repeat depends on the method; the
    /// client's own retries take care of that.
    ///
    /// ```
    /// assert!(!agni::Error::invalid_request("x").is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        match &self.0.kind {
            ErrorKind::Connect | ErrorKind::Timeout(_) | ErrorKind::ConnectionLost(_) => true,
            ErrorKind::Api(api) => is_retryable_status(api.status()),
            _ => false,
        }
    }
}

/// 408, 429, 500, 502, 503, 504: answers after which the same request may succeed.
pub(crate) fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 429 | 500 | 502 | 503 | 504)
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.0.kind)
            .field("operation", &self.0.operation)
            .field("attempts", &self.0.attempts)
            .field("source", &self.0.source)
            .finish()
    }
}

impl fmt::Display for Error {
    /// One sentence: the operation, what happened, what to change or how often it was tried;
    /// with `{:#}`, followed by each underlying cause.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Inner {
            kind,
            operation,
            attempts,
            ..
        } = &*self.0;
        if let Some(operation) = operation {
            write!(f, "{operation}: ")?;
        }
        match kind {
            ErrorKind::Api(api) => write!(f, "{api}")?,
            ErrorKind::Connect => {
                f.write_str("cannot connect to the Agni API; the request was not sent")?
            }
            ErrorKind::Timeout(TimeoutLimit::Connect(limit)) => write!(
                f,
                "connecting to the Agni API took longer than the {} connect timeout \
                 (ClientBuilder::connect_timeout); the request was not sent",
                Secs(*limit)
            )?,
            ErrorKind::Timeout(TimeoutLimit::Attempt(limit)) => write!(
                f,
                "no complete answer within the {} per-attempt timeout (Options::timeout)",
                Secs(*limit)
            )?,
            ErrorKind::Timeout(TimeoutLimit::Deadline(limit)) => write!(
                f,
                "the {} deadline for the whole call (Options::deadline) ran out",
                Secs(*limit)
            )?,
            ErrorKind::ConnectionLost(stage) => {
                write!(f, "the connection to the Agni API was lost {stage}")?
            }
            ErrorKind::Redirect {
                status,
                location: Some(location),
            } => write!(
                f,
                "the Agni API redirected ({status}) to {location}; redirects are not followed"
            )?,
            ErrorKind::Redirect {
                status,
                location: None,
            } => write!(
                f,
                "the Agni API redirected ({status}) nowhere (no Location)"
            )?,
            ErrorKind::ResponseTooLarge(ResponsePart::Body { limit }) => write!(
                f,
                "the response body exceeded the {limit}-byte limit (Options::max_response_bytes)"
            )?,
            ErrorKind::ResponseTooLarge(ResponsePart::Headers) => {
                f.write_str("the response headers exceeded the HTTP client's limit")?
            }
            ErrorKind::Decode { status, path, .. } => {
                // A required member that is absent (an envelope's `data`, a resource's `id`) is
                // said in words: serde names it only in its message.
                let missing = self
                    .0
                    .source
                    .as_ref()
                    .is_some_and(|source| source.to_string().starts_with("missing field"));
                let at = if missing { ": it has no" } else { " at" };
                write!(f, "cannot decode the answer (HTTP {status}){at} `{path}`")?
            }
            ErrorKind::Io { context } => f.write_str(context)?,
            ErrorKind::InvalidRequest { reason } => {
                write!(f, "invalid request, nothing was sent: {reason}")?
            }
        }
        if *attempts > 1 {
            write!(f, " (gave up after {attempts} attempts)")?;
        }
        if f.alternate() {
            let mut cause = std::error::Error::source(self);
            while let Some(error) = cause {
                write!(f, ": {error}")?;
                cause = error.source();
            }
        }
        Ok(())
    }
}

/// A duration as a person reads it in a message: `60 s`, `250 ms`.
struct Secs(Duration);

impl fmt::Display for Secs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.subsec_millis() == 0 && self.0.as_secs() > 0 {
            write!(f, "{} s", self.0.as_secs())
        } else {
            write!(f, "{} ms", self.0.as_millis())
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source.as_deref().map(|e| e as _)
    }
}

impl From<ApiError> for Error {
    fn from(error: ApiError) -> Self {
        Error::new(ErrorKind::Api(error))
    }
}

impl From<std::convert::Infallible> for Error {
    fn from(never: std::convert::Infallible) -> Self {
        match never {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alternate_display_appends_the_chain_of_causes() {
        let source = serde_json::from_str::<u8>("\"x\"").expect_err("not a number");
        let error = Error::new(ErrorKind::Decode {
            status: StatusCode::OK,
            path: "data.temperature".into(),
            excerpt: String::new(),
        })
        .with_operation("get_agent")
        .with_attempts(1)
        .with_source(source);
        assert_eq!(
            error.to_string(),
            "get_agent: cannot decode the answer (HTTP 200 OK) at `data.temperature`"
        );
        let chained = format!("{error:#}");
        assert!(
            chained.starts_with(&error.to_string()) && chained.contains(": invalid type"),
            "{chained}"
        );
    }

    #[test]
    fn messages_name_the_limit_and_the_attempts() {
        let timeout = Error::new(ErrorKind::Timeout(TimeoutLimit::Attempt(
            Duration::from_secs(60),
        )))
        .with_operation("get_agent")
        .with_attempts(3);
        assert_eq!(
            timeout.to_string(),
            "get_agent: no complete answer within the 60 s per-attempt timeout \
             (Options::timeout) (gave up after 3 attempts)"
        );
        let deadline = Error::new(ErrorKind::Timeout(TimeoutLimit::Deadline(
            Duration::from_millis(450),
        )));
        assert!(
            deadline.to_string().contains("450 ms deadline"),
            "{deadline}"
        );
    }

    #[test]
    fn errors_stay_one_pointer_wide() {
        assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
    }
}
