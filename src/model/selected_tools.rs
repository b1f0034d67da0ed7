//! [`SelectedTools`]: the tools attached to an agent, as a list of tool ids.

use std::fmt;

use serde::{
    Deserialize, Deserializer, Serialize, Serializer,
    de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor},
};

/// The tools enabled for an agent: a list of tool ids (`AgentTool::id`).
///
/// An agent's `selected_tools` has had every shape in the docs' history: `{}` (v1), `[]` (v2),
/// an array of tool objects (the v3 generated example), an array of tool id strings (the v3
/// update example) and `null` (the v3 get example). All of them decode into this one list:
///
/// - `null`, `{}` and `[]` are the empty list;
/// - an array holds tool id strings or tool objects; an object contributes its `id` (or
///   `tool_id`, or `toolId`). An object carrying none of them names no tool that could be sent
///   back, so it is skipped: after a read-modify-write such an entry is no longer attached;
/// - a non-empty object is read as a map keyed by tool id (its values are ignored).
///
/// It is sent in the current docs' form, an array of id strings. Writing it replaces the whole
/// set on the server: tools left out of an update are detached, and an empty list detaches all.
///
/// ```
/// use agni::SelectedTools;
///
/// let tools = SelectedTools::from(["tool-1", "tool-2"]);
/// assert_eq!(serde_json::to_string(&tools)?, r#"["tool-1","tool-2"]"#);
///
/// let decoded: SelectedTools = serde_json::from_str(r#"[{"id": "tool-1"}, "tool-2"]"#)?;
/// assert_eq!(decoded, tools);
/// assert!(serde_json::from_str::<SelectedTools>("{}")?.is_empty());
///
/// let collected: SelectedTools = decoded.iter().filter(|id| *id != "tool-2").cloned().collect();
/// assert_eq!(collected.as_slice(), ["tool-1"]);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct SelectedTools(Vec<String>);

impl SelectedTools {
    /// No tools: sent as `[]`, which detaches every tool.
    ///
    /// ```
    /// assert_eq!(serde_json::to_string(&agni::SelectedTools::new())?, "[]");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn new() -> SelectedTools {
        SelectedTools(Vec::new())
    }

    /// Adds a tool id at the end.
    ///
    /// ```
    /// let mut tools = agni::SelectedTools::new();
    /// tools.push("tool-1");
    /// assert!(tools.contains("tool-1"));
    /// ```
    pub fn push(&mut self, id: impl Into<String>) {
        self.0.push(id.into());
    }

    /// Whether `id` is among the tools.
    ///
    /// ```
    /// assert!(!agni::SelectedTools::new().contains("tool-1"));
    /// ```
    pub fn contains(&self, id: &str) -> bool {
        self.0.iter().any(|tool| tool == id)
    }

    /// The tool ids, in order.
    ///
    /// ```
    /// let tools = agni::SelectedTools::from(["a", "b"]);
    /// assert_eq!(tools.as_slice(), ["a", "b"]);
    /// ```
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    /// Iterates over the tool ids.
    ///
    /// ```
    /// let tools = agni::SelectedTools::from(["a", "b"]);
    /// assert_eq!(tools.iter().count(), 2);
    /// ```
    pub fn iter(&self) -> std::slice::Iter<'_, String> {
        self.0.iter()
    }

    /// How many tools there are.
    ///
    /// ```
    /// assert_eq!(agni::SelectedTools::from(["a"]).len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no tools.
    ///
    /// ```
    /// assert!(agni::SelectedTools::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The tool ids as a `Vec`.
    ///
    /// ```
    /// assert_eq!(agni::SelectedTools::from(["a"]).into_vec(), vec!["a".to_string()]);
    /// ```
    pub fn into_vec(self) -> Vec<String> {
        self.0
    }
}

impl From<Vec<String>> for SelectedTools {
    fn from(ids: Vec<String>) -> SelectedTools {
        SelectedTools(ids)
    }
}

impl<S: Into<String>, const N: usize> From<[S; N]> for SelectedTools {
    fn from(ids: [S; N]) -> SelectedTools {
        ids.into_iter().collect()
    }
}

impl From<SelectedTools> for Vec<String> {
    fn from(tools: SelectedTools) -> Vec<String> {
        tools.0
    }
}

impl<S: Into<String>> FromIterator<S> for SelectedTools {
    fn from_iter<I: IntoIterator<Item = S>>(ids: I) -> SelectedTools {
        SelectedTools(ids.into_iter().map(Into::into).collect())
    }
}

impl<S: Into<String>> Extend<S> for SelectedTools {
    fn extend<I: IntoIterator<Item = S>>(&mut self, ids: I) {
        self.0.extend(ids.into_iter().map(Into::into));
    }
}

