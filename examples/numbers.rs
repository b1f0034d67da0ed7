//! Phone numbers: find one, buy it (getting the id a campaign needs), import a SIP number,
//! list what the account owns, and release.
//!
//! ```sh
//! cargo run --example numbers                        # the sandbox, unless RAVAN_API_KEY is set
//! RAVAN_API_KEY=... cargo run --example numbers -- US  # lists numbers you could buy, and yours
//! ```
//!
//! Against the real API it only reads: buying costs money.

#[path = "common/mod.rs"]
mod common;

use std::process::ExitCode;

use agni::{E164, prelude::*, types};
use common::{Example, Result, or_dash};

const USAGE: &str = "usage: cargo run --example numbers [-- [--sandbox] [ISO_COUNTRY]]";

fn main() -> ExitCode {
    common::run(USAGE, |example| async move {
        let country = example
            .args
            .first()
            .cloned()
            .unwrap_or_else(|| "US".to_owned());
        let available = example
            .client
            .list_available_numbers()
            .iso_country(&country)
            .send()
            .await?
            .into_inner()
            .data;
        println!("{} numbers available in {country}:", available.len());
        for number in available.iter().take(5) {
            println!(
                "  {} {} {}",
                or_dash(number.phone_number.as_deref()),
                or_dash(number.iso_country.as_deref()),
                or_dash(number.price)
            );
        }
        if example.in_sandbox() {
            let first = available
                .first()
                .and_then(|n| n.phone_number.as_deref())
                .ok_or("no number available")?;
            buy_import_release(&example, E164::parse(first)?).await?;
        }
        list_owned(&example).await
    })
}

async fn buy_import_release(example: &Example, number: E164) -> Result {
    let client = &example.client;
    let bought = client.buy_number(&number).send().await?;
    println!(
        "bought {number}: id {} (a campaign's phone_number_id), price {}",
        bought.number.id,
        or_dash(bought.purchase.price)
    );
    let imported = client
        .import_number("+44 20 7183 8750")
        .details(types::ImportPhoneNumberRequest {
            name: Some("London desk".into()),
            termination_uri: Some("sip.example.com".into()),
            ..Default::default()
        })
        .send()
        .await?
        .into_inner()
        .data;
    println!(
        "imported {} over SIP: id {}",
        or_dash(imported.phone.as_deref()),
        imported.id
    );
    list_owned(example).await?;
    client.release_number(&number).send().await?;
    client
        .delete_imported_phone_number()
        .id(&imported.id)
        .send()
        .await?;
    println!("released {number} and removed the SIP number");
    Ok(())
}

async fn list_owned(example: &Example) -> Result {
    let owned = example
        .client
        .list_purchased_numbers()
        .send()
        .await?
        .into_inner();
    println!("{} numbers owned:", owned.data.len());
    for number in &owned.data {
        println!("  {} {}", number.id, or_dash(number.number.as_deref()));
    }
    Ok(())
}
