//! `parse`: both delivery shapes, the customer/business numbers, the fields beyond the basics,
//! which bodies count as after-call events, and the errors.

use std::time::Duration;

use agni_webhooks::{self as webhooks, CallCompleted, Channel, Shape, Speaker, WebhookError};
use chrono::DateTime;
use serde_json::{Value, json};

use super::{DOCUMENTED, REAL_ANALYSIS_SUMMARY, REAL_INBOUND, REAL_OUTBOUND, parse, turn};

fn json_of(fixture: &str) -> Value {
    serde_json::from_str(fixture).expect("a JSON fixture")
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
    assert_eq!(call.call_type, None);
    assert_eq!(call.caller_number.as_deref(), Some("+18881234567"));
    assert_eq!(call.callee_number.as_deref(), Some("+14155550100"));
    // `voice` has no direction; the documented `phone` ("the external party") is the callee,
    // which matches the docs: the caller is "your agent's number for outbound".
    assert_eq!(call.customer_number.as_deref(), Some("+14155550100"));
    assert_eq!(call.business_number.as_deref(), Some("+18881234567"));
    assert_eq!(call.caller_name.as_deref(), Some("John Doe"));
    assert_eq!(call.caller_email.as_deref(), Some("john@example.com"));
    assert_eq!(
        call.campaign_id.as_deref(),
        Some("019d2a1b-4c5e-7f8a-9b0c-1d2e3f4a5b6c")
    );
    assert_eq!(
        call.contact_id.as_deref(),
        Some("019d2a1b-5d6f-7a8b-9c0d-2e3f4a5b6c7d")
    );
    assert_eq!(call.attempt, Some(1));
    assert_eq!(call.status.as_deref(), Some("completed"));
    assert_eq!(call.duration, Some(Duration::from_secs(125)));
    assert_eq!(call.disconnect_reason.as_deref(), Some("customer_hangup"));
    assert_eq!(
        call.started_at,
        Some(DateTime::parse_from_rfc3339("2026-03-24T18:30:00Z").expect("a timestamp"))
    );
    assert_eq!(
        call.ended_at
            .zip(call.started_at)
            .map(|(end, start)| end - start),
        Some(chrono::TimeDelta::seconds(125))
    );
    assert_eq!(call.cost_total, Some(0.42));
    assert_eq!(call.call_latency, Some(Duration::from_millis(150)));
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
    assert_eq!(call.get("created_at"), Some(&json!("2026-03-24T18:30:00Z")));
    assert_eq!(call.get("phone"), Some(&json!("+14155550100")));
    assert_eq!(call.raw, json_of(DOCUMENTED));
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
    assert_eq!(
        call.ended_at
            .zip(call.started_at)
            .map(|(end, start)| end - start),
        Some(chrono::TimeDelta::seconds(94))
    );
    assert_eq!(
        (call.cost_total, call.attempt, call.campaign_id),
        (None, None, None)
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

const SUNDAY_HOURS: &str =
    "Priya asked for the opening hours on Sunday; the agent said 11am to 10pm.";

#[test]
fn real_summary_cost_and_call_type_from_the_observed_schema() {
    let call = parse(REAL_ANALYSIS_SUMMARY);
    assert_eq!(call.session_id, "019e2a7f-3c4d-7e5f-8a6b-7c8d9e0f1a2b");
    assert_eq!(
        call.summary.as_deref(),
        Some(SUNDAY_HOURS),
        "no top-level summary: the analysis's `summary` field, unwrapped"
    );
    assert_eq!(call.cost_total, Some(0.31), "a numeric string");
    assert_eq!(call.call_type, Some(Channel::Inbound));
    assert_eq!(call.channel, Some(Channel::Inbound));
    assert_eq!(call.agent_name.as_deref(), Some("Maya"));
    assert_eq!(call.customer_number.as_deref(), Some("+14155550188"));
    assert_eq!(call.analysis["first_name"], json!("Priya"));
    assert_eq!(call.analysis["sentiments"], json!("positive"));
    assert_eq!(call.analysis.len(), 4);
    assert_eq!(
        call.transcript[1],
        turn(Speaker::Caller, "Hi, are you open on Sunday?")
    );
}

#[test]
fn the_summary_falls_back_to_the_post_call_analysis_result() {
    let mut body = json_of(REAL_ANALYSIS_SUMMARY);
    body.as_object_mut()
        .expect("an object")
        .remove("post_call_analysis");
    let call = CallCompleted::from_value(body).expect("an after-call event");
    assert_eq!(call.summary.as_deref(), Some(SUNDAY_HOURS));
    assert_eq!(
        call.analysis["last_name"],
        json!("Raman"),
        "the analysis too, when `post_call_analysis` is absent"
    );

    // A top-level summary wins; a plain (unwrapped) analysis summary counts too.
    let call = webhooks::parse(
        json!({"event": "call_completed", "call_session": {"id": "s-1"}, "summary": "top",
               "post_call_analysis": {"summary": {"type": "string", "value": "analysis"}}})
        .to_string()
        .as_bytes(),
    )
    .expect("parses");
    assert_eq!(call.summary.as_deref(), Some("top"));
    let call = webhooks::parse(
        br#"{"event": "call_completed", "call_session": {"id": "s-1"},
            "post_call_analysis": {"summary": "plain"}}"#,
    )
    .expect("parses");
    assert_eq!(call.summary.as_deref(), Some("plain"));
    let call = webhooks::parse(
        br#"{"event": "call_completed", "call_session": {"id": "s-1"},
            "post_call_analysis": {"summary": {"type": "string", "value": " "}}}"#,
    )
    .expect("parses");
    assert_eq!(call.summary, None, "a blank summary is none");
}

