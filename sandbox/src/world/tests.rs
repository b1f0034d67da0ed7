//! The world's rules, one request at a time (no HTTP): state machines, number purchase rules,
//! call lifecycle and webhooks, and a walk over every operationId of `openapi.yaml`.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::*;
use agni_webhooks::{self as webhooks, Channel, Speaker};

const ORG: &str = Seed::DEMO_ORGANIZATION_ID;

fn request(
    operation: &'static str,
    path: &[(&str, &str)],
    query: &[(&str, &str)],
    body: Value,
) -> ApiRequest {
    let pairs = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    ApiRequest {
        operation,
        path: pairs(path),
        query: pairs(query),
        body,
    }
}

/// The JSON reply of a request that must succeed.
#[track_caller]
fn ok_json(world: &mut World, request: ApiRequest) -> Value {
    match world.handle(&request) {
        ApiReply::Json(value) => {
            assert_ne!(
                value["success"],
                json!(false),
                "{}: {value}",
                request.operation
            );
            value
        }
        other => panic!("{} answered {other:?}", request.operation),
    }
}

#[track_caller]
fn failure(world: &mut World, request: ApiRequest) -> Failure {
    match world.handle(&request) {
        ApiReply::Failure(failure) => failure,
        other => panic!("{} should fail, answered {other:?}", request.operation),
    }
}

fn text(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value}"))
        .to_owned()
}

fn agent_request(name: &str) -> types::CreateAgentRequest {
    types::CreateAgentRequest {
        agent_name: Some(name.into()),
        begin_message: Some(format!("Hi {{{{first_name}}}}, this is {name}.")),
        ..Default::default()
    }
}

fn contact_request(first: &str, phone: &str) -> types::CreateContactRequest {
    types::CreateContactRequest {
        first_name: Some(first.into()),
        last_name: Some("Lovelace".into()),
        email: Some(format!("{}@example.com", first.to_lowercase())),
        phone: Some(phone.into()),
        ..Default::default()
    }
}

fn demo_world() -> World {
    World::new(
        Seed::default()
            .with_agent(agent_request("Maya"))
            .with_contact(contact_request("Ada", "+14155550123"))
            .with_contact(contact_request("Grace", "+14155550124"))
            .with_contact(contact_request("Alan", "+14155550125")),
    )
}

fn first_agent(world: &mut World) -> String {
    let agents = ok_json(world, request("ListAgents", &[], &[], Value::Null));
    text(&agents["data"][0]["id"])
}

