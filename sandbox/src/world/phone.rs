//! Phone numbers: the numbers for sale, bought, imported (SIP) and connected from Twilio, and
//! the organisation's telephony provider.
//!
//! Rules: a number is bought only while it is offered (`404` otherwise) and only once (`409`);
//! releasing a bought number offers it again; a number already bought or imported cannot be
//! imported (`409`). Outbound calls and campaigns dial only from a bought (active) or imported
//! number.

use serde_json::{Value, json};

use super::{
    ApiReply, ApiRequest, Failure, Handled, Table, World, decode, e164, iso, new_id,
    normalize_e164, not_found, now, ok, patch, required, spread, stamp,
};
use agni::types;

/// Every number the organisation can see.
#[derive(Debug, Default)]
pub(super) struct Numbers {
    /// For sale, in seed order.
    available: Vec<types::PhoneNumber>,
    /// Bought or connected from Twilio, by id.
    pub(super) purchased: Table<types::PurchasedNumber>,
    /// Imported SIP numbers, by id.
    pub(super) imported: Table<types::ImportedPhoneNumber>,
    /// The telephony provider set with `CreateTelephonyType`.
    telephony: Option<types::CreateTelephonyTypeResponseData>,
    /// Credentials given with `CreateTelephonyType` (the last four characters are shown back).
    credentials: Option<(String, String)>,
}

impl Numbers {
    /// The numbers on sale, normalised to E.164 where they can be (a seed may spell them
    /// `+1 (415) 555-0100`), so that buying the normalised number finds them.
    pub(super) fn new(mut available: Vec<types::PhoneNumber>) -> Self {
        for number in &mut available {
            if let Some(normal) = number.phone_number.as_deref().and_then(normalize_e164) {
                number.phone_number = Some(normal);
            }
        }
        Numbers {
            available,
            ..Numbers::default()
        }
    }

    fn purchased_by_number(&self, number: &str) -> Option<&types::PurchasedNumber> {
        self.purchased
            .values()
            .find(|n| n.number.as_deref() == Some(number))
    }

    fn imported_by_number(&self, number: &str) -> Option<&types::ImportedPhoneNumber> {
        self.imported
            .values()
            .find(|n| n.phone.as_deref() == Some(number))
    }

    /// Whether the organisation may dial from `number`: bought and active, or imported.
    pub(super) fn owns(&self, number: &str) -> bool {
        let number = normalize_e164(number).unwrap_or_else(|| number.to_owned());
        self.purchased_by_number(&number)
            .is_some_and(|n| n.is_active != Some(false))
            || self.imported_by_number(&number).is_some()
    }

    /// The id of an owned number given by id or by the number itself, with the number.
    pub(super) fn resolve(&self, id_or_number: &str) -> Option<(String, String)> {
        let purchased = self
            .purchased
            .values()
            .find(|n| n.id == id_or_number || n.number.as_deref() == Some(id_or_number));
        if let Some(n) = purchased {
            return Some((n.id.clone(), n.number.clone()?));
        }
        let imported = self
            .imported
            .values()
            .find(|n| n.id == id_or_number || n.phone.as_deref() == Some(id_or_number))?;
        Some((imported.id.clone(), imported.phone.clone()?))
    }
}

fn region_of(number: &str) -> Option<String> {
    let national = number.strip_prefix("+1")?;
    national.get(..3).map(str::to_owned)
}

fn last_four(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    chars[chars.len().saturating_sub(4)..].iter().collect()
}

impl World {
    pub(super) fn list_available_numbers(&mut self, r: &ApiRequest) -> Handled {
        let country = r.path_param("iso_country");
        let region = r.query.get("region").map(|region| region.trim().to_owned());
        let page_size = r
            .query_number("page_size")
            .and_then(|n| usize::try_from(n).ok())
            .filter(|&n| n > 0)
            .unwrap_or(usize::MAX);
        let numbers: Vec<&types::PhoneNumber> = self
            .phone
            .available
            .iter()
            .filter(|n| {
                n.iso_country
                    .as_deref()
                    .is_some_and(|c| c.eq_ignore_ascii_case(country))
            })
            .filter(|n| match (&region, n.phone_number.as_deref()) {
                (Some(region), Some(number)) if !region.is_empty() => {
                    // A region is an area code (`415`) or the digits a number starts with.
                    let digits = region.trim_start_matches('+');
                    number.get(1..).is_some_and(|n| n.starts_with(digits))
                        || region_of(number).as_deref() == Some(digits)
                }
                _ => true,
            })
            .take(page_size)
            .collect();
        ok("available numbers fetched successfully", numbers)
    }

