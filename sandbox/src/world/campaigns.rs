//! Campaigns: CRUD, their contacts, and the state machine
//! `draft` → `running` (start) ⇄ `paused` (pause, resume), `running` → `completed` once every
//! contact has been called. Any other transition is a `422` (FailedPrecondition).
//!
//! A running campaign dials after each request (see the [world's docs](super)):
//! `schedule.max_concurrent` contacts at a time (default 1), from its `from_phone_number`. A
//! contact without a phone number fails without a call; every call placed succeeds.

use serde_json::json;

use super::{
    ApiReply, ApiRequest, Failure, Handled, Paging, World, decode, e164, new_id, normalize_e164,
    not_found, ok, ok_page, patch, stamp,
};
use agni::types::{self, CampaignContactStatus as Member, CampaignStatus as Status};

#[derive(Debug, Clone)]
pub(super) struct CampaignRow {
    pub(super) campaign: types::Campaign,
    pub(super) contacts: Vec<types::CampaignContact>,
}

impl CampaignRow {
    fn count(&self, status: &Member) -> i64 {
        self.contacts
            .iter()
            .filter(|c| c.status.as_ref() == Some(status))
            .count() as i64
    }

    /// The campaign with up-to-date `contact_stats`.
    fn view(&self) -> types::Campaign {
        let mut campaign = self.campaign.clone();
        let (successful, failed, no_answer) = (
            self.count(&Member::Successful),
            self.count(&Member::Failed),
            self.count(&Member::NoAnswer),
        );
        campaign.contact_stats = Some(types::CampaignStats {
            total: Some(self.contacts.len() as i64),
            pending: Some(self.count(&Member::Pending)),
            in_progress: Some(self.count(&Member::InProgress)),
            successful: Some(successful),
            failed: Some(failed),
            no_answer: Some(no_answer),
            contacted: Some(successful + failed + no_answer),
            extra: Default::default(),
        });
        campaign
    }
}

/// A state-machine request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Transition {
    Start,
    Pause,
    Resume,
}

impl Transition {
    /// The status this transition leaves, and the one it reaches.
    fn edge(self) -> (Status, Status) {
        match self {
            Transition::Start => (Status::Draft, Status::Running),
            Transition::Pause => (Status::Running, Status::Paused),
            Transition::Resume => (Status::Paused, Status::Running),
        }
    }

    fn verb(self) -> &'static str {
        match self {
            Transition::Start => "started",
            Transition::Pause => "paused",
            Transition::Resume => "resumed",
        }
    }
}

fn status_of(campaign: &types::Campaign) -> Status {
    campaign.status.clone().unwrap_or(Status::Draft)
}

impl World {
    fn campaign_row(&self, id: &str) -> Result<&CampaignRow, Failure> {
        self.campaigns
            .get(id)
            .ok_or_else(|| not_found("campaign", id))
    }

    fn campaign_row_mut(&mut self, id: &str) -> Result<&mut CampaignRow, Failure> {
        self.campaigns
            .get_mut(id)
            .ok_or_else(|| not_found("campaign", id))
    }

    /// A campaign member for the contact `id`.
    fn member(&self, contact_id: &str) -> Result<types::CampaignContact, Failure> {
        let contact = self.contact(contact_id)?;
        Ok(types::CampaignContact {
            id: new_id(),
            contact_id: Some(contact_id.to_owned()),
            name: super::contacts::full_name(contact),
            email: contact.email.clone(),
            phone: contact.phone.clone(),
            status: Some(Member::Pending),
            attempt_count: Some(0),
            call_duration_sec: None,
            call_session_id: None,
            error_message: None,
            last_attempted_at: None,
            next_retry_at: None,
            tags: Vec::new(),
            extra: Default::default(),
        })
    }

