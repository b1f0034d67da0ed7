//! `CallCompleted`'s serialized form: one flat shape for both delivery shapes, read back equal.

use agni_webhooks::CallCompleted;
use serde_json::json;

use super::{DOCUMENTED, REAL_ANALYSIS_SUMMARY, REAL_INBOUND, REAL_OUTBOUND, parse};

#[test]
fn every_fixture_round_trips() {
    for fixture in [
        DOCUMENTED,
        REAL_INBOUND,
        REAL_OUTBOUND,
        REAL_ANALYSIS_SUMMARY,
    ] {
        let call = parse(fixture);
        let text = serde_json::to_string(&call).expect("serializes");
        let back: CallCompleted = serde_json::from_str(&text).expect("deserializes");
        assert_eq!(back, call, "{text}");
    }
}

#[test]
fn the_serialized_shape() {
    let mut stored = serde_json::to_value(parse(DOCUMENTED)).expect("serializes");
    let raw = stored
        .as_object_mut()
        .expect("an object")
        .remove("raw")
        .expect("the delivery is kept");
    assert_eq!(
        raw["data"]["call_session_id"],
        "019d2b3c-8e9f-7a0b-1c2d-4e5f6a7b8c9d"
    );
    assert_eq!(
        stored,
        json!({
            "event": "call.completed",
            "shape": "documented",
            "session_id": "019d2b3c-8e9f-7a0b-1c2d-4e5f6a7b8c9d",
            "org_id": "1268c1f0-19f3-47db-aefb-c16a7c3ace6e",
            "agent_id": null,
            "agent_name": "Support Agent",
            "channel": "voice",
            "call_type": null,
            "caller_number": "+18881234567",
            "callee_number": "+14155550100",
            "customer_number": "+14155550100",
            "business_number": "+18881234567",
            "caller_name": "John Doe",
            "caller_email": "john@example.com",
            "campaign_id": "019d2a1b-4c5e-7f8a-9b0c-1d2e3f4a5b6c",
            "contact_id": "019d2a1b-5d6f-7a8b-9c0d-2e3f4a5b6c7d",
            "attempt": 1,
            "status": "completed",
            "duration_sec": 125,
            "disconnect_reason": "customer_hangup",
            "started_at": "2026-03-24T18:30:00Z",
            "ended_at": "2026-03-24T18:32:05Z",
            "cost_total": 0.42,
            "call_latency_ms": 150,
            "summary": "Customer called about their order #4521. Agent confirmed the order shipped \
                        yesterday and provided the tracking number. Customer was satisfied.",
            "analysis": {
                "sentiment": "positive",
                "disposition": "issue_resolved",
                "goals_met": true,
                "next_steps": "No follow-up needed. Customer issue fully resolved."
            },
            "transcript": [
                {"speaker": "agent", "text": "Hello! Thanks for calling Acme Support. How can I help you today?"},
                {"speaker": "caller", "text": "Hi, I wanted to check on my order number 4521."},
                {"speaker": "agent", "text": "Of course! Let me look that up for you. Order 4521 shipped yesterday and the tracking number is TRK-98765. It should arrive by Friday."}
            ],
            "recording_url": "https://storage.agniai.com/rec/019d2b3c-8e9f.mp3"
        })
    );
}

#[test]
fn a_stored_event_without_raw_or_nulls_still_reads_back() {
    let call: CallCompleted = serde_json::from_value(json!({
        "event": "call_completed",
        "shape": "real_delivery",
        "session_id": "s-1",
        "channel": "web",
        "duration_sec": 1.5,
        "transcript": [{"speaker": "Supervisor", "text": "hi"}]
    }))
    .expect("deserializes");
    assert_eq!(call.channel, Some(agni_webhooks::Channel::Web));
    assert_eq!(call.duration, Some(std::time::Duration::from_millis(1500)));
    assert_eq!(
        call.transcript[0].speaker,
        agni_webhooks::Speaker::Other("Supervisor".into())
    );
    assert_eq!(call.raw, serde_json::Value::Null);
    assert!(call.analysis.is_empty() && call.summary.is_none());
}
