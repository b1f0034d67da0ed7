//! The sandbox's in-memory state: every resource of the Agni API, kept in the SDK's own generated
//! types and changed one [`ApiRequest`] at a time.
//!
//! The edge (`server`) has already matched the path, checked the key and validated the body
//! against `openapi.yaml`; [`World::handle`] dispatches on the operationId and answers in the
//! spec's spelling (snake_case, except the schemas the spec declares camelCase, such as
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
mod calls;
mod campaigns;
mod contacts;
mod integrations;
mod knowledge;
mod phone;
#[cfg(test)]
mod tests;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::{Map, Value, json};

use super::api::{ApiReply, ApiRequest, Failure, WebhookShape};
use agni::types;

/// What a sandbox starts with.
///
/// [`Seed::default()`] is a small demo set: a few phone numbers available to buy in the US and
/// in the UK, and the voices of two LLM models ([`Seed::OPENAI_REALTIME_MODEL`] and
/// [`Seed::GEMINI_LIVE_MODEL`]) — no agents, contacts or anything else, so a test starts from a
/// clean organisation. [`Seed::empty()`] has nothing at all. Add to either with the `with_*`
/// methods; seeded agents, tools and contacts are created as if through the API (with fresh
/// UUIDv7 ids and timestamps), so list them to learn their ids.
///
/// ```
/// use agni_sandbox::Seed;
/// use agni::types::{CreateAgentRequest, CreateContactRequest};
///
/// let seed = Seed::default()
///     .with_agent(CreateAgentRequest {
///         agent_name: Some("Maya".into()),
///         begin_message: Some("Bella Cucina, this is Maya. How can I help?".into()),
///         ..Default::default()
///     })
///     .with_contact(CreateContactRequest {
///         first_name: Some("Ada".into()),
///         phone: Some("+14155550123".into()),
///         ..Default::default()
///     })
///     .with_available_number("US", "+13105550100");
/// assert_eq!(seed.agents.len(), 1);
/// assert!(seed.available_numbers.iter().any(|n| n.phone_number.as_deref() == Some("+13105550100")));
/// assert!(Seed::empty().available_numbers.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Seed {
    /// The organisation every resource belongs to (`organization_id`, the webhook's `org_id`).
    pub organization_id: String,
    /// Agents created at start, in order.
    pub agents: Vec<types::CreateAgentRequest>,
    /// Agent tools created at start, in order.
    pub tools: Vec<types::CreateAgentToolRequest>,
    /// Contacts created at start, in order.
    pub contacts: Vec<types::CreateContactRequest>,
    /// Numbers `list_available_numbers` offers (by `iso_country`) and `buy_phone_number` sells.
    pub available_numbers: Vec<types::PhoneNumber>,
    /// Voices `list_voices` answers, grouped by their `llm_model_id`; a model with no voice here
    /// is unknown (`404`).
    pub voices: Vec<types::Voice>,
}

impl Seed {
    /// The organisation id of [`Seed::default()`] and [`Seed::empty()`].
    pub const DEMO_ORGANIZATION_ID: &'static str = "0198f6a2-0000-7000-8000-000000000001";
    /// An LLM model of the default seed, with the voices Alloy, Echo and Shimmer.
    pub const OPENAI_REALTIME_MODEL: &'static str = "550e8400-e29b-41d4-a716-446655440000";
    /// An LLM model of the default seed, with the voices Puck, Kore and Charon.
    pub const GEMINI_LIVE_MODEL: &'static str = "0198f6a2-7a00-7000-8000-0000000000a2";

    /// A seed with nothing in it but the [demo organisation](Self::DEMO_ORGANIZATION_ID).
    ///
    /// ```
    /// let seed = agni_sandbox::Seed::empty();
    /// assert!(seed.voices.is_empty() && seed.agents.is_empty());
    /// ```
    pub fn empty() -> Self {
        Seed {
            organization_id: Self::DEMO_ORGANIZATION_ID.to_owned(),
            agents: Vec::new(),
            tools: Vec::new(),
            contacts: Vec::new(),
            available_numbers: Vec::new(),
            voices: Vec::new(),
        }
    }

    /// Uses another organisation id.
    ///
    /// ```
    /// let seed = agni_sandbox::Seed::default().with_organization_id("org-under-test");
    /// assert_eq!(seed.organization_id, "org-under-test");
    /// ```
    pub fn with_organization_id(mut self, organization_id: impl Into<String>) -> Self {
        self.organization_id = organization_id.into();
        self
    }

    /// Adds an agent, created at start as by `create_agent`.
    ///
    /// ```
    /// let seed = agni_sandbox::Seed::empty().with_agent(agni::types::CreateAgentRequest {
    ///     agent_name: Some("Receptionist".into()),
    ///     ..Default::default()
    /// });
    /// assert_eq!(seed.agents[0].agent_name.as_deref(), Some("Receptionist"));
    /// ```
    pub fn with_agent(mut self, agent: types::CreateAgentRequest) -> Self {
        self.agents.push(agent);
        self
    }

    /// Adds an agent tool, created at start as by `create_agent_tool`.
    ///
    /// ```
    /// let seed = agni_sandbox::Seed::empty().with_tool(agni::types::CreateAgentToolRequest {
    ///     name: Some("check_availability".into()),
    ///     type_: Some("webhook".into()),
    ///     ..Default::default()
    /// });
    /// assert_eq!(seed.tools.len(), 1);
    /// ```
    pub fn with_tool(mut self, tool: types::CreateAgentToolRequest) -> Self {
        self.tools.push(tool);
        self
    }

