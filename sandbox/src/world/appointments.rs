//! The appointment book shared by Cal.com and GoHighLevel: each provider's list, get and
//! `manage` operations (book, reschedule, cancel, suggest, availability) over its own
//! appointment type, with demo calendars offering four slots a weekday.

use chrono::{Datelike, Duration, NaiveTime, Utc, Weekday};
use serde_json::{Value, json};

use super::{
    ApiRequest, Failure, Handled, World, decode, iso, new_id, not_found, now, ok, required,
};
use agni::types::{self, ManageAppointmentRequestAction as Action};

/// The daily slots the demo calendars offer.
const SLOTS: [&str; 4] = ["09:00", "10:30", "14:00", "16:00"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Provider {
    Calcom,
    Ghl,
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
    pub(super) fn list_appointments(&mut self, r: &ApiRequest, provider: Provider) -> Handled {
        let book = &self.integrations;
        match provider {
            Provider::Calcom => appointment_list(r, book.calcom_appointments.values(), |a| {
                (a.status.as_deref(), a.agent_id.as_deref())
            }),
            Provider::Ghl => appointment_list(r, book.ghl_appointments.values(), |a| {
                (a.status.as_deref(), a.agent_id.as_deref())
            }),
        }
    }

    /// A Cal.com appointment by id; a GoHighLevel one by id or by its GoHighLevel id.
    pub(super) fn get_appointment(&mut self, id: &str, provider: Provider) -> Handled {
        let book = &self.integrations;
        let found = match provider {
            Provider::Calcom => book.calcom_appointments.get(id).map(super::to_json),
            Provider::Ghl => book
                .ghl_appointments
                .values()
                .find(|a| a.id == id || a.ghl_appointment_id.as_deref() == Some(id))
                .map(super::to_json),
        };
        ok(
            "appointment fetched",
            found.ok_or_else(|| not_found("appointment", id))?,
        )
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

    pub(super) fn manage_appointment(&mut self, r: &ApiRequest, provider: Provider) -> Handled {
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
                        attendee_phone: request.phone.clone().map(String::from),
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
                        contact_phone: request.phone.clone().map(String::from),
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

/// An appointment list answer: `status`, `agent_id` and `limit` filters over `appointments`,
/// whose status and agent `status_and_agent` reads.
fn appointment_list<'a, A: serde::Serialize + 'a>(
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
