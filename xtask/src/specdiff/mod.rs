//! The structural diff of two OpenAPI documents, as SDK users see it: operations, parameters,
//! request bodies, responses, schemas, fields, types, required and nullable flags and enum values
//! added, removed or changed, each classified as breaking or compatible under the changelog policy.
//!
//! A `$ref` to `#/components/schemas/X` is a named SDK type: each named schema is compared once,
//! by name, and every operation that reaches a changed schema through any chain of `$ref`s counts as
//! changed through it (comparing operation objects alone misses every change behind a `$ref`).
//! Other `$ref`s (parameters, request bodies, responses) are resolved in place. Reachability keeps
//! a visited set and resolution a hop limit, so a `$ref` cycle ends.

mod operation;
mod schema;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::spec::{self, SpecError};

/// What a change means for SDK users. Ordered: the worst impact of a set is its maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Impact {
    /// Only documentation (descriptions, summaries) changed: no user-visible API change.
    Docs,
    /// Users' code keeps compiling and working: something was added or loosened.
    Compatible,
    /// Users' code may stop compiling or working: something was removed, retyped or required.
    Breaking,
}

impl Impact {
    /// The word the report uses.
    pub fn label(self) -> &'static str {
        match self {
            Impact::Docs => "docs",
            Impact::Compatible => "compatible",
            Impact::Breaking => "breaking",
        }
    }
}

/// What a change is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Subject {
    /// Document-wide settings (`info.version`, `servers`, security).
    Document,
    /// An operation, by operationId.
    Operation(String),
    /// A named schema (`#/components/schemas/NAME`), i.e. a named SDK type.
    Schema(String),
}

/// The change classes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum What {
    /// A new operation, with its `METHOD path`.
    OperationAdded(String),
    /// A removed operation, with its `METHOD path`.
    OperationRemoved(String),
    /// Same operationId, another method or path.
    RouteChanged {
        /// Old `METHOD path`.
        from: String,
        /// New `METHOD path`.
        to: String,
    },
    /// A new named schema.
    SchemaAdded,
    /// A removed named schema.
    SchemaRemoved,
    /// A new parameter.
    ParameterAdded {
        /// Whether callers must now pass it.
        required: bool,
    },
    /// A removed parameter.
    ParameterRemoved,
    /// A request body where there was none.
    BodyAdded {
        /// Whether callers must now send it.
        required: bool,
    },
    /// The request body is gone.
    BodyRemoved,
    /// A new response status.
    ResponseAdded,
    /// A removed response status.
    ResponseRemoved,
    /// A new media type of a body.
    MediaTypeAdded(String),
    /// A removed media type of a body.
    MediaTypeRemoved(String),
    /// A new property of an object schema.
    FieldAdded {
        /// Its type, described.
        ty: String,
        /// Whether it is required.
        required: bool,
        /// Where a field of that name was before, when it moved out of a removed object field
        /// (an envelope dropped).
        moved_from: Option<String>,
    },
    /// A removed property.
    FieldRemoved {
        /// Its old type, described.
        ty: String,
        /// Where a field of that name is now, when it moved into a new object field (an
        /// envelope added).
        moved_to: Option<String>,
    },
    /// Another type, format or `$ref` target.
    TypeChanged {
        /// Old type, described.
        from: String,
        /// New type, described.
        to: String,
    },
    /// A field or parameter became required (`true`) or optional (`false`).
    RequiredChanged(bool),
    /// A schema became nullable (`true`) or not (`false`).
    NullableChanged(bool),
    /// A new enum value.
    EnumValueAdded(String),
    /// A removed enum value.
    EnumValueRemoved(String),
    /// Any other keyword (a default, a constraint, tags, servers...).
    KeywordChanged {
        /// The keyword.
        keyword: String,
        /// Old value, compact JSON (`-` when absent).
        from: String,
        /// New value, compact JSON (`-` when absent).
        to: String,
    },
    /// A description, summary or title changed.
    DocsChanged(String),
}