    /// Adds a contact, created at start as by `create_contact`.
    ///
    /// ```
    /// let seed = agni_sandbox::Seed::empty().with_contact(agni::types::CreateContactRequest {
    ///     email: Some("ada@example.com".into()),
    ///     ..Default::default()
    /// });
    /// assert_eq!(seed.contacts.len(), 1);
    /// ```
    pub fn with_contact(mut self, contact: types::CreateContactRequest) -> Self {
        self.contacts.push(contact);
        self
    }

    /// Offers `number` for sale in `iso_country` (e.g. `"US"`), at the demo prices ($1.15 a
    /// month, $0.0085 a minute inbound, $0.014 outbound). Push to
    /// [`available_numbers`](Self::available_numbers) for other prices.
    ///
    /// ```
    /// let seed = agni_sandbox::Seed::empty().with_available_number("GB", "+442079460999");
    /// assert_eq!(seed.available_numbers[0].iso_country.as_deref(), Some("GB"));
    /// ```
    pub fn with_available_number(
        mut self,
        iso_country: impl Into<String>,
        number: impl Into<String>,
    ) -> Self {
        self.available_numbers
            .push(demo_number(&iso_country.into(), &number.into()));
        self
    }

    /// Adds a voice; its `llm_model_id` says which model's list it appears in.
    ///
    /// ```
    /// let voice = agni::types::Voice::builder()
    ///     .id("nova")
    ///     .llm_model_id("my-model".to_owned())
    ///     .voice_name("Nova".to_owned());
    /// let seed = agni_sandbox::Seed::empty().with_voice(voice.try_into()?);
    /// assert_eq!(seed.voices.len(), 1);
    /// # Ok::<(), agni::types::error::ConversionError>(())
    /// ```
    pub fn with_voice(mut self, voice: types::Voice) -> Self {
        self.voices.push(voice);
        self
    }
}

impl Default for Seed {
    /// The demo set: US and UK numbers to buy, the voices of two LLM models, nothing else.
    fn default() -> Self {
        let numbers = [
            ("US", "+14155550100"),
            ("US", "+14155550101"),
            ("US", "+14155550102"),
            ("US", "+12125550100"),
            ("US", "+12125550101"),
            ("GB", "+442079460100"),
            ("GB", "+442079460101"),
            ("GB", "+441614960100"),
        ];
        let voices = [
            (
                Self::OPENAI_REALTIME_MODEL,
                "0198f6a2-7b00-7000-8000-000000000001",
                "Alloy",
                "alloy",
                "female",
            ),
            (
                Self::OPENAI_REALTIME_MODEL,
                "0198f6a2-7b00-7000-8000-000000000002",
                "Echo",
                "echo",
                "male",
            ),
            (
                Self::OPENAI_REALTIME_MODEL,
                "0198f6a2-7b00-7000-8000-000000000003",
                "Shimmer",
                "shimmer",
                "female",
            ),
            (
                Self::GEMINI_LIVE_MODEL,
                "0198f6a2-7b00-7000-8000-000000000004",
                "Puck",
                "Puck",
                "male",
            ),
            (
                Self::GEMINI_LIVE_MODEL,
                "0198f6a2-7b00-7000-8000-000000000005",
                "Kore",
                "Kore",
                "female",
            ),
            (
                Self::GEMINI_LIVE_MODEL,
                "0198f6a2-7b00-7000-8000-000000000006",
                "Charon",
                "Charon",
                "male",
            ),
        ];
        Seed {
            available_numbers: numbers
                .iter()
                .map(|(country, number)| demo_number(country, number))
                .collect(),
            voices: voices
                .iter()
                .map(|(model, id, name, real, gender)| types::Voice {
                    id: (*id).to_owned(),
                    llm_model_id: Some((*model).to_owned()),
                    voice_name: Some((*name).to_owned()),
                    real_voice_id: Some((*real).to_owned()),
                    real_voice_name: Some(real.to_lowercase()),
                    gender: Some((*gender).to_owned()),
                    language: Some("en".to_owned()),
                    img_url: Some(format!(
                        "https://cdn.ravan.ai/voices/{}.png",
                        real.to_lowercase()
                    )),
                    recording_url: Some(format!(
                        "https://cdn.ravan.ai/voices/{}.mp3",
                        real.to_lowercase()
                    )),
                    extra: Default::default(),
                })
                .collect(),
            ..Seed::empty()
        }
    }
}

fn demo_number(iso_country: &str, number: &str) -> types::PhoneNumber {
    types::PhoneNumber {
        iso_country: Some(iso_country.to_owned()),
        phone_number: Some(number.to_owned()),
        price: Some(1.15),
        per_minute_price_inbound: Some(0.0085),
        per_minute_price_outbound: Some(0.014),
        telephony_type: None,
        extra: Default::default(),
    }
}

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
    /// A world holding `seed`, created as if through the API.
    pub(crate) fn new(seed: Seed) -> World {
        let mut world = World {
            org_id: seed.organization_id,
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
            // Health.
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
/// type refuses is a 400.
fn decode<T: DeserializeOwned>(body: &Value) -> Result<T, Failure> {
    let body = if body.is_null() {
        Value::Object(Map::new())
    } else {
        body.clone()
    };
    serde_json::from_value(body).map_err(|e| Failure::InvalidArgument(format!("invalid body: {e}")))
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

/// A number in E.164 form, separators removed; `None` when it is not one.
fn normalize_e164(number: &str) -> Option<String> {
    let rest = number.trim().strip_prefix('+')?;
    let mut digits = String::from("+");
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' => {}
            _ => return None,
        }
    }
    let len = digits.len() - 1;
    ((7..=15).contains(&len) && !digits[1..].starts_with('0')).then_some(digits)
}

/// A small deterministic hash, for the sandbox's "random" but reproducible figures.
fn spread(seed: &str, modulo: u64) -> u64 {
    let hash = seed.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    hash % modulo.max(1)
}
