//! The sandbox's view of `openapi.yaml`: one [`Route`] per operation, with its exact path
//! template, parameters, compiled request-body validator and response schema.
//!
//! Parsed once per process; every sandbox shares it.

use std::sync::OnceLock;

use http::Method;
use serde_json::Value;

use super::schema::{self, Schemas};

/// The specification the sandbox serves, embedded at build time.
use agni::OPENAPI_YAML;

/// Tags whose responses the real service sends in lowerCamelCase (protojson's default output);
/// the others are snake_case everywhere (see `QUIRKS.md`).
const CAMEL_CASE_TAGS: [&str; 4] = [
    "AgentService",
    "AgentToolService",
    "WidgetSettingsService",
    "CampaignService",
];

/// Every operation of the spec.
pub(crate) struct Spec {
    pub routes: Vec<Route>,
    pub schemas: Schemas,
}

/// One operation: where it lives and what it accepts.
pub(crate) struct Route {
    pub method: Method,
    /// The path template exactly as the spec spells it, e.g. `/api/v1/agents/{id}/`.
    pub template: String,
    segments: Vec<Segment>,
    /// The operationId, e.g. `CreateAgent`.
    pub operation: String,
    /// Whether the response is lowerCamelCase on the real service.
    pub camel_case: bool,
    /// The credentials the operation accepts.
    pub auth: Auth,
    pub query: Vec<QueryParam>,
    pub body: Option<Body>,
    /// The schema of the 200 response, if declared.
    pub response: Option<Value>,
}

enum Segment {
    Literal(String),
    Param(String),
}

/// The credentials an operation accepts, from its `security` (or the spec's global one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Auth {
    /// `X-Api-Key` is one of the requirements.
    pub api_key: bool,
    /// `bearerAuth` (`Authorization: Bearer`) is one of the requirements.
    pub bearer: bool,
    /// Credentials are optional: `security: []` (health checks), or `{}` among the
    /// requirements (the appointment-management operations).
    pub anonymous: bool,
    /// A `token` query parameter authorizes the request on its own (a recording URL's signed
    /// token, which the world checks).
    pub signed_token: bool,
}

impl Auth {
    /// The requirements of a `security` list.
    fn of(security: &Value) -> Auth {
        let mut auth = Auth::default();
        let requirements = security.as_array().map_or(&[][..], Vec::as_slice);
        auth.anonymous = requirements.is_empty();
        for requirement in requirements.iter().filter_map(Value::as_object) {
            auth.anonymous |= requirement.is_empty();
            auth.api_key |= requirement.contains_key("X-Api-Key");
            auth.bearer |= requirement.contains_key("bearerAuth");
        }
        auth
    }
}

/// A declared query parameter.
pub(crate) struct QueryParam {
    pub name: String,
    pub kind: ParamKind,
    pub required: bool,
}

/// The scalar type of a query parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ParamKind {
    String,
    Integer,
    Number,
    Boolean,
}

/// A JSON request body.
pub(crate) struct Body {
    /// The schema as the spec writes it (OpenAPI 3.0), used to normalise field names.
    pub schema: Value,
    pub validator: jsonschema::Validator,
}

/// Outcome of matching a request line against the routes.
pub(crate) enum Match<'a> {
    Found(&'a Route, Vec<(String, String)>),
    /// The path exists, but not for this method; the methods it has.
    WrongMethod(Vec<Method>),
    NotFound {
        /// The documented path that differs only by a trailing slash, if any.
        did_you_mean: Option<&'a str>,
    },
}

