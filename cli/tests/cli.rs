//! The `agni` tool driven in-process (`agni_cli::run` with captured streams) against the
//! embedded sandbox and small loopback servers. Nothing leaves 127.0.0.1.

use std::{
    collections::{BTreeSet, HashMap},
    io::Write,
    path::Path,
    sync::{Arc, Mutex},
};

use agni::prelude::*;
use agni_cli::{Exit, Io, tree};
use agni_sandbox::{Fault, Sandbox};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buffer {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

#[derive(Debug)]
struct Ran {
    exit: Exit,
    stdout: String,
    stderr: String,
}

impl Ran {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {self:?}"))
    }
}

/// How a test runs the tool: environment, stdin, and whether stdout is a terminal.
#[derive(Default, Clone)]
struct Shell {
    env: HashMap<String, String>,
    terminal: bool,
}

impl Shell {
    fn sandbox(sandbox: &Sandbox) -> Self {
        let mut shell = Self::default();
        shell.set("AGNI_BASE_URL", sandbox.base_url());
        shell.set("RAVAN_API_KEY", sandbox.api_key());
        shell.set("AGNI_CONFIG_DIR", "/nonexistent/agni-cli-tests");
        shell
    }

    fn set(&mut self, name: &str, value: &str) -> &mut Self {
        self.env.insert(name.into(), value.into());
        self
    }

    async fn run(&self, args: &[&str]) -> Ran {
        self.run_with_stdin(args, "").await
    }

    async fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Ran {
        let (stdout, stderr) = (Buffer::default(), Buffer::default());
        let io = Io {
            stdout: Arc::new(Mutex::new(Box::new(stdout.clone()))),
            stderr: Arc::new(Mutex::new(Box::new(stderr.clone()))),
            stdin: Box::new(std::io::Cursor::new(stdin.as_bytes().to_vec())),
            stdout_is_terminal: self.terminal,
            stdin_is_terminal: false,
            stderr_is_terminal: false,
            env: self.env.clone(),
        };
        let argv = std::iter::once("agni").chain(args.iter().copied());
        let exit = agni_cli::run(argv, io).await;
        Ran {
            exit,
            stdout: stdout.text(),
            stderr: stderr.text(),
        }
    }
}

