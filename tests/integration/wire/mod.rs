//! Wire contract: every operation in `openapi.yaml` is called through the SDK against a mock
//! server that answers only the exact request the spec describes.
//!
//! The expectations come from the spec at test time, not from the generated code, so the test
//! checks the generator rather than repeating it. For each operation it proves that the SDK
//! - sends the documented method to the documented path, byte for byte (trailing slash included),
//!   with every path parameter percent-encoded: each one is `a/b c?d#é%`, which would add a
//!   segment, start a query, cut the URL or be mis-decoded if it reached the wire raw;
//! - sends exactly the credential the operation's `security` names (the client holds both an API
//!   key and a bearer token, so it sends the first one listed, and never the other), every
//!   declared query parameter with its value, and (for operations with a body) a JSON body equal
//!   to the request example;
//! - decodes the documented success response (the spec's example, or one synthesized from the
//!   schema with every property present) into a value that re-serializes to the same JSON; a
//!   binary answer (the call recording) comes back byte for byte.
//!
//! "Equal" forgives two things: a member whose value is `null`, `{}` or `[]` counts as absent,
//! because the generated types never serialize those (see `without_empty_members`), and a
//! timestamp counts as the instant it names, because the SDK reads every form the service sends
//! (knowledge bases send epoch integers) and writes RFC 3339 (see `canonical_times`).
//!
//! httpmock 0.9 matches `When::path` against `http::Uri::path()` of the request as received: the
//! raw, still-encoded path (`src/server/matchers/readers.rs`). Expecting the encoded form is
//! therefore the strong check; a raw `/` or `?` from the SDK could never match it. Query values,
//! in contrast, are compared after form-decoding, so they are checked as values.
//!
//! `every_operation_has_a_row` keeps the table complete as the spec grows.

use std::{
    any::type_name,
    cell::RefCell,
    collections::{BTreeMap, BTreeSet},
    fmt::Display,
    future::Future,
    panic::{AssertUnwindSafe, catch_unwind},
    pin::Pin,
    sync::{Arc, Mutex},
};

use agni::{Client, ResponseValue, prelude::*, types};

use crate::openapi::{Document, without_empty_members};
use httpmock::{HttpMockRequest, MockServer};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::{Value, json};

mod harness;
mod spec;

pub(crate) use harness::client;
use harness::*;
use spec::*;
pub(crate) use spec::{Operation, Spec};
const API_KEY: &str = "test-key";
const BEARER_TOKEN: &str = "test-jwt";
/// What the mock answers a binary operation (the call recording) with.
const AUDIO: &str = "ID3 fake mpeg audio";
const AWKWARD: &str = "a/b c?d#é%";
/// Where the documented redirects of the GoHighLevel OAuth operations point in the mock.
const REDIRECT_TARGET: &str =
    "https://marketplace.gohighlevel.com/oauth/chooselocation?client_id=agni";
/// `AWKWARD` with every byte outside RFC 3986's unreserved set percent-encoded, written out by hand
/// so the expectation does not share code with the SDK's encoder.
const AWKWARD_ENCODED: &str = "a%2Fb%20c%3Fd%23%C3%A9%25";
const HTTP_METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

// ---------------------------------------------------------------------------------------------
// The table: one row per operation.
// ---------------------------------------------------------------------------------------------

/// The typed answer re-serialized as JSON text, in the order of the type's fields (which the
/// catalog test reads to tell typed fields from unknown ones), or why there is none.
pub(crate) type Outcome = Result<String, String>;
type Call = for<'a> fn(&'a Client, &'a Params<'a>) -> Pin<Box<dyn Future<Output = Outcome> + 'a>>;

pub(crate) struct Case {
    pub(crate) op: &'static str,
    call: Call,
}

