//! `handle` with the in-memory store: what each delivery is answered, and when the handler runs.

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use agni_webhooks::{
    self as webhooks, CallCompleted, ClaimToken, DedupError, DedupKey, DedupStore, MemoryStore,
    Outcome, StoreFuture, WebhookError,
};
use http::StatusCode;

use super::{DOCUMENTED, REAL_INBOUND, REAL_OUTBOUND};

async fn deliver(body: &str, store: &MemoryStore, runs: &AtomicUsize) -> Outcome {
    webhooks::handle(body.as_bytes(), store, |call| async move {
        assert!(!call.session_id.is_empty());
        runs.fetch_add(1, Ordering::SeqCst);
        Ok::<(), std::convert::Infallible>(())
    })
    .await
}

#[tokio::test]
async fn the_same_delivery_twice_runs_the_handler_once() {
    let store = MemoryStore::default();
    let runs = AtomicUsize::new(0);

    let first = deliver(REAL_INBOUND, &store, &runs).await;
    assert!(
        matches!(&first, Outcome::Processed { session_id } if session_id == "019e1c2d-0a1b-7c2d-8e3f-4a5b6c7d8e9f"),
        "{first:?}"
    );
    assert_eq!(first.status(), StatusCode::OK);

    let second = deliver(REAL_INBOUND, &store, &runs).await;
    assert!(matches!(second, Outcome::Duplicate { .. }), "{second:?}");
    assert_eq!(second.status(), StatusCode::OK);
    assert_eq!(runs.load(Ordering::SeqCst), 1);

    // The documented spelling of another session is processed.
    let other = deliver(DOCUMENTED, &store, &runs).await;
    assert!(matches!(other, Outcome::Processed { .. }), "{other:?}");
    assert_eq!(runs.load(Ordering::SeqCst), 2);
    assert_eq!(store.len(), 2);
}

