//! Output: JSON (pretty on a terminal, one line per value when piped), YAML, or a table derived
//! from the JSON of any answer; and [`Printer`], the generated commands' `CliConfig`.

use std::{
    io::{Read, Write},
    sync::Mutex,
};

use agni::{
    ResponseValue,
    pagination::{Page, PageRequest, Paging},
};
use futures_util::TryStreamExt;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::{Io, SharedWriter, exit::UsageError, generated::CliConfig};

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// JSON: pretty on a terminal, compact when piped.
    Json,
    /// A table: one row per item of a list, one per field of an object.
    Table,
    /// YAML.
    Yaml,
}

/// Most columns a list table shows (`id` first, then the first scalar fields).
pub const MAX_COLUMNS: usize = 6;
/// Most characters of a cell; longer values end in `…`.
pub const MAX_CELL: usize = 40;

/// Prints answers in one [`Format`] and reads request bodies.
pub struct Printer {
    format: Format,
    pretty: bool,
    stdout: SharedWriter,
    stderr: SharedWriter,
    stdin: Mutex<Box<dyn Read + Send>>,
    stderr_is_terminal: bool,
}

impl Printer {
    /// A printer over `io`'s streams.
    pub fn new(format: Format, io: Io) -> Self {
        Self {
            format,
            pretty: io.stdout_is_terminal,
            stdout: io.stdout,
            stderr: io.stderr,
            stdin: Mutex::new(io.stdin),
            stderr_is_terminal: io.stderr_is_terminal,
        }
    }

    /// Whether progress may be drawn on stderr.
    pub fn stderr_is_terminal(&self) -> bool {
        self.stderr_is_terminal
    }

    /// Writes `text` to stdout.
    pub fn write(&self, text: &str) {
        let mut out = self.stdout.lock().unwrap_or_else(|e| e.into_inner());
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }

    /// Writes a line to stderr.
    pub fn note(&self, text: &str) {
        let mut err = self.stderr.lock().unwrap_or_else(|e| e.into_inner());
        let _ = writeln!(err, "{text}");
    }

    /// Prints one answer.
    pub fn value(&self, value: &Value) {
        self.write(&render(self.format, self.pretty, value));
    }

    /// Prints any serializable answer; JSON and YAML keep the order of its fields.
    pub fn print<T: Serialize>(&self, value: &T) {
        let text = match self.format {
            Format::Json if self.pretty => {
                serde_json::to_string_pretty(value).ok().map(|t| t + "\n")
            }
            Format::Json => serde_json::to_string(value).ok().map(|t| t + "\n"),
            Format::Yaml => serde_saphyr::to_string(value).ok().map(ensure_newline),
            Format::Table => None,
        };
        match text {
            Some(text) => self.write(&text),
            None => self.value(&serde_json::to_value(value).unwrap_or(Value::Null)),
        }
    }
}

/// `value` as text in `format`, ending in a newline.
pub fn render(format: Format, pretty: bool, value: &Value) -> String {
    match format {
        Format::Json if pretty => json_pretty(value) + "\n",
        Format::Json => value.to_string() + "\n",
        Format::Yaml => yaml(value),
        Format::Table => match list_items(value) {
            Some(items) => {
                let mut text = table(items);
                if let Some(total) = total(value).filter(|t| *t > items.len() as u64) {
                    text.push_str(&format!(
                        "(showing {} of {total}; --all fetches every page)\n",
                        items.len()
                    ));
                }
                text
            }
            // A list answer with no items may omit `data` altogether; its `meta` gives it away.
            None if total(value) == Some(0) => "(no items)\n".into(),
            None => fields(value),
        },
    }
}

fn json_pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

fn yaml(value: &Value) -> String {
    ensure_newline(serde_saphyr::to_string(value).unwrap_or_default())
}

fn ensure_newline(text: String) -> String {
    if text.ends_with('\n') {
        text
    } else {
        text + "\n"
    }
}