impl Spec {
    /// The embedded specification, parsed and compiled on first use.
    pub fn get() -> Result<&'static Spec, String> {
        static SPEC: OnceLock<Result<Spec, String>> = OnceLock::new();
        SPEC.get_or_init(|| Spec::parse(OPENAPI_YAML))
            .as_ref()
            .map_err(Clone::clone)
    }

    fn parse(yaml: &str) -> Result<Spec, String> {
        let doc: Value = serde_saphyr::from_str(yaml).map_err(|e| format!("openapi.yaml: {e}"))?;
        let schemas = Schemas::new(
            doc.pointer("/components/schemas")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default(),
        );
        let validation_root = schema::json_schema_components(&schemas);
        let global_auth = doc.get("security").map_or(
            Auth {
                api_key: true,
                ..Auth::default()
            },
            Auth::of,
        );
        let paths = doc
            .get("paths")
            .and_then(Value::as_object)
            .ok_or("openapi.yaml has no paths")?;
        let mut routes = Vec::new();
        for (template, item) in paths {
            let item = item.as_object().ok_or("a path item is not an object")?;
            let shared_params = item.get("parameters").and_then(Value::as_array);
            for (method, operation) in item {
                let Ok(method) = method.to_ascii_uppercase().parse::<Method>() else {
                    continue;
                };
                if !matches!(
                    method,
                    Method::GET | Method::POST | Method::PUT | Method::PATCH | Method::DELETE
                ) {
                    continue;
                }
                routes.push(Route::parse(
                    method,
                    template,
                    operation,
                    shared_params,
                    global_auth,
                    &schemas,
                    &validation_root,
                )?);
            }
        }
        Ok(Spec { routes, schemas })
    }

    /// Finds the operation for `method` and the raw (still percent-encoded) `path`. Path
    /// parameters come back percent-decoded. Matching is byte-exact, trailing slash included;
    /// where several templates match, the one with a literal segment earliest wins.
    pub fn route(&self, method: &Method, path: &str) -> Match<'_> {
        let segments: Vec<&str> = path.split('/').collect();
        let mut best: Option<(&Route, Vec<bool>)> = None;
        let mut other_methods = Vec::new();
        for route in &self.routes {
            let Some(literals) = route.matches(&segments) else {
                continue;
            };
            if route.method != *method {
                if !other_methods.contains(&route.method) {
                    other_methods.push(route.method.clone());
                }
                continue;
            }
            if best.as_ref().is_none_or(|(_, b)| literals > *b) {
                best = Some((route, literals));
            }
        }
        if let Some((route, _)) = best {
            return Match::Found(route, route.params(&segments));
        }
        if !other_methods.is_empty() {
            return Match::WrongMethod(other_methods);
        }
        let toggled = match path.strip_suffix('/') {
            Some(stripped) => stripped.to_owned(),
            None => format!("{path}/"),
        };
        let toggled: Vec<&str> = toggled.split('/').collect();
        let did_you_mean = self
            .routes
            .iter()
            .find(|route| route.method == *method && route.matches(&toggled).is_some())
            .map(|route| route.template.as_str());
        Match::NotFound { did_you_mean }
    }

    /// The route of an operationId.
    pub fn operation(&self, operation: &str) -> Option<&Route> {
        self.routes
            .iter()
            .find(|route| route.operation == operation)
    }
}

impl Route {
    #[allow(clippy::too_many_arguments)]
    fn parse(
        method: Method,
        template: &str,
        operation: &Value,
        shared_params: Option<&Vec<Value>>,
        global_auth: Auth,
        schemas: &Schemas,
        validation_root: &Value,
    ) -> Result<Route, String> {
        let operation_id = operation
            .get("operationId")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{method} {template} has no operationId"))?
            .to_owned();
        let tag = operation
            .pointer("/tags/0")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let mut auth = operation.get("security").map_or(global_auth, Auth::of);
        let segments = template
            .split('/')
            .map(|segment| {
                match segment
                    .strip_prefix('{')
                    .and_then(|rest| rest.strip_suffix('}'))
                {
                    Some(name) => Segment::Param(name.to_owned()),
                    None => Segment::Literal(segment.to_owned()),
                }
            })
            .collect();
        let mut query = Vec::new();
        let params = shared_params.into_iter().flatten().chain(
            operation
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten(),
        );
        for param in params {
            if param.get("in").and_then(Value::as_str) != Some("query") {
                continue;
            }
            let Some(name) = param.get("name").and_then(Value::as_str) else {
                continue;
            };
            let schema = param.get("schema").map(|s| schemas.resolve(s));
            let kind = match schema.and_then(|s| s.get("type")).and_then(Value::as_str) {
                Some("integer") => ParamKind::Integer,
                Some("number") => ParamKind::Number,
                Some("boolean") => ParamKind::Boolean,
                _ => ParamKind::String,
            };
            query.retain(|existing: &QueryParam| existing.name != name);
            query.push(QueryParam {
                name: name.to_owned(),
                kind,
                required: param.get("required").and_then(Value::as_bool) == Some(true),
            });
        }
        auth.signed_token = query.iter().any(|param| param.name == "token");
        let body = match operation.pointer("/requestBody/content/application~1json/schema") {
            Some(schema) => {
                let mut root = schema::to_json_schema(schema);
                if let (Some(root), Some(components)) =
                    (root.as_object_mut(), validation_root.as_object())
                {
                    root.extend(components.clone());
                }
                let validator = jsonschema::options()
                    .with_draft(jsonschema::Draft::Draft202012)
                    .build(&root)
                    .map_err(|e| format!("{operation_id}: request schema: {e}"))?;
                Some(Body {
                    schema: schema.clone(),
                    validator,
                })
            }
            None => None,
        };
        let response = operation
            .pointer("/responses/200/content/application~1json/schema")
            .cloned();
        Ok(Route {
            method,
            template: template.to_owned(),
            segments,
            camel_case: CAMEL_CASE_TAGS.contains(&tag),
            operation: operation_id,
            auth,
            query,
            body,
            response,
        })
    }

