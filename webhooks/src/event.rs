//! The event model: [`CallCompleted`] with its [`Shape`] and [`Channel`], the accessors a
//! receiver needs ([`dedup_key`](CallCompleted::dedup_key),
//! [`verify_org`](CallCompleted::verify_org), [`get`](CallCompleted::get)), and its serialized
//! form. Building one from a body is [`parse`](crate::parse)'s job.

use std::{collections::BTreeMap, fmt, time::Duration};

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::{json::Scopes, transcript::Turn};

/// Which layout a delivery used. Serialized as `"documented"` or `"real_delivery"`.
///
/// ```
/// let call = agni_webhooks::parse(br#"{"event": "call_completed", "call_session": {"id": "s-1"}}"#)?;
/// assert_eq!(call.shape, agni_webhooks::Shape::RealDelivery);
/// # Ok::<(), agni_webhooks::WebhookError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Shape {
    /// The documented layout: the session under a `data` object, `org_id` at the top.
    Documented,
    /// The layout real deliveries use: no `data` wrapper, the session under `call_session`.
    RealDelivery,
}

/// How the call was made. Parsed case-insensitively, ignoring a `channel_` prefix and a `_call`
/// suffix, so `inbound_call`, `INBOUND`, `CHANNEL_INBOUND_CALL` are all [`Channel::Inbound`].
/// Serialized as its [`Display`](fmt::Display) text.
///
/// ```
/// use agni_webhooks::Channel;
///
/// assert_eq!(Channel::from("inbound_call"), Channel::Inbound);
/// assert_eq!(Channel::from("OUTBOUND_CALL"), Channel::Outbound);
/// assert_eq!(Channel::from("web_call"), Channel::Web);
/// assert_eq!(Channel::from("voice"), Channel::Other("voice".into()));
/// assert_eq!(Channel::Outbound.to_string(), "outbound_call");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Channel {
    /// The customer called the business: the caller is the customer.
    Inbound,
    /// The business (an agent, a campaign) called the customer: the callee is the customer.
    Outbound,
    /// A browser call through the web widget or SDK; usually no phone numbers.
    Web,
    /// Any other value, as delivered (the docs list `voice` and `sip`, which carry no direction).
    Other(String),
}

impl Channel {
    /// Whether the value says who called whom ([`Inbound`](Self::Inbound),
    /// [`Outbound`](Self::Outbound), [`Web`](Self::Web)).
    ///
    /// ```
    /// use agni_webhooks::Channel;
    ///
    /// assert!(Channel::Inbound.has_direction());
    /// assert!(!Channel::from("voice").has_direction());
    /// ```
    pub fn has_direction(&self) -> bool {
        !matches!(self, Channel::Other(_))
    }
}

impl From<&str> for Channel {
    fn from(value: &str) -> Self {
        let lower = value.trim().to_ascii_lowercase();
        let bare = lower.strip_prefix("channel_").unwrap_or(&lower);
        let bare = bare.strip_suffix("_call").unwrap_or(bare);
        match bare {
            "inbound" => Channel::Inbound,
            "outbound" => Channel::Outbound,
            "web" | "webcall" => Channel::Web,
            _ => Channel::Other(value.to_owned()),
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Channel::Inbound => "inbound_call",
            Channel::Outbound => "outbound_call",
            Channel::Web => "web",
            Channel::Other(other) => other,
        })
    }
}

impl Serialize for Channel {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Read back with [`From<&str>`](Channel::from), which gives every [`Display`](fmt::Display)
/// text its variant again.
impl<'de> Deserialize<'de> for Channel {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Channel::from(String::deserialize(deserializer)?.as_str()))
    }
}

