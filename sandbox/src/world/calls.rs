//! Calls: creating web and outbound calls, ending them with a plausible conversation, listing
//! call sessions and the phone-call history, and finalising a session. The after-call webhook
//! is in `webhook`, the recording in `recordings`.
//!
//! A call is created `in_progress` and ends at the start of the next request the world handles
//! (or when the edge calls [`World::end_call`]): see the [world's docs](super) for the clock.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value, json};

use super::{
    ApiReply, ApiRequest, Failure, Handled, Table, World, contains_ci, decode, new_id,
    normalize_e164, not_found, now, ok, ok_all, recordings::recording_url, spread, stamp, to_json,
};
use agni::types;

/// Where the sandbox says participants join a call. `.invalid` never resolves (RFC 2606).
pub(super) const LIVEKIT_URL: &str = "wss://sandbox.livekit.invalid";

#[derive(Debug, Default)]
pub(super) struct Calls {
    pub(super) rows: Table<Call>,
    /// Sessions ended since the edge last asked.
    pub(super) ended: Vec<String>,
}

impl Calls {
    /// The calls with `contact_id`, newest first.
    pub(super) fn of_contact<'a>(&'a self, contact_id: &'a str) -> impl Iterator<Item = &'a Call> {
        self.rows
            .values()
            .rev()
            .filter(move |call| call.contact_id.as_deref() == Some(contact_id))
    }
}

#[derive(Debug, Clone)]
pub(super) struct Call {
    /// The session as `GetCallSessionDetail` answers it.
    pub(super) detail: types::CallSessionDetail,
    pub(super) caller_name: Option<String>,
    pub(super) caller_email: Option<String>,
    pub(super) campaign_id: Option<String>,
    pub(super) contact_id: Option<String>,
    pub(super) prompt_dynamic_variables: Map<String, Value>,
    /// The agent's opening line when the call started (the agent may change or go later).
    begin_message: Option<String>,
    /// The signed `token` of the recording URL, which authorizes downloading it on its own.
    pub(super) recording_token: String,
    /// When `FinalizeSession` finalized the session, if it did.
    finalized_at: Option<agni::Timestamp>,
}

impl Call {
    pub(super) fn in_progress(&self) -> bool {
        self.detail.status.as_deref() == Some("in_progress")
    }

    pub(super) fn channel(&self) -> &str {
        self.detail.channel.as_deref().unwrap_or("web_call")
    }

    /// The customer's number: the callee of an outbound call, the caller otherwise.
    pub(super) fn customer_number(&self) -> Option<&str> {
        match self.channel() {
            "outbound_call" => self.detail.callee_number.as_deref(),
            _ => self.detail.caller_number.as_deref(),
        }
    }

    /// The list item (`CallSession`, camelCase on the wire, without the transcript); `None` only
    /// if the detail could not be read as one, which the two generated types' shared fields
    /// rule out.
    fn session(&self) -> Option<types::CallSession> {
        let mut detail = to_json(&self.detail);
        if let Value::Object(fields) = &mut detail {
            fields.remove("transcripts");
        }
        let mut session: types::CallSession = serde_json::from_value(detail).ok()?;
        session.caller_name = self.caller_name.clone();
        session.caller_email = self.caller_email.clone();
        session.prompt_dynamic_variables = self.prompt_dynamic_variables.clone();
        session.error_message = Some(String::new());
        Some(session)
    }
}

/// What a new call is made of.
#[derive(Debug, Default)]
pub(super) struct NewCall {
    pub(super) agent_id: String,
    pub(super) channel: &'static str,
    pub(super) caller_number: Option<String>,
    pub(super) callee_number: Option<String>,
    pub(super) metadata: Map<String, Value>,
    pub(super) prompt_dynamic_variables: Map<String, Value>,
    pub(super) campaign_id: Option<String>,
    pub(super) contact_id: Option<String>,
}

