//! The limit's types: plain serde structs mirroring the spec's `Agent`, `Meta`,
//! `GetAgentResponse` and `ListAgentsResponse`, with no aliases, no lenient helpers and no
//! catch-all enum variant. [`snake`] reads the spec's snake_case names; [`camel`] is the same
//! structs with `#[serde(rename_all = "camelCase")]`, what a hand-written client for a service
//! that sends lowerCamelCase would use. [`calls`] has the snake_case `CreateCall` and contact
//! list shapes (only ever sent in that spelling here).
//!
//! The same structs serialize the canned bodies every contender reads, so the bytes are
//! exactly the spec's shapes.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// `AgentStatus`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AgentStatus {
    /// `AGENT_STATUS_UNSPECIFIED`
    #[serde(rename = "AGENT_STATUS_UNSPECIFIED")]
    Unspecified,
    /// `AGENT_STATUS_ACTIVE`
    #[serde(rename = "AGENT_STATUS_ACTIVE")]
    Active,
    /// `AGENT_STATUS_INACTIVE`
    #[serde(rename = "AGENT_STATUS_INACTIVE")]
    Inactive,
}

fn object(value: Value) -> Option<Map<String, Value>> {
    match value {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

macro_rules! plain_structs {
    ($(#[$attr:meta])*) => {
        use super::*;

        /// The spec's `Agent`.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        $(#[$attr])*
        pub struct Agent {
            pub agent_name: Option<String>,
            pub ambient_sound: Option<String>,
            pub ambient_sound_volume: Option<f64>,
            pub analysis_summary_prompt: Option<String>,
            pub begin_message: Option<String>,
            pub created_at: Option<String>,
            pub enable_voicemail_detection: Option<bool>,
            pub end_call_after_silence: Option<bool>,
            pub id: Option<String>,
            pub integrations: Option<Map<String, Value>>,
            pub ivr_options: Option<Map<String, Value>>,
            pub knowledge_base: Option<String>,
            pub max_call_duration_ms: Option<i32>,
            pub model: Option<String>,
            pub name: Option<String>,
            pub organization_id: Option<String>,
            pub post_call_analysis_model: Option<String>,
            pub reminder_max_count: Option<i32>,
            pub reminder_trigger_ms: Option<i32>,
            pub ring_duration_ms: Option<i32>,
            pub s2s_model: Option<String>,
            pub prompt: Option<String>,
            pub selected_tools: Option<Vec<String>>,
            pub start_speaker: Option<String>,
            pub status: Option<AgentStatus>,
            pub temperature: Option<f64>,
            pub updated_at: Option<String>,
            pub voice_id: Option<String>,
            pub voicemail_detection_timeout_ms: Option<i32>,
            pub voicemail_message: Option<String>,
            pub widget_settings_id: Option<String>,
        }

        /// The spec's `Meta`.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        $(#[$attr])*
        pub struct Meta {
            pub limit: Option<i32>,
            pub offset: Option<i32>,
            pub total: Option<i64>,
        }

        /// The spec's `GetAgentResponse`.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        $(#[$attr])*
        pub struct GetAgentResponse {
            pub data: Option<Agent>,
            pub message: Option<String>,
            pub success: Option<bool>,
        }

        /// The spec's `ListAgentsResponse`.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        $(#[$attr])*
        pub struct ListAgentsResponse {
            pub data: Option<Vec<Agent>>,
            pub message: Option<String>,
            pub meta: Option<Meta>,
            pub success: Option<bool>,
        }

        /// Agent number `i`, every field set, about 1 KiB of JSON.
        pub fn agent(i: usize) -> Agent {
            Agent {
                agent_name: Some(format!("Riley {i}")),
                ambient_sound: Some("office".to_owned()),
                ambient_sound_volume: Some(0.25),
                analysis_summary_prompt: Some(
                    "Summarise the call in three sentences and note any appointment booked."
                        .to_owned(),
                ),
                begin_message: Some(
                    "Hi, this is Riley from Acme Dental. How can I help?".to_owned(),
                ),
                created_at: Some("2025-06-01T12:00:00Z".to_owned()),
                enable_voicemail_detection: Some(true),
                end_call_after_silence: Some(false),
                id: Some(format!("0198f6a2-6d1e-7c1a-9d4f-{:012x}", i + 1)),
                integrations: object(json!({"calcom": {"enabled": true, "event_type_id": 42}})),
                ivr_options: object(json!({"enabled": false})),
                knowledge_base: Some("kb_0198f6a2-6d1e-7c1a".to_owned()),
                max_call_duration_ms: Some(1_800_000),
                model: Some("gpt-4o-mini".to_owned()),
                name: Some(format!("riley-{i}")),
                organization_id: Some("org_0198f6a2-6d1e-7c1a-9d4f".to_owned()),
                post_call_analysis_model: Some("gpt-4o-mini".to_owned()),
                reminder_max_count: Some(2),
                reminder_trigger_ms: Some(10_000),
                ring_duration_ms: Some(30_000),
                s2s_model: Some("gpt-realtime".to_owned()),
                prompt: Some(
                    "You are Riley, the front desk of Acme Dental. Offer the next free slots."
                        .to_owned(),
                ),
                selected_tools: Some(vec!["0198f6a2-6d1e-7c1a-9d4f-7001a2b3c4d5".to_owned()]),
                start_speaker: Some("agent".to_owned()),
                status: Some(AgentStatus::Active),
                temperature: Some(0.7),
                updated_at: Some("2025-06-02T08:30:00Z".to_owned()),
                voice_id: Some("alloy".to_owned()),
                voicemail_detection_timeout_ms: Some(5_000),
                voicemail_message: Some(
                    "Hi, this is Riley from Acme Dental returning your call. Please call us back."
                        .to_owned(),
                ),
                widget_settings_id: Some("0198f6a2-6d1e-7c1a-9d4f-2b1e3c4d5e6f".to_owned()),
            }
        }

        /// A `GetAgent` answer.
        pub fn get_agent_body() -> Vec<u8> {
            let body = GetAgentResponse {
                data: Some(agent(0)),
                message: Some("Agent retrieved".to_owned()),
                success: Some(true),
            };
            serde_json::to_vec(&body).expect("plain structs serialize")
        }

        /// A `ListAgents` answer with agents `0..n` of `total`.
        pub fn list_agents_body(n: usize) -> Vec<u8> {
            let body = ListAgentsResponse {
                data: Some((0..n).map(agent).collect()),
                message: Some("Agents retrieved".to_owned()),
                meta: Some(Meta {
                    limit: i32::try_from(n).ok(),
                    offset: Some(0),
                    total: Some(n as i64),
                }),
                success: Some(true),
            };
            serde_json::to_vec(&body).expect("plain structs serialize")
        }
    };
}

/// snake_case names, as the spec says.
#[allow(missing_docs)]
pub mod snake {
    plain_structs!();
}

/// lowerCamelCase names, as protojson sends them (only the list is decoded in this spelling).
#[allow(missing_docs, dead_code)]
pub mod camel {
    plain_structs!(#[serde(rename_all = "camelCase")]);
}

/// `CreateCall` and `ListContacts`, snake_case: the limit's request and answer types, and the
/// server's canned answers.
#[allow(missing_docs)]
pub mod calls {
    use super::*;

    /// The spec's `CreateCallRequest` (its `type` as the plain string).
    #[derive(Debug, Clone, Serialize)]
    pub struct CreateCallRequest<'a> {
        pub agent_id: &'a str,
        pub from_phone_number: &'a str,
        pub metadata: &'a Map<String, Value>,
        pub prompt_dynamic_variables: &'a Map<String, Value>,
        pub to_phone_number: &'a str,
        #[serde(rename = "type")]
        pub type_: &'a str,
    }

    /// The spec's `CreateCallResponse`: not wrapped in `data`.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct CreateCallResponse {
        pub access_token: Option<String>,
        pub message: Option<String>,
        pub room_id: Option<String>,
        pub session_id: Option<String>,
        pub success: Option<bool>,
        pub url: Option<String>,
    }

    /// The spec's `Contact` (timestamps kept as strings: the limit parses nothing it need not).
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct Contact {
        pub company: Option<String>,
        pub created_at: Option<String>,
        pub email: Option<String>,
        pub first_name: Option<String>,
        pub id: Option<String>,
        pub last_name: Option<String>,
        pub metadata: Option<Map<String, Value>>,
        pub phone: Option<String>,
        pub updated_at: Option<String>,
    }

    /// The spec's `ListContactsResponse` (its `Meta` is the agents' one).
    #[derive(Debug, Clone, PartialEq, Deserialize)]
    pub struct ListContactsResponse {
        pub data: Option<Vec<Contact>>,
        pub message: Option<String>,
        pub meta: Option<snake::Meta>,
        pub success: Option<bool>,
    }

    /// The `CreateCall` answer (the spec's example).
    pub fn create_call_answer_body() -> Vec<u8> {
        let body = CreateCallResponse {
            access_token: Some(
                "eyJhbGciOiJIUzI1NiJ9.eyJyb29tIjoiY2FsbF8wMTllYjdlMCJ9.c2lnbmF0dXJl".to_owned(),
            ),
            message: Some("call created successfully".to_owned()),
            room_id: Some("call_019eb7e0-075d-742b-91ea-94cddde0534a".to_owned()),
            session_id: Some("019eb7e0-075d-742b-91ea-94cddde0534a".to_owned()),
            success: Some(true),
            url: Some("wss://livekit.ravan.ai".to_owned()),
        };
        serde_json::to_vec(&body).expect("plain structs serialize")
    }

    /// Contact number `i` as JSON, every field set (about 300 bytes).
    pub fn contact_json(i: usize) -> Vec<u8> {
        let contact = Contact {
            company: Some("Acme Dental".to_owned()),
            created_at: Some("2025-06-01T12:00:00Z".to_owned()),
            email: Some(format!("patient{i}@example.com")),
            first_name: Some("Ada".to_owned()),
            id: Some(format!("0198f6a2-6d1e-7c1a-9d4f-{:012x}", i + 1)),
            last_name: Some("Lovelace".to_owned()),
            metadata: object(json!({"source": "import", "row": i})),
            phone: Some(format!("+1415555{:04}", i % 10_000)),
            updated_at: Some("2025-06-02T08:30:00Z".to_owned()),
        };
        serde_json::to_vec(&contact).expect("plain structs serialize")
    }

    /// A `ListContacts` page: `items` (already JSON) at `offset`, `limit`, of `total`.
    pub fn list_contacts_page<'a>(
        items: impl Iterator<Item = &'a [u8]>,
        limit: u64,
        offset: u64,
        total: u64,
    ) -> Vec<u8> {
        let mut body = br#"{"data":["#.to_vec();
        for (i, item) in items.enumerate() {
            if i > 0 {
                body.push(b',');
            }
            body.extend_from_slice(item);
        }
        body.extend_from_slice(
            format!(
                r#"],"message":"Contacts retrieved","meta":{{"limit":{limit},"offset":{offset},"total":{total}}},"success":true}}"#
            )
            .as_bytes(),
        );
        body
    }
}
