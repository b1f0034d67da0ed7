//! [`Seed`]: what a sandbox starts with, and the default demo set (numbers for sale, voices).

use agni::types;

/// What a sandbox starts with.
///
/// [`Seed::default()`] is a small demo set: a few phone numbers available to buy in the US and
/// in the UK, and the voices of two LLM models ([`Seed::OPENAI_REALTIME_MODEL`] and
/// [`Seed::GEMINI_LIVE_MODEL`]) — no agents, contacts or anything else, so a test starts from a
/// clean organisation. [`Seed::empty()`] has nothing at all. Add to either with the `with_*`
/// methods; seeded agents, tools and contacts are created as if through the API (with fresh
/// UUIDv7 ids and timestamps), so list them to learn their ids.
///
/// ```
/// use agni_sandbox::Seed;
/// use agni::types::{CreateAgentRequest, CreateContactRequest};
///
/// # fn main() -> Result<(), agni::Error> {
/// let seed = Seed::default()
///     .with_agent(CreateAgentRequest {
///         agent_name: Some("Maya".into()),
///         begin_message: Some("Bella Cucina, this is Maya. How can I help?".into()),
///         ..Default::default()
///     })
///     .with_contact(CreateContactRequest {
///         first_name: Some("Ada".into()),
///         phone: Some("+14155550123".parse()?),
///         ..Default::default()
///     })
///     .with_available_number("US", "+13105550100");
/// assert_eq!(seed.agents.len(), 1);
/// assert!(seed.available_numbers.iter().any(|n| n.phone_number.as_deref() == Some("+13105550100")));
/// assert!(Seed::empty().available_numbers.is_empty());
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Seed {
    /// The organisation every resource belongs to (`organization_id`, the webhook's `org_id`).
    pub organization_id: String,
    /// Agents created at start, in order.
    pub agents: Vec<types::CreateAgentRequest>,
    /// Agent tools created at start, in order.
    pub tools: Vec<types::CreateAgentToolRequest>,
    /// Contacts created at start, in order.
    pub contacts: Vec<types::CreateContactRequest>,
    /// Numbers `list_available_numbers` offers (by `iso_country`) and `buy_phone_number` sells.
    pub available_numbers: Vec<types::PhoneNumber>,
    /// Voices `list_voices` answers, grouped by their `llm_model_id`; a model with no voice here
    /// is unknown (`404`).
    pub voices: Vec<types::Voice>,
}

impl Seed {
    /// The organisation id of [`Seed::default()`] and [`Seed::empty()`].
    pub const DEMO_ORGANIZATION_ID: &'static str = "0198f6a2-0000-7000-8000-000000000001";
    /// An LLM model of the default seed, with the voices Alloy, Echo and Shimmer.
    pub const OPENAI_REALTIME_MODEL: &'static str = "550e8400-e29b-41d4-a716-446655440000";
    /// An LLM model of the default seed, with the voices Puck, Kore and Charon.
    pub const GEMINI_LIVE_MODEL: &'static str = "0198f6a2-7a00-7000-8000-0000000000a2";

    /// A seed with nothing in it but the [demo organisation](Self::DEMO_ORGANIZATION_ID).
    ///
    /// ```
    /// let seed = agni_sandbox::Seed::empty();
    /// assert!(seed.voices.is_empty() && seed.agents.is_empty());
    /// ```
    pub fn empty() -> Self {
        Seed {
            organization_id: Self::DEMO_ORGANIZATION_ID.to_owned(),
            agents: Vec::new(),
            tools: Vec::new(),
            contacts: Vec::new(),
            available_numbers: Vec::new(),
            voices: Vec::new(),
        }
    }

    /// Uses another organisation id.
    ///
    /// ```
    /// let seed = agni_sandbox::Seed::default().with_organization_id("org-under-test");
    /// assert_eq!(seed.organization_id, "org-under-test");
    /// ```
    pub fn with_organization_id(mut self, organization_id: impl Into<String>) -> Self {
        self.organization_id = organization_id.into();
        self
    }

    /// Adds an agent, created at start as by `create_agent`.
    ///
    /// ```
    /// let seed = agni_sandbox::Seed::empty().with_agent(agni::types::CreateAgentRequest {
    ///     agent_name: Some("Receptionist".into()),
    ///     ..Default::default()
    /// });
    /// assert_eq!(seed.agents[0].agent_name.as_deref(), Some("Receptionist"));
    /// ```
    pub fn with_agent(mut self, agent: types::CreateAgentRequest) -> Self {
        self.agents.push(agent);
        self
    }

    /// Adds an agent tool, created at start as by `create_agent_tool`.
    ///
    /// ```
    /// let seed = agni_sandbox::Seed::empty().with_tool(agni::types::CreateAgentToolRequest {
    ///     name: Some("check_availability".into()),
    ///     type_: Some("webhook".into()),
    ///     ..Default::default()
    /// });
    /// assert_eq!(seed.tools.len(), 1);
    /// ```
    pub fn with_tool(mut self, tool: types::CreateAgentToolRequest) -> Self {
        self.tools.push(tool);
        self
    }

