//! Agents, agent tools, widget settings, and the catalogue of LLM models and their voices.

use serde_json::{Value, json};

use super::{
    ApiReply, ApiRequest, Failure, Handled, Paging, World, decode, new_id, not_found, ok, ok_page,
    patch, stamp, to_json, with_id,
};
use agni::types;

impl World {
    /// Stores a new agent built from a create request; returns its id.
    pub(super) fn insert_agent(
        &mut self,
        request: types::CreateAgentRequest,
    ) -> Result<String, Failure> {
        let id = new_id();
        let stamp = stamp();
        let mut agent: types::Agent = with_id(&request, &id)?;
        agent.organization_id = Some(self.org_id.clone());
        if agent.agent_name.is_none() {
            agent.agent_name = Some(
                agent
                    .name
                    .clone()
                    .unwrap_or_else(|| "Untitled agent".into()),
            );
        }
        agent.status = Some(types::AgentStatus::Active);
        agent
            .start_speaker
            .get_or_insert(types::StartSpeaker::Agent);
        agent.created_at = Some(stamp);
        agent.updated_at = Some(stamp);
        self.agents.insert(id.clone(), agent);
        Ok(id)
    }

    pub(super) fn insert_tool(&mut self, request: types::CreateAgentToolRequest) -> String {
        let id = new_id();
        let tool = types::AgentTool {
            id: id.clone(),
            organization_id: Some(self.org_id.clone()),
            is_active: Some(true),
            name: request.name,
            description: request.description,
            type_: request.type_.or_else(|| Some("webhook".into())),
            definition: request.definition,
            agent_id: None,
            enabled_functions: None,
            extra: request.extra,
        };
        self.tools.insert(id.clone(), tool);
        id
    }

    pub(super) fn agent(&self, id: &str) -> Result<&types::Agent, Failure> {
        self.agents.get(id).ok_or_else(|| not_found("agent", id))
    }

    pub(super) fn list_agents(&mut self, r: &ApiRequest) -> Handled {
        let agents: Vec<_> = self.agents.values().cloned().collect();
        ok_page("agents fetched successfully", agents, Paging::of(r))
    }

    pub(super) fn create_agent(&mut self, r: &ApiRequest) -> Handled {
        let request: types::CreateAgentRequest = decode(&r.body)?;
        let id = self.insert_agent(request)?;
        ok("agent created successfully", self.agent(&id)?)
    }

    pub(super) fn get_agent(&mut self, r: &ApiRequest) -> Handled {
        ok(
            "agent fetched successfully",
            self.agent(r.path_param("id"))?,
        )
    }

    pub(super) fn update_agent(&mut self, r: &ApiRequest) -> Handled {
        let id = r.path_param("id");
        let stored = self.agent(id)?;
        let mut updated = patch::<_, types::UpdateAgentRequest>(
            stored,
            &r.body,
            &["selected_tools", "integrations", "ivr_options"],
        )?;
        updated.updated_at = Some(stamp());
        self.agents.insert(id.to_owned(), updated);
        ok("agent updated successfully", self.agent(id)?)
    }

    pub(super) fn delete_agent(&mut self, r: &ApiRequest) -> Handled {
        let id = r.path_param("id");
        self.agents
            .remove(id)
            .ok_or_else(|| not_found("agent", id))?;
        Ok(ApiReply::Empty)
    }

    pub(super) fn update_agent_status(&mut self, r: &ApiRequest) -> Handled {
        let id = r.path_param("id");
        let request: types::UpdateAgentStatusRequest = decode(&r.body)?;
        let status = request
            .status
            .ok_or_else(|| Failure::InvalidArgument("status is required".into()))?;
        if let types::AgentStatus::Unknown(other) = &status {
            return Err(Failure::InvalidArgument(format!(
                "unknown agent status {other:?}"
            )));
        }
        let agent = self
            .agents
            .get_mut(id)
            .ok_or_else(|| not_found("agent", id))?;
        agent.status = Some(status);
        agent.updated_at = Some(stamp());
        ok("agent status updated successfully", self.agent(id)?)
    }

    fn tool(&self, id: &str) -> Result<&types::AgentTool, Failure> {
        self.tools.get(id).ok_or_else(|| not_found("tool", id))
    }

    pub(super) fn list_tools(&mut self, r: &ApiRequest) -> Handled {
        let tools: Vec<_> = self.tools.values().cloned().collect();
        ok_page("tools fetched successfully", tools, Paging::of(r))
    }