fn contact_ids(world: &mut World) -> Vec<String> {
    let contacts = ok_json(
        world,
        request("ListContacts", &[], &[("limit", "100")], Value::Null),
    );
    contacts["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|c| text(&c["id"]))
        .collect()
}

fn buy(world: &mut World, number: &str) -> ApiReply {
    world.handle(&request(
        "BuyPhoneNumber",
        &[],
        &[],
        json!({"phone_number": number}),
    ))
}

fn purchased_id(world: &mut World, number: &str) -> String {
    let list = ok_json(
        world,
        request("ListPurchasedNumbers", &[], &[], Value::Null),
    );
    list["data"]
        .as_array()
        .expect("data")
        .iter()
        .find(|n| n["number"] == number)
        .map(|n| text(&n["id"]))
        .expect("purchased number listed")
}

// ---------------------------------------------------------------------------------------------
// Seed and catalogue.
// ---------------------------------------------------------------------------------------------

#[test]
fn default_seed_offers_numbers_per_country_and_voices_per_model() {
    let mut world = World::new(Seed::default());
    for (country, expected) in [("US", 5), ("us", 5), ("GB", 3), ("FR", 0)] {
        let list = ok_json(
            &mut world,
            request(
                "ListAvailableNumbers",
                &[("iso_country", country)],
                &[],
                Value::Null,
            ),
        );
        assert_eq!(
            list["data"].as_array().map(Vec::len),
            Some(expected),
            "{country}"
        );
    }
    let by_area = ok_json(
        &mut world,
        request(
            "ListAvailableNumbers",
            &[("iso_country", "US")],
            &[("region", "212")],
            Value::Null,
        ),
    );
    assert_eq!(by_area["data"].as_array().map(Vec::len), Some(2));
    let capped = ok_json(
        &mut world,
        request(
            "ListAvailableNumbers",
            &[("iso_country", "US")],
            &[("page_size", "2")],
            Value::Null,
        ),
    );
    assert_eq!(capped["data"].as_array().map(Vec::len), Some(2));

    let voices = ok_json(
        &mut world,
        request(
            "ListVoices",
            &[("llm_model_id", Seed::OPENAI_REALTIME_MODEL)],
            &[("limit", "2"), ("offset", "1")],
            Value::Null,
        ),
    );
    assert_eq!(voices["meta"], json!({"total": 3, "limit": 2, "offset": 1}));
    assert_eq!(voices["data"][0]["voice_name"], "Echo");
    let unknown = failure(
        &mut world,
        request(
            "ListVoices",
            &[("llm_model_id", "no-such-model")],
            &[],
            Value::Null,
        ),
    );
    assert!(matches!(unknown, Failure::NotFound(_)), "{unknown:?}");

    let empty = World::new(Seed::empty());
    assert!(empty.voices.is_empty() && empty.agents.len() == 0);
}

// ---------------------------------------------------------------------------------------------
// Agents, tools, widgets.
// ---------------------------------------------------------------------------------------------

#[test]
fn agent_patch_changes_only_given_fields_and_replaces_selected_tools() {
    let mut world = World::new(Seed::empty());
    // A protojson client's lowerCamelCase body decodes too.
    let created = ok_json(
        &mut world,
        request(
            "CreateAgent",
            &[],
            &[],
            json!({"agentName": "Maya", "voiceId": "alloy", "selectedTools": {"a": true, "b": true}}),
        ),
    );
    let agent = &created["data"];
    let id = text(&agent["id"]);
    assert_eq!(agent["agent_name"], "Maya");
    assert_eq!(agent["status"], "AGENT_STATUS_ACTIVE");
    assert_eq!(agent["organization_id"], ORG);
    assert!(uuid::Uuid::parse_str(&id).is_ok_and(|u| u.get_version_num() == 7));

    let updated = ok_json(
        &mut world,
        request(
            "UpdateAgent",
            &[("id", &id)],
            &[],
            json!({"begin_message": "Hello!", "selected_tools": {"c": true}}),
        ),
    );
    assert_eq!(updated["data"]["agent_name"], "Maya", "untouched");
    assert_eq!(updated["data"]["voice_id"], "alloy", "untouched");
    assert_eq!(updated["data"]["begin_message"], "Hello!");
    assert_eq!(
        updated["data"]["selected_tools"],
        json!(["c"]),
        "replaced, not merged"
    );

    // An explicitly empty map detaches every tool.
    let cleared = ok_json(
        &mut world,
        request(
            "UpdateAgent",
            &[("id", &id)],
            &[],
            json!({"selected_tools": {}}),
        ),
    );
    assert_eq!(cleared["data"].get("selected_tools"), Some(&json!([])));

    let status = ok_json(
        &mut world,
        request(
            "UpdateAgentStatus",
            &[("id", &id)],
            &[],
            json!({"status": "AGENT_STATUS_INACTIVE"}),
        ),
    );
    assert_eq!(status["data"]["status"], "AGENT_STATUS_INACTIVE");

    let listed = ok_json(&mut world, request("ListAgents", &[], &[], Value::Null));
    assert_eq!(listed["meta"]["total"], 1);

    assert_eq!(
        world.handle(&request("DeleteAgent", &[("id", &id)], &[], Value::Null)),
        ApiReply::Empty
    );
    let gone = failure(
        &mut world,
        request("GetAgent", &[("id", &id)], &[], Value::Null),
    );
    assert!(matches!(gone, Failure::NotFound(_)));
}

#[test]
fn tools_and_widgets_round_trip() {
    let mut world = World::new(Seed::empty());
    let tool = ok_json(
        &mut world,
        request(
            "CreateAgentTool",
            &[],
            &[],
            json!({"name": "lookup", "type": "webhook", "definition": {"url": "https://example.com"}}),
        ),
    );
    let tool_id = text(&tool["data"]["id"]);
    let renamed = ok_json(
        &mut world,
        request(
            "UpdateAgentTool",
            &[("id", &tool_id)],
            &[],
            json!({"description": "Looks up"}),
        ),
    );
    assert_eq!(renamed["data"]["name"], "lookup");
    assert_eq!(renamed["data"]["description"], "Looks up");
    assert_eq!(renamed["data"]["definition"]["url"], "https://example.com");
    let nameless = failure(&mut world, request("CreateAgentTool", &[], &[], json!({})));
    assert!(matches!(nameless, Failure::InvalidArgument(_)));

    let widget = ok_json(
        &mut world,
        request(
            "CreateWidgetSettings",
            &[],
            &[],
            json!({"bot_name": "Helper"}),
        ),
    );
    let widget_id = text(&widget["data"]["id"]);
    assert_eq!(widget["data"]["is_active"], true);
    assert_eq!(widget["data"]["bot_position"], "BOT_POSITION_BOTTOM_RIGHT");
    assert_eq!(
        world.handle(&request(
            "DeactivateWidgetSettings",
            &[("id", &widget_id)],
            &[],
            Value::Null
        )),
        ApiReply::Empty
    );
    let fetched = ok_json(
        &mut world,
        request("GetWidgetSettings", &[("id", &widget_id)], &[], Value::Null),
    );
    assert_eq!(fetched["data"]["is_active"], false);
    assert_eq!(fetched["data"]["bot_name"], "Helper");
}

// ---------------------------------------------------------------------------------------------
// Phone numbers.
// ---------------------------------------------------------------------------------------------

#[test]
fn a_number_is_bought_only_while_available_and_only_once() {
    let mut world = World::new(Seed::default());
    let ApiReply::Json(bought) = buy(&mut world, "+1 (415) 555-0100") else {
        panic!("buying an available number succeeds");
    };
    assert_eq!(bought["data"]["phone_number"], "+14155550100");
    assert_eq!(bought["data"]["status"], "active");

    assert!(matches!(
        buy(&mut world, "+14155550100"),
        ApiReply::Failure(Failure::Conflict(_))
    ));
    assert!(matches!(
        buy(&mut world, "+14155559999"),
        ApiReply::Failure(Failure::NotFound(_))
    ));
    assert!(matches!(
        buy(&mut world, "not a number"),
        ApiReply::Failure(Failure::InvalidArgument(_))
    ));
    assert!(matches!(
        world.handle(&request("BuyPhoneNumber", &[], &[], json!({}))),
        ApiReply::Failure(Failure::InvalidArgument(_))
    ));

    let available = ok_json(
        &mut world,
        request(
            "ListAvailableNumbers",
            &[("iso_country", "US")],
            &[],
            Value::Null,
        ),
    );
    assert!(
        !available.to_string().contains("+14155550100"),
        "no longer for sale"
    );
    let purchased = ok_json(
        &mut world,
        request("ListPurchasedNumbers", &[], &[], Value::Null),
    );
    assert_eq!(purchased["data"][0]["number"], "+14155550100");
    assert_eq!(purchased["data"][0]["iso_country"], "US");
    assert_eq!(purchased["data"][0]["is_active"], true);
    let filtered = ok_json(
        &mut world,
        request(
            "ListPurchasedNumbers",
            &[],
            &[("iso_country", "GB")],
            Value::Null,
        ),
    );
    assert_eq!(filtered["data"], json!([]));

    let released = ok_json(
        &mut world,
        request(
            "ReleasePhoneNumber",
            &[("phone_number", "+14155550100")],
            &[],
            Value::Null,
        ),
    );
    assert_eq!(released["data"]["status"], "released");
    let again = failure(
        &mut world,
        request(
            "ReleasePhoneNumber",
            &[("phone_number", "+14155550100")],
            &[],
            Value::Null,
        ),
    );
    assert!(matches!(again, Failure::NotFound(_)));
    assert!(
        matches!(buy(&mut world, "+14155550100"), ApiReply::Json(_)),
        "on sale again"
    );
}

#[test]
fn imported_numbers_are_owned_and_conflict_with_bought_ones() {
    let mut world = World::new(Seed::default());
    assert!(matches!(
        buy(&mut world, "+442079460100"),
        ApiReply::Json(_)
    ));
    let conflict = failure(
        &mut world,
        request(
            "ImportPhoneNumber",
            &[],
            &[],
            json!({"phone": "+442079460100"}),
        ),
    );
    assert!(matches!(conflict, Failure::Conflict(_)));

    let imported = ok_json(
        &mut world,
        request(
            "ImportPhoneNumber",
            &[],
            &[],
            json!({"phone": "+12137774445", "name": "Front desk", "termination_uri": "sip.example.com"}),
        ),
    );
    let id = text(&imported["data"]["id"]);
    assert!(world.phone.owns("+12137774445"));
    let updated = ok_json(
        &mut world,
        request(
            "UpdateImportedPhoneNumber",
            &[("id", &id)],
            &[],
            json!({"name": "Reception"}),
        ),
    );
    assert_eq!(updated["data"]["name"], "Reception");
    assert_eq!(updated["data"]["termination_uri"], "sip.example.com");
    let list = ok_json(
        &mut world,
        request("ListImportedPhoneNumbers", &[], &[], Value::Null),
    );
    assert_eq!(list["data"].as_array().map(Vec::len), Some(1));
    ok_json(
        &mut world,
        request(
            "DeleteImportedPhoneNumber",
            &[("id", &id)],
            &[],
            Value::Null,
        ),
    );
    assert!(!world.phone.owns("+12137774445"));
}

// ---------------------------------------------------------------------------------------------
// Calls and webhooks.
// ---------------------------------------------------------------------------------------------

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
    assert_eq!(
        d["recording_url"],
        format!("/api/v1/calling/sessions/{session}/recording")
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
    assert_eq!(calls["data"][0]["id"], session.as_str());
    let stats = ok_json(
        &mut world,
        request("GetContactCallStats", &[("id", &ada)], &[], Value::Null),
    );
    assert_eq!(stats["data"]["completed_calls"], 1);
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

// ---------------------------------------------------------------------------------------------
// Campaigns.
// ---------------------------------------------------------------------------------------------

fn campaign_world() -> (World, String, String) {
    campaign_world_of(2)
}

/// A draft campaign calling the first `members` contacts of the demo world, from a bought
/// number; with its id and its agent's.
fn campaign_world_of(members: usize) -> (World, String, String) {
    let mut world = demo_world();
    let agent = first_agent(&mut world);
    assert!(matches!(buy(&mut world, "+14155550100"), ApiReply::Json(_)));
    let line = purchased_id(&mut world, "+14155550100");
    let contacts = contact_ids(&mut world);
    let created = ok_json(
        &mut world,
        request(
            "CreateCampaign",
            &[],
            &[],
            json!({"name": "Renewals", "agent_id": agent, "phone_number_id": line,
                   "from_phone_number": "+14155550100", "contact_ids": contacts[..members]}),
        ),
    );
    let id = text(&created["data"]["id"]);
    (world, id, agent)
}

fn transition(world: &mut World, operation: &'static str, id: &str) -> ApiReply {
    world.handle(&request(operation, &[("id", id)], &[], Value::Null))
}

fn campaign(world: &mut World, id: &str) -> Value {
    ok_json(
        world,
        request("GetCampaign", &[("id", id)], &[], Value::Null),
    )["data"]
        .clone()
}

#[test]
fn campaigns_need_an_owned_number_and_known_contacts() {
    let mut world = demo_world();
    let agent = first_agent(&mut world);
    let contacts = contact_ids(&mut world);
    let body = |from: &str, contacts: &[String]| {
        json!({"name": "C", "agent_id": agent, "phone_number_id": "", "from_phone_number": from,
               "contact_ids": contacts})
    };
    let not_owned = failure(
        &mut world,
        request("CreateCampaign", &[], &[], body("+14155550100", &contacts)),
    );
    assert!(
        matches!(not_owned, Failure::FailedPrecondition(_)),
        "{not_owned:?}"
    );
    assert!(matches!(buy(&mut world, "+14155550100"), ApiReply::Json(_)));
    let unknown = failure(
        &mut world,
        request(
            "CreateCampaign",
            &[],
            &[],
            body("+14155550100", &["nope".to_owned()]),
        ),
    );
    assert!(matches!(unknown, Failure::NotFound(_)), "{unknown:?}");
    let created = ok_json(
        &mut world,
        request("CreateCampaign", &[], &[], body("+14155550100", &contacts)),
    );
    let c = &created["data"];
    assert_eq!(c["status"], "draft");
    assert_eq!(c["from_phone_number"], "+14155550100");
    assert_eq!(c["contact_stats"]["total"], 3);
    assert_eq!(c["contact_stats"]["pending"], 3);
    assert!(c["created_at"].as_str().is_some_and(|t| t.ends_with('Z')));
}

#[test]
fn campaign_state_machine() {
    // Every request is a step of the clock (a call ends on the next request, the dialler calls
    // one contact per step), so three contacts keep the campaign busy through these steps.
    let (mut world, id, _) = campaign_world_of(3);
    let illegal = |world: &mut World, operation: &'static str| {
        assert!(
            matches!(
                transition(world, operation, &id),
                ApiReply::Failure(Failure::FailedPrecondition(_))
            ),
            "{operation} from {}",
            campaign(world, &id)["status"]
        );
    };
    let legal = |world: &mut World, operation: &'static str, reached: &str| {
        let ApiReply::Json(answer) = transition(world, operation, &id) else {
            panic!("{operation} should succeed");
        };
        assert_eq!(answer["data"]["status"], reached, "{operation}");
        answer
    };
    illegal(&mut world, "PauseCampaign");
    illegal(&mut world, "ResumeCampaign");
    let started = legal(&mut world, "StartCampaign", "running");
    assert!(started["data"]["started_at"].is_string());
    illegal(&mut world, "StartCampaign");
    illegal(&mut world, "ResumeCampaign");
    legal(&mut world, "PauseCampaign", "paused");
    illegal(&mut world, "PauseCampaign");
    illegal(&mut world, "StartCampaign");
    // All three were called meanwhile; resuming a campaign with nobody left to call completes
    // it right after the answer.
    legal(&mut world, "ResumeCampaign", "running");
    assert_eq!(campaign(&mut world, &id)["status"], "completed");
    illegal(&mut world, "PauseCampaign");
    illegal(&mut world, "ResumeCampaign");
    illegal(&mut world, "StartCampaign");
}

