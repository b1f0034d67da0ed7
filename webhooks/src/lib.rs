//! The after-call webhook: parse a delivery into one typed [`CallCompleted`], deduplicate
//! retries, and answer with the right HTTP status.
//!
//! When a call ends, Agni `POST`s a JSON body to the agent's `webhook_urls`, retries any
//! non-2xx answer, and signs nothing. Two shapes arrive, and [`parse`] accepts both:
//!
//! - **Documented** ([`Shape::Documented`]): `{"event": "call.completed", "org_id": ..., "data":
//!   {"call_session_id": ..., "caller_number": ..., "post_call_analysis": {"sentiment":
//!   "positive"}, "transcripts": [{"role": "agent", "message": {"content": ...}}], ...}}`.
//! - **Real deliveries** ([`Shape::RealDelivery`]), as captured in production: `{"event":
//!   "call_completed", "call_session": {"id": ..., ...}, "post_call_analysis": {"booked":
//!   {"type": "boolean", "value": true}}, "transcriptions": "Maya: Hello!\n: Hi, ..."}` — no
//!   `data` wrapper, no `org_id`, analysis values wrapped as `{type, value}` under the agent's own
//!   field names, and the transcript as one string whose caller lines have an empty speaker.
//!
//! A field is looked up in the session object (`call_session`, or `data`), then in the `data`
//! wrapper, then at the top level, each under its snake_case and its lowerCamelCase spelling
//! (the service speaks protojson). `null`, empty strings and unknown fields are ignored, never
//! an error: only a missing `event`, another event, or a missing session id fail [`parse`].
//! Everything is still in [`CallCompleted::raw`] (or reachable with [`CallCompleted::get`]).
//!
//! # Which number is the customer
//!
//! `caller_number` is whoever dialled. On an **inbound** call that is the customer and
//! `callee_number` is the business's own line; on an **outbound** call it is the reverse.
//! [`CallCompleted::customer_number`] and [`CallCompleted::business_number`] resolve this from
//! [`Channel`] so a receiver does not have to (receivers have mixed them up):
//!
//! | channel | customer | business |
//! |---|---|---|
//! | [`Channel::Inbound`] (`inbound_call`) | caller | callee |
//! | [`Channel::Outbound`] (`outbound_call`) | callee | caller |
//! | [`Channel::Web`] | caller, if any | callee, if any |
//! | anything else (the docs' `voice`, `sip`) | the documented `phone` field ("the external party"); the other number is the business | |
//!
//! # Receiving
//!
//! [`handle`] runs one delivery through [`parse`], a [`Deduplicator`] and your handler, and
//! returns an [`Outcome`] whose [`Outcome::status`] is what to answer: `200` when processed, a
//! duplicate, or another event; `400` when the body is not an after-call event at all; `500`
//! when your handler fails, so Agni retries. With the `axum` feature,
//! `agni_webhooks::axum::endpoint` is that, as an axum route.
//!
//! Nothing authenticates a delivery: there is no signature, and `org_id` (absent from real
//! deliveries) is only a consistency check. Put an unguessable secret in the webhook URL's path
//! and compare it before trusting a body.
//!
//! ```
//! let body = br#"{
//!   "event": "call_completed",
//!   "call_session": {
//!     "id": "019e1c2d-0a1b-7c2d-8e3f-4a5b6c7d8e9f",
//!     "agent_name": "Maya",
//!     "channel": "inbound_call",
//!     "caller_number": "+14155550123",
//!     "callee_number": "+18885550100",
//!     "duration_sec": "94"
//!   },
//!   "post_call_analysis": {"booked": {"type": "boolean", "value": true}},
//!   "transcriptions": "Maya: Bella Cucina, how can I help?\n: A table for four, please."
//! }"#;
//!
//! let call = agni_webhooks::parse(body)?;
//! assert_eq!(call.session_id, "019e1c2d-0a1b-7c2d-8e3f-4a5b6c7d8e9f");
//! assert_eq!(call.customer_number.as_deref(), Some("+14155550123"));
//! assert_eq!(call.business_number.as_deref(), Some("+18885550100"));
//! assert_eq!(call.duration, Some(std::time::Duration::from_secs(94)));
//! assert_eq!(call.analysis["booked"], serde_json::json!(true));
//! assert_eq!(call.transcript[1].speaker, agni_webhooks::Speaker::Caller);
//! assert_eq!(call.transcript[1].text, "A table for four, please.");
//! # Ok::<(), agni_webhooks::WebhookError>(())
//! ```

