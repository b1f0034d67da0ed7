//! Agents and their tools: a custom-function tool, an agent with a prompt that uses it, a
//! prompt change, and the tool detached again (`selected_tools` replaces the whole list).
//!
//! ```sh
//! cargo run --example agents                 # the sandbox, unless RAVAN_API_KEY is set
//! RAVAN_API_KEY=... cargo run --example agents   # lists your agents and their tools
//! ```

#[path = "common/mod.rs"]
mod common;

use std::process::ExitCode;

use agni::{SelectedTools, prelude::*, types};
use common::{Example, Result, or_dash};

const USAGE: &str = "usage: cargo run --example agents [-- --sandbox]";

fn main() -> ExitCode {
    common::run(USAGE, |example| async move {
        if example.in_sandbox() {
            lifecycle(&example).await
        } else {
            list(&example).await
        }
    })
}

async fn lifecycle(example: &Example) -> Result {
    let client = &example.client;
    let tool = client
        .create_agent_tool()
        .body(types::CreateAgentToolRequest {
            name: Some("check_order".into()),
            description: Some("Looks up an order's delivery status by its number".into()),
            type_: Some("custom_function".into()),
            definition: Some(types::ToolDefinition {
                name: Some("check_order".into()),
                description: Some("Order status by order number".into()),
                parameters_schema_text: Some(
                    r#"{"type":"object","properties":{"order_number":{"type":"string"}},"required":["order_number"]}"#
                        .into(),
                ),
                ..Default::default()
            }),
            ..Default::default()
        })
        .send()
        .await?
        .into_inner()
        .data;
    println!("tool   {} {}", tool.id, or_dash(tool.name.as_deref()));

    let agent = client
        .create_agent()
        .body(types::CreateAgentRequest {
            agent_name: Some("Sam".into()),
            prompt: Some("You are Sam. Answer questions about orders with check_order.".into()),
            selected_tools: Some(SelectedTools::from([tool.id.clone()])),
            ..Default::default()
        })
        .send()
        .await?
        .into_inner()
        .data;
    println!(
        "agent  {} {}",
        agent.id,
        or_dash(agent.agent_name.as_deref())
    );

    let stored = update(
        example,
        &agent.id,
        types::UpdateAgentRequest {
            prompt: Some("You are Sam. Be brief. Use check_order for any order question.".into()),
            ..Default::default()
        },
    )
    .await?;
    println!("prompt {}", or_dash(stored.prompt.as_deref()));
    println!("tools  {}", tools(&stored));

    // `selected_tools` is the whole list: an empty one detaches every tool.
    let stored = update(
        example,
        &agent.id,
        types::UpdateAgentRequest {
            selected_tools: Some(SelectedTools::default()),
            ..Default::default()
        },
    )
    .await?;
    println!("tools  {} (after detaching)", tools(&stored));

    client.delete_agent().id(&agent.id).send().await?;
    client.delete_agent_tool().id(&tool.id).send().await?;
    println!("deleted the agent and the tool");
    Ok(())
}

/// Applies `changes` to the agent, then reads it back as the service stored it.
async fn update(
    example: &Example,
    id: &str,
    changes: types::UpdateAgentRequest,
) -> Result<types::Agent> {
    let client = &example.client;
    client.update_agent().id(id).body(changes).send().await?;
    Ok(client.get_agent().id(id).send().await?.into_inner().data)
}

async fn list(example: &Example) -> Result {
    let mut agents = std::pin::pin!(example.client.list_agents().stream());
    while let Some(agent) = agents.try_next().await? {
        println!(
            "{} {} tools: {}",
            agent.id,
            or_dash(agent.agent_name.as_deref()),
            tools(&agent)
        );
    }
    Ok(())
}

fn tools(agent: &types::Agent) -> String {
    let ids: Vec<&str> = agent
        .selected_tools
        .iter()
        .flat_map(|tools| tools.iter())
        .map(String::as_str)
        .collect();
    if ids.is_empty() {
        "-".to_owned()
    } else {
        ids.join(", ")
    }
}