#[test]
fn a_running_campaign_is_paused_before_it_is_deleted() {
    let (mut world, id, _) = campaign_world();
    assert!(matches!(
        transition(&mut world, "StartCampaign", &id),
        ApiReply::Json(_)
    ));
    let running = failure(
        &mut world,
        request("DeleteCampaign", &[("id", &id)], &[], Value::Null),
    );
    assert!(
        matches!(running, Failure::FailedPrecondition(_)),
        "{running:?}"
    );
    assert!(matches!(
        transition(&mut world, "PauseCampaign", &id),
        ApiReply::Json(_)
    ));
    assert_eq!(
        world.handle(&request("DeleteCampaign", &[("id", &id)], &[], Value::Null)),
        ApiReply::Empty
    );
    assert!(matches!(
        transition(&mut world, "ResumeCampaign", &id),
        ApiReply::Failure(Failure::NotFound(_))
    ));
}

#[test]
fn a_running_campaign_calls_its_contacts_one_by_one_then_completes() {
    let (mut world, id, agent) = campaign_world();
    assert!(matches!(
        transition(&mut world, "StartCampaign", &id),
        ApiReply::Json(_)
    ));
    // After start, the dialler placed the first call; the next request ended it (and the
    // dialler placed the second call after answering).
    let c = campaign(&mut world, &id);
    assert_eq!(c["status"], "running");
    assert_eq!(c["contact_stats"]["successful"], 1);
    assert_eq!(c["contact_stats"]["in_progress"], 0);
    assert_eq!(c["contact_stats"]["pending"], 1);
    assert_eq!(world.take_ended_calls().len(), 1);

    assert!(matches!(
        transition(&mut world, "PauseCampaign", &id),
        ApiReply::Json(_)
    ));
    let paused = campaign(&mut world, &id);
    assert_eq!(paused["status"], "paused");
    assert_eq!(
        paused["contact_stats"]["successful"], 2,
        "the call in progress still finished"
    );
    assert!(matches!(
        transition(&mut world, "ResumeCampaign", &id),
        ApiReply::Json(_)
    ));
    let done = campaign(&mut world, &id);
    assert_eq!(done["status"], "completed");
    assert!(done["completed_at"].is_string());
    assert_eq!(done["contact_stats"]["contacted"], 2);
    assert!(matches!(
        transition(&mut world, "PauseCampaign", &id),
        ApiReply::Failure(Failure::FailedPrecondition(_))
    ));

    let members = ok_json(
        &mut world,
        request(
            "ListCampaignContacts",
            &[("id", &id)],
            &[("limit", "1")],
            Value::Null,
        ),
    );
    assert_eq!(members["meta"]["total"], 2);
    assert_eq!(members["data"][0]["status"], "successful");
    assert_eq!(members["data"][0]["attempt_count"], 1);
    let session = text(&members["data"][0]["call_session_id"]);
    let payload = world
        .after_call_payload(&session, WebhookShape::Documented)
        .expect("campaign call ended");
    assert_eq!(payload["data"]["campaign_id"], id.as_str());
    let event = webhooks::parse(payload.to_string().as_bytes()).expect("parses");
    assert_eq!(event.business_number.as_deref(), Some("+14155550100"));
    assert_eq!(event.customer_number.as_deref(), Some("+14155550123"));
    assert_eq!(event.agent_id.as_deref(), Some(agent.as_str()));

    let ada = contact_ids(&mut world)[0].clone();
    let campaigns = ok_json(
        &mut world,
        request("GetContactCampaigns", &[("id", &ada)], &[], Value::Null),
    );
    assert_eq!(campaigns["data"][0]["contact_status"], "successful");
}

