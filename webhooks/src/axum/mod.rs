//! The after-call webhook as an [axum](https://docs.rs/axum/0.8) route, and a server for it
//! that bounds how long a client may take to send its request (cargo feature `axum`).
//!
//! ```no_run
//! use agni_webhooks::CallCompleted;
//!
//! async fn on_call(call: CallCompleted) -> Result<(), std::io::Error> {
//!     println!("{} ended: {:?}", call.session_id, call.summary);
//!     Ok(())
//! }
//!
//! # async fn run() -> std::io::Result<()> {
//! // Put an unguessable secret in the path: deliveries are not signed.
//! let app = axum::Router::new()
//!     .route("/webhooks/agni/3f9c0b1e7d", agni_webhooks::axum::endpoint(on_call));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! agni_webhooks::axum::serve(listener, app).await
//! # }
//! ```

use std::{future::Future, sync::Arc};

use ::axum::{
    body::{Body, Bytes},
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
    routing::MethodRouter,
};
use http::StatusCode;
use http_body_util::{BodyExt, LengthLimitError, Limited};

use crate::{
    BoxError, CallCompleted, DedupStore, Limits, MemoryStore, Outcome, WebhookError,
    parse_with_limit, receive::handle_parsed,
};

mod serve;

pub use serve::{serve, serve_with};

/// A `POST` route running each delivery through [`handle`](crate::handle) with its own
/// [`MemoryStore`] of the default budget and the default [`Limits`]: bodies up to 2 MiB
/// (bigger ones get `413` and are not read further), which must arrive whole within 10 s
/// (else `408`). It answers with [`Outcome::status`] and a one-line plain-text body; any
/// content type is accepted. Failures are logged with `tracing` at `debug` only: the sender
/// gets them as the status, and your handler returned its own error.
///
/// ```
/// use agni_webhooks::CallCompleted;
///
/// let app: axum::Router = axum::Router::new().route(
///     "/webhooks/agni",
///     agni_webhooks::axum::endpoint(|call: CallCompleted| async move {
///         println!("{} {:?}", call.session_id, call.customer_number);
///         Ok::<(), std::convert::Infallible>(())
///     }),
/// );
/// ```
pub fn endpoint<H, Fut, E, S>(handler: H) -> MethodRouter<S>
where
    H: Fn(CallCompleted) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<(), E>> + Send + 'static,
    E: Into<BoxError> + 'static,
    S: Clone + Send + Sync + 'static,
{
    Endpoint::new().route(handler)
}

/// [`endpoint`] with a [`DedupStore`] you keep: a [`MemoryStore`] of your size (to inspect it,
/// or share it between routes), a `RedisStore` shared by replicas, or `Arc<dyn DedupStore>`.
///
/// ```
/// use std::sync::Arc;
/// use agni_webhooks::{CallCompleted, MemoryStore};
///
/// let store = Arc::new(MemoryStore::new(64 << 20));
/// let app: axum::Router = axum::Router::new().route(
///     "/webhooks/agni",
///     agni_webhooks::axum::endpoint_with(Arc::clone(&store), |call: CallCompleted| async move {
///         println!("{}", call.session_id);
///         Ok::<(), std::convert::Infallible>(())
///     }),
/// );
/// assert!(store.is_empty());
/// ```
pub fn endpoint_with<D, H, Fut, E, S>(store: Arc<D>, handler: H) -> MethodRouter<S>
where
    D: DedupStore + ?Sized + 'static,
    H: Fn(CallCompleted) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<(), E>> + Send + 'static,
    E: Into<BoxError> + 'static,
    S: Clone + Send + Sync + 'static,
{
    Endpoint::with_store(store).route(handler)
}

/// The route [`endpoint`] builds, with every choice open: the store and the [`Limits`].
///
/// ```
/// use std::sync::Arc;
/// use agni_webhooks::{CallCompleted, Limits, MemoryStore, axum::Endpoint};
///
/// let app: axum::Router = axum::Router::new().route(
///     "/webhooks/agni",
///     Endpoint::with_store(Arc::new(MemoryStore::default()))
///         .limits(Limits::default().with_max_body_bytes(8 << 20))
///         .route(|call: CallCompleted| async move {
///             println!("{}", call.session_id);
///             Ok::<(), std::convert::Infallible>(())
///         }),
/// );
/// ```
#[derive(Debug)]
pub struct Endpoint<D: ?Sized = MemoryStore> {
    store: Arc<D>,
    limits: Limits,
}

impl Endpoint {
    /// An endpoint with its own default [`MemoryStore`] and the default [`Limits`].
    ///
    /// ```
    /// let endpoint = agni_webhooks::axum::Endpoint::new();
    /// ```
    pub fn new() -> Self {
        Endpoint::with_store(Arc::new(MemoryStore::default()))
    }
}

