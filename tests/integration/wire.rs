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

// ---------------------------------------------------------------------------------------------
// What the spec says about each operation.
// ---------------------------------------------------------------------------------------------

/// The credential a request must carry.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Credential {
    ApiKey,
    Bearer,
    None,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Int,
    Str,
    Bool,
}

#[derive(Clone)]
pub(crate) struct Operation {
    pub(crate) id: String,
    pub(crate) method: String,
    pub(crate) template: String,
    path_params: Vec<String>,
    query: Vec<(String, Kind)>,
    /// The request example, for operations with a JSON body.
    pub(crate) body: Option<Value>,
    /// The documented success status: 200, or the lowest 2xx/3xx the operation documents.
    status: u16,
    /// The success response example, for responses with JSON content.
    pub(crate) response: Option<Value>,
    /// The success response's schema, for responses with JSON content.
    pub(crate) response_schema: Option<Value>,
    /// The request body's schema, for operations with a JSON body.
    pub(crate) request_schema: Option<Value>,
    /// Whether the success response is a raw body (audio) rather than JSON.
    pub(crate) binary: bool,
    /// What the client (holding both an API key and a bearer token) must send: the first entry
    /// of the operation's `security`, else the document's.
    credential: Credential,
}

impl Operation {
    /// The path the SDK must put on the wire: the template with every parameter encoded.
    pub(crate) fn wire_path(&self) -> String {
        let mut path = self.template.clone();
        for name in &self.path_params {
            path = path.replace(&format!("{{{name}}}"), AWKWARD_ENCODED);
        }
        path
    }

    /// The names of its path and query parameters.
    pub(crate) fn parameter_names(&self) -> Vec<String> {
        let query = self.query.iter().map(|(name, _)| name.clone());
        self.path_params.iter().cloned().chain(query).collect()
    }

    fn declared(&self) -> BTreeSet<String> {
        let mut names: BTreeSet<String> = self.path_params.iter().cloned().collect();
        names.extend(self.query.iter().map(|(name, _)| name.clone()));
        if self.body.is_some() {
            names.insert("body".to_owned());
        }
        names
    }
}

// Query values derive from the parameter's name so that two parameters can never be swapped
// unnoticed. String values carry `&`, `=`, `+`, a space and non-ASCII, which survive only if
// the SDK form-encodes them.
fn int_value(name: &str) -> i64 {
    // Within 1..=200, which every documented parameter range admits.
    name.bytes().map(i64::from).sum::<i64>() % 200 + 1
}

fn str_value(name: &str) -> String {
    format!("{name} &=+é")
}

fn bool_value(name: &str) -> bool {
    int_value(name) % 2 == 0
}

fn query_value(name: &str, kind: Kind) -> String {
    match kind {
        Kind::Int => int_value(name).to_string(),
        Kind::Str => str_value(name),
        Kind::Bool => bool_value(name).to_string(),
    }
}

/// The spec, read for the operations it declares.
pub(crate) struct Spec {
    pub(crate) document: Document,
}

impl Spec {
    pub(crate) fn load() -> Spec {
        Spec {
            document: Document::load(),
        }
    }

    fn resolve<'a>(&'a self, node: &'a Value) -> &'a Value {
        self.document.resolve(node)
    }

    pub(crate) fn operations(&self) -> Vec<Operation> {
        let paths = self.document.root["paths"]
            .as_object()
            .expect("the spec has paths");
        let mut operations = Vec::new();
        for (template, item) in paths {
            for method in HTTP_METHODS {
                if let Some(op) = item.get(method) {
                    operations.push(self.operation(template, method, item, op));
                }
            }
        }
        operations
    }

