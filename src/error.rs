//! [`Error`], the one error type every operation returns, and how both upstream error bodies,
//! transport failures and undecodable responses map into it.

use std::{fmt, time::Duration};

use reqwest::{StatusCode, header::HeaderMap};
use serde_json::Value;

/// How many bytes of a response body an error keeps, so errors stay small and printable.
const EXCERPT_BYTES: usize = 512;

/// Headers that carry a request id, in the order they are trusted.
const REQUEST_ID_HEADERS: [&str; 3] = [
    "x-request-id",
    "x-correlation-id",
    "grpc-metadata-x-request-id",
];

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong calling the Agni API. `{e}` is one sentence for a person;
/// `{e:#}` appends the chain of causes.
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
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The API answered with an error status, or with `"success": false` in a 2xx envelope.
    Api(Box<ApiError>),
    /// No connection could be made (refused, DNS failure, TLS handshake). The request was not sent.
    Connect(reqwest::Error),
    /// The request or its response took longer than the configured timeout or deadline.
    Timeout(Option<reqwest::Error>),
    /// The connection failed after the request may have been sent: reset before the response,
    /// or dropped in the middle of the response body.
    ConnectionLost {
        /// When it was lost.
        stage: LostStage,
        /// The transport error.
        source: reqwest::Error,
    },
    /// The API answered with a redirect. The client never follows one (it would carry the API
    /// key along); the GoHighLevel OAuth operations answer this way by design, and `location`
    /// is where a browser should go.
    Redirect {
        /// The 3xx status.
        status: StatusCode,
        /// The `Location` header, if any.
        location: Option<String>,
    },
    /// The response body exceeded the configured size cap and was not read further.
    ResponseTooLarge {
        /// The configured cap, in bytes.
        limit: usize,
    },
    /// A successful response whose body does not match the expected type.
    Decode {
        /// The operation, e.g. `list_agents`.
        operation: &'static str,
        /// HTTP status of the response.
        status: StatusCode,
        /// Where in the body decoding failed (`data[3].status`), or `.` for the root.
        path: String,
        /// The start of the body.
        excerpt: String,
        /// What serde reported.
        source: serde_json::Error,
    },
    /// A local file or writer failed (saving a recording, reading a file to upload).
    Io {
        /// What was being done, e.g. `cannot write the recording file /tmp/call.mp3`.
        context: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The request was refused before anything was sent: a required field is missing, a value
    /// cannot be represented, a phone number is invalid.
    InvalidRequest(String),
}

impl fmt::Display for Error {
    /// One readable sentence; with `{:#}`, followed by each underlying cause.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(api) => write!(f, "{api}")?,
            Error::Connect(_) => f.write_str("cannot connect to the Agni API")?,
            Error::Timeout(_) => f.write_str("the request to the Agni API timed out")?,
            Error::ConnectionLost { stage, .. } => {
                write!(f, "the connection to the Agni API was lost {stage}")?
            }
            Error::Redirect { status, location } => write!(
                f,
                "the Agni API redirected ({status}) to {}",
                location.as_deref().unwrap_or("nowhere")
            )?,
            Error::ResponseTooLarge { limit } => {
                write!(f, "the response body exceeded the {limit}-byte limit")?
            }
            Error::Decode {
                operation,
                status,
                path,
                source,
                ..
            } => {
                // serde says a required member is absent only in its message; that is how an
                // envelope without its resource (`data`) or a resource without its `id` fails,
                // so it is worth saying in words.
                let what = if source.to_string().starts_with("missing field") {
                    ": it has no"
                } else {
                    " at"
                };
                write!(
                    f,
                    "cannot decode the {operation} response (HTTP {status}){what} `{path}`"
                )?
            }
            Error::InvalidRequest(reason) => write!(f, "invalid request: {reason}")?,
            Error::Io { context, .. } => f.write_str(context)?,
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

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Connect(source) | Error::ConnectionLost { source, .. } => Some(source),
            Error::Timeout(source) => source.as_ref().map(|e| e as _),
            Error::Decode { source, .. } => Some(source),
            Error::Io { source, .. } => Some(source),
            Error::Api(_)
            | Error::Redirect { .. }
            | Error::ResponseTooLarge { .. }
            | Error::InvalidRequest(_) => None,
        }
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

