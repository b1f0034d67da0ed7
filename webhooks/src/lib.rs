//! The after-call webhook: parse a delivery into one typed [`CallCompleted`], deduplicate
//! retries, and answer with the right HTTP status — within bounds a hostile client cannot
//! push past.
//!
//! When a call ends, Agni `POST`s a JSON body to the agent's `webhook_urls`, retries any
//! non-2xx answer, and signs nothing. Two shapes arrive, and [`parse`] accepts both:
//!
//! - **Documented** ([`Shape::Documented`]): `{"event": "call.completed", "org_id": ..., "data":
//!   {"call_session_id": ..., "caller_number": ..., "post_call_analysis": {"sentiment":
//!   "positive"}, "transcripts": [{"role": "agent", "message": {"content": ...}}], ...}}` —
//!   sometimes without the `event` (see [`parse`] for what then counts as an after-call event).
//! - **Real deliveries** ([`Shape::RealDelivery`]), as captured in production: `{"event":
//!   "call_completed", "call_type": "inbound_call", "call_session": {"id": ..., ...},
//!   "post_call_analysis": {"summary": {"type": "string", "value": ...}}, "transcriptions":
//!   "Maya: Hello!\n: Hi, ..."}` — no `data` wrapper, no `org_id`, analysis values wrapped as
//!   `{type, value}` under the agent's own field names (the summary among them), and the
//!   transcript as one string whose caller lines have an empty speaker.
//!
//! A field is looked up in the session object (`call_session`, or `data`), then in the `data`
//! wrapper, then at the top level, each under its snake_case and its lowerCamelCase spelling
//! (the service speaks protojson); numbers may come as numeric strings. `null`, empty strings
//! and unknown fields are ignored, never an error. Everything is still in
//! [`CallCompleted::raw`] (or reachable with [`CallCompleted::get`]).
//!
//! # Which number is the customer
//!
//! `caller_number` is whoever dialled. On an **inbound** call that is the customer and
//! `callee_number` is the business's own line; on an **outbound** call it is the reverse.
//! [`CallCompleted::customer_number`] and [`CallCompleted::business_number`] resolve this from
//! [`Channel`] (`channel`, else `call_type` when `channel` has no direction) so a receiver does
//! not have to (receivers have mixed them up):
//!
//! | direction | customer | business |
//! |---|---|---|
//! | [`Channel::Inbound`] (`inbound_call`) | caller | callee |
//! | [`Channel::Outbound`] (`outbound_call`) | callee | caller |
//! | [`Channel::Web`] | caller, if any | callee, if any |
//! | none (the docs' `voice`, `sip`) | the documented `phone` field ("the external party"); the other number is the business | |
//!
//! # Receiving
//!
//! [`handle`] runs one delivery through [`parse`], a [`DedupStore`] and your handler, and
//! returns an [`Outcome`] whose [`Outcome::status`] is what to answer: `200` when processed, a
//! duplicate, or another event; `400`/`413` when the body is not an after-call event at all or
//! too big; `500` when your handler fails, and `503` when the store does, so Agni retries.
//! Stores: [`MemoryStore`] (one process, bounded in bytes) or, with the `redis` feature,
//! `RedisStore` (several replicas). With the `axum` feature, `agni_webhooks::axum::endpoint`
//! is all of that as an axum route, and `agni_webhooks::axum::serve` serves it with the header
//! timeout `axum::serve` lacks; [`Limits`] holds every bound and its default.
//!
//! Nothing authenticates a delivery: there is no signature, and `org_id` (absent from real
//! deliveries) is only a consistency check. Put an unguessable secret in the webhook URL's path
//! (keep it out of your access logs) and serve over TLS through your proxy.
//!
//! ```
//! let body = br#"{
//!   "event": "call_completed",
//!   "call_type": "inbound_call",
//!   "call_session": {
//!     "id": "019e1c2d-0a1b-7c2d-8e3f-4a5b6c7d8e9f",
//!     "agent_name": "Maya",
//!     "caller_number": "+14155550123",
//!     "callee_number": "+18885550100",
//!     "duration_sec": "94",
//!     "cost_total": "0.42"
//!   },
//!   "post_call_analysis": {
//!     "booked": {"type": "boolean", "value": true},
//!     "summary": {"type": "string", "value": "Booked a table for four."}
//!   },
//!   "transcriptions": "Maya: Bella Cucina, how can I help?\n: A table for four, please."
//! }"#;
//!
//! let call = agni_webhooks::parse(body)?;
//! assert_eq!(call.session_id, "019e1c2d-0a1b-7c2d-8e3f-4a5b6c7d8e9f");
//! assert_eq!(call.customer_number.as_deref(), Some("+14155550123"));
//! assert_eq!(call.business_number.as_deref(), Some("+18885550100"));
//! assert_eq!(call.duration, Some(std::time::Duration::from_secs(94)));
//! assert_eq!(call.cost_total, Some(0.42));
//! assert_eq!(call.summary.as_deref(), Some("Booked a table for four."));
//! assert_eq!(call.analysis["booked"], serde_json::json!(true));
//! assert_eq!(call.transcript[1].speaker, agni_webhooks::Speaker::Caller);
//! assert_eq!(call.transcript[1].text, "A table for four, please.");
//! # Ok::<(), agni_webhooks::WebhookError>(())
//! ```

#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

// One concern per module. Leaf first, each using only those before it (no cycles):
// error, json, limits · dedup (error) · transcript (json) · event (json, transcript) ·
// parse (dedup, error, event, json, limits, transcript) · receive (dedup, error, event, parse) ·
// axum (all but json and transcript).
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub mod axum;
mod dedup;
mod error;
mod event;
mod json;
mod limits;
mod parse;
mod receive;
mod transcript;

#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use dedup::redis::RedisStore;
pub use dedup::{
    Claim, ClaimToken, DedupError, DedupKey, DedupStore, StoreFuture, memory::MemoryStore,
};
pub use error::{BoxError, WebhookError};
pub use event::{CallCompleted, Channel, Shape};
pub use limits::Limits;
pub use parse::{parse, parse_with_limit};
pub use receive::{Outcome, handle, handle_parsed};
pub use transcript::{Speaker, Turn};

/// The README's examples, compiled as doctests so they cannot drift from the API.
#[cfg(all(doctest, feature = "axum", feature = "redis"))]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
