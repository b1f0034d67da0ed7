//! Calls, call sessions and the after-call webhook in both shapes.

use super::*;

#[tokio::test]
async fn calls_sessions_and_webhooks() {
    let sandbox = Sandbox::builder()
        .seed(seeded())
        .webhook_shape(WebhookShape::RealDelivery)
        .start()
        .await
        .expect("the sandbox starts");
    let client = sandbox.client();
    let agent_id = first_agent_id(&client).await;

    // A web call needs no numbers.
    let web = client
        .start_web_call(&agent_id)
        .dynamic_variable("first_name", "Ada")
        .send()
        .await
        .expect("web call");
    assert_eq!(
        web.room_id.as_deref(),
        Some(format!("call_{}", web.session_id).as_str())
    );
    assert_eq!(web.url.as_deref(), Some("wss://sandbox.livekit.invalid"));
    assert!(web.access_token.is_some());

    // An outbound call dials from a number of the organisation only. (This request also ended
    // the web call: a call ends at the next request.)
    let unowned = client
        .start_outbound_call(&agent_id, "+14155550100", "+14155550123")
        .send()
        .await;
    assert_eq!(api_error(unowned), (422, symbolic("FAILED_PRECONDITION")));
    let web_event = sandbox
        .next_webhook_timeout(WEBHOOK_WAIT)
        .await
        .expect("the web call's webhook");
    assert_eq!(web_event["call_session"]["channel"], "web_call");
    assert_eq!(
        CallCompleted::from_value(web_event)
            .expect("parses")
            .session_id,
        web.session_id
    );

    client.buy_number("+14155550100").send().await.expect("buy");
    let outbound = client
        .start_outbound_call(&agent_id, "+1 415 555 0100", "+1 (415) 555-0123")
        .metadata("crm_id", 42)
        .send()
        .await
        .expect("outbound call");

    // Polling the session ends the call; its detail has the conversation.
    let detail = client
        .get_call_session_detail()
        .id(&outbound.session_id)
        .send()
        .await
        .expect("detail")
        .into_inner()
        .data;
    assert_eq!(detail.status.as_deref(), Some("completed"));
    assert_eq!(detail.channel.as_deref(), Some("outbound_call"));
    assert_eq!(detail.caller_number.as_deref(), Some("+14155550100"));
    assert_eq!(detail.callee_number.as_deref(), Some("+14155550123"));
    assert_eq!(detail.disconnect_reason.as_deref(), Some("user_hangup"));
    assert_eq!(detail.metadata.get("crm_id"), Some(&json!(42)));
    let recording_url = detail.recording_url.clone().expect("a recording URL");
    assert!(
        recording_url.starts_with(&format!(
            "{}/api/v1/calling/sessions/{}/recording?token=",
            sandbox.base_url(),
            outbound.session_id
        )),
        "absolute and signed: {recording_url}"
    );
    assert!(detail.duration_sec.is_some_and(|d| d > 0));
    assert!(detail.cost_total.is_some_and(|c| c > 0.0));
    let opening = detail.transcripts[0].message.as_ref().expect("message");
    assert_eq!(opening.role.as_deref(), Some("agent"));
    assert_eq!(
        opening.content.as_deref(),
        Some("Thanks for calling, this is Maya.")
    );
    assert!(detail.transcripts.len() >= 4);

    let event = sandbox
        .next_webhook_timeout(WEBHOOK_WAIT)
        .await
        .expect("the outbound call's webhook");
    assert_eq!(event["event"], "call_completed");
    let call = CallCompleted::from_value(event).expect("parses");
    assert_eq!(call.session_id, outbound.session_id);
    assert_eq!(call.channel, Some(Channel::Outbound));
    assert_eq!(
        call.customer_number.as_deref(),
        Some("+14155550123"),
        "the callee of an outbound call"
    );
    assert_eq!(call.business_number.as_deref(), Some("+14155550100"));
    assert_eq!(call.agent_name.as_deref(), Some("Maya"));
    assert_eq!(call.transcript[0].speaker, Speaker::Agent);
    assert_eq!(call.transcript[1].speaker, Speaker::Caller);
    assert_eq!(call.analysis.get("sentiment"), Some(&json!("positive")));
    assert!(
        sandbox
            .next_webhook_timeout(Duration::from_millis(50))
            .await
            .is_none(),
        "one event per call"
    );

    // A third call, ended by the test rather than by a request.
    let third = client
        .start_web_call(&agent_id)
        .send()
        .await
        .expect("web call");
    assert!(sandbox.end_call(&third.session_id));
    assert!(!sandbox.end_call(&third.session_id));
    sandbox
        .next_webhook_timeout(WEBHOOK_WAIT)
        .await
        .expect("the third call's webhook");

    let sessions: Vec<types::CallSession> = client
        .list_call_sessions()
        .stream_pages_of(2)
        .try_collect()
        .await
        .expect("call sessions");
    let ids: Vec<&str> = sessions.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            third.session_id.as_str(),
            outbound.session_id.as_str(),
            web.session_id.as_str()
        ],
        "newest first"
    );
    assert!(
        sessions
            .iter()
            .all(|s| s.status.as_deref() == Some("completed"))
    );
    assert_eq!(sessions[1].agent_id.as_deref(), Some(agent_id.as_str()));
    assert_eq!(sessions[1].caller_name.as_deref(), Some("Ada Lovelace"));
    let web_only = client
        .list_call_sessions()
        .channel("web")
        .send()
        .await
        .expect("filtered")
        .into_inner();
    assert_eq!(web_only.data.map(|d| d.call_sessions.len()), Some(2));

    assert!(
        client
            .get_call_session_detail()
            .id("no-such-session")
            .send()
            .await
            .unwrap_err()
            .is_not_found()
    );
}

