//! The world's rules, one request at a time (no HTTP), by topic; this module owns the
//! helpers every topic shares: building requests, reading replies, a demo world.

mod agents;
mod calls;
mod campaigns;
mod catalogue;
mod contacts;
mod decoding;
mod integrations;
mod knowledge;
mod phone;
mod sessions;
mod walk;

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::*;
use agni_webhooks::{self as webhooks, Channel, Speaker};

pub(super) const ORG: &str = Seed::DEMO_ORGANIZATION_ID;

pub(super) fn request(
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
pub(super) fn ok_json(world: &mut World, request: ApiRequest) -> Value {
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
pub(super) fn failure(world: &mut World, request: ApiRequest) -> Failure {
    match world.handle(&request) {
        ApiReply::Failure(failure) => failure,
        other => panic!("{} should fail, answered {other:?}", request.operation),
    }
}

pub(super) fn text(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value}"))
        .to_owned()
}

pub(super) fn agent_request(name: &str) -> types::CreateAgentRequest {
    types::CreateAgentRequest {
        agent_name: Some(name.into()),
        begin_message: Some(format!("Hi {{{{first_name}}}}, this is {name}.")),
        ..Default::default()
    }
}

pub(super) fn contact_request(first: &str, phone: &str) -> types::CreateContactRequest {
    types::CreateContactRequest {
        first_name: Some(first.into()),
        last_name: Some("Lovelace".into()),
        email: Some(format!("{}@example.com", first.to_lowercase())),
        phone: Some(agni::E164::parse(phone).expect("a valid test number")),
        ..Default::default()
    }
}

/// Where the test worlds say they are served (recording URLs point there).
pub(super) const BASE_URL: &str = "http://127.0.0.1:9";

pub(super) fn new_world(seed: Seed) -> World {
    World::new(seed, BASE_URL)
}

pub(super) fn demo_world() -> World {
    new_world(
        Seed::default()
            .with_agent(agent_request("Maya"))
            .with_contact(contact_request("Ada", "+14155550123"))
            .with_contact(contact_request("Grace", "+14155550124"))
            .with_contact(contact_request("Alan", "+14155550125")),
    )
}

pub(super) fn first_agent(world: &mut World) -> String {
    let agents = ok_json(world, request("ListAgents", &[], &[], Value::Null));
    text(&agents["data"][0]["id"])
}

pub(super) fn contact_ids(world: &mut World) -> Vec<String> {
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

pub(super) fn buy(world: &mut World, number: &str) -> ApiReply {
    world.handle(&request(
        "BuyPhoneNumber",
        &[],
        &[],
        json!({"phone_number": number}),
    ))
}

pub(super) fn purchased_id(world: &mut World, number: &str) -> String {
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

pub(super) fn transition(world: &mut World, operation: &'static str, id: &str) -> ApiReply {
    world.handle(&request(operation, &[("id", id)], &[], Value::Null))
}
