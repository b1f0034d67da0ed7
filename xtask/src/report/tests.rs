//! Real upstream history: the older published spec (63 operations, with the GoHighLevel ones)
//! against the newest (`spec/upstream.json`, 72), in both directions, through `cargo xtask diff`.

use std::sync::OnceLock;

use crate::{report::Side, workspace::Workspace};

const OLDER: &str = "xtask/tests/fixtures/openapi.published-older-with-ghl.json";
const NEWEST: &str = "spec/upstream.json";

const ADDED: [(&str, &str); 18] = [
    (
        "AddContactsToCampaign",
        "POST /api/v1/campaigns/{id}/contacts",
    ),
    ("AddTwilioNumber", "POST /api/v1/phone-numbers/add-twilio"),
    ("CreateCampaign", "POST /api/v1/campaigns/"),
    (
        "CreateTelephonyType",
        "POST /api/v1/phone-numbers/create/telephony",
    ),
    ("DeleteCampaign", "DELETE /api/v1/campaigns/{id}"),
    (
        "DeleteImportedPhoneNumber",
        "DELETE /api/v1/phone-numbers/import/{id}",
    ),
    ("GetCampaign", "GET /api/v1/campaigns/{id}"),
    (
        "GetImportedPhoneNumber",
        "GET /api/v1/phone-numbers/import/{id}",
    ),
    (
        "GetSelectedTelephony",
        "GET /api/v1/phone-numbers/selected-telephony",
    ),
    (
        "ListCampaignContacts",
        "GET /api/v1/campaigns/{id}/contacts",
    ),
    ("ListCampaigns", "GET /api/v1/campaigns/"),
    (
        "ListImportedPhoneNumbers",
        "GET /api/v1/phone-numbers/import",
    ),
    ("PauseCampaign", "POST /api/v1/campaigns/{id}/pause"),
    (
        "RemoveContactFromCampaign",
        "DELETE /api/v1/campaigns/{id}/contacts/{contact_id}",
    ),
    ("ResumeCampaign", "POST /api/v1/campaigns/{id}/resume"),
    ("StartCampaign", "POST /api/v1/campaigns/{id}/start"),
    ("UpdateCampaign", "PATCH /api/v1/campaigns/{id}"),
    (
        "UpdateImportedPhoneNumber",
        "PUT /api/v1/phone-numbers/import/{id}",
    ),
];

const GHL: [&str; 9] = [
    "DisconnectGHL",
    "GHLOAuthAuthorize",
    "GHLOAuthCallback",
    "GHLSetupStatus",
    "GetGHLAgentByCalendar",
    "GetGHLAppointment",
    "ListGHLAppointments",
    "ListGHLCalendars",
    "ManageGHLAppointment",
];

/// Both documents, generated once for both tests: generating a side takes seconds.
fn sides() -> &'static (Side, Side) {
    static SIDES: OnceLock<(Side, Side)> = OnceLock::new();
    SIDES.get_or_init(|| {
        let workspace = Workspace::repository();
        let path = |p: &str| workspace.root().join(p).to_string_lossy().into_owned();
        workspace
            .sides(&path(OLDER), &path(NEWEST))
            .expect("both published documents generate")
    })
}

/// `cargo xtask diff` from one document to the other.
fn report(from: &Side, to: &Side) -> String {
    Workspace::repository()
        .compare(from, to)
        .expect("both published documents diff")
}

fn assert_has(report: &str, expected: &str) {
    assert!(
        report.contains(expected),
        "missing:\n{expected}\n--- in ---\n{report}"
    );
}

