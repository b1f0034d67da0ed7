//! A walk over every operationId of `openapi.yaml`: each one succeeds in a prepared world with
//! its documented response type, and survives unknown ids and empty bodies.

use super::{decoding::check_decodes, *};

/// Ids of one of everything, for the walk.
struct Ids {
    agent: String,
    tool: String,
    widget: String,
    contacts: Vec<String>,
    imported: String,
    line: String,
    campaign: String,
    /// An outbound call to the first contact, ended.
    call: String,
    recording_token: &'static str,
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
                json!({"type": "outbound_call", "agent_id": agent,
                       "from_phone_number": "+14155550100", "to_phone_number": "+14155550123"}),
            ),
        )["session_id"],
    );
    let detail = ok_json(
        &mut world,
        request("GetCallSessionDetail", &[("id", &call)], &[], Value::Null),
    );
    let recording = url::Url::parse(&text(&detail["data"]["recording_url"])).expect("a URL");
    let token = recording
        .query_pairs()
        .find(|(name, _)| name == "token")
        .map(|(_, token)| token.into_owned())
        .expect("a signed recording URL");
    let recording_token: &'static str = Box::leak(token.into_boxed_str());
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
        recording_token,
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
        "GetOrganizationProfile" => (id(ORG), vec![], Value::Null),
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
        "GetCallRecording" => (
            id(&ids.call),
            vec![("token", ids.recording_token)],
            Value::Null,
        ),
        "FinalizeSession" => (
            vec![("session_id".into(), ids.call.clone())],
            vec![],
            Value::Null,
        ),
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
        "AssignCalcomAccountToAgent" => (
            vec![("agent_id".into(), ids.agent.clone())],
            vec![],
            json!({"calcom_account_id": ids.provider}),
        ),
        "GetAgentCalcomInfo" | "GetAgentCalcomStatus" => (
            vec![("agent_id".into(), ids.agent.clone())],
            vec![],
            Value::Null,
        ),
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
            (ApiReply::Empty | ApiReply::Bytes { .. }, None) => {}
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
        let mut world = new_world(Seed::default());
        let params = [
            "id",
            "agent_id",
            "session_id",
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