    pub(super) fn buy_phone_number(&mut self, r: &ApiRequest) -> Handled {
        let request: types::BuyPhoneNumberRequest = decode(&r.body)?;
        let number = required(
            request.phone_number.as_ref().map(agni::E164::as_str),
            "phone_number",
        )?
        .to_owned();
        if self.phone.purchased_by_number(&number).is_some()
            || self.phone.imported_by_number(&number).is_some()
        {
            return Err(Failure::Conflict(format!(
                "phone number {number} is already owned by this organisation"
            )));
        }
        let index = self
            .phone
            .available
            .iter()
            .position(|n| n.phone_number.as_deref() == Some(number.as_str()))
            .ok_or_else(|| {
                Failure::NotFound(format!("phone number {number} is not available to buy"))
            })?;
        let offered = self.phone.available.remove(index);
        let stamp = stamp();
        let id = new_id();
        let price = request.price.or(offered.price);
        let purchased = types::PurchasedNumber {
            id: id.clone(),
            number: Some(number.clone()),
            friendly_name: Some(number.clone()),
            iso_country: offered.iso_country.clone(),
            region: region_of(&number),
            is_active: Some(true),
            price,
            per_minute_price_inbound: request
                .per_minute_price_inbound
                .or(offered.per_minute_price_inbound),
            per_minute_price_outbound: request
                .per_minute_price_outbound
                .or(offered.per_minute_price_outbound),
            telephony_id: Some("agni-managed".into()),
            inbound_trunk_id: Some(format!("ST_{:012x}", spread(&id, 1 << 48))),
            outbound_trunk_id: Some(format!("ST_{:012x}", spread(&number, 1 << 48))),
            subscription_id: Some(format!("sub_{:016x}", spread(&id, u64::MAX))),
            created_at: Some(stamp),
            updated_at: Some(stamp),
            extra: Default::default(),
        };
        self.phone.purchased.insert(id, purchased);
        ok(
            "phone number purchased successfully",
            types::PurchasedPhoneNumber {
                phone_number: Some(number),
                price,
                purchased_at: Some(stamp),
                status: Some("active".into()),
                extra: Default::default(),
            },
        )
    }

    pub(super) fn list_purchased_numbers(&mut self, r: &ApiRequest) -> Handled {
        let country = r.query.get("iso_country").filter(|c| !c.is_empty());
        let region = r.query.get("region").filter(|c| !c.is_empty());
        let active = r
            .query
            .get("is_active")
            .and_then(|a| a.parse::<bool>().ok());
        let numbers: Vec<&types::PurchasedNumber> = self
            .phone
            .purchased
            .values()
            .filter(|n| {
                country.is_none_or(|c| {
                    n.iso_country
                        .as_deref()
                        .is_some_and(|nc| nc.eq_ignore_ascii_case(c))
                })
            })
            .filter(|n| region.is_none_or(|r| n.region.as_deref() == Some(r.as_str())))
            .filter(|n| active.is_none_or(|a| n.is_active.unwrap_or(true) == a))
            .collect();
        ok("purchased numbers fetched successfully", numbers)
    }

