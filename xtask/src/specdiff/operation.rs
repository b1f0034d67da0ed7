//! Compares two definitions of one operation (same operationId): route, parameters and their
//! required flags, request body, responses, and the operation's other keywords.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{
    Change, Impact, Subject, What, resolve,
    schema::{Walk, compact},
};
use crate::spec::Operation;

/// An operation added (`added`) or removed as a whole.
pub(super) fn whole(id: &str, route: &str, added: bool) -> Change {
    let (what, impact) = if added {
        (What::OperationAdded(route.to_owned()), Impact::Compatible)
    } else {
        (What::OperationRemoved(route.to_owned()), Impact::Breaking)
    };
    Change {
        subject: Subject::Operation(id.to_owned()),
        part: String::new(),
        path: String::new(),
        what,
        impact,
    }
}

/// Keywords handled here or not part of the API surface.
const HANDLED: [&str; 6] = [
    "operationId",
    "parameters",
    "requestBody",
    "responses",
    "example",
    "examples",
];
const DOCS: [&str; 2] = ["summary", "description"];

struct Side<'a> {
    doc: &'a Value,
    op: &'a Operation,
}

/// Records every change between `old` and `new` (each with the document it belongs to).
pub(super) fn compare(
    id: &str,
    old: (&Value, &Operation),
    new: (&Value, &Operation),
    out: &mut Vec<Change>,
) {
    let (old, new) = (
        Side {
            doc: old.0,
            op: old.1,
        },
        Side {
            doc: new.0,
            op: new.1,
        },
    );
    let subject = Subject::Operation(id.to_owned());
    let push = |out: &mut Vec<Change>, part: String, what: What, impact: Impact| {
        out.push(Change {
            subject: subject.clone(),
            part,
            path: String::new(),
            what,
            impact,
        })
    };
    if old.op.route != new.op.route {
        let (from, to) = (old.op.route.clone(), new.op.route.clone());
        // The method keeps its name and arguments; only the URL it calls moves.
        push(
            out,
            String::new(),
            What::RouteChanged { from, to },
            Impact::Compatible,
        );
    }
    parameters(&subject, &old, &new, out);
    request_body(&subject, &old, &new, out);
    responses(&subject, &old, &new, out);

    let keys = |side: &Side| -> BTreeSet<String> {
        side.op
            .definition
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    };
    for key in keys(&old).union(&keys(&new)) {
        let (a, b) = (old.op.definition.get(key), new.op.definition.get(key));
        if HANDLED.contains(&key.as_str()) || a == b {
            continue;
        }
        let (what, impact) = if DOCS.contains(&key.as_str()) {
            (What::DocsChanged(key.clone()), Impact::Docs)
        } else {
            // `tags` moves the method to another extension trait: the Rust API diff shows it.
            let (from, to) = (compact(a), compact(b));
            let keyword = key.clone();
            (
                What::KeywordChanged { keyword, from, to },
                Impact::Compatible,
            )
        };
        push(out, String::new(), what, impact);
    }
}

/// The operation's parameters by `(in, name)`: the path item's, overridden by the operation's.
fn parameter_map<'a>(side: &Side<'a>) -> BTreeMap<(String, String), &'a Value> {
    let mut map = BTreeMap::new();
    let lists = [
        &side.op.shared_parameters,
        &side.op.definition["parameters"],
    ];
    for list in lists.into_iter().filter_map(Value::as_array) {
        for parameter in list {
            let parameter = resolve(side.doc, parameter);
            let text = |key: &str| {
                parameter
                    .get(key)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            map.insert((text("in"), text("name")), parameter);
        }
    }
    map
}