/// Replaces ids and timestamps by placeholders (fractional seconds dropped); `columns` then
/// makes table gaps one double space, since column widths follow the values.
fn normalise(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let shape = |at: usize, pattern: &str| {
        pattern.chars().enumerate().all(|(k, p)| {
            chars.get(at + k).is_some_and(|c| match p {
                'h' => c.is_ascii_hexdigit(),
                'd' => c.is_ascii_digit(),
                other => *c == other,
            })
        })
    };
    const UUID: &str = "hhhhhhhh-hhhh-hhhh-hhhh-hhhhhhhhhhhh";
    const TIME: &str = "dddd-dd-ddTdd:dd:dd";
    while i < chars.len() {
        if shape(i, UUID) {
            out.push_str("xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx");
            i += UUID.len();
        } else if shape(i, TIME) {
            out.push_str("YYYY-MM-DDThh:mm:ss");
            i += TIME.len();
            // Fractional seconds vary in length: drop them.
            if chars.get(i) == Some(&'.') {
                i += 1;
                while chars.get(i).is_some_and(char::is_ascii_digit) {
                    i += 1;
                }
            }
        } else if i > 0 && chars[i - 1] == '_' && hex_run(&chars[i..]) >= 12 {
            // The sandbox's random trunk and subscription ids (`ST_d44b2b65a701`).
            out.push_str("<hex>");
            i += hex_run(&chars[i..]);
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

fn hex_run(chars: &[char]) -> usize {
    chars.iter().take_while(|c| c.is_ascii_hexdigit()).count()
}

fn columns(text: &str) -> String {
    text.lines()
        .map(|line| {
            let indent = line.len() - line.trim_start().len();
            let cells: Vec<&str> = line[indent..]
                .split("  ")
                .filter(|c| !c.is_empty())
                .collect();
            format!(
                "{}{}\n",
                &line[..indent],
                cells
                    .iter()
                    .map(|c| c.trim())
                    .collect::<Vec<_>>()
                    .join("  ")
            )
        })
        .collect()
}

fn spec_operation_ids() -> BTreeSet<String> {
    agni::OPENAPI_YAML
        .lines()
        .filter_map(|line| line.trim().strip_prefix("operationId:"))
        .map(|id| id.trim().trim_matches('"').to_owned())
        .collect()
}

#[test]
fn every_operation_in_openapi_yaml_is_a_command() {
    let spec = spec_operation_ids();
    let table: BTreeSet<String> = tree::COMMANDS
        .iter()
        .map(|(id, _)| id.to_string())
        .collect();
    let missing: Vec<_> = spec.difference(&table).collect();
    let unknown: Vec<_> = table.difference(&spec).collect();
    assert!(
        missing.is_empty() && unknown.is_empty(),
        "operations without a command in tree::COMMANDS: {missing:?}; table rows naming no operation: {unknown:?}"
    );
    assert_eq!(table.len(), tree::COMMANDS.len(), "one row per operation");
    let generated: BTreeSet<String> = tree::operation_ids().map(str::to_owned).collect();
    assert_eq!(
        generated, spec,
        "cli/src/generated.rs is current (cargo xtask generate)"
    );
    let paths: BTreeSet<&str> = tree::COMMANDS.iter().map(|(_, p)| *p).collect();
    assert_eq!(
        paths.len(),
        tree::COMMANDS.len(),
        "no two operations share a path"
    );
    for (path, _, _) in tree::HELPERS {
        assert!(
            !paths.contains(path),
            "{path} is both generated and hand-written"
        );
    }
    tree::command().debug_assert();
}

#[tokio::test]
async fn every_command_has_help() {
    let shell = Shell::default();
    for path in tree::paths().keys() {
        let mut args: Vec<&str> = path.split(' ').collect();
        args.push("--help");
        let ran = shell.run(&args).await;
        assert_eq!(ran.exit, Exit::Ok, "{path}: {ran:?}");
        assert!(
            ran.stdout.contains(&format!("Usage: agni {path}")),
            "{path}: {}",
            ran.stdout
        );
    }
    let top = shell.run(&["--help"]).await;
    assert!(top.stdout.contains("Exit codes: 0 ok"), "{}", top.stdout);
}

#[tokio::test]
async fn output_snapshots_per_resource_group() {
    let sandbox = Sandbox::start().await.unwrap();
    let mut shell = Shell::sandbox(&sandbox);
    shell.terminal = true;
    let created = shell
        .run(&[
            "agents",
            "create",
            "--agent-name",
            "Riley",
            "--output",
            "json",
        ])
        .await;
    assert_eq!(created.exit, Exit::Ok, "{created:?}");
    let agent = created.json()["data"]["id"].as_str().unwrap().to_owned();
    // Tables on a terminal (gaps collapsed to two spaces), YAML, one command per group.
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["agents", "list"],
            "ID  AGENT_NAME  CREATED_AT  ORGANIZATION_ID  START_SPEAKER  STATUS\n\
             xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx  Riley  YYYY-MM-DDThh:mm:ssZ  xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx  agent  AGENT_STATUS_ACTIVE\n",
        ),
        (
            vec!["agents", "get", &agent, "--output", "yaml"],
            "data:\n  agent_name: Riley\n  created_at: \"YYYY-MM-DDThh:mm:ssZ\"\n  id: xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx\n  \
             organization_id: xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx\n  start_speaker: agent\n  status: AGENT_STATUS_ACTIVE\n  \
             updated_at: \"YYYY-MM-DDThh:mm:ssZ\"\nmessage: agent fetched successfully\nsuccess: true\n",
        ),
        (vec!["tools", "list"], "(no items)\n"),
        (
            vec!["widgets", "list"],
            "message  widget settings fetched successfully\nsuccess  true\n",
        ),
        (
            vec!["voices", "list", "550e8400-e29b-41d4-a716-446655440000"],
            "ID  GENDER  IMG_URL  LANGUAGE  LLM_MODEL_ID  REAL_VOICE_ID\n\
             xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx  female  https://cdn.ravan.ai/voices/alloy.png  en  xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx  alloy\n\
             xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx  male  https://cdn.ravan.ai/voices/echo.png  en  xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx  echo\n\
             xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx  female  https://cdn.ravan.ai/voices/shimmer.png  en  xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx  shimmer\n",
        ),
        (
            vec!["numbers", "buy", "+14155550100"],
            "id  xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx\ncreated_at  YYYY-MM-DDThh:mm:ssZ\nfriendly_name  +14155550100\n\
             inbound_trunk_id  ST_<hex>\nis_active  true\niso_country  US\nnumber  +14155550100\n\
             outbound_trunk_id  ST_<hex>\nper_minute_price_inbound  0.0085\nper_minute_price_outbound  0.014\n\
             price  1.15\nregion  415\nsubscription_id  sub_<hex>\ntelephony_id  agni-managed\n\
             updated_at  YYYY-MM-DDThh:mm:ssZ\n",
        ),
        (
            vec![
                "contacts",
                "create",
                "--email",
                "ada@example.com",
                "--first-name",
                "Ada",
            ],
            "id  xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx\ncreated_at  YYYY-MM-DDThh:mm:ssZ\nemail  ada@example.com\n\
             first_name  Ada\nupdated_at  YYYY-MM-DDThh:mm:ssZ\n",
        ),
        (
            vec!["contacts", "list"],
            "ID  CREATED_AT  EMAIL  FIRST_NAME  UPDATED_AT\n\
             xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx  YYYY-MM-DDThh:mm:ssZ  ada@example.com  Ada  YYYY-MM-DDThh:mm:ssZ\n",
        ),
        (vec!["campaigns", "list"], "(no items)\n"),
        (vec!["sessions", "list"], "(empty)\n"),
        (
            vec!["knowledge", "list", "--org-id", "org-1"],
            "(no items)\n",
        ),
        (
            vec!["calcom", "status", "--org-id", "org-1"],
            "connected  false\nmessage  cal.com is not connected\nstatus  not_connected\n",
        ),
        (
            vec!["ghl", "status"],
            "agent_count  1\nagents_created  true\nghl_connected  false\nmessage  GoHighLevel setup is incomplete\n\
             next_step  connect_ghl\nsetup_complete  false\ntoken_valid  false\n",
        ),
        (
            vec!["health", "check"],
            "service  agni-sandbox\nstatus  healthy\ntime  YYYY-MM-DDThh:mm:ssZ\n",
        ),
    ];
    let mut report = String::new();
    for (args, expected) in cases {
        let ran = shell.run(&args).await;
        let got = columns(&normalise(&ran.stdout));
        if got != expected {
            report.push_str(&format!(
                "agni {}: {:?} stderr {:?}\n{got}\n---\n",
                args.join(" "),
                ran.exit,
                ran.stderr
            ));
        }
    }
    assert!(report.is_empty(), "{report}");
}

#[tokio::test]
async fn json_output_pipes_into_the_next_command() {
    let sandbox = Sandbox::start().await.unwrap();
    let shell = Shell::sandbox(&sandbox);
    // Piped: compact JSON, one line.
    let created = shell
        .run_with_stdin(
            &["agents", "create", "--body", "-", "--agent-name", "Riley"],
            r#"{"agent_name": "overridden by the flag", "begin_message": "Hi!"}"#,
        )
        .await;
    assert_eq!(created.exit, Exit::Ok, "{created:?}");
    assert_eq!(created.stdout.lines().count(), 1, "{}", created.stdout);
    let id = created.json()["data"]["id"].as_str().unwrap().to_owned();

    let fetched = shell.run(&["agents", "get", &id]).await;
    assert_eq!(fetched.exit, Exit::Ok, "{fetched:?}");
    let agent = &fetched.json()["data"];
    assert_eq!(agent["id"], id.as_str());
    assert_eq!(agent["agent_name"], "Riley");
    assert_eq!(agent["begin_message"], "Hi!");

    let dir = tempfile::tempdir().unwrap();
    let body = dir.path().join("agent.json");
    std::fs::write(&body, r#"{"agent_name": "From a file"}"#).unwrap();
    let from_file = shell
        .run(&[
            "agents",
            "create",
            "--body",
            &format!("@{}", body.display()),
        ])
        .await;
    assert_eq!(from_file.json()["data"]["agent_name"], "From a file");
}

#[tokio::test]
async fn all_streams_every_page() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client();
    for n in 0..130 {
        client
            .create_contact()
            .body(agni::types::CreateContactRequest::builder().email(format!("c{n}@example.com")))
            .send()
            .await
            .unwrap();
    }
    let shell = Shell::sandbox(&sandbox);
    let one_page = shell.run(&["contacts", "list", "--limit", "20"]).await;
    assert_eq!(one_page.json()["data"].as_array().unwrap().len(), 20);
    let before = sandbox.requests_for("ListContacts");
    let all = shell.run(&["contacts", "list", "--all"]).await;
    assert_eq!(all.exit, Exit::Ok, "{all:?}");
    let items = all.json();
    let emails: BTreeSet<&str> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails.len(), 130);
    assert_eq!(
        sandbox.requests_for("ListContacts") - before,
        2,
        "pages of 100"
    );
}