/// One after-call event, whichever [`Shape`] it arrived in. Every field but
/// [`session_id`](Self::session_id) is optional in practice; anything not modelled here is in
/// [`raw`](Self::raw) and reachable with [`get`](Self::get).
///
/// ```
/// let call: agni_webhooks::CallCompleted = r#"{"event": "call_completed",
///     "call_session": {"id": "s-1", "channel": "outbound_call",
///     "caller_number": "+18885550100", "callee_number": "+14155550123"}}"#.parse()?;
/// assert_eq!(call.channel, Some(agni_webhooks::Channel::Outbound));
/// assert_eq!(call.customer_number.as_deref(), Some("+14155550123"));
/// assert_eq!(call.business_number.as_deref(), Some("+18885550100"));
/// # Ok::<(), agni_webhooks::WebhookError>(())
/// ```
///
/// # Serialized form
///
/// `Serialize` writes one flat JSON object, whichever shape the delivery used, so a receiver
/// can queue or store the event and read it back with `Deserialize`: every field below under
/// its own name (absent ones as `null`), except [`duration`](Self::duration) as
/// `duration_sec` (seconds, a whole number when whole) and [`call_latency`](Self::call_latency)
/// as `call_latency_ms`; [`Shape`], [`Channel`] and [`Speaker`](crate::Speaker) as their text,
/// timestamps as RFC 3339, and [`raw`](Self::raw) — the whole delivery — last. Leave `raw` out
/// of what you store with `serde_json::to_value` and `remove("raw")` if you do not need it.
///
/// ```
/// let call = agni_webhooks::parse(br#"{"event": "call_completed",
///     "call_session": {"id": "s-1", "channel": "inbound_call", "duration_sec": "94"},
///     "transcriptions": ": Hi."}"#)?;
/// let stored = serde_json::to_value(&call)?;
/// assert_eq!(stored["shape"], "real_delivery");
/// assert_eq!(stored["session_id"], "s-1");
/// assert_eq!(stored["channel"], "inbound_call");
/// assert_eq!(stored["duration_sec"], 94);
/// assert_eq!(stored["transcript"], serde_json::json!([{"speaker": "caller", "text": "Hi."}]));
/// assert_eq!(stored["summary"], serde_json::Value::Null);
///
/// let loaded: agni_webhooks::CallCompleted = serde_json::from_value(stored)?;
/// assert_eq!(loaded, call);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CallCompleted {
    /// The event name as delivered: `call.completed` (documented) or `call_completed` (real);
    /// `call.completed` for a body that names no event but carries the documented call session
    /// (see [`parse`](crate::parse)).
    pub event: String,
    /// Which layout the delivery used.
    pub shape: Shape,
    /// The call session id (`data.call_session_id` or `call_session.id`): the key to
    /// deduplicate retries on. At most [`DedupKey::MAX_LEN`](crate::DedupKey::MAX_LEN) bytes.
    pub session_id: String,
    /// The organisation, when the delivery names one (documented deliveries do, real ones do not).
    #[serde(default)]
    pub org_id: Option<String>,
    /// The agent's id (`agent_id`, or `agent.id`).
    #[serde(default)]
    pub agent_id: Option<String>,
    /// The agent's name (`agent_name`, or `agent.name`); it prefixes the agent's transcript lines.
    #[serde(default)]
    pub agent_name: Option<String>,
    /// How the call was made (`channel`): with [`call_type`](Self::call_type), it decides who
    /// the customer is.
    #[serde(default)]
    pub channel: Option<Channel>,
    /// `call_type`, which real deliveries send beside `channel` (`inbound_call`, ...). It
    /// decides who the customer is when `channel` has no direction (the docs' `voice`).
    #[serde(default)]
    pub call_type: Option<Channel>,
    /// The number that dialled, as delivered.
    #[serde(default)]
    pub caller_number: Option<String>,
    /// The number that was dialled, as delivered.
    #[serde(default)]
    pub callee_number: Option<String>,
    /// The customer's number: the caller on inbound and web calls, the callee on outbound calls
    /// (see the [crate docs](crate#which-number-is-the-customer)).
    #[serde(default)]
    pub customer_number: Option<String>,
    /// The business's own line: the other of the two numbers.
    #[serde(default)]
    pub business_number: Option<String>,
    /// `caller_name`: the caller's name, when a contact in the CRM matched.
    #[serde(default)]
    pub caller_name: Option<String>,
    /// `caller_email`: the caller's email, when a contact in the CRM matched.
    #[serde(default)]
    pub caller_email: Option<String>,
    /// `campaign_id`: the outbound campaign the call belongs to (none for inbound and web calls).
    #[serde(default)]
    pub campaign_id: Option<String>,
    /// `contact_id`: the CRM contact the call reached or came from.
    #[serde(default)]
    pub contact_id: Option<String>,
    /// `attempt`: which attempt of a campaign's retries this call was (`1` for the first).
    #[serde(default)]
    pub attempt: Option<u32>,
    /// The call's outcome as delivered (`completed`, `failed`, `no_answer`, `busy`,
    /// `voicemail`, ...).
    #[serde(default)]
    pub status: Option<String>,
    /// `duration_sec`, sent as a number or a numeric string.
    #[serde(default, rename = "duration_sec", with = "seconds")]
    pub duration: Option<Duration>,
    /// Why the call ended, as delivered (`customer_hangup`, `user_hangup`, ...).
    #[serde(default)]
    pub disconnect_reason: Option<String>,
    /// `started_at`, when it is an RFC 3339 timestamp.
    #[serde(default)]
    pub started_at: Option<DateTime<FixedOffset>>,
    /// `ended_at`, when it is an RFC 3339 timestamp.
    #[serde(default)]
    pub ended_at: Option<DateTime<FixedOffset>>,
    /// `cost_total`: what the call cost, in USD, sent as a number or a numeric string.
    #[serde(default)]
    pub cost_total: Option<f64>,
    /// `call_latency_ms`: the agent's average response latency.
    #[serde(default, rename = "call_latency_ms", with = "millis")]
    pub call_latency: Option<Duration>,
    /// The AI-generated summary: the top-level `summary`, else the `summary` field of the
    /// post-call analysis (real deliveries put it there, as a `{type, value}` wrapper).
    #[serde(default)]
    pub summary: Option<String>,
    /// `post_call_analysis` (else `call_session.post_call_analysis_result`), keyed as
    /// delivered, each `{"type": ..., "value": ...}` wrapper replaced by its `value`; plain
    /// values are kept as they are.
    #[serde(default)]
    pub analysis: BTreeMap<String, Value>,
    /// The conversation in order, from the documented `transcripts` array or the real
    /// `transcriptions` string.
    #[serde(default)]
    pub transcript: Vec<Turn>,
    /// The recording, usually `.../api/v1/calling/sessions/{id}/recording`. Without a `?token=`
    /// query it needs the API key (`X-Api-Key`), and it may answer with a redirect, the audio,
    /// or JSON holding the audio's URL. A `?token=` is a credential: keep it out of logs.
    #[serde(default)]
    pub recording_url: Option<String>,
    /// The whole body, for everything else.
    #[serde(default)]
    pub raw: Value,
}