    fn operation(&self, template: &str, method: &str, item: &Value, op: &Value) -> Operation {
        let id = op["operationId"]
            .as_str()
            .unwrap_or_else(|| panic!("{method} {template} has no operationId"));
        let mut path_params = Vec::new();
        let mut query = Vec::new();
        let shared = item
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten();
        let own = op
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten();
        for param in shared.chain(own).map(|p| self.resolve(p)) {
            let name = param["name"]
                .as_str()
                .unwrap_or_else(|| panic!("{id}: a parameter has no name"))
                .to_owned();
            match param["in"].as_str() {
                Some("path") => path_params.push(name),
                Some("query") => {
                    let kind = match self.resolve(&param["schema"])["type"].as_str() {
                        Some("integer") => Kind::Int,
                        Some("string") => Kind::Str,
                        Some("boolean") => Kind::Bool,
                        other => {
                            panic!("{id}: query parameter {name} has unsupported type {other:?}")
                        }
                    };
                    query.push((name, kind));
                }
                other => {
                    panic!("{id}: parameter {name} is in {other:?}, which this harness cannot set")
                }
            }
        }

        let request_media = op.get("requestBody").map(|body| {
            self.resolve(body)["content"]
                .get("application/json")
                .unwrap_or_else(|| panic!("{id}: the request body is not application/json"))
        });
        let body = request_media.map(|media| self.media_example(media, "body"));
        let request_schema = request_media.map(|media| media["schema"].clone());

        let responses = op["responses"]
            .as_object()
            .unwrap_or_else(|| panic!("{id} has no responses"));
        let (status, success) = responses
            .iter()
            .filter_map(|(code, response)| Some((code.parse::<u16>().ok()?, response)))
            .filter(|(code, _)| (200..400).contains(code))
            .min_by_key(|(code, _)| *code)
            .unwrap_or_else(|| panic!("{id} documents no success response"));
        let content = self.resolve(success).get("content");
        let json = content.and_then(|content| content.get("application/json"));
        let binary = content.is_some() && json.is_none();
        let response = json.map(|media| self.media_example(media, "response"));
        let response_schema = json.map(|media| media["schema"].clone());
        let security = op
            .get("security")
            .or_else(|| self.document.root.get("security"))
            .and_then(Value::as_array);
        let credential = match security.and_then(|options| options.first()) {
            Some(first) if first.get("bearerAuth").is_some() => Credential::Bearer,
            Some(first) if first.get("X-Api-Key").is_some() => Credential::ApiKey,
            Some(other) => panic!("{id}: unexpected security requirement {other}"),
            None => Credential::None,
        };

        Operation {
            id: id.to_owned(),
            method: method.to_uppercase(),
            template: template.to_owned(),
            path_params,
            query,
            body,
            status,
            response,
            response_schema,
            request_schema,
            binary,
            credential,
        }
    }

    fn media_example(&self, media: &Value, name: &str) -> Value {
        match media.get("example") {
            Some(example) => example.clone(),
            None => self.example(&media["schema"], name),
        }
    }