    /// `None` if `segments` do not fit the template; otherwise which segments are literal.
    fn matches(&self, segments: &[&str]) -> Option<Vec<bool>> {
        if segments.len() != self.segments.len() {
            return None;
        }
        self.segments
            .iter()
            .zip(segments)
            .map(|(expected, actual)| match expected {
                Segment::Literal(literal) => (literal == actual).then_some(true),
                Segment::Param(_) => (!actual.is_empty()).then_some(false),
            })
            .collect()
    }

    fn params(&self, segments: &[&str]) -> Vec<(String, String)> {
        self.segments
            .iter()
            .zip(segments)
            .filter_map(|(expected, actual)| match expected {
                Segment::Param(name) => Some((
                    name.clone(),
                    percent_encoding::percent_decode_str(actual)
                        .decode_utf8_lossy()
                        .into_owned(),
                )),
                Segment::Literal(_) => None,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_is_routed() {
        let spec = Spec::get().unwrap();
        assert_eq!(spec.routes.len(), 98);
        for route in &spec.routes {
            let path = route.template.replace('{', "x").replace('}', "");
            match spec.route(&route.method, &path) {
                Match::Found(found, _) => assert_eq!(found.operation, route.operation, "{path}"),
                _ => panic!("{} {path} does not route", route.method),
            }
        }
    }

    #[test]
    fn trailing_slash_is_significant() {
        let spec = Spec::get().unwrap();
        assert!(matches!(
            spec.route(&Method::GET, "/api/v1/agents"),
            Match::NotFound {
                did_you_mean: Some("/api/v1/agents/")
            }
        ));
        let Match::Found(list, _) = spec.route(&Method::GET, "/api/v1/phone-numbers/import") else {
            panic!()
        };
        assert_eq!(list.operation, "ListImportedPhoneNumbers");
        let Match::Found(create, _) = spec.route(&Method::POST, "/api/v1/phone-numbers/import/")
        else {
            panic!()
        };
        assert_eq!(create.operation, "ImportPhoneNumber");
    }

    #[test]
    fn literal_segments_win_and_params_decode() {
        let spec = Spec::get().unwrap();
        let Match::Found(route, params) = spec.route(&Method::POST, "/api/v1/contacts/bulk-delete")
        else {
            panic!()
        };
        assert_eq!(route.operation, "BulkDeleteContacts");
        assert!(params.is_empty());
        let Match::Found(route, params) = spec.route(
            &Method::DELETE,
            "/api/v1/phone-numbers/%2B14155550100/release/",
        ) else {
            panic!()
        };
        assert_eq!(route.operation, "ReleasePhoneNumber");
        assert_eq!(
            params,
            [("phone_number".to_owned(), "+14155550100".to_owned())]
        );
        assert!(matches!(
            spec.route(&Method::PUT, "/api/v1/agents/"),
            Match::WrongMethod(_)
        ));
    }

    #[test]
    fn security_and_tags() {
        let spec = Spec::get().unwrap();
        let auth = |operation: &str| spec.operation(operation).unwrap().auth;
        assert!(auth("HealthCheck").anonymous);
        let key = Auth {
            api_key: true,
            ..Auth::default()
        };
        assert_eq!(auth("ListAgents"), key);
        assert_eq!(
            auth("GetAgentCalcomInfo"),
            Auth {
                bearer: true,
                ..Auth::default()
            }
        );
        assert_eq!(
            auth("ListCalcomAppointments"),
            Auth {
                bearer: true,
                ..key
            }
        );
        assert!(auth("ManageGhlAppointment").anonymous);
        assert_eq!(
            auth("GetCallRecording"),
            Auth {
                signed_token: true,
                ..key
            }
        );
        assert!(spec.operation("ListAgents").unwrap().camel_case);
        assert!(!spec.operation("ListContacts").unwrap().camel_case);
    }
}
