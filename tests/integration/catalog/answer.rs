//! Reading the SDK's answer in the order it wrote it, and checking that each documented field
//! came back typed (before the sentinel) rather than in `extra`.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::{SENTINEL, bodies::property, entries::*};
use crate::wire::Spec;

/// JSON with each object's members in the order they were written.
#[derive(Debug)]
pub(super) enum Ordered {
    Object(Vec<(String, Ordered)>),
    Array(Vec<Ordered>),
    Scalar,
}

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Ordered, D::Error> {
        deserializer.deserialize_any(OrderedVisitor)
    }
}

pub(super) struct OrderedVisitor;

impl<'de> Visitor<'de> for OrderedVisitor {
    type Value = Ordered;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JSON")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ordered, A::Error> {
        let mut members = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Ordered>()? {
            members.push((key, value));
        }
        Ok(Ordered::Object(members))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Ordered, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Ordered>()? {
            items.push(item);
        }
        Ok(Ordered::Array(items))
    }

    fn visit_bool<E>(self, _: bool) -> Result<Ordered, E> {
        Ok(Ordered::Scalar)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Ordered, E> {
        Ok(Ordered::Scalar)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Ordered, E> {
        Ok(Ordered::Scalar)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Ordered, E> {
        Ok(Ordered::Scalar)
    }
    fn visit_str<E>(self, _: &str) -> Result<Ordered, E> {
        Ok(Ordered::Scalar)
    }
    fn visit_unit<E>(self) -> Result<Ordered, E> {
        Ok(Ordered::Scalar)
    }
}

impl Ordered {
    /// The member `key` if it was written before the sentinel (a typed field), `Err` with why
    /// not otherwise.
    pub(super) fn typed(&self, key: &str) -> Result<&Ordered, &'static str> {
        let Ordered::Object(members) = self else {
            return Err("its parent is not an object");
        };
        for (name, value) in members {
            if name == SENTINEL {
                break;
            }
            if name == key {
                return Ok(value);
            }
        }
        if members.iter().any(|(name, _)| name == key) {
            Err("it landed in `extra`")
        } else {
            Err("it is missing once decoded")
        }
    }

    /// The first element, through arrays.
    pub(super) fn first(&self) -> Option<&Ordered> {
        match self {
            Ordered::Array(items) => items.first(),
            other => Some(other),
        }
    }
}

/// Checks that every field in `fields` is a typed member of `at`, recursing into the members the
/// catalog documents; collects `path: why` failures and returns how many fields it checked.
pub(super) fn check_fields(
    spec: &Spec,
    at: &Ordered,
    schema: Option<&Value>,
    fields: &[Field],
    path: &str,
    failures: &mut Vec<(String, String)>,
) -> usize {
    let mut checked = 0;
    for field in fields {
        checked += 1;
        let here = format!("{path}{}", field.name);
        let Some((name, sub)) = schema.and_then(|s| property(spec, s, &field.name)) else {
            failures.push((here, "no property in openapi.yaml (no home)".into()));
            continue;
        };
        match at.typed(name) {
            Ok(value) => {
                if !field.members.is_empty() {
                    let item_schema = sub.get("items").map(|i| spec.document.resolve(i));
                    let (inner, inner_schema, suffix) = match sub["type"].as_str() {
                        Some("array") => (value.first(), item_schema, "[]."),
                        _ => (Some(value), Some(sub), "."),
                    };
                    if let Some(inner) = inner {
                        checked += check_fields(
                            spec,
                            inner,
                            inner_schema,
                            &field.members,
                            &format!("{here}{suffix}"),
                            failures,
                        );
                    }
                }
            }
            Err(why) => failures.push((here, why.into())),
        }
    }
    checked
}

/// Walks `position` in the SDK's answer.
pub(super) fn navigate<'a>(mut at: &'a Ordered, position: &[Step]) -> Result<&'a Ordered, String> {
    for step in position {
        at = match step {
            Step::Key(key) => at.typed(key).map_err(|why| format!("`{key}`: {why}"))?,
            Step::Items => at.first().ok_or("an empty list")?,
        };
    }
    Ok(at)
}

pub(super) fn position_text(position: &[Step]) -> String {
    let mut out = String::new();
    for step in position {
        match step {
            Step::Key(key) if out.is_empty() => out.push_str(key),
            Step::Key(key) => {
                out.push('.');
                out.push_str(key);
            }
            Step::Items => out.push_str("[]"),
        }
    }
    if out.is_empty() { "top".into() } else { out }
}