/// `case!("OperationId", |c, p| <builder>)`: the row builds the request, the macro sends it and
/// turns the typed answer back into JSON. `redirect` marks operations whose only documented answer
/// is a 3xx, which the client reports as `Error::Redirect`; `bytes` those that answer with a raw
/// body, which comes back as a JSON string.
macro_rules! case {
    ($op:literal, |$c:tt, $p:tt| $request:expr) => {
        Case {
            op: $op,
            call: |$c, $p| {
                let request = $request;
                Box::pin(async move { typed_json(request.send().await) })
            },
        }
    };
    (redirect $op:literal, |$c:tt, $p:tt| $request:expr) => {
        Case {
            op: $op,
            call: |$c, $p| {
                let request = $request;
                Box::pin(async move { redirect_json(request.send().await) })
            },
        }
    };
    (bytes $op:literal, |$c:tt, $p:tt| $request:expr) => {
        Case {
            op: $op,
            call: |$c, $p| {
                let request = $request;
                Box::pin(async move { bytes_json(request.send().await).await })
            },
        }
    };
}

#[rustfmt::skip]
pub(crate) fn cases() -> Vec<Case> {
    vec![
        // AgentService
        case!("ListAgents", |c, p| c.list_agents().limit(p.int("limit")).offset(p.int("offset"))),
        case!("CreateAgent", |c, p| c.create_agent().body(p.body::<types::CreateAgentRequest>())),
        case!("GetAgent", |c, p| c.get_agent().id(p.path("id"))),
        case!("DeleteAgent", |c, p| c.delete_agent().id(p.path("id"))),
        case!("UpdateAgent", |c, p| c.update_agent().id(p.path("id")).body(p.body::<types::UpdateAgentRequest>())),
        case!("UpdateAgentStatus", |c, p| c.update_agent_status().id(p.path("id")).body(p.body::<types::UpdateAgentStatusRequest>())),
        // AgentToolService
        case!("ListAgentTools", |c, p| c.list_agent_tools().agent_id(p.str("agent_id")).limit(p.int("limit")).offset(p.int("offset"))),
        case!("CreateAgentTool", |c, p| c.create_agent_tool().body(p.body::<types::CreateAgentToolRequest>())),
        case!("GetAgentTool", |c, p| c.get_agent_tool().id(p.path("id"))),
        case!("DeleteAgentTool", |c, p| c.delete_agent_tool().id(p.path("id"))),
        case!("UpdateAgentTool", |c, p| c.update_agent_tool().id(p.path("id")).body(p.body::<types::UpdateAgentToolRequest>())),
        // WidgetSettingsService
        case!("ListWidgetSettings", |c, _| c.list_widget_settings()),
        case!("CreateWidgetSettings", |c, p| c.create_widget_settings().body(p.body::<types::CreateWidgetSettingsRequest>())),
        case!("GetWidgetSettings", |c, p| c.get_widget_settings().id(p.path("id"))),
        case!("DeactivateWidgetSettings", |c, p| c.deactivate_widget_settings().id(p.path("id"))),
        case!("UpdateWidgetSettings", |c, p| c.update_widget_settings().id(p.path("id")).body(p.body::<types::UpdateWidgetSettingsRequest>())),
        // ModelService
        case!("ListVoices", |c, p| c.list_voices().llm_model_id(p.path("llm_model_id")).limit(p.int("limit")).offset(p.int("offset"))),
        case!("ListLlmModelsWithVoices", |c, p| c.list_llm_models_with_voices().limit(p.int("limit")).offset(p.int("offset"))),
        // PhoneService
        case!("AddTwilioNumber", |c, p| c.add_twilio_number().body(p.body::<types::AddTwilioNumberRequest>())),
        case!("ListAvailableNumbers", |c, p| c.list_available_numbers().iso_country(p.path("iso_country")).page_size(p.int("page_size")).region(p.str("region"))),
        case!("BuyPhoneNumber", |c, p| c.buy_phone_number().body(p.body::<types::BuyPhoneNumberRequest>())),
        case!("CreateTelephonyType", |c, p| c.create_telephony_type().body(p.body::<types::CreateTelephonyTypeRequest>())),
        case!("ListImportedPhoneNumbers", |c, _| c.list_imported_phone_numbers()),
        case!("ImportPhoneNumber", |c, p| c.import_phone_number().body(p.body::<types::ImportPhoneNumberRequest>())),
        case!("GetImportedPhoneNumber", |c, p| c.get_imported_phone_number().id(p.path("id"))),
        case!("UpdateImportedPhoneNumber", |c, p| c.update_imported_phone_number().id(p.path("id")).body(p.body::<types::UpdateImportedPhoneNumberRequest>())),
        case!("DeleteImportedPhoneNumber", |c, p| c.delete_imported_phone_number().id(p.path("id"))),
        case!("ListPurchasedNumbers", |c, p| c.list_purchased_numbers().is_active(p.bool("is_active")).iso_country(p.str("iso_country")).region(p.str("region"))),
        case!("GetSelectedTelephony", |c, _| c.get_selected_telephony()),
        case!("ListTwilioOwnedNumbers", |c, _| c.list_twilio_owned_numbers()),
        case!("ReleasePhoneNumber", |c, p| c.release_phone_number().phone_number(p.path("phone_number"))),
        // CallingService
        case!("ListCallSessions", |c, p| c.list_call_sessions()
            .agent_id(p.str("agent_id")).caller_number(p.str("caller_number")).channel(p.str("channel"))
            .page(p.int("page")).page_size(p.int("page_size")).search(p.str("search"))
            .sort_by(p.str("sort_by")).sort_order(p.str("sort_order"))
            .started_after(p.str("started_after")).started_before(p.str("started_before")).status(p.str("status"))),
        case!("GetCallSessionDetail", |c, p| c.get_call_session_detail().id(p.path("id"))),
        case!("CreateCall", |c, p| c.create_call().body(p.body::<types::CreateCallRequest>())),
        case!(bytes "GetCallRecording", |c, p| c.get_call_recording().id(p.path("id")).token(p.str("token"))),
        case!("FinalizeSession", |c, p| c.finalize_session().session_id(p.path("session_id"))),
        case!("GetPhoneHistory", |c, _| c.get_phone_history()),
        // CampaignService
        case!("ListCampaigns", |c, p| c.list_campaigns().limit(p.int("limit")).offset(p.int("offset")).status(p.str("status"))),
        case!("CreateCampaign", |c, p| c.create_campaign().body(p.body::<types::CreateCampaignRequest>())),
        case!("GetCampaign", |c, p| c.get_campaign().id(p.path("id"))),
        case!("DeleteCampaign", |c, p| c.delete_campaign().id(p.path("id"))),
        case!("UpdateCampaign", |c, p| c.update_campaign().id(p.path("id")).body(p.body::<types::UpdateCampaignRequest>())),
        case!("ListCampaignContacts", |c, p| c.list_campaign_contacts().id(p.path("id")).limit(p.int("limit")).offset(p.int("offset"))),
        case!("AddContactsToCampaign", |c, p| c.add_contacts_to_campaign().id(p.path("id")).body(p.body::<types::AddContactsRequest>())),
        case!("RemoveContactFromCampaign", |c, p| c.remove_contact_from_campaign().id(p.path("id")).contact_id(p.path("contact_id"))),
        case!("PauseCampaign", |c, p| c.pause_campaign().id(p.path("id"))),
        case!("ResumeCampaign", |c, p| c.resume_campaign().id(p.path("id"))),
        case!("StartCampaign", |c, p| c.start_campaign().id(p.path("id"))),
        // ContactService
        case!("ListContacts", |c, p| c.list_contacts().campaign_id(p.str("campaignId")).limit(p.int("limit")).offset(p.int("offset")).search(p.str("search"))),
        case!("CreateContact", |c, p| c.create_contact().body(p.body::<types::CreateContactRequest>())),
        case!("BulkDeleteContacts", |c, p| c.bulk_delete_contacts().body(p.body::<types::BulkDeleteRequest>())),
        case!("GetContact", |c, p| c.get_contact().id(p.path("id"))),
        case!("DeleteContact", |c, p| c.delete_contact().id(p.path("id"))),
        case!("UpdateContact", |c, p| c.update_contact().id(p.path("id")).body(p.body::<types::UpdateContactRequest>())),
        case!("GetContactActivities", |c, p| c.get_contact_activities().id(p.path("id"))),
        case!("GetContactCalls", |c, p| c.get_contact_calls().id(p.path("id"))),
        case!("GetContactCallStats", |c, p| c.get_contact_call_stats().id(p.path("id"))),
        case!("GetContactCampaigns", |c, p| c.get_contact_campaigns().id(p.path("id"))),
        case!("GetContactDetail", |c, p| c.get_contact_detail().id(p.path("id"))),
        case!("ListContactNotes", |c, p| c.list_contact_notes().id(p.path("id"))),
        case!("CreateContactNote", |c, p| c.create_contact_note().id(p.path("id")).body(p.body::<types::CreateNoteRequest>())),
        // RAGService
        case!("DiscoverUrls", |c, p| c.discover_urls().body(p.body::<types::DiscoverRequest>())),
        case!("GetDocument", |c, p| c.get_document().doc_id(p.str("doc_id")).org_id(p.str("org_id"))),
        case!("UpsertDocument", |c, p| c.upsert_document().body(p.body::<types::UpsertDocumentRequest>())),
        case!("ListDocuments", |c, p| c.list_documents().kb_id(p.str("kb_id")).org_id(p.str("org_id"))),
        case!("ListExclusions", |c, p| c.list_exclusions().kb_id(p.str("kb_id")).org_id(p.str("org_id"))),
        case!("ManageExclusions", |c, p| c.manage_exclusions().body(p.body::<types::ManageExclusionsRequest>())),
        case!("GetKnowledgeBase", |c, p| c.get_knowledge_base().kb_id(p.path("kb_id"))),
        case!("AddKnowledgeBaseSources", |c, p| c.add_knowledge_base_sources().kb_id(p.path("kb_id")).body(p.body::<types::AddKnowledgeBaseSourcesRequest>())),
        case!("DeleteKnowledgeBaseSource", |c, p| c.delete_knowledge_base_source().kb_id(p.path("kb_id")).source_id(p.path("source_id"))),
        case!("ListKnowledgeBases", |c, p| c.list_knowledge_bases().org_id(p.str("org_id"))),
        case!("QueryKnowledgeBase", |c, p| c.query_knowledge_base().body(p.body::<types::RagQueryRequest>())),
        case!("RefreshKnowledgeBase", |c, p| c.refresh_knowledge_base().body(p.body::<types::RefreshRequest>())),
        // CalComService
        case!("ListCalcomAppointments", |c, p| c.list_calcom_appointments().agent_id(p.str("agent_id")).limit(p.int("limit")).org_id(p.str("org_id")).status(p.str("status"))),
        case!("GetCalcomAppointment", |c, p| c.get_calcom_appointment().id(p.path("id")).org_id(p.str("org_id"))),
        case!("ConnectCalcom", |c, p| c.connect_calcom().body(p.body::<types::ConnectCalcomRequest>())),
        case!("DisconnectCalcom", |c, p| c.disconnect_calcom().body(p.body::<types::DisconnectCalcomRequest>())),
        case!("ListCalcomEventTypes", |c, _| c.list_calcom_event_types()),
        case!("LookupCalcomEventType", |c, p| c.lookup_calcom_event_type().platform_id(p.path("platform_id"))),
        case!("CalcomStatus", |c, p| c.calcom_status().org_id(p.str("org_id"))),
        case!("GetAgentCalcomInfo", |c, p| c.get_agent_calcom_info().agent_id(p.path("agent_id")).org_id(p.str("org_id"))),
        case!("GetAgentCalcomStatus", |c, p| c.get_agent_calcom_status().agent_id(p.path("agent_id"))),
        case!("AssignCalcomAccountToAgent", |c, p| c.assign_calcom_account_to_agent().agent_id(p.path("agent_id")).org_id(p.str("org_id")).body(p.body::<types::AssignCalcomAccountRequest>())),
        // AppointmentService
        case!("ManageCalcomAppointment", |c, p| c.manage_calcom_appointment().body(p.body::<types::ManageAppointmentRequest>())),
        case!("ManageGhlAppointment", |c, p| c.manage_ghl_appointment().body(p.body::<types::ManageAppointmentRequest>())),
        // GHLService
        case!("ListGhlAppointments", |c, p| c.list_ghl_appointments().agent_id(p.str("agent_id")).limit(p.int("limit")).org_id(p.str("org_id")).status(p.str("status"))),
        case!("GetGhlAppointment", |c, p| c.get_ghl_appointment().appointment_id(p.path("appointment_id")).org_id(p.str("org_id"))),
        case!("SaveGhlCallData", |c, p| c.save_ghl_call_data().body(p.body::<types::SaveGhlCallDataRequest>())),
        case!("GetOrCreateGhlContact", |c, p| c.get_or_create_ghl_contact().body(p.body::<types::GetOrCreateGhlContactRequest>())),
        case!("DisconnectGhl", |c, _| c.disconnect_ghl()),
        case!(redirect "GhlOauthAuthorize", |c, p| c.ghl_oauth_authorize().organization_id(p.str("organization_id"))),
        case!(redirect "GhlOauthCallback", |c, _| c.ghl_oauth_callback()),
        case!("GetGhlAgentByCalendar", |c, p| c.get_ghl_agent_by_calendar().calendar_id(p.path("calendar_id"))),
        case!("ListGhlCalendars", |c, _| c.list_ghl_calendars()),
        case!("GhlSetupStatus", |c, _| c.ghl_setup_status()),
        // HealthService
        case!("HealthCheck", |c, _| c.health_check()),
        case!("ReadinessCheck", |c, _| c.readiness_check()),
        // OrganizationService
        case!("GetOrganizationProfile", |c, p| c.get_organization_profile().id(p.path("id"))),
    ]
}

