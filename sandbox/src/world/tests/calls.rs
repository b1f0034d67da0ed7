//! Calls: outbound rules, the call lifecycle, its webhook, and the call-session list.

use super::*;

#[test]
fn outbound_calls_need_an_owned_from_number_and_a_to_number() {
    let mut world = demo_world();
    let agent = first_agent(&mut world);
    let call = |from: Option<&str>, to: Option<&str>| {
        request(
            "CreateCall",
            &[],
            &[],
            json!({"type": "outbound_call", "agent_id": agent, "from_phone_number": from, "to_phone_number": to}),
        )
    };
    let not_owned = failure(&mut world, call(Some("+14155550100"), Some("+14155550123")));
    assert!(
        matches!(not_owned, Failure::FailedPrecondition(_)),
        "{not_owned:?}"
    );
    assert!(matches!(buy(&mut world, "+14155550100"), ApiReply::Json(_)));
    let no_to = failure(&mut world, call(Some("+14155550100"), None));
    assert!(matches!(no_to, Failure::InvalidArgument(_)), "{no_to:?}");
    let bad_to = failure(&mut world, call(Some("+14155550100"), Some("555-0123")));
    assert!(matches!(bad_to, Failure::InvalidArgument(_)), "{bad_to:?}");
    let unknown_agent = failure(
        &mut world,
        request(
            "CreateCall",
            &[],
            &[],
            json!({"type": "web_call", "agent_id": "nope"}),
        ),
    );
    assert!(matches!(unknown_agent, Failure::NotFound(_)));

    let created = ok_json(&mut world, call(Some("+14155550100"), Some("+14155550123")));
    let session = text(&created["session_id"]);
    assert_eq!(created["message"], "call created successfully");
    assert_eq!(created["room_id"], format!("call_{session}"));
    assert_eq!(created["url"], "wss://sandbox.livekit.invalid");
    assert_eq!(text(&created["access_token"]).split('.').count(), 3);
    assert_eq!(
        created.get("data"),
        None,
        "create-call answers at the top level"
    );
}

#[test]
fn a_call_ends_on_the_next_request_with_a_transcript_and_a_webhook() {
    let mut world = demo_world();
    let agent = first_agent(&mut world);
    assert!(matches!(buy(&mut world, "+14155550100"), ApiReply::Json(_)));
    let created = ok_json(
        &mut world,
        request(
            "CreateCall",
            &[],
            &[],
            json!({"type": "outbound_call", "agent_id": agent, "fromPhoneNumber": "+14155550100",
                   "toPhoneNumber": "+14155550123", "prompt_dynamic_variables": {"first_name": "Ada"}}),
        ),
    );
    let session = text(&created["session_id"]);
    assert_eq!(world.take_ended_calls(), Vec::<String>::new());
    assert_eq!(
        world.after_call_payload(&session, WebhookShape::Documented),
        None,
        "in progress"
    );

    let detail = ok_json(
        &mut world,
        request(
            "GetCallSessionDetail",
            &[("id", &session)],
            &[],
            Value::Null,
        ),
    );
    assert_eq!(world.take_ended_calls(), vec![session.clone()]);
    assert_eq!(
        world.take_ended_calls(),
        Vec::<String>::new(),
        "reported once"
    );
    let d = &detail["data"];
    assert_eq!(d["status"], "completed");
    assert_eq!(d["channel"], "outbound_call");
    assert_eq!(d["caller_number"], "+14155550100");
    assert_eq!(d["callee_number"], "+14155550123");
    assert_eq!(d["disconnect_reason"], "user_hangup");
    let recording = text(&d["recording_url"]);
    assert!(
        recording.starts_with(&format!(
            "{BASE_URL}/api/v1/calling/sessions/{session}/recording?token="
        )),
        "an absolute, signed URL: {recording}"
    );
    assert_eq!(d["transcripts"][0]["message"]["role"], "agent");
    assert_eq!(
        d["transcripts"][0]["message"]["content"],
        "Hi Ada, this is Maya."
    );
    assert!(d["duration_sec"].as_i64().is_some_and(|s| s > 0));
    assert!(d["cost_total"].as_f64().is_some_and(|c| c > 0.0));
    assert_eq!(d["credit_breakdown"]["channel"], "outbound_call");
    assert_eq!(d["post_call_analysis_result"]["sentiment"], "positive");

    for shape in [WebhookShape::Documented, WebhookShape::RealDelivery] {
        let payload = world.after_call_payload(&session, shape).expect("ended");
        let event = webhooks::parse(payload.to_string().as_bytes()).expect("parses");
        assert_eq!(event.session_id, session, "{shape:?}");
        assert_eq!(
            event.customer_number.as_deref(),
            Some("+14155550123"),
            "{shape:?}"
        );
        assert_eq!(
            event.business_number.as_deref(),
            Some("+14155550100"),
            "{shape:?}"
        );
        assert_eq!(event.agent_name.as_deref(), Some("Maya"), "{shape:?}");
        assert_eq!(event.status.as_deref(), Some("completed"));
        assert_eq!(event.analysis["goals_met"], json!(true), "{shape:?}");
        assert_eq!(event.transcript.len(), 6, "{shape:?}");
        assert_eq!(event.transcript[0].speaker, Speaker::Agent, "{shape:?}");
        assert_eq!(event.transcript[1].speaker, Speaker::Caller, "{shape:?}");
        assert_eq!(event.transcript[0].text, "Hi Ada, this is Maya.");
        assert!(
            event.duration.is_some() && event.summary.is_some() && event.recording_url.is_some()
        );
        match shape {
            WebhookShape::Documented => {
                assert_eq!(event.event, "call.completed");
                assert_eq!(event.org_id.as_deref(), Some(ORG));
                assert_eq!(payload["data"]["phone"], "+14155550123");
                assert_eq!(payload["data"]["caller_name"], "Ada Lovelace");
                assert_eq!(payload["data"]["transcripts"][1]["role"], "user");
            }
            WebhookShape::RealDelivery => {
                assert_eq!(event.event, "call_completed");
                assert_eq!(event.org_id, None);
                assert_eq!(event.channel, Some(Channel::Outbound));
                assert_eq!(event.disconnect_reason.as_deref(), Some("user_hangup"));
                assert_eq!(
                    payload["post_call_analysis"]["goals_met"],
                    json!({"type": "boolean", "value": true})
                );
                assert!(text(&payload["transcriptions"]).starts_with("Maya: Hi Ada"));
                assert!(text(&payload["transcriptions"]).contains("\n: "));
            }
        }
    }

    // The contact the call reached sees it.
    let ada = contact_ids(&mut world)[0].clone();
    let calls = ok_json(
        &mut world,
        request("GetContactCalls", &[("id", &ada)], &[], Value::Null),
    );
    assert_eq!(calls["data"][0]["call_session_id"], session.as_str());
    assert_eq!(calls["data"][0]["sentiment"], "positive");
    let stats = ok_json(
        &mut world,
        request("GetContactCallStats", &[("id", &ada)], &[], Value::Null),
    );
    assert_eq!(stats["data"]["total_calls"], 1);
    assert_eq!(stats["data"]["completed_pct"], 100.0);
    let detail = ok_json(
        &mut world,
        request("GetContactDetail", &[("id", &ada)], &[], Value::Null),
    );
    assert_eq!(detail["data"]["total_calls"], 1);
    assert!(
        detail["data"]["total_minutes"]
            .as_f64()
            .is_some_and(|m| m > 0.0)
    );
}

