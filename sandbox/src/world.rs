//! The sandbox's in-memory state: every resource of the Agni API, kept in the SDK's own generated
//! types and changed one [`ApiRequest`] at a time.
//!
//! The edge (`server`) has already matched the path, checked the credentials and validated the
//! body against `openapi.yaml`; [`World::handle`] dispatches on the operationId and answers in
//! the spec's spelling (snake_case, except the schemas the spec declares camelCase, such as
//! `CallSession`). Bodies are decoded with the generated request types, which accept both
//! spellings.
//!
//! # Time in the sandbox
//!
//! Nothing happens between requests, except what the edge asks for with [`World::end_call`].
//! Each request is one step of the simulated clock:
//!
//! 1. every call still in progress ends (it was created by an earlier request, or by the
//!    campaign dialler after one), producing a completed session — transcript, summary,
//!    recording URL, cost, post-call analysis — whose id [`World::take_ended_calls`] then
//!    reports, so the edge can deliver the after-call webhook;
//! 2. the request is answered;
//! 3. running campaigns dial their next contacts (`schedule.max_concurrent` at a time, default
//!    1), and a running campaign with nobody left to call becomes `completed`.
//!
//! So a client that creates a call and then does anything else — typically polls
//! `get_call_session_detail` — sees the call completed and receives its webhook without any
//! extra step; a campaign can always be paused right after it was started.

mod agents;
mod appointments;
mod calls;
mod campaigns;
mod contacts;
mod integrations;
mod knowledge;
mod organization;
mod phone;
mod recordings;
mod seed;
#[cfg(test)]
mod tests;
mod webhook;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::{Map, Value, json};

use super::api::{ApiReply, ApiRequest, Failure, WebhookShape};
use agni::types;

pub use seed::Seed;

/// Rows kept in insertion order (which, with UUIDv7 ids, is also id order).
#[derive(Debug, Clone)]
struct Table<T> {
    rows: Vec<(String, T)>,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Table { rows: Vec::new() }
    }
}

impl<T> Table<T> {
    fn insert(&mut self, id: String, row: T) {
        match self.rows.iter_mut().find(|(key, _)| *key == id) {
            Some((_, existing)) => *existing = row,
            None => self.rows.push((id, row)),
        }
    }

    fn get(&self, id: &str) -> Option<&T> {
        self.rows
            .iter()
            .find(|(key, _)| key == id)
            .map(|(_, row)| row)
    }

    fn get_mut(&mut self, id: &str) -> Option<&mut T> {
        self.rows
            .iter_mut()
            .find(|(key, _)| key == id)
            .map(|(_, row)| row)
    }

    fn remove(&mut self, id: &str) -> Option<T> {
        let index = self.rows.iter().position(|(key, _)| key == id)?;
        Some(self.rows.remove(index).1)
    }

    fn values(&self) -> impl DoubleEndedIterator<Item = &T> {
        self.rows.iter().map(|(_, row)| row)
    }

    fn values_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.rows.iter_mut().map(|(_, row)| row)
    }

    fn ids(&self) -> Vec<String> {
        self.rows.iter().map(|(id, _)| id.clone()).collect()
    }

    fn len(&self) -> usize {
        self.rows.len()
    }
}

/// A handler's answer: the reply, or the failure the edge turns into an error body.
type Handled = Result<ApiReply, Failure>;

/// The sandbox's whole state. See the [module docs](self) for how time passes.
#[derive(Debug)]
pub(crate) struct World {
    org_id: String,
    /// `http://127.0.0.1:<port>`: where recording URLs point.
    base_url: String,
    agents: Table<types::Agent>,
    tools: Table<types::AgentTool>,
    widgets: Table<types::WidgetSettings>,
    voices: Vec<types::Voice>,
    phone: phone::Numbers,
    contacts: contacts::Contacts,
    campaigns: Table<campaigns::CampaignRow>,
    calls: calls::Calls,
    knowledge: knowledge::Knowledge,
    integrations: integrations::Integrations,
}