use std::{
    collections::{BTreeMap, HashMap, VecDeque},
    fmt,
    future::Future,
    str::FromStr,
    sync::{Mutex, PoisonError},
    time::Duration,
};

use http::StatusCode;
use serde_json::{Map, Value};

#[cfg(feature = "axum")]
pub mod axum;

/// The error a handler may return: anything that converts into a boxed error (`String`,
/// `&str`, `std::io::Error`, `anyhow::Error`, ...).
///
/// ```
/// let error: agni_webhooks::BoxError = "database unavailable".into();
/// assert_eq!(error.to_string(), "database unavailable");
/// ```
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Parses one webhook delivery, in either shape, into a [`CallCompleted`].
///
/// Fails only when the body is not a JSON object, has no `event`, has an event other than
/// `call.completed` / `call_completed`, or carries no call session id.
///
/// ```
/// use agni_webhooks::{Shape, WebhookError};
///
/// let call = agni_webhooks::parse(br#"{"event": "call.completed", "org_id": "org-1",
///     "data": {"call_session_id": "s-1", "status": "completed"}}"#)?;
/// assert_eq!(call.shape, Shape::Documented);
/// assert_eq!(call.status.as_deref(), Some("completed"));
///
/// let other = agni_webhooks::parse(br#"{"event": "call.started", "data": {}}"#);
/// assert!(matches!(other, Err(WebhookError::NotAfterCall { event }) if event == "call.started"));
/// # Ok::<(), WebhookError>(())
/// ```
pub fn parse(body: &[u8]) -> Result<CallCompleted, WebhookError> {
    let value: Value = serde_json::from_slice(body).map_err(WebhookError::NotJson)?;
    CallCompleted::from_value(value)
}

/// Why a body is not an after-call event. `{e}` is one sentence, fit for a log line or a `400`
/// response body.
///
/// ```
/// let error = agni_webhooks::parse(b"<html>").expect_err("not JSON");
/// assert!(matches!(error, agni_webhooks::WebhookError::NotJson(_)));
/// assert!(error.to_string().starts_with("webhook body is not JSON"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The body is not JSON.
    #[error("webhook body is not JSON: {0}")]
    NotJson(serde_json::Error),
    /// The body is JSON, but not an object.
    #[error("webhook body is JSON but not an object")]
    NotAnObject,
    /// The object has no `event` field.
    #[error("webhook body has no `event` field")]
    MissingEvent,
    /// The event is not the after-call event (`call.completed`, or `call_completed` as real
    /// deliveries spell it).
    #[error("webhook event `{event}` is not an after-call event (`call.completed`)")]
    NotAfterCall {
        /// The event as delivered (a non-string `event` as its JSON text).
        event: String,
    },
    /// Neither `call_session_id` nor `call_session.id` (nor `data.id`) holds an id.
    #[error(
        "after-call webhook carries no call session id (`data.call_session_id` or `call_session.id`)"
    )]
    MissingSessionId,
}

/// Which layout a delivery used.
///
/// ```
/// let call = agni_webhooks::parse(br#"{"event": "call_completed", "call_session": {"id": "s-1"}}"#)?;
/// assert_eq!(call.shape, agni_webhooks::Shape::RealDelivery);
/// # Ok::<(), agni_webhooks::WebhookError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Shape {
    /// The documented layout: the session under a `data` object, `org_id` at the top.
    Documented,
    /// The layout real deliveries use: no `data` wrapper, the session under `call_session`.
    RealDelivery,
}

/// How the call was made. Parsed case-insensitively, ignoring a `channel_` prefix and a `_call`
/// suffix, so `inbound_call`, `INBOUND`, `CHANNEL_INBOUND_CALL` are all [`Channel::Inbound`].
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

/// Who said a [`Turn`].
///
/// ```
/// use agni_webhooks::Speaker;
///
/// let call = agni_webhooks::parse(br#"{"event": "call_completed", "call_session": {"id": "s-1",
///     "agent_name": "Maya"}, "transcriptions": "Maya: Hello!\n: Hi.\nSupervisor: Hi both."}"#)?;
/// let speakers: Vec<&Speaker> = call.transcript.iter().map(|turn| &turn.speaker).collect();
/// assert_eq!(speakers, [&Speaker::Agent, &Speaker::Caller, &Speaker::Other("Supervisor".into())]);
/// assert_eq!(Speaker::Caller.to_string(), "caller");
/// # Ok::<(), agni_webhooks::WebhookError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Speaker {
    /// The AI agent: role `agent`/`assistant`/`bot`/`ai`, or a line prefixed with the agent's name.
    Agent,
    /// The person on the other end: role `user`/`caller`/`customer`/`human`, or a line with an
    /// empty speaker (`": ..."`).
    Caller,
    /// Any other role or speaker name, as delivered (empty for a transcript line with no
    /// `name: ` prefix, or an entry with no role).
    Other(String),
}

