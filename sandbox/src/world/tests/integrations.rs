//! Cal.com per agent: linking the organisation's account to an agent, what the agent then
//! effectively uses, and its (never connected) private connection.

use super::*;

/// A demo world with Cal.com connected; with the agent's id and the account's.
fn connected() -> (World, String, String) {
    let mut world = demo_world();
    let agent = first_agent(&mut world);
    let connected = ok_json(
        &mut world,
        request(
            "ConnectCalcom",
            &[],
            &[],
            json!({"org_id": ORG, "api_key": "cal_live_x", "account_name": "Front desk"}),
        ),
    );
    let account = text(&connected["data"]["provider_id"]);
    (world, agent, account)
}

fn assign(world: &mut World, agent: &str, account: Value) -> ApiReply {
    world.handle(&request(
        "AssignCalcomAccountToAgent",
        &[("agent_id", agent)],
        &[],
        json!({ "calcom_account_id": account }),
    ))
}

fn info(world: &mut World, agent: &str) -> Value {
    ok_json(
        world,
        request(
            "GetAgentCalcomInfo",
            &[("agent_id", agent)],
            &[],
            Value::Null,
        ),
    )["data"]
        .clone()
}

#[test]
fn an_agent_uses_the_organisation_account_once_linked() {
    let (mut world, agent, account) = connected();
    let unlinked = info(&mut world, &agent);
    assert_eq!(unlinked["connected"], false);
    assert_eq!(unlinked["type"], "none");

    let ApiReply::Json(linked) = assign(&mut world, &agent, json!(account)) else {
        panic!("linked");
    };
    assert_eq!(linked["data"]["agent_id"], agent.as_str());
    assert_eq!(linked["data"]["agent_name"], "Maya");
    assert_eq!(linked["data"]["calcom_account_id"], account.as_str());
    let effective = info(&mut world, &agent);
    assert_eq!(effective["connected"], true);
    assert_eq!(effective["type"], "org_linked");
    assert_eq!(effective["calcom_account_id"], account.as_str());
    assert_eq!(effective["account_name"], "Front desk");
    assert_eq!(effective["status"], "active");

    // `null` unlinks.
    let ApiReply::Json(unlinked) = assign(&mut world, &agent, Value::Null) else {
        panic!("unlinked");
    };
    assert!(unlinked["data"]["calcom_account_id"].is_null());
    assert_eq!(info(&mut world, &agent)["type"], "none");
}

#[test]
fn only_the_connected_account_links_and_disconnecting_unlinks() {
    let (mut world, agent, account) = connected();
    assert!(matches!(
        assign(&mut world, &agent, json!("another-account")),
        ApiReply::Failure(Failure::NotFound(_))
    ));
    assert!(matches!(
        assign(&mut world, "no-such-agent", json!(account)),
        ApiReply::Failure(Failure::NotFound(_))
    ));
    assert!(matches!(
        assign(&mut world, &agent, json!(account)),
        ApiReply::Json(_)
    ));
    ok_json(
        &mut world,
        request(
            "DisconnectCalcom",
            &[],
            &[],
            json!({"org_id": ORG, "provider_id": account}),
        ),
    );
    assert_eq!(info(&mut world, &agent)["connected"], false);
}

#[test]
fn an_agent_has_no_private_connection() {
    let (mut world, agent, _) = connected();
    let status = ok_json(
        &mut world,
        request(
            "GetAgentCalcomStatus",
            &[("agent_id", &agent)],
            &[],
            Value::Null,
        ),
    );
    assert_eq!(status["data"]["connected"], false);
    assert_eq!(status["data"]["status"], "not_connected");
    let unknown = failure(
        &mut world,
        request(
            "GetAgentCalcomStatus",
            &[("agent_id", "no-such-agent")],
            &[],
            Value::Null,
        ),
    );
    assert!(matches!(unknown, Failure::NotFound(_)));
}