impl std::fmt::Display for What {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let optional = |required: &bool| if *required { "required" } else { "optional" };
        match self {
            What::OperationAdded(route) => write!(f, "operation added (`{route}`)"),
            What::OperationRemoved(route) => write!(f, "operation removed (`{route}`)"),
            What::RouteChanged { from, to } => write!(f, "route changed: `{from}` → `{to}`"),
            What::SchemaAdded => write!(f, "schema added"),
            What::SchemaRemoved => write!(f, "schema removed"),
            What::ParameterAdded { required } => {
                write!(f, "parameter added ({})", optional(required))
            }
            What::ParameterRemoved => write!(f, "parameter removed"),
            What::BodyAdded { required } => {
                write!(f, "request body added ({})", optional(required))
            }
            What::BodyRemoved => write!(f, "request body removed"),
            What::ResponseAdded => write!(f, "response added"),
            What::ResponseRemoved => write!(f, "response removed"),
            What::MediaTypeAdded(media) => write!(f, "media type `{media}` added"),
            What::MediaTypeRemoved(media) => write!(f, "media type `{media}` removed"),
            What::FieldAdded {
                ty,
                required,
                moved_from,
            } => {
                write!(f, "field added ({ty}, {}", optional(required))?;
                match moved_from {
                    Some(path) => write!(f, "; was at `{path}`)"),
                    None => write!(f, ")"),
                }
            }
            What::FieldRemoved { ty, moved_to } => {
                write!(f, "field removed (was {ty}")?;
                match moved_to {
                    Some(path) => write!(f, "; now at `{path}`)"),
                    None => write!(f, ")"),
                }
            }
            What::TypeChanged { from, to } => write!(f, "type changed: {from} → {to}"),
            What::RequiredChanged(true) => write!(f, "now required"),
            What::RequiredChanged(false) => write!(f, "now optional"),
            What::NullableChanged(true) => write!(f, "now nullable"),
            What::NullableChanged(false) => write!(f, "no longer nullable"),
            What::EnumValueAdded(value) => write!(f, "enum value `{value}` added"),
            What::EnumValueRemoved(value) => write!(f, "enum value `{value}` removed"),
            What::KeywordChanged { keyword, from, to } => {
                write!(f, "`{keyword}` changed: `{from}` → `{to}`")
            }
            What::DocsChanged(keyword) => write!(f, "`{keyword}` changed"),
        }
    }
}

/// One difference between the two documents.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Change {
    /// The operation, schema or document setting it belongs to.
    pub subject: Subject,
    /// Where in an operation: `parameter `id` (path)`, `request body`, `response 200`; empty for
    /// schemas and for the operation itself.
    pub part: String,
    /// The field path inside the schema at `part` (`data.status`, `items[]`); empty at its root.
    pub path: String,
    /// What happened.
    pub what: What,
    /// What it means for users.
    pub impact: Impact,
}

impl Change {
    /// Where the change is, as Markdown: `` `Schema.field` `` or `` `Operation` response 200 `x` ``.
    pub fn place(&self) -> String {
        let joined = |name: &str| {
            if self.path.is_empty() {
                format!("`{name}`")
            } else {
                format!("`{name}.{}`", self.path)
            }
        };
        match &self.subject {
            Subject::Document => format!("`{}`", self.part),
            Subject::Schema(name) => joined(name),
            Subject::Operation(id) => {
                let mut place = format!("`{id}`");
                if !self.part.is_empty() {
                    place.push(' ');
                    place.push_str(&self.part);
                }
                if !self.path.is_empty() {
                    place.push_str(&format!(" `{}`", self.path));
                }
                place
            }
        }
    }
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.place(), self.what)
    }
}

/// Every difference between two documents, plus the `$ref` graph needed to say whom a schema
/// change reaches.
#[derive(Debug, Default)]
pub struct SpecDiff {
    /// All changes, sorted by subject, then place.
    pub changes: Vec<Change>,
    /// `METHOD path` of every operation of either document (the new one's when both have it).
    pub routes: BTreeMap<String, String>,
    /// The named schemas each operation reaches through `$ref`s, in either document.
    pub reaches: BTreeMap<String, BTreeSet<String>>,
}

/// An operation whose own definition or a schema it reaches changed.
#[derive(Debug)]
pub struct ChangedOperation<'a> {
    /// `METHOD path`.
    pub route: &'a str,
    /// Changes to the operation object itself.
    pub direct: Vec<&'a Change>,
    /// Changed named schemas it reaches, with the worst impact of each one's changes.
    pub via: BTreeMap<&'a str, Impact>,
}

impl ChangedOperation<'_> {
    /// The worst impact of its direct and indirect changes.
    pub fn impact(&self) -> Impact {
        let direct = self.direct.iter().map(|c| c.impact);
        direct
            .chain(self.via.values().copied())
            .max()
            .unwrap_or(Impact::Docs)
    }
}