impl fmt::Display for Speaker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Speaker::Agent => "agent",
            Speaker::Caller => "caller",
            Speaker::Other(other) => other,
        })
    }
}

/// One utterance of the transcript.
///
/// ```
/// use agni_webhooks::{Speaker, Turn};
///
/// let turn = Turn { speaker: Speaker::Caller, text: "Hi!".into() };
/// assert_eq!(format!("{}: {}", turn.speaker, turn.text), "caller: Hi!");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Turn {
    /// Who said it.
    pub speaker: Speaker,
    /// What was said (lines of a multi-line utterance joined with `\n`).
    pub text: String,
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
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CallCompleted {
    /// The event name as delivered: `call.completed` (documented) or `call_completed` (real).
    pub event: String,
    /// Which layout the delivery used.
    pub shape: Shape,
    /// The call session id (`data.call_session_id` or `call_session.id`): the key to
    /// deduplicate retries on.
    pub session_id: String,
    /// The organisation, when the delivery names one (documented deliveries do, real ones do not).
    pub org_id: Option<String>,
    /// The agent's id (`agent_id`, or `agent.id`).
    pub agent_id: Option<String>,
    /// The agent's name (`agent_name`, or `agent.name`); it prefixes the agent's transcript lines.
    pub agent_name: Option<String>,
    /// How the call was made, which decides who the customer is.
    pub channel: Option<Channel>,
    /// The number that dialled, as delivered.
    pub caller_number: Option<String>,
    /// The number that was dialled, as delivered.
    pub callee_number: Option<String>,
    /// The customer's number: the caller on inbound and web calls, the callee on outbound calls
    /// (see the [module docs](self)).
    pub customer_number: Option<String>,
    /// The business's own line: the other of the two numbers.
    pub business_number: Option<String>,
    /// The call's outcome as delivered (`completed`, `no_answer`, ...).
    pub status: Option<String>,
    /// `duration_sec`, sent as a number or a numeric string.
    pub duration: Option<Duration>,
    /// Why the call ended, as delivered (`customer_hangup`, `user_hangup`, ...).
    pub disconnect_reason: Option<String>,
    /// The AI-generated summary.
    pub summary: Option<String>,
    /// `post_call_analysis`, keyed as delivered, each `{"type": ..., "value": ...}` wrapper
    /// replaced by its `value`; plain values are kept as they are.
    pub analysis: BTreeMap<String, Value>,
    /// The conversation in order, from the documented `transcripts` array or the real
    /// `transcriptions` string.
    pub transcript: Vec<Turn>,
    /// The recording, usually `.../api/v1/calling/sessions/{id}/recording`. Without a `?token=`
    /// query it needs the API key (`X-Api-Key`), and it may answer with a redirect, the audio,
    /// or JSON holding the audio's URL.
    pub recording_url: Option<String>,
    /// The whole body, for everything else.
    pub raw: Value,
}