#[test]
fn end_call_ends_a_call_now_and_only_once() {
    let mut world = demo_world();
    let agent = first_agent(&mut world);
    let created = ok_json(
        &mut world,
        request(
            "CreateCall",
            &[],
            &[],
            json!({"type": "web_call", "agent_id": agent}),
        ),
    );
    let session = text(&created["session_id"]);
    assert!(world.end_call(&session));
    assert!(!world.end_call(&session));
    assert!(!world.end_call("unknown"));
    assert_eq!(world.take_ended_calls(), vec![session.clone()]);

    let payload = world
        .after_call_payload(&session, WebhookShape::Documented)
        .expect("ended");
    assert_eq!(payload["data"]["channel"], "web");
    let event = webhooks::parse(payload.to_string().as_bytes()).expect("parses");
    assert_eq!(event.channel, Some(Channel::Web));
    assert_eq!(event.customer_number, None, "a web call has no numbers");
    let real = world
        .after_call_payload(&session, WebhookShape::RealDelivery)
        .expect("ended");
    assert_eq!(real["call_session"]["channel"], "web_call");
    assert_eq!(
        world.after_call_payload("unknown", WebhookShape::Documented),
        None
    );
}

#[test]
fn call_sessions_list_in_camel_case_by_page_with_filters() {
    let mut world = demo_world();
    let agent = first_agent(&mut world);
    let mut sessions = Vec::new();
    for _ in 0..5 {
        let created = ok_json(
            &mut world,
            request(
                "CreateCall",
                &[],
                &[],
                json!({"type": "web_call", "agent_id": agent}),
            ),
        );
        sessions.push(text(&created["session_id"]));
    }
    let page = |world: &mut World, page: &str| {
        ok_json(
            world,
            request(
                "ListCallSessions",
                &[],
                &[("page", page), ("page_size", "2")],
                Value::Null,
            ),
        )
    };
    let first = page(&mut world, "1");
    assert_eq!(first.get("meta"), None, "call sessions page without meta");
    let items = first["data"]["callSessions"]
        .as_array()
        .expect("callSessions");
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["id"], sessions[4].as_str(), "newest first");
    assert_eq!(items[0]["agentId"], agent.as_str());
    assert_eq!(items[0]["roomId"], format!("call_{}", sessions[4]));
    assert!(
        items[0].get("agent_id").is_none(),
        "CallSession is camelCase"
    );
    assert_eq!(items[0]["status"], "completed");
    assert_eq!(
        page(&mut world, "3")["data"]["callSessions"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    assert_eq!(page(&mut world, "4")["data"]["callSessions"], json!([]));

    let filtered = |world: &mut World, query: &[(&str, &str)]| {
        ok_json(world, request("ListCallSessions", &[], query, Value::Null))["data"]["callSessions"]
            .as_array()
            .map_or(0, Vec::len)
    };
    assert_eq!(filtered(&mut world, &[("channel", "web")]), 5);
    assert_eq!(filtered(&mut world, &[("channel", "outbound_call")]), 0);
    assert_eq!(filtered(&mut world, &[("agent_id", "other")]), 0);
    assert_eq!(filtered(&mut world, &[("status", "completed")]), 5);
    assert_eq!(filtered(&mut world, &[("search", "appointment")]), 5);
    let oldest = ok_json(
        &mut world,
        request(
            "ListCallSessions",
            &[],
            &[("sort_order", "asc"), ("page_size", "1")],
            Value::Null,
        ),
    );
    assert_eq!(
        oldest["data"]["callSessions"][0]["id"],
        sessions[0].as_str()
    );
}
