//! Agents, agent tools and widget settings: PATCH semantics and round trips.

use super::*;

#[test]
fn agent_patch_changes_only_given_fields_and_replaces_selected_tools() {
    let mut world = new_world(Seed::empty());
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
    let mut world = new_world(Seed::empty());
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
