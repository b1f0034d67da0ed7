//! Synthetic documents, one per change class, and the `$ref` cases (indirection, cycles).

use serde_json::{Value, json};

use super::*;

fn doc(paths: Value, schemas: Value) -> Value {
    json!({
        "openapi": "3.0.1",
        "info": {"title": "t", "version": "1"},
        "paths": paths,
        "components": {"schemas": schemas}
    })
}

/// Every change as `impact: place: what`, in the diff's order.
fn lines(old: &Value, new: &Value) -> Vec<String> {
    SpecDiff::between(old, new)
        .expect("valid documents")
        .changes
        .iter()
        .map(|c| format!("{}: {c}", c.impact.label()))
        .collect()
}

fn get(id: &str, extra: Value) -> Value {
    let mut op = json!({"operationId": id, "responses": {"200": {"description": "ok"}}});
    if let (Some(op), Some(extra)) = (op.as_object_mut(), extra.as_object()) {
        op.extend(extra.clone());
    }
    op
}

#[test]
fn identical_documents_have_no_change() {
    let document = doc(json!({"/a": {"get": get("A", json!({}))}}), json!({}));
    let diff = SpecDiff::between(&document, &document).expect("valid");
    assert!(diff.changes.is_empty());
    assert_eq!(diff.impact(), None);
}

#[test]
fn operations_added_removed_and_moved() {
    let old = doc(
        json!({
            "/a": {"get": get("A", json!({}))},
            "/b": {"get": get("B", json!({}))},
        }),
        json!({}),
    );
    let new = doc(
        json!({
            "/a/": {"get": get("A", json!({}))},
            "/d": {"post": get("D", json!({}))},
        }),
        json!({}),
    );
    assert_eq!(
        lines(&old, &new),
        [
            "compatible: `A`: route changed: `GET /a` → `GET /a/`",
            "breaking: `B`: operation removed (`GET /b`)",
            "compatible: `D`: operation added (`POST /d`)",
        ]
    );
}

#[test]
fn parameters_added_removed_required_and_retyped() {
    let param = |name: &str, required: bool, ty: &str| json!({"name": name, "in": "query", "required": required, "schema": {"type": ty}});
    let old = doc(
        json!({"/a": {
            "parameters": [{"$ref": "#/components/parameters/Shared"}],
            "get": get("A", json!({"parameters": [
                param("gone", false, "string"),
                param("tighten", false, "string"),
                param("loosen", true, "string"),
                param("retype", false, "string"),
            ]}))
        }}),
        json!({}),
    );
    let mut new = doc(
        json!({"/a": {
            "parameters": [{"$ref": "#/components/parameters/Shared"}],
            "get": get("A", json!({"parameters": [
                param("tighten", true, "string"),
                param("loosen", false, "string"),
                param("retype", false, "integer"),
                param("extra", false, "string"),
                param("must", true, "string"),
            ]}))
        }}),
        json!({}),
    );
    let shared =
        |ty: &str| json!({"Shared": {"name": "shared", "in": "header", "schema": {"type": ty}}});
    let mut old = old;
    old["components"]["parameters"] = shared("string");
    new["components"]["parameters"] = shared("boolean");
    assert_eq!(
        lines(&old, &new),
        [
            "compatible: `A` parameter `extra` (query): parameter added (optional)",
            "breaking: `A` parameter `gone` (query): parameter removed",
            "compatible: `A` parameter `loosen` (query): now optional",
            "breaking: `A` parameter `must` (query): parameter added (required)",
            "breaking: `A` parameter `retype` (query): type changed: string → integer",
            "breaking: `A` parameter `shared` (header): type changed: string → boolean",
            "breaking: `A` parameter `tighten` (query): now required",
        ]
    );
}

#[test]
fn request_bodies_and_media_types() {
    let body = |required: bool, media: &[&str]| {
        let content: serde_json::Map<String, Value> = media
            .iter()
            .map(|m| (m.to_string(), json!({"schema": {"type": "object"}})))
            .collect();
        json!({"requestBody": {"required": required, "content": content}})
    };
    let old = doc(
        json!({
            "/add": {"post": get("Add", json!({}))},
            "/drop": {"post": get("Drop", body(false, &["application/json"]))},
            "/flip": {"post": get("Flip", body(false, &["application/json", "text/plain"]))},
        }),
        json!({}),
    );
    let new = doc(
        json!({
            "/add": {"post": get("Add", body(true, &["application/json"]))},
            "/drop": {"post": get("Drop", json!({}))},
            "/flip": {"post": get("Flip", body(true, &["application/json", "multipart/form-data"]))},
        }),
        json!({}),
    );
    assert_eq!(
        lines(&old, &new),
        [
            "breaking: `Add` request body: request body added (required)",
            "breaking: `Drop` request body: request body removed",
            "compatible: `Flip` request body: media type `multipart/form-data` added",
            "breaking: `Flip` request body: media type `text/plain` removed",
            "breaking: `Flip` request body: now required",
        ]
    );
}

