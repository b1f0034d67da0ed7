//! The organisation's profile (`GetOrganizationProfile`): a fixed sandbox plan whose credits
//! go down as calls spend them.

use chrono::{Datelike, NaiveDate};
use serde_json::json;

use super::{ApiRequest, Handled, World, not_found, now, ok};
use agni::types;

/// The credit allowance of the sandbox plan each billing period.
const PLAN_CREDITS: f64 = 10_000.0;
/// The sandbox plan's limits.
const MAX_AGENTS: i32 = 100;
const MAX_CONCURRENCY: i32 = 10;
const MAX_MEMBERS: i32 = 25;
/// Requests per rate-limit window (the value seen on real organisations).
const API_RATE_LIMIT: i32 = 120;

impl World {
    /// The profile of the sandbox's organisation; any other id is unknown (`404`).
    pub(super) fn organization_profile(&mut self, r: &ApiRequest) -> Handled {
        let id = r.path_param("id");
        if id != self.org_id {
            return Err(not_found("organization", id));
        }
        let spent: f64 = self
            .calls
            .rows
            .values()
            .filter_map(|call| call.detail.credit_breakdown.as_ref()?.total_credits)
            .sum();
        // The billing period ends at the start of next month.
        let today = now().date_naive();
        let (year, month) = match today.month() {
            12 => (today.year() + 1, 1),
            month => (today.year(), month + 1),
        };
        let period_end = NaiveDate::from_ymd_opt(year, month, 1)
            .and_then(|day| day.and_hms_opt(0, 0, 0))
            .map(|time| time.and_utc().into());
        let profile = types::OrganizationProfile {
            id: self.org_id.clone(),
            name: Some("Sandbox organisation".into()),
            slug: Some("sandbox".into()),
            website: Some("https://example.com".into()),
            status: Some("active".into()),
            plan_name: Some("Sandbox".into()),
            sub_status: Some("active".into()),
            region_id: Some("local".into()),
            can_use_api: Some(true),
            can_record_calls: Some(true),
            api_rate_limit: Some(API_RATE_LIMIT),
            max_agents: Some(MAX_AGENTS),
            max_concurrency: Some(MAX_CONCURRENCY),
            max_members: Some(MAX_MEMBERS),
            max_credits: Some(PLAN_CREDITS),
            total_credits: Some(((PLAN_CREDITS - spent) * 100.0).round() / 100.0),
            extra_credit_price: Some(0.012),
            period_end,
            limits: json!({
                "max_agents": MAX_AGENTS,
                "max_concurrency": MAX_CONCURRENCY,
                "max_members": MAX_MEMBERS,
                "api_rate_limit": API_RATE_LIMIT,
            })
            .as_object()
            .cloned()
            .unwrap_or_default(),
            extra: Default::default(),
        };
        ok("organization profile fetched", profile)
    }
}
