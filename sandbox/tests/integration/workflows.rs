//! Whole workflows through the SDK against a running sandbox, one per resource group: what a
//! program using `agni` does, end to end over loopback HTTP, with the sandbox's in-memory state
//! answering.
//!
//! The sandbox's clock (see `agni_sandbox`): every request is one step. A call in progress ends
//! at the start of the next request (emitting its after-call webhook), and a running campaign
//! dials its next contact after each request.

use std::time::Duration;

use agni::{Error, ErrorCode, ErrorKind, prelude::*, types};
use agni_sandbox::{Sandbox, Seed, WebhookShape};
use agni_webhooks::{CallCompleted, Channel, Speaker};
use serde_json::json;

const WEBHOOK_WAIT: Duration = Duration::from_secs(5);

fn agent(name: &str) -> types::CreateAgentRequest {
    types::CreateAgentRequest {
        agent_name: Some(name.into()),
        begin_message: Some(format!("Thanks for calling, this is {name}.")),
        ..Default::default()
    }
}

fn contact(first: &str, last: &str, phone: &str) -> types::CreateContactRequest {
    types::CreateContactRequest {
        first_name: Some(first.into()),
        last_name: Some(last.into()),
        email: Some(format!("{}@example.com", first.to_lowercase())),
        phone: Some(phone.into()),
        ..Default::default()
    }
}

/// The default seed with one agent and three contacts.
fn seeded() -> Seed {
    Seed::default()
        .with_agent(agent("Maya"))
        .with_contact(contact("Ada", "Lovelace", "+14155550123"))
        .with_contact(contact("Grace", "Hopper", "+14155550124"))
        .with_contact(contact("Alan", "Turing", "+14155550125"))
}

async fn start(seed: Seed) -> Sandbox {
    Sandbox::builder()
        .seed(seed)
        .start()
        .await
        .expect("the sandbox starts")
}

async fn first_agent_id(client: &agni::Client) -> String {
    let agents = client.list_agents().send().await.expect("list agents");
    agents.data[0].id.clone()
}

/// The API error of a failed call, with its status and upstream code.
#[track_caller]
fn api_error<T: std::fmt::Debug>(result: Result<T, Error>) -> (u16, Option<ErrorCode>) {
    let error = result.expect_err("the call should fail");
    let api = error
        .api()
        .unwrap_or_else(|| panic!("not an API error: {error:#}"));
    (api.status().as_u16(), api.code().cloned())
}

fn symbolic(code: &str) -> Option<ErrorCode> {
    Some(ErrorCode::Symbolic(code.into()))
}