#[test]
fn responses_added_removed_and_resolved_through_components() {
    let json_body = |schema: Value| json!({"content": {"application/json": {"schema": schema}}});
    let mut old = doc(
        json!({"/a": {"get": {"operationId": "A", "responses": {
            "200": {"$ref": "#/components/responses/Ok"},
            "404": {"description": "missing"}
        }}}}),
        json!({}),
    );
    let mut new = doc(
        json!({"/a": {"get": {"operationId": "A", "responses": {
            "200": {"$ref": "#/components/responses/Ok"},
            "429": {"description": "slow down"}
        }}}}),
        json!({}),
    );
    let ok = |ty: &str| json_body(json!({"type": "object", "properties": {"n": {"type": ty}}}));
    old["components"]["responses"] = json!({"Ok": ok("integer")});
    new["components"]["responses"] = json!({"Ok": ok("string")});
    assert_eq!(
        lines(&old, &new),
        [
            "breaking: `A` response 200 `n`: type changed: integer → string",
            "breaking: `A` response 404: response removed",
            "compatible: `A` response 429: response added",
        ]
    );
}

/// A request schema (`In`) and a response-only one (`Out`) with the same edits: only the
/// request side breaks on a newly required field.
#[test]
fn schema_fields_types_required_nullable_enums_and_keywords() {
    let schema = |version: u8| {
        let old = version == 0;
        json!({
            "type": "object",
            "required": if old { json!(["was_required"]) } else { json!(["now_required", "added_required"]) },
            "properties": {
                "kept": {"type": "string", "description": if old { "old" } else { "new" }},
                "gone": {"type": "string"},
                "retyped": {"type": if old { "string" } else { "integer" }},
                "reformatted": {"type": "integer", "format": if old { "int32" } else { "int64" }},
                "now_required": {"type": "string"},
                "was_required": {"type": "string"},
                "maybe_null": {"type": "string", "nullable": !old},
                "status": {"type": "string", "enum": if old { json!(["A", "B"]) } else { json!(["B", "C"]) }},
                "tags": {"type": "array", "items": {"type": if old { "string" } else { "boolean" }}},
                "limit": {"type": "integer", "default": if old { 10 } else { 20 }},
                "pointer": {"$ref": if old { "#/components/schemas/Old" } else { "#/components/schemas/New" }},
                "nested": {"type": "object", "properties": {"deep": {"type": if old { "number" } else { "string" }}}},
            }
        })
    };
    let with_added = |mut s: Value| {
        let _ = s["properties"].as_object_mut().map(|p| p.remove("gone"));
        s["properties"]["added_required"] = json!({"type": "string"});
        s["properties"]["added_optional"] =
            json!({"type": "array", "items": {"$ref": "#/components/schemas/Old"}});
        s
    };
    let paths = json!({"/a": {"post": {
        "operationId": "A",
        "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/In"}}}},
        "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Out"}}}}}
    }}});
    let small = json!({"type": "object"});
    let old = doc(
        paths.clone(),
        json!({"In": schema(0), "Out": schema(0), "Old": small, "New": small}),
    );
    let new = doc(
        paths,
        json!({"In": with_added(schema(1)), "Out": with_added(schema(1)), "Old": small, "New": small}),
    );
    let expected = |name: &str, request: bool| {
        let breaking_if_request = if request { "breaking" } else { "compatible" };
        vec![
            format!("compatible: `{name}.added_optional`: field added (array of Old, optional)"),
            format!(
                "{breaking_if_request}: `{name}.added_required`: field added (string, required)"
            ),
            format!("breaking: `{name}.gone`: field removed (was string)"),
            format!("docs: `{name}.kept`: `description` changed"),
            format!("compatible: `{name}.limit`: `default` changed: `10` → `20`"),
            format!("compatible: `{name}.maybe_null`: now nullable"),
            format!("breaking: `{name}.nested.deep`: type changed: number → string"),
            format!("{breaking_if_request}: `{name}.now_required`: now required"),
            format!("breaking: `{name}.pointer`: type changed: Old → New"),
            format!(
                "breaking: `{name}.reformatted`: type changed: integer (int32) → integer (int64)"
            ),
            format!("breaking: `{name}.retyped`: type changed: string → integer"),
            format!("compatible: `{name}.status`: enum value `C` added"),
            format!("breaking: `{name}.status`: enum value `A` removed"),
            format!("breaking: `{name}.tags[]`: type changed: string → boolean"),
            format!("compatible: `{name}.was_required`: now optional"),
        ]
    };
    let mut all = expected("In", true);
    all.extend(expected("Out", false));
    assert_eq!(lines(&old, &new), all);
}

