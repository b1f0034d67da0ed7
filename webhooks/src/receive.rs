//! Receiving one delivery, whatever the framework: [`handle`] runs it through [`parse`], a
//! [`DedupStore`] and your handler, and the [`Outcome`] says what to answer.

use std::future::Future;

use http::StatusCode;

use crate::{
    dedup::{Claim, DedupError, DedupStore},
    error::{BoxError, WebhookError},
    event::CallCompleted,
    parse::{parse, session_key},
};

/// What [`handle`] did with a delivery; [`status`](Self::status) is the HTTP status to answer.
///
/// ```
/// use agni_webhooks::{Outcome, WebhookError};
/// use http::StatusCode;
///
/// assert_eq!(Outcome::Duplicate { session_id: "s-1".into() }.status(), StatusCode::OK);
/// assert_eq!(Outcome::Invalid(WebhookError::MissingSessionId).status(), StatusCode::BAD_REQUEST);
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Outcome {
    /// The handler ran and succeeded. `200`.
    Processed {
        /// The call session id.
        session_id: String,
    },
    /// This session was already processed, or is being processed by a concurrent delivery;
    /// the handler did not run. `200`, so Agni stops retrying.
    Duplicate {
        /// The call session id.
        session_id: String,
    },
    /// A well-formed event other than the after-call one; the handler did not run. `200`:
    /// retrying it would never make it one.
    Ignored {
        /// The event name as delivered.
        event: String,
    },
    /// Not an after-call event at all (not JSON, no `event` nor call session, no session id);
    /// the handler did not run. `400` — `413` for a body over the size limit: the body is the
    /// problem. (Agni retries any non-2xx; a `4xx` at least tells the sender why.)
    Invalid(WebhookError),
    /// The handler returned an error; the session is released, so the retry Agni sends after
    /// this `500` runs the handler again.
    Failed {
        /// The call session id.
        session_id: String,
        /// What the handler returned.
        error: BoxError,
    },
    /// The [`DedupStore`] could not say whether the session is new (Redis unreachable, ...);
    /// the handler did not run. `503`, so Agni retries later instead of the call being
    /// processed twice.
    StoreFailed {
        /// The call session id.
        session_id: String,
        /// What the store returned.
        error: DedupError,
    },
}

