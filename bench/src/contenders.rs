//! The two contenders built into `agni-bench`: agni through its full wrapper, and the limit,
//! hand-written `reqwest` + `serde_json` into [`plain`] structs, for every `load` scenario, the
//! contact `stream` and `decode`. (The third, the
//! openapi-generator client, lives in `target/bench/peer-driver/`, see `bench/peer-driver/`.)

use std::rc::Rc;

use agni::prelude::*;
use serde_json::{Value, json};

use crate::{
    harness::{
        self, AGENT_ID, API_KEY, Args, DecodeSpec, LIST_ITEMS, LoadSpec, PageCount, StreamSpec,
        expect,
    },
    plain::{self, calls},
};

/// A child command for `--contender agni|limit`.
pub async fn child(command: String, args: Args) -> Result<Value, String> {
    let url = args.get("url")?.to_owned();
    let contender = args.get("contender")?.to_owned();
    let mut result = match (command.as_str(), contender.as_str()) {
        ("load", "agni") => agni_load(&LoadSpec::from_args(&args)?, &url).await?,
        ("load", "limit") => limit_load(&LoadSpec::from_args(&args)?, &url).await?,
        // The clients are built before the clock starts, as the peer's driver does.
        ("stream", "agni") => {
            let spec = StreamSpec::from_args(&args)?;
            let client = agni_client(&url)?;
            harness::stream(&spec, agni_stream(&spec, &client)).await?
        }
        ("stream", "limit") => {
            let spec = StreamSpec::from_args(&args)?;
            let http = harness::http_client("agni-bench-limit")?;
            harness::stream(&spec, limit_stream(&spec, &http, &url)).await?
        }
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

/// `agni::Client` with its default options, as a user builds it.
fn agni_client(url: &str) -> Result<agni::Client, String> {
    agni::Client::builder()
        .api_key(API_KEY)
        .base_url(url)
        .build()
        .map_err(|e| e.to_string())
}

/// agni through `agni::Client`: hooks, the retry loop (default policy), lenient types.
async fn agni_load(spec: &LoadSpec, url: &str) -> Result<Value, String> {
    let client = Rc::new(agni_client(url)?);
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
        "create" => {
            let fields = harness::create_call_fields();
            let request = agni::types::CreateCallRequest {
                agent_id: fields.agent_id.to_owned(),
                from_phone_number: Some(
                    fields
                        .from_phone_number
                        .parse()
                        .map_err(|e: agni::Error| e.to_string())?,
                ),
                metadata: fields.metadata,
                prompt_dynamic_variables: fields.prompt_dynamic_variables,
                to_phone_number: Some(
                    fields
                        .to_phone_number
                        .parse()
                        .map_err(|e: agni::Error| e.to_string())?,
                ),
                type_: agni::types::CreateCallRequestType::OutboundCall,
                extra: Default::default(),
            };
            harness::load(spec, move || {
                let client = Rc::clone(&client);
                // A user's request is built for each call; so is this one, by cloning.
                let request = request.clone();
                async move {
                    let call = client
                        .create_call()
                        .body(request)
                        .send()
                        .await
                        .map_err(|e| e.to_string())?
                        .into_inner();
                    expect(
                        call.session_id.is_some() && call.access_token.is_some(),
                        "no session id or access token",
                    )
                }
            })
            .await
        }
        other => return Err(format!("no scenario {other:?}")),
    })
}

/// agni's paginator, `list_contacts().stream_pages_of(n)`, to the end of the list.
async fn agni_stream(spec: &StreamSpec, client: &agni::Client) -> Result<u64, String> {
    let mut contacts = std::pin::pin!(client.list_contacts().stream_pages_of(spec.page_size));
    let mut counted = 0u64;
    while let Some(contact) = contacts.try_next().await.map_err(|e| e.to_string())? {
        counted += u64::from(!contact.id.is_empty());
    }
    Ok(counted)
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
        "create" => {
            // The limit serializes borrowed values: nothing to build per request.
            let fields = Rc::new(harness::create_call_fields());
            harness::load(spec, move || {
                let (context, fields) = (Rc::clone(&context), Rc::clone(&fields));
                async move {
                    let (http, url) = &*context;
                    let response = http
                        .post(format!("{url}/api/v1/calling/create-call"))
                        .header("X-Api-Key", API_KEY)
                        .header(reqwest::header::ACCEPT, "application/json")
                        .json(&calls::CreateCallRequest {
                            agent_id: fields.agent_id,
                            from_phone_number: fields.from_phone_number,
                            metadata: &fields.metadata,
                            prompt_dynamic_variables: &fields.prompt_dynamic_variables,
                            to_phone_number: fields.to_phone_number,
                            type_: "outbound_call",
                        })
                        .send()
                        .await
                        .and_then(reqwest::Response::error_for_status)
                        .map_err(|e| e.to_string())?;
                    let body = response.bytes().await.map_err(|e| e.to_string())?;
                    let call: calls::CreateCallResponse =
                        harness::parse(&body, |text| serde_json::from_str(text))?;
                    expect(
                        call.session_id.is_some() && call.access_token.is_some(),
                        "no session id or access token",
                    )
                }
            })
            .await
        }
        other => return Err(format!("no scenario {other:?}")),
    })
}

/// The limit's paging loop: `GET /api/v1/contacts/?limit=&offset=` into plain structs.
async fn limit_stream(spec: &StreamSpec, http: &reqwest::Client, url: &str) -> Result<u64, String> {
    let page_size = spec.page_size;
    harness::page_loop(page_size, |offset| async move {
        let response = http
            .get(format!("{url}/api/v1/contacts/"))
            .query(&[("limit", u64::from(page_size)), ("offset", offset)])
            .header("X-Api-Key", API_KEY)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| e.to_string())?;
        let body = response.bytes().await.map_err(|e| e.to_string())?;
        let page: calls::ListContactsResponse =
            harness::parse(&body, |text| serde_json::from_str(text))?;
        let data = page.data.unwrap_or_default();
        Ok(PageCount {
            len: data.len() as u64,
            with_id: data.iter().filter(|c| c.id.is_some()).count() as u64,
            total: page
                .meta
                .and_then(|m| m.total)
                .and_then(|t| u64::try_from(t).ok()),
        })
    })
    .await
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
