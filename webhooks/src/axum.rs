//! The after-call webhook as an [axum](https://docs.rs/axum/0.8) route (cargo feature `axum`).
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
//! axum::serve(listener, app).await
//! # }
//! ```

use std::{future::Future, sync::Arc};

use ::axum::{body::Bytes, routing::MethodRouter};
use http::StatusCode;

use super::{BoxError, CallCompleted, Deduplicator, Outcome};

/// A `POST` route running each delivery through [`handle`](super::handle) with its own
/// in-memory [`Deduplicator`] of [`Deduplicator::DEFAULT_CAPACITY`] sessions. It answers with
/// [`Outcome::status`] and a one-line plain-text body; failures and invalid bodies are also
/// logged with `tracing` (`warn`). Any content type is accepted; bodies over axum's default
/// limit (2 MB) are refused with `413`.
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
    endpoint_with(Arc::new(Deduplicator::default()), handler)
}

/// [`endpoint`] with a [`Deduplicator`] you keep (to size it, inspect it, or share it between
/// routes).
///
/// ```
/// use std::sync::Arc;
/// use agni_webhooks::{CallCompleted, Deduplicator};
///
/// let dedup = Arc::new(Deduplicator::new(50_000));
/// let app: axum::Router = axum::Router::new().route(
///     "/webhooks/agni",
///     agni_webhooks::axum::endpoint_with(Arc::clone(&dedup), |call: CallCompleted| async move {
///         println!("{}", call.session_id);
///         Ok::<(), std::convert::Infallible>(())
///     }),
/// );
/// assert!(dedup.is_empty());
/// ```
pub fn endpoint_with<H, Fut, E, S>(dedup: Arc<Deduplicator>, handler: H) -> MethodRouter<S>
where
    H: Fn(CallCompleted) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<(), E>> + Send + 'static,
    E: Into<BoxError> + 'static,
    S: Clone + Send + Sync + 'static,
{
    ::axum::routing::post(move |body: Bytes| {
        let dedup = Arc::clone(&dedup);
        let handler = handler.clone();
        async move {
            let outcome = super::handle(&body, &dedup, handler).await;
            respond(&outcome)
        }
    })
}

/// The status and a one-line body. A handler's error is logged, never sent back.
fn respond(outcome: &Outcome) -> (StatusCode, String) {
    let text = match outcome {
        Outcome::Processed { session_id } => format!("processed {session_id}"),
        Outcome::Duplicate { session_id } => format!("duplicate {session_id}"),
        Outcome::Ignored { event } => format!("ignored event {event}"),
        Outcome::Invalid(error) => {
            tracing::warn!(%error, "agni webhook: invalid delivery");
            format!("invalid: {error}")
        }
        Outcome::Failed { session_id, error } => {
            tracing::warn!(%session_id, %error, "agni webhook: handler failed; the delivery will be retried");
            format!("handler failed for {session_id}")
        }
    };
    (outcome.status(), text)
}
