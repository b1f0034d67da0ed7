//! The command tree: [`COMMANDS`] places every operation of `openapi.yaml` (by operationId) at a
//! command path, [`HELPERS`] adds the hand-written commands, and [`command`] builds the clap
//! tree from both. The coverage test fails on an operation without a row and on a row naming
//! no operation.

use std::collections::BTreeMap;

use clap::{ArgMatches, Command as ClapCommand};

use crate::{
    Global, Io, exit,
    generated::{Cli, CliCommand},
    output::Printer,
};

/// Every operation's command path, `operationId → "group [subgroup] verb"`.
pub const COMMANDS: &[(&str, &str)] = &[
    // Agents, their tools and widgets
    ("ListAgents", "agents list"),
    ("CreateAgent", "agents create"),
    ("GetAgent", "agents get"),
    ("UpdateAgent", "agents update"),
    ("DeleteAgent", "agents delete"),
    ("UpdateAgentStatus", "agents set-status"),
    ("ListAgentTools", "tools list"),
    ("CreateAgentTool", "tools create"),
    ("GetAgentTool", "tools get"),
    ("UpdateAgentTool", "tools update"),
    ("DeleteAgentTool", "tools delete"),
    ("ListWidgetSettings", "widgets list"),
    ("CreateWidgetSettings", "widgets create"),
    ("GetWidgetSettings", "widgets get"),
    ("UpdateWidgetSettings", "widgets update"),
    ("DeactivateWidgetSettings", "widgets deactivate"),
    ("ListVoices", "voices list"),
    ("ListLlmModelsWithVoices", "voices models"),
    // Phone numbers and telephony
    ("ListAvailableNumbers", "numbers available"),
    ("BuyPhoneNumber", "numbers purchase"),
    ("ListPurchasedNumbers", "numbers list"),
    ("ReleasePhoneNumber", "numbers release"),
    ("ListImportedPhoneNumbers", "numbers imported list"),
    ("ImportPhoneNumber", "numbers imported create"),
    ("GetImportedPhoneNumber", "numbers imported get"),
    ("UpdateImportedPhoneNumber", "numbers imported update"),
    ("DeleteImportedPhoneNumber", "numbers imported delete"),
    ("AddTwilioNumber", "numbers twilio add"),
    ("ListTwilioOwnedNumbers", "numbers twilio list"),
    ("CreateTelephonyType", "numbers telephony create"),
    ("GetSelectedTelephony", "numbers telephony get"),
    // Calls and call sessions
    ("CreateCall", "calls create"),
    ("ListCallSessions", "sessions list"),
    ("GetCallSessionDetail", "sessions get"),
    ("FinalizeSession", "sessions finalize"),
    ("GetCallRecording", "sessions recording"),
    ("GetPhoneHistory", "calls phone-history"),
    // Campaigns
    ("ListCampaigns", "campaigns list"),
    ("CreateCampaign", "campaigns create"),
    ("GetCampaign", "campaigns get"),
    ("UpdateCampaign", "campaigns update"),
    ("DeleteCampaign", "campaigns delete"),
    ("StartCampaign", "campaigns start"),
    ("PauseCampaign", "campaigns pause"),
    ("ResumeCampaign", "campaigns resume"),
    ("ListCampaignContacts", "campaigns contacts list"),
    ("AddContactsToCampaign", "campaigns contacts add"),
    ("RemoveContactFromCampaign", "campaigns contacts remove"),
    // Contacts
    ("ListContacts", "contacts list"),
    ("CreateContact", "contacts create"),
    ("GetContact", "contacts get"),
    ("UpdateContact", "contacts update"),
    ("DeleteContact", "contacts delete"),
    ("BulkDeleteContacts", "contacts bulk-delete"),
    ("GetContactDetail", "contacts detail"),
    ("GetContactActivities", "contacts activities"),
    ("GetContactCalls", "contacts calls"),
    ("GetContactCallStats", "contacts call-stats"),
    ("GetContactCampaigns", "contacts campaigns"),
    ("ListContactNotes", "contacts notes list"),
    ("CreateContactNote", "contacts notes create"),
    // Knowledge bases
    ("ListKnowledgeBases", "knowledge list"),
    ("GetKnowledgeBase", "knowledge get"),
    ("AddKnowledgeBaseSources", "knowledge add-sources"),
    ("DeleteKnowledgeBaseSource", "knowledge delete-source"),
    ("QueryKnowledgeBase", "knowledge query"),
    ("RefreshKnowledgeBase", "knowledge refresh"),
    ("DiscoverUrls", "knowledge discover-urls"),
    ("ListDocuments", "knowledge documents list"),
    ("GetDocument", "knowledge documents get"),
    ("UpsertDocument", "knowledge documents upsert"),
    ("ListExclusions", "knowledge exclusions list"),
    ("ManageExclusions", "knowledge exclusions manage"),
    // Cal.com
    ("CalcomStatus", "calcom status"),
    ("ConnectCalcom", "calcom connect"),
    ("DisconnectCalcom", "calcom disconnect"),
    ("ListCalcomEventTypes", "calcom event-types list"),
    ("LookupCalcomEventType", "calcom event-types lookup"),
    ("ListCalcomAppointments", "calcom appointments list"),
    ("GetCalcomAppointment", "calcom appointments get"),
    ("ManageCalcomAppointment", "calcom appointments manage"),
    ("GetAgentCalcomInfo", "calcom agents info"),
    ("GetAgentCalcomStatus", "calcom agents status"),
    ("AssignCalcomAccountToAgent", "calcom agents assign"),
    // GoHighLevel
    ("GhlSetupStatus", "ghl status"),
    ("GhlOauthAuthorize", "ghl oauth authorize"),
    ("GhlOauthCallback", "ghl oauth callback"),
    ("DisconnectGhl", "ghl disconnect"),
    ("ListGhlCalendars", "ghl calendars"),
    ("GetGhlAgentByCalendar", "ghl agent-by-calendar"),
    ("ListGhlAppointments", "ghl appointments list"),
    ("GetGhlAppointment", "ghl appointments get"),
    ("ManageGhlAppointment", "ghl appointments manage"),
    ("GetOrCreateGhlContact", "ghl contact"),
    ("SaveGhlCallData", "ghl save-call-data"),
    // Organizations
    ("GetOrganizationProfile", "organizations get"),
    // Health
    ("HealthCheck", "health check"),
    ("ReadinessCheck", "health ready"),
];

