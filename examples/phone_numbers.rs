//! Finds an available US number, buys it, and lists the numbers you own.
//!
//! ```sh
//! export RAVAN_API_KEY=...
//! cargo run --example phone_numbers -- US          # list what could be bought, buy nothing
//! cargo run --example phone_numbers -- US --buy    # buy the first one (this costs money)
//! ```

use std::process::ExitCode;

use agni::{E164, prelude::*};

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let country = args.next().unwrap_or_else(|| "US".to_owned());
    let buy = args.any(|arg| arg == "--buy");
    let client = agni::Client::from_env()?;

    let available: Vec<_> = client
        .list_available_numbers()
        .iso_country(&country)
        .stream()
        .try_collect()
        .await?;
    for number in available.iter().take(5) {
        println!(
            "available: {} at {:?}/month",
            number.phone_number.as_deref().unwrap_or("?"),
            number.price
        );
    }
    if buy {
        // Validate before spending: an invalid number is refused without a request.
        let Some(first) = available.first().and_then(|n| n.phone_number.as_deref()) else {
            return Err(format!("no number available in {country}").into());
        };
        let number = E164::parse(first)?;
        let bought = client.buy_number(&number).send().await?;
        println!("bought {number}: {:?}", bought.data);
    }
    let mut owned = std::pin::pin!(client.list_purchased_numbers().stream());
    while let Some(number) = owned.try_next().await? {
        println!(
            "owned: {} ({})",
            number.number.as_deref().unwrap_or("?"),
            number.friendly_name.as_deref().unwrap_or("")
        );
    }
    Ok(())
}
