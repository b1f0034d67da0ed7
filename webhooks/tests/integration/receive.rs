//! `agni_webhooks`: both delivery shapes, the customer/business numbers, errors, dedup, and the
//! axum endpoint (with `--features axum`).

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use agni_webhooks::{
    self as webhooks, CallCompleted, Channel, Deduplicator, Outcome, Shape, Speaker, Turn,
    WebhookError,
};
use http::StatusCode;
use serde_json::{Value, json};

const DOCUMENTED: &str = include_str!("../fixtures/documented.json");
const REAL_INBOUND: &str = include_str!("../fixtures/real_inbound.json");
const REAL_OUTBOUND: &str = include_str!("../fixtures/real_outbound.json");

fn parse(body: &str) -> CallCompleted {
    webhooks::parse(body.as_bytes()).expect("the fixture is an after-call event")
}

fn turn(speaker: Speaker, text: &str) -> Turn {
    Turn {
        speaker,
        text: text.to_owned(),
    }
}

#[test]
fn documented_example_every_field() {
    let call = parse(DOCUMENTED);
    assert_eq!(call.event, "call.completed");
    assert_eq!(call.shape, Shape::Documented);
    assert_eq!(call.session_id, "019d2b3c-8e9f-7a0b-1c2d-4e5f6a7b8c9d");
    assert_eq!(call.dedup_key(), "019d2b3c-8e9f-7a0b-1c2d-4e5f6a7b8c9d");
    assert_eq!(
        call.org_id.as_deref(),
        Some("1268c1f0-19f3-47db-aefb-c16a7c3ace6e")
    );
    assert!(call.verify_org("1268c1f0-19f3-47db-aefb-c16a7c3ace6e"));
    assert!(!call.verify_org("00000000-0000-0000-0000-000000000000"));
    assert_eq!(call.agent_id, None);
    assert_eq!(call.agent_name.as_deref(), Some("Support Agent"));
    assert_eq!(call.channel, Some(Channel::Other("voice".into())));
    assert_eq!(call.caller_number.as_deref(), Some("+18881234567"));
    assert_eq!(call.callee_number.as_deref(), Some("+14155550100"));
    // `voice` has no direction; the documented `phone` ("the external party") is the callee,
    // which matches the docs: the caller is "your agent's number for outbound".
    assert_eq!(call.customer_number.as_deref(), Some("+14155550100"));
    assert_eq!(call.business_number.as_deref(), Some("+18881234567"));
    assert_eq!(call.status.as_deref(), Some("completed"));
    assert_eq!(call.duration, Some(Duration::from_secs(125)));
    assert_eq!(call.disconnect_reason.as_deref(), Some("customer_hangup"));
    assert_eq!(
        call.summary.as_deref(),
        Some(
            "Customer called about their order #4521. Agent confirmed the order shipped yesterday \
             and provided the tracking number. Customer was satisfied."
        )
    );
    assert_eq!(
        call.recording_url.as_deref(),
        Some("https://storage.agniai.com/rec/019d2b3c-8e9f.mp3")
    );
    assert_eq!(
        serde_json::to_value(&call.analysis).expect("a map of JSON values"),
        json!({
            "sentiment": "positive",
            "disposition": "issue_resolved",
            "goals_met": true,
            "next_steps": "No follow-up needed. Customer issue fully resolved."
        })
    );
    assert_eq!(
        call.transcript,
        [
            turn(
                Speaker::Agent,
                "Hello! Thanks for calling Acme Support. How can I help you today?"
            ),
            turn(
                Speaker::Caller,
                "Hi, I wanted to check on my order number 4521."
            ),
            turn(
                Speaker::Agent,
                "Of course! Let me look that up for you. Order 4521 shipped yesterday and the \
                 tracking number is TRK-98765. It should arrive by Friday."
            ),
        ]
    );
    // Everything else, through `get` or `raw`.
    assert_eq!(call.get("cost_total"), Some(&json!(0.42)));
    assert_eq!(call.get("caller_email"), Some(&json!("john@example.com")));
    assert_eq!(call.raw["data"]["attempt"], json!(1));
    assert_eq!(
        call.raw,
        serde_json::from_str::<Value>(DOCUMENTED).expect("JSON")
    );
}