#[test]
fn schemas_added_and_removed_and_document_settings() {
    let mut old = doc(json!({}), json!({"Gone": {"type": "object"}}));
    let mut new = doc(json!({}), json!({"Fresh": {"type": "object"}}));
    new["info"]["version"] = "2".into();
    old["servers"] = json!([{"url": "https://a"}]);
    new["servers"] = json!([{"url": "https://b"}]);
    assert_eq!(
        lines(&old, &new),
        [
            "docs: `info.version`: `info.version` changed: `\"1\"` → `\"2\"`",
            "compatible: `servers`: `servers` changed: `[{\"url\":\"https://a\"}]` → `[{\"url\":\"https://b\"}]`",
            "compatible: `Fresh`: schema added",
            "breaking: `Gone`: schema removed",
        ]
    );
}

/// The bug this module exists for: a response schema changing shape behind a `$ref` chain
/// (operation → Envelope → Payload) marks the operation changed.
#[test]
fn a_change_behind_refs_marks_every_operation_that_reaches_it() {
    let paths = json!({
        "/a": {"get": {"operationId": "A", "responses": {"200": {"$ref": "#/components/responses/Env"}}}},
        "/b": {"get": {"operationId": "B", "responses": {"200": {"description": "plain"}}}},
    });
    let schemas = |ty: &str| {
        json!({
            "Envelope": {"type": "object", "properties": {"data": {"$ref": "#/components/schemas/Payload"}}},
            "Payload": {"type": "object", "properties": {"n": {"type": ty}}},
        })
    };
    let response = json!({"Env": {"description": "ok", "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Envelope"}}}}});
    let mut old = doc(paths.clone(), schemas("integer"));
    let mut new = doc(paths, schemas("string"));
    old["components"]["responses"] = response.clone();
    new["components"]["responses"] = response;
    let diff = SpecDiff::between(&old, &new).expect("valid");
    assert_eq!(
        diff.changes
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["`Payload.n`: type changed: integer → string"]
    );
    let changed = diff.changed_operations();
    assert_eq!(changed.keys().copied().collect::<Vec<_>>(), ["A"]);
    assert_eq!(changed["A"].route, "GET /a");
    assert_eq!(changed["A"].via.get("Payload"), Some(&Impact::Breaking));
    assert_eq!(changed["A"].impact(), Impact::Breaking);
    assert_eq!(diff.used_by("Payload"), ["A"]);
}

#[test]
fn ref_cycles_end() {
    let paths = json!({"/a": {"get": {"operationId": "A", "responses": {
        "200": {"$ref": "#/components/responses/Loop"},
        "201": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Node"}}}}
    }}}});
    let schemas = |ty: &str| {
        json!({
            "Node": {"type": "object", "properties": {
                "next": {"$ref": "#/components/schemas/Node"},
                "other": {"$ref": "#/components/schemas/Other"},
                "value": {"type": ty}
            }},
            "Other": {"type": "object", "properties": {"back": {"$ref": "#/components/schemas/Node"}}},
        })
    };
    let responses = json!({
        "Loop": {"$ref": "#/components/responses/Loop2"},
        "Loop2": {"$ref": "#/components/responses/Loop"},
    });
    let mut old = doc(paths.clone(), schemas("string"));
    let mut new = doc(paths, schemas("integer"));
    old["components"]["responses"] = responses.clone();
    new["components"]["responses"] = responses;
    let diff = SpecDiff::between(&old, &new).expect("terminates");
    assert_eq!(
        diff.changes
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["`Node.value`: type changed: string → integer"]
    );
    assert_eq!(
        diff.changed_operations()["A"].via.get("Node"),
        Some(&Impact::Breaking)
    );
    assert_eq!(diff.used_by("Node"), ["A"]);
    assert_eq!(diff.used_by("Other"), ["A"]);
}

#[test]
fn fields_moved_into_a_new_envelope_say_where_they_went() {
    let flat = json!({"type": "object", "properties": {"status": {"type": "string"}}});
    let wrapped = json!({"type": "object", "properties": {
        "success": {"type": "boolean"},
        "data": {"type": "object", "properties": {"status": {"type": "string"}}}
    }});
    let old = doc(json!({}), json!({"Health": flat}));
    let new = doc(json!({}), json!({"Health": wrapped}));
    assert_eq!(
        lines(&old, &new),
        [
            "compatible: `Health.data`: field added (object, optional)",
            "breaking: `Health.status`: field removed (was string; now at `data.status`)",
            "compatible: `Health.success`: field added (boolean, optional)",
        ]
    );
    assert_eq!(
        lines(&new, &old)[1],
        "compatible: `Health.status`: field added (string, optional; was at `data.status`)"
    );
}

#[test]
fn duplicate_operation_ids_are_refused() {
    let bad = doc(
        json!({"/a": {"get": get("X", json!({}))}, "/b": {"get": get("X", json!({}))}}),
        json!({}),
    );
    let good = doc(json!({}), json!({}));
    assert!(matches!(
        SpecDiff::between(&good, &bad),
        Err(SpecError::DuplicateOperationId { .. })
    ));
}
