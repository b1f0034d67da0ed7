//! Ended call sessions: the signed recording URL and its audio, finalizing a session, and the
//! phone-call history.

use super::*;

/// A demo world with an outbound call to Ada and a web call, both ended; with the outbound
/// call's session id.
fn world_with_calls() -> (World, String) {
    let mut world = demo_world();
    let agent = first_agent(&mut world);
    assert!(matches!(buy(&mut world, "+14155550100"), ApiReply::Json(_)));
    let outbound = ok_json(
        &mut world,
        request(
            "CreateCall",
            &[],
            &[],
            json!({"type": "outbound_call", "agent_id": agent,
                   "from_phone_number": "+14155550100", "to_phone_number": "+14155550123"}),
        ),
    );
    ok_json(
        &mut world,
        request(
            "CreateCall",
            &[],
            &[],
            json!({"type": "web_call", "agent_id": agent}),
        ),
    );
    (world, text(&outbound["session_id"]))
}

fn recording(world: &mut World, session: &str, token: Option<&str>) -> ApiReply {
    let query: Vec<(&str, &str)> = token.map(|token| ("token", token)).into_iter().collect();
    world.handle(&request(
        "GetCallRecording",
        &[("id", session)],
        &query,
        Value::Null,
    ))
}

#[test]
fn a_recording_is_named_with_the_key_and_served_with_its_token() {
    let (mut world, session) = world_with_calls();
    let detail = ok_json(
        &mut world,
        request(
            "GetCallSessionDetail",
            &[("id", &session)],
            &[],
            Value::Null,
        ),
    );
    let url = text(&detail["data"]["recording_url"]);

    // With the API key and no token: JSON naming the signed URL, as the SDK's download follows.
    let ApiReply::Json(pointer) = recording(&mut world, &session, None) else {
        panic!("a pointer to the recording");
    };
    assert_eq!(pointer["data"]["recording_url"], url.as_str());

    let parsed = url::Url::parse(&url).expect("an absolute URL");
    assert_eq!(parsed.origin().ascii_serialization(), BASE_URL);
    let token = parsed
        .query_pairs()
        .find(|(name, _)| name == "token")
        .map(|(_, token)| token.into_owned())
        .expect("a token");
    let ApiReply::Bytes { content_type, body } = recording(&mut world, &session, Some(&token))
    else {
        panic!("the audio");
    };
    assert_eq!(content_type, "audio/mpeg");
    assert_eq!(&body[..2], &[0xFF, 0xFB], "an MPEG audio frame");
    let seconds = detail["data"]["duration_sec"].as_u64().expect("a duration");
    assert!(body.len() as u64 >= seconds * 4000, "as long as the call");

    let forged = recording(&mut world, &session, Some("forged"));
    assert!(
        matches!(forged, ApiReply::Failure(Failure::Unauthenticated(_))),
        "{forged:?}"
    );
    let unknown = recording(&mut world, "no-such-session", Some(&token));
    assert!(matches!(unknown, ApiReply::Failure(Failure::NotFound(_))));
}

#[test]
fn finalizing_a_session_is_recorded_once() {
    let (mut world, session) = world_with_calls();
    let finalize = |world: &mut World, id: &str| {
        world.handle(&request(
            "FinalizeSession",
            &[("session_id", id)],
            &[],
            Value::Null,
        ))
    };
    let ApiReply::Json(first) = finalize(&mut world, &session) else {
        panic!("finalized");
    };
    assert_eq!(first["data"]["session_id"], session.as_str());
    assert_eq!(first["data"]["status"], "completed");
    assert_eq!(first["data"]["finalized"], true);
    let ApiReply::Json(again) = finalize(&mut world, &session) else {
        panic!("finalizing again is harmless");
    };
    assert_eq!(again["data"]["finalized_at"], first["data"]["finalized_at"]);
    assert!(matches!(
        finalize(&mut world, "no-such-session"),
        ApiReply::Failure(Failure::NotFound(_))
    ));
    let history = ok_json(
        &mut world,
        request("GetPhoneHistory", &[], &[], Value::Null),
    );
    assert_eq!(history["data"][0]["finalized"], true);
}

#[test]
fn the_phone_history_lists_phone_calls_newest_first() {
    let (mut world, session) = world_with_calls();
    let agent = first_agent(&mut world);
    ok_json(
        &mut world,
        request(
            "CreateCall",
            &[],
            &[],
            json!({"type": "outbound_call", "agent_id": agent,
                   "from_phone_number": "+14155550100", "to_phone_number": "+14155550124"}),
        ),
    );
    let history = ok_json(
        &mut world,
        request("GetPhoneHistory", &[], &[], Value::Null),
    );
    assert_eq!(history["meta"]["total"], 2, "web calls are not phone calls");
    let (newest, oldest) = (&history["data"][0], &history["data"][1]);
    assert_eq!(newest["phone_number"], "+14155550124");
    assert_eq!(newest["contact_name"], "Grace Lovelace");
    assert_eq!(oldest["session_id"], session.as_str());
    assert_eq!(oldest["direction"], "outbound");
    assert_eq!(oldest["caller_number"], "+14155550100");
    assert_eq!(oldest["status"], "completed");
    assert_eq!(oldest["finalized"], false);
    assert!(text(&oldest["recording_url"]).contains("token="));
}