// ---------------------------------------------------------------------------------------------
// Agents, tools, widgets
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Phone numbers
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn phone_numbers() {
    let sandbox = start(Seed::default()).await;
    let client = sandbox.client();

    let available = client
        .list_available_numbers()
        .iso_country("US")
        .send()
        .await
        .expect("available numbers")
        .into_inner()
        .data;
    assert!(available.len() >= 3);
    assert!(
        available
            .iter()
            .all(|n| n.iso_country.as_deref() == Some("US"))
    );
    let number = available[0].phone_number.clone().expect("a number");

    let bought = client
        .buy_number(number.as_str())
        .send()
        .await
        .expect("buy");
    assert_eq!(
        bought.purchase.phone_number.as_deref(),
        Some(number.as_str())
    );
    assert_eq!(bought.number.number.as_deref(), Some(number.as_str()));
    assert_eq!(
        api_error(client.buy_number(number.as_str()).send().await),
        (409, symbolic("CONFLICT"))
    );
    assert_eq!(
        api_error(client.buy_number("+12125550199").send().await),
        (404, symbolic("NOT_FOUND")),
        "not on sale"
    );

    // An invalid number never leaves the machine.
    let before = sandbox.requests_for("BuyPhoneNumber");
    let invalid = client
        .buy_number("555-0100")
        .send()
        .await
        .expect_err("not E.164");
    assert!(
        matches!(invalid.kind(), ErrorKind::InvalidRequest { .. }),
        "{invalid:#}"
    );
    let refused = client
        .release_number("+1 415 CALL NOW")
        .send()
        .await
        .expect_err("not E.164");
    assert!(
        matches!(refused.kind(), ErrorKind::InvalidRequest { .. }),
        "{refused:#}"
    );
    assert_eq!(sandbox.requests_for("BuyPhoneNumber"), before);
    assert_eq!(sandbox.requests_for("ReleasePhoneNumber"), 0);

    let purchased = client
        .list_purchased_numbers()
        .send()
        .await
        .expect("purchased")
        .into_inner()
        .data;
    assert_eq!(purchased.len(), 1);
    assert_eq!(purchased[0].number.as_deref(), Some(number.as_str()));
    assert_eq!(purchased[0].is_active, Some(true));
    let still_available: Vec<types::PhoneNumber> = client
        .list_available_numbers()
        .iso_country("US")
        .stream()
        .try_collect()
        .await
        .expect("available");
    assert!(
        still_available
            .iter()
            .all(|n| n.phone_number.as_deref() != Some(number.as_str()))
    );

    let released = client
        .release_number(number.as_str())
        .send()
        .await
        .expect("release")
        .into_inner();
    assert_eq!(
        released.data.as_ref().and_then(|d| d.status.as_deref()),
        Some("released")
    );
    assert!(
        client
            .list_purchased_numbers()
            .send()
            .await
            .expect("purchased")
            .data
            .is_empty()
    );
    assert!(
        client
            .release_number(number.as_str())
            .send()
            .await
            .unwrap_err()
            .is_not_found()
    );

    // A SIP number imported from elsewhere.
    let imported = client
        .import_number("+44 20 7183 8750")
        .details(types::ImportPhoneNumberRequest {
            name: Some("London desk".into()),
            termination_uri: Some("sip.example.com".into()),
            ..Default::default()
        })
        .send()
        .await
        .expect("import")
        .into_inner()
        .data;
    assert_eq!(imported.phone.as_deref(), Some("+442071838750"));
    let listed = client
        .list_imported_phone_numbers()
        .send()
        .await
        .expect("imported list");
    assert_eq!(listed.data.len(), 1);
    let uk = client
        .list_available_numbers()
        .iso_country("GB")
        .send()
        .await
        .expect("GB numbers");
    assert!(!uk.data.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Contacts and notes
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn contacts_notes_and_pagination() {
    let sandbox = start(seeded()).await;
    let client = sandbox.client();
    for (first, last, phone) in [
        ("Edsger", "Dijkstra", "+14155550126"),
        ("Barbara", "Liskov", "+14155550127"),
    ] {
        client
            .create_contact()
            .body(contact(first, last, phone))
            .send()
            .await
            .expect("create contact");
    }

    let before = sandbox.requests_for("ListContacts");
    let all: Vec<types::Contact> = client
        .list_contacts()
        .stream_pages_of(2)
        .try_collect()
        .await
        .expect("every page");
    let names: Vec<_> = all.iter().filter_map(|c| c.first_name.as_deref()).collect();
    assert_eq!(names, ["Ada", "Grace", "Alan", "Edsger", "Barbara"]);
    assert_eq!(
        sandbox.requests_for("ListContacts") - before,
        3,
        "pages of 2, 2 and 1"
    );

    let found = client
        .list_contacts()
        .search("hopper")
        .send()
        .await
        .expect("search");
    assert_eq!(found.data.len(), 1);
    assert_eq!(found.meta.as_ref().and_then(|m| m.total), Some(1));
    let grace = found.data[0].id.clone();

    let updated = client
        .update_contact()
        .id(&grace)
        .body(types::UpdateContactRequest {
            company: Some("US Navy".into()),
            ..Default::default()
        })
        .send()
        .await
        .expect("update contact")
        .into_inner()
        .data;
    assert_eq!(updated.company.as_deref(), Some("US Navy"));
    assert_eq!(updated.email.as_deref(), Some("grace@example.com"));

    client
        .create_contact_note()
        .id(&grace)
        .body(types::CreateNoteRequest {
            content: "Prefers mornings".into(),
            extra: Default::default(),
        })
        .send()
        .await
        .expect("create note");
    let notes = client
        .list_contact_notes()
        .id(&grace)
        .send()
        .await
        .expect("notes")
        .into_inner();
    assert_eq!(notes.data[0].content.as_deref(), Some("Prefers mornings"));
    let detail = client
        .get_contact_detail()
        .id(&grace)
        .send()
        .await
        .expect("detail")
        .into_inner();
    assert_eq!(detail.data.id, grace);
    let activities = client
        .get_contact_activities()
        .id(&grace)
        .send()
        .await
        .expect("activities");
    assert!(activities.data.len() >= 3);

    let deleted = client
        .bulk_delete_contacts()
        .body(types::BulkDeleteRequest {
            ids: vec![grace.clone()],
            extra: Default::default(),
        })
        .send()
        .await
        .expect("bulk delete")
        .into_inner();
    assert_eq!(deleted.data.and_then(|d| d.deleted_count), Some(1));
    assert!(
        client
            .get_contact()
            .id(&grace)
            .send()
            .await
            .unwrap_err()
            .is_not_found()
    );
    let left: Vec<types::Contact> = client
        .list_contacts()
        .stream()
        .try_collect()
        .await
        .expect("contacts");
    assert_eq!(left.len(), 4);
}

// ---------------------------------------------------------------------------------------------
// Campaigns
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn campaigns() {
    let sandbox = start(seeded()).await;
    let client = sandbox.client();
    let agent_id = first_agent_id(&client).await;
    let contacts: Vec<types::Contact> = client
        .list_contacts()
        .stream()
        .try_collect()
        .await
        .expect("contacts");
    let ids: Vec<String> = contacts.iter().map(|c| c.id.clone()).collect();

    let campaign = || {
        types::CreateCampaignRequest::builder()
            .name("November renewals")
            .agent_id(agent_id.clone())
            .phone_number_id("")
            .contact_ids(ids[..2].to_vec())
    };
    // Dialling from a number the organisation does not own is refused.
    assert_eq!(
        api_error(
            client
                .create_campaign_from("+14155550100", campaign())
                .send()
                .await
        ),
        (422, symbolic("FAILED_PRECONDITION"))
    );

    client.buy_number("+14155550100").send().await.expect("buy");
    let line = client
        .list_purchased_numbers()
        .send()
        .await
        .expect("purchased")
        .into_inner()
        .data;
    let line_id = line[0].id.clone();
    let created = client
        .create_campaign_from("+14155550100", campaign().phone_number_id(line_id))
        .send()
        .await
        .expect("create campaign")
        .into_inner()
        .data;
    let id = created.id.clone();
    assert_eq!(created.status, Some(types::CampaignStatus::Draft));
    assert_eq!(
        created.contact_stats.as_ref().and_then(|s| s.total),
        Some(2)
    );

    let added = client
        .add_contacts_to_campaign()
        .id(&id)
        .body(types::AddContactsRequest {
            contact_ids: ids.clone(),
            extra: Default::default(),
        })
        .send()
        .await
        .expect("add contacts")
        .into_inner();
    assert_eq!(added.added_count, Some(1), "two were members already");
    let members: Vec<types::CampaignContact> = client
        .list_campaign_contacts()
        .id(&id)
        .stream_pages_of(2)
        .try_collect()
        .await
        .expect("members");
    assert_eq!(members.len(), 3);
    assert!(
        members
            .iter()
            .all(|m| m.status == Some(types::CampaignContactStatus::Pending))
    );

    // draft → running → paused → running; anything else is 422 FAILED_PRECONDITION.
    assert_eq!(
        api_error(client.pause_campaign().id(&id).send().await),
        (422, symbolic("FAILED_PRECONDITION")),
        "a draft cannot be paused"
    );
    let started = client
        .start_campaign()
        .id(&id)
        .send()
        .await
        .expect("start")
        .into_inner();
    assert_eq!(started.data.status, Some(types::CampaignStatus::Running));
    assert_eq!(
        api_error(client.start_campaign().id(&id).send().await),
        (422, symbolic("FAILED_PRECONDITION")),
        "already running"
    );
    let paused = client
        .pause_campaign()
        .id(&id)
        .send()
        .await
        .expect("pause")
        .into_inner();
    assert_eq!(paused.data.status, Some(types::CampaignStatus::Paused));
    let resumed = client
        .resume_campaign()
        .id(&id)
        .send()
        .await
        .expect("resume")
        .into_inner();
    assert_eq!(resumed.data.status, Some(types::CampaignStatus::Running));

    // The dialler calls one contact per request; poll until every contact was called.
    let mut done = None;
    for _ in 0..10 {
        let campaign = client
            .get_campaign()
            .id(&id)
            .send()
            .await
            .expect("get")
            .into_inner()
            .data;
        if campaign.status == Some(types::CampaignStatus::Completed) {
            done = Some(campaign);
            break;
        }
    }
    let done = done.expect("the campaign completes");
    let stats = done.contact_stats.expect("stats");
    assert_eq!(
        (stats.successful, stats.contacted, stats.pending),
        (Some(3), Some(3), Some(0))
    );
    assert!(done.completed_at.is_some());
    assert_eq!(
        api_error(client.resume_campaign().id(&id).send().await),
        (422, symbolic("FAILED_PRECONDITION")),
        "a completed campaign stays completed"
    );

    // Each campaign call was outbound from the campaign's number, and sent its webhook.
    for _ in 0..3 {
        let event = sandbox
            .next_webhook_timeout(WEBHOOK_WAIT)
            .await
            .expect("a webhook per call");
        assert_eq!(event["data"]["campaign_id"], id.as_str());
        let call = CallCompleted::from_value(event).expect("parses");
        assert_eq!(call.business_number.as_deref(), Some("+14155550100"));
        assert!(
            call.customer_number
                .as_deref()
                .is_some_and(|n| n.starts_with("+1415555012"))
        );
    }
    let sessions: Vec<types::CallSession> = client
        .list_call_sessions()
        .stream()
        .try_collect()
        .await
        .expect("sessions");
    assert_eq!(sessions.len(), 3);
    assert!(
        sessions
            .iter()
            .all(|s| s.channel.as_deref() == Some("outbound_call"))
    );

    let ada = &ids[0];
    let theirs = client
        .get_contact_campaigns()
        .id(ada)
        .send()
        .await
        .expect("contact campaigns")
        .into_inner();
    assert_eq!(theirs.data[0].status.as_deref(), Some("successful"));
}

// ---------------------------------------------------------------------------------------------
// Calls and the after-call webhook
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn calls_sessions_and_webhooks() {
    let sandbox = Sandbox::builder()
        .seed(seeded())
        .webhook_shape(WebhookShape::RealDelivery)
        .start()
        .await
        .expect("the sandbox starts");
    let client = sandbox.client();
    let agent_id = first_agent_id(&client).await;

    // A web call needs no numbers.
    let web = client
        .start_web_call(&agent_id)
        .dynamic_variable("first_name", "Ada")
        .send()
        .await
        .expect("web call");
    assert_eq!(
        web.room_id.as_deref(),
        Some(format!("call_{}", web.session_id).as_str())
    );
    assert_eq!(web.url.as_deref(), Some("wss://sandbox.livekit.invalid"));
    assert!(web.access_token.is_some());

    // An outbound call dials from a number of the organisation only. (This request also ended
    // the web call: a call ends at the next request.)
    let unowned = client
        .start_outbound_call(&agent_id, "+14155550100", "+14155550123")
        .send()
        .await;
    assert_eq!(api_error(unowned), (422, symbolic("FAILED_PRECONDITION")));
    let web_event = sandbox
        .next_webhook_timeout(WEBHOOK_WAIT)
        .await
        .expect("the web call's webhook");
    assert_eq!(web_event["call_session"]["channel"], "web_call");
    assert_eq!(
        CallCompleted::from_value(web_event)
            .expect("parses")
            .session_id,
        web.session_id
    );

    client.buy_number("+14155550100").send().await.expect("buy");
    let outbound = client
        .start_outbound_call(&agent_id, "+1 415 555 0100", "+1 (415) 555-0123")
        .metadata("crm_id", 42)
        .send()
        .await
        .expect("outbound call");

    // Polling the session ends the call; its detail has the conversation.
    let detail = client
        .get_call_session_detail()
        .id(&outbound.session_id)
        .send()
        .await
        .expect("detail")
        .into_inner()
        .data;
    assert_eq!(detail.status.as_deref(), Some("completed"));
    assert_eq!(detail.channel.as_deref(), Some("outbound_call"));
    assert_eq!(detail.caller_number.as_deref(), Some("+14155550100"));
    assert_eq!(detail.callee_number.as_deref(), Some("+14155550123"));
    assert_eq!(detail.disconnect_reason.as_deref(), Some("user_hangup"));
    assert_eq!(detail.metadata.get("crm_id"), Some(&json!(42)));
    let recording_url = detail.recording_url.clone().expect("a recording URL");
    assert!(
        recording_url.starts_with(&format!(
            "{}/api/v1/calling/sessions/{}/recording?token=",
            sandbox.base_url(),
            outbound.session_id
        )),
        "absolute and signed: {recording_url}"
    );
    assert!(detail.duration_sec.is_some_and(|d| d > 0));
    assert!(detail.cost_total.is_some_and(|c| c > 0.0));
    let opening = detail.transcripts[0].message.as_ref().expect("message");
    assert_eq!(opening.role.as_deref(), Some("agent"));
    assert_eq!(
        opening.content.as_deref(),
        Some("Thanks for calling, this is Maya.")
    );
    assert!(detail.transcripts.len() >= 4);

    let event = sandbox
        .next_webhook_timeout(WEBHOOK_WAIT)
        .await
        .expect("the outbound call's webhook");
    assert_eq!(event["event"], "call_completed");
    let call = CallCompleted::from_value(event).expect("parses");
    assert_eq!(call.session_id, outbound.session_id);
    assert_eq!(call.channel, Some(Channel::Outbound));
    assert_eq!(
        call.customer_number.as_deref(),
        Some("+14155550123"),
        "the callee of an outbound call"
    );
    assert_eq!(call.business_number.as_deref(), Some("+14155550100"));
    assert_eq!(call.agent_name.as_deref(), Some("Maya"));
    assert_eq!(call.transcript[0].speaker, Speaker::Agent);
    assert_eq!(call.transcript[1].speaker, Speaker::Caller);
    assert_eq!(call.analysis.get("sentiment"), Some(&json!("positive")));
    assert!(
        sandbox
            .next_webhook_timeout(Duration::from_millis(50))
            .await
            .is_none(),
        "one event per call"
    );

    // A third call, ended by the test rather than by a request.
    let third = client
        .start_web_call(&agent_id)
        .send()
        .await
        .expect("web call");
    assert!(sandbox.end_call(&third.session_id));
    assert!(!sandbox.end_call(&third.session_id));
    sandbox
        .next_webhook_timeout(WEBHOOK_WAIT)
        .await
        .expect("the third call's webhook");

    let sessions: Vec<types::CallSession> = client
        .list_call_sessions()
        .stream_pages_of(2)
        .try_collect()
        .await
        .expect("call sessions");
    let ids: Vec<&str> = sessions.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            third.session_id.as_str(),
            outbound.session_id.as_str(),
            web.session_id.as_str()
        ],
        "newest first"
    );
    assert!(
        sessions
            .iter()
            .all(|s| s.status.as_deref() == Some("completed"))
    );
    assert_eq!(sessions[1].agent_id.as_deref(), Some(agent_id.as_str()));
    assert_eq!(sessions[1].caller_name.as_deref(), Some("Ada Lovelace"));
    let web_only = client
        .list_call_sessions()
        .channel("web")
        .send()
        .await
        .expect("filtered")
        .into_inner();
    assert_eq!(web_only.data.map(|d| d.call_sessions.len()), Some(2));

    assert!(
        client
            .get_call_session_detail()
            .id("no-such-session")
            .send()
            .await
            .unwrap_err()
            .is_not_found()
    );
}

