//! `agni_webhooks::axum::endpoint`: statuses through a router, the body limit at its exact
//! boundary, the body read timeout, and hostile session ids (in process, no sockets).

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use agni_webhooks::{
    self as webhooks, CallCompleted, Channel, DedupStore, Limits, MemoryStore, axum::Endpoint,
};
use axum::{
    Router,
    body::{Body, Bytes, to_bytes},
};
use futures_util::StreamExt;
use http::{Request, StatusCode, header};
use tower::ServiceExt;

use super::{DOCUMENTED, REAL_INBOUND, REAL_OUTBOUND, delivery};

fn app(seen: Arc<Mutex<Vec<CallCompleted>>>, store: Arc<MemoryStore>) -> Router {
    Router::new().route(
        "/webhooks/agni",
        webhooks::axum::endpoint_with(store, move |call: CallCompleted| {
            let seen = Arc::clone(&seen);
            async move {
                seen.lock().map_err(|_| "poisoned")?.push(call);
                Ok::<(), &str>(())
            }
        }),
    )
}

async fn post(app: &Router, body: impl Into<Body>) -> (StatusCode, String) {
    let request = Request::post("/webhooks/agni")
        .header("content-type", "application/json")
        .body(body.into())
        .expect("a valid request");
    let response = app.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let bytes = to_bytes(response.into_body(), 1 << 16)
        .await
        .expect("a small body");
    (status, String::from_utf8(bytes.to_vec()).expect("UTF-8"))
}

#[tokio::test]
async fn a_request_through_the_router_reaches_the_handler() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let store = Arc::new(MemoryStore::default());
    let app = app(Arc::clone(&seen), Arc::clone(&store));

    let (status, text) = post(&app, REAL_INBOUND).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(text, "processed 019e1c2d-0a1b-7c2d-8e3f-4a5b6c7d8e9f");

    let (status, text) = post(&app, REAL_INBOUND).await;
    assert_eq!(
        (status, text.as_str()),
        (
            StatusCode::OK,
            "duplicate 019e1c2d-0a1b-7c2d-8e3f-4a5b6c7d8e9f"
        )
    );

    let (status, _) = post(&app, REAL_OUTBOUND).await;
    assert_eq!(status, StatusCode::OK);

    let (status, text) = post(&app, "{").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        text.starts_with("invalid: webhook body is not JSON"),
        "{text}"
    );

    let calls = seen.lock().expect("not poisoned");
    let channels: Vec<_> = calls.iter().map(|call| call.channel.clone()).collect();
    assert_eq!(channels, [Some(Channel::Inbound), Some(Channel::Outbound)]);
    assert_eq!(calls[1].customer_number.as_deref(), Some("+14155550177"));
    assert_eq!(store.len(), 2);
}

#[tokio::test]
async fn the_documented_payload_without_an_event_is_answered_200() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let app = app(Arc::clone(&seen), Arc::new(MemoryStore::default()));
    let mut body: serde_json::Value = serde_json::from_str(DOCUMENTED).expect("JSON");
    body.as_object_mut().expect("an object").remove("event");

    let (status, text) = post(&app, body.to_string()).await;
    assert_eq!(
        (status, text.as_str()),
        (
            StatusCode::OK,
            "processed 019d2b3c-8e9f-7a0b-1c2d-4e5f6a7b8c9d"
        )
    );
    assert_eq!(seen.lock().expect("not poisoned").len(), 1);
}

#[tokio::test]
async fn only_post_is_routed_and_handler_errors_are_500() {
    let app: Router = Router::new().route(
        "/hook",
        webhooks::axum::endpoint(|_call: CallCompleted| async { Err("downstream is down") }),
    );
    let get = Request::get("/hook")
        .body(Body::empty())
        .expect("a valid request");
    let response = app.clone().oneshot(get).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);

    let post = Request::post("/hook")
        .body(Body::from(REAL_INBOUND))
        .expect("a valid request");
    let response = app.oneshot(post).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let bytes = to_bytes(response.into_body(), 1 << 16)
        .await
        .expect("a small body");
    assert_eq!(
        &bytes[..],
        b"handler failed for 019e1c2d-0a1b-7c2d-8e3f-4a5b6c7d8e9f",
        "the handler's error stays in the log"
    );
}