impl IntoIterator for SelectedTools {
    type Item = String;
    type IntoIter = std::vec::IntoIter<String>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a SelectedTools {
    type Item = &'a String;
    type IntoIter = std::slice::Iter<'a, String>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl Serialize for SelectedTools {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for SelectedTools {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<SelectedTools, D::Error> {
        deserializer.deserialize_any(ToolsVisitor)
    }
}

struct ToolsVisitor;

impl<'de> Visitor<'de> for ToolsVisitor {
    type Value = SelectedTools;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of tool ids or tool objects, an object, or null")
    }

    fn visit_unit<E: de::Error>(self) -> Result<SelectedTools, E> {
        Ok(SelectedTools::new())
    }

    fn visit_none<E: de::Error>(self) -> Result<SelectedTools, E> {
        Ok(SelectedTools::new())
    }

    fn visit_some<D: Deserializer<'de>>(self, inner: D) -> Result<SelectedTools, D::Error> {
        inner.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<SelectedTools, A::Error> {
        let mut ids = Vec::with_capacity(items.size_hint().unwrap_or(0));
        while let Some(entry) = items.next_element::<Entry>()? {
            ids.extend(entry.0);
        }
        Ok(SelectedTools(ids))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SelectedTools, A::Error> {
        let mut ids = Vec::new();
        while let Some(id) = map.next_key::<String>()? {
            map.next_value::<IgnoredAny>()?;
            ids.push(id);
        }
        Ok(SelectedTools(ids))
    }
}

/// One element of the array form: a tool id, or a tool object (`None` when it carries no id).
struct Entry(Option<String>);

impl<'de> Deserialize<'de> for Entry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Entry, D::Error> {
        deserializer.deserialize_any(EntryVisitor)
    }
}

struct EntryVisitor;

impl<'de> Visitor<'de> for EntryVisitor {
    type Value = Entry;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a tool id or a tool object")
    }

    fn visit_str<E: de::Error>(self, id: &str) -> Result<Entry, E> {
        Ok(Entry(Some(id.to_owned())))
    }

    fn visit_string<E: de::Error>(self, id: String) -> Result<Entry, E> {
        Ok(Entry(Some(id)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entry, A::Error> {
        let mut id = None;
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                // `id` wins over the other spellings if an object carries several.
                Key::Id => id = Some(map.next_value::<String>()?),
                Key::ToolId if id.is_none() => id = map.next_value()?,
                Key::ToolId | Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Entry(id))
    }
}

/// A key of a tool object, told apart without allocating.
enum Key {
    Id,
    ToolId,
    Other,
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Key, D::Error> {
        deserializer.deserialize_identifier(KeyVisitor)
    }
}

struct KeyVisitor;

impl Visitor<'_> for KeyVisitor {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
        Ok(match key {
            "id" => Key::Id,
            "tool_id" | "toolId" => Key::ToolId,
            _ => Key::Other,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(json: &str) -> Vec<String> {
        serde_json::from_str::<SelectedTools>(json)
            .unwrap_or_else(|e| panic!("{json}: {e}"))
            .into_vec()
    }

    #[test]
    fn every_documented_form() {
        let none: Vec<String> = Vec::new();
        assert_eq!(decode("null"), none);
        assert_eq!(decode("{}"), none);
        assert_eq!(decode("[]"), none);
        assert_eq!(decode(r#"["a", "b"]"#), ["a", "b"]);
        assert_eq!(
            decode(r#"[{"id": "a", "name": "Lookup"}, {"tool_id": "b"}, {"toolId": "c"}]"#),
            ["a", "b", "c"]
        );
        assert_eq!(decode(r#"[{}, {"name": "no id"}, "d"]"#), ["d"]);
        assert_eq!(decode(r#"[{"toolId": "x", "id": "a"}]"#), ["a"]);
        assert_eq!(decode(r#"{"a": true, "b": {}}"#), ["a", "b"]);
    }

    #[test]
    fn other_shapes_fail() {
        for bad in ["1", "\"a\"", "[1]", "[[\"a\"]]", r#"[{"id": 5}]"#] {
            assert!(serde_json::from_str::<SelectedTools>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn inside_an_option_null_is_none() {
        #[derive(Deserialize)]
        struct Agent {
            #[serde(default)]
            selected_tools: Option<SelectedTools>,
        }
        let agent: Agent = serde_json::from_str(r#"{"selected_tools": null}"#).unwrap();
        assert_eq!(agent.selected_tools, None);
        let agent: Agent = serde_json::from_str(r#"{"selected_tools": ["a"]}"#).unwrap();
        assert_eq!(agent.selected_tools, Some(SelectedTools::from(["a"])));
    }

    #[test]
    fn sends_an_array_of_ids() {
        let tools: SelectedTools = vec!["a".to_string()].into();
        assert_eq!(serde_json::to_string(&tools).unwrap(), r#"["a"]"#);
        let mut tools = tools;
        tools.extend(["b"]);
        tools.push("c");
        assert_eq!(tools.len(), 3);
        assert_eq!((&tools).into_iter().last().map(String::as_str), Some("c"));
    }
}