#[tokio::test]
async fn documented_webhook_shape() {
    let sandbox = start(seeded()).await;
    let client = sandbox.client();
    let agent_id = first_agent_id(&client).await;
    client
        .buy_number("+442079460100")
        .send()
        .await
        .expect("buy a UK number");
    let call = client
        .start_outbound_call(&agent_id, "+442079460100", "+14155550124")
        .send()
        .await
        .expect("outbound call");
    assert!(sandbox.end_call(&call.session_id));
    let event = sandbox
        .next_webhook_timeout(WEBHOOK_WAIT)
        .await
        .expect("webhook");
    assert_eq!(event["event"], "call.completed");
    assert_eq!(event["org_id"], Seed::DEMO_ORGANIZATION_ID);
    assert_eq!(event["data"]["call_session_id"], call.session_id.as_str());
    assert_eq!(event["data"]["caller_name"], "Grace Hopper");
    let parsed = CallCompleted::from_value(event).expect("parses");
    assert!(parsed.verify_org(Seed::DEMO_ORGANIZATION_ID));
    assert_eq!(parsed.customer_number.as_deref(), Some("+14155550124"));
    assert_eq!(parsed.business_number.as_deref(), Some("+442079460100"));
    assert_eq!(parsed.transcript.len(), 6);
}