#[tokio::test]
async fn the_body_limit_is_2_mib_exactly_and_over_it_is_413() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let app = app(Arc::clone(&seen), Arc::new(MemoryStore::default()));
    let limit = Limits::DEFAULT_MAX_BODY_BYTES;
    let sized = |id: &str, len: usize| delivery(id, len - delivery(id, 0).len());

    let (status, text) = post(&app, sized("s-at-limit", limit)).await;
    assert_eq!(
        (status, text.as_str()),
        (StatusCode::OK, "processed s-at-limit")
    );

    let (status, text) = post(&app, sized("s-over", limit + 1)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        text,
        "invalid: webhook body is over the limit of 2097152 bytes"
    );
    assert_eq!(
        seen.lock().expect("not poisoned").len(),
        1,
        "the handler ran once"
    );
}

#[tokio::test]
async fn another_body_limit_is_the_one_enforced() {
    let runs = Arc::new(AtomicUsize::new(0));
    let route = |limit: usize| {
        let runs = Arc::clone(&runs);
        Router::new().route(
            "/webhooks/agni",
            Endpoint::new()
                .limits(Limits::default().with_max_body_bytes(limit))
                .route(move |_call: CallCompleted| {
                    let runs = Arc::clone(&runs);
                    async move {
                        runs.fetch_add(1, Ordering::SeqCst);
                        Ok::<(), std::convert::Infallible>(())
                    }
                }),
        )
    };
    // Bigger than the default: the endpoint and its parse agree on the new limit.
    let body = delivery("s-big", 3 << 20);
    let (status, _) = post(&route(4 << 20), body.clone()).await;
    assert_eq!(status, StatusCode::OK);
    // Smaller.
    let (status, text) = post(&route(1024), delivery("s-small", 1024)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{text}");
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn a_body_that_does_not_arrive_in_time_is_408_and_closes() {
    let store = Arc::new(MemoryStore::default());
    let app = Router::new().route(
        "/webhooks/agni",
        Endpoint::with_store(Arc::clone(&store))
            .limits(Limits::default().with_body_read_timeout(Duration::from_secs(3)))
            .route(|_call: CallCompleted| async { Ok::<(), std::convert::Infallible>(()) }),
    );
    // Half a delivery, then nothing: the paused clock jumps to the timeout.
    let half = Bytes::from_static(br#"{"event": "call_completed", "#);
    let stalled = futures_util::stream::iter([Ok::<_, std::io::Error>(half)])
        .chain(futures_util::stream::pending());
    let request = Request::post("/webhooks/agni")
        .body(Body::from_stream(stalled))
        .expect("a valid request");
    let started = tokio::time::Instant::now();
    let response = app.oneshot(request).await.expect("infallible");
    assert_eq!(started.elapsed(), Duration::from_secs(3));
    assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);
    assert_eq!(response.headers()[header::CONNECTION], "close");
    let text = to_bytes(response.into_body(), 1 << 16)
        .await
        .expect("a body");
    assert_eq!(&text[..], b"invalid: the body did not arrive within 3s");
    assert!(store.is_empty());
}

/// Issue 10's measurement, through the endpoint: 200 deliveries with 1 MiB session ids.
#[tokio::test]
async fn hostile_session_ids_are_400_and_never_stored() {
    let store = Arc::new(MemoryStore::default());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let app = app(Arc::clone(&seen), Arc::clone(&store));
    let huge = "x".repeat(1 << 20);
    let mut refused = 0;
    for i in 0..200 {
        let (status, text) = post(&app, delivery(&format!("{i:03}{huge}"), 0)).await;
        if status == StatusCode::BAD_REQUEST
            && text
                == format!(
                    "invalid: the call session id is {} bytes, over the limit of 128",
                    (1 << 20) + 3
                )
        {
            refused += 1;
        }
    }
    assert_eq!(refused, 200);
    assert_eq!(store.bytes_held(), 0);
    assert!(seen.lock().expect("not poisoned").is_empty());
}

#[tokio::test]
async fn any_store_behind_a_dyn() {
    let store: Arc<dyn DedupStore> = Arc::new(MemoryStore::default());
    let app: Router = Router::new().route(
        "/webhooks/agni",
        webhooks::axum::endpoint_with(store, |_call: CallCompleted| async {
            Ok::<(), std::convert::Infallible>(())
        }),
    );
    assert_eq!(post(&app, REAL_INBOUND).await.0, StatusCode::OK);
    assert_eq!(
        post(&app, REAL_INBOUND).await.1,
        "duplicate 019e1c2d-0a1b-7c2d-8e3f-4a5b6c7d8e9f"
    );
}