// Generic over the error so that the harness does not depend on how the SDK names its errors.
fn typed_json<T: Serialize, E: Display>(result: Result<ResponseValue<T>, E>) -> Outcome {
    let response = result.map_err(|e| format!("the SDK returned an error: {e:#}"))?;
    serde_json::to_string(&response.into_inner())
        .map_err(|e| format!("cannot re-serialize the response: {e}"))
}

/// A raw body, read to the end, as a JSON string.
async fn bytes_json(result: Result<ResponseValue<agni::ByteStream>, agni::Error>) -> Outcome {
    use futures_util::TryStreamExt;
    let stream = result
        .map_err(|e| format!("the SDK returned an error: {e:#}"))?
        .into_inner();
    let chunks: Vec<bytes::Bytes> = stream
        .into_inner()
        .try_collect()
        .await
        .map_err(|e| format!("cannot read the body: {e}"))?;
    Ok(json!(String::from_utf8_lossy(&chunks.concat())).to_string())
}

/// The client never follows redirects; the documented 3xx comes back as `ErrorKind::Redirect`,
/// and its `Location` as `{"redirect": location}` so the harness can compare it.
fn redirect_json<T>(result: Result<ResponseValue<T>, agni::Error>) -> Outcome {
    match result {
        Err(e) => match e.kind() {
            agni::ErrorKind::Redirect { location, .. } => Ok(json!({
                "redirect": location.as_ref().map(agni::Location::as_str)
            })
            .to_string()),
            _ => Err(format!("expected a redirect, the SDK returned: {e:#}")),
        },
        Ok(_) => Err("expected a redirect, the SDK returned a success".to_owned()),
    }
}