impl World {
    /// A world holding `seed`, created as if through the API, served at `base_url` (no
    /// trailing slash).
    pub(crate) fn new(seed: Seed, base_url: &str) -> World {
        let mut world = World {
            org_id: seed.organization_id,
            base_url: base_url.to_owned(),
            agents: Table::default(),
            tools: Table::default(),
            widgets: Table::default(),
            voices: seed.voices,
            phone: phone::Numbers::new(seed.available_numbers),
            contacts: contacts::Contacts::default(),
            campaigns: Table::default(),
            calls: calls::Calls::default(),
            knowledge: knowledge::Knowledge::default(),
            integrations: integrations::Integrations::default(),
        };
        for agent in seed.agents {
            // A create request always converts into an agent (both are the same generated
            // fields), so there is no failure to report here.
            let _ = world.insert_agent(agent);
        }
        for tool in seed.tools {
            world.insert_tool(tool);
        }
        for contact in seed.contacts {
            world.insert_contact(contact);
        }
        world
    }

    /// Answers one request (one step of the simulated clock: see the [module docs](self)).
    pub(crate) fn handle(&mut self, request: &ApiRequest) -> ApiReply {
        self.end_calls_in_progress();
        let reply = self.dispatch(request).unwrap_or_else(ApiReply::Failure);
        self.advance_campaigns();
        reply
    }

    /// Session ids of the calls that ended since the last call of this method, in order.
    pub(crate) fn take_ended_calls(&mut self) -> Vec<String> {
        std::mem::take(&mut self.calls.ended)
    }

    /// The after-call webhook body for an ended call, in `shape`; `None` if the session is
    /// unknown or still in progress.
    pub(crate) fn after_call_payload(
        &self,
        session_id: &str,
        shape: WebhookShape,
    ) -> Option<Value> {
        self.webhook_payload(session_id, shape)
    }

    /// Ends a call now; `true` if it was in progress.
    pub(crate) fn end_call(&mut self, session_id: &str) -> bool {
        self.finish_call(session_id)
    }