impl CallCompleted {
    /// Builds the event from an already-decoded body (for example a framework's JSON extractor).
    ///
    /// ```
    /// let body = serde_json::json!({"event": "call_completed", "call_session": {"id": "s-1"}});
    /// let call = agni_webhooks::CallCompleted::from_value(body)?;
    /// assert_eq!(call.session_id, "s-1");
    /// # Ok::<(), agni_webhooks::WebhookError>(())
    /// ```
    pub fn from_value(raw: Value) -> Result<Self, WebhookError> {
        let top = raw.as_object().ok_or(WebhookError::NotAnObject)?;
        let event = match field(top, "event").or_else(|| field(top, "event_type")) {
            None => return Err(WebhookError::MissingEvent),
            Some(Value::String(event)) => event.clone(),
            Some(other) => other.to_string(),
        };
        if !is_after_call(&event) {
            return Err(WebhookError::NotAfterCall { event });
        }
        let shape = if object(field(top, "data")).is_some() {
            Shape::Documented
        } else {
            Shape::RealDelivery
        };
        let scopes = Scopes::of(top);

        let session_id = scopes
            .text(&["call_session_id", "session_id"])
            .or_else(|| scopes.session.and_then(|s| field(s, "id")).and_then(text))
            .ok_or(WebhookError::MissingSessionId)?;
        let agent = scopes.find(&["agent"]).and_then(Value::as_object);
        let agent_id = scopes
            .text(&["agent_id"])
            .or_else(|| agent.and_then(|a| field(a, "id")).and_then(text));
        let agent_name = scopes.text(&["agent_name"]).or_else(|| {
            let agent = agent?;
            field(agent, "name")
                .or_else(|| field(agent, "agent_name"))
                .and_then(text)
        });
        let channel = scopes.text(&["channel"]).map(|c| Channel::from(c.as_str()));
        let caller_number = scopes.text(&["caller_number"]);
        let callee_number = scopes.text(&["callee_number"]);
        let (customer_number, business_number) = resolve_numbers(
            channel.as_ref(),
            caller_number.as_ref(),
            callee_number.as_ref(),
            scopes.text(&["phone"]).as_ref(),
        );
        let analysis = scopes
            .find_map(&["post_call_analysis"], |v| {
                v.as_object().filter(|analysis| !analysis.is_empty())
            })
            .map(|analysis| {
                analysis
                    .iter()
                    .map(|(key, value)| (key.clone(), unwrap_typed(value)))
                    .collect()
            })
            .unwrap_or_default();
        let transcript = scopes
            .find_map(&["transcripts", "transcriptions", "transcript"], |v| {
                transcript(v, agent_name.as_deref())
            })
            .unwrap_or_default();

        Ok(CallCompleted {
            org_id: scopes.text(&["org_id", "organization_id"]),
            status: scopes.text(&["status"]),
            duration: scopes.find_map(&["duration_sec"], duration),
            disconnect_reason: scopes.text(&["disconnect_reason"]),
            summary: scopes.text(&["summary"]),
            recording_url: scopes.text(&["recording_url"]),
            event,
            shape,
            session_id,
            agent_id,
            agent_name,
            channel,
            caller_number,
            callee_number,
            customer_number,
            business_number,
            analysis,
            transcript,
            raw,
        })
    }

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
    ///     "data": {"call_session_id": "s-1", "costTotal": "0.42", "campaign_id": null}}"#)?;
    /// assert_eq!(call.get("cost_total"), Some(&serde_json::json!("0.42")));
    /// assert_eq!(call.get("campaign_id"), None);
    /// # Ok::<(), agni_webhooks::WebhookError>(())
    /// ```
    pub fn get(&self, key: &str) -> Option<&Value> {
        Scopes::of(self.raw.as_object()?).find(&[key])
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

/// What [`handle`] did with a delivery; [`status`](Self::status) is the HTTP status to answer.
///
/// ```
/// use agni_webhooks::{Outcome, WebhookError};
/// use http::StatusCode;
///
/// assert_eq!(Outcome::Duplicate { session_id: "s-1".into() }.status(), StatusCode::OK);
/// assert_eq!(Outcome::Invalid(WebhookError::MissingSessionId).status(), StatusCode::BAD_REQUEST);
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Outcome {
    /// The handler ran and succeeded. `200`.
    Processed {
        /// The call session id.
        session_id: String,
    },
    /// This session was already processed, or is being processed by a concurrent delivery;
    /// the handler did not run. `200`, so Agni stops retrying.
    Duplicate {
        /// The call session id.
        session_id: String,
    },
    /// A well-formed event other than the after-call one; the handler did not run. `200`:
    /// retrying it would never make it one.
    Ignored {
        /// The event name as delivered.
        event: String,
    },
    /// Not an after-call event at all (not JSON, no `event`, no session id); the handler did
    /// not run. `400`: the body is the problem. (The docs say Agni retries any non-2xx; a `400`
    /// at least tells the sender why.)
    Invalid(WebhookError),
    /// The handler returned an error; the session is not marked as seen, so the retry Agni sends
    /// after this `500` runs the handler again.
    Failed {
        /// The call session id.
        session_id: String,
        /// What the handler returned.
        error: BoxError,
    },
}

impl Outcome {
    /// The HTTP status to answer the delivery with: `200`, `400` or `500` (see each variant).
    ///
    /// ```
    /// use agni_webhooks::Outcome;
    ///
    /// let failed = Outcome::Failed { session_id: "s-1".into(), error: "db down".into() };
    /// assert_eq!(failed.status(), http::StatusCode::INTERNAL_SERVER_ERROR);
    /// assert_eq!(Outcome::Ignored { event: "call.started".into() }.status().as_u16(), 200);
    /// ```
    pub fn status(&self) -> StatusCode {
        match self {
            Outcome::Processed { .. } | Outcome::Duplicate { .. } | Outcome::Ignored { .. } => {
                StatusCode::OK
            }
            Outcome::Invalid(_) => StatusCode::BAD_REQUEST,
            Outcome::Failed { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// Runs one delivery: [`parse`]s `body`, skips a session `dedup` has seen, calls `handler`, and
/// says what to answer. Framework-agnostic: answer with [`Outcome::status`].
///
/// The session is claimed before `handler` runs, so a retry arriving meanwhile is a
/// [`Outcome::Duplicate`]; it is released again if `handler` fails, panics or is cancelled
/// (the request dropped), so the next retry runs it again. The docs advise answering quickly
/// and doing slow work in the background: hand the event to a queue here.
///
/// ```
/// use agni_webhooks::{Deduplicator, Outcome};
///
/// # async fn run() {
/// let dedup = Deduplicator::default();
/// let body = br#"{"event": "call_completed", "call_session": {"id": "s-1"}}"#;
///
/// for _ in 0..2 {
///     let outcome = agni_webhooks::handle(body, &dedup, |call| async move {
///         if !call.verify_org("1268c1f0-19f3-47db-aefb-c16a7c3ace6e") {
///             return Ok(()); // someone else's call: acknowledge, ignore
///         }
///         println!("{} ended: {:?}", call.session_id, call.summary);
///         Ok::<(), std::io::Error>(())
///     })
///     .await;
///     assert_eq!(outcome.status(), http::StatusCode::OK);
/// }
/// assert!(dedup.contains("s-1"));
/// # }
/// # tokio::runtime::Builder::new_current_thread().build().expect("runtime").block_on(run());
/// ```
pub async fn handle<F, Fut, E>(body: &[u8], dedup: &Deduplicator, handler: F) -> Outcome
where
    F: FnOnce(CallCompleted) -> Fut,
    Fut: Future<Output = Result<(), E>>,
    E: Into<BoxError>,
{
    let call = match parse(body) {
        Ok(call) => call,
        Err(WebhookError::NotAfterCall { event }) => return Outcome::Ignored { event },
        Err(error) => return Outcome::Invalid(error),
    };
    let session_id = call.session_id.clone();
    let Some(claim) = dedup.claim(&session_id) else {
        return Outcome::Duplicate { session_id };
    };
    match handler(call).await {
        Ok(()) => {
            claim.commit();
            Outcome::Processed { session_id }
        }
        // Dropping the claim releases the session for the retry.
        Err(error) => Outcome::Failed {
            session_id,
            error: error.into(),
        },
    }
}

/// The session ids seen most recently, in memory, at most `capacity` of them (the oldest are
/// forgotten first). Enough for Agni's retries of one process's deliveries; several replicas
/// or restarts need a shared store (claim with an `INSERT ... ON CONFLICT DO NOTHING` keyed on
/// [`CallCompleted::dedup_key`]).
///
/// ```
/// let dedup = agni_webhooks::Deduplicator::new(2);
/// dedup.claim("a").expect("new").commit();
/// assert!(dedup.claim("a").is_none(), "seen");
///
/// drop(dedup.claim("b")); // not committed: released
/// assert!(!dedup.contains("b"));
///
/// dedup.claim("c").expect("new").commit();
/// dedup.claim("d").expect("new").commit(); // over capacity: "a" is forgotten
/// assert!(!dedup.contains("a"));
/// assert_eq!(dedup.len(), 2);
/// ```
#[derive(Debug)]
pub struct Deduplicator {
    capacity: usize,
    seen: Mutex<Seen>,
}

#[derive(Debug, Default)]
struct Seen {
    /// Each key with the number of the claim that holds it.
    keys: HashMap<String, u64>,
    /// Keys, oldest first.
    order: VecDeque<String>,
    next_claim: u64,
}

impl Deduplicator {
    /// The capacity of [`Deduplicator::default`].
    ///
    /// ```
    /// assert_eq!(agni_webhooks::Deduplicator::DEFAULT_CAPACITY, 10_000);
    /// ```
    pub const DEFAULT_CAPACITY: usize = 10_000;

    /// Remembers at most `capacity` session ids (at least one). Make it larger than the number
    /// of deliveries you expect to process at once.
    ///
    /// ```
    /// let dedup = agni_webhooks::Deduplicator::new(1_000);
    /// assert!(dedup.is_empty());
    /// ```
    pub fn new(capacity: usize) -> Self {
        Deduplicator {
            capacity: capacity.max(1),
            seen: Mutex::default(),
        }
    }

    /// Claims `key` if it is not already seen or claimed: `None` means a duplicate. The returned
    /// [`Claim`] keeps the key only once [`committed`](Claim::commit); dropped uncommitted, it
    /// releases the key.
    ///
    /// ```
    /// let dedup = agni_webhooks::Deduplicator::default();
    /// let claim = dedup.claim("s-1").expect("first delivery");
    /// assert!(dedup.claim("s-1").is_none(), "in flight");
    /// claim.commit();
    /// assert!(dedup.claim("s-1").is_none(), "done");
    /// ```
    pub fn claim(&self, key: &str) -> Option<Claim<'_>> {
        let mut seen = self.lock();
        if seen.keys.contains_key(key) {
            return None;
        }
        while seen.order.len() >= self.capacity {
            match seen.order.pop_front() {
                Some(oldest) => seen.keys.remove(&oldest),
                None => break,
            };
        }
        let id = seen.next_claim;
        seen.next_claim = seen.next_claim.wrapping_add(1);
        seen.keys.insert(key.to_owned(), id);
        seen.order.push_back(key.to_owned());
        Some(Claim {
            dedup: self,
            key: Some((key.to_owned(), id)),
        })
    }

    /// Whether `key` is seen or claimed.
    ///
    /// ```
    /// let dedup = agni_webhooks::Deduplicator::default();
    /// assert!(!dedup.contains("s-1"));
    /// dedup.claim("s-1").expect("new").commit();
    /// assert!(dedup.contains("s-1"));
    /// ```
    pub fn contains(&self, key: &str) -> bool {
        self.lock().keys.contains_key(key)
    }

    /// How many keys are seen or claimed.
    ///
    /// ```
    /// let dedup = agni_webhooks::Deduplicator::default();
    /// dedup.claim("s-1").expect("new").commit();
    /// assert_eq!(dedup.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.lock().keys.len()
    }

    /// Whether no key is seen or claimed.
    ///
    /// ```
    /// assert!(agni_webhooks::Deduplicator::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.lock().keys.is_empty()
    }

    /// Forgets `key`, unless a later claim (after this one was evicted) holds it now.
    fn release(&self, key: &str, id: u64) {
        let mut seen = self.lock();
        if seen.keys.get(key) == Some(&id) {
            seen.keys.remove(key);
            seen.order.retain(|k| k != key);
        }
    }

    /// The set stays consistent whatever panicked while holding the lock: every critical
    /// section is a few infallible collection operations.
    fn lock(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.seen.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for Deduplicator {
    /// A deduplicator remembering [`Deduplicator::DEFAULT_CAPACITY`] session ids.
    fn default() -> Self {
        Deduplicator::new(Self::DEFAULT_CAPACITY)
    }
}

/// A key claimed in a [`Deduplicator`]: [`commit`](Self::commit) it once the delivery is
/// processed; dropping it uncommitted releases the key so a retry is processed again.
///
/// ```
/// let dedup = agni_webhooks::Deduplicator::default();
/// if let Some(claim) = dedup.claim("s-1") {
///     // ... process the call ...
///     claim.commit();
/// }
/// assert!(dedup.contains("s-1"));
/// ```
#[derive(Debug)]
#[must_use = "dropping a claim releases the key; call `commit` once processed"]
pub struct Claim<'a> {
    dedup: &'a Deduplicator,
    /// `None` once committed.
    key: Option<(String, u64)>,
}

impl Claim<'_> {
    /// Keeps the key: later deliveries of this session are duplicates.
    ///
    /// ```
    /// let dedup = agni_webhooks::Deduplicator::default();
    /// dedup.claim("s-1").expect("new").commit();
    /// assert!(dedup.claim("s-1").is_none());
    /// ```
    pub fn commit(mut self) {
        self.key = None;
    }
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        if let Some((key, id)) = self.key.take() {
            self.dedup.release(&key, id);
        }
    }
}

// ----- parsing helpers -----

/// `call.completed`, `call_completed`, `CALL_COMPLETED`, `call-completed`.
fn is_after_call(event: &str) -> bool {
    event
        .trim()
        .to_ascii_lowercase()
        .replace(['.', '-', ' '], "_")
        == "call_completed"
}

/// The objects a field is looked up in, most specific first.
struct Scopes<'a> {
    /// `call_session` (top level or inside `data`), else `data`: where the session's own `id` is.
    session: Option<&'a Map<String, Value>>,
    all: Vec<&'a Map<String, Value>>,
}

impl<'a> Scopes<'a> {
    fn of(top: &'a Map<String, Value>) -> Self {
        let data = object(field(top, "data"));
        let call_session = data
            .and_then(|d| object(field(d, "call_session")))
            .or_else(|| object(field(top, "call_session")));
        let all = [call_session, data, Some(top)]
            .into_iter()
            .flatten()
            .collect();
        Scopes {
            session: call_session.or(data),
            all,
        }
    }