fn is_required(value: &Value) -> bool {
    value
        .get("required")
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

fn parameters(subject: &Subject, old: &Side, new: &Side, out: &mut Vec<Change>) {
    let (before, after) = (parameter_map(old), parameter_map(new));
    let part = |(place, name): &(String, String)| format!("parameter `{name}` ({place})");
    let absent = Value::Null;
    for (key, parameter) in &after {
        let required = is_required(parameter);
        let mut walk = Walk::new(subject.clone(), part(key), true, out);
        match before.get(key) {
            None => {
                let impact = if required {
                    Impact::Breaking
                } else {
                    Impact::Compatible
                };
                walk.record(What::ParameterAdded { required }, impact);
            }
            Some(previous) => {
                if is_required(previous) != required {
                    let impact = if required {
                        Impact::Breaking
                    } else {
                        Impact::Compatible
                    };
                    walk.record(What::RequiredChanged(required), impact);
                }
                if previous.get("description") != parameter.get("description") {
                    walk.record(What::DocsChanged("description".into()), Impact::Docs);
                }
                let schema = |p: &'_ Value| p.get("schema").cloned().unwrap_or(absent.clone());
                walk.compare("", &schema(previous), &schema(parameter));
            }
        }
    }
    for key in before.keys() {
        if !after.contains_key(key) {
            Walk::new(subject.clone(), part(key), true, out)
                .record(What::ParameterRemoved, Impact::Breaking);
        }
    }
}

fn request_body(subject: &Subject, old: &Side, new: &Side, out: &mut Vec<Change>) {
    let body = |side: &Side<'_>| {
        side.op
            .definition
            .get("requestBody")
            .map(|b| resolve(side.doc, b).clone())
    };
    let mut walk = Walk::new(subject.clone(), "request body".into(), true, out);
    match (body(old), body(new)) {
        (None, None) => {}
        (None, Some(added)) => {
            let required = is_required(&added);
            let impact = if required {
                Impact::Breaking
            } else {
                Impact::Compatible
            };
            walk.record(What::BodyAdded { required }, impact);
        }
        (Some(_), None) => walk.record(What::BodyRemoved, Impact::Breaking),
        (Some(before), Some(after)) => {
            if is_required(&before) != is_required(&after) {
                let required = is_required(&after);
                let impact = if required {
                    Impact::Breaking
                } else {
                    Impact::Compatible
                };
                walk.record(What::RequiredChanged(required), impact);
            }
            content(&mut walk, &before, &after);
        }
    }
}

fn responses(subject: &Subject, old: &Side, new: &Side, out: &mut Vec<Change>) {
    let map = |side: &Side<'_>| -> BTreeMap<String, Value> {
        side.op
            .definition
            .get("responses")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(status, r)| (status.clone(), resolve(side.doc, r).clone()))
                    .collect()
            })
            .unwrap_or_default()
    };
    let (before, after) = (map(old), map(new));
    for (status, response) in &after {
        let mut walk = Walk::new(subject.clone(), format!("response {status}"), false, out);
        match before.get(status) {
            None => walk.record(What::ResponseAdded, Impact::Compatible),
            Some(previous) => {
                if previous.get("description") != response.get("description") {
                    walk.record(What::DocsChanged("description".into()), Impact::Docs);
                }
                content(&mut walk, previous, response);
            }
        }
    }
    for status in before.keys() {
        if !after.contains_key(status) {
            Walk::new(subject.clone(), format!("response {status}"), false, out)
                .record(What::ResponseRemoved, Impact::Breaking);
        }
    }
}

/// Compares the `content` maps of two bodies: media types, then each shared one's schema.
fn content(walk: &mut Walk<'_>, old: &Value, new: &Value) {
    let empty = serde_json::Map::new();
    let media = |body: &Value| body.get("content").and_then(Value::as_object).cloned();
    let (before, after) = (
        media(old).unwrap_or_else(|| empty.clone()),
        media(new).unwrap_or(empty),
    );
    let absent = Value::Null;
    for (kind, entry) in &after {
        match before.get(kind) {
            None => walk.record(What::MediaTypeAdded(kind.clone()), Impact::Compatible),
            Some(previous) => walk.compare(
                "",
                previous.get("schema").unwrap_or(&absent),
                entry.get("schema").unwrap_or(&absent),
            ),
        }
    }
    for kind in before.keys() {
        if !after.contains_key(kind) {
            walk.record(What::MediaTypeRemoved(kind.clone()), Impact::Breaking);
        }
    }
}