#[test]
fn the_call_type_gives_the_direction_when_the_channel_has_none() {
    let call = webhooks::parse(
        br#"{"event": "call_completed", "call_type": "outbound_call",
            "call_session": {"id": "s-1", "channel": "voice",
            "caller_number": "+18885550100", "callee_number": "+14155550123"}}"#,
    )
    .expect("parses");
    assert_eq!(call.channel, Some(Channel::Other("voice".into())));
    assert_eq!(call.customer_number.as_deref(), Some("+14155550123"));
    assert_eq!(call.business_number.as_deref(), Some("+18885550100"));
}

#[test]
fn numbers_come_as_numbers_or_numeric_strings() {
    let call = webhooks::parse(
        br#"{"event": "call.completed", "data": {"call_session_id": "s-1",
            "cost_total": 1.25, "attempt": "3", "call_latency_ms": "420", "duration_sec": "12.5"}}"#,
    )
    .expect("parses");
    assert_eq!(call.cost_total, Some(1.25));
    assert_eq!(call.attempt, Some(3));
    assert_eq!(call.call_latency, Some(Duration::from_millis(420)));
    assert_eq!(call.duration, Some(Duration::from_millis(12_500)));

    let call = webhooks::parse(
        br#"{"event": "call.completed", "data": {"call_session_id": "s-1",
            "cost_total": "free", "attempt": -1, "started_at": "yesterday", "ended_at": 17}}"#,
    )
    .expect("odd values are dropped, not fatal");
    assert_eq!(
        (
            call.cost_total,
            call.attempt,
            call.started_at,
            call.ended_at
        ),
        (None, None, None, None)
    );
    assert_eq!(call.get("cost_total"), Some(&json!("free")), "still in raw");
}

#[test]
fn the_documented_payload_without_an_event_is_an_after_call_event() {
    let mut body = json_of(DOCUMENTED);
    body.as_object_mut().expect("an object").remove("event");
    let call = CallCompleted::from_value(body).expect("the documented payload");
    assert_eq!(call.event, "call.completed");
    assert_eq!(call.shape, Shape::Documented);
    assert_eq!(call.session_id, "019d2b3c-8e9f-7a0b-1c2d-4e5f6a7b8c9d");
    assert_eq!(call.transcript.len(), 3);

    for (body, session_id) in [
        // The real shape without an event; a null event is no event.
        (
            json!({"call_session": {"id": "s-real"}, "transcriptions": ": hi"}),
            "s-real",
        ),
        (
            json!({"event": null, "data": {"call_session_id": "s-null"}}),
            "s-null",
        ),
        (json!({"data": {"callSessionId": "s-camel"}}), "s-camel"),
        (json!({"data": {"call_session": {"id": 42}}}), "42"),
    ] {
        let call = CallCompleted::from_value(body.clone()).expect("a call session");
        assert_eq!(call.session_id, session_id, "{body}");
        assert_eq!(call.event, "call.completed", "{body}");
    }

    for body in [
        json!({"org_id": "o", "data": {"status": "completed"}}),
        json!({"org_id": "o", "data": {"id": "not-enough", "status": "completed"}}),
        json!({"data": {"call_session_id": "  "}}),
        json!({"call_session": {"agent_id": "a-1"}}),
        json!({"session_id": "top-level-only"}),
        json!({}),
    ] {
        let error = CallCompleted::from_value(body.clone()).expect_err("no documented session");
        assert!(
            matches!(error, WebhookError::MissingEvent),
            "{body}: {error:?}"
        );
        assert_eq!(
            error.to_string(),
            "webhook body has no `event` field and no call session"
        );
    }
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
                "costTotal": "0.07",
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
    assert_eq!(call.cost_total, Some(0.07));
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
    let mut body = json_of(DOCUMENTED);
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

#[test]
fn a_session_id_longer_than_a_dedup_key_is_refused() {
    let at_limit = "s".repeat(webhooks::DedupKey::MAX_LEN);
    let call = webhooks::parse(&super::delivery(&at_limit, 0)).expect("128 bytes is a key");
    assert_eq!(call.session_id.len(), 128);

    let over = "s".repeat(webhooks::DedupKey::MAX_LEN + 1);
    let error = webhooks::parse(&super::delivery(&over, 0)).expect_err("too long");
    assert!(
        matches!(error, WebhookError::SessionIdTooLong { len: 129, max: 128 }),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "the call session id is 129 bytes, over the limit of 128"
    );
}