    /// Synthesizes a value for `schema` with every property present, so that a field the SDK
    /// drops or renames shows up as a difference. `name` is the property the value is for.
    fn example(&self, schema: &Value, name: &str) -> Value {
        let schema = self.resolve(schema);
        if let Some(example) = schema.get("example") {
            return example.clone();
        }
        if let Some(first) = schema.get("enum").and_then(|values| values.get(0)) {
            return first.clone();
        }
        // A documented reference is written `allOf: [$ref]` (see agni-codegen's spec.rs) or as
        // `$ref` with a description beside it; both mean the referenced schema.
        if let Some(first) = ["oneOf", "anyOf", "allOf"]
            .iter()
            .find_map(|key| schema.get(key).and_then(|s| s.get(0)))
        {
            return self.example(first, name);
        }
        let properties = schema.get("properties").and_then(Value::as_object);
        match (schema.get("type").and_then(Value::as_str), properties) {
            (Some("string"), _) if schema["format"] == "date-time" => json!("2026-11-01T10:00:00Z"),
            (Some("string"), _) => json!(format!("{name}-value")),
            (Some("integer"), _) => json!(7),
            // A fraction, so that an f64 round trip is exact and cannot pass for an integer.
            (Some("number"), _) => json!(0.5),
            (Some("boolean"), _) => json!(true),
            (Some("array"), _) => json!([self.example(&schema["items"], name)]),
            (Some("object") | None, Some(properties)) => properties
                .iter()
                .map(|(key, property)| (key.clone(), self.example(property, key)))
                .collect(),
            (Some("object"), None) => json!({"key": "value"}),
            // A property documented as "JSON as sent" (no type): any value will do.
            (None, None) => json!({"any": 1}),
            (Some(other), _) => panic!("unsupported schema type {other} (schema for {name})"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The values a row passes to its builder.
// ---------------------------------------------------------------------------------------------

/// Hands each row the values the mock expects, and notes which ones it took, so that a row that
/// skips a declared parameter (or names one the spec does not declare) fails with a clear message.
struct Params<'o> {
    op: &'o Operation,
    taken: RefCell<BTreeSet<String>>,
}

impl Params<'_> {
    fn take(&self, name: &str) {
        self.taken.borrow_mut().insert(name.to_owned());
    }

    fn query(&self, name: &str, kind: Kind) {
        let declared = self.op.query.iter().find(|(declared, _)| declared == name);
        match declared {
            Some((_, declared)) if *declared == kind => self.take(name),
            Some((_, declared)) => {
                panic!("query parameter {name} is {declared:?} in the spec, not {kind:?}")
            }
            None => panic!("the spec declares no query parameter {name}"),
        }
    }

    fn path(&self, name: &str) -> &'static str {
        assert!(
            self.op.path_params.iter().any(|p| p == name),
            "the spec declares no path parameter {name}"
        );
        self.take(name);
        AWKWARD
    }

    fn int(&self, name: &str) -> i64 {
        self.query(name, Kind::Int);
        int_value(name)
    }

    fn str(&self, name: &str) -> String {
        self.query(name, Kind::Str);
        str_value(name)
    }

    fn bool(&self, name: &str) -> bool {
        self.query(name, Kind::Bool);
        bool_value(name)
    }

    fn body<T: DeserializeOwned>(&self) -> T {
        let example = self
            .op
            .body
            .clone()
            .expect("the spec declares no request body");
        self.take("body");
        serde_json::from_value(example).unwrap_or_else(|e| {
            panic!(
                "the request example does not decode into {}: {e}",
                type_name::<T>()
            )
        })
    }
}

// ---------------------------------------------------------------------------------------------
// The harness.
// ---------------------------------------------------------------------------------------------

pub(crate) fn client(server: &MockServer) -> Client {
    Client::builder()
        .api_key(API_KEY)
        .bearer_token(BEARER_TOKEN)
        .base_url(server.base_url())
        .build()
        .expect("a loopback base URL is accepted")
}

fn describe(request: &HttpMockRequest) -> String {
    let headers: Vec<String> = request
        .headers_vec()
        .iter()
        .filter(|(name, _)| {
            ["x-api-key", "authorization", "content-type"]
                .iter()
                .any(|shown| name.eq_ignore_ascii_case(shown))
        })
        .map(|(name, value)| format!("{name}: {value}"))
        .collect();
    format!(
        "{} {} [{}] {}",
        request.method_str(),
        request.uri_str(),
        headers.join(", "),
        request.body_string()
    )
}

impl Case {
    /// Builds the row's request for `op` (whose example body the row sends) and sends it. The
    /// outer error is the row's own failure (a value that does not fit, a declared parameter it
    /// does not set); the inner one is the call's.
    pub(crate) async fn send(&self, client: &Client, op: &Operation) -> Result<Outcome, String> {
        let params = Params {
            op,
            taken: RefCell::default(),
        };
        // A row panics when its values do not fit (an example that does not decode, an
        // undeclared parameter); that is this operation's failure, not the end of the run.
        let call =
            catch_unwind(AssertUnwindSafe(|| (self.call)(client, &params))).map_err(|panic| {
                let message = panic.downcast_ref::<String>().cloned();
                message
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default()
            })?;
        let missing: Vec<String> = op
            .declared()
            .difference(&params.taken.borrow())
            .cloned()
            .collect();
        if !missing.is_empty() {
            return Err(format!("the row does not set {missing:?}"));
        }
        Ok(call.await)
    }
}

async fn check(
    spec: &Spec,
    server: &MockServer,
    client: &Client,
    op: &Operation,
    case: &Case,
) -> Result<(), String> {
    server.reset_async().await;

    // Registered first, so it sees every request before the real mock does; it never matches.
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    server
        .mock_async(|when, _| {
            when.is_true(move |request| {
                log.lock().expect("request log").push(describe(request));
                false
            });
        })
        .await;

    let mock = server
        .mock_async(|when, then| {
            let mut when = when.method(op.method.as_str()).path(op.wire_path());
            when = match op.credential {
                Credential::ApiKey => when
                    .header("x-api-key", API_KEY)
                    .header_missing("authorization"),
                Credential::Bearer => when
                    .header("authorization", format!("Bearer {BEARER_TOKEN}"))
                    .header_missing("x-api-key"),
                Credential::None => when
                    .header_missing("x-api-key")
                    .header_missing("authorization"),
            };
            for (name, kind) in &op.query {
                when = when.query_param(name, query_value(name, *kind));
            }
            // Presence checks alone would let a duplicated or undeclared parameter through.
            let expected = op.query.len();
            when = when.is_true(move |request| request.query_params().len() == expected);
            if let Some(body) = &op.body {
                let expected = without_empty_members(body);
                when.header("content-type", "application/json")
                    .is_true(move |request| {
                        let sent = serde_json::from_slice::<Value>(request.body_ref());
                        sent.is_ok_and(|sent| without_empty_members(&sent) == expected)
                    });
            }
            let then = then.status(op.status);
            if (300..400).contains(&op.status) {
                then.header("location", REDIRECT_TARGET);
            } else if op.binary {
                then.header("content-type", "audio/mpeg").body(AUDIO);
            } else if let Some(response) = &op.response {
                then.header("content-type", "application/json")
                    .json_body(response.clone());
            }
        })
        .await;

    let outcome = case.send(client, op).await?;
    let hits = mock.calls_async().await;
    if hits != 1 {
        let seen = seen.lock().expect("request log").clone();
        return Err(format!(
            "the mock for {} {} matched {hits} requests, not 1; the SDK sent {seen:#?}; the call gave {outcome:?}",
            op.method,
            op.wire_path()
        ));
    }
    let decoded: Value = serde_json::from_str(&outcome?)
        .map_err(|e| format!("the re-serialized answer is not JSON: {e}"))?;
    let expected = if (300..400).contains(&op.status) {
        serde_json::json!({ "redirect": REDIRECT_TARGET })
    } else if op.binary {
        json!(AUDIO)
    } else {
        match (&op.response, &op.response_schema) {
            (Some(response), Some(schema)) => {
                without_empty_members(&spec.document.canonical_times(schema, response))
            }
            _ => Value::Null,
        }
    };
    let mut differences = Vec::new();
    diff(
        "",
        &expected,
        &without_empty_members(&decoded),
        &mut differences,
    );
    if differences.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the decoded response re-serializes differently:\n    {}",
            differences.join("\n    ")
        ))
    }
}

/// Lists where `got` departs from `want`, as JSON pointers, to make a mismatch readable.
fn diff(at: &str, want: &Value, got: &Value, out: &mut Vec<String>) {
    match (want, got) {
        (Value::Object(want), Value::Object(got)) => {
            let keys: BTreeSet<&String> = want.keys().chain(got.keys()).collect();
            for key in keys {
                let (want, got) = (want.get(key), got.get(key));
                let at = format!("{at}/{key}");
                match (want, got) {
                    (Some(want), Some(got)) => diff(&at, want, got, out),
                    (Some(want), None) => out.push(format!("{at}: missing (expected {want})")),
                    (None, Some(got)) => out.push(format!("{at}: unexpected {got}")),
                    (None, None) => {}
                }
            }
        }
        (Value::Array(want_items), Value::Array(got_items))
            if want_items.len() == got_items.len() =>
        {
            for (index, (want, got)) in want_items.iter().zip(got_items).enumerate() {
                diff(&format!("{at}/{index}"), want, got, out);
            }
        }
        _ if want != got => out.push(format!(
            "{}: expected {want}, got {got}",
            if at.is_empty() { "/" } else { at }
        )),
        _ => {}
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