    /// The first non-null value under any of `keys`.
    fn find(&self, keys: &[&str]) -> Option<&'a Value> {
        self.find_map(keys, Some)
    }

    /// The first value under any of `keys` for which `f` gives something.
    fn find_map<T>(&self, keys: &[&str], f: impl Fn(&'a Value) -> Option<T>) -> Option<T> {
        keys.iter()
            .flat_map(|key| self.all.iter().filter_map(move |scope| field(scope, key)))
            .find_map(f)
    }

    /// The first non-empty string (or number, as text) under any of `keys`.
    fn text(&self, keys: &[&str]) -> Option<String> {
        self.find_map(keys, text)
    }
}

/// `map[key]`, or `map[lowerCamelCase(key)]`; `null` is absent.
fn field<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    let present = |v: &&Value| !v.is_null();
    map.get(key).filter(present).or_else(|| {
        let camel = lower_camel(key);
        (camel != key)
            .then(|| map.get(&camel).filter(present))
            .flatten()
    })
}

fn object(value: Option<&Value>) -> Option<&Map<String, Value>> {
    value.and_then(Value::as_object)
}

/// `call_session_id` → `callSessionId`.
fn lower_camel(snake: &str) -> String {
    heck::ToLowerCamelCase::to_lower_camel_case(snake)
}

