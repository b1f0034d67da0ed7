//! Contacts, their notes, and paging through them.

use super::*;

#[tokio::test]
async fn contacts_notes_and_pagination() {
    let sandbox = start(seeded()).await;
    let client = sandbox.client();
    for (first, last, phone) in [
        ("Edsger", "Dijkstra", "+14155550126"),
        ("Barbara", "Liskov", "+14155550127"),
    ] {
        client
            .create_contact()
            .body(contact(first, last, phone))
            .send()
            .await
            .expect("create contact");
    }

    let before = sandbox.requests_for("ListContacts");
    let all: Vec<types::Contact> = client
        .list_contacts()
        .stream_pages_of(2)
        .try_collect()
        .await
        .expect("every page");
    let names: Vec<_> = all.iter().filter_map(|c| c.first_name.as_deref()).collect();
    assert_eq!(names, ["Ada", "Grace", "Alan", "Edsger", "Barbara"]);
    assert_eq!(
        sandbox.requests_for("ListContacts") - before,
        3,
        "pages of 2, 2 and 1"
    );

    let found = client
        .list_contacts()
        .search("hopper")
        .send()
        .await
        .expect("search");
    assert_eq!(found.data.len(), 1);
    assert_eq!(found.meta.as_ref().and_then(|m| m.total), Some(1));
    let grace = found.data[0].id.clone();

    let updated = client
        .update_contact()
        .id(&grace)
        .body(types::UpdateContactRequest {
            company: Some("US Navy".into()),
            ..Default::default()
        })
        .send()
        .await
        .expect("update contact")
        .into_inner()
        .data;
    assert_eq!(updated.company.as_deref(), Some("US Navy"));
    assert_eq!(updated.email.as_deref(), Some("grace@example.com"));

    client
        .create_contact_note()
        .id(&grace)
        .body(types::CreateNoteRequest {
            content: "Prefers mornings".into(),
            extra: Default::default(),
        })
        .send()
        .await
        .expect("create note");
    let notes = client
        .list_contact_notes()
        .id(&grace)
        .send()
        .await
        .expect("notes")
        .into_inner();
    assert_eq!(notes.data[0].content.as_deref(), Some("Prefers mornings"));
    let detail = client
        .get_contact_detail()
        .id(&grace)
        .send()
        .await
        .expect("detail")
        .into_inner();
    assert_eq!(detail.data.id, grace);
    let activities = client
        .get_contact_activities()
        .id(&grace)
        .send()
        .await
        .expect("activities");
    assert!(activities.data.len() >= 3);

    let deleted = client
        .bulk_delete_contacts()
        .body(types::BulkDeleteRequest {
            ids: vec![grace.clone()],
            extra: Default::default(),
        })
        .send()
        .await
        .expect("bulk delete")
        .into_inner();
    assert_eq!(deleted.data.and_then(|d| d.deleted_count), Some(1));
    assert!(
        client
            .get_contact()
            .id(&grace)
            .send()
            .await
            .unwrap_err()
            .is_not_found()
    );
    let left: Vec<types::Contact> = client
        .list_contacts()
        .stream()
        .try_collect()
        .await
        .expect("contacts");
    assert_eq!(left.len(), 4);
}