/// A hand-written command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Helper {
    /// `numbers buy E164`: `client.buy_number`.
    NumbersBuy,
    /// `calls start --agent A [--from F --to T]`: `start_outbound_call` / `start_web_call`.
    CallsStart,
    /// `recordings download SESSION [-o FILE]`: `download_recording(..).save(..)`.
    RecordingsDownload,
    /// `knowledge upload KB FILE`: `upload_knowledge_file`.
    KnowledgeUpload,
    /// `sandbox`: the embedded in-memory API.
    Sandbox,
    /// `webhooks listen`: a local after-call webhook receiver.
    WebhooksListen,
    /// `login`: store a key in a profile.
    Login,
    /// `profiles list`.
    ProfilesList,
    /// `profiles use NAME`.
    ProfilesUse,
    /// `profiles remove NAME`.
    ProfilesRemove,
    /// `completions SHELL`.
    Completions,
}

/// Builds a hand-written command's clap parser.
pub type Parser = fn() -> ClapCommand;

/// The hand-written commands: path, what runs it, and how clap parses it.
pub const HELPERS: &[(&str, Helper, Parser)] = &[
    (
        "numbers buy",
        Helper::NumbersBuy,
        crate::helpers::numbers_buy,
    ),
    (
        "calls start",
        Helper::CallsStart,
        crate::helpers::calls_start,
    ),
    (
        "recordings download",
        Helper::RecordingsDownload,
        crate::helpers::recordings_download,
    ),
    (
        "knowledge upload",
        Helper::KnowledgeUpload,
        crate::helpers::knowledge_upload,
    ),
    ("sandbox", Helper::Sandbox, crate::local::sandbox_command),
    (
        "webhooks listen",
        Helper::WebhooksListen,
        crate::local::listen_command,
    ),
    ("login", Helper::Login, crate::profiles::login_command),
    (
        "profiles list",
        Helper::ProfilesList,
        crate::profiles::list_command,
    ),
    (
        "profiles use",
        Helper::ProfilesUse,
        crate::profiles::use_command,
    ),
    (
        "profiles remove",
        Helper::ProfilesRemove,
        crate::profiles::remove_command,
    ),
    ("completions", Helper::Completions, completions_command),
];

/// What a leaf of the tree runs.
#[derive(Debug, Clone, Copy)]
pub enum Command {
    /// A generated operation.
    Generated(CliCommand),
    /// A hand-written command.
    Helper(Helper),
}