#[tokio::test]
async fn exit_codes_by_class() {
    let sandbox = Sandbox::builder()
        .fault("ListCampaigns", Fault::Status(503))
        .start()
        .await
        .unwrap();
    let shell = Shell::sandbox(&sandbox);

    let missing = shell.run(&["agents", "get", "no-such-agent"]).await;
    assert_eq!(missing.exit, Exit::ClientError);
    assert_eq!(missing.exit.code(), 3);
    assert!(
        missing.stderr.starts_with("agni: get_agent: "),
        "{}",
        missing.stderr
    );
    assert_eq!(missing.stderr.lines().count(), 1, "{}", missing.stderr);

    let failing = shell.run(&["campaigns", "list"]).await;
    assert_eq!(failing.exit.code(), 4, "{failing:?}");

    let refused = shell.run(&["numbers", "buy", "555-0100"]).await;
    assert_eq!(refused.exit.code(), 6, "{refused:?}");
    assert!(
        refused.stderr.contains("nothing was sent"),
        "{}",
        refused.stderr
    );
    assert_eq!(sandbox.requests_for("BuyPhoneNumber"), 0);
    // Phone fields of generated operations are checked the same way.
    let contact = shell
        .run(&[
            "contacts",
            "create",
            "--first-name",
            "Ada",
            "--phone",
            "+1415555",
        ])
        .await;
    assert_eq!(contact.exit.code(), 2, "{contact:?}");
    assert!(
        contact.stderr.contains("invalid phone number"),
        "{}",
        contact.stderr
    );
    assert_eq!(sandbox.requests_for("CreateContact"), 0);

    let usage = shell.run(&["agents", "get"]).await;
    assert_eq!(usage.exit.code(), 2, "{usage:?}");
    let bad_body = shell
        .run(&["agents", "create", "--body", "{not json"])
        .await;
    assert_eq!(bad_body.exit.code(), 2, "{bad_body:?}");

    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let mut offline = shell.clone();
    offline.set("AGNI_BASE_URL", &format!("http://127.0.0.1:{closed}"));
    let refused = offline.run(&["health", "check"]).await;
    assert_eq!(refused.exit.code(), 5, "{refused:?}");

    let mut keyless = Shell::default();
    keyless.set("AGNI_CONFIG_DIR", "/nonexistent/agni-cli-tests");
    let no_key = keyless.run(&["agents", "list"]).await;
    assert_eq!(no_key.exit.code(), 2, "{no_key:?}");
    assert!(no_key.stderr.contains("agni login"), "{}", no_key.stderr);
}

