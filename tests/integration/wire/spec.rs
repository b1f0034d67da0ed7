//! What `openapi.yaml` says about each operation: method, path, parameters, credential, bodies
//! and the success response the mock answers with.

use super::*;
use crate::support::e164_example;

/// The credential a request must carry.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Credential {
    ApiKey,
    Bearer,
    None,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Kind {
    Int,
    Str,
    Bool,
}

#[derive(Clone)]
pub(crate) struct Operation {
    pub(crate) id: String,
    pub(crate) method: String,
    pub(crate) template: String,
    pub(crate) path_params: Vec<String>,
    pub(crate) query: Vec<(String, Kind)>,
    /// The request example, for operations with a JSON body.
    pub(crate) body: Option<Value>,
    /// The documented success status: 200, or the lowest 2xx/3xx the operation documents.
    pub(crate) status: u16,
    /// The success response example, for responses with JSON content.
    pub(crate) response: Option<Value>,
    /// The success response's schema, for responses with JSON content.
    pub(crate) response_schema: Option<Value>,
    /// The request body's schema, for operations with a JSON body.
    pub(crate) request_schema: Option<Value>,
    /// Whether the success response is a raw body (audio) rather than JSON.
    pub(crate) binary: bool,
    /// What the client (holding both an API key and a bearer token) must send: the first entry
    /// of the operation's `security`, else the document's.
    pub(crate) credential: Credential,
}

impl Operation {
    /// The path the SDK must put on the wire: the template with every parameter encoded.
    pub(crate) fn wire_path(&self) -> String {
        let mut path = self.template.clone();
        for name in &self.path_params {
            path = path.replace(&format!("{{{name}}}"), AWKWARD_ENCODED);
        }
        path
    }

    /// The names of its path and query parameters.
    pub(crate) fn parameter_names(&self) -> Vec<String> {
        let query = self.query.iter().map(|(name, _)| name.clone());
        self.path_params.iter().cloned().chain(query).collect()
    }

    pub(crate) fn declared(&self) -> BTreeSet<String> {
        let mut names: BTreeSet<String> = self.path_params.iter().cloned().collect();
        names.extend(self.query.iter().map(|(name, _)| name.clone()));
        if self.body.is_some() {
            names.insert("body".to_owned());
        }
        names
    }
}

// Query values derive from the parameter's name so that two parameters can never be swapped
// unnoticed. String values carry `&`, `=`, `+`, a space and non-ASCII, which survive only if
// the SDK form-encodes them.
pub(crate) fn int_value(name: &str) -> i64 {
    // Within 1..=200, which every documented parameter range admits.
    name.bytes().map(i64::from).sum::<i64>() % 200 + 1
}

pub(crate) fn str_value(name: &str) -> String {
    format!("{name} &=+é")
}

pub(crate) fn bool_value(name: &str) -> bool {
    int_value(name) % 2 == 0
}

pub(crate) fn query_value(name: &str, kind: Kind) -> String {
    match kind {
        Kind::Int => int_value(name).to_string(),
        Kind::Str => str_value(name),
        Kind::Bool => bool_value(name).to_string(),
    }
}

/// The spec, read for the operations it declares.
pub(crate) struct Spec {
    pub(crate) document: Document,
}

impl Spec {
    pub(crate) fn load() -> Spec {
        Spec {
            document: Document::load(),
        }
    }

    pub(crate) fn resolve<'a>(&'a self, node: &'a Value) -> &'a Value {
        self.document.resolve(node)
    }

    pub(crate) fn operations(&self) -> Vec<Operation> {
        let paths = self.document.root["paths"]
            .as_object()
            .expect("the spec has paths");
        let mut operations = Vec::new();
        for (template, item) in paths {
            for method in HTTP_METHODS {
                if let Some(op) = item.get(method) {
                    operations.push(self.operation(template, method, item, op));
                }
            }
        }
        operations
    }

