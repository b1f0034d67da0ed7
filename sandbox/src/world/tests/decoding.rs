//! The walk's check that a reply is its documented response type, and a test of the check.
//!
//! Every generated type keeps members it does not know in its `extra` map (so that the SDK
//! survives new upstream fields), which means decoding alone accepts any misspelt or invented
//! member. The check therefore reads the reply alongside the spec's schema as well: every member
//! must be declared there, and the typed round trip must keep every value.

use super::*;
use crate::{schema::Schemas, spec::Spec};

/// `null`, `{}` and `[]` members removed, recursively: the generated types never serialize them.
fn without_empty(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), without_empty(v)))
                .filter(|(_, v)| !matches!(v, Value::Null) && v != &json!({}) && v != &json!([]))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_empty).collect()),
        other => other.clone(),
    }
}

/// `value` read alongside `schema`: the paths of members the schema does not declare go to
/// `undeclared`, and what comes back is `value` as the SDK writes it again, that is with
/// epoch-integer timestamps (knowledge bases) as RFC 3339 text. An object schema without
/// `properties` is a free-form map: anything goes inside it.
fn against_schema(
    schemas: &Schemas,
    value: &Value,
    schema: &Value,
    path: &str,
    undeclared: &mut Vec<String>,
) -> Value {
    let schema = schemas.resolve(schema);
    match value {
        Value::Object(map) => {
            let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
                return value.clone();
            };
            let mut out = serde_json::Map::new();
            for (key, member) in map {
                let at = format!("{path}.{key}");
                let member = match properties.get(key) {
                    Some(sub) => against_schema(schemas, member, sub, &at, undeclared),
                    None => {
                        undeclared.push(at);
                        member.clone()
                    }
                };
                out.insert(key.clone(), member);
            }
            Value::Object(out)
        }
        Value::Array(items) => match schema.get("items") {
            Some(item) => Value::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| {
                        against_schema(schemas, v, item, &format!("{path}[{i}]"), undeclared)
                    })
                    .collect(),
            ),
            None => value.clone(),
        },
        Value::Number(_) if schema.get("format").and_then(Value::as_str) == Some("date-time") => {
            serde_json::from_value::<agni::Timestamp>(value.clone())
                .map_or_else(|_| value.clone(), to_json)
        }
        other => other.clone(),
    }
}