    pub(super) fn release_phone_number(&mut self, r: &ApiRequest) -> Handled {
        let number = e164(r.path_param("phone_number"), "phone_number")?;
        let id = self
            .phone
            .purchased_by_number(&number)
            .map(|n| n.id.clone())
            .ok_or_else(|| {
                Failure::NotFound(format!(
                    "phone number {number} was not bought by this organisation (imported numbers are removed with DeleteImportedPhoneNumber)"
                ))
            })?;
        if let Some(released) = self.phone.purchased.remove(&id) {
            // Bought numbers go back on sale; numbers connected from Twilio stay the customer's.
            if released.telephony_id.as_deref() == Some("agni-managed") {
                self.phone.available.push(types::PhoneNumber {
                    iso_country: released.iso_country,
                    phone_number: released.number,
                    price: released.price,
                    per_minute_price_inbound: released.per_minute_price_inbound,
                    per_minute_price_outbound: released.per_minute_price_outbound,
                    telephony_type: None,
                    extra: Default::default(),
                });
            }
        }
        ok(
            "phone number released successfully",
            json!({"phone_number": number, "released_at": iso(now()), "status": "released"}),
        )
    }

    pub(super) fn import_phone_number(&mut self, r: &ApiRequest) -> Handled {
        let request: types::ImportPhoneNumberRequest = decode(&r.body)?;
        let number = required(request.phone.as_ref().map(agni::E164::as_str), "phone")?.to_owned();
        if self.phone.owns(&number) || self.phone.imported_by_number(&number).is_some() {
            return Err(Failure::Conflict(format!(
                "phone number {number} is already owned by this organisation"
            )));
        }
        let id = new_id();
        let imported = types::ImportedPhoneNumber {
            id: id.clone(),
            name: request.name.or_else(|| Some(number.clone())),
            phone: Some(number),
            sip_username: request.sip_username,
            sip_password: request.sip_password,
            termination_uri: request.termination_uri,
            type_: request.type_.or_else(|| Some("sip".into())),
            status: Some("active".into()),
            created_at: Some(stamp()),
            extra: request.extra,
        };
        self.phone.imported.insert(id, imported.clone());
        ok("phone number imported successfully", imported)
    }

    fn imported(&self, id: &str) -> Result<&types::ImportedPhoneNumber, Failure> {
        self.phone
            .imported
            .get(id)
            .ok_or_else(|| not_found("imported phone number", id))
    }

    pub(super) fn list_imported_numbers(&mut self, _r: &ApiRequest) -> Handled {
        let numbers: Vec<_> = self.phone.imported.values().collect();
        ok("imported phone numbers fetched successfully", numbers)
    }

    pub(super) fn get_imported_number(&mut self, r: &ApiRequest) -> Handled {
        ok(
            "imported phone number fetched successfully",
            self.imported(r.path_param("id"))?,
        )
    }

    pub(super) fn update_imported_number(&mut self, r: &ApiRequest) -> Handled {
        let id = r.path_param("id");
        let updated =
            patch::<_, types::UpdateImportedPhoneNumberRequest>(self.imported(id)?, &r.body, &[])?;
        self.phone.imported.insert(id.to_owned(), updated);
        ok(
            "imported phone number updated successfully",
            self.imported(id)?,
        )
    }

    pub(super) fn delete_imported_number(&mut self, r: &ApiRequest) -> Handled {
        let id = r.path_param("id");
        self.phone
            .imported
            .remove(id)
            .ok_or_else(|| not_found("imported phone number", id))?;
        ok(
            "imported phone number deleted successfully",
            json!({"id": id}),
        )
    }

    pub(super) fn create_telephony_type(&mut self, r: &ApiRequest) -> Handled {
        let request: types::CreateTelephonyTypeRequest = decode(&r.body)?;
        let kind = required(Some(&request.type_), "type")?.to_lowercase();
        required(Some(&request.owner_type), "owner_type")?;
        required(Some(&request.friendly_name), "friendly_name")?;
        let id = new_id();
        let sip = kind == "sip";
        let telephony = types::CreateTelephonyTypeResponseData {
            id: id.clone(),
            type_: Some(kind),
            owner_type: Some(request.owner_type),
            friendly_name: Some(request.friendly_name),
            status: Some("active".into()),
            created_at: Some(stamp()),
            sip_username: sip.then(|| format!("agni-{}", &id[id.len() - 8..])),
            sip_password: sip.then(|| format!("{:016x}", spread(&id, u64::MAX))),
            termination_uri: sip.then(|| "sip.sandbox.agni.invalid".to_owned()),
            extra: Default::default(),
        };
        self.phone.credentials = Some((
            request.client_id.unwrap_or_default(),
            request.client_secret.unwrap_or_default(),
        ));
        self.phone.telephony = Some(telephony.clone());
        ok("telephony created successfully", telephony)
    }