    /// Checks the sending number: owned by the organisation; `phone_number_id` (an id or the
    /// number itself) must name the same number. Returns the normalised number and its id.
    fn campaign_line(
        &self,
        from: &str,
        phone_number_id: &str,
    ) -> Result<(String, String), Failure> {
        let from = e164(from, "from_phone_number")?;
        let Some((id, number)) = self.phone.resolve(&from).filter(|_| self.phone.owns(&from))
        else {
            return Err(Failure::FailedPrecondition(format!(
                "from_phone_number {from} is not a number of this organisation; buy or import it first"
            )));
        };
        let given = phone_number_id.trim();
        if !given.is_empty()
            && given != id
            && normalize_e164(given).as_deref() != Some(number.as_str())
        {
            return match self.phone.resolve(given) {
                Some(_) => Err(Failure::InvalidArgument(format!(
                    "phone_number_id {given:?} is not the number {from}"
                ))),
                None => Err(not_found("phone number", given)),
            };
        }
        Ok((number, id))
    }

    /// Notes on each new member's timeline that it joined the campaign `name`.
    fn record_joined(&mut self, members: &[types::CampaignContact], name: &str) {
        for contact_id in members.iter().filter_map(|m| m.contact_id.as_deref()) {
            self.record_activity(contact_id, "campaign", format!("Added to campaign {name}"));
        }
    }

    pub(super) fn list_campaigns(&mut self, r: &ApiRequest) -> Handled {
        let status = r.query.get("status").filter(|s| !s.is_empty());
        let campaigns: Vec<types::Campaign> = self
            .campaigns
            .values()
            .filter(|row| status.is_none_or(|s| status_of(&row.campaign).to_string() == *s))
            .map(CampaignRow::view)
            .collect();
        ok_page("campaigns fetched successfully", campaigns, Paging::of(r))
    }

    pub(super) fn create_campaign(&mut self, r: &ApiRequest) -> Handled {
        let request: types::CreateCampaignRequest = decode(&r.body)?;
        super::required(Some(request.name.as_str()), "name")?;
        self.agent(&request.agent_id)?;
        let (from, line_id) =
            self.campaign_line(request.from_phone_number.as_str(), &request.phone_number_id)?;
        let mut members: Vec<types::CampaignContact> = Vec::new();
        for contact_id in &request.contact_ids {
            if !members
                .iter()
                .any(|m| m.contact_id.as_deref() == Some(contact_id))
            {
                members.push(self.member(contact_id)?);
            }
        }
        let id = new_id();
        let stamp = stamp();
        let campaign = types::Campaign {
            id: id.clone(),
            organization_id: Some(self.org_id.clone()),
            name: Some(request.name.clone()),
            agent_id: Some(request.agent_id),
            from_phone_number: Some(from),
            phone_number_id: Some(line_id),
            schedule: Some(request.schedule.unwrap_or_else(default_schedule)),
            status: Some(Status::Draft),
            execution_status: Some("idle".into()),
            created_at: Some(stamp),
            updated_at: Some(stamp),
            completed_at: None,
            contact_stats: None,
            outbound_max_concurrent: None,
            outbound_max_cps: None,
            started_at: None,
            extra: Default::default(),
        };
        self.record_joined(&members, &request.name);
        self.campaigns.insert(
            id.clone(),
            CampaignRow {
                campaign,
                contacts: members,
            },
        );
        ok(
            "campaign created successfully",
            self.campaign_row(&id)?.view(),
        )
    }

    pub(super) fn get_campaign(&mut self, r: &ApiRequest) -> Handled {
        ok(
            "campaign fetched successfully",
            self.campaign_row(r.path_param("id"))?.view(),
        )
    }

