//! What the spec says about each operation that the generated code needs at run time and
//! progenitor does not carry over: the credentials its `security` accepts (read by
//! `spec::credentials`) and the documented ranges of its numeric parameters. Keyed by
//! method and path template, which the generated builders also name (in their docs), so no
//! operation-id spelling has to match.

use std::collections::HashMap;

use openapiv3::{
    OpenAPI, Parameter, ParameterSchemaOrContent, ReferenceOr, Schema, SchemaKind, Type,
};

use crate::{Error, spec::Credential};

/// A numeric parameter's documented bounds.
#[derive(Debug, Clone, PartialEq)]
pub struct Range {
    /// The parameter's name in the spec.
    pub name: String,
    /// Whether it must be given (then it is not an `Option` in the builder).
    pub required: bool,
    /// Inclusive lower bound.
    pub minimum: Option<f64>,
    /// Inclusive upper bound.
    pub maximum: Option<f64>,
}

/// One operation's facts.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    /// The credentials it accepts, in order of preference (empty: none).
    pub credentials: Vec<Credential>,
    /// Its bounded numeric parameters.
    pub ranges: Vec<Range>,
}

/// Facts by (`GET`, `/api/v1/agents/{id}/`).
pub type ByRoute = HashMap<(String, String), Facts>;

/// Reads the facts of every operation in `spec`; fails on a `security` requirement the client
/// cannot meet.
pub fn facts(spec: &OpenAPI) -> Result<ByRoute, Error> {
    let mut credentials = crate::spec::credentials(spec)?;
    let mut by_route = ByRoute::new();
    for (path, item) in &spec.paths.paths {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        for (method, operation) in item.iter() {
            let route = (method.to_uppercase(), path.clone());
            let ranges = operation
                .parameters
                .iter()
                .chain(&item.parameters)
                .filter_map(|parameter| range(spec, parameter))
                .collect();
            let credentials = credentials.remove(&route).unwrap_or_default();
            by_route.insert(
                route,
                Facts {
                    credentials,
                    ranges,
                },
            );
        }
    }
    Ok(by_route)
}

/// Removes the bounds of every numeric parameter, once [`facts`] has read them: typify would
/// otherwise turn `minimum: 1` into `NonZeroU32` and `minimum: 0` into an unsigned type, so a
/// bad value would fail a type conversion (or not compile) instead of getting the generated
/// check's message naming the parameter and its documented range.
pub fn unbounded(spec: &mut OpenAPI) {
    for item in spec.paths.paths.values_mut() {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ];
        let parameters = operations
            .into_iter()
            .flatten()
            .flat_map(|operation| operation.parameters.iter_mut())
            .chain(item.parameters.iter_mut());
        for parameter in parameters {
            let ReferenceOr::Item(parameter) = parameter else {
                continue;
            };
            let data = match parameter {
                Parameter::Query { parameter_data, .. }
                | Parameter::Header { parameter_data, .. }
                | Parameter::Path { parameter_data, .. }
                | Parameter::Cookie { parameter_data, .. } => parameter_data,
            };
            let ParameterSchemaOrContent::Schema(ReferenceOr::Item(schema)) = &mut data.format
            else {
                continue;
            };
            match &mut schema.schema_kind {
                SchemaKind::Type(Type::Integer(integer)) => {
                    integer.minimum = None;
                    integer.maximum = None;
                }
                SchemaKind::Type(Type::Number(number)) => {
                    number.minimum = None;
                    number.maximum = None;
                }
                _ => {}
            }
        }
    }
}

/// The bounds of a numeric path or query parameter, if it documents any.
fn range(spec: &OpenAPI, parameter: &ReferenceOr<Parameter>) -> Option<Range> {
    let ReferenceOr::Item(parameter) = parameter else {
        return None;
    };
    let data = parameter.parameter_data_ref();
    let ParameterSchemaOrContent::Schema(schema) = &data.format else {
        return None;
    };
    let schema = resolve(spec, schema)?;
    let (minimum, maximum) = match &schema.schema_kind {
        SchemaKind::Type(Type::Integer(integer)) => (
            integer.minimum.map(|m| m as f64),
            integer.maximum.map(|m| m as f64),
        ),
        SchemaKind::Type(Type::Number(number)) => (number.minimum, number.maximum),
        _ => return None,
    };
    (minimum.is_some() || maximum.is_some()).then(|| Range {
        name: data.name.clone(),
        required: data.required,
        minimum,
        maximum,
    })
}

fn resolve<'a>(spec: &'a OpenAPI, schema: &'a ReferenceOr<Schema>) -> Option<&'a Schema> {
    match schema {
        ReferenceOr::Item(schema) => Some(schema),
        ReferenceOr::Reference { reference } => {
            let name = reference.strip_prefix("#/components/schemas/")?;
            match spec.components.as_ref()?.schemas.get(name)? {
                ReferenceOr::Item(schema) => Some(schema),
                ReferenceOr::Reference { .. } => None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts_of(spec: &OpenAPI, path: &str) -> Vec<Range> {
        facts(spec).expect("supported security")[&("GET".to_owned(), path.to_owned())]
            .ranges
            .clone()
    }

    fn spec(yaml: &str) -> OpenAPI {
        serde_saphyr::from_str(yaml).expect("spec parses")
    }

    #[test]
    fn credentials_and_ranges() {
        let spec = spec(
            r#"
openapi: 3.0.1
info: {title: t, version: "1"}
security: [{apiKey: []}]
components:
  securitySchemes:
    apiKey: {type: apiKey, in: header, name: X-Api-Key}
    bearerAuth: {type: http, scheme: bearer, bearerFormat: JWT}
paths:
  /a:
    get:
      parameters:
        - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 200}}
        - {name: q, in: query, schema: {type: string}}
      responses: {}
  /b:
    get:
      security: [{bearerAuth: []}]
      responses: {}
  /health:
    get:
      security: []
      responses: {}
"#,
        );
        let facts = facts(&spec).expect("supported security");
        let get = |path: &str| facts[&("GET".to_owned(), path.to_owned())].clone();
        assert_eq!(get("/a").credentials, [Credential::ApiKey]);
        assert_eq!(
            get("/a").ranges,
            vec![Range {
                name: "limit".into(),
                required: false,
                minimum: Some(1.0),
                maximum: Some(200.0),
            }]
        );
        assert_eq!(get("/b").credentials, [Credential::Bearer]);
        assert!(get("/health").credentials.is_empty());

        // The bounds, once read, leave the schema typify sees: `limit` stays a signed integer.
        let mut spec = spec;
        unbounded(&mut spec);
        assert_eq!(
            facts_of(&spec, "/a"),
            Vec::<Range>::new(),
            "no bound left for typify to turn into an unsigned type"
        );
    }
}
