//! The peer's driver: the client openapi-generator generates from `openapi.yaml` (`agni_peer`,
//! `library=reqwest`, `supportAsync=true`) under the same load as agni and the limit: every
//! `load` scenario, the contact `stream` (its own paging loop, the limit's logic, over its
//! generated `list_contacts`) and `decode`.
//!
//! Not compiled in the workspace: `cargo xtask bench` copies this file and `bench/src/harness.rs`
//! into `$CARGO_TARGET_DIR/bench/peer-driver/src/`, next to a generated `Cargo.toml` with its
//! own `[workspace]` and a path dependency on the generated crate, and builds it in release.
//! `agni-bench run --peer-driver $CARGO_TARGET_DIR/release/peer-driver` spawns it like its own
//! children.

mod harness;

use std::{process::ExitCode, rc::Rc};

use agni_peer::{
    apis::{
        agent_service_api, calling_service_api,
        configuration::{ApiKey, Configuration},
        contact_service_api,
    },
    models,
};
use serde_json::Value;

use crate::harness::{
    AGENT_ID, API_KEY, Args, DecodeSpec, LIST_ITEMS, LoadSpec, PageCount, StreamSpec, expect,
};

fn main() -> ExitCode {
    harness::run_child("peer", child)
}

async fn child(command: String, args: Args) -> Result<Value, String> {
    let url = args.get("url")?.to_owned();
    // The same reqwest client settings as the other two; the generated code sends its own
    // `User-Agent` and the `X-Api-Key` from the configuration.
    let http = harness::http_client("agni-bench-peer")?;
    let configuration = Rc::new(Configuration {
        base_path: url.clone(),
        client: http.clone(),
        api_key: Some(ApiKey {
            prefix: None,
            key: API_KEY.to_owned(),
        }),
        ..Configuration::default()
    });
    match command.as_str() {
        "load" => {
            let spec = LoadSpec::from_args(&args)?;
            Ok(match spec.scenario.as_str() {
                "get" => {
                    harness::load(&spec, move || {
                        let configuration = Rc::clone(&configuration);
                        async move {
                            let agent = agent_service_api::get_agent(&configuration, AGENT_ID)
                                .await
                                .map_err(|e| e.to_string())?;
                            expect(!agent.data.id.is_empty(), "no agent id")
                        }
                    })
                    .await
                }
                "list" => {
                    harness::load(&spec, move || {
                        let configuration = Rc::clone(&configuration);
                        async move {
                            let list = agent_service_api::list_agents(
                                &configuration,
                                Some(LIST_ITEMS as i32),
                                None,
                            )
                            .await
                            .map_err(|e| e.to_string())?;
                            expect(
                                list.data.is_some_and(|d| d.len() == LIST_ITEMS),
                                "wrong number of agents",
                            )
                        }
                    })
                    .await
                }
                "create" => {
                    let fields = harness::create_call_fields();
                    let request = models::CreateCallRequest {
                        agent_id: fields.agent_id.to_owned(),
                        from_phone_number: Some(fields.from_phone_number.to_owned()),
                        metadata: Some(Value::Object(fields.metadata)),
                        prompt_dynamic_variables: Some(Value::Object(
                            fields.prompt_dynamic_variables,
                        )),
                        to_phone_number: Some(fields.to_phone_number.to_owned()),
                        r#type: models::create_call_request::Type::OutboundCall,
                    };
                    harness::load(&spec, move || {
                        let configuration = Rc::clone(&configuration);
                        // Its call takes the request by value, built for each call.
                        let request = request.clone();
                        async move {
                            let call = calling_service_api::create_call(&configuration, request)
                                .await
                                .map_err(|e| e.to_string())?;
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
        "stream" => {
            let spec = StreamSpec::from_args(&args)?;
            let configuration = &*configuration;
            let page_size = spec.page_size;
            // Its own loop over its generated list call, like the limit's.
            let run = harness::page_loop(page_size, |offset| async move {
                let offset = i32::try_from(offset).map_err(|e| e.to_string())?;
                let page = contact_service_api::list_contacts(
                    configuration,
                    None,
                    Some(page_size as i32),
                    Some(offset),
                    None,
                )
                .await
                .map_err(|e| e.to_string())?;
                let data = page.data.unwrap_or_default();
                Ok(PageCount {
                    len: data.len() as u64,
                    with_id: data.iter().filter(|c| !c.id.is_empty()).count() as u64,
                    total: page
                        .meta
                        .and_then(|m| m.total)
                        .and_then(|t| u64::try_from(t).ok()),
                })
            });
            harness::stream(&spec, run).await
        }
        "decode" => {
            let spec = DecodeSpec::from_args(&args)?;
            let body = harness::fetch_decode_body(&http, &url, &spec.variant).await?;
            Ok(harness::decode(
                &spec,
                &body,
                |text| serde_json::from_str::<models::ListAgentsResponse>(text),
                |list| {
                    let data = list.data.as_deref().unwrap_or_default();
                    let complete = data
                        .iter()
                        .filter(|a| a.agent_name.is_some() && a.created_at.is_some())
                        .count();
                    (data.len(), complete)
                },
            ))
        }
        other => Err(format!("no command {other:?}")),
    }
}