/// `{{name}}` placeholders replaced by the call's dynamic variables.
fn fill(template: &str, variables: &Map<String, Value>) -> String {
    let mut text = template.to_owned();
    for (name, value) in variables {
        let value = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        text = text
            .replace(&format!("{{{{{name}}}}}"), &value)
            .replace(&format!("{{{{ {name} }}}}"), &value);
    }
    text
}

/// URL-safe base64 without padding, for the fake LiveKit token.
fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

/// A JWT-looking LiveKit token (`header.payload.signature`); nothing verifies it.
fn access_token(session_id: &str, room_id: &str, issued: DateTime<Utc>) -> String {
    let header = base64url(br#"{"alg":"HS256","typ":"JWT"}"#);
    let claims = json!({
        "iss": "agni-sandbox",
        "sub": session_id,
        "video": {"room": room_id, "roomJoin": true},
        "iat": issued.timestamp(),
        "exp": issued.timestamp() + 3600,
    });
    let payload = base64url(claims.to_string().as_bytes());
    let signature = base64url(format!("{:016x}", spread(session_id, u64::MAX)).as_bytes());
    format!("{header}.{payload}.{signature}")
}

/// `web_call` → `web`, `CHANNEL_OUTBOUND_CALL` → `outbound`: the comparable part of a channel.
fn channel_key(channel: &str) -> String {
    let lower = channel.trim().to_ascii_lowercase();
    let bare = lower.strip_prefix("channel_").unwrap_or(&lower);
    bare.strip_suffix("_call").unwrap_or(bare).to_owned()
}

fn channel_matches(filter: &str, channel: &str) -> bool {
    let (filter, channel) = (channel_key(filter), channel_key(channel));
    filter == channel
        || (matches!(filter.as_str(), "voice" | "phone" | "sip")
            && matches!(channel.as_str(), "inbound" | "outbound"))
}

/// The scripted conversation of a finished call: (role, text) turns.
fn conversation(agent_name: &str, greeting: String, outbound: bool) -> Vec<(&'static str, String)> {
    let opening = if outbound {
        "Hi! Yes, this is a good time. I was hoping to book an appointment for next week."
    } else {
        "Hi, I'd like to book an appointment for next week, please."
    };
    vec![
        ("agent", greeting),
        ("user", opening.to_owned()),
        (
            "agent",
            format!(
                "Of course. {agent_name} here can offer Tuesday at 10am or Thursday at 2pm. Which suits you?"
            ),
        ),
        ("user", "Tuesday at 10am works, thanks.".to_owned()),
        (
            "agent",
            "You're booked for Tuesday at 10am; you'll get a confirmation shortly. Anything else?"
                .to_owned(),
        ),
        ("user", "No, that's all. Thank you, bye!".to_owned()),
    ]
}

impl World {
    /// Creates a call session in progress; returns its id.
    pub(super) fn place_call(&mut self, new: NewCall) -> String {
        let id = new_id();
        let stamp = stamp();
        let agent = self.agents.get(&new.agent_id);
        let agent_name = agent
            .and_then(|a| a.agent_name.clone().or_else(|| a.name.clone()))
            .unwrap_or_else(|| "Agent".into());
        let begin_message = agent.and_then(|a| a.begin_message.clone());
        let contact = new
            .contact_id
            .as_deref()
            .and_then(|id| self.contacts.rows.get(id));
        let detail = types::CallSessionDetail {
            id: id.clone(),
            room_id: Some(format!("call_{id}")),
            organization_id: Some(self.org_id.clone()),
            agent_id: Some(new.agent_id.clone()),
            agent_name: Some(agent_name),
            channel: Some(new.channel.to_owned()),
            caller_number: new.caller_number,
            callee_number: new.callee_number,
            status: Some("in_progress".into()),
            metadata: new.metadata,
            created_at: Some(stamp),
            started_at: Some(stamp),
            call_latency_ms: None,
            cost_total: None,
            credit_breakdown: None,
            disconnect_reason: None,
            duration_sec: None,
            ended_at: None,
            post_call_analysis_result: Map::new(),
            recording_url: None,
            summary: None,
            transcripts: Vec::new(),
            extra: Map::new(),
        };
        let call = Call {
            detail,
            caller_name: contact.and_then(super::contacts::full_name),
            caller_email: contact.and_then(|c| c.email.clone()),
            campaign_id: new.campaign_id,
            contact_id: new.contact_id,
            prompt_dynamic_variables: new.prompt_dynamic_variables,
            begin_message,
            recording_token: format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..)),
            finalized_at: None,
        };
        self.calls.rows.insert(id.clone(), call);
        id
    }

    /// Ends every call in progress (the first step of each request).
    pub(super) fn end_calls_in_progress(&mut self) {
        let ids: Vec<String> = self
            .calls
            .rows
            .values()
            .filter(|call| call.in_progress())
            .map(|call| call.detail.id.clone())
            .collect();
        for id in ids {
            self.finish_call(&id);
        }
    }

    /// Completes the call `id` if it is in progress: conversation, summary, analysis, cost.
    pub(super) fn finish_call(&mut self, id: &str) -> bool {
        let Some(call) = self.calls.rows.get_mut(id) else {
            return false;
        };
        if !call.in_progress() {
            return false;
        }
        let outbound = call.channel() == "outbound_call";
        let agent_name = call.detail.agent_name.clone().unwrap_or_default();
        let greeting = call.begin_message.as_deref().map_or_else(
            || format!("Hello! This is {agent_name}. How can I help you today?"),
            |message| fill(message, &call.prompt_dynamic_variables),
        );
        let turns = conversation(&agent_name, greeting, outbound);
        let duration = 25 + spread(id, 95) as i32; // 25..120 s
        let started = call.detail.started_at.map_or_else(now, DateTime::from);
        let step = i64::from(duration) * 1000 / turns.len() as i64;
        call.detail.transcripts = turns
            .into_iter()
            .enumerate()
            .map(|(i, (role, content))| types::CallTranscript {
                id: Some(format!("t{}", i + 1)),
                timestamp_ms: Some(i as i64 * step),
                message: Some(types::CallTranscriptMessage {
                    role: Some(role.to_owned()),
                    content: Some(content),
                    extra: Map::new(),
                }),
                extra: Map::new(),
            })
            .collect();
        let minutes = f64::from(duration) / 60.0;
        let model_credits = (minutes * 1.5 * 100.0).round() / 100.0;
        let provider_credits = if outbound {
            (minutes * 0.25 * 100.0).round() / 100.0
        } else {
            0.0
        };
        let total_credits = ((model_credits + provider_credits) * 100.0).round() / 100.0;
        call.detail.status = Some("completed".into());
        call.detail.duration_sec = Some(duration);
        call.detail.ended_at = Some((started + Duration::seconds(i64::from(duration))).into());
        call.detail.disconnect_reason = Some("user_hangup".into());
        call.detail.summary = Some(format!(
            "The caller asked to book an appointment for next week. {agent_name} offered Tuesday at 10am or Thursday at 2pm, and booked Tuesday at 10am."
        ));
        call.detail.recording_url = Some(recording_url(&self.base_url, id, &call.recording_token));
        call.detail.call_latency_ms = Some(600 + spread(&format!("{id}/latency"), 400) as i32);
        call.detail.cost_total = Some((minutes * 0.12 * 100.0).round() / 100.0);
        call.detail.credit_breakdown = Some(types::CreditBreakdown {
            channel: call.detail.channel.clone(),
            duration_sec: Some(duration),
            model_credits: Some(model_credits),
            provider_credits: Some(provider_credits),
            provider_managed: Some(true),
            telephony_type: Some(if outbound { "twilio" } else { "web" }.into()),
            total_credits: Some(total_credits),
            extra: Map::new(),
        });
        let analysis = json!({
            "sentiment": "positive",
            "disposition": "meeting_booked",
            "goals_met": true,
            "next_steps": "Send a calendar invite for Tuesday at 10am.",
        });
        call.detail.post_call_analysis_result = analysis.as_object().cloned().unwrap_or_default();

        let (campaign_id, contact_id) = (call.campaign_id.clone(), call.contact_id.clone());
        self.calls.ended.push(id.to_owned());
        if let Some(campaign_id) = campaign_id {
            self.campaign_call_ended(&campaign_id, id, duration);
        }
        if let Some(contact_id) = contact_id {
            self.record_activity(
                &contact_id,
                "call",
                format!("Call completed ({duration} s)"),
            );
        }
        true
    }

    pub(super) fn call(&self, id: &str) -> Result<&Call, Failure> {
        self.calls
            .rows
            .get(id)
            .ok_or_else(|| not_found("call session", id))
    }

    pub(super) fn create_call(&mut self, r: &ApiRequest) -> Handled {
        let request: types::CreateCallRequest = decode(&r.body)?;
        let agent_id = super::required(Some(request.agent_id.as_str()), "agent_id")?.to_owned();
        let agent = self.agent(&agent_id)?;
        if agent.status == Some(types::AgentStatus::Inactive) {
            return Err(Failure::FailedPrecondition(format!(
                "agent {agent_id:?} is inactive; activate it before calling"
            )));
        }
        let mut new = NewCall {
            agent_id,
            metadata: request.metadata,
            prompt_dynamic_variables: request.prompt_dynamic_variables,
            ..NewCall::default()
        };
        match request.type_ {
            types::CreateCallRequestType::WebCall => new.channel = "web_call",
            types::CreateCallRequestType::OutboundCall => {
                // The request type has checked both numbers (`agni::E164`); only presence is left.
                let number = |value: &Option<agni::E164>, field: &str| {
                    super::required(value.as_ref().map(agni::E164::as_str), field)
                        .map(str::to_owned)
                };
                let to = number(&request.to_phone_number, "to_phone_number")?;
                let from = number(&request.from_phone_number, "from_phone_number")?;
                if !self.phone.owns(&from) {
                    return Err(Failure::FailedPrecondition(format!(
                        "from_phone_number {from} is not a number of this organisation; buy or import it first"
                    )));
                }
                new.channel = "outbound_call";
                new.contact_id = self.contact_by_phone(&to).map(|c| c.id.clone());
                new.caller_number = Some(from);
                new.callee_number = Some(to);
            }
            types::CreateCallRequestType::Unknown(other) => {
                return Err(Failure::InvalidArgument(format!(
                    "unknown call type {other:?}: use web_call or outbound_call"
                )));
            }
        }
        let id = self.place_call(new);
        let room_id = format!("call_{id}");
        Ok(ApiReply::Json(json!({
            "success": true,
            "message": "call created successfully",
            "access_token": access_token(&id, &room_id, now()),
            "room_id": room_id,
            "session_id": id,
            "url": LIVEKIT_URL,
        })))
    }

    pub(super) fn list_call_sessions(&mut self, r: &ApiRequest) -> Handled {
        let filter = |name: &str| {
            r.query
                .get(name)
                .map(|v| v.trim())
                .filter(|v| !v.is_empty())
        };
        let time = |name: &str| {
            filter(name)
                .and_then(|v| DateTime::parse_from_rfc3339(v).ok())
                .map(|t| t.with_timezone(&Utc))
        };
        let (after, before) = (time("started_after"), time("started_before"));
        let search = filter("search").map(str::to_lowercase);
        let caller =
            filter("caller_number").map(|n| normalize_e164(n).unwrap_or_else(|| n.to_owned()));
        let mut calls: Vec<&Call> = self
            .calls
            .rows
            .values()
            .filter(|c| filter("agent_id").is_none_or(|a| c.detail.agent_id.as_deref() == Some(a)))
            .filter(|c| {
                filter("status").is_none_or(|s| {
                    c.detail
                        .status
                        .as_deref()
                        .is_some_and(|cs| cs.eq_ignore_ascii_case(s))
                })
            })
            .filter(|c| filter("channel").is_none_or(|ch| channel_matches(ch, c.channel())))
            .filter(|c| {
                caller
                    .as_deref()
                    .is_none_or(|n| c.detail.caller_number.as_deref() == Some(n))
            })
            .filter(|c| {
                let started = c.detail.started_at.map(DateTime::<Utc>::from);
                after.is_none_or(|a| started.is_some_and(|s| s >= a))
                    && before.is_none_or(|b| started.is_some_and(|s| s <= b))
            })
            .filter(|c| {
                search.as_deref().is_none_or(|needle| {
                    [
                        c.detail.summary.as_deref(),
                        c.detail.agent_name.as_deref(),
                        c.detail.caller_number.as_deref(),
                        c.detail.callee_number.as_deref(),
                        c.caller_name.as_deref(),
                        c.caller_email.as_deref(),
                        Some(c.detail.id.as_str()),
                    ]
                    .into_iter()
                    .any(|field| contains_ci(field, needle))
                })
            })
            .collect();
        // Insertion order is creation order; newest first unless asked otherwise.
        match filter("sort_by").unwrap_or("created_at") {
            "duration_sec" | "durationSec" => calls.sort_by_key(|c| c.detail.duration_sec),
            "cost_total" | "costTotal" => calls.sort_by(|a, b| {
                a.detail
                    .cost_total
                    .partial_cmp(&b.detail.cost_total)
                    .unwrap_or(std::cmp::Ordering::Equal)
            }),
            _ => {}
        }
        if !filter("sort_order").is_some_and(|o| o.eq_ignore_ascii_case("asc")) {
            calls.reverse();
        }
        let page = r.query_number("page").filter(|&p| p > 0).unwrap_or(1);
        let size = r
            .query_number("page_size")
            .filter(|&s| s > 0)
            .unwrap_or(20)
            .min(1000);
        let skip = usize::try_from((page - 1).saturating_mul(size)).unwrap_or(usize::MAX);
        let sessions: Vec<types::CallSession> = calls
            .into_iter()
            .skip(skip)
            .take(usize::try_from(size).unwrap_or(usize::MAX))
            .filter_map(Call::session)
            .collect();
        ok("call sessions fetched", json!({"callSessions": sessions}))
    }

    pub(super) fn get_call_session_detail(&mut self, r: &ApiRequest) -> Handled {
        ok(
            "call session fetched",
            &self.call(r.path_param("id"))?.detail,
        )
    }

    pub(super) fn finalize_session(&mut self, r: &ApiRequest) -> Handled {
        let id = r.path_param("session_id");
        let call = self
            .calls
            .rows
            .get_mut(id)
            .ok_or_else(|| not_found("call session", id))?;
        let finalized_at = *call.finalized_at.get_or_insert_with(stamp);
        ok(
            "call session finalized",
            json!({
                "session_id": id,
                "status": call.detail.status,
                "finalized": true,
                "finalized_at": finalized_at,
            }),
        )
    }

    /// The organisation's phone calls (outbound and inbound, not web calls), newest first.
    pub(super) fn phone_history(&mut self, _r: &ApiRequest) -> Handled {
        let history: Vec<Value> = self
            .calls
            .rows
            .values()
            .rev()
            .filter(|call| call.channel() != "web_call")
            .map(|call| {
                let d = &call.detail;
                let direction = match call.channel() {
                    "outbound_call" => "outbound",
                    _ => "inbound",
                };
                json!({
                    "session_id": d.id,
                    "phone_number": call.customer_number(),
                    "direction": direction,
                    "caller_number": d.caller_number,
                    "callee_number": d.callee_number,
                    "contact_id": call.contact_id,
                    "contact_name": call.caller_name,
                    "campaign_id": call.campaign_id,
                    "agent_id": d.agent_id,
                    "agent_name": d.agent_name,
                    "status": d.status,
                    "duration_sec": d.duration_sec,
                    "summary": d.summary,
                    "recording_url": d.recording_url,
                    "started_at": d.started_at,
                    "ended_at": d.ended_at,
                    "finalized": call.finalized_at.is_some(),
                })
            })
            .collect();
        ok_all("phone history fetched", history)
    }
}