#[tokio::test]
async fn every_operation_round_trips_on_the_wire() {
    let spec = Spec::load();
    let operations: BTreeMap<String, Operation> = spec
        .operations()
        .into_iter()
        .map(|op| (op.id.clone(), op))
        .collect();
    let server = MockServer::start_async().await;
    let client = client(&server);

    let mut failures = Vec::new();
    let cases = cases();
    for case in &cases {
        let outcome = match operations.get(case.op) {
            Some(op) => check(&spec, &server, &client, op, case).await,
            None => Err("openapi.yaml has no such operation".to_owned()),
        };
        if let Err(why) = outcome {
            failures.push((case.op, why));
        }
    }
    let failed: Vec<&str> = failures.iter().map(|(op, _)| *op).collect();
    let reasons: Vec<String> = failures
        .iter()
        .map(|(op, why)| format!("{op}: {why}"))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} operations failed on the wire: {failed:?}\n\n{}",
        failures.len(),
        cases.len(),
        reasons.join("\n\n")
    );
}

#[test]
fn every_operation_has_a_row() {
    let in_spec: BTreeSet<String> = Spec::load()
        .operations()
        .into_iter()
        .map(|op| op.id)
        .collect();
    let cases = cases();
    let mut in_table = BTreeSet::new();
    let duplicated: Vec<&str> = cases
        .iter()
        .map(|case| case.op)
        .filter(|op| !in_table.insert(op.to_string()))
        .collect();
    let without_row: Vec<&String> = in_spec.difference(&in_table).collect();
    let without_operation: Vec<&String> = in_table.difference(&in_spec).collect();
    assert!(
        without_row.is_empty() && without_operation.is_empty() && duplicated.is_empty(),
        "operations without a row: {without_row:?}; rows without an operation: {without_operation:?}; \
         rows listed twice: {duplicated:?}"
    );
}

