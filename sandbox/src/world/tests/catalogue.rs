//! The seed and the catalogue (numbers for sale, voices per model, the models with their
//! voices), seeded resources, the organisation's profile, health.

use super::*;

#[test]
fn default_seed_offers_numbers_per_country_and_voices_per_model() {
    let mut world = new_world(Seed::default());
    for (country, expected) in [("US", 5), ("us", 5), ("GB", 3), ("FR", 0)] {
        let list = ok_json(
            &mut world,
            request(
                "ListAvailableNumbers",
                &[("iso_country", country)],
                &[],
                Value::Null,
            ),
        );
        assert_eq!(
            list["data"].as_array().map(Vec::len),
            Some(expected),
            "{country}"
        );
    }
    let by_area = ok_json(
        &mut world,
        request(
            "ListAvailableNumbers",
            &[("iso_country", "US")],
            &[("region", "212")],
            Value::Null,
        ),
    );
    assert_eq!(by_area["data"].as_array().map(Vec::len), Some(2));
    let capped = ok_json(
        &mut world,
        request(
            "ListAvailableNumbers",
            &[("iso_country", "US")],
            &[("page_size", "2")],
            Value::Null,
        ),
    );
    assert_eq!(capped["data"].as_array().map(Vec::len), Some(2));

    let voices = ok_json(
        &mut world,
        request(
            "ListVoices",
            &[("llm_model_id", Seed::OPENAI_REALTIME_MODEL)],
            &[("limit", "2"), ("offset", "1")],
            Value::Null,
        ),
    );
    assert_eq!(voices["meta"], json!({"total": 3, "limit": 2, "offset": 1}));
    assert_eq!(voices["data"][0]["voice_name"], "Echo");
    let unknown = failure(
        &mut world,
        request(
            "ListVoices",
            &[("llm_model_id", "no-such-model")],
            &[],
            Value::Null,
        ),
    );
    assert!(matches!(unknown, Failure::NotFound(_)), "{unknown:?}");

    let empty = new_world(Seed::empty());
    assert!(empty.voices.is_empty() && empty.agents.len() == 0);
}

#[test]
fn seeded_resources_exist_and_seeded_numbers_are_normalised() {
    let seed = Seed::empty()
        .with_organization_id("org-7")
        .with_agent(agent_request("Maya"))
        .with_tool(types::CreateAgentToolRequest {
            name: Some("lookup".into()),
            ..Default::default()
        })
        .with_contact(contact_request("Ada", "+14155550123"))
        .with_available_number("US", "+1 (310) 555-0100");
    let mut world = new_world(seed);
    let agents = ok_json(&mut world, request("ListAgents", &[], &[], Value::Null));
    assert_eq!(agents["data"][0]["organization_id"], "org-7");
    let tools = ok_json(&mut world, request("ListAgentTools", &[], &[], Value::Null));
    assert_eq!(tools["meta"]["total"], 1);
    assert_eq!(contact_ids(&mut world).len(), 1);
    assert!(matches!(buy(&mut world, "+13105550100"), ApiReply::Json(_)));
}

#[test]
fn health_and_readiness() {
    let mut world = new_world(Seed::empty());
    let health = ok_json(&mut world, request("HealthCheck", &[], &[], Value::Null));
    assert_eq!(health["data"]["status"], "healthy");
    assert_eq!(health["data"]["service"], "agni-sandbox");
    let ready = ok_json(&mut world, request("ReadinessCheck", &[], &[], Value::Null));
    assert_eq!(ready["data"]["status"], "ready");
}

#[test]
fn models_come_with_their_voices_in_seed_order() {
    let mut world = new_world(Seed::default());
    let models = ok_json(
        &mut world,
        request("ListLlmModelsWithVoices", &[], &[], Value::Null),
    );
    assert_eq!(models["meta"]["total"], 2);
    assert_eq!(models["data"][0]["id"], Seed::OPENAI_REALTIME_MODEL);
    assert_eq!(models["data"][1]["id"], Seed::GEMINI_LIVE_MODEL);
    let voices: Vec<&str> = models["data"][1]["voices"]
        .as_array()
        .expect("voices")
        .iter()
        .filter_map(|voice| voice["voice_name"].as_str())
        .collect();
    assert_eq!(voices, ["Puck", "Kore", "Charon"]);
    let second = ok_json(
        &mut world,
        request(
            "ListLlmModelsWithVoices",
            &[],
            &[("limit", "1"), ("offset", "1")],
            Value::Null,
        ),
    );
    assert_eq!(second["data"][0]["id"], Seed::GEMINI_LIVE_MODEL);
    let none = ok_json(
        &mut new_world(Seed::empty()),
        request("ListLlmModelsWithVoices", &[], &[], Value::Null),
    );
    assert_eq!(none["data"], json!([]));
}

#[test]
fn the_organisation_profile_spends_credits_on_calls() {
    let mut world = demo_world();
    let profile = |world: &mut World| {
        ok_json(
            world,
            request("GetOrganizationProfile", &[("id", ORG)], &[], Value::Null),
        )["data"]
            .clone()
    };
    let before = profile(&mut world);
    assert_eq!(before["id"], ORG);
    assert_eq!(before["api_rate_limit"], 120);
    assert_eq!(before["total_credits"], before["max_credits"]);
    let agent = first_agent(&mut world);
    ok_json(
        &mut world,
        request(
            "CreateCall",
            &[],
            &[],
            json!({"type": "web_call", "agent_id": agent}),
        ),
    );
    let after = profile(&mut world);
    let spent = before["total_credits"].as_f64().unwrap_or_default()
        - after["total_credits"].as_f64().unwrap_or_default();
    assert!(spent > 0.0, "the call cost credits: {after}");
    let other = failure(
        &mut world,
        request(
            "GetOrganizationProfile",
            &[("id", "another-org")],
            &[],
            Value::Null,
        ),
    );
    assert!(matches!(other, Failure::NotFound(_)));
}
