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

mod commands;
mod local;
mod support;

use support::*;