// ---------------------------------------------------------------------------------------------
// Knowledge bases
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn knowledge_base() {
    let sandbox = start(Seed::default()).await;
    let client = sandbox.client();
    let kb = "0198f6a2-1111-7000-8000-00000000000b";
    assert!(
        client
            .get_knowledge_base()
            .kb_id(kb)
            .send()
            .await
            .unwrap_err()
            .is_not_found()
    );

    let added = client
        .add_knowledge_base_sources()
        .kb_id(kb)
        .body(types::AddKnowledgeBaseSourcesRequest {
            knowledge_base_texts: vec![types::KnowledgeBaseText {
                title: Some("Hours".into()),
                text: Some("We are open 9 to 5 on weekdays. Parking is free for guests.".into()),
                extra: Default::default(),
            }],
            knowledge_base_urls: vec!["https://example.com/pricing".into()],
            extra: Default::default(),
        })
        .send()
        .await
        .expect("add sources")
        .into_inner()
        .data
        .expect("data");
    assert_eq!(added.url_sources.len(), 1);
    assert!(added.url_sources[0].pages_found.is_some_and(|n| n >= 1));
    let base = added.knowledge_base.expect("knowledge base");
    assert_eq!(base.knowledge_base_sources.len(), 2);
    assert_eq!(base.status, Some(types::KnowledgeBaseStatus::Complete));

    let file = agni::knowledge::KnowledgeFile::from_bytes(
        "menu.md",
        "# Menu\nThe lasagne is vegetarian.",
        agni::knowledge::KnowledgeFileKind::Md,
    );
    let uploaded = client
        .upload_knowledge_file(kb, file)
        .send()
        .await
        .expect("upload")
        .into_inner();
    let sources = uploaded
        .data
        .and_then(|d| d.knowledge_base)
        .expect("kb")
        .knowledge_base_sources;
    assert_eq!(sources.len(), 3);
    assert_eq!(
        sources[2].source_type,
        Some(types::KnowledgeBaseSourceSourceType::Document)
    );
    assert_eq!(sources[2].source_name.as_deref(), Some("menu.md"));

    let fetched = client
        .get_knowledge_base()
        .kb_id(kb)
        .send()
        .await
        .expect("get")
        .into_inner()
        .data;
    assert_eq!(fetched.knowledge_base_id, kb);
    assert!(
        fetched
            .created_timestamp
            .is_some_and(|t| t.as_datetime().timestamp() > 1_700_000_000),
        "a recent creation time"
    );

    let query = |q: &str| {
        client.query_knowledge_base().body(types::RagQueryRequest {
            org_id: Seed::DEMO_ORGANIZATION_ID.into(),
            kb_id: kb.into(),
            query: q.into(),
            extra: Default::default(),
        })
    };
    let answer = query("Is parking free?")
        .send()
        .await
        .expect("query")
        .into_inner();
    let results = answer.data.expect("results").results;
    assert_eq!(
        results[0].text.as_deref(),
        Some("Parking is free for guests.")
    );
    let vegetarian = query("vegetarian lasagne")
        .send()
        .await
        .expect("query")
        .into_inner();
    assert!(
        vegetarian.data.expect("results").results[0]
            .text
            .as_deref()
            .is_some_and(|text| text.contains("lasagne"))
    );

    let text_source = fetched.knowledge_base_sources[0].source_id.clone();
    let after = client
        .delete_knowledge_base_source()
        .kb_id(kb)
        .source_id(&text_source)
        .send()
        .await
        .expect("delete source")
        .into_inner()
        .data
        .expect("kb");
    assert_eq!(after.knowledge_base_sources.len(), 2);
    let gone = query("parking").send().await.expect("query").into_inner();
    assert!(gone.data.is_none_or(|data| data.results.is_empty()));
}