/// The upstream code of an error body: a gRPC status number or an envelope's symbolic code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorCode {
    /// gRPC status (`3` = INVALID_ARGUMENT, `16` = UNAUTHENTICATED), from 400/401 bodies.
    Grpc(i64),
    /// Envelope code such as `FORBIDDEN`, `NOT_FOUND`, `INTERNAL_ERROR`, `SLOT_UNAVAILABLE`.
    Symbolic(String),
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorCode::Grpc(code) => write!(f, "gRPC {code}"),
            ErrorCode::Symbolic(code) => f.write_str(code),
        }
    }
}

/// An error answer from the API, whichever shape its body had.
#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    code: Option<ErrorCode>,
    message: Option<String>,
    details: Option<Value>,
    request_id: Option<String>,
    retry_after: Option<Duration>,
    excerpt: String,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the Agni API answered {}", self.status)?;
        if let Some(code) = &self.code {
            write!(f, " ({code})")?;
        }
        match &self.message {
            Some(message) => write!(f, ": {message}")?,
            None if !self.excerpt.is_empty() => write!(f, ": {}", self.excerpt)?,
            None => {}
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

impl ApiError {
    /// Reads an error answer: the gRPC shape `{code, message, details}`, the envelope
    /// `{success: false, message, error: {code, message, details}}`, `/ready`'s
    /// `{status, error}`, or anything else (an HTML 502 page) kept as an excerpt.
    pub(crate) fn from_response(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Self {
        let json: Option<Value> = serde_json::from_slice(body).ok();
        let field = |value: &Value, key: &str| value.get(key).filter(|v| !v.is_null()).cloned();
        let text =
            |value: &Value, key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
        let (mut code, mut message, mut details) = (None, None, None);
        if let Some(json) = &json {
            message = text(json, "message");
            details = field(json, "details");
            code = match json.get("code") {
                Some(Value::Number(n)) => n.as_i64().map(ErrorCode::Grpc),
                Some(Value::String(s)) if !s.is_empty() => Some(ErrorCode::Symbolic(s.clone())),
                _ => None,
            };
            match json.get("error") {
                Some(inner @ Value::Object(_)) => {
                    code = code.or_else(|| text(inner, "code").map(ErrorCode::Symbolic));
                    // The inner message is the more specific one.
                    message = text(inner, "message").or(message);
                    details = field(inner, "details").or(details);
                }
                Some(Value::String(reason)) => message = message.or_else(|| Some(reason.clone())),
                _ => {}
            }
        }
        let request_id = REQUEST_ID_HEADERS
            .iter()
            .find_map(|name| headers.get(*name)?.to_str().ok().map(str::to_owned));
        ApiError {
            status,
            code,
            message,
            details,
            request_id,
            retry_after: crate::retry::retry_after(headers),
            excerpt: excerpt(body),
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }
    /// The upstream code, if the body carried one.
    pub fn code(&self) -> Option<&ErrorCode> {
        self.code.as_ref()
    }
    /// The upstream message, if the body carried one.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }
    /// Upstream details (gRPC details array, or the envelope's `error.details`).
    pub fn details(&self) -> Option<&Value> {
        self.details.as_ref()
    }
    /// The request id from the response headers, for support tickets.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
    /// How long the server asked us to wait (`Retry-After`, seconds or HTTP date).
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }
    /// The first bytes of the body, lossily decoded.
    pub fn body_excerpt(&self) -> &str {
        &self.excerpt
    }
}

/// The first [`EXCERPT_BYTES`] of a body as text, cut on a character boundary.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(EXCERPT_BYTES)]);
    let mut text = text.trim().to_owned();
    if body.len() > EXCERPT_BYTES {
        text.push('…');
    }
    text
}

impl From<ApiError> for Error {
    fn from(error: ApiError) -> Self {
        Error::Api(Box::new(error))
    }
}

impl Error {
    /// The HTTP status, for errors that came with a response.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(api) => Some(api.status),
            Error::Decode { status, .. } | Error::Redirect { status, .. } => Some(*status),
            _ => None,
        }
    }
    /// The API error answer, if this is one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(api) => Some(api),
            _ => None,
        }
    }
    /// 404, or the envelope code `NOT_FOUND`.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(StatusCode::NOT_FOUND)
            || self.api().and_then(ApiError::code) == Some(&ErrorCode::Symbolic("NOT_FOUND".into()))
    }
    /// 401, or gRPC UNAUTHENTICATED (16): the API key is missing, wrong or expired.
    pub fn is_unauthorized(&self) -> bool {
        self.status() == Some(StatusCode::UNAUTHORIZED)
            || self.api().and_then(ApiError::code) == Some(&ErrorCode::Grpc(16))
    }
    /// 429: too many requests.
    pub fn is_rate_limited(&self) -> bool {
        self.status() == Some(StatusCode::TOO_MANY_REQUESTS)
    }
    /// How long the server asked us to wait before retrying.
    pub fn retry_after(&self) -> Option<Duration> {
        self.api().and_then(ApiError::retry_after)
    }
    /// Whether the same request could succeed later: connection failures, timeouts and
    /// 408/429/500/502/503/504. Whether it is *safe* to repeat depends on the method; the
    /// client's own retries take care of that.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Connect(_) | Error::Timeout(_) | Error::ConnectionLost { .. } => true,
            Error::Api(api) => crate::retry::is_retryable_status(api.status),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alternate_display_appends_the_chain_of_causes() {
        let source = serde_json::from_str::<u8>("\"x\"").expect_err("not a number");
        let error = Error::Decode {
            operation: "get_agent",
            status: StatusCode::OK,
            path: "data.temperature".into(),
            excerpt: String::new(),
            source,
        };
        assert_eq!(
            error.to_string(),
            "cannot decode the get_agent response (HTTP 200 OK) at `data.temperature`"
        );
        let chained = format!("{error:#}");
        assert!(
            chained.starts_with(&error.to_string()) && chained.contains(": invalid type"),
            "{chained}"
        );
    }

    #[test]
    fn a_missing_member_is_named_as_missing() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code, reason = "only decoded")]
        struct Envelope {
            data: u8,
        }
        let source = serde_json::from_str::<Envelope>("{}").expect_err("no data");
        let error = Error::Decode {
            operation: "get_agent",
            status: StatusCode::OK,
            path: "data".into(),
            excerpt: String::new(),
            source,
        };
        assert_eq!(
            error.to_string(),
            "cannot decode the get_agent response (HTTP 200 OK): it has no `data`"
        );
    }

    #[test]
    fn both_upstream_error_shapes_and_html_map_into_api_error() {
        let headers = HeaderMap::new();
        let grpc = ApiError::from_response(
            StatusCode::BAD_REQUEST,
            &headers,
            br#"{"code":3,"message":"invalid uuid","details":[]}"#,
        );
        assert_eq!(
            (grpc.code(), grpc.message()),
            (Some(&ErrorCode::Grpc(3)), Some("invalid uuid"))
        );
        let envelope = ApiError::from_response(
            StatusCode::FORBIDDEN,
            &headers,
            br#"{"success":false,"message":"outer","error":{"code":"FORBIDDEN","message":"inner"}}"#,
        );
        assert_eq!(
            (envelope.code(), envelope.message()),
            (
                Some(&ErrorCode::Symbolic("FORBIDDEN".into())),
                Some("inner")
            )
        );
        let html = ApiError::from_response(
            StatusCode::BAD_GATEWAY,
            &headers,
            b"<html>Bad Gateway</html>",
        );
        assert_eq!(
            (html.code(), html.body_excerpt()),
            (None, "<html>Bad Gateway</html>")
        );
        assert_eq!(
            html.to_string(),
            "the Agni API answered 502 Bad Gateway: <html>Bad Gateway</html>"
        );
    }
}
