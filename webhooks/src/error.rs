//! Why a body is not an after-call event ([`WebhookError`]), and the error type handlers return
//! ([`BoxError`]). A leaf: every other module may use it.

/// The error a handler may return: anything that converts into a boxed error (`String`,
/// `&str`, `std::io::Error`, `anyhow::Error`, ...).
///
/// ```
/// let error: agni_webhooks::BoxError = "database unavailable".into();
/// assert_eq!(error.to_string(), "database unavailable");
/// ```
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Why a body is not an after-call event. `{e}` is one sentence, fit for a log line or a `4xx`
/// response body.
///
/// ```
/// let error = agni_webhooks::parse(b"<html>").expect_err("not JSON");
/// assert!(matches!(error, agni_webhooks::WebhookError::NotJson(_)));
/// assert!(error.to_string().starts_with("webhook body is not JSON"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The body is larger than the limit ([`parse_with_limit`](crate::parse_with_limit)); it was
    /// not parsed.
    #[error("webhook body is over the limit of {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The body is not JSON.
    #[error("webhook body is not JSON: {0}")]
    NotJson(serde_json::Error),
    /// The body is JSON, but not an object.
    #[error("webhook body is JSON but not an object")]
    NotAnObject,
    /// The object has no `event` field, and does not carry the documented call session either
    /// (see [`parse`](crate::parse) for what counts).
    #[error("webhook body has no `event` field and no call session")]
    MissingEvent,
    /// The event is not the after-call event (`call.completed`, or `call_completed` as real
    /// deliveries spell it).
    #[error("webhook event `{event}` is not an after-call event (`call.completed`)")]
    NotAfterCall {
        /// The event as delivered (a non-string `event` as its JSON text).
        event: String,
    },
    /// Neither `call_session_id` nor `call_session.id` (nor `data.id`) holds an id.
    #[error(
        "after-call webhook carries no call session id (`data.call_session_id` or `call_session.id`)"
    )]
    MissingSessionId,
    /// The call session id is longer than [`DedupKey::MAX_LEN`](crate::DedupKey::MAX_LEN)
    /// bytes: no real id is (they are 36-byte UUIDs), and remembering it would let one body
    /// fill the de-duplication store.
    #[error("the call session id is {len} bytes, over the limit of {max}")]
    SessionIdTooLong {
        /// Its length, in bytes.
        len: usize,
        /// The limit, [`DedupKey::MAX_LEN`](crate::DedupKey::MAX_LEN).
        max: usize,
    },
}
