//! The conversation: [`Turn`]s and their [`Speaker`], read from either transcript form — the
//! documented `transcripts` array of `{role, message: {content}}` entries, or the one
//! `transcriptions` string real deliveries send (`"<agent name>: ..."`, and `": ..."` for the
//! caller).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::json::field;

/// Who said a [`Turn`]. Serialized as its [`Display`](fmt::Display) text (`"agent"`, `"caller"`,
/// or the other name as delivered).
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

impl Serialize for Speaker {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// The inverse of [`Display`](fmt::Display): `"agent"` and `"caller"` are the two roles, any
/// other text is [`Speaker::Other`] (parsing never puts those two words there).
impl<'de> Deserialize<'de> for Speaker {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(match text.as_str() {
            "agent" => Speaker::Agent,
            "caller" => Speaker::Caller,
            _ => Speaker::Other(text),
        })
    }
}

/// One utterance of the transcript. Serialized as `{"speaker": "agent", "text": "..."}`.
///
/// ```
/// use agni_webhooks::{Speaker, Turn};
///
/// let turn = Turn { speaker: Speaker::Caller, text: "Hi!".into() };
/// assert_eq!(format!("{}: {}", turn.speaker, turn.text), "caller: Hi!");
/// assert_eq!(serde_json::to_value(&turn)?, serde_json::json!({"speaker": "caller", "text": "Hi!"}));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Turn {
    /// Who said it.
    pub speaker: Speaker,
    /// What was said (lines of a multi-line utterance joined with `\n`).
    pub text: String,
}

/// Either transcript form; `None` when `value` is neither a list nor a non-blank string.
pub(crate) fn transcript(value: &Value, agent_name: Option<&str>) -> Option<Vec<Turn>> {
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

    fn turn(speaker: Speaker, text: &str) -> Turn {
        Turn {
            speaker,
            text: text.to_owned(),
        }
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
                turn(Speaker::Agent, "Times: 9am or 7pm."),
                turn(Speaker::Caller, "second line\nnobody"),
                turn(Speaker::Caller, "trailing"),
            ]
        );
        assert_eq!(
            split_lines("orphan\nAgent: hi", None),
            [
                turn(Speaker::Other(String::new()), "orphan"),
                turn(Speaker::Agent, "hi"),
            ]
        );
    }

    #[test]
    fn role_words_never_land_in_other() {
        // The serialized form relies on it: `"agent"`/`"caller"` always read back as the roles.
        for who in ["agent", "AGENT", "role_agent", "caller", "Caller", "user"] {
            assert!(
                !matches!(speaker(who, None), Speaker::Other(_)),
                "{who} is a role"
            );
        }
    }
}