#[test]
fn real_inbound_call_customer_is_the_caller() {
    let call = parse(REAL_INBOUND);
    assert_eq!(call.event, "call_completed");
    assert_eq!(call.shape, Shape::RealDelivery);
    assert_eq!(call.session_id, "019e1c2d-0a1b-7c2d-8e3f-4a5b6c7d8e9f");
    assert_eq!(call.org_id, None);
    assert!(call.verify_org("any-org"), "no org_id to contradict");
    assert_eq!(
        call.agent_id.as_deref(),
        Some("0198f6a2-6d1e-7c1a-9d4f-2b1e3c4d5e6f")
    );
    assert_eq!(call.agent_name.as_deref(), Some("Maya"));
    assert_eq!(call.channel, Some(Channel::Inbound));
    assert_eq!(call.customer_number.as_deref(), Some("+14155550123"));
    assert_eq!(call.business_number.as_deref(), Some("+18885550100"));
    assert_eq!(call.caller_number, call.customer_number);
    assert_eq!(call.callee_number, call.business_number);
    assert_eq!(call.status.as_deref(), Some("completed"));
    assert_eq!(call.duration, Some(Duration::from_secs(94)));
    assert_eq!(call.disconnect_reason.as_deref(), Some("user_hangup"));
    assert_eq!(
        call.summary.as_deref(),
        Some("Caller booked a table for four on Thursday at 7pm.")
    );
    let recording = call.recording_url.as_deref().expect("a recording");
    assert!(recording.contains(
        "/api/v1/calling/sessions/019e1c2d-0a1b-7c2d-8e3f-4a5b6c7d8e9f/recording?token="
    ));
    assert_eq!(
        serde_json::to_value(&call.analysis).expect("a map of JSON values"),
        json!({"appointment_booked": true, "party_size": 4, "preferred_time": "Thursday 19:00"})
    );
    assert_eq!(
        call.transcript,
        [
            turn(
                Speaker::Agent,
                "Thanks for calling Bella Cucina, this is Maya. How can I help?"
            ),
            turn(
                Speaker::Caller,
                "Hi, I'd like to book a table for four on Thursday."
            ),
            turn(Speaker::Agent, "Of course! What time works for you?"),
            turn(Speaker::Caller, "Around 7pm."),
            // Split at the first ": " only.
            turn(
                Speaker::Agent,
                "Booked: Thursday at 7pm for four. See you then!"
            ),
            turn(Speaker::Caller, "Thanks, bye."),
        ]
    );
}

#[test]
fn real_outbound_call_customer_is_the_callee() {
    let call = parse(REAL_OUTBOUND);
    assert_eq!(call.shape, Shape::RealDelivery);
    // The id from `call_session`, the rest from the top level.
    assert_eq!(call.session_id, "019e1d40-5b6c-7d8e-9fa0-b1c2d3e4f5a6");
    assert_eq!(call.channel, Some(Channel::Outbound));
    assert_eq!(call.caller_number.as_deref(), Some("+18885550199"));
    assert_eq!(call.callee_number.as_deref(), Some("+14155550177"));
    assert_eq!(call.customer_number.as_deref(), Some("+14155550177"));
    assert_eq!(call.business_number.as_deref(), Some("+18885550199"));
    assert_eq!(call.agent_name.as_deref(), Some("Ravi from Acme Dental"));
    assert_eq!(call.status.as_deref(), Some("completed"));
    assert_eq!(
        call.duration,
        Some(Duration::from_secs(61)),
        "duration_sec as a string"
    );
    assert_eq!(call.disconnect_reason.as_deref(), Some("agent_hangup"));
    assert!(
        call.recording_url
            .as_deref()
            .is_some_and(|url| url.ends_with("/recording"))
    );
    assert_eq!(
        serde_json::to_value(&call.analysis).expect("a map of JSON values"),
        json!({"confirmed": true, "reschedule_to": null, "notes": "no allergies mentioned"}),
        "wrapped values unwrapped (a null value too), plain values kept"
    );
    assert_eq!(
        call.transcript,
        [
            turn(
                Speaker::Agent,
                "Hi, this is Ravi from Acme Dental calling about your cleaning tomorrow at 10am."
            ),
            turn(Speaker::Caller, "Yes, I'll be there."),
            turn(Speaker::Agent, "Great, see you tomorrow!"),
        ]
    );
}

