//! Phone numbers: buying, releasing, importing, telephony.

use super::*;

#[tokio::test]
async fn phone_numbers() {
    let sandbox = start(Seed::default()).await;
    let client = sandbox.client();

    let available = client
        .list_available_numbers()
        .iso_country("US")
        .send()
        .await
        .expect("available numbers")
        .into_inner()
        .data;
    assert!(available.len() >= 3);
    assert!(
        available
            .iter()
            .all(|n| n.iso_country.as_deref() == Some("US"))
    );
    let number = available[0].phone_number.clone().expect("a number");

    let bought = client
        .buy_number(number.as_str())
        .send()
        .await
        .expect("buy");
    assert_eq!(
        bought.purchase.phone_number.as_deref(),
        Some(number.as_str())
    );
    assert_eq!(bought.number.number.as_deref(), Some(number.as_str()));
    assert_eq!(
        api_error(client.buy_number(number.as_str()).send().await),
        (409, symbolic("CONFLICT"))
    );
    assert_eq!(
        api_error(client.buy_number("+12125550199").send().await),
        (404, symbolic("NOT_FOUND")),
        "not on sale"
    );

    // An invalid number never leaves the machine.
    let before = sandbox.requests_for("BuyPhoneNumber");
    let invalid = client
        .buy_number("555-0100")
        .send()
        .await
        .expect_err("not E.164");
    assert!(
        matches!(invalid.kind(), ErrorKind::InvalidRequest { .. }),
        "{invalid:#}"
    );
    let refused = client
        .release_number("+1 415 CALL NOW")
        .send()
        .await
        .expect_err("not E.164");
    assert!(
        matches!(refused.kind(), ErrorKind::InvalidRequest { .. }),
        "{refused:#}"
    );
    assert_eq!(sandbox.requests_for("BuyPhoneNumber"), before);
    assert_eq!(sandbox.requests_for("ReleasePhoneNumber"), 0);

    let purchased = client
        .list_purchased_numbers()
        .send()
        .await
        .expect("purchased")
        .into_inner()
        .data;
    assert_eq!(purchased.len(), 1);
    assert_eq!(purchased[0].number.as_deref(), Some(number.as_str()));
    assert_eq!(purchased[0].is_active, Some(true));
    let still_available: Vec<types::PhoneNumber> = client
        .list_available_numbers()
        .iso_country("US")
        .stream()
        .try_collect()
        .await
        .expect("available");
    assert!(
        still_available
            .iter()
            .all(|n| n.phone_number.as_deref() != Some(number.as_str()))
    );

    let released = client
        .release_number(number.as_str())
        .send()
        .await
        .expect("release")
        .into_inner();
    assert_eq!(
        released.data.as_ref().and_then(|d| d.status.as_deref()),
        Some("released")
    );
    assert!(
        client
            .list_purchased_numbers()
            .send()
            .await
            .expect("purchased")
            .data
            .is_empty()
    );
    assert!(
        client
            .release_number(number.as_str())
            .send()
            .await
            .unwrap_err()
            .is_not_found()
    );

    // A SIP number imported from elsewhere.
    let imported = client
        .import_number("+44 20 7183 8750")
        .details(types::ImportPhoneNumberRequest {
            name: Some("London desk".into()),
            termination_uri: Some("sip.example.com".into()),
            ..Default::default()
        })
        .send()
        .await
        .expect("import")
        .into_inner()
        .data;
    assert_eq!(imported.phone.as_deref(), Some("+442071838750"));
    let listed = client
        .list_imported_phone_numbers()
        .send()
        .await
        .expect("imported list");
    assert_eq!(listed.data.len(), 1);
    let uk = client
        .list_available_numbers()
        .iso_country("GB")
        .send()
        .await
        .expect("GB numbers");
    assert!(!uk.data.is_empty());
}