#[test]
fn campaign_contacts_are_added_and_removed() {
    let (mut world, id, _) = campaign_world();
    let contacts = contact_ids(&mut world);
    let added = ok_json(
        &mut world,
        request(
            "AddContactsToCampaign",
            &[("id", &id)],
            &[],
            json!({"contact_ids": contacts}),
        ),
    );
    assert_eq!(added["added_count"], 1, "two were members already");
    assert_eq!(added.get("data"), None);
    assert_eq!(
        world.handle(&request(
            "RemoveContactFromCampaign",
            &[("id", &id), ("contact_id", &contacts[0])],
            &[],
            Value::Null
        )),
        ApiReply::Empty
    );
    assert_eq!(campaign(&mut world, &id)["contact_stats"]["total"], 2);
    let missing = failure(
        &mut world,
        request(
            "RemoveContactFromCampaign",
            &[("id", &id), ("contact_id", &contacts[0])],
            &[],
            Value::Null,
        ),
    );
    assert!(matches!(missing, Failure::NotFound(_)));
    let renamed = ok_json(
        &mut world,
        request("UpdateCampaign", &[("id", &id)], &[], json!({"name": "Q4"})),
    );
    assert_eq!(renamed["data"]["name"], "Q4");
    assert_eq!(renamed["data"]["from_phone_number"], "+14155550100");
    let list = ok_json(
        &mut world,
        request("ListCampaigns", &[], &[("status", "draft")], Value::Null),
    );
    assert_eq!(list["meta"]["total"], 1);
    let none = ok_json(
        &mut world,
        request("ListCampaigns", &[], &[("status", "running")], Value::Null),
    );
    assert_eq!(none["meta"]["total"], 0);
}

// ---------------------------------------------------------------------------------------------
// Contacts.
// ---------------------------------------------------------------------------------------------

#[test]
fn contacts_search_page_update_and_notes() {
    let mut world = demo_world();
    let page = ok_json(
        &mut world,
        request(
            "ListContacts",
            &[],
            &[("limit", "2"), ("offset", "2")],
            Value::Null,
        ),
    );
    assert_eq!(page["meta"], json!({"total": 3, "limit": 2, "offset": 2}));
    assert_eq!(page["data"][0]["first_name"], "Alan");
    for (needle, expected) in [
        ("grace", 1),
        ("LOVELACE", 3),
        ("0124", 1),
        ("@example", 3),
        ("zzz", 0),
    ] {
        let found = ok_json(
            &mut world,
            request("ListContacts", &[], &[("search", needle)], Value::Null),
        );
        assert_eq!(found["meta"]["total"], expected, "{needle}");
    }
    let ids = contact_ids(&mut world);
    let updated = ok_json(
        &mut world,
        request(
            "UpdateContact",
            &[("id", &ids[0])],
            &[],
            json!({"company": "Analytical Engines"}),
        ),
    );
    assert_eq!(updated["data"]["company"], "Analytical Engines");
    assert_eq!(updated["data"]["first_name"], "Ada");

    let note = ok_json(
        &mut world,
        request(
            "CreateContactNote",
            &[("id", &ids[0])],
            &[],
            json!({"content": "Prefers mornings"}),
        ),
    );
    assert_eq!(note["data"]["content"], "Prefers mornings");
    let notes = ok_json(
        &mut world,
        request("ListContactNotes", &[("id", &ids[0])], &[], Value::Null),
    );
    assert_eq!(notes["data"].as_array().map(Vec::len), Some(1));
    let activities = ok_json(
        &mut world,
        request("GetContactActivities", &[("id", &ids[0])], &[], Value::Null),
    );
    assert_eq!(activities["data"][0]["type"], "note_added", "newest first");
    assert_eq!(activities["data"][1]["type"], "contact_updated");
    let detail = ok_json(
        &mut world,
        request("GetContactDetail", &[("id", &ids[0])], &[], Value::Null),
    );
    assert_eq!(detail["data"]["contact"]["id"], ids[0].as_str());
    assert_eq!(detail["data"]["notes"][0]["content"], "Prefers mornings");

    let empty = failure(&mut world, request("CreateContact", &[], &[], json!({})));
    assert!(matches!(empty, Failure::InvalidArgument(_)));
    let deleted = ok_json(
        &mut world,
        request(
            "BulkDeleteContacts",
            &[],
            &[],
            json!({"ids": [ids[1], ids[2], "unknown"]}),
        ),
    );
    assert_eq!(deleted["data"]["deleted_count"], 2);
    assert_eq!(
        world.handle(&request(
            "DeleteContact",
            &[("id", &ids[0])],
            &[],
            Value::Null
        )),
        ApiReply::Empty
    );
    let gone = failure(
        &mut world,
        request("ListContactNotes", &[("id", &ids[0])], &[], Value::Null),
    );
    assert!(matches!(gone, Failure::NotFound(_)));
}

// ---------------------------------------------------------------------------------------------
// Knowledge bases.
// ---------------------------------------------------------------------------------------------

