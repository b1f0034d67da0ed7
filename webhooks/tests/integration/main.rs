//! The after-call webhook crate's integration tests, one binary: the public API only.

#[cfg(feature = "axum")]
mod endpoint;
mod limits;
mod parse;
mod receive;
#[cfg(feature = "redis")]
mod redis;
mod serialize;
#[cfg(feature = "axum")]
mod serve;

use agni_webhooks::{CallCompleted, Speaker, Turn};

pub const DOCUMENTED: &str = include_str!("../fixtures/documented.json");
pub const REAL_INBOUND: &str = include_str!("../fixtures/real_inbound.json");
pub const REAL_OUTBOUND: &str = include_str!("../fixtures/real_outbound.json");
pub const REAL_ANALYSIS_SUMMARY: &str = include_str!("../fixtures/real_analysis_summary.json");

pub fn parse(body: &str) -> CallCompleted {
    agni_webhooks::parse(body.as_bytes()).expect("the fixture is an after-call event")
}

pub fn turn(speaker: Speaker, text: &str) -> Turn {
    Turn {
        speaker,
        text: text.to_owned(),
    }
}

/// A real delivery of session `id`, `padding` spaces long on top (JSON ignores them).
pub fn delivery(id: &str, padding: usize) -> Vec<u8> {
    let mut body =
        format!(r#"{{"event": "call_completed", "call_session": {{"id": "{id}"}}}}"#).into_bytes();
    body.resize(body.len() + padding, b' ');
    body
}
