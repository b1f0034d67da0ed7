//! Cal.com and GoHighLevel: connection state, the agents linked to the Cal.com account, demo
//! event types and calendars, and GoHighLevel contacts and setup. Both providers' appointments
//! are in `appointments`.
//!
//! The organisation has at most one Cal.com account (`ConnectCalcom`; its `provider_id` is the
//! account id), which `AssignCalcomAccountToAgent` links to agents. No operation of the spec
//! gives an agent a private Cal.com key, so in the sandbox an agent's own connection
//! (`GetAgentCalcomStatus`) is never connected, and linking never meets the `409` the service
//! answers for agents that have one.

use std::collections::BTreeMap;

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use super::{
    ApiReply, ApiRequest, Failure, Handled, Table, World, appointments::Provider, decode, iso,
    new_id, not_found, now, ok, required,
};
use agni::types;

/// Where the sandbox says an agent's Cal.com bookings go.
const CALCOM_API: &str = "https://api.cal.com/v2";

#[derive(Debug, Default)]
pub(super) struct Integrations {
    calcom: Option<CalcomConnection>,
    /// Agents linked to the organisation's Cal.com account: agent id → account id.
    calcom_agents: BTreeMap<String, String>,
    ghl_connected: bool,
    pub(super) calcom_appointments: Table<types::CalcomAppointment>,
    pub(super) ghl_appointments: Table<types::GhlAppointment>,
    ghl_contacts: Table<types::GhlContact>,
    ghl_call_data: Vec<Value>,
}

#[derive(Debug, Clone)]
struct CalcomConnection {
    provider_id: String,
    account_name: Option<String>,
    connected_at: chrono::DateTime<Utc>,
}

fn event_types() -> Vec<types::CalcomEventType> {
    [
        ("1001", "intro-call", "Intro call", 15, 0.0),
        ("1002", "consultation", "Consultation", 30, 0.0),
        ("1003", "strategy-session", "Strategy session", 60, 150.0),
    ]
    .into_iter()
    .map(|(id, slug, title, minutes, price)| types::CalcomEventType {
        id: id.into(),
        slug: Some(slug.into()),
        title: Some(title.into()),
        description: Some(format!("A {minutes}-minute {}", title.to_lowercase())),
        duration_minutes: Some(minutes),
        price: Some(price),
        currency: Some("USD".into()),
        is_active: Some(true),
        extra: Default::default(),
    })
    .collect()
}

fn calendars() -> Vec<types::GhlCalendar> {
    [
        ("cal_sandbox_sales", "Sales calls", "Discovery call"),
        ("cal_sandbox_support", "Support", "Support session"),
    ]
    .into_iter()
    .map(|(id, name, service)| types::GhlCalendar {
        id: id.into(),
        name: Some(name.into()),
        description: Some(format!("{name} (sandbox calendar)")),
        service_title: Some(service.into()),
        location_id: Some("loc_sandbox".into()),
        extra: Default::default(),
    })
    .collect()
}