#[test]
fn knowledge_base_sources_query_and_delete() {
    let mut world = World::new(Seed::empty());
    let missing = failure(
        &mut world,
        request("GetKnowledgeBase", &[("kb_id", "kb-1")], &[], Value::Null),
    );
    assert!(matches!(missing, Failure::NotFound(_)));
    let added = ok_json(
        &mut world,
        request(
            "AddKnowledgeBaseSources",
            &[("kb_id", "kb-1")],
            &[],
            json!({"knowledge_base_texts": [{"title": "Hours", "text": "We are open 9 to 5 on weekdays. Parking is free."}],
                   "knowledge_base_urls": ["https://example.com/pricing"]}),
        ),
    );
    let kb = &added["data"]["knowledge_base"];
    assert_eq!(kb["knowledge_base_id"], "kb-1");
    assert_eq!(kb["status"], "complete");
    assert!(kb["created_timestamp"].is_i64(), "epoch integers");
    assert_eq!(
        kb["knowledge_base_sources"].as_array().map(Vec::len),
        Some(2)
    );
    let url_source = &added["data"]["url_sources"][0];
    assert_eq!(url_source["url"], "https://example.com/pricing");
    assert!(url_source["pages_found"].as_i64().is_some_and(|n| n >= 1));
    let bad = failure(
        &mut world,
        request(
            "AddKnowledgeBaseSources",
            &[("kb_id", "kb-1")],
            &[],
            json!({"knowledge_base_urls": ["ftp://x"]}),
        ),
    );
    assert!(matches!(bad, Failure::InvalidArgument(_)));

    let query = |world: &mut World, q: &str| {
        ok_json(
            world,
            request(
                "QueryKnowledgeBase",
                &[],
                &[],
                json!({"org_id": ORG, "kb_id": "kb-1", "query": q}),
            ),
        )
    };
    let answer = query(&mut world, "When are you open on weekdays?");
    assert_eq!(
        answer["data"][0]["content"],
        "We are open 9 to 5 on weekdays."
    );
    assert_eq!(
        query(&mut world, "pricing")["data"][0]["source_url"],
        "https://example.com/pricing"
    );
    assert_eq!(query(&mut world, "submarine")["data"], json!([]));

    let text_source = text(&kb["knowledge_base_sources"][0]["source_id"]);
    let after = ok_json(
        &mut world,
        request(
            "DeleteKnowledgeBaseSource",
            &[("kb_id", "kb-1"), ("source_id", &text_source)],
            &[],
            Value::Null,
        ),
    );
    assert_eq!(
        after["data"]["knowledge_base_sources"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    assert_eq!(query(&mut world, "weekdays")["data"], json!([]));
    let again = failure(
        &mut world,
        request(
            "DeleteKnowledgeBaseSource",
            &[("kb_id", "kb-1"), ("source_id", &text_source)],
            &[],
            Value::Null,
        ),
    );
    assert!(matches!(again, Failure::NotFound(_)));
}

#[test]
fn legacy_rag_documents() {
    let mut world = World::new(Seed::empty());
    let upserted = ok_json(
        &mut world,
        request(
            "UpsertDocument",
            &[],
            &[],
            json!({"org_id": ORG, "kb_id": "kb-2", "doc_id": "menu", "text": "Pizza costs 12 dollars. Pasta costs 10."}),
        ),
    );
    assert_eq!(upserted["data"]["chunks"], 2);
    let doc = ok_json(
        &mut world,
        request(
            "GetDocument",
            &[],
            &[("org_id", ORG), ("doc_id", "menu")],
            Value::Null,
        ),
    );
    assert_eq!(
        doc["data"]["text"],
        "Pizza costs 12 dollars. Pasta costs 10."
    );
    // Upserting again replaces the document.
    ok_json(
        &mut world,
        request(
            "UpsertDocument",
            &[],
            &[],
            json!({"org_id": ORG, "kb_id": "kb-2", "doc_id": "menu", "text": "Soup only."}),
        ),
    );
    let docs = ok_json(
        &mut world,
        request(
            "ListDocuments",
            &[],
            &[("org_id", ORG), ("kb_id", "kb-2")],
            Value::Null,
        ),
    );
    assert_eq!(docs["meta"]["total"], 1);
    let kbs = ok_json(
        &mut world,
        request("ListKnowledgeBases", &[], &[("org_id", ORG)], Value::Null),
    );
    assert_eq!(kbs["data"][0]["kb_id"], "kb-2");
    let other_org = ok_json(
        &mut world,
        request("ListKnowledgeBases", &[], &[("org_id", "x")], Value::Null),
    );
    assert_eq!(other_org["data"], json!([]));
    ok_json(
        &mut world,
        request(
            "ManageExclusions",
            &[],
            &[],
            json!({"org_id": ORG, "kb_id": "kb-2", "action": "add", "urls": ["https://example.com/private"]}),
        ),
    );
    let exclusions = ok_json(
        &mut world,
        request(
            "ListExclusions",
            &[],
            &[("org_id", ORG), ("kb_id", "kb-2")],
            Value::Null,
        ),
    );
    assert_eq!(exclusions["data"], json!(["https://example.com/private"]));
    let discovered = ok_json(
        &mut world,
        request(
            "DiscoverUrls",
            &[],
            &[],
            json!({"url": "https://example.com", "limit": 3}),
        ),
    );
    assert_eq!(discovered["data"]["urls"].as_array().map(Vec::len), Some(3));
}

#[test]
fn health_and_readiness() {
    let mut world = World::new(Seed::empty());
    let health = ok_json(&mut world, request("HealthCheck", &[], &[], Value::Null));
    assert_eq!(health["data"]["status"], "healthy");
    assert_eq!(health["data"]["service"], "agni-sandbox");
    let ready = ok_json(&mut world, request("ReadinessCheck", &[], &[], Value::Null));
    assert_eq!(ready["data"]["status"], "ready");
}

// ---------------------------------------------------------------------------------------------
// Every operation of the spec.
// ---------------------------------------------------------------------------------------------

/// Ids of one of everything, for the walk.
struct Ids {
    agent: String,
    tool: String,
    widget: String,
    contacts: Vec<String>,
    imported: String,
    line: String,
    campaign: String,
    call: String,
    source: String,
    provider: String,
    calcom_appointment: String,
    ghl_appointment: String,
}

fn prepared() -> (World, Ids) {
    let mut world = demo_world();
    let agent = first_agent(&mut world);
    let contacts = contact_ids(&mut world);
    let tool = text(
        &ok_json(
            &mut world,
            request("CreateAgentTool", &[], &[], json!({"name": "t"})),
        )["data"]["id"],
    );
    let widget = text(
        &ok_json(
            &mut world,
            request("CreateWidgetSettings", &[], &[], json!({})),
        )["data"]["id"],
    );
    assert!(matches!(buy(&mut world, "+14155550100"), ApiReply::Json(_)));
    let line = purchased_id(&mut world, "+14155550100");
    let imported = text(
        &ok_json(
            &mut world,
            request(
                "ImportPhoneNumber",
                &[],
                &[],
                json!({"phone": "+12137774445"}),
            ),
        )["data"]["id"],
    );
    let campaign = text(
        &ok_json(
            &mut world,
            request(
                "CreateCampaign",
                &[],
                &[],
                json!({"name": "C", "agent_id": agent, "phone_number_id": line,
                       "from_phone_number": "+14155550100", "contact_ids": [contacts[0]]}),
            ),
        )["data"]["id"],
    );
    let call = text(
        &ok_json(
            &mut world,
            request(
                "CreateCall",
                &[],
                &[],
                json!({"type": "web_call", "agent_id": agent}),
            ),
        )["session_id"],
    );
    let kb = ok_json(
        &mut world,
        request(
            "AddKnowledgeBaseSources",
            &[("kb_id", "kb-1")],
            &[],
            json!({"knowledge_base_texts": [{"text": "Open 9-5 weekdays.", "title": "Hours"}]}),
        ),
    );
    let source = text(&kb["data"]["knowledge_base"]["knowledge_base_sources"][0]["source_id"]);
    ok_json(
        &mut world,
        request(
            "UpsertDocument",
            &[],
            &[],
            json!({"org_id": ORG, "kb_id": "kb-1", "doc_id": "doc-1", "text": "Hello."}),
        ),
    );
    let provider = text(
        &ok_json(
            &mut world,
            request(
                "ConnectCalcom",
                &[],
                &[],
                json!({"org_id": ORG, "api_key": "cal_live_x"}),
            ),
        )["data"]["provider_id"],
    );
    let book = |world: &mut World, op: &'static str| {
        let answer = ok_json(
            world,
            request(
                op,
                &[],
                &[],
                json!({"action": "book", "agent_id": agent, "org_id": ORG, "appointment_datetime": "2030-01-07T10:30:00Z", "name": "Ada"}),
            ),
        );
        text(&answer["data"]["appointment_id"])
    };
    let calcom_appointment = book(&mut world, "ManageCalcomAppointment");
    let ghl_appointment = book(&mut world, "ManageGhlAppointment");
    let ids = Ids {
        agent,
        tool,
        widget,
        contacts,
        imported,
        line,
        campaign,
        call,
        source,
        provider,
        calcom_appointment,
        ghl_appointment,
    };
    (world, ids)
}

/// Path parameters, query parameters and body of a request.
type RequestParts = (
    Vec<(String, String)>,
    Vec<(&'static str, &'static str)>,
    Value,
);

/// A request for `op` that should succeed in the [`prepared`] world.
fn happy_request(op: &'static str, ids: &Ids) -> ApiRequest {
    let id = |v: &str| vec![("id".to_owned(), v.to_owned())];
    let appointment = |action: &str, appointment: &str| {
        json!({"action": action, "agent_id": ids.agent, "org_id": ORG, "appointment_id": appointment,
               "appointment_datetime": "2030-01-08T14:00:00Z", "days_ahead": 2})
    };
    let (path, query, body): RequestParts = match op {
        "GetAgent" | "DeleteAgent" => (id(&ids.agent), vec![], Value::Null),
        "UpdateAgent" => (id(&ids.agent), vec![], json!({"voice_id": "echo"})),
        "UpdateAgentStatus" => (
            id(&ids.agent),
            vec![],
            json!({"status": "AGENT_STATUS_INACTIVE"}),
        ),
        "CreateAgent" => (vec![], vec![], json!({"agent_name": "New"})),
        "ListVoices" => (
            vec![("llm_model_id".into(), Seed::GEMINI_LIVE_MODEL.into())],
            vec![],
            Value::Null,
        ),
        "GetAgentTool" | "DeleteAgentTool" => (id(&ids.tool), vec![], Value::Null),
        "UpdateAgentTool" => (id(&ids.tool), vec![], json!({"description": "d"})),
        "CreateAgentTool" => (vec![], vec![], json!({"name": "n", "type": "webhook"})),
        "GetWidgetSettings" | "DeactivateWidgetSettings" => (id(&ids.widget), vec![], Value::Null),
        "UpdateWidgetSettings" => (id(&ids.widget), vec![], json!({"bot_name": "b"})),
        "CreateWidgetSettings" => (vec![], vec![], json!({"bot_name": "b"})),
        "ListAvailableNumbers" => (
            vec![("iso_country".into(), "GB".into())],
            vec![],
            Value::Null,
        ),
        "BuyPhoneNumber" => (vec![], vec![], json!({"phone_number": "+14155550101"})),
        "ReleasePhoneNumber" => (
            vec![("phone_number".into(), "+14155550100".into())],
            vec![],
            Value::Null,
        ),
        "ImportPhoneNumber" => (
            vec![],
            vec![],
            json!({"phone": "+12137774446", "name": "n"}),
        ),
        "GetImportedPhoneNumber" | "DeleteImportedPhoneNumber" => {
            (id(&ids.imported), vec![], Value::Null)
        }
        "UpdateImportedPhoneNumber" => (id(&ids.imported), vec![], json!({"name": "n"})),
        "CreateTelephonyType" => (
            vec![],
            vec![],
            json!({"type": "twilio", "owner_type": "customer", "friendly_name": "Mine", "client_id": "AC123", "client_secret": "s3cr3t"}),
        ),
        "AddTwilioNumber" => (
            vec![],
            vec![],
            json!({"phone_number": "+14155550177", "number_sid": "PN1"}),
        ),
        "CreateContact" => (vec![], vec![], json!({"first_name": "N"})),
        "GetContact"
        | "DeleteContact"
        | "GetContactDetail"
        | "GetContactCalls"
        | "GetContactCallStats"
        | "GetContactActivities"
        | "GetContactCampaigns"
        | "ListContactNotes" => (id(&ids.contacts[0]), vec![], Value::Null),
        "UpdateContact" => (id(&ids.contacts[0]), vec![], json!({"company": "c"})),
        "CreateContactNote" => (id(&ids.contacts[0]), vec![], json!({"content": "c"})),
        "BulkDeleteContacts" => (vec![], vec![], json!({"ids": [ids.contacts[1]]})),
        "CreateCampaign" => (
            vec![],
            vec![],
            json!({"name": "C2", "agent_id": ids.agent, "phone_number_id": ids.line,
                   "from_phone_number": "+14155550100", "contact_ids": [ids.contacts[1]]}),
        ),
        "GetCampaign" | "DeleteCampaign" | "ListCampaignContacts" | "StartCampaign" => {
            (id(&ids.campaign), vec![], Value::Null)
        }
        "PauseCampaign" | "ResumeCampaign" => (id("running-or-paused"), vec![], Value::Null),
        "UpdateCampaign" => (id(&ids.campaign), vec![], json!({"name": "C3"})),
        "AddContactsToCampaign" => (
            id(&ids.campaign),
            vec![],
            json!({"contact_ids": [ids.contacts[2]]}),
        ),
        "RemoveContactFromCampaign" => (
            vec![
                ("id".into(), ids.campaign.clone()),
                ("contact_id".into(), ids.contacts[0].clone()),
            ],
            vec![],
            Value::Null,
        ),
        "CreateCall" => (
            vec![],
            vec![],
            json!({"type": "web_call", "agent_id": ids.agent}),
        ),
        "GetCallSessionDetail" => (id(&ids.call), vec![], Value::Null),
        "ListCallSessions" => (
            vec![],
            vec![("page", "1"), ("page_size", "10")],
            Value::Null,
        ),
        "GetKnowledgeBase" => (vec![("kb_id".into(), "kb-1".into())], vec![], Value::Null),
        "AddKnowledgeBaseSources" => (
            vec![("kb_id".into(), "kb-1".into())],
            vec![],
            json!({"knowledge_base_urls": ["https://example.com/pricing"]}),
        ),
        "DeleteKnowledgeBaseSource" => (
            vec![
                ("kb_id".into(), "kb-1".into()),
                ("source_id".into(), ids.source.clone()),
            ],
            vec![],
            Value::Null,
        ),
        "UpsertDocument" => (
            vec![],
            vec![],
            json!({"org_id": ORG, "kb_id": "kb-1", "doc_id": "doc-2", "url": "https://example.com"}),
        ),
        "GetDocument" => (
            vec![],
            vec![("org_id", ORG), ("doc_id", "doc-1")],
            Value::Null,
        ),
        "ListDocuments" | "ListExclusions" => (
            vec![],
            vec![("org_id", ORG), ("kb_id", "kb-1")],
            Value::Null,
        ),
        "ListKnowledgeBases" => (vec![], vec![("org_id", ORG)], Value::Null),
        "QueryKnowledgeBase" => (
            vec![],
            vec![],
            json!({"org_id": ORG, "kb_id": "kb-1", "query": "weekdays"}),
        ),
        "RefreshKnowledgeBase" => (vec![], vec![], json!({"org_id": ORG, "kb_id": "kb-1"})),
        "ManageExclusions" => (
            vec![],
            vec![],
            json!({"org_id": ORG, "kb_id": "kb-1", "action": "add", "urls": ["https://example.com/x"]}),
        ),
        "DiscoverUrls" => (vec![], vec![], json!({"url": "https://example.com"})),
        "ConnectCalcom" => (
            vec![],
            vec![],
            json!({"org_id": ORG, "api_key": "cal_live_y", "account_name": "Acme"}),
        ),
        "DisconnectCalcom" => (
            vec![],
            vec![],
            json!({"org_id": ORG, "provider_id": ids.provider}),
        ),
        "CalcomStatus" => (vec![], vec![("org_id", ORG)], Value::Null),
        "LookupCalcomEventType" => (
            vec![("platform_id".into(), "consultation".into())],
            vec![],
            Value::Null,
        ),
        "GetCalcomAppointment" => (
            id(&ids.calcom_appointment),
            vec![("org_id", ORG)],
            Value::Null,
        ),
        "ManageCalcomAppointment" => (
            vec![],
            vec![],
            appointment("reschedule", &ids.calcom_appointment),
        ),
        "ManageGhlAppointment" => (vec![], vec![], appointment("suggest", "")),
        "GetGhlAppointment" => (
            vec![("appointment_id".into(), ids.ghl_appointment.clone())],
            vec![],
            Value::Null,
        ),
        "SaveGhlCallData" => (
            vec![],
            vec![],
            json!({"org_id": ORG, "contact_id": "ghl_c1", "summary": "s"}),
        ),
        "GetOrCreateGhlContact" => (
            vec![],
            vec![],
            json!({"org_id": ORG, "phone": "+14155550123", "name": "Ada"}),
        ),
        "GhlOauthAuthorize" => (vec![], vec![("organization_id", ORG)], Value::Null),
        "GetGhlAgentByCalendar" => (
            vec![("calendar_id".into(), "cal_sandbox_sales".into())],
            vec![],
            Value::Null,
        ),
        _ => (vec![], vec![], Value::Null),
    };
    ApiRequest {
        operation: op,
        path: path.into_iter().collect(),
        query: query
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        body,
    }
}

/// `null`, `{}` and `[]` members removed, recursively: the generated types never serialize them.
fn without_empty(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), without_empty(v)))
                .filter(|(_, v)| !matches!(v, Value::Null) && v != &json!({}) && v != &json!([]))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_empty).collect()),
        other => other.clone(),
    }
}