impl CallCompleted {
    /// The key to deduplicate retried deliveries on: the call session id, as the docs advise.
    ///
    /// ```
    /// let call = agni_webhooks::parse(br#"{"event": "call_completed", "call_session": {"id": "s-1"}}"#)?;
    /// assert_eq!(call.dedup_key(), "s-1");
    /// # Ok::<(), agni_webhooks::WebhookError>(())
    /// ```
    pub fn dedup_key(&self) -> &str {
        &self.session_id
    }

    /// The docs' "verify the `org_id`" check: `false` only when the delivery names a different
    /// organisation. A delivery without `org_id` — every real delivery so far — passes, since
    /// rejecting those would reject everything; to require one, compare
    /// `call.org_id.as_deref() == Some(expected)` instead. Either way this is a consistency
    /// check, not authentication: anyone can write an `org_id` into a body.
    ///
    /// ```
    /// let documented = agni_webhooks::parse(br#"{"event": "call.completed", "org_id": "org-1",
    ///     "data": {"call_session_id": "s-1"}}"#)?;
    /// assert!(documented.verify_org("org-1"));
    /// assert!(!documented.verify_org("org-2"));
    ///
    /// let real = agni_webhooks::parse(br#"{"event": "call_completed", "call_session": {"id": "s-1"}}"#)?;
    /// assert!(real.verify_org("org-2"));
    /// # Ok::<(), agni_webhooks::WebhookError>(())
    /// ```
    pub fn verify_org(&self, expected: &str) -> bool {
        self.org_id.as_deref().is_none_or(|org| org == expected)
    }

    /// Any other field, looked up the way the modelled ones are: in the session object, the
    /// `data` wrapper, then the top level; under `key` (give it in snake_case) or its
    /// lowerCamelCase spelling; `null` counts as absent.
    ///
    /// ```
    /// let call = agni_webhooks::parse(br#"{"event": "call.completed",
    ///     "data": {"call_session_id": "s-1", "createdAt": "2026-03-24T18:30:00Z", "campaign_id": null}}"#)?;
    /// assert_eq!(call.get("created_at"), Some(&serde_json::json!("2026-03-24T18:30:00Z")));
    /// assert_eq!(call.get("campaign_id"), None);
    /// # Ok::<(), agni_webhooks::WebhookError>(())
    /// ```
    pub fn get(&self, key: &str) -> Option<&Value> {
        Scopes::of(self.raw.as_object()?).find(&[key])
    }
}

/// `duration_sec`: whole seconds as an integer, anything finer as a fraction.
mod seconds {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(
        value: &Option<Duration>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(d) if d.subsec_nanos() == 0 => serializer.serialize_u64(d.as_secs()),
            Some(d) => serializer.serialize_f64(d.as_secs_f64()),
            None => serializer.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Duration>, D::Error> {
        Option::<f64>::deserialize(deserializer)?
            .map(|secs| Duration::try_from_secs_f64(secs).map_err(serde::de::Error::custom))
            .transpose()
    }
}

/// `call_latency_ms`: whole milliseconds.
mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(
        value: &Option<Duration>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(d) => serializer.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            None => serializer.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Duration>, D::Error> {
        Ok(Option::<u64>::deserialize(deserializer)?.map(Duration::from_millis))
    }
}
