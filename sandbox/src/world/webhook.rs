//! The after-call webhook of an ended call, in both of its shapes (see [`WebhookShape`]): as
//! the docs describe it, and as real deliveries look.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value, json};

use super::{WebhookShape, World, iso};

impl World {
    /// The after-call webhook for an ended call (see [`WebhookShape`]).
    pub(super) fn webhook_payload(&self, id: &str, shape: WebhookShape) -> Option<Value> {
        let call = self.calls.rows.get(id)?;
        if call.in_progress() {
            return None;
        }
        let d = &call.detail;
        let analysis = &d.post_call_analysis_result;
        match shape {
            WebhookShape::Documented => {
                let started = d.started_at.map(DateTime::<Utc>::from);
                let transcripts: Vec<Value> = d
                    .transcripts
                    .iter()
                    .map(|t| {
                        let message = t.message.clone().unwrap_or_default();
                        let offset = Duration::milliseconds(t.timestamp_ms.unwrap_or(0));
                        let spoken = started.map(|s| iso(s + offset)).unwrap_or_default();
                        json!({
                            "id": t.id,
                            "timestamp_ms": t.timestamp_ms,
                            "role": message.role,
                            "message": {"content": message.content, "format": "text"},
                            "created_at": spoken,
                        })
                    })
                    .collect();
                Some(json!({
                    "event": "call.completed",
                    "org_id": self.org_id,
                    "data": {
                        "call_session_id": d.id,
                        "campaign_id": call.campaign_id,
                        "contact_id": call.contact_id,
                        "phone": call.customer_number(),
                        "status": d.status,
                        "duration_sec": d.duration_sec,
                        "attempt": 1,
                        "summary": d.summary,
                        "recording_url": d.recording_url,
                        "caller_number": d.caller_number,
                        "callee_number": d.callee_number,
                        "caller_name": call.caller_name,
                        "caller_email": call.caller_email,
                        "agent_id": d.agent_id,
                        "agent_name": d.agent_name,
                        // The docs' channel values: `voice` for phone calls, `web`.
                        "channel": if call.channel() == "web_call" { "web" } else { "voice" },
                        // The docs' value; sessions (and real deliveries) say `user_hangup`.
                        "disconnect_reason": "customer_hangup",
                        "cost_total": d.cost_total,
                        "call_latency_ms": d.call_latency_ms,
                        "started_at": d.started_at,
                        "ended_at": d.ended_at,
                        "created_at": d.created_at,
                        "post_call_analysis": analysis,
                        "transcripts": transcripts,
                    },
                }))
            }
            WebhookShape::RealDelivery => {
                let agent_name = d.agent_name.clone().unwrap_or_default();
                let transcriptions = d
                    .transcripts
                    .iter()
                    .filter_map(|t| {
                        let message = t.message.as_ref()?;
                        let speaker = if message.role.as_deref() == Some("agent") {
                            agent_name.as_str()
                        } else {
                            ""
                        };
                        Some(format!(
                            "{speaker}: {}",
                            message.content.as_deref().unwrap_or("")
                        ))
                    })
                    .collect::<Vec<_>>()
                    .join("\n");
                let wrapped: Map<String, Value> = analysis
                    .iter()
                    .map(|(key, value)| {
                        let kind = match value {
                            Value::Bool(_) => "boolean",
                            Value::Number(_) => "number",
                            _ => "string",
                        };
                        (key.clone(), json!({"type": kind, "value": value}))
                    })
                    .collect();
                Some(json!({
                    "event": "call_completed",
                    "call_session": {
                        "id": d.id,
                        "agent_id": d.agent_id,
                        "agent_name": d.agent_name,
                        "room_id": d.room_id,
                        "channel": d.channel,
                        "caller_number": d.caller_number,
                        "callee_number": d.callee_number,
                        "caller_name": call.caller_name,
                        "caller_email": call.caller_email,
                        "status": d.status,
                        "duration_sec": d.duration_sec,
                        "disconnect_reason": d.disconnect_reason,
                        "summary": d.summary,
                        "recording_url": d.recording_url,
                        "cost_total": d.cost_total,
                        "call_latency_ms": d.call_latency_ms,
                        "campaign_id": call.campaign_id,
                        "contact_id": call.contact_id,
                        "metadata": d.metadata,
                        "prompt_dynamic_variables": call.prompt_dynamic_variables,
                        "started_at": d.started_at,
                        "ended_at": d.ended_at,
                        "created_at": d.created_at,
                    },
                    "post_call_analysis": wrapped,
                    "transcriptions": transcriptions,
                }))
            }
        }
    }
}