/// Decodes `reply` as the generated response type named `schema`, and checks the type keeps
/// everything: no member of the reply is unknown to the type (a misspelt or misplaced field).
fn check_decodes(schema: &str, reply: &Value) -> Result<(), String> {
    fn round_trip<T: serde::de::DeserializeOwned + Serialize>(
        reply: &Value,
        free_form: bool,
    ) -> Result<(), String> {
        let decoded: T = serde_json::from_value(reply.clone()).map_err(|e| e.to_string())?;
        let back = without_empty(&to_json(&decoded));
        if !free_form && back != without_empty(reply) {
            return Err(format!(
                "does not round-trip:\n  sent {reply}\n  kept {back}"
            ));
        }
        Ok(())
    }
    macro_rules! types_by_name {
        ($($name:literal => $ty:ty),* $(,)?) => {
            match schema {
                "Envelope" => round_trip::<types::Envelope>(reply, true),
                $($name => round_trip::<$ty>(reply, false),)*
                other => Err(format!("no response type for schema {other}")),
            }
        };
    }
    types_by_name! {
        "ListAgentsResponse" => types::ListAgentsResponse,
        "CreateAgentResponse" => types::CreateAgentResponse,
        "GetAgentResponse" => types::GetAgentResponse,
        "UpdateAgentResponse" => types::UpdateAgentResponse,
        "UpdateAgentStatusResponse" => types::UpdateAgentStatusResponse,
        "ListVoicesResponse" => types::ListVoicesResponse,
        "ListCalcomAppointmentsResponse" => types::ListCalcomAppointmentsResponse,
        "ManageAppointmentResponse" => types::ManageAppointmentResponse,
        "GetCalcomAppointmentResponse" => types::GetCalcomAppointmentResponse,
        "ConnectCalcomResponse" => types::ConnectCalcomResponse,
        "DisconnectResponse" => types::DisconnectResponse,
        "ListCalcomEventTypesResponse" => types::ListCalcomEventTypesResponse,
        "GetCalcomEventTypeResponse" => types::GetCalcomEventTypeResponse,
        "CalcomStatusResponse" => types::CalcomStatusResponse,
        "ListCallSessionsResponse" => types::ListCallSessionsResponse,
        "GetCallSessionDetailResponse" => types::GetCallSessionDetailResponse,
        "CreateCallResponse" => types::CreateCallResponse,
        "ListCampaignsResponse" => types::ListCampaignsResponse,
        "CampaignResponse" => types::CampaignResponse,
        "ListCampaignContactsResponse" => types::ListCampaignContactsResponse,
        "AddContactsToCampaignResponse" => types::AddContactsToCampaignResponse,
        "ListContactsResponse" => types::ListContactsResponse,
        "ContactResponse" => types::ContactResponse,
        "BulkDeleteResponse" => types::BulkDeleteResponse,
        "ListGHLAppointmentsResponse" => types::ListGhlAppointmentsResponse,
        "GetGHLAppointmentResponse" => types::GetGhlAppointmentResponse,
        "GHLContactResponse" => types::GhlContactResponse,
        "GetGHLAgentByCalendarResponse" => types::GetGhlAgentByCalendarResponse,
        "ListGHLCalendarsResponse" => types::ListGhlCalendarsResponse,
        "GHLSetupStatusResponse" => types::GhlSetupStatusResponse,
        "AddTwilioNumberResponse" => types::AddTwilioNumberResponse,
        "ListAvailableNumbersResponse" => types::ListAvailableNumbersResponse,
        "BuyPhoneNumberResponse" => types::BuyPhoneNumberResponse,
        "CreateTelephonyTypeResponse" => types::CreateTelephonyTypeResponse,
        "ListImportedPhoneNumbersResponse" => types::ListImportedPhoneNumbersResponse,
        "ImportPhoneNumberResponse" => types::ImportPhoneNumberResponse,
        "DeleteImportedPhoneNumberResponse" => types::DeleteImportedPhoneNumberResponse,
        "ListPurchasedNumbersResponse" => types::ListPurchasedNumbersResponse,
        "GetSelectedTelephonyResponse" => types::GetSelectedTelephonyResponse,
        "ListTwilioOwnedNumbersResponse" => types::ListTwilioOwnedNumbersResponse,
        "ReleasePhoneNumberResponse" => types::ReleasePhoneNumberResponse,
        "KnowledgeBaseResponse" => types::KnowledgeBaseResponse,
        "AddKnowledgeBaseSourcesResponse" => types::AddKnowledgeBaseSourcesResponse,
        "ListAgentToolsResponse" => types::ListAgentToolsResponse,
        "CreateAgentToolResponse" => types::CreateAgentToolResponse,
        "GetAgentToolResponse" => types::GetAgentToolResponse,
        "UpdateAgentToolResponse" => types::UpdateAgentToolResponse,
        "ListWidgetSettingsResponse" => types::ListWidgetSettingsResponse,
        "CreateWidgetSettingsResponse" => types::CreateWidgetSettingsResponse,
        "GetWidgetSettingsResponse" => types::GetWidgetSettingsResponse,
        "UpdateWidgetSettingsResponse" => types::UpdateWidgetSettingsResponse,
        "ContactDetailResponse" => types::ContactDetailResponse,
        "ContactCallsResponse" => types::ContactCallsResponse,
        "ContactCallStatsResponse" => types::ContactCallStatsResponse,
        "ContactActivitiesResponse" => types::ContactActivitiesResponse,
        "ContactCampaignsResponse" => types::ContactCampaignsResponse,
        "ContactNotesResponse" => types::ContactNotesResponse,
        "ContactNoteResponse" => types::ContactNoteResponse,
        "DocumentResponse" => types::DocumentResponse,
        "ListDocumentsResponse" => types::ListDocumentsResponse,
        "ListKnowledgeBasesResponse" => types::ListKnowledgeBasesResponse,
        "QueryKnowledgeBaseResponse" => types::QueryKnowledgeBaseResponse,
        "DiscoverUrlsResponse" => types::DiscoverUrlsResponse,
        "ExclusionsResponse" => types::ExclusionsResponse,
        "DeleteKnowledgeBaseSourceResponse" => types::DeleteKnowledgeBaseSourceResponse,
        "OrganizationProfileResponse" => types::OrganizationProfileResponse,
        "GetAgentCalcomInfoResponse" => types::GetAgentCalcomInfoResponse,
        "GetAgentCalcomStatusResponse" => types::GetAgentCalcomStatusResponse,
        "AssignCalcomAccountResponse" => types::AssignCalcomAccountResponse,
        "ListLlmModelsWithVoicesResponse" => types::ListLlmModelsWithVoicesResponse,
        "HealthResponse" => types::HealthResponse,
        "ReadyResponse" => types::ReadyResponse,
    }
}