    pub(super) fn update_campaign(&mut self, r: &ApiRequest) -> Handled {
        let id = r.path_param("id");
        let row = self.campaign_row(id)?;
        if status_of(&row.campaign) == Status::Completed {
            return Err(Failure::FailedPrecondition(format!(
                "campaign {id:?} is completed"
            )));
        }
        let request: types::UpdateCampaignRequest = decode(&r.body)?;
        if let Some(agent_id) = &request.agent_id {
            self.agent(agent_id)?;
        }
        let mut updated = patch::<_, types::UpdateCampaignRequest>(&row.campaign, &r.body, &[])?;
        if request.from_phone_number.is_some() || request.phone_number_id.is_some() {
            // A new `phone_number_id` alone moves the campaign to that number.
            let from = match (&request.from_phone_number, &request.phone_number_id) {
                (None, Some(line)) => self
                    .phone
                    .resolve(line)
                    .map(|(_, number)| number)
                    .ok_or_else(|| not_found("phone number", line))?,
                _ => updated.from_phone_number.clone().unwrap_or_default(),
            };
            let (from, line_id) = self.campaign_line(
                &from,
                request.phone_number_id.as_deref().unwrap_or_default(),
            )?;
            updated.from_phone_number = Some(from);
            updated.phone_number_id = Some(line_id);
        }
        updated.updated_at = Some(stamp());
        self.campaign_row_mut(id)?.campaign = updated;
        ok(
            "campaign updated successfully",
            self.campaign_row(id)?.view(),
        )
    }

    pub(super) fn delete_campaign(&mut self, r: &ApiRequest) -> Handled {
        let id = r.path_param("id");
        if status_of(&self.campaign_row(id)?.campaign) == Status::Running {
            return Err(Failure::FailedPrecondition(format!(
                "campaign {id:?} is running; pause it before deleting it"
            )));
        }
        self.campaigns.remove(id);
        Ok(ApiReply::Empty)
    }

    pub(super) fn list_campaign_contacts(&mut self, r: &ApiRequest) -> Handled {
        let row = self.campaign_row(r.path_param("id"))?;
        ok_page(
            "campaign contacts fetched successfully",
            row.contacts.clone(),
            Paging::of(r),
        )
    }

    pub(super) fn add_contacts_to_campaign(&mut self, r: &ApiRequest) -> Handled {
        let id = r.path_param("id");
        let request: types::AddContactsRequest = decode(&r.body)?;
        let row = self.campaign_row(id)?;
        if status_of(&row.campaign) == Status::Completed {
            return Err(Failure::FailedPrecondition(format!(
                "campaign {id:?} is completed; create a new one"
            )));
        }
        let mut added = Vec::new();
        for contact_id in &request.contact_ids {
            let present = row
                .contacts
                .iter()
                .chain(&added)
                .any(|m| m.contact_id.as_deref() == Some(contact_id));
            if !present {
                added.push(self.member(contact_id)?);
            }
        }
        let count = added.len();
        let name = row.campaign.name.clone().unwrap_or_default();
        self.record_joined(&added, &name);
        let row = self.campaign_row_mut(id)?;
        row.contacts.extend(added);
        row.campaign.updated_at = Some(stamp());
        Ok(ApiReply::Json(json!({
            "success": true,
            "message": format!("{count} contacts added to campaign"),
            "added_count": count,
        })))
    }

    pub(super) fn remove_contact_from_campaign(&mut self, r: &ApiRequest) -> Handled {
        let id = r.path_param("id");
        let contact_id = r.path_param("contact_id");
        let row = self.campaign_row_mut(id)?;
        let index = row
            .contacts
            .iter()
            .position(|m| m.contact_id.as_deref() == Some(contact_id) || m.id == contact_id)
            .ok_or_else(|| not_found("campaign contact", contact_id))?;
        row.contacts.remove(index);
        row.campaign.updated_at = Some(stamp());
        Ok(ApiReply::Empty)
    }

    pub(super) fn transition_campaign(
        &mut self,
        r: &ApiRequest,
        transition: Transition,
    ) -> Handled {
        let id = r.path_param("id");
        let row = self.campaign_row_mut(id)?;
        let (from, to) = transition.edge();
        let current = status_of(&row.campaign);
        if current != from {
            return Err(Failure::FailedPrecondition(format!(
                "campaign {id:?} is {current}; only a {from} campaign can be {}",
                transition.verb()
            )));
        }
        let stamp = stamp();
        if transition == Transition::Start {
            row.campaign.started_at = Some(stamp);
        }
        row.campaign.execution_status = Some(
            match to {
                Status::Running => "queued",
                _ => "paused",
            }
            .into(),
        );
        row.campaign.status = Some(to);
        row.campaign.updated_at = Some(stamp);
        ok(
            &format!("campaign {} successfully", transition.verb()),
            row.view(),
        )
    }

