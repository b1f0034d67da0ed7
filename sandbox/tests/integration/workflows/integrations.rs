//! Cal.com per agent through the SDK: operations that take the bearer token, and a nullable
//! field that unlinks.

use super::*;

#[tokio::test]
async fn an_agent_is_linked_to_the_calcom_account_and_unlinked() {
    let sandbox = start(seeded()).await;
    let client = sandbox.client();
    let agent_id = first_agent_id(&client).await;
    let connected = client
        .connect_calcom()
        .body(types::ConnectCalcomRequest {
            org_id: Seed::DEMO_ORGANIZATION_ID.into(),
            api_key: "cal_live_sandbox".into(),
            account_name: Some("Front desk".into()),
            extra: Default::default(),
        })
        .send()
        .await
        .expect("connected")
        .into_inner();
    let account = connected
        .data
        .and_then(|d| d.provider_id)
        .expect("the account id");

    let assign = |account: Option<String>| {
        client
            .assign_calcom_account_to_agent()
            .agent_id(&agent_id)
            .body(types::AssignCalcomAccountRequest {
                calcom_account_id: account,
                extra: Default::default(),
            })
            .send()
    };
    let linked = assign(Some(account.clone()))
        .await
        .expect("linked")
        .into_inner();
    assert_eq!(
        linked.data.calcom_account_id.as_deref(),
        Some(account.as_str())
    );
    let info = client
        .get_agent_calcom_info()
        .agent_id(&agent_id)
        .send()
        .await
        .expect("info")
        .into_inner()
        .data;
    assert_eq!(info.connected, Some(true));
    assert_eq!(info.type_, Some(types::CalcomAgentAccountType::OrgLinked));
    assert_eq!(info.account_name.as_deref(), Some("Front desk"));

    // `None` is sent as null, which unlinks.
    let unlinked = assign(None).await.expect("unlinked").into_inner();
    assert_eq!(unlinked.data.calcom_account_id, None);
    let status = client
        .get_agent_calcom_status()
        .agent_id(&agent_id)
        .send()
        .await
        .expect("status")
        .into_inner()
        .data;
    assert_eq!(status.status.as_deref(), Some("not_connected"));
    assert_eq!(
        api_error(assign(Some("not-the-account".into())).await),
        (404, symbolic("NOT_FOUND"))
    );
}