#[tokio::test]
async fn documented_webhook_shape() {
    let sandbox = start(seeded()).await;
    let client = sandbox.client();
    let agent_id = first_agent_id(&client).await;
    client
        .buy_number("+442079460100")
        .send()
        .await
        .expect("buy a UK number");
    let call = client
        .start_outbound_call(&agent_id, "+442079460100", "+14155550124")
        .send()
        .await
        .expect("outbound call");
    assert!(sandbox.end_call(&call.session_id));
    let event = sandbox
        .next_webhook_timeout(WEBHOOK_WAIT)
        .await
        .expect("webhook");
    assert_eq!(event["event"], "call.completed");
    assert_eq!(event["org_id"], Seed::DEMO_ORGANIZATION_ID);
    assert_eq!(event["data"]["call_session_id"], call.session_id.as_str());
    assert_eq!(event["data"]["caller_name"], "Grace Hopper");
    let parsed = CallCompleted::from_value(event).expect("parses");
    assert!(parsed.verify_org(Seed::DEMO_ORGANIZATION_ID));
    assert_eq!(parsed.customer_number.as_deref(), Some("+14155550124"));
    assert_eq!(parsed.business_number.as_deref(), Some("+442079460100"));
    assert_eq!(parsed.transcript.len(), 6);
}

#[tokio::test]
async fn recordings_download_and_sessions_show_in_the_phone_history() {
    let sandbox = start(seeded()).await;
    let client = sandbox.client();
    let agent_id = first_agent_id(&client).await;
    client.buy_number("+14155550100").send().await.expect("buy");
    let call = client
        .start_outbound_call(&agent_id, "+14155550100", "+14155550123")
        .send()
        .await
        .expect("outbound call");

    // By session id: the API answers JSON naming the signed URL, which the download follows
    // without the key.
    let recording = client
        .download_recording(call.session_id.as_str())
        .send()
        .await
        .expect("the recording");
    assert_eq!(recording.content_type(), Some("audio/mpeg"));
    let mut audio = Vec::new();
    let saved = recording.write_to(&mut audio).await.expect("the audio");
    assert_eq!(saved.bytes_written, audio.len() as u64);
    assert!(audio.len() > 4000, "{} bytes", audio.len());
    assert!(
        saved
            .final_url
            .query()
            .is_some_and(|q| q.starts_with("token="))
    );
    // By the URL a session (or a webhook) carries: straight to the audio.
    let detail = client
        .get_call_session_detail()
        .id(&call.session_id)
        .send()
        .await
        .expect("detail")
        .into_inner()
        .data;
    let url = detail.recording_url.expect("a recording URL");
    let mut again = Vec::new();
    client
        .download_recording(url.as_str())
        .send()
        .await
        .expect("the recording by URL")
        .write_to(&mut again)
        .await
        .expect("the audio");
    assert_eq!(again, audio);

    let finalized = client
        .finalize_session()
        .session_id(&call.session_id)
        .send()
        .await
        .expect("finalized")
        .into_inner();
    assert_eq!(
        finalized.data.as_ref().map(|d| &d["finalized"]),
        Some(&json!(true))
    );
    let history = client
        .get_phone_history()
        .send()
        .await
        .expect("the phone history")
        .into_inner();
    let entries = history.data.expect("a list");
    assert_eq!(entries[0]["session_id"], call.session_id.as_str());
    assert_eq!(entries[0]["phone_number"], "+14155550123");
    assert_eq!(entries[0]["contact_name"], "Ada Lovelace");
    assert_eq!(entries[0]["finalized"], true);
}
