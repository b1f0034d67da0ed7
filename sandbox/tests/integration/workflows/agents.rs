//! Agents, their tools and widget settings.

use super::*;

#[tokio::test]
async fn agents_tools_and_widgets() {
    let sandbox = start(Seed::default()).await;
    let client = sandbox.client();

    let tool = client
        .create_agent_tool()
        .body(types::CreateAgentToolRequest {
            name: Some("check_availability".into()),
            type_: Some("webhook".into()),
            description: Some("Looks up free slots".into()),
            ..Default::default()
        })
        .send()
        .await
        .expect("create tool")
        .into_inner()
        .data;
    let tool_id = tool.id.clone();
    assert_eq!(tool.is_active, Some(true));

    let created = client
        .create_agent()
        .body(types::CreateAgentRequest {
            selected_tools: Some(agni::SelectedTools::from([tool_id.clone()])),
            voice_id: Some("alloy".into()),
            ..agent("Maya")
        })
        .send()
        .await
        .expect("create agent")
        .into_inner()
        .data;
    let agent_id = created.id.clone();
    assert_eq!(created.status, Some(types::AgentStatus::Active));
    assert_eq!(
        created.organization_id.as_deref(),
        Some(Seed::DEMO_ORGANIZATION_ID)
    );
    assert!(
        created
            .selected_tools
            .as_ref()
            .is_some_and(|tools| tools.contains(&tool_id))
    );

    // PATCH: only the given fields change.
    let updated = client
        .update_agent()
        .id(&agent_id)
        .body(types::UpdateAgentRequest {
            begin_message: Some("Hello again!".into()),
            ..Default::default()
        })
        .send()
        .await
        .expect("update agent")
        .into_inner()
        .data;
    assert_eq!(updated.begin_message.as_deref(), Some("Hello again!"));
    assert_eq!(updated.agent_name.as_deref(), Some("Maya"));
    assert_eq!(updated.voice_id.as_deref(), Some("alloy"));
    assert!(
        updated
            .selected_tools
            .as_ref()
            .is_some_and(|tools| tools.contains(&tool_id))
    );

    let inactive = client
        .update_agent_status()
        .id(&agent_id)
        .body(types::UpdateAgentStatusRequest {
            status: Some(types::AgentStatus::Inactive),
            extra: Default::default(),
        })
        .send()
        .await
        .expect("update status")
        .into_inner()
        .data
        .expect("agent");
    assert_eq!(inactive.status, Some(types::AgentStatus::Inactive));

    let all: Vec<types::Agent> = client
        .list_agents()
        .stream()
        .try_collect()
        .await
        .expect("stream");
    assert_eq!(all.len(), 1);

    let widget = client
        .create_widget_settings()
        .body(types::CreateWidgetSettingsRequest {
            bot_name: Some("Maya".into()),
            bot_position: Some(types::BotPosition::BottomLeft),
            ..Default::default()
        })
        .send()
        .await
        .expect("create widget")
        .into_inner()
        .data;
    let widget_id = widget.id.clone();
    let renamed = client
        .update_widget_settings()
        .id(&widget_id)
        .body(types::UpdateWidgetSettingsRequest {
            language: Some("fr".into()),
            ..Default::default()
        })
        .send()
        .await
        .expect("update widget")
        .into_inner()
        .data;
    assert_eq!(renamed.language.as_deref(), Some("fr"));
    assert_eq!(renamed.bot_position, Some(types::BotPosition::BottomLeft));
    client
        .deactivate_widget_settings()
        .id(&widget_id)
        .send()
        .await
        .expect("deactivate");
    let widgets = client
        .list_widget_settings()
        .send()
        .await
        .expect("list widgets");
    assert_eq!(widgets.data.len(), 1);
    assert_eq!(widgets.data[0].is_active, Some(false));

    client
        .update_agent_tool()
        .id(&tool_id)
        .body(types::UpdateAgentToolRequest {
            description: Some("Finds free slots".into()),
            ..Default::default()
        })
        .send()
        .await
        .expect("update tool");
    let fetched = client
        .get_agent_tool()
        .id(&tool_id)
        .send()
        .await
        .expect("get tool");
    assert_eq!(fetched.data.name.as_deref(), Some("check_availability"));
    client
        .delete_agent_tool()
        .id(&tool_id)
        .send()
        .await
        .expect("delete tool");
    assert!(
        client
            .get_agent_tool()
            .id(&tool_id)
            .send()
            .await
            .unwrap_err()
            .is_not_found()
    );

    client
        .delete_agent()
        .id(&agent_id)
        .send()
        .await
        .expect("delete agent");
    assert!(
        client
            .get_agent()
            .id(&agent_id)
            .send()
            .await
            .unwrap_err()
            .is_not_found()
    );
    let listed = client.list_agents().send().await.expect("list agents");
    assert_eq!(listed.meta.as_ref().and_then(|m| m.total), Some(0));
}