/// Every operation of `openapi.yaml`: its operationId and its 200 JSON schema name, if any.
fn spec_operations() -> Vec<(String, Option<String>)> {
    let spec: Value = serde_saphyr::from_str(agni::OPENAPI_YAML).expect("openapi.yaml parses");
    let mut operations = Vec::new();
    for item in spec["paths"].as_object().expect("paths").values() {
        for (method, operation) in item.as_object().expect("path item") {
            if !["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                continue;
            }
            let schema =
                operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
                    .as_str()
                    .and_then(|r| r.rsplit('/').next())
                    .map(str::to_owned);
            operations.push((text_of(&operation["operationId"]), schema));
        }
    }
    operations
}

fn text_of(value: &Value) -> String {
    value.as_str().expect("operationId").to_owned()
}

#[test]
fn every_operation_of_the_spec_succeeds_with_its_documented_response_type() {
    let operations = spec_operations();
    assert_eq!(operations.len(), 98, "the spec's operations");
    let mut problems = Vec::new();
    for (operation, schema) in &operations {
        let op: &'static str = Box::leak(operation.clone().into_boxed_str());
        let (mut world, ids) = prepared();
        if matches!(op, "PauseCampaign" | "ResumeCampaign") {
            // Put the campaign in the state these transitions leave.
            assert!(matches!(
                transition(&mut world, "StartCampaign", &ids.campaign),
                ApiReply::Json(_)
            ));
            if op == "ResumeCampaign" {
                assert!(matches!(
                    transition(&mut world, "PauseCampaign", &ids.campaign),
                    ApiReply::Json(_)
                ));
            }
        }
        let mut request = happy_request(op, &ids);
        if request.path.get("id").map(String::as_str) == Some("running-or-paused") {
            request.path.insert("id".into(), ids.campaign.clone());
        }
        match (world.handle(&request), schema) {
            (ApiReply::Json(reply), Some(schema)) => {
                if let Err(problem) = check_decodes(schema, &reply) {
                    problems.push(format!("{op} ({schema}): {problem}"));
                }
            }
            (ApiReply::Empty, None) => {}
            (other, schema) => {
                problems.push(format!("{op}: answered {other:?}, documented {schema:?}"))
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_operation_survives_unknown_ids_and_empty_bodies() {
    for (operation, _) in spec_operations() {
        let op: &'static str = Box::leak(operation.into_boxed_str());
        let mut world = World::new(Seed::default());
        let params = [
            "id",
            "llm_model_id",
            "platform_id",
            "appointment_id",
            "calendar_id",
            "iso_country",
            "phone_number",
            "kb_id",
            "source_id",
            "contact_id",
        ];
        for body in [Value::Null, json!({})] {
            let request = ApiRequest {
                operation: op,
                path: params
                    .iter()
                    .map(|p| ((*p).to_owned(), "unknown".to_owned()))
                    .collect(),
                query: [("org_id", "o"), ("kb_id", "unknown"), ("doc_id", "unknown")]
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
                body,
            };
            if let ApiReply::Failure(Failure::NotFound(message)) = world.handle(&request) {
                assert!(
                    !message.contains("not part of the Agni API"),
                    "{op} is not handled"
                );
            }
        }
    }
}

#[test]
fn seeded_resources_exist_and_seeded_numbers_are_normalised() {
    let seed = Seed::empty()
        .with_organization_id("org-7")
        .with_agent(agent_request("Maya"))
        .with_tool(types::CreateAgentToolRequest {
            name: Some("lookup".into()),
            ..Default::default()
        })
        .with_contact(contact_request("Ada", "+14155550123"))
        .with_available_number("US", "+1 (310) 555-0100");
    let mut world = World::new(seed);
    let agents = ok_json(&mut world, request("ListAgents", &[], &[], Value::Null));
    assert_eq!(agents["data"][0]["organization_id"], "org-7");
    let tools = ok_json(&mut world, request("ListAgentTools", &[], &[], Value::Null));
    assert_eq!(tools["meta"]["total"], 1);
    assert_eq!(contact_ids(&mut world).len(), 1);
    assert!(matches!(buy(&mut world, "+13105550100"), ApiReply::Json(_)));
}

#[test]
fn a_campaign_moves_to_another_owned_number_by_its_id() {
    let (mut world, id, _) = campaign_world();
    assert!(matches!(buy(&mut world, "+12125550100"), ApiReply::Json(_)));
    let other = purchased_id(&mut world, "+12125550100");
    let moved = ok_json(
        &mut world,
        request(
            "UpdateCampaign",
            &[("id", &id)],
            &[],
            json!({"phone_number_id": other}),
        ),
    );
    assert_eq!(moved["data"]["from_phone_number"], "+12125550100");
    assert_eq!(moved["data"]["phone_number_id"], other.as_str());
    let unknown = failure(
        &mut world,
        request(
            "UpdateCampaign",
            &[("id", &id)],
            &[],
            json!({"phone_number_id": "nope"}),
        ),
    );
    assert!(matches!(unknown, Failure::NotFound(_)), "{unknown:?}");
    let not_owned = failure(
        &mut world,
        request(
            "UpdateCampaign",
            &[("id", &id)],
            &[],
            json!({"from_phone_number": "+12125550101"}),
        ),
    );
    assert!(
        matches!(not_owned, Failure::FailedPrecondition(_)),
        "{not_owned:?}"
    );
}

#[test]
fn the_walk_check_catches_misspelt_and_unknown_fields() {
    let good = json!({"success": true, "message": "m", "data": {"id": "c1", "first_name": "Ada"}});
    assert_eq!(check_decodes("ContactResponse", &good), Ok(()));
    let camel = json!({"success": true, "data": {"id": "c1", "firstName": "Ada"}});
    assert!(
        check_decodes("ContactResponse", &camel).is_err(),
        "snake_case schema"
    );
    let unknown = json!({"success": true, "data": {"id": "c1", "nickname": "Ada"}});
    assert!(check_decodes("ContactResponse", &unknown).is_err());
    let snake_session = json!({"data": {"callSessions": [{"id": "s1", "agent_id": "a"}]}});
    assert!(
        check_decodes("ListCallSessionsResponse", &snake_session).is_err(),
        "camelCase schema"
    );
    assert!(check_decodes("NoSuchResponse", &good).is_err());
}
