//! Reading `openapi.yaml` for generation: the two things progenitor cannot take from it as is.
//!
//! - **Documented references.** A property written `{$ref: X, description: ..}` (the OpenAPI 3.1
//!   style the overlay uses to document `data`, `meta`, `schedule`, ...) loses its description
//!   in OpenAPI 3.0, where siblings of `$ref` are ignored, so the generated field would have no
//!   doc. [`parse`] rewrites each such schema to the equivalent `{allOf: [{$ref: X}], ..}`, which
//!   typify resolves to the same type while keeping the description as the field's doc.
//! - **Enum value docs.** OpenAPI has no place for a description per enum value; the overlay
//!   writes them as `x-enum-descriptions`, a list parallel to `enum` (the convention other
//!   generators read). [`Document::enum_docs`] collects them, keyed by the enum's set of values,
//!   which is how the enum pass finds the Rust enum typify made of the schema. A `oneOf` schema of
//!   `components.schemas` may carry the same list, parallel to `oneOf`: typify makes it an enum
//!   named after the schema whose variants follow `oneOf`, so [`Document::variant_docs`] keys them
//!   by that name.
//! - **Credentials per operation.** progenitor ignores `security`. [`credentials`] reads each
//!   operation's requirement (its own `security`, else the document's; `[]` means none) as the
//!   ordered list of credentials the client may send, which the send pass writes into the
//!   operation's static description.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::Error;

/// The extension holding one description per enum value.
pub const ENUM_DESCRIPTIONS: &str = "x-enum-descriptions";

/// An enum's set of values -> the description of each value.
pub type EnumDocs = BTreeMap<BTreeSet<String>, BTreeMap<String, String>>;

/// A `oneOf` schema's Rust name (typify's: the schema name in UpperCamelCase) -> the description
/// of each variant, in `oneOf` order.
pub type VariantDocs = BTreeMap<String, Vec<String>>;

/// `openapi.yaml`, ready for progenitor.
pub struct Document {
    /// The document, with documented `$ref`s turned into `allOf`.
    pub openapi: openapiv3::OpenAPI,
    /// The descriptions of enum values.
    pub enum_docs: EnumDocs,
    /// The descriptions of the variants of `oneOf` schemas.
    pub variant_docs: VariantDocs,
}

/// Parses the YAML document, documenting `$ref` properties and collecting enum value docs as
/// described in the module docs.
pub fn parse(spec_yaml: &str) -> Result<Document, Error> {
    let mut document: Value =
        serde_saphyr::from_str(spec_yaml).map_err(|e| Error::Parse(e.to_string()))?;
    wrap_documented_refs(&mut document);
    let mut enum_docs = EnumDocs::new();
    collect_enum_docs(&document, &mut enum_docs)?;
    let variant_docs = collect_variant_docs(&document)?;
    let openapi = serde_json::from_value(document).map_err(|e| Error::Parse(e.to_string()))?;
    Ok(Document {
        openapi,
        enum_docs,
        variant_docs,
    })
}

/// The `x-enum-descriptions` of every `oneOf` schema in `components.schemas`.
fn collect_variant_docs(document: &Value) -> Result<VariantDocs, Error> {
    let mut out = VariantDocs::new();
    let schemas = document
        .pointer("/components/schemas")
        .and_then(Value::as_object);
    for (name, schema) in schemas.into_iter().flatten() {
        let (Some(Value::Array(variants)), Some(Value::Array(descriptions))) =
            (schema.get("oneOf"), schema.get(ENUM_DESCRIPTIONS))
        else {
            continue;
        };
        let descriptions: Vec<String> = descriptions
            .iter()
            .filter_map(|d| d.as_str().map(str::to_owned))
            .collect();
        if descriptions.len() != variants.len() {
            return Err(Error::Parse(format!(
                "{name}: {ENUM_DESCRIPTIONS} must hold one string per `oneOf` entry"
            )));
        }
        out.insert(
            heck::ToUpperCamelCase::to_upper_camel_case(name.as_str()),
            descriptions,
        );
    }
    Ok(out)
}

