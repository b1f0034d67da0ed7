//! The contract between the sandbox's HTTP edge (`server`) and its in-memory state (`world`).
//!
//! The edge owns everything about HTTP: matching the exact path to an operation, the credentials,
//! validating the body against `openapi.yaml`, faults and latency, encoding replies the way the
//! real service does, and delivering webhooks. The world owns the data: it sees one decoded
//! [`ApiRequest`] at a time and answers with an [`ApiReply`], never touching sockets.

use std::collections::BTreeMap;

use serde_json::Value;

/// One request that passed the edge's checks (path, credentials, schema).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApiRequest {
    /// The spec's operationId, e.g. `CreateAgent`.
    pub operation: &'static str,
    /// Path parameters by name, percent-decoded.
    pub path: BTreeMap<String, String>,
    /// Query parameters by name, percent-decoded (the last value wins).
    pub query: BTreeMap<String, String>,
    /// The JSON body, or `Value::Null` when there is none.
    pub body: Value,
}

impl ApiRequest {
    /// A path parameter; the edge guarantees every templated one is present.
    pub fn path_param(&self, name: &str) -> &str {
        self.path.get(name).map_or("", String::as_str)
    }

    /// A query parameter parsed as a number, if present and numeric.
    pub fn query_number(&self, name: &str) -> Option<u64> {
        self.query.get(name).and_then(|value| value.parse().ok())
    }
}

/// The world's answer; the edge turns it into an HTTP response.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ApiReply {
    /// 200 with this JSON body (snake_case, numbers as numbers: the edge re-encodes on request).
    Json(Value),
    /// 200 with no body.
    Empty,
    /// 200 with these bytes (a call recording's audio).
    Bytes {
        /// The `Content-Type`, e.g. `audio/mpeg`.
        content_type: &'static str,
        /// The body.
        body: Vec<u8>,
    },
    /// An error, answered in the upstream shape for its kind.
    Failure(Failure),
}

/// Errors the world can answer with; the edge picks the upstream body shape for each.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Failure {
    /// 400, gRPC `{code: 3, message, details: []}` (INVALID_ARGUMENT).
    InvalidArgument(String),
    /// 401, gRPC `{code: 16, ...}` (UNAUTHENTICATED): a credential the world checks itself,
    /// such as a recording URL's `token`.
    Unauthenticated(String),
    /// 404, envelope `{success: false, message, error: {code: "NOT_FOUND", message}}`.
    NotFound(String),
    /// 409, envelope with `error.code` `CONFLICT` (e.g. buying a number twice).
    Conflict(String),
    /// 422, envelope with `error.code` `FAILED_PRECONDITION` (e.g. pausing a draft campaign).
    FailedPrecondition(String),
}

/// Which shape after-call webhooks are delivered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WebhookShape {
    /// `{"event": "call.completed", "org_id", "data": {...}}`, as the docs describe.
    #[default]
    Documented,
    /// `{"event": "call_completed", "call_session": {...}, "transcriptions": "..."}`, as real
    /// deliveries look (see the `webhooks` module).
    RealDelivery,
}

/// The body field under which a `multipart/form-data` upload reaches the world.
///
/// `AddKnowledgeBaseSources` also accepts `multipart/form-data` with one `file` part (what
/// `Client::upload_knowledge_file` sends). The edge does not validate such a body against the
/// JSON schema; it passes `ApiRequest::body` as
/// `{"file": {"filename": "faq.md", "content_type": "text/markdown", "size": 16, "text": "..."}}`
/// (`text` only when the content is UTF-8; any other non-file part appears as a string under
/// its own name).
pub(crate) const UPLOADED_FILE_FIELD: &str = "file";