/// Runs the built `agni` binary (the sandbox keeps serving on this runtime meanwhile).
async fn binary(shell: &Shell, args: &[&str]) -> Ran {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_agni"));
    command.args(args).env_clear().envs(&shell.env);
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap();
    let exit = match output.status.code() {
        Some(0) => Exit::Ok,
        Some(2) => Exit::Usage,
        Some(3) => Exit::ClientError,
        Some(4) => Exit::ServerError,
        Some(5) => Exit::Transport,
        Some(6) => Exit::InvalidRequest,
        _ => Exit::Other,
    };
    Ran {
        exit,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn profiles_are_owner_only_and_the_key_is_never_printed() {
    let sandbox = Sandbox::start().await.unwrap();
    let key = sandbox.api_key().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("agni");
    let mut shell = Shell::default();
    shell.set("AGNI_CONFIG_DIR", config.to_str().unwrap());

    let login = shell
        .run_with_stdin(
            &[
                "login",
                "--profile",
                "sandbox",
                "--base-url",
                sandbox.base_url(),
            ],
            &format!("{key}\n"),
        )
        .await;
    assert_eq!(login.exit, Exit::Ok, "{login:?}");
    let file = config.join("profiles.json");
    #[cfg(unix)]
    {
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(&config), 0o700);
    }
    let mut outputs = vec![login];
    outputs.push(shell.run(&["profiles", "list"]).await);
    assert!(outputs[1].stdout.contains("sandbox"), "{:?}", outputs[1]);
    // The saved profile is the default: no key, no base URL needed. `--verbose` runs go through
    // the binary, whose tracing subscriber is the process's own.
    let listed = binary(&shell, &["agents", "list", "--verbose"]).await;
    assert_eq!(listed.exit, Exit::Ok, "{listed:?}");
    assert!(
        listed.stderr.contains("agni.request"),
        "verbose logs: {}",
        listed.stderr
    );
    outputs.push(listed);
    let failed = binary(&shell, &["agents", "get", "nope", "--verbose"]).await;
    assert_eq!(failed.exit, Exit::ClientError, "{failed:?}");
    outputs.push(failed);
    outputs.push(binary(&shell, &["--api-key", &key, "agents", "get", "nope", "-v"]).await);
    outputs.push(shell.run(&["agents", "get", "nope"]).await);
    for ran in &outputs {
        assert!(
            !ran.stdout.contains(&key) && !ran.stderr.contains(&key),
            "the key leaked: {ran:?}"
        );
    }
    // Rewrites keep the mode.
    shell.run(&["profiles", "use", "sandbox"]).await;
    #[cfg(unix)]
    assert_eq!(mode(&file), 0o600);
    let unknown = shell.run(&["--profile", "nope", "agents", "list"]).await;
    assert_eq!(unknown.exit.code(), 2, "{unknown:?}");
    let removed = shell.run(&["profiles", "remove", "sandbox"]).await;
    assert_eq!(removed.exit, Exit::Ok, "{removed:?}");
    assert!(!std::fs::read_to_string(&file).unwrap().contains(&key));
}

#[tokio::test]
async fn calls_start_then_the_session_is_listed() {
    let sandbox = Sandbox::start().await.unwrap();
    let shell = Shell::sandbox(&sandbox);
    let agent = shell
        .run(&["agents", "create", "--agent-name", "Riley"])
        .await
        .json()["data"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        shell.run(&["numbers", "buy", "+14155550100"]).await.exit,
        Exit::Ok
    );
    let call = shell
        .run(&[
            "calls",
            "start",
            "--agent",
            &agent,
            "--from",
            "+14155550100",
            "--to",
            "+12137774445",
            "--var",
            "first_name=Ada",
        ])
        .await;
    assert_eq!(call.exit, Exit::Ok, "{call:?}");
    let session = call.json()["session_id"].as_str().unwrap().to_owned();
    let detail = shell.run(&["sessions", "get", &session]).await;
    assert_eq!(detail.exit, Exit::Ok, "{detail:?}");
    let web = shell.run(&["calls", "start", "--agent", &agent]).await;
    assert!(web.json()["access_token"].is_string(), "{web:?}");
}

/// Serves one HTTP answer per connection to every request, returning the requests it read.
async fn one_shot_server(
    answer: &'static [u8],
) -> (u16, tokio::sync::mpsc::UnboundedReceiver<Vec<u8>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (sent, received) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            // Read the head, then as much body as Content-Length says.
            loop {
                let n = socket.read(&mut buf).await.unwrap_or(0);
                if n == 0 {
                    break;
                }
                request.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&request);
                if let Some(end) = text.find("\r\n\r\n") {
                    let length = text[..end]
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if request.len() >= end + 4 + length {
                        break;
                    }
                }
            }
            let _ = sent.send(request);
            let _ = socket.write_all(answer).await;
        }
    });
    (port, received)
}