/// Every `enum` with `x-enum-descriptions` in `value`; two enums with the same values must
/// describe them the same way, or the Rust enum's docs would be ambiguous.
fn collect_enum_docs(value: &Value, out: &mut EnumDocs) -> Result<(), Error> {
    match value {
        Value::Object(map) => {
            if let (Some(Value::Array(values)), Some(descriptions)) =
                (map.get("enum"), map.get(ENUM_DESCRIPTIONS))
            {
                let values: Vec<String> = values
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect();
                let descriptions: Vec<String> = match descriptions {
                    Value::Array(list) => list
                        .iter()
                        .filter_map(|d| d.as_str().map(str::to_owned))
                        .collect(),
                    _ => Vec::new(),
                };
                if descriptions.len() != values.len() {
                    return Err(Error::Parse(format!(
                        "{ENUM_DESCRIPTIONS} must hold one string per value of {values:?}"
                    )));
                }
                let docs: BTreeMap<String, String> = values.into_iter().zip(descriptions).collect();
                let key: BTreeSet<String> = docs.keys().cloned().collect();
                if let Some(previous) = out.insert(key, docs.clone())
                    && previous != docs
                {
                    return Err(Error::Parse(format!(
                        "two enums with the values {:?} are described differently",
                        docs.keys().collect::<Vec<_>>()
                    )));
                }
            }
            map.values().try_for_each(|v| collect_enum_docs(v, out))
        }
        Value::Array(items) => items.iter().try_for_each(|v| collect_enum_docs(v, out)),
        _ => Ok(()),
    }
}

/// `{$ref, description, ..}` -> `{allOf: [{$ref}], description, ..}`, everywhere in `value`.
fn wrap_documented_refs(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.len() > 1
                && let Some(reference) = map.remove("$ref")
            {
                let mut target = Map::new();
                target.insert("$ref".to_owned(), reference);
                map.insert(
                    "allOf".to_owned(),
                    Value::Array(vec![Value::Object(target)]),
                );
            }
            map.values_mut().for_each(wrap_documented_refs);
        }
        Value::Array(items) => items.iter_mut().for_each(wrap_documented_refs),
        _ => {}
    }
}

/// A credential an operation can be authenticated with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    /// An API key in a header (`X-Api-Key`).
    ApiKey,
    /// A bearer token in `Authorization` (a JWT).
    Bearer,
    /// Nothing: an empty requirement `{}`, which makes the credentials before it optional.
    Anonymous,
}

impl Credential {
    /// The variant of `agni::call::Credential` that names this credential.
    pub fn variant(self) -> &'static str {
        match self {
            Credential::ApiKey => "ApiKey",
            Credential::Bearer => "Bearer",
            Credential::Anonymous => "Anonymous",
        }
    }
}