    pub(crate) fn operation(
        &self,
        template: &str,
        method: &str,
        item: &Value,
        op: &Value,
    ) -> Operation {
        let id = op["operationId"]
            .as_str()
            .unwrap_or_else(|| panic!("{method} {template} has no operationId"));
        let mut path_params = Vec::new();
        let mut query = Vec::new();
        let shared = item
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten();
        let own = op
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten();
        for param in shared.chain(own).map(|p| self.resolve(p)) {
            let name = param["name"]
                .as_str()
                .unwrap_or_else(|| panic!("{id}: a parameter has no name"))
                .to_owned();
            match param["in"].as_str() {
                Some("path") => path_params.push(name),
                Some("query") => {
                    let kind = match self.resolve(&param["schema"])["type"].as_str() {
                        Some("integer") => Kind::Int,
                        Some("string") => Kind::Str,
                        Some("boolean") => Kind::Bool,
                        other => {
                            panic!("{id}: query parameter {name} has unsupported type {other:?}")
                        }
                    };
                    query.push((name, kind));
                }
                other => {
                    panic!("{id}: parameter {name} is in {other:?}, which this harness cannot set")
                }
            }
        }

        let request_media = op.get("requestBody").map(|body| {
            self.resolve(body)["content"]
                .get("application/json")
                .unwrap_or_else(|| panic!("{id}: the request body is not application/json"))
        });
        let body = request_media.map(|media| self.media_example(media, "body"));
        let request_schema = request_media.map(|media| media["schema"].clone());

        let responses = op["responses"]
            .as_object()
            .unwrap_or_else(|| panic!("{id} has no responses"));
        let (status, success) = responses
            .iter()
            .filter_map(|(code, response)| Some((code.parse::<u16>().ok()?, response)))
            .filter(|(code, _)| (200..400).contains(code))
            .min_by_key(|(code, _)| *code)
            .unwrap_or_else(|| panic!("{id} documents no success response"));
        let content = self.resolve(success).get("content");
        let json = content.and_then(|content| content.get("application/json"));
        let binary = content.is_some() && json.is_none();
        let response = json.map(|media| self.media_example(media, "response"));
        let response_schema = json.map(|media| media["schema"].clone());
        let security = op
            .get("security")
            .or_else(|| self.document.root.get("security"))
            .and_then(Value::as_array);
        let credential = match security.and_then(|options| options.first()) {
            Some(first) if first.get("bearerAuth").is_some() => Credential::Bearer,
            Some(first) if first.get("X-Api-Key").is_some() => Credential::ApiKey,
            Some(other) => panic!("{id}: unexpected security requirement {other}"),
            None => Credential::None,
        };

        Operation {
            id: id.to_owned(),
            method: method.to_uppercase(),
            template: template.to_owned(),
            path_params,
            query,
            body,
            status,
            response,
            response_schema,
            request_schema,
            binary,
            credential,
        }
    }

    pub(crate) fn media_example(&self, media: &Value, name: &str) -> Value {
        match media.get("example") {
            Some(example) => example.clone(),
            None => self.example(&media["schema"], name),
        }
    }

    /// Synthesizes a value for `schema` with every property present, so that a field the SDK
    /// drops or renames shows up as a difference. `name` is the property the value is for.
    pub(crate) fn example(&self, schema: &Value, name: &str) -> Value {
        let schema = self.resolve(schema);
        if let Some(example) = schema.get("example") {
            return example.clone();
        }
        if let Some(first) = schema.get("enum").and_then(|values| values.get(0)) {
            return first.clone();
        }
        // A documented reference is written `allOf: [$ref]` (see agni-codegen's spec.rs) or as
        // `$ref` with a description beside it; both mean the referenced schema.
        if let Some(first) = ["oneOf", "anyOf", "allOf"]
            .iter()
            .find_map(|key| schema.get(key).and_then(|s| s.get(0)))
        {
            return self.example(first, name);
        }
        if let Some(number) = e164_example(schema) {
            return number;
        }
        let properties = schema.get("properties").and_then(Value::as_object);
        match (schema.get("type").and_then(Value::as_str), properties) {
            (Some("string"), _) if schema["format"] == "date-time" => json!("2026-11-01T10:00:00Z"),
            (Some("string"), _) => json!(format!("{name}-value")),
            (Some("integer"), _) => json!(7),
            // A fraction, so that an f64 round trip is exact and cannot pass for an integer.
            (Some("number"), _) => json!(0.5),
            (Some("boolean"), _) => json!(true),
            (Some("array"), _) => json!([self.example(&schema["items"], name)]),
            (Some("object") | None, Some(properties)) => properties
                .iter()
                .map(|(key, property)| (key.clone(), self.example(property, key)))
                .collect(),
            (Some("object"), None) => json!({"key": "value"}),
            // A property documented as "JSON as sent" (no type): any value will do.
            (None, None) => json!({"any": 1}),
            (Some(other), _) => panic!("unsupported schema type {other} (schema for {name})"),
        }
    }
}
