//! [`ApiError`]: an error answer of the API, read from either upstream body shape (gRPC status
//! or envelope) or kept as an excerpt; and what its headers say (request id, `Retry-After`).

use std::{
    fmt,
    time::{Duration, SystemTime},
};

use reqwest::{
    StatusCode,
    header::{HeaderMap, HeaderName, RETRY_AFTER},
};
use serde_json::Value;

/// How many bytes of a response body an error keeps, so errors stay small and printable.
const EXCERPT_BYTES: usize = 512;

/// Headers that carry a request id, in the order they are trusted.
/// (Names, not strings: a lookup by `&str` parses the name again on every response.)
const REQUEST_ID_HEADERS: [HeaderName; 3] = [
    HeaderName::from_static("x-request-id"),
    HeaderName::from_static("x-correlation-id"),
    HeaderName::from_static("grpc-metadata-x-request-id"),
];

/// The upstream code of an error body: a gRPC status number or an envelope's symbolic code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorCode {
    /// gRPC status (`3` = INVALID_ARGUMENT, `16` = UNAUTHENTICATED), from 400/401 bodies.
    Grpc(i64),
    /// Envelope code such as `FORBIDDEN`, `NOT_FOUND`, `INTERNAL_ERROR`, `SLOT_UNAVAILABLE`.
    Symbolic(String),
}

impl ErrorCode {
    /// The gRPC status name (`UNAUTHENTICATED`), for a gRPC code the standard defines.
    ///
    /// ```
    /// assert_eq!(agni::ErrorCode::Grpc(16).grpc_name(), Some("UNAUTHENTICATED"));
    /// assert_eq!(agni::ErrorCode::Grpc(99).grpc_name(), None);
    /// ```
    pub fn grpc_name(&self) -> Option<&'static str> {
        const NAMES: [&str; 17] = [
            "OK",
            "CANCELLED",
            "UNKNOWN",
            "INVALID_ARGUMENT",
            "DEADLINE_EXCEEDED",
            "NOT_FOUND",
            "ALREADY_EXISTS",
            "PERMISSION_DENIED",
            "RESOURCE_EXHAUSTED",
            "FAILED_PRECONDITION",
            "ABORTED",
            "OUT_OF_RANGE",
            "UNIMPLEMENTED",
            "INTERNAL",
            "UNAVAILABLE",
            "DATA_LOSS",
            "UNAUTHENTICATED",
        ];
        match self {
            ErrorCode::Grpc(code) => usize::try_from(*code)
                .ok()
                .and_then(|i| NAMES.get(i))
                .copied(),
            ErrorCode::Symbolic(_) => None,
        }
    }
}

impl fmt::Display for ErrorCode {
    /// `gRPC 16 UNAUTHENTICATED`, or the symbolic code as sent.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self, self.grpc_name()) {
            (ErrorCode::Grpc(code), Some(name)) => write!(f, "gRPC {code} {name}"),
            (ErrorCode::Grpc(code), None) => write!(f, "gRPC {code}"),
            (ErrorCode::Symbolic(code), _) => f.write_str(code),
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
    headers: HeaderMap,
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
    pub(crate) fn from_response(status: StatusCode, headers: HeaderMap, body: &[u8]) -> Self {
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
        ApiError {
            status,
            code,
            message,
            details,
            request_id: request_id(&headers),
            retry_after: retry_after(&headers),
            excerpt: excerpt(body),
            headers,
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
    /// How long the server asked to wait (`Retry-After`, seconds or HTTP date). A value too
    /// large to represent reads as [`Duration::MAX`].
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }
    /// The first bytes of the body, lossily decoded.
    pub fn body_excerpt(&self) -> &str {
        &self.excerpt
    }
    /// All response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }
}

/// The request id the API (or a proxy in front of it) put in the response headers.
pub(crate) fn request_id(headers: &HeaderMap) -> Option<String> {
    REQUEST_ID_HEADERS
        .iter()
        .find_map(|name| headers.get(name)?.to_str().ok().map(str::to_owned))
}

/// `Retry-After` as delta-seconds or an HTTP date. Digits too many for a `u64` saturate to
/// [`Duration::MAX`] (the server asked for "very long", which must not read as "not at all").
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(
            value
                .parse::<u64>()
                .map_or(Duration::MAX, Duration::from_secs),
        );
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(
        date.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_upstream_error_shapes_and_html_map_into_api_error() {
        let headers = HeaderMap::new();
        let grpc = ApiError::from_response(
            StatusCode::UNAUTHORIZED,
            headers.clone(),
            br#"{"code":16,"message":"API key is missing or invalid","details":[]}"#,
        );
        assert_eq!(
            grpc.to_string(),
            "the Agni API answered 401 Unauthorized (gRPC 16 UNAUTHENTICATED): API key is \
             missing or invalid"
        );
        let envelope = ApiError::from_response(
            StatusCode::FORBIDDEN,
            headers.clone(),
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
            headers,
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

    #[test]
    fn retry_after_forms() {
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(RETRY_AFTER, value.parse().expect("header value"));
            retry_after(&headers)
        };
        assert_eq!(with("3"), Some(Duration::from_secs(3)));
        assert_eq!(with("0"), Some(Duration::ZERO));
        assert_eq!(with("99999999999999999999"), Some(Duration::MAX));
        assert_eq!(with("-5"), None);
        assert_eq!(with("soon"), None);
        assert_eq!(
            with("Thu, 01 Jan 1970 00:00:00 GMT"),
            Some(Duration::ZERO),
            "a date in the past means now"
        );
    }
}
