//! Hostile input: bodies over the size limit are refused unparsed, and no delivery can make
//! the in-memory store hold more than its byte budget. Counts, not RSS.

use std::sync::atomic::{AtomicUsize, Ordering};

use agni_webhooks::{
    self as webhooks, Claim, DedupError, DedupKey, Limits, MemoryStore, Outcome, WebhookError,
};
use http::StatusCode;

use super::delivery;

const MIB: usize = 1 << 20;

#[test]
fn a_body_over_the_limit_is_refused_without_being_parsed() {
    let limit = Limits::DEFAULT_MAX_BODY_BYTES;
    assert_eq!(limit, 2 * MIB);
    // Exactly at the limit: parsed.
    let at_limit = delivery("s-1", 0);
    let at_limit = delivery("s-1", limit - at_limit.len());
    assert_eq!(at_limit.len(), limit);
    assert_eq!(
        webhooks::parse(&at_limit)
            .expect("within the limit")
            .session_id,
        "s-1"
    );

    // One byte over, and 50 MiB of garbage: `TooLarge`, not `NotJson` — nothing was parsed.
    let over = delivery("s-1", limit + 1 - delivery("s-1", 0).len());
    assert_eq!(over.len(), limit + 1);
    let huge = vec![b'['; 50 * MIB];
    for body in [&over, &huge] {
        let error = webhooks::parse(body).expect_err("over the limit");
        assert!(
            matches!(error, WebhookError::TooLarge { limit: 2_097_152 }),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            "webhook body is over the limit of 2097152 bytes"
        );
    }

    // Another limit, both ways.
    assert!(webhooks::parse_with_limit(&over, 4 * MIB).is_ok());
    assert!(matches!(
        webhooks::parse_with_limit(br#"{"event": "call_completed"}"#, 8),
        Err(WebhookError::TooLarge { limit: 8 })
    ));
}

#[tokio::test]
async fn handle_answers_413_for_a_body_over_the_limit() {
    let store = MemoryStore::default();
    let body = delivery("s-1", Limits::DEFAULT_MAX_BODY_BYTES);
    let outcome = webhooks::handle(&body, &store, |_call| async {
        Ok::<(), std::convert::Infallible>(())
    })
    .await;
    assert!(
        matches!(outcome, Outcome::Invalid(WebhookError::TooLarge { .. })),
        "{outcome:?}"
    );
    assert_eq!(outcome.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

/// Issue 10's measurement: 200 deliveries with 1 MiB session ids. None is stored.
#[tokio::test]
async fn two_hundred_one_mib_session_ids_store_nothing() {
    let store = MemoryStore::default();
    let runs = AtomicUsize::new(0);
    let mut body = delivery(&"x".repeat(MIB), 0);
    let id_at = body.iter().position(|&b| b == b'x').expect("the id");
    let mut invalid = 0;
    for i in 0..200u8 {
        // A different id each time, so a store keyed on it would keep all 200.
        body[id_at] = b'a' + i % 26;
        body[id_at + 1] = b'a' + i / 26;
        let outcome = webhooks::handle(&body, &store, |_call| async {
            runs.fetch_add(1, Ordering::SeqCst);
            Ok::<(), std::convert::Infallible>(())
        })
        .await;
        if matches!(
            outcome,
            Outcome::Invalid(WebhookError::SessionIdTooLong { len, max: 128 }) if len == MIB
        ) {
            invalid += 1;
        }
        assert_eq!(outcome.status(), StatusCode::BAD_REQUEST);
    }
    assert_eq!(invalid, 200);
    assert_eq!(runs.load(Ordering::SeqCst), 0);
    assert_eq!(store.len(), 0);
    assert_eq!(store.bytes_held(), 0);
}

/// The same keys straight at a store: refused before the store sees them.
#[tokio::test]
async fn a_store_refuses_over_long_keys() {
    let store = MemoryStore::default();
    let huge = "k".repeat(MIB);
    let mut refused = 0;
    for i in 0..200 {
        let key = format!("{i:03}{huge}");
        match Claim::acquire(&store, &key).await {
            Err(DedupError::InvalidKey { len, max: 128 }) if len == MIB + 3 => refused += 1,
            other => panic!("expected InvalidKey, got {other:?}"),
        }
    }
    assert_eq!(refused, 200);
    assert_eq!(store.bytes_held(), 0);
}

/// Many keys of the longest allowed length: the store forgets the oldest and never holds more
/// than its budget.
#[tokio::test]
async fn the_memory_store_stays_within_its_byte_budget() {
    let budget = 64 * 1024;
    let store = MemoryStore::new(budget);
    let per_key = DedupKey::MAX_LEN + MemoryStore::ENTRY_OVERHEAD_BYTES;
    let fits = budget / per_key; // 256
    assert_eq!(fits, 256);
    let mut max_held = 0;
    for i in 0..10_000usize {
        let key = format!("{i:0128}");
        let claim = Claim::acquire(&store, &key).await.expect("a valid key");
        claim
            .expect("a new key")
            .commit()
            .await
            .expect("infallible");
        max_held = max_held.max(store.bytes_held());
    }
    assert_eq!(max_held, fits * per_key);
    assert!(max_held <= budget);
    assert_eq!(store.len(), fits);
    // The newest are remembered, the oldest forgotten.
    assert!(store.contains(&format!("{:0128}", 9_999)));
    assert!(store.contains(&format!("{:0128}", 10_000 - fits)));
    assert!(!store.contains(&format!("{:0128}", 10_000 - fits - 1)));
}

#[test]
fn the_default_budget_holds_tens_of_thousands_of_sessions() {
    let store = MemoryStore::default();
    assert_eq!(store.budget_bytes(), 4 * MIB);
    let uuid = "019e1c2d-0a1b-7c2d-8e3f-4a5b6c7d8e9f".len();
    assert_eq!(
        store.budget_bytes() / (uuid + MemoryStore::ENTRY_OVERHEAD_BYTES),
        25_575
    );
}