// ---------------------------------------------------------------------------------------------
// Voices and health
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn voices() {
    let sandbox = start(Seed::default()).await;
    let client = sandbox.client();
    let voices: Vec<types::Voice> = client
        .list_voices()
        .llm_model_id(Seed::OPENAI_REALTIME_MODEL)
        .stream_pages_of(2)
        .try_collect()
        .await
        .expect("voices");
    let names: Vec<_> = voices
        .iter()
        .filter_map(|v| v.voice_name.as_deref())
        .collect();
    assert_eq!(names, ["Alloy", "Echo", "Shimmer"]);
    let gemini = client
        .list_voices()
        .llm_model_id(Seed::GEMINI_LIVE_MODEL)
        .send()
        .await
        .expect("voices");
    assert_eq!(gemini.meta.as_ref().and_then(|m| m.total), Some(3));
    assert!(
        client
            .list_voices()
            .llm_model_id("unknown-model")
            .send()
            .await
            .unwrap_err()
            .is_not_found()
    );

    let custom = Sandbox::builder()
        .seed(
            Seed::empty().with_voice(
                types::Voice::builder()
                    .id("voice-nova")
                    .llm_model_id("m-1".to_owned())
                    .voice_name("Nova".to_owned())
                    .try_into()
                    .expect("a voice with an id"),
            ),
        )
        .start()
        .await
        .expect("the sandbox starts");
    let only = custom
        .client()
        .list_voices()
        .llm_model_id("m-1")
        .send()
        .await
        .expect("voices");
    assert_eq!(only.data.len(), 1);
}

#[tokio::test]
async fn health() {
    let sandbox = start(Seed::empty()).await;
    let client = sandbox.client();
    let health = client
        .health_check()
        .send()
        .await
        .expect("health")
        .into_inner();
    let data = health.data.expect("data");
    assert_eq!(data.status.as_deref(), Some("healthy"));
    assert_eq!(data.service.as_deref(), Some("agni-sandbox"));
    assert!(data.time.is_some());
    let ready = client
        .readiness_check()
        .send()
        .await
        .expect("ready")
        .into_inner();
    assert_eq!(ready.data.and_then(|d| d.status).as_deref(), Some("ready"));
}
