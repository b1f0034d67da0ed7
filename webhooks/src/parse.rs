//! From a body to a [`CallCompleted`]: the size limit, which bodies are after-call events
//! (named, or carrying the documented call session), where each field is found in either
//! shape, and who the customer is.

use std::str::FromStr;

use serde_json::Value;

use crate::{
    dedup::DedupKey,
    error::WebhookError,
    event::{CallCompleted, Channel, Shape},
    json::{self, Scopes, field, field_text, text, unwrap_typed},
    limits::Limits,
    transcript::transcript,
};

/// The event name given to a body that carries the documented call session but no `event`.
const DOCUMENTED_EVENT: &str = "call.completed";

/// Parses one webhook delivery, in either shape, into a [`CallCompleted`]: a body of up to
/// [`Limits::DEFAULT_MAX_BODY_BYTES`] (2 MiB), the axum endpoint's default body limit too.
///
/// A body is an after-call event when its `event` (or `event_type`) is `call.completed` in any
/// spelling (`call_completed`, `CALL_COMPLETED`, `call-completed`), or — since a delivery may
/// omit it — when it names no event at all but carries the documented call session: a `data`
/// object with a non-blank `call_session_id`, or a `call_session` object (at the top level or
/// inside `data`) with a non-blank `id` (either spelling, snake_case or lowerCamelCase). Such a
/// body gets the event name `call.completed`. It fails only when the body is over the limit,
/// is not a JSON object, names no event and carries no such session, names another event, or
/// carries no call session id, or one longer than [`DedupKey::MAX_LEN`] bytes.
///
/// ```
/// use agni_webhooks::{Shape, WebhookError};
///
/// let call = agni_webhooks::parse(br#"{"event": "call.completed", "org_id": "org-1",
///     "data": {"call_session_id": "s-1", "status": "completed"}}"#)?;
/// assert_eq!(call.shape, Shape::Documented);
/// assert_eq!(call.status.as_deref(), Some("completed"));
///
/// let unnamed = agni_webhooks::parse(br#"{"org_id": "org-1", "data": {"call_session_id": "s-2"}}"#)?;
/// assert_eq!((unnamed.event.as_str(), unnamed.session_id.as_str()), ("call.completed", "s-2"));
///
/// let other = agni_webhooks::parse(br#"{"event": "call.started", "data": {}}"#);
/// assert!(matches!(other, Err(WebhookError::NotAfterCall { event }) if event == "call.started"));
/// # Ok::<(), WebhookError>(())
/// ```
pub fn parse(body: &[u8]) -> Result<CallCompleted, WebhookError> {
    parse_with_limit(body, Limits::DEFAULT_MAX_BODY_BYTES)
}

/// [`parse`] with another size limit: a body over `max_body_bytes` is
/// [`WebhookError::TooLarge`] without being parsed (decoding JSON into a tree takes many times
/// the body's size, so the check comes first).
///
/// ```
/// use agni_webhooks::WebhookError;
///
/// let body = br#"{"event": "call_completed", "call_session": {"id": "s-1"}}"#;
/// assert!(agni_webhooks::parse_with_limit(body, body.len()).is_ok());
/// assert!(matches!(
///     agni_webhooks::parse_with_limit(body, body.len() - 1),
///     Err(WebhookError::TooLarge { limit }) if limit == body.len() - 1
/// ));
/// ```
pub fn parse_with_limit(body: &[u8], max_body_bytes: usize) -> Result<CallCompleted, WebhookError> {
    if body.len() > max_body_bytes {
        return Err(WebhookError::TooLarge {
            limit: max_body_bytes,
        });
    }
    let value: Value = serde_json::from_slice(body).map_err(WebhookError::NotJson)?;
    CallCompleted::from_value(value)
}

/// The session id as a de-duplication key, or why it cannot be one.
pub(crate) fn session_key(session_id: &str) -> Result<DedupKey<'_>, WebhookError> {
    DedupKey::new(session_id).map_err(|_| match session_id.len() {
        0 => WebhookError::MissingSessionId,
        len => WebhookError::SessionIdTooLong {
            len,
            max: DedupKey::MAX_LEN,
        },
    })
}