    /// The dialler's step after each request: running campaigns call their next contacts, and
    /// finish when nobody is left to call.
    pub(super) fn advance_campaigns(&mut self) {
        for id in self.campaigns.ids() {
            let Some(row) = self.campaigns.get_mut(&id) else {
                continue;
            };
            if status_of(&row.campaign) != Status::Running {
                continue;
            }
            let busy = row.count(&Member::InProgress);
            let pending = row.count(&Member::Pending);
            if busy == 0 && pending == 0 {
                let stamp = stamp();
                row.campaign.status = Some(Status::Completed);
                row.campaign.execution_status = Some("completed".into());
                row.campaign.completed_at = Some(stamp);
                row.campaign.updated_at = Some(stamp);
                continue;
            }
            let capacity = row
                .campaign
                .schedule
                .as_ref()
                .and_then(|s| s.max_concurrent)
                .filter(|&n| n > 0)
                .unwrap_or(1);
            let slots = usize::try_from((capacity - busy).max(0)).unwrap_or(0);
            let agent_id = row.campaign.agent_id.clone().unwrap_or_default();
            let from = row.campaign.from_phone_number.clone();
            row.campaign.execution_status = Some("dialing".into());
            let due: Vec<usize> = row
                .contacts
                .iter()
                .enumerate()
                .filter(|(_, m)| m.status == Some(Member::Pending))
                .map(|(i, _)| i)
                .take(slots)
                .collect();
            for index in due {
                self.dial(&id, index, &agent_id, from.clone());
            }
        }
    }

    /// Calls member `index` of campaign `id`.
    fn dial(&mut self, id: &str, index: usize, agent_id: &str, from: Option<String>) {
        let Some(member) = self
            .campaigns
            .get(id)
            .and_then(|row| row.contacts.get(index))
            .cloned()
        else {
            return;
        };
        let phone = member.phone.as_deref().and_then(normalize_e164);
        let session = phone.clone().map(|to| {
            self.place_call(super::calls::NewCall {
                agent_id: agent_id.to_owned(),
                channel: "outbound_call",
                caller_number: from,
                callee_number: Some(to),
                campaign_id: Some(id.to_owned()),
                contact_id: member.contact_id.clone(),
                ..Default::default()
            })
        });
        let Some(member) = self
            .campaigns
            .get_mut(id)
            .and_then(|row| row.contacts.get_mut(index))
        else {
            return;
        };
        member.attempt_count = Some(member.attempt_count.unwrap_or(0) + 1);
        member.last_attempted_at = Some(stamp());
        match session {
            Some(session) => {
                member.status = Some(Member::InProgress);
                member.call_session_id = Some(session);
            }
            None => {
                member.status = Some(Member::Failed);
                member.error_message = Some("the contact has no valid phone number".into());
            }
        }
    }

    /// Records the end of a campaign call.
    pub(super) fn campaign_call_ended(&mut self, id: &str, session_id: &str, duration: i32) {
        let Some(row) = self.campaigns.get_mut(id) else {
            return;
        };
        if let Some(member) = row
            .contacts
            .iter_mut()
            .find(|m| m.call_session_id.as_deref() == Some(session_id))
        {
            member.status = Some(Member::Successful);
            member.call_duration_sec = Some(i64::from(duration));
        }
        row.campaign.updated_at = Some(stamp());
    }
}

fn default_schedule() -> types::CampaignSchedule {
    types::CampaignSchedule {
        timezone: Some("UTC".into()),
        window_start: Some("09:00".into()),
        window_end: Some("17:00".into()),
        window_days: vec![1, 2, 3, 4, 5],
        max_concurrent: Some(1),
        retry_attempts: Some(0),
        retry_gap_min: Some(60),
        start: None,
        end: None,
        extra: Default::default(),
    }
}
