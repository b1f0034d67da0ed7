//! The command table, help, output formats, paging and exit codes, against the sandbox.

use super::*;

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
    // Phone fields of generated operations are checked the same way, with the same exit code.
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
    assert_eq!(contact.exit.code(), 6, "{contact:?}");
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