impl SpecDiff {
    /// Compares two OpenAPI 3.0 documents (already parsed; overlay applied or not).
    pub fn between(old: &Value, new: &Value) -> Result<Self, SpecError> {
        let old_ops = spec::operations(old)?;
        let new_ops = spec::operations(new)?;
        let old_usage = Usage::of(old, &old_ops);
        let new_usage = Usage::of(new, &new_ops);
        let mut changes = Vec::new();

        for (id, op) in &new_ops {
            match old_ops.get(id) {
                None => changes.push(operation::whole(id, &op.route, true)),
                Some(previous) => {
                    operation::compare(id, (old, previous), (new, op), &mut changes);
                }
            }
        }
        for (id, op) in &old_ops {
            if !new_ops.contains_key(id) {
                changes.push(operation::whole(id, &op.route, false));
            }
        }

        let empty = serde_json::Map::new();
        let schemas = |doc: &Value| -> serde_json::Map<String, Value> {
            doc.pointer("/components/schemas")
                .and_then(Value::as_object)
                .unwrap_or(&empty)
                .clone()
        };
        let (old_schemas, new_schemas) = (schemas(old), schemas(new));
        for (name, new_schema) in &new_schemas {
            let subject = Subject::Schema(name.clone());
            let Some(old_schema) = old_schemas.get(name) else {
                changes.push(schema::change(
                    subject,
                    What::SchemaAdded,
                    Impact::Compatible,
                ));
                continue;
            };
            let in_request =
                old_usage.in_request.contains(name) || new_usage.in_request.contains(name);
            schema::Walk::new(subject, String::new(), in_request, &mut changes)
                .compare("", old_schema, new_schema);
        }
        for name in old_schemas.keys() {
            if !new_schemas.contains_key(name) {
                let subject = Subject::Schema(name.clone());
                changes.push(schema::change(
                    subject,
                    What::SchemaRemoved,
                    Impact::Breaking,
                ));
            }
        }
        document_settings(old, new, &mut changes);
        changes.sort();
        changes.dedup();

        let mut routes: BTreeMap<String, String> = BTreeMap::new();
        for (id, op) in old_ops.iter().chain(&new_ops) {
            routes.insert(id.clone(), op.route.clone());
        }
        let mut reaches = old_usage.reaches;
        for (id, names) in new_usage.reaches {
            reaches.entry(id).or_default().extend(names);
        }
        Ok(Self {
            changes,
            routes,
            reaches,
        })
    }

    /// The worst impact of all changes, `None` when the documents are equivalent.
    pub fn impact(&self) -> Option<Impact> {
        self.changes.iter().map(|c| c.impact).max()
    }

    /// Changes of one subject class, in order.
    pub fn of<'a>(
        &'a self,
        pick: impl Fn(&Subject) -> bool + 'a,
    ) -> impl Iterator<Item = &'a Change> {
        self.changes.iter().filter(move |c| pick(&c.subject))
    }

    /// Operations present in both documents whose definition, or a schema they reach, changed.
    pub fn changed_operations(&self) -> BTreeMap<&str, ChangedOperation<'_>> {
        let mut schema_impact: BTreeMap<&str, Impact> = BTreeMap::new();
        let mut whole: BTreeSet<&str> = BTreeSet::new();
        let mut result: BTreeMap<&str, ChangedOperation<'_>> = BTreeMap::new();
        for change in &self.changes {
            match (&change.subject, &change.what) {
                (Subject::Schema(name), _) => {
                    let worst = schema_impact.entry(name).or_insert(change.impact);
                    *worst = (*worst).max(change.impact);
                }
                (Subject::Operation(id), What::OperationAdded(_) | What::OperationRemoved(_)) => {
                    whole.insert(id);
                }
                (Subject::Operation(id), _) => self.entry(&mut result, id).direct.push(change),
                (Subject::Document, _) => {}
            }
        }
        for (id, names) in &self.reaches {
            if whole.contains(id.as_str()) {
                continue;
            }
            for name in names {
                if let Some(impact) = schema_impact.get(name.as_str()) {
                    self.entry(&mut result, id).via.insert(name, *impact);
                }
            }
        }
        result
    }

    fn entry<'a, 'm>(
        &'a self,
        map: &'m mut BTreeMap<&'a str, ChangedOperation<'a>>,
        id: &'a str,
    ) -> &'m mut ChangedOperation<'a> {
        map.entry(id).or_insert_with(|| ChangedOperation {
            route: self.routes.get(id).map(String::as_str).unwrap_or_default(),
            direct: Vec::new(),
            via: BTreeMap::new(),
        })
    }

    /// The operations that reach the named schema, in either document.
    pub fn used_by(&self, schema: &str) -> Vec<&str> {
        self.reaches
            .iter()
            .filter(|(_, names)| names.contains(schema))
            .map(|(id, _)| id.as_str())
            .collect()
    }
}

