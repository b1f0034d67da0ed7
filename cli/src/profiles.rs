//! Credentials: `--api-key`, `$RAVAN_API_KEY`, or a profile saved by `agni login` in
//! `<config dir>/agni/profiles.json` (`$AGNI_CONFIG_DIR/profiles.json` if set), a file only its
//! owner can read (mode 0600 from the moment it exists: written to a new 0600 file, then renamed
//! over the old one). The key is never printed.

use std::{
    collections::BTreeMap,
    fs,
    io::{BufRead, BufReader, Write},
    path::{Path, PathBuf},
};

use anyhow::Context as _;
use clap::{Arg, ArgMatches, Command};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::{Global, Io, exit::UsageError, output::Format};

/// The profile `agni login` writes when none is named.
pub const DEFAULT_PROFILE: &str = "default";
/// The file name under the config directory.
pub const FILE: &str = "profiles.json";

/// One saved credential.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Profile {
    /// The API key (never printed).
    pub api_key: String,
    /// The base URL, if not the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
}

impl std::fmt::Debug for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Profile")
            .field("api_key", &"<redacted>")
            .field("base_url", &self.base_url)
            .finish()
    }
}

/// The profile file.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Profiles {
    /// The profile used when none is named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// Profiles by name.
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

fn usage(message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(UsageError(message.into()))
}

/// The profile file's path.
pub fn path(io: &Io) -> anyhow::Result<PathBuf> {
    io.config_dir()
        .map(|dir| dir.join(FILE))
        .ok_or_else(|| usage("no config directory: set AGNI_CONFIG_DIR"))
}

impl Profiles {
    /// Reads the file; a missing file is no profiles.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        match fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .with_context(|| format!("{} is not a valid profile file", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    /// Writes the file atomically, readable by its owner only.
    pub fn save(&self, path: &Path) -> anyhow::Result<()> {
        let bytes = serde_json::to_vec_pretty(self)?;
        write_private(path, &bytes).with_context(|| format!("cannot write {}", path.display()))
    }
}

/// Writes `bytes` to a new owner-only file beside `path`, then renames it over `path`.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    create_private_dir(dir)?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let _ = fs::remove_file(&temp);
    let written = (|| {
        let mut file = options.open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temp, path)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temp);
    }
    written
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// The client for a command: key and base URL from the flags, the environment, then the profile.
pub fn client(global: &Global, io: &Io) -> anyhow::Result<agni::Client> {
    let named = global
        .profile
        .clone()
        .or_else(|| io.var("AGNI_PROFILE").map(str::to_owned));
    let explicit_key = global
        .api_key
        .clone()
        .or_else(|| io.var("RAVAN_API_KEY").map(str::to_owned));
    // The profile file is read only when a flag or variable does not already say everything.
    let profile = if explicit_key.is_some() && named.is_none() {
        None
    } else {
        let profiles = match io.config_dir() {
            Some(dir) => Profiles::load(&dir.join(FILE))?,
            None => Profiles::default(),
        };
        match named.or(profiles.default.clone()) {
            Some(name) => match profiles.profiles.get(&name) {
                Some(profile) => Some(profile.clone()),
                None if global.profile.is_some() || io.var("AGNI_PROFILE").is_some() => {
                    return Err(usage(format!(
                        "no profile `{name}`; `agni profiles list` shows the saved ones"
                    )));
                }
                None => None,
            },
            None => None,
        }
    };
    let api_key = explicit_key
        .or_else(|| profile.as_ref().map(|p| p.api_key.clone()))
        .ok_or_else(|| {
            usage("no API key: pass --api-key, set RAVAN_API_KEY, or save one with `agni login`")
        })?;
    let base_url = global
        .base_url
        .clone()
        .or_else(|| io.var("AGNI_BASE_URL").map(str::to_owned))
        .or_else(|| profile.and_then(|p| p.base_url));
    let mut builder = agni::Client::builder().api_key(api_key);
    if let Some(url) = base_url {
        builder = builder.base_url(url);
    }
    builder
        .build()
        .map_err(|e| usage(format!("cannot configure the client: {e}")))
}

