//! Reading and validating upstream OpenAPI documents, and listing their operations by
//! operationId (comparing two documents is `specdiff`'s job).

use std::collections::BTreeMap;

use serde_json::Value;

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Why a candidate upstream document was refused.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// Not JSON at all (an HTML error page, a truncated download).
    #[error("upstream is not JSON: {0}")]
    NotJson(#[from] serde_json::Error),
    /// JSON, but no `openapi` version string.
    #[error("upstream has no `openapi` version field; is it an OpenAPI document?")]
    NoVersion,
    /// An OpenAPI version progenitor cannot generate from.
    #[error(
        "upstream is OpenAPI {0}; progenitor generates only from OpenAPI 3.0.x, so keep the \
         previous spec until a 3.0 document is published (or convert it)"
    )]
    UnsupportedVersion(String),
    /// Two operations share an operationId, so method names would collide.
    #[error("operationId `{id}` is used by both {first} and {second}")]
    DuplicateOperationId {
        /// The repeated id.
        id: String,
        /// `METHOD path` of the first operation.
        first: String,
        /// `METHOD path` of the second operation.
        second: String,
    },
    /// An operation without an operationId cannot become a named method.
    #[error("{0} has no operationId")]
    MissingOperationId(String),
}

/// One operation of a document: where it lives and its full definition.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// `METHOD path`, e.g. `GET /api/v1/agents/`.
    pub route: String,
    /// The operation object as published.
    pub definition: Value,
    /// The path item's `parameters`, shared by all its operations (`null` when it has none).
    pub shared_parameters: Value,
}

/// Parses and validates an upstream document, returning its operations by operationId.
pub fn validate(bytes: &[u8]) -> Result<BTreeMap<String, Operation>, SpecError> {
    let document: Value = serde_json::from_slice(bytes)?;
    let version = document
        .get("openapi")
        .and_then(Value::as_str)
        .ok_or(SpecError::NoVersion)?;
    if !version.starts_with("3.0.") {
        return Err(SpecError::UnsupportedVersion(version.to_owned()));
    }
    operations(&document)
}

/// Lists a document's operations by operationId, refusing duplicates and anonymous operations.
pub fn operations(document: &Value) -> Result<BTreeMap<String, Operation>, SpecError> {
    let mut by_id = BTreeMap::new();
    let empty = serde_json::Map::new();
    let paths = document
        .get("paths")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    for (path, item) in paths {
        for method in METHODS {
            let Some(definition) = item.get(method) else {
                continue;
            };
            let route = format!("{} {path}", method.to_uppercase());
            let Some(id) = definition.get("operationId").and_then(Value::as_str) else {
                return Err(SpecError::MissingOperationId(route));
            };
            let operation = Operation {
                route,
                definition: definition.clone(),
                shared_parameters: item.get("parameters").cloned().unwrap_or_default(),
            };
            if let Some(first) = by_id.insert(id.to_owned(), operation) {
                return Err(SpecError::DuplicateOperationId {
                    id: id.to_owned(),
                    first: first.route,
                    second: by_id[id].route.clone(),
                });
            }
        }
    }
    Ok(by_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(paths: Value) -> Vec<u8> {
        serde_json::to_vec(&json!({"openapi": "3.0.1", "paths": paths})).expect("serializes")
    }

    #[test]
    fn refuses_non_json_and_openapi_3_1() {
        assert!(matches!(
            validate(b"<html>502</html>"),
            Err(SpecError::NotJson(_))
        ));
        let v31 =
            serde_json::to_vec(&json!({"openapi": "3.1.0", "paths": {}})).expect("serializes");
        let err = validate(&v31).expect_err("3.1 refused");
        assert!(err.to_string().contains("3.1.0"), "{err}");
        assert!(matches!(validate(b"{}"), Err(SpecError::NoVersion)));
    }

    #[test]
    fn refuses_duplicate_operation_ids() {
        let bytes =
            doc(json!({"/a": {"get": {"operationId": "X"}}, "/b": {"post": {"operationId": "X"}}}));
        assert!(matches!(
            validate(&bytes),
            Err(SpecError::DuplicateOperationId { .. })
        ));
    }
}