/// A non-blank string as is, or a number as text (protojson sends 64-bit ids either way).
fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Seconds as a number or a numeric string (a protojson `"94s"` too); anything else is `None`.
fn duration(value: &Value) -> Option<Duration> {
    let seconds = match value {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => {
            let s = s.trim();
            s.strip_suffix('s').unwrap_or(s).parse::<f64>().ok()?
        }
        _ => return None,
    };
    Duration::try_from_secs_f64(seconds).ok()
}

/// `{"type": ..., "value": ...}` → the value; anything else unchanged.
fn unwrap_typed(value: &Value) -> Value {
    match value {
        Value::Object(wrapper) if wrapper.contains_key("type") => match wrapper.get("value") {
            Some(inner) => inner.clone(),
            None => value.clone(),
        },
        _ => value.clone(),
    }
}

/// (customer, business) from the channel, else from the documented `phone` ("the external
/// party's number").
fn resolve_numbers(
    channel: Option<&Channel>,
    caller: Option<&String>,
    callee: Option<&String>,
    phone: Option<&String>,
) -> (Option<String>, Option<String>) {
    match channel {
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

/// Either transcript form; `None` when `value` is neither a list nor a non-blank string.
fn transcript(value: &Value, agent_name: Option<&str>) -> Option<Vec<Turn>> {
    match value {
        Value::String(lines) if !lines.trim().is_empty() => Some(split_lines(lines, agent_name)),
        Value::Array(entries) => Some(
            entries
                .iter()
                .flat_map(|entry| match entry {
                    Value::String(line) => split_lines(line, agent_name),
                    Value::Object(entry) => {
                        documented_turn(entry, agent_name).into_iter().collect()
                    }
                    _ => Vec::new(),
                })
                .collect(),
        ),
        _ => None,
    }
}

/// `{"role": "agent", "message": {"content": "..."}}`, also with `message` or `content` or
/// `text` as a plain string. An entry without text is skipped.
fn documented_turn(entry: &Map<String, Value>, agent_name: Option<&str>) -> Option<Turn> {
    let message = field(entry, "message");
    let text = match message {
        Some(Value::Object(message)) => {
            field(message, "content").or_else(|| field(message, "text"))
        }
        Some(plain) => Some(plain),
        None => field(entry, "content").or_else(|| field(entry, "text")),
    }?
    .as_str()?;
    let role = field(entry, "role")
        .or_else(|| field(entry, "speaker"))
        .and_then(Value::as_str)
        .filter(|role| !role.trim().is_empty());
    Some(Turn {
        // Only the string form uses an empty speaker for the caller.
        speaker: role.map_or(Speaker::Other(String::new()), |role| {
            speaker(role, agent_name)
        }),
        text: text.to_owned(),
    })
}

/// The real form: `"<agent name>: ..."` and `": ..."` (the caller), one utterance a line. A line
/// without a `name: ` prefix continues the previous utterance.
fn split_lines(lines: &str, agent_name: Option<&str>) -> Vec<Turn> {
    let mut turns: Vec<Turn> = Vec::new();
    for line in lines.lines() {
        if line.trim().is_empty() {
            continue;
        }
        let (who, text) = match line.split_once(": ") {
            Some((who, text)) => (Some(who), text),
            None => match line.trim_end().strip_suffix(':') {
                Some(who) => (Some(who), ""),
                None => (None, line),
            },
        };
        match (who, turns.last_mut()) {
            (Some(who), _) => turns.push(Turn {
                speaker: speaker(who, agent_name),
                text: text.trim().to_owned(),
            }),
            (None, Some(previous)) => {
                if !previous.text.is_empty() {
                    previous.text.push('\n');
                }
                previous.text.push_str(text.trim());
            }
            (None, None) => turns.push(Turn {
                speaker: Speaker::Other(String::new()),
                text: text.trim().to_owned(),
            }),
        }
    }
    turns
}

/// A role or a speaker name: empty is the caller (real transcripts), the agent's name is the
/// agent, then the usual role words; anything else is kept.
fn speaker(who: &str, agent_name: Option<&str>) -> Speaker {
    let who = who.trim();
    if who.is_empty() {
        return Speaker::Caller;
    }
    if agent_name.is_some_and(|name| name.trim().eq_ignore_ascii_case(who)) {
        return Speaker::Agent;
    }
    let lower = who.to_ascii_lowercase();
    match lower.strip_prefix("role_").unwrap_or(&lower) {
        "agent" | "assistant" | "bot" | "ai" => Speaker::Agent,
        "user" | "caller" | "customer" | "human" => Speaker::Caller,
        _ => Speaker::Other(who.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_camel_spellings() {
        assert_eq!(lower_camel("call_session_id"), "callSessionId");
        assert_eq!(lower_camel("event"), "event");
        assert_eq!(lower_camel("_x"), "x");
    }

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
    fn durations() {
        let secs = |v: Value| duration(&v);
        assert_eq!(secs(serde_json::json!(125)), Some(Duration::from_secs(125)));
        assert_eq!(
            secs(serde_json::json!("125")),
            Some(Duration::from_secs(125))
        );
        assert_eq!(
            secs(serde_json::json!("94s")),
            Some(Duration::from_secs(94))
        );
        assert_eq!(
            secs(serde_json::json!(1.5)),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(secs(serde_json::json!(-1)), None);
        assert_eq!(secs(serde_json::json!("soon")), None);
        assert_eq!(secs(serde_json::json!(true)), None);
    }

    #[test]
    fn split_lines_edge_cases() {
        let turns = split_lines(
            "Maya: Times: 9am or 7pm.\r\n\n:\nsecond line\nnobody\n  : trailing  ",
            Some("maya"),
        );
        assert_eq!(
            turns,
            [
                Turn {
                    speaker: Speaker::Agent,
                    text: "Times: 9am or 7pm.".into()
                },
                Turn {
                    speaker: Speaker::Caller,
                    text: "second line\nnobody".into()
                },
                Turn {
                    speaker: Speaker::Caller,
                    text: "trailing".into()
                },
            ]
        );
        assert_eq!(
            split_lines("orphan\nAgent: hi", None),
            [
                Turn {
                    speaker: Speaker::Other(String::new()),
                    text: "orphan".into()
                },
                Turn {
                    speaker: Speaker::Agent,
                    text: "hi".into()
                },
            ]
        );
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
    fn claims_evicted_then_reclaimed_are_not_released_by_the_old_claim() {
        let dedup = Deduplicator::new(1);
        let old = dedup.claim("a").expect("new");
        dedup.claim("b").expect("new").commit(); // evicts "a"
        let new = dedup.claim("a").expect("evicted, so new again"); // evicts "b"
        drop(old);
        assert!(
            dedup.contains("a"),
            "the old claim must not release the new one"
        );
        new.commit();
        assert_eq!(dedup.len(), 1);
    }
}