#[tokio::test]
async fn the_documented_payload_without_an_event_is_processed_not_refused() {
    let store = MemoryStore::default();
    let runs = AtomicUsize::new(0);
    let mut body: serde_json::Value = serde_json::from_str(DOCUMENTED).expect("JSON");
    body.as_object_mut().expect("an object").remove("event");

    let outcome = deliver(&body.to_string(), &store, &runs).await;
    assert!(matches!(outcome, Outcome::Processed { .. }), "{outcome:?}");
    assert_eq!(outcome.status(), StatusCode::OK);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn statuses_for_bad_bodies_and_other_events() {
    let store = MemoryStore::default();
    let runs = AtomicUsize::new(0);

    let invalid = deliver("not json", &store, &runs).await;
    assert!(
        matches!(invalid, Outcome::Invalid(WebhookError::NotJson(_))),
        "{invalid:?}"
    );
    assert_eq!(invalid.status(), StatusCode::BAD_REQUEST);

    let no_id = deliver(r#"{"event": "call_completed"}"#, &store, &runs).await;
    assert!(
        matches!(no_id, Outcome::Invalid(WebhookError::MissingSessionId)),
        "{no_id:?}"
    );
    assert_eq!(no_id.status(), StatusCode::BAD_REQUEST);

    let no_event = deliver(r#"{"org_id": "o", "data": {}}"#, &store, &runs).await;
    assert!(
        matches!(no_event, Outcome::Invalid(WebhookError::MissingEvent)),
        "{no_event:?}"
    );

    let other = deliver(r#"{"event": "call.started", "data": {}}"#, &store, &runs).await;
    assert!(
        matches!(&other, Outcome::Ignored { event } if event == "call.started"),
        "{other:?}"
    );
    assert_eq!(other.status(), StatusCode::OK);

    assert_eq!(runs.load(Ordering::SeqCst), 0);
    assert!(store.is_empty());
}

#[tokio::test]
async fn a_failed_handler_answers_500_and_the_retry_runs_it_again() {
    let store = MemoryStore::default();
    let attempts = AtomicUsize::new(0);
    let flaky = |_call: CallCompleted| async {
        match attempts.fetch_add(1, Ordering::SeqCst) {
            0 => Err("database unavailable"),
            _ => Ok(()),
        }
    };

    let failed = webhooks::handle(REAL_OUTBOUND.as_bytes(), &store, flaky).await;
    match &failed {
        Outcome::Failed { session_id, error } => {
            assert_eq!(session_id, "019e1d40-5b6c-7d8e-9fa0-b1c2d3e4f5a6");
            assert_eq!(error.to_string(), "database unavailable");
        }
        other => panic!("expected Failed, got {other:?}"),
    }
    assert_eq!(failed.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        !store.contains("019e1d40-5b6c-7d8e-9fa0-b1c2d3e4f5a6"),
        "released for the retry"
    );

    let retried = webhooks::handle(REAL_OUTBOUND.as_bytes(), &store, flaky).await;
    assert!(matches!(retried, Outcome::Processed { .. }), "{retried:?}");
    let again = webhooks::handle(REAL_OUTBOUND.as_bytes(), &store, flaky).await;
    assert!(matches!(again, Outcome::Duplicate { .. }), "{again:?}");
    assert_eq!(attempts.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_cancelled_handler_releases_its_claim() {
    let store = MemoryStore::default();
    let never = webhooks::handle(REAL_INBOUND.as_bytes(), &store, |_call| {
        std::future::pending::<Result<(), std::convert::Infallible>>()
    });
    // The request is dropped (client gone, timeout) while the handler runs.
    let timed_out = tokio::time::timeout(Duration::from_millis(10), never).await;
    assert!(timed_out.is_err());
    assert!(
        store.is_empty(),
        "a cancelled delivery must not count as processed"
    );
    assert_eq!(store.bytes_held(), 0);
}

#[tokio::test]
async fn a_panicking_handler_releases_its_claim() {
    let store = Arc::new(MemoryStore::default());
    let task = tokio::spawn({
        let store = Arc::clone(&store);
        async move {
            webhooks::handle(REAL_INBOUND.as_bytes(), &*store, |call| async move {
                assert!(call.session_id.is_empty(), "the handler's bug");
                Ok::<(), std::convert::Infallible>(())
            })
            .await
        }
    });
    assert!(task.await.expect_err("it panicked").is_panic());
    assert!(store.is_empty(), "the retry must run the (fixed) handler");
}

#[tokio::test]
async fn a_retry_during_processing_is_a_duplicate() {
    let store = Arc::new(MemoryStore::default());
    let (started_tx, started_rx) = tokio::sync::oneshot::channel::<()>();
    let (finish_tx, finish_rx) = tokio::sync::oneshot::channel::<()>();
    let slow = {
        let store = Arc::clone(&store);
        tokio::spawn(async move {
            webhooks::handle(REAL_INBOUND.as_bytes(), &*store, |_call| async move {
                started_tx.send(()).map_err(|()| "test gone")?;
                finish_rx.await.map_err(|_| "test gone")?;
                Ok::<(), &str>(())
            })
            .await
        })
    };
    started_rx.await.expect("the first delivery started");
    let runs = AtomicUsize::new(0);
    let retry = deliver(REAL_INBOUND, &store, &runs).await;
    assert!(matches!(retry, Outcome::Duplicate { .. }), "{retry:?}");
    assert_eq!(runs.load(Ordering::SeqCst), 0);
    finish_tx.send(()).expect("the first delivery is waiting");
    let first = slow.await.expect("no panic");
    assert!(matches!(first, Outcome::Processed { .. }), "{first:?}");
}

/// A store that is down.
struct Unreachable;

impl DedupStore for Unreachable {
    fn claim<'a>(&'a self, _key: DedupKey<'a>) -> StoreFuture<'a, Option<ClaimToken>> {
        Box::pin(async { Err(DedupError::Store("connection refused".into())) })
    }
    fn commit<'a>(&'a self, _key: DedupKey<'a>, _token: ClaimToken) -> StoreFuture<'a, ()> {
        Box::pin(async { Err(DedupError::Store("connection refused".into())) })
    }
    fn release<'a>(&'a self, _key: DedupKey<'a>, _token: ClaimToken) -> StoreFuture<'a, ()> {
        Box::pin(async { Err(DedupError::Store("connection refused".into())) })
    }
    fn abandon(&self, _key: DedupKey<'_>, _token: ClaimToken) {}
}

#[tokio::test]
async fn a_failing_store_answers_503_without_running_the_handler() {
    let runs = AtomicUsize::new(0);
    let store: &dyn DedupStore = &Unreachable;
    let outcome = webhooks::handle(REAL_INBOUND.as_bytes(), store, |_call| async {
        runs.fetch_add(1, Ordering::SeqCst);
        Ok::<(), std::convert::Infallible>(())
    })
    .await;
    match &outcome {
        Outcome::StoreFailed { session_id, error } => {
            assert_eq!(session_id, "019e1c2d-0a1b-7c2d-8e3f-4a5b6c7d8e9f");
            assert_eq!(
                error.to_string(),
                "the de-duplication store failed: connection refused"
            );
        }
        other => panic!("expected StoreFailed, got {other:?}"),
    }
    assert_eq!(outcome.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(runs.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn handle_parsed_checks_an_event_changed_by_hand() {
    let store = MemoryStore::default();
    let mut call = super::parse(REAL_INBOUND);
    call.session_id = "x".repeat(1 << 20);
    let outcome = webhooks::handle_parsed(Ok(call), &store, |_call| async {
        Ok::<(), std::convert::Infallible>(())
    })
    .await;
    assert!(
        matches!(
            outcome,
            Outcome::Invalid(WebhookError::SessionIdTooLong { len: 1_048_576, .. })
        ),
        "{outcome:?}"
    );
    assert_eq!(store.bytes_held(), 0);
}