/// `agni login`.
pub fn login_command() -> Command {
    Command::new("login").about(
        "Save an API key in a profile (--profile, default `default`), with --base-url if given. \
         Prompts without echo on a terminal, reads one line from stdin otherwise",
    )
}

/// `agni profiles list`.
pub fn list_command() -> Command {
    Command::new("list").about("List saved profiles (names and base URLs; never keys)")
}

/// `agni profiles use NAME`.
pub fn use_command() -> Command {
    Command::new("use")
        .about("Make NAME the default profile")
        .arg(Arg::new("name").required(true).value_name("NAME"))
}

/// `agni profiles remove NAME`.
pub fn remove_command() -> Command {
    Command::new("remove")
        .about("Delete the profile NAME")
        .arg(Arg::new("name").required(true).value_name("NAME"))
}

fn say(io: &Io, text: &str) {
    let mut out = io.stdout.lock().unwrap_or_else(|e| e.into_inner());
    let _ = writeln!(out, "{text}");
}

/// `agni login`: asks for the key and saves it.
pub fn login(_: &ArgMatches, global: &Global, mut io: Io) -> anyhow::Result<()> {
    let path = path(&io)?;
    let name = global
        .profile
        .clone()
        .unwrap_or_else(|| DEFAULT_PROFILE.to_owned());
    let key = match &global.api_key {
        Some(key) => key.clone(),
        None if io.stdin_is_terminal => rpassword::prompt_password("Agni API key: ")
            .context("cannot read the key from the terminal")?,
        None => {
            let mut line = String::new();
            BufReader::new(&mut io.stdin)
                .read_line(&mut line)
                .context("cannot read the key from stdin")?;
            line
        }
    };
    let key = key.trim().to_owned();
    if key.is_empty() {
        return Err(usage("no API key given"));
    }
    let mut profiles = Profiles::load(&path)?;
    profiles.profiles.insert(
        name.clone(),
        Profile {
            api_key: key,
            base_url: global.base_url.clone(),
        },
    );
    if profiles.default.is_none() {
        profiles.default = Some(name.clone());
    }
    profiles.save(&path)?;
    say(
        &io,
        &format!("saved profile `{name}` in {}", path.display()),
    );
    Ok(())
}

/// `agni profiles list`.
pub fn list(format: Format, io: Io) -> anyhow::Result<()> {
    let profiles = Profiles::load(&path(&io)?)?;
    let rows: Vec<Value> = profiles
        .profiles
        .iter()
        .map(|(name, p)| {
            json!({
                "name": name,
                "base_url": p.base_url.as_deref().unwrap_or("(default)"),
                "default": profiles.default.as_deref() == Some(name),
            })
        })
        .collect();
    let text = crate::output::render(format, io.stdout_is_terminal, &Value::Array(rows));
    let mut out = io.stdout.lock().unwrap_or_else(|e| e.into_inner());
    out.write_all(text.as_bytes())?;
    Ok(())
}

/// `agni profiles use NAME`.
pub fn use_profile(matches: &ArgMatches, io: Io) -> anyhow::Result<()> {
    let name = matches.get_one::<String>("name").expect("required").clone();
    let path = path(&io)?;
    let mut profiles = Profiles::load(&path)?;
    if !profiles.profiles.contains_key(&name) {
        return Err(usage(format!("no profile `{name}`")));
    }
    profiles.default = Some(name.clone());
    profiles.save(&path)?;
    say(&io, &format!("default profile is now `{name}`"));
    Ok(())
}

/// `agni profiles remove NAME`.
pub fn remove(matches: &ArgMatches, io: Io) -> anyhow::Result<()> {
    let name = matches.get_one::<String>("name").expect("required").clone();
    let path = path(&io)?;
    let mut profiles = Profiles::load(&path)?;
    if profiles.profiles.remove(&name).is_none() {
        return Err(usage(format!("no profile `{name}`")));
    }
    if profiles.default.as_deref() == Some(&name) {
        profiles.default = None;
    }
    profiles.save(&path)?;
    say(&io, &format!("removed profile `{name}`"));
    Ok(())
}
