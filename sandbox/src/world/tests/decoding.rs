//! The walk's check that a reply is its documented response type, and a test of the check.

use super::*;

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

/// Decodes `reply` as the generated response type named `schema`, and checks the type keeps
/// everything: no member of the reply is unknown to the type (a misspelt or misplaced field).
pub(super) fn check_decodes(schema: &str, reply: &Value) -> Result<(), String> {
    fn round_trip<T: serde::de::DeserializeOwned + Serialize>(
        reply: &Value,
        free_form: bool,
    ) -> Result<(), String> {
        let decoded: T = serde_json::from_value(reply.clone()).map_err(|e| e.to_string())?;
        let back = without_empty(&to_json(&decoded));
        if !free_form && back != without_empty(reply) {
            return Err(format!(
                "does not round-trip:\n  sent {reply}\n  kept {back}"
            ));
        }
        Ok(())
    }
    macro_rules! types_by_name {
        ($($name:literal => $ty:ty),* $(,)?) => {
            match schema {
                "Envelope" => round_trip::<types::Envelope>(reply, true),
                $($name => round_trip::<$ty>(reply, false),)*
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