#[tokio::test]
async fn recordings_download_writes_the_file_whole() {
    let (port, _requests) = one_shot_server(
        b"HTTP/1.1 200 OK\r\nContent-Type: audio/mpeg\r\nContent-Length: 5\r\nConnection: close\r\n\r\nRIFFx",
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let mut shell = Shell::default();
    shell
        .set("AGNI_BASE_URL", &format!("http://127.0.0.1:{port}"))
        .set("RAVAN_API_KEY", "test-key");
    let target = dir.path().join("call.mp3");
    let ran = shell
        .run(&[
            "recordings",
            "download",
            "s1",
            "-o",
            target.to_str().unwrap(),
        ])
        .await;
    assert_eq!(ran.exit, Exit::Ok, "{ran:?}");
    assert_eq!(std::fs::read(&target).unwrap(), b"RIFFx");
    assert_eq!(ran.json()["bytes"], 5);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temporary file left");
}

#[tokio::test]
async fn webhooks_listen_prints_and_forwards_each_event() {
    let (forward_port, mut forwarded) =
        one_shot_server(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").await;
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let (stdout, stderr) = (Buffer::default(), Buffer::default());
    let io = Io {
        stdout: Arc::new(Mutex::new(Box::new(stdout.clone()))),
        stderr: Arc::new(Mutex::new(Box::new(stderr.clone()))),
        stdin: Box::new(std::io::empty()),
        stdout_is_terminal: false,
        stdin_is_terminal: false,
        stderr_is_terminal: false,
        env: HashMap::new(),
    };
    let port_text = port.to_string();
    let forward_to = format!("http://127.0.0.1:{forward_port}/hook");
    let args = [
        "agni",
        "webhooks",
        "listen",
        "--port",
        &port_text,
        "--forward-to",
        &forward_to,
    ];
    let body = r#"{"event":"call_completed","call_session":{"id":"s1","status":"completed"}}"#;
    let deliver = async {
        let http = reqwest::Client::new();
        let url = format!("http://127.0.0.1:{port}/");
        for _ in 0..100 {
            if let Ok(answer) = http.post(&url).body(body).send().await {
                return answer.status();
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("the receiver never listened: {}", stderr.text());
    };
    tokio::select! {
        exit = agni_cli::run(args, io) => panic!("listen ended: {exit:?} {}", stderr.text()),
        status = deliver => assert!(status.is_success(), "{status}"),
    }
    let printed: Value = serde_json::from_str(stdout.text().lines().next().unwrap()).unwrap();
    assert_eq!(printed["session_id"], "s1");
    let request = String::from_utf8(forwarded.recv().await.unwrap()).unwrap();
    assert!(request.starts_with("POST /hook "), "{request}");
    assert!(
        request.ends_with(body),
        "the raw body is forwarded: {request}"
    );
}

#[tokio::test]
async fn completions_for_bash() {
    let ran = Shell::default().run(&["completions", "bash"]).await;
    assert_eq!(ran.exit, Exit::Ok);
    assert!(ran.stdout.contains("agents"), "{}", &ran.stdout[..200]);
}
