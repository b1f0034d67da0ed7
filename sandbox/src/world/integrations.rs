//! Cal.com and GoHighLevel: connection state, demo event types and calendars, and an
//! appointment book shared by both providers' `manage` operations (book, reschedule, cancel,
//! suggest, availability).

use chrono::{Datelike, Duration, NaiveTime, Utc, Weekday};
use serde_json::{Value, json};

use super::{
    ApiReply, ApiRequest, Failure, Handled, Table, World, decode, iso, new_id, not_found, now, ok,
    required,
};
use agni::types::{self, ManageAppointmentRequestAction as Action};

/// The daily slots the demo calendars offer.
const SLOTS: [&str; 4] = ["09:00", "10:30", "14:00", "16:00"];

#[derive(Debug, Default)]
pub(super) struct Integrations {
    calcom: Option<CalcomConnection>,
    ghl_connected: bool,
    calcom_appointments: Table<types::CalcomAppointment>,
    ghl_appointments: Table<types::GhlAppointment>,
    ghl_contacts: Table<types::GhlContact>,
    ghl_call_data: Vec<Value>,
}

#[derive(Debug, Clone)]
struct CalcomConnection {
    provider_id: String,
    account_name: Option<String>,
    connected_at: chrono::DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Provider {
    Calcom,
    Ghl,
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

/// The next `days` weekdays after today, with their free slots (booked ones taken out).
fn available_slots(days: i32, booked: &[String]) -> Vec<Value> {
    let mut out = Vec::new();
    let mut day = now().date_naive();
    while out.len() < usize::try_from(days.clamp(1, 14)).unwrap_or(3) {
        day += Duration::days(1);
        if matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            continue;
        }
        let slots: Vec<&str> = SLOTS
            .iter()
            .copied()
            .filter(|slot| {
                let time = NaiveTime::parse_from_str(slot, "%H:%M").unwrap_or_default();
                let at = iso(day.and_time(time).and_utc());
                !booked.contains(&at)
            })
            .collect();
        out.push(json!({
            "date": day.format("%Y-%m-%d").to_string(),
            "date_label": day.format("%A, %B %-d").to_string(),
            "slots": slots,
        }));
    }
    out
}

/// An ISO-8601 date-time, normalised to UTC seconds.
fn parse_time(text: &str) -> Result<String, Failure> {
    chrono::DateTime::parse_from_rfc3339(text.trim())
        .map(|t| iso(t.with_timezone(&Utc)))
        .or_else(|_| {
            chrono::NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M:%S")
                .or_else(|_| chrono::NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%d %H:%M"))
                .map(|t| iso(t.and_utc()))
        })
        .map_err(|_| {
            Failure::InvalidArgument(format!(
                "appointment_datetime {text:?} is not an ISO-8601 date-time"
            ))
        })
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
            "ListCalcomAppointments" => {
                list_appointments(r, self.integrations.calcom_appointments.values(), |a| {
                    (a.status.as_deref(), a.agent_id.as_deref())
                })
            }
            "GetCalcomAppointment" => {
                let id = r.path_param("id");
                let appointment = self
                    .integrations
                    .calcom_appointments
                    .get(id)
                    .ok_or_else(|| not_found("appointment", id))?;
                ok("appointment fetched", appointment)
            }
            "ManageCalcomAppointment" => self.manage_appointment(r, Provider::Calcom),
            "ManageGhlAppointment" => self.manage_appointment(r, Provider::Ghl),
            "ListGhlAppointments" => {
                list_appointments(r, self.integrations.ghl_appointments.values(), |a| {
                    (a.status.as_deref(), a.agent_id.as_deref())
                })
            }
            "GetGhlAppointment" => {
                let id = r.path_param("appointment_id");
                let appointment = self
                    .integrations
                    .ghl_appointments
                    .values()
                    .find(|a| a.id == id || a.ghl_appointment_id.as_deref() == Some(id))
                    .ok_or_else(|| not_found("appointment", id))?;
                ok("appointment fetched", appointment)
            }
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
                let same = |a: &Option<String>, b: &Option<String>| {
                    a.as_deref()
                        .is_some_and(|a| !a.is_empty() && Some(a) == b.as_deref())
                };
                if let Some(existing) = self
                    .integrations
                    .ghl_contacts
                    .values()
                    .find(|c| same(&c.phone, &request.phone) || same(&c.email, &request.email))
                {
                    return ok("contact found", existing);
                }
                if request.phone.is_none() && request.email.is_none() {
                    return Err(Failure::InvalidArgument("give a phone or an email".into()));
                }
                let id = format!("ghl_{}", new_id().replace('-', ""));
                let contact = types::GhlContact {
                    id: id.clone(),
                    name: request.name,
                    email: request.email,
                    phone: request.phone,
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

    fn booked_times(&self, provider: Provider) -> Vec<String> {
        match provider {
            Provider::Calcom => self
                .integrations
                .calcom_appointments
                .values()
                .filter(|a| a.status.as_deref() != Some("cancelled"))
                .filter_map(|a| a.start_time.map(|t| t.to_string()))
                .collect(),
            Provider::Ghl => self
                .integrations
                .ghl_appointments
                .values()
                .filter(|a| a.status.as_deref() != Some("cancelled"))
                .filter_map(|a| a.appointment_time.map(|t| t.to_string()))
                .collect(),
        }
    }

    fn manage_appointment(&mut self, r: &ApiRequest, provider: Provider) -> Handled {
        let request: types::ManageAppointmentRequest = decode(&r.body)?;
        let agent_name = self
            .agents
            .get(&request.agent_id)
            .and_then(|a| a.agent_name.clone());
        let booked = self.booked_times(provider);
        let when = || {
            request
                .appointment_datetime
                .as_deref()
                .filter(|t| !t.trim().is_empty())
                .ok_or_else(|| Failure::InvalidArgument("appointment_datetime is required".into()))
                .and_then(parse_time)
        };
        let appointment_id =
            || required(request.appointment_id.as_deref(), "appointment_id").map(str::to_owned);
        let (id, date_time, summary) = match &request.action {
            Action::Book => {
                let at = when()?;
                if booked.contains(&at) {
                    return Err(Failure::Conflict(format!(
                        "the slot {at} is already booked"
                    )));
                }
                let id = new_id();
                self.store_appointment(provider, &id, &request, &at, agent_name.clone());
                (Some(id), Some(at.clone()), format!("Booked for {at}"))
            }
            Action::Reschedule => {
                let id = appointment_id()?;
                let at = when()?;
                self.set_appointment(provider, &id, Some(&at), "scheduled")?;
                (Some(id), Some(at.clone()), format!("Rescheduled to {at}"))
            }
            Action::Cancel => {
                let id = appointment_id()?;
                self.set_appointment(provider, &id, None, "cancelled")?;
                (Some(id), None, "Cancelled".to_owned())
            }
            Action::Suggest | Action::Availability => (None, None, "Free slots listed".to_owned()),
            Action::Unknown(other) => {
                return Err(Failure::InvalidArgument(format!(
                    "unknown action {other:?}"
                )));
            }
        };
        let slots = match request.action {
            Action::Suggest | Action::Availability => available_slots(
                request.days_ahead.unwrap_or(3),
                &self.booked_times(provider),
            ),
            _ => Vec::new(),
        };
        ok(
            "appointment request handled",
            json!({
                "success": true,
                "action": request.action.to_string(),
                "appointment_id": id,
                "date_time": date_time,
                "agent_name": agent_name,
                "available_slots": slots,
                "summary": summary,
                "message": summary,
                "action_required": "",
            }),
        )
    }

    fn store_appointment(
        &mut self,
        provider: Provider,
        id: &str,
        request: &types::ManageAppointmentRequest,
        at: &str,
        agent_name: Option<String>,
    ) {
        match provider {
            Provider::Calcom => {
                let start = at.parse::<agni::Timestamp>().ok();
                let end =
                    start.map(|t| (t.as_datetime().to_owned() + Duration::minutes(30)).into());
                self.integrations.calcom_appointments.insert(
                    id.to_owned(),
                    types::CalcomAppointment {
                        id: id.to_owned(),
                        agent_id: Some(request.agent_id.clone()),
                        organization_id: Some(request.org_id.clone()),
                        attendee_name: request.name.clone(),
                        attendee_email: request.email.clone(),
                        attendee_phone: request.phone.clone(),
                        attendee_timezone: request.timezone.clone().or_else(|| Some("UTC".into())),
                        calcom_booking_uid: Some(format!("bk_{}", &id[id.len() - 12..])),
                        duration_minutes: Some(30),
                        start_time: start,
                        end_time: end,
                        meeting_url: Some(format!("https://cal.com/video/{id}")),
                        status: Some("scheduled".into()),
                        extra: Default::default(),
                    },
                );
            }
            Provider::Ghl => {
                self.integrations.ghl_appointments.insert(
                    id.to_owned(),
                    types::GhlAppointment {
                        id: id.to_owned(),
                        agent_id: Some(request.agent_id.clone()),
                        agent_name,
                        appointment_time: at.parse().ok(),
                        contact_name: request.name.clone(),
                        contact_email: request.email.clone(),
                        contact_phone: request.phone.clone(),
                        contact_id: None,
                        ghl_appointment_id: Some(format!("ghl_{}", &id[id.len() - 12..])),
                        status: Some("scheduled".into()),
                        extra: Default::default(),
                    },
                );
            }
        }
    }

    fn set_appointment(
        &mut self,
        provider: Provider,
        id: &str,
        at: Option<&str>,
        status: &str,
    ) -> Result<(), Failure> {
        match provider {
            Provider::Calcom => {
                let a = self
                    .integrations
                    .calcom_appointments
                    .get_mut(id)
                    .ok_or_else(|| not_found("appointment", id))?;
                if let Some(at) = at {
                    a.start_time = at.parse().ok();
                    a.end_time = a
                        .start_time
                        .map(|t| (t.as_datetime().to_owned() + Duration::minutes(30)).into());
                }
                a.status = Some(status.to_owned());
            }
            Provider::Ghl => {
                let a = self
                    .integrations
                    .ghl_appointments
                    .values_mut()
                    .find(|a| a.id == id || a.ghl_appointment_id.as_deref() == Some(id))
                    .ok_or_else(|| not_found("appointment", id))?;
                if let Some(at) = at {
                    a.appointment_time = at.parse().ok();
                }
                a.status = Some(status.to_owned());
            }
        }
        Ok(())
    }
}

/// Cal.com and GoHighLevel appointment lists: the same `status`, `agent_id` and `limit`
/// filters over their own appointment types; `status_and_agent` reads both fields.
fn list_appointments<'a, A: serde::Serialize + 'a>(
    r: &ApiRequest,
    appointments: impl Iterator<Item = &'a A>,
    status_and_agent: fn(&A) -> (Option<&str>, Option<&str>),
) -> Handled {
    let wanted = |name: &str| {
        r.query
            .get(name)
            .filter(|s| !s.is_empty())
            .map(String::as_str)
    };
    let (status, agent) = (wanted("status"), wanted("agent_id"));
    let limit = r
        .query_number("limit")
        .and_then(|n| usize::try_from(n).ok())
        .filter(|&n| n > 0)
        .unwrap_or(usize::MAX);
    let appointments: Vec<&A> = appointments
        .filter(|a| {
            let (a_status, a_agent) = status_and_agent(a);
            status.is_none_or(|s| a_status == Some(s)) && agent.is_none_or(|id| a_agent == Some(id))
        })
        .take(limit)
        .collect();
    ok(
        "appointments fetched",
        json!({"count": appointments.len(), "appointments": appointments}),
    )
}
