//! Campaigns: creating, running, and what their contacts see.

use super::*;

#[tokio::test]
async fn campaigns() {
    let sandbox = start(seeded()).await;
    let client = sandbox.client();
    let agent_id = first_agent_id(&client).await;
    let contacts: Vec<types::Contact> = client
        .list_contacts()
        .stream()
        .try_collect()
        .await
        .expect("contacts");
    let ids: Vec<String> = contacts.iter().map(|c| c.id.clone()).collect();

    let campaign = || {
        types::CreateCampaignRequest::builder()
            .name("November renewals")
            .agent_id(agent_id.clone())
            .phone_number_id("")
            .contact_ids(ids[..2].to_vec())
    };
    // Dialling from a number the organisation does not own is refused.
    assert_eq!(
        api_error(
            client
                .create_campaign_from("+14155550100", campaign())
                .send()
                .await
        ),
        (422, symbolic("FAILED_PRECONDITION"))
    );

    client.buy_number("+14155550100").send().await.expect("buy");
    let line = client
        .list_purchased_numbers()
        .send()
        .await
        .expect("purchased")
        .into_inner()
        .data;
    let line_id = line[0].id.clone();
    let created = client
        .create_campaign_from("+14155550100", campaign().phone_number_id(line_id))
        .send()
        .await
        .expect("create campaign")
        .into_inner()
        .data;
    let id = created.id.clone();
    assert_eq!(created.status, Some(types::CampaignStatus::Draft));
    assert_eq!(
        created.contact_stats.as_ref().and_then(|s| s.total),
        Some(2)
    );

    let added = client
        .add_contacts_to_campaign()
        .id(&id)
        .body(types::AddContactsRequest {
            contact_ids: ids.clone(),
            extra: Default::default(),
        })
        .send()
        .await
        .expect("add contacts")
        .into_inner();
    assert_eq!(added.added_count, Some(1), "two were members already");
    let members: Vec<types::CampaignContact> = client
        .list_campaign_contacts()
        .id(&id)
        .stream_pages_of(2)
        .try_collect()
        .await
        .expect("members");
    assert_eq!(members.len(), 3);
    assert!(
        members
            .iter()
            .all(|m| m.status == Some(types::CampaignContactStatus::Pending))
    );

    // draft → running → paused → running; anything else is 422 FAILED_PRECONDITION.
    assert_eq!(
        api_error(client.pause_campaign().id(&id).send().await),
        (422, symbolic("FAILED_PRECONDITION")),
        "a draft cannot be paused"
    );
    let started = client
        .start_campaign()
        .id(&id)
        .send()
        .await
        .expect("start")
        .into_inner();
    assert_eq!(started.data.status, Some(types::CampaignStatus::Running));
    assert_eq!(
        api_error(client.start_campaign().id(&id).send().await),
        (422, symbolic("FAILED_PRECONDITION")),
        "already running"
    );
    let paused = client
        .pause_campaign()
        .id(&id)
        .send()
        .await
        .expect("pause")
        .into_inner();
    assert_eq!(paused.data.status, Some(types::CampaignStatus::Paused));
    let resumed = client
        .resume_campaign()
        .id(&id)
        .send()
        .await
        .expect("resume")
        .into_inner();
    assert_eq!(resumed.data.status, Some(types::CampaignStatus::Running));

    // The dialler calls one contact per request; poll until every contact was called.
    let mut done = None;
    for _ in 0..10 {
        let campaign = client
            .get_campaign()
            .id(&id)
            .send()
            .await
            .expect("get")
            .into_inner()
            .data;
        if campaign.status == Some(types::CampaignStatus::Completed) {
            done = Some(campaign);
            break;
        }
    }
    let done = done.expect("the campaign completes");
    let stats = done.contact_stats.expect("stats");
    assert_eq!(
        (stats.successful, stats.contacted, stats.pending),
        (Some(3), Some(3), Some(0))
    );
    assert!(done.completed_at.is_some());
    assert_eq!(
        api_error(client.resume_campaign().id(&id).send().await),
        (422, symbolic("FAILED_PRECONDITION")),
        "a completed campaign stays completed"
    );

    // Each campaign call was outbound from the campaign's number, and sent its webhook.
    for _ in 0..3 {
        let event = sandbox
            .next_webhook_timeout(WEBHOOK_WAIT)
            .await
            .expect("a webhook per call");
        assert_eq!(event["data"]["campaign_id"], id.as_str());
        let call = CallCompleted::from_value(event).expect("parses");
        assert_eq!(call.business_number.as_deref(), Some("+14155550100"));
        assert!(
            call.customer_number
                .as_deref()
                .is_some_and(|n| n.starts_with("+1415555012"))
        );
    }
    let sessions: Vec<types::CallSession> = client
        .list_call_sessions()
        .stream()
        .try_collect()
        .await
        .expect("sessions");
    assert_eq!(sessions.len(), 3);
    assert!(
        sessions
            .iter()
            .all(|s| s.channel.as_deref() == Some("outbound_call"))
    );

    let ada = &ids[0];
    let theirs = client
        .get_contact_campaigns()
        .id(ada)
        .send()
        .await
        .expect("contact campaigns")
        .into_inner();
    assert_eq!(theirs.data[0].status.as_deref(), Some("successful"));
}