#[test]
fn older_to_newest_names_every_real_change_and_the_verdict() {
    let (older, newest) = sides();
    let report = report(older, newest);
    // What users see is additive: the overlay keeps everything upstream removed or moved.
    assert_has(
        &report,
        "**Verdict: compatible (additive).** Under the changelog policy this needs a PATCH release",
    );
    assert_has(&report, "## Operations: 18 added, 0 removed, 2 changed");
    for (id, route) in ADDED {
        assert_has(&report, &format!("- `{id}`: operation added (`{route}`)\n"));
    }
    // The changes `operations changed: 0` used to hide: response schemas behind a `$ref`.
    assert_has(
        &report,
        "- `HealthCheck` (`GET /health`) changed\n  \
         - through schema `HealthResponse` (below)\n\
         - `ReadinessCheck` (`GET /ready`) changed\n  \
         - through schema `ReadyResponse` (below)\n",
    );
    // The campaign schemas are new, not "changed from any": the overlay's documentation
    // actions do not create what they document.
    assert_has(&report, "## Schemas: 18 added, 0 removed, 2 changed");
    assert_has(
        &report,
        "- Added: `AddContactsRequest`, `AddTwilioNumberRequest`, `AddTwilioNumberResponse`, \
         `Campaign`, `CampaignContact`, `CampaignResponse`, `CampaignSchedule`, `CampaignStats`, \
         `CreateCampaignRequest`, `CreateTelephonyTypeRequest`, `CreateTelephonyTypeResponse`, \
         `DeleteImportedPhoneNumberResponse`, `GetSelectedTelephonyResponse`, \
         `ListCampaignContactsResponse`, `ListCampaignsResponse`, \
         `ListImportedPhoneNumbersResponse`, `UpdateCampaignRequest`, \
         `UpdateImportedPhoneNumberRequest`\n",
    );
    assert_has(
        &report,
        "### `HealthResponse` (compatible; used by `HealthCheck`)\n\n\
         - `data`: field added (object, optional)\n\
         - `message`: field added (string, optional)\n\
         - `success`: field added (boolean, optional)\n",
    );
    // Upstream dropped the GoHighLevel operations and moved the health fields under `data`; the
    // overlay restores both, so users keep them, and the report says so.
    assert_has(&report, "## Upstream changes absorbed by the overlay (20)");
    for id in GHL {
        assert_has(
            &report,
            &format!("- **breaking** `{id}`: operation removed ("),
        );
    }
    assert_has(&report, "- **breaking** `GHLAppointment`: schema removed");
    assert_has(
        &report,
        "- **breaking** `HealthResponse.service`: field removed (was string; now at `data.service`)",
    );
    assert_has(
        &report,
        "## Overlay actions matching nothing in the old document (30)",
    );
    assert_has(
        &report,
        "`$.paths['/api/v1/campaigns/{id}/contacts'].post.responses['200']`",
    );
    assert_has(
        &report,
        "`$.components.schemas at /components/schemas/Campaign`",
    );
    // The generated Rust API agrees.
    assert_has(
        &report,
        "5189 public items before, 5953 after: 0 removed, 0 changed signature, 764 added.",
    );
    assert_has(
        &report,
        "- `ClientCampaignServiceExt::list_campaigns`: `fn list_campaigns(&self) -> builder::ListCampaigns<'_>`",
    );
    // And the changelog draft says it for users.
    assert_has(
        &report,
        "- Operation `ListCampaigns` (`GET /api/v1/campaigns/`): `client.list_campaigns()`.\n",
    );
}

#[test]
fn newest_to_older_is_the_mirror_image() {
    let (older, newest) = sides();
    let report = report(newest, older);
    assert_has(&report, "**Verdict: breaking.**");
    assert_has(&report, "## Operations: 0 added, 18 removed, 2 changed");
    for (id, route) in ADDED {
        assert_has(
            &report,
            &format!("- **breaking** `{id}`: operation removed (`{route}`)\n"),
        );
    }
    assert_has(&report, "## Schemas: 0 added, 18 removed, 2 changed");
    assert_has(
        &report,
        "### `HealthResponse` (breaking; used by `HealthCheck`)\n\n\
         - **breaking** `data`: field removed (was object)\n\
         - **breaking** `message`: field removed (was string)\n\
         - **breaking** `success`: field removed (was boolean)\n",
    );
    for id in GHL {
        assert_has(&report, &format!("- `{id}`: operation added ("));
    }
    // The overlay's campaign corrections have nothing to correct in the older document.
    assert_has(
        &report,
        "- **30 overlay action(s) match nothing in the new document**",
    );
    assert_has(
        &report,
        "## Overlay actions matching nothing in the new document (30)",
    );
    assert_has(
        &report,
        "Fields removed:\n\n- `types::AddContactsRequest.contact_ids`: `Vec<String>`\n",
    );
    assert_has(
        &report,
        "- **Breaking:** Operation `ListCampaigns` (`GET /api/v1/campaigns/`): `client.list_campaigns()` is gone.",
    );
}