impl World {
    /// Cal.com and GoHighLevel operations; anything else is answered as an unknown operation.
    pub(super) fn integration(&mut self, operation: &str, r: &ApiRequest) -> Handled {
        match operation {
            "ConnectCalcom" => self.connect_calcom(r),
            "DisconnectCalcom" => {
                let request: types::DisconnectCalcomRequest = decode(&r.body)?;
                let provider_id = required(request.provider_id.as_deref(), "provider_id")?;
                match &self.integrations.calcom {
                    Some(c) if c.provider_id == provider_id => {
                        self.integrations.calcom = None;
                        self.integrations.calcom_agents.clear();
                        ok(
                            "cal.com disconnected",
                            json!({"provider_id": request.provider_id}),
                        )
                    }
                    _ => Err(not_found("cal.com connection", provider_id)),
                }
            }
            "CalcomStatus" => {
                let data = match &self.integrations.calcom {
                    Some(c) => json!({
                        "connected": true,
                        "status": "connected",
                        "message": format!("connected as {}", c.account_name.as_deref().unwrap_or("cal.com")),
                        "token_expires": iso(c.connected_at + Duration::days(60)),
                    }),
                    None => {
                        json!({"connected": false, "status": "not_connected", "message": "cal.com is not connected"})
                    }
                };
                ok("cal.com status fetched", data)
            }
            "AssignCalcomAccountToAgent" => self.assign_calcom_account(r),
            "GetAgentCalcomInfo" => self.agent_calcom_info(r),
            "GetAgentCalcomStatus" => {
                self.agent(r.path_param("agent_id"))?;
                let status = types::CalcomAgentStatus {
                    connected: Some(false),
                    status: Some("not_connected".into()),
                    accounts: Vec::new(),
                    extra: Default::default(),
                };
                ok("calcom status fetched", status)
            }
            "ListCalcomEventTypes" => ok("event types fetched", event_types()),
            "LookupCalcomEventType" => {
                let key = r.path_param("platform_id");
                event_types()
                    .into_iter()
                    .find(|e| e.id == key || e.slug.as_deref() == Some(key))
                    .map_or_else(
                        || Err(not_found("event type", key)),
                        |e| ok("event type fetched", e),
                    )
            }
            "ListCalcomAppointments" => self.list_appointments(r, Provider::Calcom),
            "GetCalcomAppointment" => self.get_appointment(r.path_param("id"), Provider::Calcom),
            "ManageCalcomAppointment" => self.manage_appointment(r, Provider::Calcom),
            "ListGhlAppointments" => self.list_appointments(r, Provider::Ghl),
            "GetGhlAppointment" => {
                self.get_appointment(r.path_param("appointment_id"), Provider::Ghl)
            }
            "ManageGhlAppointment" => self.manage_appointment(r, Provider::Ghl),
            "SaveGhlCallData" => {
                let request: types::SaveGhlCallDataRequest = decode(&r.body)?;
                let contact_id =
                    required(Some(request.contact_id.as_str()), "contact_id")?.to_owned();
                let record = json!({
                    "id": new_id(),
                    "contact_id": contact_id,
                    "summary": request.summary,
                    "duration_sec": request.duration_sec,
                    "recording_url": request.recording_url,
                    "tags": request.tags,
                    "custom_fields": request.custom_fields,
                    "saved_at": iso(now()),
                });
                self.integrations.ghl_call_data.push(record.clone());
                ok("call data saved to GoHighLevel", record)
            }
            "GetOrCreateGhlContact" => {
                let request: types::GetOrCreateGhlContactRequest = decode(&r.body)?;
                let phone = request.phone.map(String::from);
                let same = |a: &Option<String>, b: &Option<String>| {
                    a.as_deref()
                        .is_some_and(|a| !a.is_empty() && Some(a) == b.as_deref())
                };
                if let Some(existing) = self
                    .integrations
                    .ghl_contacts
                    .values()
                    .find(|c| same(&c.phone, &phone) || same(&c.email, &request.email))
                {
                    return ok("contact found", existing);
                }
                if phone.is_none() && request.email.is_none() {
                    return Err(Failure::InvalidArgument("give a phone or an email".into()));
                }
                let id = format!("ghl_{}", new_id().replace('-', ""));
                let contact = types::GhlContact {
                    id: id.clone(),
                    name: request.name,
                    email: request.email,
                    phone,
                    location_id: request.location_id.or_else(|| Some("loc_sandbox".into())),
                    extra: request.extra,
                };
                self.integrations.ghl_contacts.insert(id, contact.clone());
                ok("contact created", contact)
            }
            "DisconnectGhl" => {
                self.integrations.ghl_connected = false;
                ok("GoHighLevel disconnected", json!({}))
            }
            // The real service redirects to GoHighLevel and back; the sandbox has nowhere to
            // send a browser, so it completes the connection at once and answers 200.
            "GhlOauthAuthorize" | "GhlOauthCallback" => {
                self.integrations.ghl_connected = true;
                Ok(ApiReply::Empty)
            }
            "ListGhlCalendars" => {
                let calendars = calendars();
                ok(
                    "calendars fetched",
                    json!({"count": calendars.len(), "calendars": calendars}),
                )
            }
            "GetGhlAgentByCalendar" => {
                let calendar_id = r.path_param("calendar_id");
                let index = calendars()
                    .iter()
                    .position(|c| c.id == calendar_id)
                    .ok_or_else(|| not_found("calendar", calendar_id))?;
                // Calendars map onto the organisation's agents in order.
                let agent = self.agents.values().nth(index).ok_or_else(|| {
                    Failure::NotFound(format!("no agent is linked to calendar {calendar_id:?}"))
                })?;
                ok(
                    "agent fetched",
                    json!({
                        "agent_id": agent.id,
                        "agent_name": agent.agent_name,
                        "calendar_id": calendar_id,
                        "is_active": agent.status == Some(types::AgentStatus::Active),
                        "created_at": agent.created_at,
                    }),
                )
            }
            "GhlSetupStatus" => {
                let agents = self.agents.len();
                let connected = self.integrations.ghl_connected;
                let next = match (connected, agents) {
                    (false, _) => "connect_ghl",
                    (true, 0) => "create_agents",
                    _ => "done",
                };
                ok(
                    "setup status fetched",
                    json!({
                        "ghl_connected": connected,
                        "token_valid": connected,
                        "location_id": connected.then_some("loc_sandbox"),
                        "company_id": connected.then_some("comp_sandbox"),
                        "agents_created": agents > 0,
                        "agent_count": agents,
                        "setup_complete": connected && agents > 0,
                        "next_step": next,
                        "message": if next == "done" { "GoHighLevel is set up" } else { "GoHighLevel setup is incomplete" },
                    }),
                )
            }
            other => Err(Failure::NotFound(format!(
                "operation {other:?} is not part of the Agni API"
            ))),
        }
    }