/// `(METHOD, path)` -> the credentials each operation accepts, in the order of its `security`
/// list (the first one the client holds is sent); empty when it takes none (`security: []`).
pub fn credentials(
    spec: &openapiv3::OpenAPI,
) -> Result<BTreeMap<(String, String), Vec<Credential>>, Error> {
    let schemes = spec
        .components
        .as_ref()
        .map(|c| &c.security_schemes)
        .cloned()
        .unwrap_or_default();
    let global = spec.security.clone().unwrap_or_default();
    let mut out = BTreeMap::new();
    for (path, method, operation) in spec.operations() {
        let requirements = operation.security.as_ref().unwrap_or(&global);
        let mut accepted = Vec::new();
        for requirement in requirements {
            let mut names = requirement.keys();
            let name = match (names.next(), names.next()) {
                (None, _) => {
                    accepted.push(Credential::Anonymous);
                    continue;
                }
                (Some(name), None) => name,
                (Some(_), Some(_)) => {
                    return Err(Error::Security(format!(
                        "{method} {path}: a security requirement names several schemes that \
                         must all be sent at once, which agni does not support"
                    )));
                }
            };
            let scheme = match schemes.get(name) {
                Some(openapiv3::ReferenceOr::Item(scheme)) => scheme,
                _ => {
                    return Err(Error::Security(format!(
                        "{method} {path}: unknown security scheme {name}"
                    )));
                }
            };
            let credential = match scheme {
                openapiv3::SecurityScheme::APIKey {
                    location: openapiv3::APIKeyLocation::Header,
                    ..
                } => Credential::ApiKey,
                openapiv3::SecurityScheme::HTTP { scheme, .. }
                    if scheme.eq_ignore_ascii_case("bearer") =>
                {
                    Credential::Bearer
                }
                _ => {
                    return Err(Error::Security(format!(
                        "{method} {path}: security scheme {name} is neither a header API key \
                         nor an HTTP bearer token"
                    )));
                }
            };
            accepted.push(credential);
        }
        out.insert((method.to_uppercase(), path.to_owned()), accepted);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = r##"
openapi: 3.0.1
info: {title: t, version: "1"}
security: [{ApiKeyAuth: []}]
components:
  securitySchemes:
    ApiKeyAuth: {type: apiKey, in: header, name: X-Api-Key}
    bearerAuth: {type: http, scheme: bearer, bearerFormat: JWT}
  schemas:
    Agent: {type: object, properties: {id: {type: string}}}
    Status:
      type: string
      enum: [UP, DOWN]
      x-enum-descriptions: [Going up., Going down.]
    Reason:
      oneOf: [{$ref: '#/components/schemas/Agent'}, {type: string}]
      x-enum-descriptions: [An agent., A text.]
    Envelope:
      type: object
      properties:
        data: {$ref: '#/components/schemas/Agent', description: The agent.}
        plain: {$ref: '#/components/schemas/Agent'}
paths:
  /a:
    get: {operationId: A, responses: {'200': {description: ok}}}
  /b:
    put:
      operationId: B
      security: [{bearerAuth: []}, {ApiKeyAuth: []}]
      responses: {'200': {description: ok}}
  /c:
    post:
      operationId: C
      security: [{ApiKeyAuth: []}, {}]
      responses: {'200': {description: ok}}
  /health:
    get: {operationId: H, security: [], responses: {'200': {description: ok}}}
"##;

    #[test]
    fn enum_value_docs_are_collected_by_value_set() {
        let docs = parse(SPEC).expect("parses").enum_docs;
        let key: BTreeSet<String> = ["DOWN", "UP"].map(str::to_owned).into();
        assert_eq!(docs[&key]["UP"], "Going up.");
        let uneven = SPEC.replace("[Going up., Going down.]", "[Going up.]");
        assert!(matches!(parse(&uneven), Err(Error::Parse(_))));
        let variants = parse(SPEC).expect("parses").variant_docs;
        assert_eq!(variants["Reason"], ["An agent.", "A text."]);
    }

    #[test]
    fn documented_refs_become_all_of() {
        let spec = parse(SPEC).expect("parses").openapi;
        let schemas = &spec.components.expect("components").schemas;
        let Some(openapiv3::ReferenceOr::Item(envelope)) = schemas.get("Envelope") else {
            panic!("Envelope is inline");
        };
        let openapiv3::SchemaKind::Type(openapiv3::Type::Object(object)) = &envelope.schema_kind
        else {
            panic!("Envelope is an object");
        };
        let Some(openapiv3::ReferenceOr::Item(data)) = object.properties.get("data") else {
            panic!("data stays a $ref");
        };
        assert_eq!(data.schema_data.description.as_deref(), Some("The agent."));
        assert!(matches!(
            &data.schema_kind,
            openapiv3::SchemaKind::AllOf { all_of } if all_of.len() == 1
        ));
        assert!(matches!(
            object.properties.get("plain"),
            Some(openapiv3::ReferenceOr::Reference { .. })
        ));
    }

    #[test]
    fn credentials_follow_operation_then_global_security() {
        let spec = parse(SPEC).expect("parses").openapi;
        let found = credentials(&spec).expect("valid");
        let get = |method: &str, path: &str| found[&(method.to_owned(), path.to_owned())].clone();
        assert_eq!(get("GET", "/a"), [Credential::ApiKey]);
        assert_eq!(get("PUT", "/b"), [Credential::Bearer, Credential::ApiKey]);
        assert_eq!(
            get("POST", "/c"),
            [Credential::ApiKey, Credential::Anonymous]
        );
        assert_eq!(get("GET", "/health"), []);
    }

    #[test]
    fn unknown_or_combined_schemes_fail() {
        let unknown = SPEC.replace("[{bearerAuth: []}, {ApiKeyAuth: []}]", "[{cookie: []}]");
        assert!(matches!(
            credentials(&parse(&unknown).expect("parses").openapi),
            Err(Error::Security(_))
        ));
        let combined = SPEC.replace(
            "[{bearerAuth: []}, {ApiKeyAuth: []}]",
            "[{bearerAuth: [], ApiKeyAuth: []}]",
        );
        assert!(matches!(
            credentials(&parse(&combined).expect("parses").openapi),
            Err(Error::Security(_))
        ));
    }
}