impl CallCompleted {
    /// Builds the event from an already-decoded body (for example a framework's JSON
    /// extractor), by the rules of [`parse`]; the size limit is the decoder's to enforce.
    ///
    /// ```
    /// let body = serde_json::json!({"event": "call_completed", "call_session": {"id": "s-1"}});
    /// let call = agni_webhooks::CallCompleted::from_value(body)?;
    /// assert_eq!(call.session_id, "s-1");
    /// # Ok::<(), agni_webhooks::WebhookError>(())
    /// ```
    pub fn from_value(raw: Value) -> Result<Self, WebhookError> {
        let top = raw.as_object().ok_or(WebhookError::NotAnObject)?;
        let scopes = Scopes::of(top);
        let event = match field(top, "event").or_else(|| field(top, "event_type")) {
            Some(Value::String(event)) => event.clone(),
            Some(other) => other.to_string(),
            None if carries_call_session(&scopes) => DOCUMENTED_EVENT.to_owned(),
            None => return Err(WebhookError::MissingEvent),
        };
        if !is_after_call(&event) {
            return Err(WebhookError::NotAfterCall { event });
        }
        let shape = if scopes.data.is_some() {
            Shape::Documented
        } else {
            Shape::RealDelivery
        };

        let session_id = scopes
            .text(&["call_session_id", "session_id"])
            .or_else(|| field_text(scopes.session()?, "id"))
            .ok_or(WebhookError::MissingSessionId)?;
        session_key(&session_id)?;
        let agent = scopes.find(&["agent"]).and_then(Value::as_object);
        let agent_id = scopes
            .text(&["agent_id"])
            .or_else(|| field_text(agent?, "id"));
        let agent_name = scopes.text(&["agent_name"]).or_else(|| {
            let agent = agent?;
            field_text(agent, "name").or_else(|| field_text(agent, "agent_name"))
        });
        let channel = scopes.text(&["channel"]).map(|c| Channel::from(c.as_str()));
        let call_type = scopes
            .text(&["call_type"])
            .map(|c| Channel::from(c.as_str()));
        let caller_number = scopes.text(&["caller_number"]);
        let callee_number = scopes.text(&["callee_number"]);
        let direction = [&channel, &call_type]
            .into_iter()
            .flatten()
            .find(|c| c.has_direction());
        let (customer_number, business_number) = resolve_numbers(
            direction,
            caller_number.as_ref(),
            callee_number.as_ref(),
            scopes.text(&["phone"]).as_ref(),
        );
        let analysis_keys = ["post_call_analysis", "post_call_analysis_result"];
        let analysis = scopes
            .find_map(&analysis_keys, |v| {
                v.as_object().filter(|analysis| !analysis.is_empty())
            })
            .map(|analysis| {
                analysis
                    .iter()
                    .map(|(key, value)| (key.clone(), unwrap_typed(value).clone()))
                    .collect()
            })
            .unwrap_or_default();
        // Real deliveries have no top-level summary: the agent's analysis fields carry it.
        let summary = scopes.text(&["summary"]).or_else(|| {
            scopes.find_map(&analysis_keys, |v| {
                field(v.as_object()?, "summary")
                    .map(unwrap_typed)
                    .and_then(text)
            })
        });
        let transcript = scopes
            .find_map(&["transcripts", "transcriptions", "transcript"], |v| {
                transcript(v, agent_name.as_deref())
            })
            .unwrap_or_default();

        Ok(CallCompleted {
            org_id: scopes.text(&["org_id", "organization_id"]),
            caller_name: scopes.text(&["caller_name"]),
            caller_email: scopes.text(&["caller_email"]),
            campaign_id: scopes.text(&["campaign_id"]),
            contact_id: scopes.text(&["contact_id"]),
            attempt: scopes.find_map(&["attempt"], |v| u32::try_from(json::count(v)?).ok()),
            status: scopes.text(&["status"]),
            duration: scopes.find_map(&["duration_sec"], json::seconds),
            disconnect_reason: scopes.text(&["disconnect_reason"]),
            started_at: scopes.find_map(&["started_at"], json::timestamp),
            ended_at: scopes.find_map(&["ended_at"], json::timestamp),
            cost_total: scopes.find_map(&["cost_total"], json::number),
            call_latency: scopes.find_map(&["call_latency_ms"], json::millis),
            recording_url: scopes.text(&["recording_url"]),
            event,
            shape,
            session_id,
            agent_id,
            agent_name,
            channel,
            call_type,
            caller_number,
            callee_number,
            customer_number,
            business_number,
            summary,
            analysis,
            transcript,
            raw,
        })
    }
}