    pub(super) fn get_selected_telephony(&mut self, _r: &ApiRequest) -> Handled {
        let data = match (&self.phone.telephony, &self.phone.credentials) {
            (Some(telephony), Some((sid, secret))) => json!({
                "provider": telephony.type_,
                "owner_type": telephony.owner_type,
                "last_four_sid": last_four(sid),
                "last_four_auth": last_four(secret),
            }),
            // Until one is configured, numbers are Agni's own (bought through the API).
            _ => json!({"provider": "twilio", "owner_type": "agni"}),
        };
        ok("selected telephony fetched successfully", data)
    }

    pub(super) fn add_twilio_number(&mut self, r: &ApiRequest) -> Handled {
        let request: types::AddTwilioNumberRequest = decode(&r.body)?;
        let number = request.phone_number.to_string();
        required(Some(&request.number_sid), "number_sid")?;
        if self.phone.owns(&number) {
            return Err(Failure::Conflict(format!(
                "phone number {number} is already owned by this organisation"
            )));
        }
        let id = new_id();
        let stamp = stamp();
        let added = types::PurchasedNumber {
            id: id.clone(),
            friendly_name: request.friendly_name.or_else(|| Some(number.clone())),
            iso_country: request.iso_country,
            region: request.region.or_else(|| region_of(&number)),
            number: Some(number),
            is_active: Some(true),
            price: request.price,
            per_minute_price_inbound: request.per_minute_price_inbound,
            per_minute_price_outbound: request.per_minute_price_outbound,
            telephony_id: self
                .phone
                .telephony
                .as_ref()
                .map(|t| t.id.clone())
                .or_else(|| Some("twilio".into())),
            subscription_id: Some(request.number_sid),
            inbound_trunk_id: None,
            outbound_trunk_id: None,
            created_at: Some(stamp),
            updated_at: Some(stamp),
            extra: request.extra,
        };
        self.phone.purchased.insert(id, added.clone());
        ok("twilio number added successfully", added)
    }

    /// The numbers of the connected Twilio account: two demo numbers once a Twilio telephony is
    /// configured, plus the ones already added.
    pub(super) fn list_twilio_owned_numbers(&mut self, _r: &ApiRequest) -> Handled {
        let twilio = self
            .phone
            .telephony
            .as_ref()
            .is_some_and(|t| t.type_.as_deref() == Some("twilio"));
        let mut numbers: Vec<Value> = Vec::new();
        if twilio {
            for (i, number) in ["+14155550190", "+14155550191"].into_iter().enumerate() {
                numbers.push(json!({
                    "phone_number": number,
                    "friendly_name": format!("Twilio line {}", i + 1),
                    "sid": format!("PN{:032x}", spread(number, u64::MAX)),
                    "status": "in-use",
                    "voice": true,
                    "sms": true,
                    "mms": false,
                    "date_created": "2025-01-15T09:00:00Z",
                }));
            }
        }
        for added in self.phone.purchased.values() {
            let number = added.number.clone().unwrap_or_default();
            let known = numbers.iter().any(|n| n["phone_number"] == number.as_str());
            if added.telephony_id.as_deref() != Some("agni-managed") && !known {
                numbers.push(json!({
                    "phone_number": number,
                    "friendly_name": added.friendly_name,
                    "sid": added.subscription_id,
                    "status": "in-use",
                    "voice": true,
                    "sms": true,
                    "mms": false,
                    "date_created": added.created_at,
                }));
            }
        }
        Ok(ApiReply::Json(json!({
            "success": true,
            "message": "twilio numbers fetched successfully",
            "data": numbers,
        })))
    }
}
