//! Contacts, their notes, and what the API derives about them (calls, call stats, campaigns,
//! activity).

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::{
    ApiReply, ApiRequest, Failure, Handled, Paging, Table, World, contains_ci, decode, iso, new_id,
    not_found, now, ok, ok_page, patch, stamp,
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
    created_at: DateTime<Utc>,
}

impl Note {
    fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "contact_id": self.contact_id,
            "content": self.content,
            "created_at": iso(self.created_at),
            "updated_at": iso(self.created_at),
        })
    }
}

/// One line of a contact's timeline.
#[derive(Debug, Clone)]
struct Activity {
    id: String,
    contact_id: String,
    kind: &'static str,
    description: String,
    reference_id: Option<String>,
    created_at: DateTime<Utc>,
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
            phone: request.phone,
            company: request.company,
            metadata: request.metadata,
            created_at: Some(stamp),
            updated_at: Some(stamp),
            extra: request.extra,
        };
        self.contacts.rows.insert(id.clone(), contact);
        self.record_activity(&id, "contact_created", "Contact created".into(), None);
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

    pub(super) fn record_activity(
        &mut self,
        contact_id: &str,
        kind: &'static str,
        description: String,
        reference_id: Option<String>,
    ) {
        self.contacts.activities.push(Activity {
            id: new_id(),
            contact_id: contact_id.to_owned(),
            kind,
            description,
            reference_id,
            created_at: now(),
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
            && blank(&request.phone)
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
        self.record_activity(id, "contact_updated", "Contact updated".into(), None);
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

    /// The contact's calls, newest first, as call-session summaries (snake_case, no transcript).
    fn calls_of(&self, contact_id: &str) -> Vec<Value> {
        self.calls
            .of_contact(contact_id)
            .map(|call| {
                let mut summary = super::to_json(&call.detail);
                if let Value::Object(fields) = &mut summary {
                    fields.remove("transcripts");
                    fields.insert("campaign_id".into(), json!(call.campaign_id));
                }
                summary
            })
            .collect()
    }

    fn call_stats_of(&self, contact_id: &str) -> Value {
        let calls: Vec<_> = self.calls.of_contact(contact_id).collect();
        let completed: Vec<_> = calls
            .iter()
            .filter(|c| c.detail.status.as_deref() == Some("completed"))
            .collect();
        let total_duration: i64 = completed
            .iter()
            .filter_map(|c| c.detail.duration_sec)
            .map(i64::from)
            .sum();
        let average = if completed.is_empty() {
            0
        } else {
            total_duration / completed.len() as i64
        };
        json!({
            "total_calls": calls.len(),
            "completed_calls": completed.len(),
            "failed_calls": calls.iter().filter(|c| c.detail.status.as_deref() == Some("failed")).count(),
            "total_duration_sec": total_duration,
            "average_duration_sec": average,
            "total_cost": completed.iter().filter_map(|c| c.detail.cost_total).sum::<f64>(),
            "last_call_at": calls.first().and_then(|c| c.detail.started_at),
        })
    }

    fn campaigns_of(&self, contact_id: &str) -> Vec<Value> {
        self.campaigns
            .values()
            .filter_map(|row| {
                let member = row
                    .contacts
                    .iter()
                    .find(|c| c.contact_id.as_deref() == Some(contact_id))?;
                Some(json!({
                    "campaign_id": row.campaign.id,
                    "name": row.campaign.name,
                    "campaign_status": row.campaign.status,
                    "contact_status": member.status,
                    "attempt_count": member.attempt_count,
                    "last_attempted_at": member.last_attempted_at,
                    "call_session_id": member.call_session_id,
                }))
            })
            .collect()
    }

    fn notes_of(&self, contact_id: &str) -> Vec<Value> {
        let mut notes: Vec<&Note> = self
            .contacts
            .notes
            .iter()
            .filter(|n| n.contact_id == contact_id)
            .collect();
        notes.reverse();
        notes.into_iter().map(Note::to_json).collect()
    }

    pub(super) fn contact_detail(&mut self, r: &ApiRequest) -> Handled {
        let id = r.path_param("id");
        let contact = self.contact(id)?;
        ok(
            "contact detail fetched successfully",
            json!({
                "contact": contact,
                "call_stats": self.call_stats_of(id),
                "recent_calls": self.calls_of(id).into_iter().take(5).collect::<Vec<_>>(),
                "campaigns": self.campaigns_of(id),
                "notes": self.notes_of(id),
            }),
        )
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
        let activities: Vec<Value> = self
            .contacts
            .activities
            .iter()
            .rev()
            .filter(|a| a.contact_id == id)
            .map(|a| {
                json!({
                    "id": a.id,
                    "contact_id": a.contact_id,
                    "type": a.kind,
                    "description": a.description,
                    "reference_id": a.reference_id,
                    "created_at": iso(a.created_at),
                })
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
            created_at: now(),
        };
        let json = note.to_json();
        self.record_activity(id, "note_added", "Note added".into(), Some(note.id.clone()));
        self.contacts.notes.push(note);
        ok("note created successfully", json)
    }
}