    /// Adds a contact, created at start as by `create_contact`.
    ///
    /// ```
    /// let seed = agni_sandbox::Seed::empty().with_contact(agni::types::CreateContactRequest {
    ///     email: Some("ada@example.com".into()),
    ///     ..Default::default()
    /// });
    /// assert_eq!(seed.contacts.len(), 1);
    /// ```
    pub fn with_contact(mut self, contact: types::CreateContactRequest) -> Self {
        self.contacts.push(contact);
        self
    }

    /// Offers `number` for sale in `iso_country` (e.g. `"US"`), at the demo prices ($1.15 a
    /// month, $0.0085 a minute inbound, $0.014 outbound). Push to
    /// [`available_numbers`](Self::available_numbers) for other prices.
    ///
    /// ```
    /// let seed = agni_sandbox::Seed::empty().with_available_number("GB", "+442079460999");
    /// assert_eq!(seed.available_numbers[0].iso_country.as_deref(), Some("GB"));
    /// ```
    pub fn with_available_number(
        mut self,
        iso_country: impl Into<String>,
        number: impl Into<String>,
    ) -> Self {
        self.available_numbers
            .push(demo_number(&iso_country.into(), &number.into()));
        self
    }

    /// Adds a voice; its `llm_model_id` says which model's list it appears in.
    ///
    /// ```
    /// let voice = agni::types::Voice::builder()
    ///     .id("nova")
    ///     .llm_model_id("my-model".to_owned())
    ///     .voice_name("Nova".to_owned());
    /// let seed = agni_sandbox::Seed::empty().with_voice(voice.try_into()?);
    /// assert_eq!(seed.voices.len(), 1);
    /// # Ok::<(), agni::types::error::ConversionError>(())
    /// ```
    pub fn with_voice(mut self, voice: types::Voice) -> Self {
        self.voices.push(voice);
        self
    }
}

impl Default for Seed {
    /// The demo set: US and UK numbers to buy, the voices of two LLM models, nothing else.
    fn default() -> Self {
        let numbers = [
            ("US", "+14155550100"),
            ("US", "+14155550101"),
            ("US", "+14155550102"),
            ("US", "+12125550100"),
            ("US", "+12125550101"),
            ("GB", "+442079460100"),
            ("GB", "+442079460101"),
            ("GB", "+441614960100"),
        ];
        let voices = [
            (
                Self::OPENAI_REALTIME_MODEL,
                "0198f6a2-7b00-7000-8000-000000000001",
                "Alloy",
                "alloy",
                "female",
            ),
            (
                Self::OPENAI_REALTIME_MODEL,
                "0198f6a2-7b00-7000-8000-000000000002",
                "Echo",
                "echo",
                "male",
            ),
            (
                Self::OPENAI_REALTIME_MODEL,
                "0198f6a2-7b00-7000-8000-000000000003",
                "Shimmer",
                "shimmer",
                "female",
            ),
            (
                Self::GEMINI_LIVE_MODEL,
                "0198f6a2-7b00-7000-8000-000000000004",
                "Puck",
                "Puck",
                "male",
            ),
            (
                Self::GEMINI_LIVE_MODEL,
                "0198f6a2-7b00-7000-8000-000000000005",
                "Kore",
                "Kore",
                "female",
            ),
            (
                Self::GEMINI_LIVE_MODEL,
                "0198f6a2-7b00-7000-8000-000000000006",
                "Charon",
                "Charon",
                "male",
            ),
        ];
        Seed {
            available_numbers: numbers
                .iter()
                .map(|(country, number)| demo_number(country, number))
                .collect(),
            voices: voices
                .iter()
                .map(|(model, id, name, real, gender)| types::Voice {
                    id: (*id).to_owned(),
                    llm_model_id: Some((*model).to_owned()),
                    voice_name: Some((*name).to_owned()),
                    real_voice_id: Some((*real).to_owned()),
                    real_voice_name: Some(real.to_lowercase()),
                    gender: Some((*gender).to_owned()),
                    language: Some("en".to_owned()),
                    img_url: Some(format!(
                        "https://cdn.ravan.ai/voices/{}.png",
                        real.to_lowercase()
                    )),
                    recording_url: Some(format!(
                        "https://cdn.ravan.ai/voices/{}.mp3",
                        real.to_lowercase()
                    )),
                    extra: Default::default(),
                })
                .collect(),
            ..Seed::empty()
        }
    }
}

fn demo_number(iso_country: &str, number: &str) -> types::PhoneNumber {
    types::PhoneNumber {
        iso_country: Some(iso_country.to_owned()),
        phone_number: Some(number.to_owned()),
        price: Some(1.15),
        per_minute_price_inbound: Some(0.0085),
        per_minute_price_outbound: Some(0.014),
        telephony_type: None,
        extra: Default::default(),
    }
}