impl FromStr for CallCompleted {
    type Err = WebhookError;

    fn from_str(body: &str) -> Result<Self, Self::Err> {
        parse(body.as_bytes())
    }
}

impl TryFrom<&[u8]> for CallCompleted {
    type Error = WebhookError;

    fn try_from(body: &[u8]) -> Result<Self, Self::Error> {
        parse(body)
    }
}

impl TryFrom<Value> for CallCompleted {
    type Error = WebhookError;

    fn try_from(body: Value) -> Result<Self, Self::Error> {
        Self::from_value(body)
    }
}

/// The documented call session, for a body that names no event: `data.call_session_id`, or
/// `call_session.id` (top-level or in `data`). A `data.id` alone is not enough: too many
/// other payloads have one.
fn carries_call_session(scopes: &Scopes<'_>) -> bool {
    let in_data = scopes
        .data
        .and_then(|data| field_text(data, "call_session_id"));
    let in_call_session = scopes
        .call_session
        .and_then(|session| field_text(session, "id"));
    in_data.or(in_call_session).is_some()
}

/// `call.completed`, `call_completed`, `CALL_COMPLETED`, `call-completed`.
fn is_after_call(event: &str) -> bool {
    event
        .trim()
        .to_ascii_lowercase()
        .replace(['.', '-', ' '], "_")
        == "call_completed"
}

/// (customer, business) from the call's direction, else from the documented `phone` ("the
/// external party's number").
fn resolve_numbers(
    direction: Option<&Channel>,
    caller: Option<&String>,
    callee: Option<&String>,
    phone: Option<&String>,
) -> (Option<String>, Option<String>) {
    match direction {
        Some(Channel::Inbound | Channel::Web) => (caller.cloned(), callee.cloned()),
        Some(Channel::Outbound) => (callee.cloned(), caller.cloned()),
        Some(Channel::Other(_)) | None => match phone {
            Some(phone) if callee == Some(phone) => (callee.cloned(), caller.cloned()),
            Some(phone) if caller == Some(phone) => (caller.cloned(), callee.cloned()),
            Some(phone) => (Some(phone.clone()), None),
            None => (None, None),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_call_event_names() {
        for name in [
            "call.completed",
            "call_completed",
            "CALL_COMPLETED",
            " call-completed ",
        ] {
            assert!(is_after_call(name), "{name}");
        }
        for name in ["call.started", "completed", "call.completed.v2", ""] {
            assert!(!is_after_call(name), "{name}");
        }
    }

    #[test]
    fn numbers_without_a_direction_use_phone() {
        let (a, b) = ("+1".to_owned(), "+2".to_owned());
        let voice = Channel::Other("voice".into());
        assert_eq!(
            resolve_numbers(Some(&voice), Some(&a), Some(&b), Some(&b)),
            (Some(b.clone()), Some(a.clone()))
        );
        assert_eq!(
            resolve_numbers(None, Some(&a), Some(&b), None),
            (None, None)
        );
        assert_eq!(
            resolve_numbers(Some(&Channel::Web), None, None, None),
            (None, None)
        );
    }

    #[test]
    fn session_keys() {
        assert!(session_key("s-1").is_ok());
        assert!(matches!(
            session_key(""),
            Err(WebhookError::MissingSessionId)
        ));
        let long = "x".repeat(DedupKey::MAX_LEN + 1);
        assert!(matches!(
            session_key(&long),
            Err(WebhookError::SessionIdTooLong { len: 129, max: 128 })
        ));
    }
}
