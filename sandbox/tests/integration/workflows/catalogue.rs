//! The catalogue (voices per model) and health.

use super::*;

#[tokio::test]
async fn voices() {
    let sandbox = start(Seed::default()).await;
    let client = sandbox.client();
    let voices: Vec<types::Voice> = client
        .list_voices()
        .llm_model_id(Seed::OPENAI_REALTIME_MODEL)
        .stream_pages_of(2)
        .try_collect()
        .await
        .expect("voices");
    let names: Vec<_> = voices
        .iter()
        .filter_map(|v| v.voice_name.as_deref())
        .collect();
    assert_eq!(names, ["Alloy", "Echo", "Shimmer"]);
    let gemini = client
        .list_voices()
        .llm_model_id(Seed::GEMINI_LIVE_MODEL)
        .send()
        .await
        .expect("voices");
    assert_eq!(gemini.meta.as_ref().and_then(|m| m.total), Some(3));
    assert!(
        client
            .list_voices()
            .llm_model_id("unknown-model")
            .send()
            .await
            .unwrap_err()
            .is_not_found()
    );

    let custom = Sandbox::builder()
        .seed(
            Seed::empty().with_voice(
                types::Voice::builder()
                    .id("voice-nova")
                    .llm_model_id("m-1".to_owned())
                    .voice_name("Nova".to_owned())
                    .try_into()
                    .expect("a voice with an id"),
            ),
        )
        .start()
        .await
        .expect("the sandbox starts");
    let only = custom
        .client()
        .list_voices()
        .llm_model_id("m-1")
        .send()
        .await
        .expect("voices");
    assert_eq!(only.data.len(), 1);
}

#[tokio::test]
async fn health() {
    let sandbox = start(Seed::empty()).await;
    let client = sandbox.client();
    let health = client
        .health_check()
        .send()
        .await
        .expect("health")
        .into_inner();
    let data = health.data.expect("data");
    assert_eq!(data.status.as_deref(), Some("healthy"));
    assert_eq!(data.service.as_deref(), Some("agni-sandbox"));
    assert!(data.time.is_some());
    let ready = client
        .readiness_check()
        .send()
        .await
        .expect("ready")
        .into_inner();
    assert_eq!(ready.data.and_then(|d| d.status).as_deref(), Some("ready"));
}

#[tokio::test]
async fn models_with_voices_and_the_organisation_profile() {
    let sandbox = start(Seed::default()).await;
    let client = sandbox.client();
    let models = client
        .list_llm_models_with_voices()
        .limit(100)
        .offset(0)
        .send()
        .await
        .expect("models")
        .into_inner();
    assert_eq!(models.meta.and_then(|m| m.total), Some(2));
    let ids: Vec<_> = models
        .data
        .iter()
        .filter_map(|m| m["id"].as_str())
        .collect();
    assert_eq!(ids, [Seed::OPENAI_REALTIME_MODEL, Seed::GEMINI_LIVE_MODEL]);
    assert_eq!(models.data[0]["voices"][0]["voice_name"], "Alloy");

    let profile = client
        .get_organization_profile()
        .id(Seed::DEMO_ORGANIZATION_ID)
        .send()
        .await
        .expect("the profile")
        .into_inner()
        .data
        .expect("data");
    assert_eq!(profile.id, Seed::DEMO_ORGANIZATION_ID);
    assert_eq!(profile.can_use_api, Some(true));
    assert_eq!(profile.total_credits, profile.max_credits, "no call yet");
    assert!(
        client
            .get_organization_profile()
            .id("another-organisation")
            .send()
            .await
            .unwrap_err()
            .is_not_found()
    );
}
