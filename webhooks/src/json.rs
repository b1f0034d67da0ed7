//! Reading loosely-typed delivery JSON: where a field is looked up ([`Scopes`]), under which
//! spellings ([`field`]), and how protojson-style values become text, numbers and durations.
//! A leaf: nothing here knows the event model.

use std::time::Duration;

use chrono::{DateTime, FixedOffset};
use serde_json::{Map, Value};

/// The objects a field is looked up in, most specific first: the session object
/// (`call_session`, top-level or inside `data`), the `data` wrapper, then the top level.
pub(crate) struct Scopes<'a> {
    /// The `data` wrapper of the documented shape.
    pub(crate) data: Option<&'a Map<String, Value>>,
    /// `call_session`, top-level or inside `data`.
    pub(crate) call_session: Option<&'a Map<String, Value>>,
    all: Vec<&'a Map<String, Value>>,
}

impl<'a> Scopes<'a> {
    pub(crate) fn of(top: &'a Map<String, Value>) -> Self {
        let data = object(field(top, "data"));
        let call_session = data
            .and_then(|d| object(field(d, "call_session")))
            .or_else(|| object(field(top, "call_session")));
        let all = [call_session, data, Some(top)]
            .into_iter()
            .flatten()
            .collect();
        Scopes {
            data,
            call_session,
            all,
        }
    }

    /// `call_session`, else `data`: where the session's own `id` is.
    pub(crate) fn session(&self) -> Option<&'a Map<String, Value>> {
        self.call_session.or(self.data)
    }

    /// The first non-null value under any of `keys`.
    pub(crate) fn find(&self, keys: &[&str]) -> Option<&'a Value> {
        self.find_map(keys, Some)
    }

    /// The first value under any of `keys` for which `f` gives something: a key in any scope
    /// wins over the next key, so a later spelling is only a fallback.
    pub(crate) fn find_map<T>(
        &self,
        keys: &[&str],
        f: impl Fn(&'a Value) -> Option<T>,
    ) -> Option<T> {
        keys.iter()
            .flat_map(|key| self.all.iter().filter_map(move |scope| field(scope, key)))
            .find_map(f)
    }

    /// The first non-empty string (or number, as text) under any of `keys`.
    pub(crate) fn text(&self, keys: &[&str]) -> Option<String> {
        self.find_map(keys, text)
    }
}

/// `map[key]`, or `map[lowerCamelCase(key)]` (protojson's spelling); `null` is absent.
pub(crate) fn field<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    let present = |v: &&Value| !v.is_null();
    map.get(key).filter(present).or_else(|| {
        let camel = lower_camel(key);
        (camel != key)
            .then(|| map.get(&camel).filter(present))
            .flatten()
    })
}

/// `map[key]` as [`text`].
pub(crate) fn field_text(map: &Map<String, Value>, key: &str) -> Option<String> {
    field(map, key).and_then(text)
}

fn object(value: Option<&Value>) -> Option<&Map<String, Value>> {
    value.and_then(Value::as_object)
}

/// `call_session_id` → `callSessionId`.
fn lower_camel(snake: &str) -> String {
    heck::ToLowerCamelCase::to_lower_camel_case(snake)
}

/// A non-blank string as is, or a number as text (protojson sends 64-bit ids either way).
pub(crate) fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A finite number, sent as a JSON number or a numeric string (protojson quotes 64-bit values).
pub(crate) fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|n: &f64| n.is_finite())
}

/// A non-negative whole number, as a number or a numeric string; a fraction is not one.
pub(crate) fn count(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Seconds as a number or a numeric string; anything else, or a negative, is `None`.
pub(crate) fn seconds(value: &Value) -> Option<Duration> {
    let seconds = match value {
        // protojson writes a `Duration` as `"94s"`.
        Value::String(s) => {
            let s = s.trim();
            s.strip_suffix('s').unwrap_or(s).parse().ok()
        }
        other => number(other),
    }?;
    Duration::try_from_secs_f64(seconds).ok()
}

/// Milliseconds as a whole number or a numeric string.
pub(crate) fn millis(value: &Value) -> Option<Duration> {
    count(value).map(Duration::from_millis)
}

/// An RFC 3339 timestamp (what the docs call ISO 8601 and protojson writes), keeping its offset.
pub(crate) fn timestamp(value: &Value) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(value.as_str()?.trim()).ok()
}

/// `{"type": ..., "value": ...}` → the value; anything else unchanged.
pub(crate) fn unwrap_typed(value: &Value) -> &Value {
    match value {
        Value::Object(wrapper) if wrapper.contains_key("type") => {
            wrapper.get("value").unwrap_or(value)
        }
        _ => value,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn lower_camel_spellings() {
        assert_eq!(lower_camel("call_session_id"), "callSessionId");
        assert_eq!(lower_camel("event"), "event");
        assert_eq!(lower_camel("_x"), "x");
    }

    #[test]
    fn durations_in_seconds() {
        let secs = |v: Value| seconds(&v);
        assert_eq!(secs(json!(125)), Some(Duration::from_secs(125)));
        assert_eq!(secs(json!("125")), Some(Duration::from_secs(125)));
        assert_eq!(secs(json!("94s")), Some(Duration::from_secs(94)));
        assert_eq!(secs(json!(1.5)), Some(Duration::from_millis(1500)));
        assert_eq!(secs(json!(-1)), None);
        assert_eq!(secs(json!("soon")), None);
        assert_eq!(secs(json!("NaN")), None);
        assert_eq!(secs(json!(true)), None);
    }

    #[test]
    fn numbers_and_counts() {
        assert_eq!(number(&json!(0.42)), Some(0.42));
        assert_eq!(number(&json!(" 0.42 ")), Some(0.42));
        assert_eq!(number(&json!("inf")), None);
        assert_eq!(number(&json!([1])), None);
        assert_eq!(count(&json!(2)), Some(2));
        assert_eq!(count(&json!("2")), Some(2));
        assert_eq!(count(&json!(1.5)), None);
        assert_eq!(count(&json!(-1)), None);
        assert_eq!(millis(&json!("150")), Some(Duration::from_millis(150)));
    }

    #[test]
    fn timestamps_keep_their_offset() {
        let at = timestamp(&json!("2026-03-24T18:30:00+05:30")).expect("RFC 3339");
        assert_eq!(at.offset().local_minus_utc(), 5 * 3600 + 1800);
        assert_eq!(timestamp(&json!("yesterday")), None);
        assert_eq!(timestamp(&json!(1_774_376_400)), None);
    }

    #[test]
    fn typed_wrappers_unwrap_to_their_value() {
        assert_eq!(
            unwrap_typed(&json!({"type": "boolean", "value": true})),
            &json!(true)
        );
        assert_eq!(
            unwrap_typed(&json!({"type": "string"})),
            &json!({"type": "string"})
        );
        assert_eq!(unwrap_typed(&json!({"value": 1})), &json!({"value": 1}));
    }
}