/// Document-wide settings that are not operations or schemas.
fn document_settings(old: &Value, new: &Value, out: &mut Vec<Change>) {
    let settings = [
        ("info.version", "/info/version", Impact::Docs),
        ("servers", "/servers", Impact::Compatible),
        ("security", "/security", Impact::Compatible),
        (
            "components.securitySchemes",
            "/components/securitySchemes",
            Impact::Compatible,
        ),
    ];
    for (name, pointer, impact) in settings {
        let (a, b) = (old.pointer(pointer), new.pointer(pointer));
        if a != b {
            out.push(Change {
                subject: Subject::Document,
                part: name.to_owned(),
                path: String::new(),
                what: What::KeywordChanged {
                    keyword: name.to_owned(),
                    from: schema::compact(a),
                    to: schema::compact(b),
                },
                impact,
            });
        }
    }
}

/// Which named schemas each operation reaches, and which ones requests use.
struct Usage {
    reaches: BTreeMap<String, BTreeSet<String>>,
    in_request: BTreeSet<String>,
}

impl Usage {
    fn of(doc: &Value, ops: &BTreeMap<String, spec::Operation>) -> Self {
        // Schema → the schemas its definition names: the edges every closure below follows.
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        if let Some(schemas) = doc
            .pointer("/components/schemas")
            .and_then(Value::as_object)
        {
            for (name, schema) in schemas {
                let mut names = BTreeSet::new();
                collect_refs(doc, schema, &mut names, &mut BTreeSet::new());
                graph.insert(name.clone(), names);
            }
        }
        let mut reaches = BTreeMap::new();
        let mut in_request = BTreeSet::new();
        for (id, op) in ops {
            let mut request = BTreeSet::new();
            let mut seen = BTreeSet::new();
            for part in [&op.shared_parameters, &op.definition["parameters"]] {
                collect_refs(doc, part, &mut request, &mut seen);
            }
            collect_refs(doc, &op.definition["requestBody"], &mut request, &mut seen);
            let mut all = request.clone();
            collect_refs(doc, &op.definition["responses"], &mut all, &mut seen);
            in_request.extend(closure(&graph, request));
            reaches.insert(id.clone(), closure(&graph, all));
        }
        Self {
            reaches,
            in_request,
        }
    }
}

/// Everything reachable from `start` in `graph`; the visited set ends `$ref` cycles.
fn closure(
    graph: &BTreeMap<String, BTreeSet<String>>,
    start: BTreeSet<String>,
) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo: Vec<String> = start.into_iter().collect();
    while let Some(name) = todo.pop() {
        if seen.insert(name.clone())
            && let Some(next) = graph.get(&name)
        {
            todo.extend(next.iter().filter(|n| !seen.contains(*n)).cloned());
        }
    }
    seen
}

const SCHEMA_REF: &str = "#/components/schemas/";

/// Collects the schema names `value` refers to; other local `$ref`s (responses, parameters,
/// request bodies) are followed once each (`seen`), so a cycle among them ends too.
fn collect_refs(
    doc: &Value,
    value: &Value,
    names: &mut BTreeSet<String>,
    seen: &mut BTreeSet<String>,
) {
    match value {
        Value::Object(map) => {
            if let Some(target) = map.get("$ref").and_then(Value::as_str) {
                if let Some(name) = target.strip_prefix(SCHEMA_REF) {
                    names.insert(name.to_owned());
                } else if let Some(pointer) = target.strip_prefix('#')
                    && seen.insert(target.to_owned())
                    && let Some(resolved) = doc.pointer(pointer)
                {
                    collect_refs(doc, resolved, names, seen);
                }
            }
            for child in map.values() {
                collect_refs(doc, child, names, seen);
            }
        }
        Value::Array(items) => {
            for child in items {
                collect_refs(doc, child, names, seen);
            }
        }
        _ => {}
    }
}

/// Follows `$ref`s that are not named schemas (a response, parameter or request body defined
/// under `components`), at most a few hops, so a cycle ends.
fn resolve<'a>(doc: &'a Value, mut value: &'a Value) -> &'a Value {
    for _ in 0..8 {
        let Some(target) = value.get("$ref").and_then(Value::as_str) else {
            return value;
        };
        if target.starts_with(SCHEMA_REF) {
            return value;
        }
        match target.strip_prefix('#').and_then(|p| doc.pointer(p)) {
            Some(next) => value = next,
            None => return value,
        }
    }
    value
}

#[cfg(test)]
mod tests;