#[test]
fn lower_camel_case_keys_are_accepted() {
    let call = webhooks::parse(
        json!({
            "event": "call_completed",
            "callSession": {
                "id": "s-camel",
                "agentName": "Maya",
                "callerNumber": "+14155550123",
                "calleeNumber": "+18885550100",
                "durationSec": "12",
                "disconnectReason": "user_hangup",
                "recordingUrl": "https://api.ravan.ai/api/v1/calling/sessions/s-camel/recording"
            },
            "channel": "INBOUND_CALL",
            "postCallAnalysis": {"booked": {"type": "boolean", "value": false}},
            "transcriptions": "Maya: Hello.\n: Bye."
        })
        .to_string()
        .as_bytes(),
    )
    .expect("camelCase is still an after-call event");
    assert_eq!(call.session_id, "s-camel");
    assert_eq!(call.channel, Some(Channel::Inbound));
    assert_eq!(call.customer_number.as_deref(), Some("+14155550123"));
    assert_eq!(call.duration, Some(Duration::from_secs(12)));
    assert_eq!(call.disconnect_reason.as_deref(), Some("user_hangup"));
    assert!(call.recording_url.is_some());
    assert_eq!(call.analysis["booked"], json!(false));
    assert_eq!(
        call.transcript,
        [
            turn(Speaker::Agent, "Hello."),
            turn(Speaker::Caller, "Bye.")
        ]
    );
}

#[test]
fn unknown_fields_and_odd_values_never_fail() {
    let mut body: Value = serde_json::from_str(DOCUMENTED).expect("JSON");
    body["delivery_id"] = json!("d-1");
    body["schema"] = json!({"version": 3, "nested": [1, 2, {"x": null}]});
    body["data"]["brand_new_field"] = json!({"anything": true});
    body["data"]["duration_sec"] = json!("125");
    body["data"]["status"] = json!(null);
    body["data"]["channel"] = json!("sip");
    body["data"]["transcripts"][0]["sentiment"] = json!("neutral");
    let call = CallCompleted::try_from(body).expect("extra fields are ignored");
    assert_eq!(
        call.duration,
        Some(Duration::from_secs(125)),
        "duration as a string"
    );
    assert_eq!(call.status, None, "null is absent");
    assert_eq!(call.channel, Some(Channel::Other("sip".into())));
    assert_eq!(call.customer_number.as_deref(), Some("+14155550100"));
    assert_eq!(call.transcript.len(), 3);
    assert_eq!(
        call.get("brand_new_field"),
        Some(&json!({"anything": true}))
    );

    // A duration that is not a number is dropped, not fatal.
    let call = webhooks::parse(
        br#"{"event": "call_completed", "call_session": {"id": "s-1", "duration_sec": "a while"}}"#,
    )
    .expect("parses");
    assert_eq!(call.duration, None);
}

#[test]
fn from_str_and_try_from_bytes_agree_with_parse() {
    let from_str: CallCompleted = REAL_INBOUND.parse().expect("FromStr");
    let from_bytes = CallCompleted::try_from(REAL_INBOUND.as_bytes()).expect("TryFrom<&[u8]>");
    assert_eq!(from_str, parse(REAL_INBOUND));
    assert_eq!(from_bytes, from_str);
}

#[test]
fn a_body_that_is_not_json_is_a_clear_error() {
    let error = webhooks::parse(b"event=call_completed&id=1").expect_err("not JSON");
    assert!(matches!(error, WebhookError::NotJson(_)), "{error:?}");
    assert!(
        error.to_string().starts_with("webhook body is not JSON"),
        "{error}"
    );

    let error = webhooks::parse(b"").expect_err("empty");
    assert!(matches!(error, WebhookError::NotJson(_)), "{error:?}");

    let error = webhooks::parse(b"[1, 2]").expect_err("an array");
    assert!(matches!(error, WebhookError::NotAnObject), "{error:?}");
}

