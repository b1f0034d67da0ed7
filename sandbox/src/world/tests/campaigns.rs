//! Campaigns: creation rules, the state machine, the dialler, members, moving numbers.

use super::*;

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
    assert_eq!(campaigns["data"][0]["status"], "successful");
    assert_eq!(campaigns["data"][0]["name"], "Renewals");
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