    /// Links the organisation's Cal.com account to an agent (`calcom_account_id`), or unlinks
    /// it (`null`).
    fn assign_calcom_account(&mut self, r: &ApiRequest) -> Handled {
        let agent_id = r.path_param("agent_id");
        let agent_name = self.agent(agent_id)?.agent_name.clone();
        let request: types::AssignCalcomAccountRequest = decode(&r.body)?;
        let linked = request
            .calcom_account_id
            .filter(|account| !account.trim().is_empty());
        match &linked {
            Some(account) => {
                if self
                    .integrations
                    .calcom
                    .as_ref()
                    .is_none_or(|c| c.provider_id != *account)
                {
                    return Err(not_found("cal.com account", account));
                }
                self.integrations
                    .calcom_agents
                    .insert(agent_id.to_owned(), account.clone());
            }
            None => {
                self.integrations.calcom_agents.remove(agent_id);
            }
        }
        let result = types::AssignCalcomAccountResult {
            agent_id: Some(agent_id.to_owned()),
            agent_name,
            calcom_account_id: linked,
            extra: Default::default(),
        };
        ok("calcom account assigned", result)
    }

    /// The Cal.com account an agent effectively uses: the linked organisation account, or none.
    fn agent_calcom_info(&mut self, r: &ApiRequest) -> Handled {
        let agent_id = r.path_param("agent_id");
        self.agent(agent_id)?;
        let linked = self
            .integrations
            .calcom_agents
            .get(agent_id)
            .and_then(|account| {
                let connection = self.integrations.calcom.as_ref()?;
                (connection.provider_id == *account).then_some(connection)
            });
        let info = match linked {
            Some(connection) => types::CalcomAgentAccount {
                connected: Some(true),
                type_: Some(types::CalcomAgentAccountType::OrgLinked),
                calcom_account_id: Some(connection.provider_id.clone()),
                account_name: Some(
                    connection
                        .account_name
                        .clone()
                        .unwrap_or_else(|| "Default".into()),
                ),
                status: Some("active".into()),
                api_base_url: Some(CALCOM_API.into()),
                extra: Default::default(),
            },
            None => types::CalcomAgentAccount {
                connected: Some(false),
                type_: Some(types::CalcomAgentAccountType::None),
                api_base_url: Some(CALCOM_API.into()),
                ..Default::default()
            },
        };
        ok("calcom info fetched", info)
    }

    fn connect_calcom(&mut self, r: &ApiRequest) -> Handled {
        let request: types::ConnectCalcomRequest = decode(&r.body)?;
        required(Some(request.api_key.as_str()), "api_key")?;
        if !request.api_key.starts_with("cal_") {
            return Err(Failure::InvalidArgument(
                "api_key is not a Cal.com API key (they start with cal_)".into(),
            ));
        }
        let connection = CalcomConnection {
            provider_id: new_id(),
            account_name: request.account_name.clone(),
            connected_at: now(),
        };
        let data = json!({
            "org_id": request.org_id,
            "provider_id": connection.provider_id,
            "account_name": request.account_name,
            "status": "connected",
            "connected_at": connection.connected_at,
        });
        self.integrations.calcom = Some(connection);
        ok("cal.com connected", data)
    }
}