#[test]
fn another_event_is_a_clear_error() {
    let error = webhooks::parse(
        br#"{"event": "call.started", "org_id": "o", "data": {"call_session_id": "s-1"}}"#,
    )
    .expect_err("not an after-call event");
    match &error {
        WebhookError::NotAfterCall { event } => assert_eq!(event, "call.started"),
        other => panic!("expected NotAfterCall, got {other:?}"),
    }
    assert_eq!(
        error.to_string(),
        "webhook event `call.started` is not an after-call event (`call.completed`)"
    );

    let error = webhooks::parse(br#"{"call_session": {"id": "s-1"}}"#).expect_err("no event");
    assert!(matches!(error, WebhookError::MissingEvent), "{error:?}");
}

#[test]
fn a_missing_session_id_is_a_clear_error() {
    for body in [
        json!({"event": "call.completed", "org_id": "o", "data": {"status": "completed"}}),
        json!({"event": "call_completed", "call_session": {"id": ""}, "status": "completed"}),
        json!({"event": "call_completed", "transcriptions": "Maya: hi"}),
    ] {
        let error = CallCompleted::try_from(body.clone()).expect_err("no session id");
        assert!(
            matches!(error, WebhookError::MissingSessionId),
            "{body}: {error:?}"
        );
        assert!(error.to_string().contains("no call session id"), "{error}");
    }
}

async fn deliver(body: &str, dedup: &Deduplicator, runs: &AtomicUsize) -> Outcome {
    webhooks::handle(body.as_bytes(), dedup, |call| async move {
        assert!(!call.session_id.is_empty());
        runs.fetch_add(1, Ordering::SeqCst);
        Ok::<(), std::convert::Infallible>(())
    })
    .await
}

#[tokio::test]
async fn the_same_delivery_twice_runs_the_handler_once() {
    let dedup = Deduplicator::default();
    let runs = AtomicUsize::new(0);

    let first = deliver(REAL_INBOUND, &dedup, &runs).await;
    assert!(
        matches!(&first, Outcome::Processed { session_id } if session_id == "019e1c2d-0a1b-7c2d-8e3f-4a5b6c7d8e9f"),
        "{first:?}"
    );
    assert_eq!(first.status(), StatusCode::OK);

    let second = deliver(REAL_INBOUND, &dedup, &runs).await;
    assert!(matches!(second, Outcome::Duplicate { .. }), "{second:?}");
    assert_eq!(second.status(), StatusCode::OK);
    assert_eq!(runs.load(Ordering::SeqCst), 1);

    // The documented spelling of another session is processed.
    let other = deliver(DOCUMENTED, &dedup, &runs).await;
    assert!(matches!(other, Outcome::Processed { .. }), "{other:?}");
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn statuses_for_bad_bodies_and_other_events() {
    let dedup = Deduplicator::default();
    let runs = AtomicUsize::new(0);

    let invalid = deliver("not json", &dedup, &runs).await;
    assert!(
        matches!(invalid, Outcome::Invalid(WebhookError::NotJson(_))),
        "{invalid:?}"
    );
    assert_eq!(invalid.status(), StatusCode::BAD_REQUEST);

    let no_id = deliver(r#"{"event": "call_completed"}"#, &dedup, &runs).await;
    assert!(
        matches!(no_id, Outcome::Invalid(WebhookError::MissingSessionId)),
        "{no_id:?}"
    );
    assert_eq!(no_id.status(), StatusCode::BAD_REQUEST);

    let other = deliver(r#"{"event": "call.started", "data": {}}"#, &dedup, &runs).await;
    assert!(
        matches!(&other, Outcome::Ignored { event } if event == "call.started"),
        "{other:?}"
    );
    assert_eq!(other.status(), StatusCode::OK);

    assert_eq!(runs.load(Ordering::SeqCst), 0);
    assert!(dedup.is_empty());
}

#[tokio::test]
async fn a_failed_handler_answers_500_and_the_retry_runs_it_again() {
    let dedup = Deduplicator::default();
    let attempts = AtomicUsize::new(0);
    let flaky = |_call: CallCompleted| async {
        match attempts.fetch_add(1, Ordering::SeqCst) {
            0 => Err("database unavailable"),
            _ => Ok(()),
        }
    };

    let failed = webhooks::handle(REAL_OUTBOUND.as_bytes(), &dedup, flaky).await;
    match &failed {
        Outcome::Failed { session_id, error } => {
            assert_eq!(session_id, "019e1d40-5b6c-7d8e-9fa0-b1c2d3e4f5a6");
            assert_eq!(error.to_string(), "database unavailable");
        }
        other => panic!("expected Failed, got {other:?}"),
    }
    assert_eq!(failed.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        !dedup.contains("019e1d40-5b6c-7d8e-9fa0-b1c2d3e4f5a6"),
        "released for the retry"
    );

    let retried = webhooks::handle(REAL_OUTBOUND.as_bytes(), &dedup, flaky).await;
    assert!(matches!(retried, Outcome::Processed { .. }), "{retried:?}");
    let again = webhooks::handle(REAL_OUTBOUND.as_bytes(), &dedup, flaky).await;
    assert!(matches!(again, Outcome::Duplicate { .. }), "{again:?}");
    assert_eq!(attempts.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_cancelled_handler_releases_its_claim() {
    let dedup = Deduplicator::default();
    let never = webhooks::handle(REAL_INBOUND.as_bytes(), &dedup, |_call| {
        std::future::pending::<Result<(), std::convert::Infallible>>()
    });
    // The request is dropped (client gone, timeout) while the handler runs.
    let timed_out = tokio::time::timeout(Duration::from_millis(10), never).await;
    assert!(timed_out.is_err());
    assert!(
        dedup.is_empty(),
        "a cancelled delivery must not count as processed"
    );
}

#[tokio::test]
async fn a_retry_during_processing_is_a_duplicate() {
    let dedup = Arc::new(Deduplicator::default());
    let (started_tx, started_rx) = tokio::sync::oneshot::channel::<()>();
    let (finish_tx, finish_rx) = tokio::sync::oneshot::channel::<()>();
    let slow = {
        let dedup = Arc::clone(&dedup);
        tokio::spawn(async move {
            webhooks::handle(REAL_INBOUND.as_bytes(), &dedup, |_call| async move {
                started_tx.send(()).map_err(|()| "test gone")?;
                finish_rx.await.map_err(|_| "test gone")?;
                Ok::<(), &str>(())
            })
            .await
        })
    };
    started_rx.await.expect("the first delivery started");
    let runs = AtomicUsize::new(0);
    let retry = deliver(REAL_INBOUND, &dedup, &runs).await;
    assert!(matches!(retry, Outcome::Duplicate { .. }), "{retry:?}");
    assert_eq!(runs.load(Ordering::SeqCst), 0);
    finish_tx.send(()).expect("the first delivery is waiting");
    let first = slow.await.expect("no panic");
    assert!(matches!(first, Outcome::Processed { .. }), "{first:?}");
}

#[cfg(feature = "axum")]
mod axum_endpoint {
    use std::sync::{Arc, Mutex};

    use agni_webhooks::{self as webhooks, CallCompleted, Channel, Deduplicator};
    use axum::{
        Router,
        body::{Body, to_bytes},
    };
    use http::{Request, StatusCode};
    use tower::ServiceExt;

    use super::{REAL_INBOUND, REAL_OUTBOUND};

    fn app(seen: Arc<Mutex<Vec<CallCompleted>>>, dedup: Arc<Deduplicator>) -> Router {
        Router::new().route(
            "/webhooks/agni",
            webhooks::axum::endpoint_with(dedup, move |call: CallCompleted| {
                let seen = Arc::clone(&seen);
                async move {
                    seen.lock().map_err(|_| "poisoned")?.push(call);
                    Ok::<(), &str>(())
                }
            }),
        )
    }

    async fn post(app: &Router, body: &'static str) -> (StatusCode, String) {
        let request = Request::post("/webhooks/agni")
            .header("content-type", "application/json")
            .body(Body::from(body))
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
        let dedup = Arc::new(Deduplicator::default());
        let app = app(Arc::clone(&seen), Arc::clone(&dedup));

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
        assert_eq!(dedup.len(), 2);
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
}
