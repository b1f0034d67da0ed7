//! Contacts, their notes, and what the API derives about them (calls, call stats, campaigns,
//! activity).

use serde_json::{Value, json};

use super::{
    ApiReply, ApiRequest, Failure, Handled, Paging, Table, World, contains_ci, decode, new_id,
    not_found, ok, ok_page, patch, stamp,
};
use agni::types;

#[derive(Debug, Default)]
pub(super) struct Contacts {
    pub(super) rows: Table<types::Contact>,
    notes: Vec<Note>,
    activities: Vec<Activity>,
}

#[derive(Debug, Clone)]
struct Note {
    id: String,
    contact_id: String,
    content: String,
    created_at: agni::Timestamp,
}

impl Note {
    fn view(&self) -> types::ContactNote {
        types::ContactNote {
            id: self.id.clone(),
            contact_id: Some(self.contact_id.clone()),
            content: Some(self.content.clone()),
            created_at: Some(self.created_at),
            extra: Default::default(),
        }
    }
}

/// One line of a contact's timeline.
#[derive(Debug, Clone)]
struct Activity {
    contact_id: String,
    /// `contact`, `call`, `note` or `campaign`.
    kind: &'static str,
    description: String,
    at: agni::Timestamp,
}

/// `first last`, or whichever of the two is set.
pub(super) fn full_name(contact: &types::Contact) -> Option<String> {
    let name = [contact.first_name.as_deref(), contact.last_name.as_deref()]
        .into_iter()
        .flatten()
        .filter(|part| !part.trim().is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    (!name.is_empty()).then_some(name)
}

impl World {
    pub(super) fn insert_contact(&mut self, request: types::CreateContactRequest) -> String {
        let id = new_id();
        let stamp = stamp();
        let contact = types::Contact {
            id: id.clone(),
            first_name: request.first_name,
            last_name: request.last_name,
            email: request.email,
            phone: request.phone.map(String::from),
            company: request.company,
            metadata: request.metadata,
            created_at: Some(stamp),
            updated_at: Some(stamp),
            extra: request.extra,
        };
        self.contacts.rows.insert(id.clone(), contact);
        self.record_activity(&id, "contact", "Contact created".into());
        id
    }

    pub(super) fn contact(&self, id: &str) -> Result<&types::Contact, Failure> {
        self.contacts
            .rows
            .get(id)
            .ok_or_else(|| not_found("contact", id))
    }

    /// The contact whose phone is `number`, if any.
    pub(super) fn contact_by_phone(&self, number: &str) -> Option<&types::Contact> {
        let wanted = super::normalize_e164(number)?;
        self.contacts.rows.values().find(|c| {
            c.phone
                .as_deref()
                .and_then(super::normalize_e164)
                .is_some_and(|phone| phone == wanted)
        })
    }

    /// Adds a line to the contact's timeline: `kind` is `contact`, `call`, `note` or
    /// `campaign`.
    pub(super) fn record_activity(
        &mut self,
        contact_id: &str,
        kind: &'static str,
        description: String,
    ) {
        self.contacts.activities.push(Activity {
            contact_id: contact_id.to_owned(),
            kind,
            description,
            at: stamp(),
        });
    }

    pub(super) fn list_contacts(&mut self, r: &ApiRequest) -> Handled {
        let search = r
            .query
            .get("search")
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty());
        let contacts: Vec<&types::Contact> = self
            .contacts
            .rows
            .values()
            .filter(|c| {
                let Some(needle) = search.as_deref() else {
                    return true;
                };
                contains_ci(full_name(c).as_deref(), needle)
                    || contains_ci(c.email.as_deref(), needle)
                    || contains_ci(c.phone.as_deref(), needle)
                    || contains_ci(c.company.as_deref(), needle)
            })
            .collect();
        ok_page("contacts fetched successfully", contacts, Paging::of(r))
    }

    pub(super) fn create_contact(&mut self, r: &ApiRequest) -> Handled {
        let request: types::CreateContactRequest = decode(&r.body)?;
        let blank = |v: &Option<String>| v.as_deref().is_none_or(|v| v.trim().is_empty());
        if blank(&request.first_name)
            && blank(&request.last_name)
            && blank(&request.email)
            && request.phone.is_none()
        {
            return Err(Failure::InvalidArgument(
                "a contact needs a name, an email or a phone number".into(),
            ));
        }
        let id = self.insert_contact(request);
        ok("contact created successfully", self.contact(&id)?)
    }

    pub(super) fn get_contact(&mut self, r: &ApiRequest) -> Handled {
        ok(
            "contact fetched successfully",
            self.contact(r.path_param("id"))?,
        )
    }

    pub(super) fn update_contact(&mut self, r: &ApiRequest) -> Handled {
        let id = r.path_param("id");
        let mut updated =
            patch::<_, types::UpdateContactRequest>(self.contact(id)?, &r.body, &["metadata"])?;
        updated.updated_at = Some(stamp());
        self.contacts.rows.insert(id.to_owned(), updated);
        self.record_activity(id, "contact", "Contact updated".into());
        ok("contact updated successfully", self.contact(id)?)
    }

    fn remove_contact(&mut self, id: &str) -> bool {
        let removed = self.contacts.rows.remove(id).is_some();
        if removed {
            self.contacts.notes.retain(|n| n.contact_id != id);
            self.contacts.activities.retain(|a| a.contact_id != id);
        }
        removed
    }

    pub(super) fn delete_contact(&mut self, r: &ApiRequest) -> Handled {
        let id = r.path_param("id");
        if !self.remove_contact(id) {
            return Err(not_found("contact", id));
        }
        Ok(ApiReply::Empty)
    }

    pub(super) fn bulk_delete_contacts(&mut self, r: &ApiRequest) -> Handled {
        let request: types::BulkDeleteRequest = decode(&r.body)?;
        if request.ids.is_empty() {
            return Err(Failure::InvalidArgument("ids must not be empty".into()));
        }
        let deleted = request
            .ids
            .iter()
            .filter(|id| self.remove_contact(id))
            .count();
        ok(
            "contacts deleted successfully",
            json!({"deleted_count": deleted}),
        )
    }

    /// The contact's calls, newest first.
    fn calls_of(&self, contact_id: &str) -> Vec<types::ContactCall> {
        self.calls
            .of_contact(contact_id)
            .map(|call| types::ContactCall {
                call_session_id: Some(call.detail.id.clone()),
                agent_name: call.detail.agent_name.clone(),
                channel: call.detail.channel.clone(),
                status: call.detail.status.clone(),
                duration_sec: call.detail.duration_sec,
                started_at: call.detail.started_at,
                sentiment: call
                    .detail
                    .post_call_analysis_result
                    .get("sentiment")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                extra: Default::default(),
            })
            .collect()
    }

    fn call_stats_of(&self, contact_id: &str) -> types::ContactCallStats {
        let calls: Vec<_> = self.calls.of_contact(contact_id).collect();
        let share = |status: &str| {
            let count = calls
                .iter()
                .filter(|c| c.detail.status.as_deref() == Some(status))
                .count();
            let pct = 100.0 * count as f64 / calls.len().max(1) as f64;
            (pct * 10.0).round() / 10.0
        };
        let total_duration: i64 = calls
            .iter()
            .filter_map(|c| c.detail.duration_sec)
            .map(i64::from)
            .sum();
        let total = calls.len() as i64;
        types::ContactCallStats {
            total_calls: Some(total),
            total_duration_sec: Some(total_duration),
            avg_duration_sec: Some(if total == 0 {
                0
            } else {
                total_duration / total
            }),
            completed_pct: Some(share("completed")),
            failed_pct: Some(share("failed")),
            no_answer_pct: Some(share("no_answer")),
            last_call_at: calls.first().and_then(|c| c.detail.started_at),
            extra: Default::default(),
        }
    }

    /// The campaigns the contact is in, with the contact's progress in each.
    fn campaigns_of(&self, contact_id: &str) -> Vec<types::ContactCampaign> {
        self.campaigns
            .values()
            .filter_map(|row| {
                let member = row
                    .contacts
                    .iter()
                    .find(|c| c.contact_id.as_deref() == Some(contact_id))?;
                Some(types::ContactCampaign {
                    campaign_id: Some(row.campaign.id.clone()),
                    name: row.campaign.name.clone(),
                    status: member.status.as_ref().map(ToString::to_string),
                    last_attempt_at: member.last_attempted_at,
                    extra: Default::default(),
                })
            })
            .collect()
    }

    fn notes_of(&self, contact_id: &str) -> Vec<types::ContactNote> {
        self.contacts
            .notes
            .iter()
            .rev()
            .filter(|n| n.contact_id == contact_id)
            .map(Note::view)
            .collect()
    }

    /// The contact, flat, with its call totals and the names of its campaigns.
    pub(super) fn contact_detail(&mut self, r: &ApiRequest) -> Handled {
        let id = r.path_param("id");
        let contact = self.contact(id)?;
        let stats = self.call_stats_of(id);
        let seconds = stats.total_duration_sec.unwrap_or(0);
        let detail = types::ContactDetail {
            id: contact.id.clone(),
            first_name: contact.first_name.clone(),
            last_name: contact.last_name.clone(),
            email: contact.email.clone(),
            phone: contact.phone.clone(),
            company: contact.company.clone(),
            created_at: contact.created_at,
            total_calls: stats.total_calls,
            total_minutes: Some((seconds as f64 / 60.0 * 100.0).round() / 100.0),
            last_call_at: stats.last_call_at,
            campaigns: self
                .campaigns_of(id)
                .into_iter()
                .filter_map(|campaign| campaign.name)
                .collect(),
            extra: Default::default(),
        };
        ok("contact detail fetched successfully", detail)
    }

    pub(super) fn contact_calls(&mut self, r: &ApiRequest) -> Handled {
        let id = r.path_param("id");
        self.contact(id)?;
        ok("contact calls fetched successfully", self.calls_of(id))
    }

    pub(super) fn contact_call_stats(&mut self, r: &ApiRequest) -> Handled {
        let id = r.path_param("id");
        self.contact(id)?;
        ok(
            "contact call stats fetched successfully",
            self.call_stats_of(id),
        )
    }

    pub(super) fn contact_campaigns(&mut self, r: &ApiRequest) -> Handled {
        let id = r.path_param("id");
        self.contact(id)?;
        ok(
            "contact campaigns fetched successfully",
            self.campaigns_of(id),
        )
    }

    pub(super) fn contact_activities(&mut self, r: &ApiRequest) -> Handled {
        let id = r.path_param("id");
        self.contact(id)?;
        let activities: Vec<types::ContactActivity> = self
            .contacts
            .activities
            .iter()
            .rev()
            .filter(|a| a.contact_id == id)
            .map(|a| types::ContactActivity {
                type_: Some(a.kind.to_owned()),
                description: Some(a.description.clone()),
                timestamp: Some(a.at),
                extra: Default::default(),
            })
            .collect();
        ok("contact activities fetched successfully", activities)
    }

    pub(super) fn list_contact_notes(&mut self, r: &ApiRequest) -> Handled {
        let id = r.path_param("id");
        self.contact(id)?;
        ok("notes fetched successfully", self.notes_of(id))
    }

    pub(super) fn create_contact_note(&mut self, r: &ApiRequest) -> Handled {
        let id = r.path_param("id");
        self.contact(id)?;
        let request: types::CreateNoteRequest = decode(&r.body)?;
        let content = super::required(Some(&request.content), "content")?.to_owned();
        let note = Note {
            id: new_id(),
            contact_id: id.to_owned(),
            content,
            created_at: stamp(),
        };
        let view = note.view();
        self.record_activity(id, "note", "Note added".into());
        self.contacts.notes.push(note);
        ok("note created successfully", view)
    }
}