impl Default for Endpoint {
    fn default() -> Self {
        Endpoint::new()
    }
}

impl<D: DedupStore + ?Sized + 'static> Endpoint<D> {
    /// An endpoint using `store`, with the default [`Limits`].
    ///
    /// ```
    /// use std::sync::Arc;
    /// use agni_webhooks::{DedupStore, MemoryStore, axum::Endpoint};
    ///
    /// let store: Arc<dyn DedupStore> = Arc::new(MemoryStore::default());
    /// let endpoint = Endpoint::with_store(store);
    /// ```
    pub fn with_store(store: Arc<D>) -> Self {
        Endpoint {
            store,
            limits: Limits::default(),
        }
    }

    /// This endpoint reading bodies within `limits` ([`Limits::max_body_bytes`] and
    /// [`Limits::body_read_timeout`]; the header timeout is the server's, see [`serve_with`]).
    ///
    /// ```
    /// use std::time::Duration;
    /// use agni_webhooks::{Limits, axum::Endpoint};
    ///
    /// let endpoint = Endpoint::new()
    ///     .limits(Limits::default().with_body_read_timeout(Duration::from_secs(5)));
    /// ```
    #[must_use]
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The `POST` route, calling `handler` once per new session.
    ///
    /// ```
    /// use agni_webhooks::CallCompleted;
    ///
    /// let route: axum::routing::MethodRouter = agni_webhooks::axum::Endpoint::new()
    ///     .route(|call: CallCompleted| async move { Ok::<(), std::io::Error>(()) });
    /// ```
    pub fn route<H, Fut, E, S>(self, handler: H) -> MethodRouter<S>
    where
        H: Fn(CallCompleted) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
        E: Into<BoxError> + 'static,
        S: Clone + Send + Sync + 'static,
    {
        let Endpoint { store, limits } = self;
        ::axum::routing::post(move |body: Body| {
            deliver(body, Arc::clone(&store), limits, handler.clone())
        })
    }
}

/// One request: read the body within `limits`, then [`handle_parsed`].
async fn deliver<D, H, Fut, E>(body: Body, store: Arc<D>, limits: Limits, handler: H) -> Response
where
    D: DedupStore + ?Sized + 'static,
    H: FnOnce(CallCompleted) -> Fut,
    Fut: Future<Output = Result<(), E>>,
    E: Into<BoxError>,
{
    let body = match read_body(body, &limits).await {
        Ok(body) => body,
        Err(refused) => return refused,
    };
    let parsed = parse_with_limit(&body, limits.max_body_bytes);
    respond(&handle_parsed(parsed, &*store, handler).await)
}

/// The whole body, within the size limit and the time limit. A refusal closes the connection:
/// the rest of the body is not worth reading.
async fn read_body(body: Body, limits: &Limits) -> Result<Bytes, Response> {
    let read = Limited::new(body, limits.max_body_bytes).collect();
    let mut refused = match tokio::time::timeout(limits.body_read_timeout, read).await {
        Ok(Ok(collected)) => return Ok(collected.to_bytes()),
        Ok(Err(error)) if error.downcast_ref::<LengthLimitError>().is_some() => {
            respond(&Outcome::Invalid(WebhookError::TooLarge {
                limit: limits.max_body_bytes,
            }))
        }
        Ok(Err(error)) => {
            tracing::debug!(%error, "agni webhook: could not read the body");
            (StatusCode::BAD_REQUEST, "invalid: could not read the body").into_response()
        }
        Err(_elapsed) => {
            tracing::debug!(timeout = ?limits.body_read_timeout, "agni webhook: the body did not arrive in time");
            (
                StatusCode::REQUEST_TIMEOUT,
                format!(
                    "invalid: the body did not arrive within {:?}",
                    limits.body_read_timeout
                ),
            )
                .into_response()
        }
    };
    refused
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    Err(refused)
}

/// The status and a one-line body. A handler's or a store's error is logged, never sent back.
fn respond(outcome: &Outcome) -> Response {
    let text = match outcome {
        Outcome::Processed { session_id } => format!("processed {session_id}"),
        Outcome::Duplicate { session_id } => format!("duplicate {session_id}"),
        Outcome::Ignored { event } => format!("ignored event {event}"),
        Outcome::Invalid(error) => {
            tracing::debug!(%error, "agni webhook: invalid delivery");
            format!("invalid: {error}")
        }
        Outcome::Failed { session_id, error } => {
            tracing::debug!(%session_id, %error, "agni webhook: handler failed; the delivery will be retried");
            format!("handler failed for {session_id}")
        }
        Outcome::StoreFailed { session_id, error } => {
            tracing::debug!(%session_id, %error, "agni webhook: de-duplication store failed; the delivery will be retried");
            format!("store unavailable for {session_id}")
        }
    };
    (outcome.status(), text).into_response()
}