    fn dispatch(&mut self, request: &ApiRequest) -> Handled {
        let r = request;
        match r.operation {
            // Agents, tools, widgets, voices.
            "ListAgents" => self.list_agents(r),
            "CreateAgent" => self.create_agent(r),
            "GetAgent" => self.get_agent(r),
            "UpdateAgent" => self.update_agent(r),
            "DeleteAgent" => self.delete_agent(r),
            "UpdateAgentStatus" => self.update_agent_status(r),
            "ListAgentTools" => self.list_tools(r),
            "CreateAgentTool" => self.create_tool(r),
            "GetAgentTool" => self.get_tool(r),
            "UpdateAgentTool" => self.update_tool(r),
            "DeleteAgentTool" => self.delete_tool(r),
            "ListWidgetSettings" => self.list_widgets(r),
            "CreateWidgetSettings" => self.create_widget(r),
            "GetWidgetSettings" => self.get_widget(r),
            "UpdateWidgetSettings" => self.update_widget(r),
            "DeactivateWidgetSettings" => self.deactivate_widget(r),
            "ListVoices" => self.list_voices(r),
            "ListLlmModelsWithVoices" => self.list_models_with_voices(r),
            // Phone numbers and telephony.
            "ListAvailableNumbers" => self.list_available_numbers(r),
            "BuyPhoneNumber" => self.buy_phone_number(r),
            "ListPurchasedNumbers" => self.list_purchased_numbers(r),
            "ReleasePhoneNumber" => self.release_phone_number(r),
            "ImportPhoneNumber" => self.import_phone_number(r),
            "ListImportedPhoneNumbers" => self.list_imported_numbers(r),
            "GetImportedPhoneNumber" => self.get_imported_number(r),
            "UpdateImportedPhoneNumber" => self.update_imported_number(r),
            "DeleteImportedPhoneNumber" => self.delete_imported_number(r),
            "CreateTelephonyType" => self.create_telephony_type(r),
            "GetSelectedTelephony" => self.get_selected_telephony(r),
            "AddTwilioNumber" => self.add_twilio_number(r),
            "ListTwilioOwnedNumbers" => self.list_twilio_owned_numbers(r),
            // Contacts.
            "ListContacts" => self.list_contacts(r),
            "CreateContact" => self.create_contact(r),
            "GetContact" => self.get_contact(r),
            "UpdateContact" => self.update_contact(r),
            "DeleteContact" => self.delete_contact(r),
            "BulkDeleteContacts" => self.bulk_delete_contacts(r),
            "GetContactDetail" => self.contact_detail(r),
            "GetContactCalls" => self.contact_calls(r),
            "GetContactCallStats" => self.contact_call_stats(r),
            "GetContactActivities" => self.contact_activities(r),
            "GetContactCampaigns" => self.contact_campaigns(r),
            "ListContactNotes" => self.list_contact_notes(r),
            "CreateContactNote" => self.create_contact_note(r),
            // Campaigns.
            "ListCampaigns" => self.list_campaigns(r),
            "CreateCampaign" => self.create_campaign(r),
            "GetCampaign" => self.get_campaign(r),
            "UpdateCampaign" => self.update_campaign(r),
            "DeleteCampaign" => self.delete_campaign(r),
            "ListCampaignContacts" => self.list_campaign_contacts(r),
            "AddContactsToCampaign" => self.add_contacts_to_campaign(r),
            "RemoveContactFromCampaign" => self.remove_contact_from_campaign(r),
            "StartCampaign" => self.transition_campaign(r, campaigns::Transition::Start),
            "PauseCampaign" => self.transition_campaign(r, campaigns::Transition::Pause),
            "ResumeCampaign" => self.transition_campaign(r, campaigns::Transition::Resume),
            // Calls.
            "CreateCall" => self.create_call(r),
            "ListCallSessions" => self.list_call_sessions(r),
            "GetCallSessionDetail" => self.get_call_session_detail(r),
            "FinalizeSession" => self.finalize_session(r),
            "GetPhoneHistory" => self.phone_history(r),
            "GetCallRecording" => self.call_recording(r),
            // Knowledge bases.
            "GetKnowledgeBase" => self.get_knowledge_base(r),
            "AddKnowledgeBaseSources" => self.add_knowledge_base_sources(r),
            "DeleteKnowledgeBaseSource" => self.delete_knowledge_base_source(r),
            "UpsertDocument" => self.upsert_document(r),
            "GetDocument" => self.get_document(r),
            "ListDocuments" => self.list_documents(r),
            "ListKnowledgeBases" => self.list_knowledge_bases(r),
            "QueryKnowledgeBase" => self.query_knowledge_base(r),
            "DiscoverUrls" => self.discover_urls(r),
            "RefreshKnowledgeBase" => self.refresh_knowledge_base(r),
            "ManageExclusions" => self.manage_exclusions(r),
            "ListExclusions" => self.list_exclusions(r),
            // The organisation and health.
            "GetOrganizationProfile" => self.organization_profile(r),
            "HealthCheck" => Ok(ApiReply::Json(json!({
                "success": true,
                "message": "service is healthy",
                "data": {"status": "healthy", "service": "agni-sandbox", "time": iso(now())},
            }))),
            "ReadinessCheck" => Ok(ApiReply::Json(json!({
                "success": true,
                "message": "service is ready",
                "data": {"status": "ready"},
            }))),
            // Cal.com and GoHighLevel.
            other => self.integration(other, r),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers shared by the resource modules.
// ---------------------------------------------------------------------------------------------

/// A fresh UUIDv7, as the real service's ids.
fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// The wall clock (chrono's `clock` feature is not enabled; `SystemTime` is enough).
fn now() -> DateTime<Utc> {
    DateTime::<Utc>::from(std::time::SystemTime::now())
}

/// The wall clock as the SDK's timestamp type, which every stored timestamp field holds.
fn stamp() -> agni::Timestamp {
    now().into()
}

/// A resource to store: the fields of `fields` (a request, or a JSON object) and its new `id`,
/// which every resource type requires.
fn with_id<T: DeserializeOwned>(fields: impl Serialize, id: &str) -> Result<T, Failure> {
    let mut json = to_json(fields);
    if let Value::Object(map) = &mut json {
        map.insert("id".to_owned(), Value::String(id.to_owned()));
    }
    decode(&json)
}

/// ISO-8601 text, to the second, `Z` for UTC: `2026-11-01T10:00:00Z`.
fn iso(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// `{"success": true, "message": ..., "data": ...}`.
fn ok(message: &str, data: impl Serialize) -> Handled {
    Ok(ApiReply::Json(json!({
        "success": true,
        "message": message,
        "data": to_json(data),
    })))
}

/// A limit/offset page of `items`: `{"success", "message", "data": [...], "meta": {total, limit,
/// offset}}`.
fn ok_page<T: Serialize>(message: &str, items: Vec<T>, page: Paging) -> Handled {
    let total = items.len();
    let data: Vec<Value> = items
        .into_iter()
        .skip(page.offset)
        .take(page.limit)
        .map(to_json)
        .collect();
    Ok(ApiReply::Json(json!({
        "success": true,
        "message": message,
        "data": data,
        "meta": {"total": total, "limit": page.limit, "offset": page.offset},
    })))
}

/// A whole list, for operations without paging parameters: one page holding every item.
fn ok_all<T: Serialize>(message: &str, items: Vec<T>) -> Handled {
    let limit = items.len();
    ok_page(message, items, Paging { limit, offset: 0 })
}

/// `limit` (default 20, at most 1000) and `offset` (default 0) from the query.
#[derive(Debug, Clone, Copy)]
struct Paging {
    limit: usize,
    offset: usize,
}

impl Paging {
    fn of(request: &ApiRequest) -> Paging {
        let number = |name: &str| {
            request
                .query_number(name)
                .and_then(|n| usize::try_from(n).ok())
        };
        Paging {
            limit: number("limit").filter(|&n| n > 0).unwrap_or(20).min(1000),
            offset: number("offset").unwrap_or(0),
        }
    }
}

fn to_json(value: impl Serialize) -> Value {
    // The generated types and `Value`s always serialize.
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// The body as the generated request type (either spelling); a body the schema allowed but the
/// type refuses (a phone number invalid for its country) is a 400 naming the field.
fn decode<T: DeserializeOwned>(body: &Value) -> Result<T, Failure> {
    let body = if body.is_null() {
        Value::Object(Map::new())
    } else {
        body.clone()
    };
    serde_path_to_error::deserialize(body).map_err(|e| {
        Failure::InvalidArgument(match e.path().to_string().as_str() {
            "." => format!("invalid body: {}", e.inner()),
            field => format!("field \"{field}\": {}", e.inner()),
        })
    })
}

/// PATCH semantics: the fields the request carries replace the stored ones, one top-level field
/// at a time (a map such as `selected_tools` is replaced whole, not merged); fields absent or
/// `null` stay. `clearable` names the map and list fields an explicitly empty value (`{}`, `[]`)
/// in the body clears, which the generated request types cannot tell from absent.
fn patch<T, R>(stored: &T, body: &Value, clearable: &[&str]) -> Result<T, Failure>
where
    T: Serialize + DeserializeOwned,
    R: Serialize + DeserializeOwned,
{
    let request: R = decode(body)?;
    let Value::Object(mut changes) = to_json(&request) else {
        return Err(Failure::InvalidArgument("the body is not an object".into()));
    };
    if let Some(raw) = body.as_object() {
        for field in clearable {
            let given = raw
                .get(*field)
                .or_else(|| raw.get(&heck::ToLowerCamelCase::to_lower_camel_case(*field)));
            if let Some(value @ (Value::Object(_) | Value::Array(_))) = given {
                changes.entry(field.to_string()).or_insert(value.clone());
            }
        }
    }
    let mut current = to_json(stored);
    if let Value::Object(current) = &mut current {
        for (key, value) in changes {
            current.insert(key, value);
        }
    }
    serde_json::from_value(current)
        .map_err(|e| Failure::InvalidArgument(format!("invalid update: {e}")))
}

fn not_found(what: &str, id: &str) -> Failure {
    Failure::NotFound(format!("{what} {id:?} not found"))
}

/// A required, non-blank string.
fn required<'a>(value: Option<&'a str>, field: &str) -> Result<&'a str, Failure> {
    match value.map(str::trim) {
        Some(value) if !value.is_empty() => Ok(value),
        _ => Err(Failure::InvalidArgument(format!("{field} is required"))),
    }
}

/// Whether `text` contains `needle`, ignoring case.
fn contains_ci(text: Option<&str>, needle: &str) -> bool {
    text.is_some_and(|text| text.to_lowercase().contains(needle))
}

/// `number` as E.164 (separators removed) when it is a valid number of its country, by the
/// SDK's own rules ([`agni::E164`]); `None` otherwise.
fn normalize_e164(number: &str) -> Option<String> {
    agni::E164::parse(number).ok().map(String::from)
}

/// The phone number a request gives in `field`, validated as the service validates it: a
/// `400` naming the field when it is not a valid E.164 number of its country.
fn e164(number: &str, field: &str) -> Result<String, Failure> {
    agni::E164::parse(number)
        .map(String::from)
        .map_err(|error| {
            let reason = match error.kind() {
                agni::ErrorKind::InvalidRequest { reason } => reason.clone(),
                _ => error.to_string(),
            };
            Failure::InvalidArgument(format!("field \"{field}\": {reason}"))
        })
}

/// A small deterministic hash, for the sandbox's "random" but reproducible figures.
fn spread(seed: &str, modulo: u64) -> u64 {
    let hash = seed.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    hash % modulo.max(1)
}