/// The items of a list answer: the answer itself if an array, its `data` if that is an array,
/// or the one array inside an object `data` (`data.callSessions`).
pub fn list_items(value: &Value) -> Option<&Vec<Value>> {
    match value {
        Value::Array(items) => Some(items),
        Value::Object(object) => match object.get("data")? {
            Value::Array(items) => Some(items),
            Value::Object(data) => {
                let mut arrays = data.values().filter_map(Value::as_array);
                let first = arrays.next()?;
                arrays.next().is_none().then_some(first)
            }
            _ => None,
        },
        _ => None,
    }
}

/// `meta.total` of a list answer, as a number or a numeric string.
pub fn total(value: &Value) -> Option<u64> {
    match value.get("meta")?.get("total")? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// One page of a list answer, for `--all`.
pub fn page_of(value: Value) -> Page<Value> {
    let total = total(&value);
    let items = list_items(&value).cloned().unwrap_or_default();
    Page { items, total }
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => Some(String::new()),
        _ => None,
    }
}

fn cell(value: &Value) -> String {
    let text = scalar(value).unwrap_or_else(|| value.to_string());
    let text = text.replace(['\n', '\r', '\t'], " ");
    if text.chars().count() > MAX_CELL {
        let mut cut: String = text.chars().take(MAX_CELL - 1).collect();
        cut.push('…');
        cut
    } else {
        text
    }
}

/// The columns of a list table: `id` if any item has one, then scalar fields in order of first
/// appearance, skipping fields empty in every item; at most [`MAX_COLUMNS`].
fn columns(items: &[Value]) -> Vec<String> {
    let mut columns: Vec<String> = Vec::new();
    let has = |key: &str| {
        items.iter().any(|item| {
            item.get(key)
                .is_some_and(|v| scalar(v).is_some_and(|s| !s.is_empty()))
        })
    };
    if has("id") {
        columns.push("id".into());
    }
    for item in items {
        let Value::Object(object) = item else {
            continue;
        };
        for key in object.keys() {
            if columns.len() >= MAX_COLUMNS {
                return columns;
            }
            if !columns.contains(key) && has(key) {
                columns.push(key.clone());
            }
        }
    }
    columns
}

fn aligned(rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = (0..rows.first().map_or(0, Vec::len))
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut text = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, value) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(value);
            } else {
                let pad = widths[i] - value.chars().count();
                line.push_str(value);
                line.push_str(&" ".repeat(pad + 2));
            }
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

/// A list as a table: a header row, then one row per item.
pub fn table(items: &[Value]) -> String {
    if items.is_empty() {
        return "(no items)\n".into();
    }
    let columns = columns(items);
    if columns.is_empty() {
        return items.iter().map(|i| cell(i) + "\n").collect();
    }
    let mut rows = vec![
        columns
            .iter()
            .map(|c| heck::ToShoutySnakeCase::to_shouty_snake_case(c.as_str()))
            .collect::<Vec<_>>(),
    ];
    for item in items {
        rows.push(
            columns
                .iter()
                .map(|c| item.get(c).map(cell).unwrap_or_default())
                .collect(),
        );
    }
    aligned(&rows)
}

/// An object as `field  value` rows: the envelope's `data` when it is an object, else the
/// answer itself; a scalar as itself.
fn fields(value: &Value) -> String {
    let object = match value {
        Value::Object(object) => match object.get("data") {
            Some(Value::Object(data)) => data,
            _ => object,
        },
        other => return cell(other) + "\n",
    };
    if object.is_empty() {
        return "(empty)\n".into();
    }
    // `id` first, then the other fields (in key order: JSON objects here are sorted maps).
    let mut rows: Vec<Vec<String>> = object
        .iter()
        .filter(|(_, v)| !matches!(v, Value::Null))
        .map(|(k, v)| vec![k.clone(), cell(v)])
        .collect();
    rows.sort_by_key(|row| row[0] != "id");
    aligned(&rows)
}

fn usage(message: String) -> anyhow::Error {
    anyhow::Error::new(UsageError(message))
}

impl Printer {
    fn read_body(&self, value: &str) -> anyhow::Result<(String, String)> {
        if value == "-" {
            let mut text = String::new();
            self.stdin
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .read_to_string(&mut text)
                .map_err(|e| usage(format!("cannot read the request body from stdin: {e}")))?;
            Ok((text, "stdin".into()))
        } else if let Some(path) = value.strip_prefix('@') {
            let text = std::fs::read_to_string(path)
                .map_err(|e| usage(format!("cannot read the request body from {path}: {e}")))?;
            Ok((text, path.into()))
        } else {
            Ok((value.to_owned(), "--body".into()))
        }
    }
}

