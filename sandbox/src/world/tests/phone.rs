//! Phone numbers: buying while offered and only once, releasing, importing, and numbers that
//! must be valid for their country wherever the service checks them.

use super::*;

#[test]
fn a_number_is_bought_only_while_available_and_only_once() {
    let mut world = new_world(Seed::default());
    let ApiReply::Json(bought) = buy(&mut world, "+1 (415) 555-0100") else {
        panic!("buying an available number succeeds");
    };
    assert_eq!(bought["data"]["phone_number"], "+14155550100");
    assert_eq!(bought["data"]["status"], "active");

    assert!(matches!(
        buy(&mut world, "+14155550100"),
        ApiReply::Failure(Failure::Conflict(_))
    ));
    assert!(matches!(
        buy(&mut world, "+14155559999"),
        ApiReply::Failure(Failure::NotFound(_))
    ));
    assert!(matches!(
        buy(&mut world, "not a number"),
        ApiReply::Failure(Failure::InvalidArgument(_))
    ));
    assert!(matches!(
        world.handle(&request("BuyPhoneNumber", &[], &[], json!({}))),
        ApiReply::Failure(Failure::InvalidArgument(_))
    ));

    let available = ok_json(
        &mut world,
        request(
            "ListAvailableNumbers",
            &[("iso_country", "US")],
            &[],
            Value::Null,
        ),
    );
    assert!(
        !available.to_string().contains("+14155550100"),
        "no longer for sale"
    );
    let purchased = ok_json(
        &mut world,
        request("ListPurchasedNumbers", &[], &[], Value::Null),
    );
    assert_eq!(purchased["data"][0]["number"], "+14155550100");
    assert_eq!(purchased["data"][0]["iso_country"], "US");
    assert_eq!(purchased["data"][0]["is_active"], true);
    let filtered = ok_json(
        &mut world,
        request(
            "ListPurchasedNumbers",
            &[],
            &[("iso_country", "GB")],
            Value::Null,
        ),
    );
    assert_eq!(filtered["data"], json!([]));

    let released = ok_json(
        &mut world,
        request(
            "ReleasePhoneNumber",
            &[("phone_number", "+14155550100")],
            &[],
            Value::Null,
        ),
    );
    assert_eq!(released["data"]["status"], "released");
    let again = failure(
        &mut world,
        request(
            "ReleasePhoneNumber",
            &[("phone_number", "+14155550100")],
            &[],
            Value::Null,
        ),
    );
    assert!(matches!(again, Failure::NotFound(_)));
    assert!(
        matches!(buy(&mut world, "+14155550100"), ApiReply::Json(_)),
        "on sale again"
    );
}

#[test]
fn imported_numbers_are_owned_and_conflict_with_bought_ones() {
    let mut world = new_world(Seed::default());
    assert!(matches!(
        buy(&mut world, "+442079460100"),
        ApiReply::Json(_)
    ));
    let conflict = failure(
        &mut world,
        request(
            "ImportPhoneNumber",
            &[],
            &[],
            json!({"phone": "+442079460100"}),
        ),
    );
    assert!(matches!(conflict, Failure::Conflict(_)));

    let imported = ok_json(
        &mut world,
        request(
            "ImportPhoneNumber",
            &[],
            &[],
            json!({"phone": "+12137774445", "name": "Front desk", "termination_uri": "sip.example.com"}),
        ),
    );
    let id = text(&imported["data"]["id"]);
    assert!(world.phone.owns("+12137774445"));
    let updated = ok_json(
        &mut world,
        request(
            "UpdateImportedPhoneNumber",
            &[("id", &id)],
            &[],
            json!({"name": "Reception"}),
        ),
    );
    assert_eq!(updated["data"]["name"], "Reception");
    assert_eq!(updated["data"]["termination_uri"], "sip.example.com");
    let list = ok_json(
        &mut world,
        request("ListImportedPhoneNumbers", &[], &[], Value::Null),
    );
    assert_eq!(list["data"].as_array().map(Vec::len), Some(1));
    ok_json(
        &mut world,
        request(
            "DeleteImportedPhoneNumber",
            &[("id", &id)],
            &[],
            Value::Null,
        ),
    );
    assert!(!world.phone.owns("+12137774445"));
}

#[test]
fn numbers_are_valid_for_their_country_or_a_400_names_the_field() {
    let mut world = demo_world();
    let agent = first_agent(&mut world);
    // E.164 in shape, but +1 999 is no North American area code, and +44 20 needs 10 digits.
    for number in ["+19995550100", "+44207946010"] {
        let Failure::InvalidArgument(message) = failure(
            &mut world,
            request(
                "BuyPhoneNumber",
                &[],
                &[],
                json!({ "phone_number": number }),
            ),
        ) else {
            panic!("{number} is refused as invalid");
        };
        assert!(message.contains("\"phone_number\""), "{message}");
        assert!(message.contains(number), "{message}");
    }
    let import = failure(
        &mut world,
        request(
            "ImportPhoneNumber",
            &[],
            &[],
            json!({"phone": "+1 999 555 0100"}),
        ),
    );
    assert!(
        matches!(&import, Failure::InvalidArgument(m) if m.contains("\"phone\"")),
        "{import:?}"
    );
    assert!(matches!(buy(&mut world, "+14155550100"), ApiReply::Json(_)));
    let call = failure(
        &mut world,
        request(
            "CreateCall",
            &[],
            &[],
            json!({"type": "outbound_call", "agent_id": agent,
                   "from_phone_number": "+14155550100", "to_phone_number": "+19995550123"}),
        ),
    );
    assert!(
        matches!(&call, Failure::InvalidArgument(m) if m.contains("\"to_phone_number\"")),
        "{call:?}"
    );
    let release = failure(
        &mut world,
        request(
            "ReleasePhoneNumber",
            &[("phone_number", "+1999")],
            &[],
            Value::Null,
        ),
    );
    assert!(
        matches!(release, Failure::InvalidArgument(_)),
        "{release:?}"
    );
}