    pub(super) fn create_tool(&mut self, r: &ApiRequest) -> Handled {
        let request: types::CreateAgentToolRequest = decode(&r.body)?;
        super::required(request.name.as_deref(), "name")?;
        let id = self.insert_tool(request);
        ok("tool created successfully", self.tool(&id)?)
    }

    pub(super) fn get_tool(&mut self, r: &ApiRequest) -> Handled {
        ok("tool fetched successfully", self.tool(r.path_param("id"))?)
    }

    pub(super) fn update_tool(&mut self, r: &ApiRequest) -> Handled {
        let id = r.path_param("id");
        let updated =
            patch::<_, types::UpdateAgentToolRequest>(self.tool(id)?, &r.body, &["definition"])?;
        self.tools.insert(id.to_owned(), updated);
        ok("tool updated successfully", self.tool(id)?)
    }

    pub(super) fn delete_tool(&mut self, r: &ApiRequest) -> Handled {
        let id = r.path_param("id");
        self.tools.remove(id).ok_or_else(|| not_found("tool", id))?;
        Ok(ApiReply::Empty)
    }

    fn widget(&self, id: &str) -> Result<&types::WidgetSettings, Failure> {
        self.widgets
            .get(id)
            .ok_or_else(|| not_found("widget settings", id))
    }

    pub(super) fn list_widgets(&mut self, _r: &ApiRequest) -> Handled {
        let widgets: Vec<_> = self.widgets.values().collect();
        ok("widget settings fetched successfully", widgets)
    }

    pub(super) fn create_widget(&mut self, r: &ApiRequest) -> Handled {
        let request: types::CreateWidgetSettingsRequest = decode(&r.body)?;
        let id = new_id();
        let stamp = stamp();
        let mut widget: types::WidgetSettings = with_id(&request, &id)?;
        widget.is_active = Some(true);
        widget
            .bot_position
            .get_or_insert(types::BotPosition::BottomRight);
        widget.bot_name.get_or_insert_with(|| "Assistant".into());
        widget.language.get_or_insert_with(|| "en".into());
        widget.bot_auto_start.get_or_insert(false);
        widget.created_at = Some(stamp);
        widget.updated_at = Some(stamp);
        self.widgets.insert(id.clone(), widget);
        ok("widget settings created successfully", self.widget(&id)?)
    }

    pub(super) fn get_widget(&mut self, r: &ApiRequest) -> Handled {
        ok(
            "widget settings fetched successfully",
            self.widget(r.path_param("id"))?,
        )
    }

    pub(super) fn update_widget(&mut self, r: &ApiRequest) -> Handled {
        let id = r.path_param("id");
        let mut updated = patch::<_, types::UpdateWidgetSettingsRequest>(
            self.widget(id)?,
            &r.body,
            &["theme", "custom_form_fields"],
        )?;
        updated.updated_at = Some(stamp());
        self.widgets.insert(id.to_owned(), updated);
        ok("widget settings updated successfully", self.widget(id)?)
    }

    pub(super) fn deactivate_widget(&mut self, r: &ApiRequest) -> Handled {
        let id = r.path_param("id");
        let widget = self
            .widgets
            .get_mut(id)
            .ok_or_else(|| not_found("widget settings", id))?;
        widget.is_active = Some(false);
        widget.updated_at = Some(stamp());
        Ok(ApiReply::Empty)
    }

    pub(super) fn list_voices(&mut self, r: &ApiRequest) -> Handled {
        let model = r.path_param("llm_model_id");
        let voices: Vec<Value> = self
            .voices
            .iter()
            .filter(|voice| voice.llm_model_id.as_deref() == Some(model))
            .map(to_json)
            .collect();
        if voices.is_empty() {
            return Err(not_found("LLM model", model));
        }
        ok_page("voices fetched successfully", voices, Paging::of(r))
    }

    /// The LLM models of the catalogue, in the order their first voice was seeded, each as
    /// `{"id", "voices": [...]}` (the spec leaves a model's fields undocumented).
    pub(super) fn list_models_with_voices(&mut self, r: &ApiRequest) -> Handled {
        let mut models: Vec<&str> = Vec::new();
        for model in self.voices.iter().filter_map(|v| v.llm_model_id.as_deref()) {
            if !models.contains(&model) {
                models.push(model);
            }
        }
        let models: Vec<Value> = models
            .into_iter()
            .map(|model| {
                let voices: Vec<&types::Voice> = self
                    .voices
                    .iter()
                    .filter(|voice| voice.llm_model_id.as_deref() == Some(model))
                    .collect();
                json!({"id": model, "voices": voices})
            })
            .collect();
        ok_page("models fetched successfully", models, Paging::of(r))
    }
}