#[tokio::test]
async fn requests_identify_the_sdk() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.path("/health")
                .header("user-agent", concat!("agni-rs/", env!("CARGO_PKG_VERSION")));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({}));
        })
        .await;
    client(&server)
        .health_check()
        .send()
        .await
        .expect("the health check succeeds");
    mock.assert_async().await;
}

/// An operation whose credential the client lacks fails before anything is sent, naming what to
/// set; an operation whose `security` allows none goes out bare.
#[tokio::test]
async fn a_missing_credential_sends_nothing() {
    let server = MockServer::start_async().await;
    let anything = server
        .mock_async(|_, then| {
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({"success": true}));
        })
        .await;
    let only = |key: Option<&str>, token: Option<&str>| {
        let mut builder = Client::builder().base_url(server.base_url());
        if let Some(key) = key {
            builder = builder.api_key(key);
        }
        if let Some(token) = token {
            builder = builder.bearer_token(token);
        }
        builder.build().expect("one credential is enough to build")
    };
    let keyed = only(Some(API_KEY), None);
    let bearer = only(None, Some(BEARER_TOKEN));

    let error = keyed
        .get_agent_calcom_info()
        .agent_id("a1")
        .send()
        .await
        .expect_err("a Cal.com agent operation needs the token");
    assert_eq!(
        error.to_string(),
        "get_agent_calcom_info: invalid request, nothing was sent: this operation needs a bearer \
         token (a dashboard JWT): call `.bearer_token(..)` on the client builder or set \
         RAVAN_BEARER_TOKEN"
    );
    let error = bearer
        .list_agents()
        .send()
        .await
        .expect_err("agents need the key");
    assert_eq!(
        error.to_string(),
        "list_agents: invalid request, nothing was sent: this operation needs an API key: call \
         `.api_key(..)` on the client builder or set RAVAN_API_KEY"
    );
    assert_eq!(
        anything.calls_async().await,
        0,
        "nothing reached the server"
    );
    anything.delete_async().await;

    // Appointment management takes the key if there is one, and nothing otherwise.
    let bare = server
        .mock_async(|when, then| {
            when.method("POST")
                .path("/api/v1/calcom/appointments/manage")
                .header_missing("x-api-key")
                .header_missing("authorization");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({"success": true}));
        })
        .await;
    let manage = types::ManageAppointmentRequest::builder()
        .action(types::ManageAppointmentRequestAction::Availability)
        .agent_id("a1")
        .org_id("o1");
    bearer
        .manage_calcom_appointment()
        .body(manage)
        .send()
        .await
        .expect("no credential is needed");
    bare.assert_async().await;
}
