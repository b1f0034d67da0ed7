//! The two contenders built into `agni-bench`: agni through its full wrapper, and the limit,
//! hand-written `reqwest` + `serde_json` into [`plain`] structs. (The third, the
//! openapi-generator client, lives in `target/bench/peer-driver/`, see `bench/peer-driver/`.)

use std::rc::Rc;

use agni::prelude::*;
use serde_json::{Value, json};

use crate::{
    harness::{self, AGENT_ID, API_KEY, Args, DecodeSpec, LIST_ITEMS, LoadSpec, expect},
    plain,
};

/// A child command for `--contender agni|limit`.
pub async fn child(command: String, args: Args) -> Result<Value, String> {
    let url = args.get("url")?.to_owned();
    let contender = args.get("contender")?.to_owned();
    let mut result = match (command.as_str(), contender.as_str()) {
        ("load", "agni") => agni_load(&LoadSpec::from_args(&args)?, &url).await?,
        ("load", "limit") => limit_load(&LoadSpec::from_args(&args)?, &url).await?,
        ("decode", "agni" | "limit") => {
            let spec = DecodeSpec::from_args(&args)?;
            let http = harness::http_client("agni-bench")?;
            let body = harness::fetch_decode_body(&http, &url, &spec.variant).await?;
            decode(&contender, &spec, &body)?
        }
        _ => return Err(format!("no contender {contender:?} for {command}")),
    };
    result["contender"] = json!(contender);
    Ok(result)
}

/// agni through `agni::Client`: hooks, the retry loop (default policy), lenient types.
async fn agni_load(spec: &LoadSpec, url: &str) -> Result<Value, String> {
    let client = agni::Client::builder()
        .api_key(API_KEY)
        .base_url(url)
        .build()
        .map_err(|e| e.to_string())?;
    let client = Rc::new(client);
    Ok(match spec.scenario.as_str() {
        "get" => {
            harness::load(spec, move || {
                let client = Rc::clone(&client);
                async move {
                    let agent = client
                        .get_agent()
                        .id(AGENT_ID)
                        .send()
                        .await
                        .map_err(|e| e.to_string())?
                        .into_inner();
                    expect(!agent.data.id.is_empty(), "no agent id")
                }
            })
            .await
        }
        "list" => {
            harness::load(spec, move || {
                let client = Rc::clone(&client);
                async move {
                    let list = client
                        .list_agents()
                        .limit(LIST_ITEMS as i32)
                        .send()
                        .await
                        .map_err(|e| e.to_string())?
                        .into_inner();
                    expect(list.data.len() == LIST_ITEMS, "wrong number of agents")
                }
            })
            .await
        }
        other => return Err(format!("no scenario {other:?}")),
    })
}

/// The limit: what a careful hand-written client does, and nothing more.
async fn limit_load(spec: &LoadSpec, url: &str) -> Result<Value, String> {
    let http = harness::http_client("agni-bench-limit")?;
    let context = Rc::new((http, url.to_owned()));
    Ok(match spec.scenario.as_str() {
        "get" => {
            harness::load(spec, move || {
                let context = Rc::clone(&context);
                async move {
                    let (http, url) = &*context;
                    let response = http
                        .get(format!("{url}/api/v1/agents/{AGENT_ID}/"))
                        .header("X-Api-Key", API_KEY)
                        .header(reqwest::header::ACCEPT, "application/json")
                        .send()
                        .await
                        .and_then(reqwest::Response::error_for_status)
                        .map_err(|e| e.to_string())?;
                    let body = response.bytes().await.map_err(|e| e.to_string())?;
                    let agent: plain::snake::GetAgentResponse =
                        harness::parse(&body, |text| serde_json::from_str(text))?;
                    expect(agent.data.and_then(|a| a.id).is_some(), "no agent id")
                }
            })
            .await
        }
        "list" => {
            harness::load(spec, move || {
                let context = Rc::clone(&context);
                async move {
                    let (http, url) = &*context;
                    let response = http
                        .get(format!("{url}/api/v1/agents/"))
                        .query(&[("limit", LIST_ITEMS)])
                        .header("X-Api-Key", API_KEY)
                        .header(reqwest::header::ACCEPT, "application/json")
                        .send()
                        .await
                        .and_then(reqwest::Response::error_for_status)
                        .map_err(|e| e.to_string())?;
                    let body = response.bytes().await.map_err(|e| e.to_string())?;
                    let list: plain::snake::ListAgentsResponse =
                        harness::parse(&body, |text| serde_json::from_str(text))?;
                    expect(
                        list.data.is_some_and(|d| d.len() == LIST_ITEMS),
                        "wrong number of agents",
                    )
                }
            })
            .await
        }
        other => return Err(format!("no scenario {other:?}")),
    })
}

/// Times one contender's decoding of the 10,000-agent list.
fn decode(contender: &str, spec: &DecodeSpec, body: &[u8]) -> Result<Value, String> {
    Ok(match (contender, spec.variant.as_str()) {
        ("agni", _) => harness::decode(
            spec,
            body,
            |text| serde_json::from_str::<agni::types::ListAgentsResponse>(text),
            |list| {
                let complete = list
                    .data
                    .iter()
                    .filter(|a| a.agent_name.is_some() && a.created_at.is_some())
                    .count();
                (list.data.len(), complete)
            },
        ),
        ("limit", "snake") => harness::decode(
            spec,
            body,
            |text| serde_json::from_str::<plain::snake::ListAgentsResponse>(text),
            |list| {
                let data = list.data.as_deref().unwrap_or_default();
                let complete = data
                    .iter()
                    .filter(|a| a.agent_name.is_some() && a.created_at.is_some())
                    .count();
                (data.len(), complete)
            },
        ),
        ("limit", "camel") => harness::decode(
            spec,
            body,
            |text| serde_json::from_str::<plain::camel::ListAgentsResponse>(text),
            |list| {
                let data = list.data.as_deref().unwrap_or_default();
                let complete = data
                    .iter()
                    .filter(|a| a.agent_name.is_some() && a.created_at.is_some())
                    .count();
                (data.len(), complete)
            },
        ),
        (_, variant) => return Err(format!("no decode variant {variant:?}")),
    })
}