impl CliConfig for Printer {
    fn success_item<T>(&self, value: &ResponseValue<T>)
    where
        T: Serialize + std::fmt::Debug,
    {
        self.print(&**value);
    }

    fn success_no_item(&self, _: &ResponseValue<()>) {
        if self.format == Format::Table {
            self.write("done\n");
        }
    }

    async fn success_stream(&self, value: ResponseValue<agni::ByteStream>) -> anyhow::Result<()> {
        let mut stream = value.into_inner();
        while let Some(chunk) = stream.try_next().await? {
            let mut out = self.stdout.lock().unwrap_or_else(|e| e.into_inner());
            out.write_all(&chunk)?;
        }
        Ok(())
    }

    fn error(&self, _: &agni::Error) {
        // `run` prints the returned error once, as one sentence.
    }

    fn body<B: serde::de::DeserializeOwned>(&self, value: &str) -> anyhow::Result<B> {
        let (text, from) = self.read_body(value)?;
        serde_json::from_str(&text)
            .map_err(|e| usage(format!("the request body in {from} is not valid: {e}")))
    }

    async fn list_all<R, F, Fut>(&self, paging: Paging, mut fetch: F) -> anyhow::Result<()>
    where
        R: Serialize,
        F: FnMut(PageRequest) -> Fut,
        Fut: Future<Output = Result<R, agni::Error>>,
    {
        let items = agni::pagination::paginate(
            agni::pagination::DEFAULT_PAGE_SIZE,
            paging,
            move |request| {
                let page = fetch(request);
                async move {
                    let answer = page.await?;
                    Ok(page_of(serde_json::to_value(answer).unwrap_or(Value::Null)))
                }
            },
        );
        let mut items = std::pin::pin!(items);
        match self.format {
            Format::Json => {
                // Streamed: one page in memory at a time.
                let mut first = true;
                let mut result = Ok(());
                loop {
                    match items.try_next().await {
                        Ok(Some(item)) => {
                            let text = if self.pretty {
                                indent(&json_pretty(&item))
                            } else {
                                item.to_string()
                            };
                            self.write(&format!("{}\n{text}", if first { "[" } else { "," }));
                            first = false;
                        }
                        Ok(None) => break,
                        Err(error) => {
                            result = Err(error.into());
                            break;
                        }
                    }
                }
                self.write(if first { "[]\n" } else { "\n]\n" });
                result
            }
            Format::Table | Format::Yaml => {
                let all: Vec<Value> = items.try_collect().await?;
                self.value(&Value::Array(all));
                Ok(())
            }
        }
    }
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|line| format!("  {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// An object built from `(key, value)` pairs, for hand-written commands' answers.
pub fn object<const N: usize>(pairs: [(&str, Value); N]) -> Value {
    Value::Object(
        pairs
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect::<Map<_, _>>(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn list_tables_put_id_first_and_bound_cells() {
        let answer = json!({"data": [
            {"name": "Riley", "id": "a1", "nested": {"x": 1}, "note": "x".repeat(60)},
            {"id": "a2", "name": "Sam", "note": null}
        ], "meta": {"total": "5"}});
        let text = render(Format::Table, true, &answer);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "ID  NAME   NOTE");
        assert!(lines[1].starts_with("a1  Riley  xxxx"), "{text}");
        assert!(lines[1].ends_with('…'), "{text}");
        assert_eq!(lines[2], "a2  Sam");
        assert_eq!(lines[3], "(showing 2 of 5; --all fetches every page)");
    }

    #[test]
    fn nested_lists_and_objects() {
        let sessions = json!({"data": {"callSessions": [{"id": "s1"}]}});
        assert_eq!(list_items(&sessions).map(Vec::len), Some(1));
        let agent = json!({"success": true, "data": {"id": "a1", "agent_name": "Riley"}});
        assert_eq!(
            render(Format::Table, true, &agent),
            "id          a1\nagent_name  Riley\n"
        );
        assert_eq!(render(Format::Json, false, &agent).lines().count(), 1);
    }
}