/// One line of help for each group (groups not listed get none).
const GROUPS: &[(&str, &str)] = &[
    ("agents", "Voice AI agents"),
    ("tools", "Tools agents can call"),
    ("widgets", "Web-call widgets"),
    ("voices", "Voices agents speak with"),
    (
        "numbers",
        "Phone numbers: search, buy, import, release; telephony",
    ),
    ("calls", "Start calls"),
    ("sessions", "Call sessions: what happened on each call"),
    ("recordings", "Call recordings"),
    ("campaigns", "Outbound calling campaigns"),
    ("contacts", "Contacts, their notes, calls and campaigns"),
    ("knowledge", "Knowledge bases, their sources and documents"),
    ("calcom", "Cal.com scheduling"),
    ("ghl", "GoHighLevel scheduling"),
    ("health", "Service health"),
    ("webhooks", "The after-call webhook"),
    ("profiles", "Saved API keys and base URLs"),
];

/// The operationId of every generated command, as the spec spells it.
pub fn operation_ids() -> impl Iterator<Item = &'static str> {
    CliCommand::iter().map(|command| command.operation_id())
}

/// Every command path of the tree, generated and hand-written, with what it runs.
pub fn paths() -> BTreeMap<&'static str, Command> {
    let mut paths = BTreeMap::new();
    for command in CliCommand::iter() {
        if let Some((_, path)) = COMMANDS
            .iter()
            .find(|(id, _)| *id == command.operation_id())
        {
            paths.insert(*path, Command::Generated(command));
        }
    }
    for (path, helper, _) in HELPERS {
        paths.insert(*path, Command::Helper(*helper));
    }
    paths
}

/// The command at `path` (`["agents", "list"]`).
pub fn lookup(path: &[String]) -> Option<Command> {
    paths().get(path.join(" ").as_str()).copied()
}

/// The path of the leaf `matches` reached, and that leaf's matches.
pub fn leaf(matches: &ArgMatches) -> (Vec<String>, &ArgMatches) {
    let mut path = Vec::new();
    let mut current = matches;
    while let Some((name, sub)) = current.subcommand() {
        path.push(name.to_owned());
        current = sub;
    }
    (path, current)
}

#[derive(Default)]
struct Node {
    children: BTreeMap<&'static str, Node>,
    leaf: Option<ClapCommand>,
}

impl Node {
    fn insert(&mut self, words: &[&'static str], command: ClapCommand) {
        match words {
            [] => self.leaf = Some(command),
            [first, rest @ ..] => self
                .children
                .entry(first)
                .or_default()
                .insert(rest, command),
        }
    }

    fn build(self, name: &'static str) -> ClapCommand {
        if let Some(leaf) = self.leaf {
            return leaf.name(name);
        }
        let about = GROUPS.iter().find(|(group, _)| *group == name);
        let mut command = ClapCommand::new(name)
            .subcommand_required(true)
            .arg_required_else_help(true);
        if let Some((_, about)) = about {
            command = command.about(*about);
        }
        for (child, node) in self.children {
            command = command.subcommand(node.build(child));
        }
        command
    }
}

/// The whole clap tree.
pub fn command() -> ClapCommand {
    let mut root = Node::default();
    for (path, command) in paths() {
        let words: Vec<&'static str> = path.split(' ').collect();
        let parser = match command {
            Command::Generated(op) => Cli::<Printer>::get_command(op),
            Command::Helper(helper) => {
                let (_, _, parser) = HELPERS
                    .iter()
                    .find(|(_, h, _)| *h == helper)
                    .expect("every helper is listed");
                parser()
            }
        };
        root.insert(&words, parser);
    }
    let mut agni = ClapCommand::new("agni")
        .version(env!("CARGO_PKG_VERSION"))
        .about("The command-line tool for Ravan AI's Agni voice-agent API")
        .after_help(exit::HELP)
        .subcommand_required(true)
        .arg_required_else_help(true);
    agni = <Global as clap::Args>::augment_args(agni);
    for (name, node) in root.children {
        agni = agni.subcommand(node.build(name));
    }
    agni
}

fn completions_command() -> ClapCommand {
    ClapCommand::new("completions")
        .about("Print a shell completion script (e.g. `agni completions bash > /etc/bash_completion.d/agni`)")
        .arg(
            clap::Arg::new("shell")
                .required(true)
                .value_parser(clap::value_parser!(clap_complete::Shell)),
        )
}

/// `agni completions SHELL`.
pub fn completions(matches: &ArgMatches, io: &Io) -> anyhow::Result<()> {
    let shell = *matches
        .get_one::<clap_complete::Shell>("shell")
        .expect("required");
    let mut out = io.stdout.lock().unwrap_or_else(|e| e.into_inner());
    clap_complete::generate(shell, &mut command(), "agni", &mut *out);
    Ok(())
}
