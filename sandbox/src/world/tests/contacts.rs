//! Contacts: search, paging, updates, notes and what is derived about them.

use super::*;

#[test]
fn contacts_search_page_update_and_notes() {
    let mut world = demo_world();
    let page = ok_json(
        &mut world,
        request(
            "ListContacts",
            &[],
            &[("limit", "2"), ("offset", "2")],
            Value::Null,
        ),
    );
    assert_eq!(page["meta"], json!({"total": 3, "limit": 2, "offset": 2}));
    assert_eq!(page["data"][0]["first_name"], "Alan");
    for (needle, expected) in [
        ("grace", 1),
        ("LOVELACE", 3),
        ("0124", 1),
        ("@example", 3),
        ("zzz", 0),
    ] {
        let found = ok_json(
            &mut world,
            request("ListContacts", &[], &[("search", needle)], Value::Null),
        );
        assert_eq!(found["meta"]["total"], expected, "{needle}");
    }
    let ids = contact_ids(&mut world);
    let updated = ok_json(
        &mut world,
        request(
            "UpdateContact",
            &[("id", &ids[0])],
            &[],
            json!({"company": "Analytical Engines"}),
        ),
    );
    assert_eq!(updated["data"]["company"], "Analytical Engines");
    assert_eq!(updated["data"]["first_name"], "Ada");

    let note = ok_json(
        &mut world,
        request(
            "CreateContactNote",
            &[("id", &ids[0])],
            &[],
            json!({"content": "Prefers mornings"}),
        ),
    );
    assert_eq!(note["data"]["content"], "Prefers mornings");
    let notes = ok_json(
        &mut world,
        request("ListContactNotes", &[("id", &ids[0])], &[], Value::Null),
    );
    assert_eq!(notes["data"].as_array().map(Vec::len), Some(1));
    let activities = ok_json(
        &mut world,
        request("GetContactActivities", &[("id", &ids[0])], &[], Value::Null),
    );
    assert_eq!(activities["data"][0]["type"], "note", "newest first");
    assert_eq!(activities["data"][0]["description"], "Note added");
    assert_eq!(activities["data"][1]["type"], "contact");
    let detail = ok_json(
        &mut world,
        request("GetContactDetail", &[("id", &ids[0])], &[], Value::Null),
    );
    // Flat: the contact's own fields beside its call totals.
    assert_eq!(detail["data"]["id"], ids[0].as_str());
    assert_eq!(detail["data"]["company"], "Analytical Engines");
    assert_eq!(detail["data"]["total_calls"], 0);
    assert!(detail["data"].get("campaigns").is_none(), "in no campaign");

    let empty = failure(&mut world, request("CreateContact", &[], &[], json!({})));
    assert!(matches!(empty, Failure::InvalidArgument(_)));
    let deleted = ok_json(
        &mut world,
        request(
            "BulkDeleteContacts",
            &[],
            &[],
            json!({"ids": [ids[1], ids[2], "unknown"]}),
        ),
    );
    assert_eq!(deleted["data"]["deleted_count"], 2);
    assert_eq!(
        world.handle(&request(
            "DeleteContact",
            &[("id", &ids[0])],
            &[],
            Value::Null
        )),
        ApiReply::Empty
    );
    let gone = failure(
        &mut world,
        request("ListContactNotes", &[("id", &ids[0])], &[], Value::Null),
    );
    assert!(matches!(gone, Failure::NotFound(_)));
}