impl Outcome {
    /// The HTTP status to answer the delivery with: `200`, `400`, `413`, `500` or `503` (see
    /// each variant).
    ///
    /// ```
    /// use agni_webhooks::{Outcome, WebhookError};
    ///
    /// let failed = Outcome::Failed { session_id: "s-1".into(), error: "db down".into() };
    /// assert_eq!(failed.status(), http::StatusCode::INTERNAL_SERVER_ERROR);
    /// assert_eq!(Outcome::Ignored { event: "call.started".into() }.status().as_u16(), 200);
    /// assert_eq!(Outcome::Invalid(WebhookError::TooLarge { limit: 10 }).status().as_u16(), 413);
    /// ```
    pub fn status(&self) -> StatusCode {
        match self {
            Outcome::Processed { .. } | Outcome::Duplicate { .. } | Outcome::Ignored { .. } => {
                StatusCode::OK
            }
            Outcome::Invalid(WebhookError::TooLarge { .. }) => StatusCode::PAYLOAD_TOO_LARGE,
            Outcome::Invalid(_) => StatusCode::BAD_REQUEST,
            Outcome::Failed { .. } => StatusCode::INTERNAL_SERVER_ERROR,
            Outcome::StoreFailed { .. } => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

/// Runs one delivery: [`parse`]s `body` (up to the default size limit), skips a session `store`
/// has seen, calls `handler`, and says what to answer. Framework-agnostic: answer with
/// [`Outcome::status`].
///
/// The session is claimed before `handler` runs, so a retry arriving meanwhile — at this
/// process or, with a shared store, at another replica — is a [`Outcome::Duplicate`]; it is
/// released again if `handler` fails, panics or is cancelled (the request dropped), so the next
/// retry runs it again. The docs advise answering quickly and doing slow work in the
/// background: hand the event to a queue here.
///
/// ```
/// use agni_webhooks::{MemoryStore, Outcome};
///
/// # async fn run() {
/// let store = MemoryStore::default();
/// let body = br#"{"event": "call_completed", "call_session": {"id": "s-1"}}"#;
///
/// for _ in 0..2 {
///     let outcome = agni_webhooks::handle(body, &store, |call| async move {
///         if !call.verify_org("1268c1f0-19f3-47db-aefb-c16a7c3ace6e") {
///             return Ok(()); // someone else's call: acknowledge, ignore
///         }
///         println!("{} ended: {:?}", call.session_id, call.summary);
///         Ok::<(), std::io::Error>(())
///     })
///     .await;
///     assert_eq!(outcome.status(), http::StatusCode::OK);
/// }
/// assert!(store.contains("s-1"));
/// # }
/// # tokio::runtime::Builder::new_current_thread().build().expect("runtime").block_on(run());
/// ```
pub async fn handle<S, F, Fut, E>(body: &[u8], store: &S, handler: F) -> Outcome
where
    S: DedupStore + ?Sized,
    F: FnOnce(CallCompleted) -> Fut,
    Fut: Future<Output = Result<(), E>>,
    E: Into<BoxError>,
{
    handle_parsed(parse(body), store, handler).await
}

/// [`handle`] for a delivery you parsed yourself: with another size limit
/// ([`parse_with_limit`](crate::parse_with_limit)), or from a framework's JSON extractor
/// ([`CallCompleted::from_value`]).
///
/// ```
/// use agni_webhooks::{MemoryStore, Outcome};
///
/// # async fn run() {
/// let store = MemoryStore::default();
/// let body = br#"{"event": "call_completed", "call_session": {"id": "s-1"}}"#;
/// let parsed = agni_webhooks::parse_with_limit(body, 8 << 20);
/// let outcome = agni_webhooks::handle_parsed(parsed, &store, |call| async move {
///     println!("{}", call.session_id);
///     Ok::<(), std::convert::Infallible>(())
/// })
/// .await;
/// assert!(matches!(outcome, Outcome::Processed { .. }));
/// # }
/// # tokio::runtime::Builder::new_current_thread().build().expect("runtime").block_on(run());
/// ```
pub async fn handle_parsed<S, F, Fut, E>(
    parsed: Result<CallCompleted, WebhookError>,
    store: &S,
    handler: F,
) -> Outcome
where
    S: DedupStore + ?Sized,
    F: FnOnce(CallCompleted) -> Fut,
    Fut: Future<Output = Result<(), E>>,
    E: Into<BoxError>,
{
    let call = match parsed {
        Ok(call) => call,
        Err(WebhookError::NotAfterCall { event }) => return Outcome::Ignored { event },
        Err(error) => return Outcome::Invalid(error),
    };
    // Parsing checked it; an event built or changed by hand may not have been.
    if let Err(error) = session_key(&call.session_id) {
        return Outcome::Invalid(error);
    }
    let session_id = call.session_id.clone();
    let claim = match Claim::acquire(store, &session_id).await {
        Ok(Some(claim)) => claim,
        Ok(None) => return Outcome::Duplicate { session_id },
        Err(error) => return Outcome::StoreFailed { session_id, error },
    };
    // Boxed at once: the handler's error type need not be `Send` across the store's awaits.
    let handled: Result<(), BoxError> = handler(call).await.map_err(Into::into);
    match handled {
        Ok(()) => {
            // Agni gets its 200 either way and will not retry: nobody else hears of this.
            if let Err(error) = claim.commit().await {
                tracing::warn!(%session_id, %error, "agni webhook: processed, but the de-duplication store did not record it");
            }
            Outcome::Processed { session_id }
        }
        Err(error) => {
            if let Err(release_error) = claim.release().await {
                tracing::warn!(%session_id, error = %release_error, "agni webhook: could not release the claim; the retry waits for it to lapse");
            }
            Outcome::Failed { session_id, error }
        }
    }
}