/// Decodes `reply` as the generated response type named `schema`, and checks that the spec
/// declares every member of the reply (no misspelt, misplaced or invented field) and that the
/// type keeps every value.
pub(super) fn check_decodes(schema: &str, reply: &Value) -> Result<(), String> {
    fn round_trip<T: serde::de::DeserializeOwned + Serialize>(
        reply: &Value,
        schema: &str,
        free_form: bool,
    ) -> Result<(), String> {
        let spec = Spec::get()?;
        let mut undeclared = Vec::new();
        let reference = json!({ "$ref": format!("#/components/schemas/{schema}") });
        let written = against_schema(&spec.schemas, reply, &reference, "", &mut undeclared);
        if !undeclared.is_empty() {
            return Err(format!("not in the schema: {}", undeclared.join(", ")));
        }
        let decoded: T = serde_json::from_value(reply.clone()).map_err(|e| e.to_string())?;
        let back = without_empty(&to_json(&decoded));
        if !free_form && back != without_empty(&written) {
            return Err(format!(
                "does not round-trip:\n  sent {reply}\n  kept {back}"
            ));
        }
        Ok(())
    }
    macro_rules! types_by_name {
        ($($name:literal => $ty:ty),* $(,)?) => {
            match schema {
                "Envelope" => round_trip::<types::Envelope>(reply, schema, true),
                $($name => round_trip::<$ty>(reply, schema, false),)*
                other => Err(format!("no response type for schema {other}")),
            }
        };
    }
    types_by_name! {
        "ListAgentsResponse" => types::ListAgentsResponse,
        "CreateAgentResponse" => types::CreateAgentResponse,
        "GetAgentResponse" => types::GetAgentResponse,
        "UpdateAgentResponse" => types::UpdateAgentResponse,
        "UpdateAgentStatusResponse" => types::UpdateAgentStatusResponse,
        "ListVoicesResponse" => types::ListVoicesResponse,
        "ListCalcomAppointmentsResponse" => types::ListCalcomAppointmentsResponse,
        "ManageAppointmentResponse" => types::ManageAppointmentResponse,
        "GetCalcomAppointmentResponse" => types::GetCalcomAppointmentResponse,
        "ConnectCalcomResponse" => types::ConnectCalcomResponse,
        "DisconnectResponse" => types::DisconnectResponse,
        "ListCalcomEventTypesResponse" => types::ListCalcomEventTypesResponse,
        "GetCalcomEventTypeResponse" => types::GetCalcomEventTypeResponse,
        "CalcomStatusResponse" => types::CalcomStatusResponse,
        "ListCallSessionsResponse" => types::ListCallSessionsResponse,
        "GetCallSessionDetailResponse" => types::GetCallSessionDetailResponse,
        "CreateCallResponse" => types::CreateCallResponse,
        "ListCampaignsResponse" => types::ListCampaignsResponse,
        "CampaignResponse" => types::CampaignResponse,
        "ListCampaignContactsResponse" => types::ListCampaignContactsResponse,
        "AddContactsToCampaignResponse" => types::AddContactsToCampaignResponse,
        "ListContactsResponse" => types::ListContactsResponse,
        "ContactResponse" => types::ContactResponse,
        "BulkDeleteResponse" => types::BulkDeleteResponse,
        "ListGHLAppointmentsResponse" => types::ListGhlAppointmentsResponse,
        "GetGHLAppointmentResponse" => types::GetGhlAppointmentResponse,
        "GHLContactResponse" => types::GhlContactResponse,
        "GetGHLAgentByCalendarResponse" => types::GetGhlAgentByCalendarResponse,
        "ListGHLCalendarsResponse" => types::ListGhlCalendarsResponse,
        "GHLSetupStatusResponse" => types::GhlSetupStatusResponse,
        "AddTwilioNumberResponse" => types::AddTwilioNumberResponse,
        "ListAvailableNumbersResponse" => types::ListAvailableNumbersResponse,
        "BuyPhoneNumberResponse" => types::BuyPhoneNumberResponse,
        "CreateTelephonyTypeResponse" => types::CreateTelephonyTypeResponse,
        "ListImportedPhoneNumbersResponse" => types::ListImportedPhoneNumbersResponse,
        "ImportPhoneNumberResponse" => types::ImportPhoneNumberResponse,
        "DeleteImportedPhoneNumberResponse" => types::DeleteImportedPhoneNumberResponse,
        "ListPurchasedNumbersResponse" => types::ListPurchasedNumbersResponse,
        "GetSelectedTelephonyResponse" => types::GetSelectedTelephonyResponse,
        "ListTwilioOwnedNumbersResponse" => types::ListTwilioOwnedNumbersResponse,
        "ReleasePhoneNumberResponse" => types::ReleasePhoneNumberResponse,
        "KnowledgeBaseResponse" => types::KnowledgeBaseResponse,
        "AddKnowledgeBaseSourcesResponse" => types::AddKnowledgeBaseSourcesResponse,
        "ListAgentToolsResponse" => types::ListAgentToolsResponse,
        "CreateAgentToolResponse" => types::CreateAgentToolResponse,
        "GetAgentToolResponse" => types::GetAgentToolResponse,
        "UpdateAgentToolResponse" => types::UpdateAgentToolResponse,
        "ListWidgetSettingsResponse" => types::ListWidgetSettingsResponse,
        "CreateWidgetSettingsResponse" => types::CreateWidgetSettingsResponse,
        "GetWidgetSettingsResponse" => types::GetWidgetSettingsResponse,
        "UpdateWidgetSettingsResponse" => types::UpdateWidgetSettingsResponse,
        "ContactDetailResponse" => types::ContactDetailResponse,
        "ContactCallsResponse" => types::ContactCallsResponse,
        "ContactCallStatsResponse" => types::ContactCallStatsResponse,
        "ContactActivitiesResponse" => types::ContactActivitiesResponse,
        "ContactCampaignsResponse" => types::ContactCampaignsResponse,
        "ContactNotesResponse" => types::ContactNotesResponse,
        "ContactNoteResponse" => types::ContactNoteResponse,
        "DocumentResponse" => types::DocumentResponse,
        "ListDocumentsResponse" => types::ListDocumentsResponse,
        "ListKnowledgeBasesResponse" => types::ListKnowledgeBasesResponse,
        "QueryKnowledgeBaseResponse" => types::QueryKnowledgeBaseResponse,
        "DiscoverUrlsResponse" => types::DiscoverUrlsResponse,
        "ExclusionsResponse" => types::ExclusionsResponse,
        "DeleteKnowledgeBaseSourceResponse" => types::DeleteKnowledgeBaseSourceResponse,
        "OrganizationProfileResponse" => types::OrganizationProfileResponse,
        "GetAgentCalcomInfoResponse" => types::GetAgentCalcomInfoResponse,
        "GetAgentCalcomStatusResponse" => types::GetAgentCalcomStatusResponse,
        "AssignCalcomAccountResponse" => types::AssignCalcomAccountResponse,
        "ListLlmModelsWithVoicesResponse" => types::ListLlmModelsWithVoicesResponse,
        "HealthResponse" => types::HealthResponse,
        "ReadyResponse" => types::ReadyResponse,
    }
}

#[test]
fn the_walk_check_catches_misspelt_and_unknown_fields() {
    let good = json!({"success": true, "message": "m", "data": {"id": "c1", "first_name": "Ada"}});
    assert_eq!(check_decodes("ContactResponse", &good), Ok(()));
    let camel = json!({"success": true, "data": {"id": "c1", "firstName": "Ada"}});
    assert!(
        check_decodes("ContactResponse", &camel).is_err(),
        "snake_case schema"
    );
    let unknown = json!({"success": true, "data": {"id": "c1", "nickname": "Ada"}});
    assert!(check_decodes("ContactResponse", &unknown).is_err());
    let snake_session = json!({"data": {"callSessions": [{"id": "s1", "agent_id": "a"}]}});
    assert!(
        check_decodes("ListCallSessionsResponse", &snake_session).is_err(),
        "camelCase schema"
    );
    assert!(check_decodes("NoSuchResponse", &good).is_err());
}
