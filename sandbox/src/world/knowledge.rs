//! Knowledge bases: the current sources API (`GetKnowledgeBase`, `AddKnowledgeBaseSources`,
//! `DeleteKnowledgeBaseSource`) and the legacy RAG operations (documents, query, discovery,
//! refresh, exclusions), over one store.
//!
//! A knowledge base comes into being the first time `AddKnowledgeBaseSources` or
//! `UpsertDocument` names its id; everything else answers `404` for an unknown one. Indexing is
//! instant: every source is `complete` when the call returns. A URL source's text is made up
//! from its address (the sandbox fetches nothing); `QueryKnowledgeBase` is a keyword match over
//! the stored texts, split into sentence chunks.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::super::api::UPLOADED_FILE_FIELD;
use super::{
    ApiRequest, Failure, Handled, Table, World, decode, new_id, not_found, ok, ok_all, spread,
    stamp, to_json,
};
use agni::types::{self, KnowledgeBaseSourceSourceType as SourceType};

#[derive(Debug, Default)]
pub(super) struct Knowledge {
    bases: Table<Base>,
}

#[derive(Debug, Clone)]
struct Base {
    org_id: String,
    info: types::KnowledgeBase,
    /// Source id → its text, for queries.
    texts: Vec<(String, String)>,
    /// Legacy documents: doc id → the source id it became, with its metadata.
    documents: Vec<Document>,
    exclusions: BTreeSet<String>,
}

#[derive(Debug, Clone)]
struct Document {
    doc_id: String,
    /// The source the document became (its text, its URL).
    source_id: String,
    metadata: Map<String, Value>,
    created_at: agni::Timestamp,
}

/// A knowledge base as the service writes it: its timestamps and its sources' as Unix epoch
/// seconds (the spec's "Unix epoch seconds"), unlike every other resource.
fn wire(info: &types::KnowledgeBase) -> Value {
    let epoch = |time: Option<agni::Timestamp>| time.map(|t| t.as_datetime().timestamp());
    let mut value = to_json(info);
    value["created_timestamp"] = json!(epoch(info.created_timestamp));
    value["last_updated_timestamp"] = json!(epoch(info.last_updated_timestamp));
    if let Some(sources) = value["knowledge_base_sources"].as_array_mut() {
        for (wired, source) in sources.iter_mut().zip(&info.knowledge_base_sources) {
            wired["created_timestamp"] = json!(epoch(source.created_timestamp));
        }
    }
    value
}

fn check_url(url: &str) -> Result<String, Failure> {
    let parsed = url::Url::parse(url.trim())
        .map_err(|e| Failure::InvalidArgument(format!("invalid URL {url:?}: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(Failure::InvalidArgument(format!(
            "invalid URL {url:?}: only http and https addresses can be crawled"
        )));
    }
    Ok(parsed.to_string())
}

/// What the sandbox pretends a crawled page says: its address, in words.
fn page_text(url: &str) -> String {
    let words: Vec<&str> = url
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty() && !matches!(*w, "http" | "https" | "www"))
        .collect();
    format!("Page {url}. This page is about {}.", words.join(" "))
}

/// Sentence-sized chunks of `text`.
fn chunks(text: &str) -> Vec<String> {
    let mut chunks = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        current.push(c);
        if matches!(c, '.' | '!' | '?' | '\n') {
            let chunk = current.trim();
            if !chunk.is_empty() {
                chunks.push(chunk.to_owned());
            }
            current.clear();
        }
    }
    if !current.trim().is_empty() {
        chunks.push(current.trim().to_owned());
    }
    chunks
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3)
        .map(str::to_lowercase)
        .filter(|w| {
            !matches!(
                w.as_str(),
                "the"
                    | "and"
                    | "are"
                    | "you"
                    | "what"
                    | "how"
                    | "for"
                    | "with"
                    | "your"
                    | "does"
                    | "which"
            )
        })
        .collect()
}

impl Base {
    fn new(org_id: &str, kb_id: &str, name: Option<String>) -> Base {
        let stamp = stamp();
        Base {
            org_id: org_id.to_owned(),
            info: types::KnowledgeBase {
                knowledge_base_id: kb_id.to_owned(),
                knowledge_base_name: name.or_else(|| Some(format!("Knowledge base {kb_id}"))),
                created_timestamp: Some(stamp),
                last_updated_timestamp: Some(stamp),
                enable_auto_refresh: Some(false),
                status: Some(types::KnowledgeBaseStatus::Complete),
                knowledge_base_sources: Vec::new(),
                extra: Map::new(),
            },
            texts: Vec::new(),
            documents: Vec::new(),
            exclusions: BTreeSet::new(),
        }
    }

    fn add_source(
        &mut self,
        kind: SourceType,
        name: String,
        url: Option<String>,
        text: String,
    ) -> String {
        let id = new_id();
        self.info
            .knowledge_base_sources
            .push(types::KnowledgeBaseSource {
                source_id: id.clone(),
                source_name: Some(name),
                source_type: Some(kind),
                source_url: url,
                source_status: Some("complete".into()),
                created_timestamp: Some(stamp()),
                extra: Map::new(),
            });
        self.texts.push((id.clone(), text));
        self.touch();
        id
    }

    fn remove_source(&mut self, source_id: &str) -> bool {
        let before = self.info.knowledge_base_sources.len();
        self.info
            .knowledge_base_sources
            .retain(|s| s.source_id != source_id);
        self.texts.retain(|(id, _)| id != source_id);
        self.documents.retain(|d| d.source_id != source_id);
        self.touch();
        self.info.knowledge_base_sources.len() != before
    }

    fn touch(&mut self) {
        self.info.last_updated_timestamp = Some(stamp());
    }

    fn source(&self, source_id: &str) -> Option<&types::KnowledgeBaseSource> {
        self.info
            .knowledge_base_sources
            .iter()
            .find(|s| s.source_id == source_id)
    }

    fn text(&self, source_id: &str) -> &str {
        self.texts
            .iter()
            .find(|(id, _)| id == source_id)
            .map_or("", |(_, text)| text.as_str())
    }

    /// A legacy document as the document operations answer it; listed documents come without
    /// their text.
    fn document(&self, doc: &Document, with_text: bool) -> types::Document {
        let source = self.source(&doc.source_id);
        types::Document {
            doc_id: doc.doc_id.clone(),
            kb_id: Some(self.info.knowledge_base_id.clone()),
            org_id: Some(self.org_id.clone()),
            url: source.and_then(|s| s.source_url.clone()),
            status: source.and_then(|s| s.source_status.clone()),
            text: with_text.then(|| self.text(&doc.source_id).to_owned()),
            metadata: doc.metadata.clone(),
            created_at: Some(doc.created_at),
            updated_at: self.info.last_updated_timestamp,
            extra: Map::new(),
        }
    }
}

impl World {
    fn base(&self, kb_id: &str) -> Result<&Base, Failure> {
        self.knowledge
            .bases
            .get(kb_id)
            .ok_or_else(|| not_found("knowledge base", kb_id))
    }

    fn base_mut(&mut self, kb_id: &str) -> Result<&mut Base, Failure> {
        self.knowledge
            .bases
            .get_mut(kb_id)
            .ok_or_else(|| not_found("knowledge base", kb_id))
    }

    /// The base `kb_id`, created on first use.
    fn base_or_new(&mut self, org_id: &str, kb_id: &str) -> Result<&mut Base, Failure> {
        if kb_id.trim().is_empty() {
            return Err(Failure::InvalidArgument("kb_id is required".into()));
        }
        if self.knowledge.bases.get(kb_id).is_none() {
            self.knowledge
                .bases
                .insert(kb_id.to_owned(), Base::new(org_id, kb_id, None));
        }
        self.base_mut(kb_id)
    }

    pub(super) fn get_knowledge_base(&mut self, r: &ApiRequest) -> Handled {
        ok(
            "knowledge base fetched",
            wire(&self.base(r.path_param("kb_id"))?.info),
        )
    }

    /// Texts and URLs, or a file uploaded as `multipart/form-data`, which the edge passes as
    /// `{"file": {"filename", "content_type", "size", "text"?}}` and which becomes a `document`
    /// source (its text, when UTF-8, is searchable).
    pub(super) fn add_knowledge_base_sources(&mut self, r: &ApiRequest) -> Handled {
        let kb_id = r.path_param("kb_id");
        let request: types::AddKnowledgeBaseSourcesRequest = decode(&r.body)?;
        let files: Vec<(String, String)> = r
            .body
            .get(UPLOADED_FILE_FIELD)
            .filter(|file| file.is_object())
            .map(|file| {
                let text = |key: &str| file.get(key).and_then(Value::as_str).map(str::to_owned);
                let name = text("filename").unwrap_or_else(|| "document".into());
                (name, text("text").unwrap_or_default())
            })
            .into_iter()
            .collect();
        if request.knowledge_base_texts.is_empty()
            && request.knowledge_base_urls.is_empty()
            && files.is_empty()
        {
            return Err(Failure::InvalidArgument(
                "give knowledge_base_texts, knowledge_base_urls or a file".into(),
            ));
        }
        let urls = request
            .knowledge_base_urls
            .iter()
            .map(|url| check_url(url))
            .collect::<Result<Vec<_>, _>>()?;
        for text in &request.knowledge_base_texts {
            if text.text.as_deref().is_none_or(|t| t.trim().is_empty()) {
                return Err(Failure::InvalidArgument(
                    "a knowledge-base text is empty".into(),
                ));
            }
        }
        let org_id = self.org_id.clone();
        let base = self.base_or_new(&org_id, kb_id)?;
        for (i, text) in request.knowledge_base_texts.into_iter().enumerate() {
            let name = text
                .title
                .filter(|t| !t.trim().is_empty())
                .unwrap_or_else(|| format!("Text {}", i + 1));
            base.add_source(SourceType::Text, name, None, text.text.unwrap_or_default());
        }
        for (name, content) in files {
            base.add_source(SourceType::Document, name, None, content);
        }
        let mut url_sources = Vec::new();
        for url in urls {
            let id = base.add_source(
                SourceType::Url,
                url.clone(),
                Some(url.clone()),
                page_text(&url),
            );
            url_sources.push(types::UrlSource {
                source_id: id,
                pages_found: Some(1 + spread(&url, 12) as i32),
                status: Some("complete".into()),
                url: Some(url),
                extra: Map::new(),
            });
        }
        ok(
            "sources added",
            json!({"knowledge_base": wire(&base.info), "url_sources": url_sources}),
        )
    }

    pub(super) fn delete_knowledge_base_source(&mut self, r: &ApiRequest) -> Handled {
        let source_id = r.path_param("source_id");
        let base = self.base_mut(r.path_param("kb_id"))?;
        if !base.remove_source(source_id) {
            return Err(not_found("knowledge-base source", source_id));
        }
        ok("source deleted", wire(&base.info))
    }

    pub(super) fn upsert_document(&mut self, r: &ApiRequest) -> Handled {
        let request: types::UpsertDocumentRequest = decode(&r.body)?;
        let doc_id = super::required(Some(request.doc_id.as_str()), "doc_id")?.to_owned();
        let url = request
            .url
            .as_deref()
            .filter(|u| !u.trim().is_empty())
            .map(check_url)
            .transpose()?;
        let urls = request
            .urls
            .iter()
            .map(|u| check_url(u))
            .collect::<Result<Vec<_>, _>>()?;
        let text = request.text.filter(|t| !t.trim().is_empty());
        if text.is_none() && url.is_none() && urls.is_empty() {
            return Err(Failure::InvalidArgument("give text, url or urls".into()));
        }
        let base = self.base_or_new(&request.org_id, &request.kb_id)?;
        let previous = base
            .documents
            .iter()
            .find(|d| d.doc_id == doc_id)
            .map(|d| d.source_id.clone());
        if let Some(previous) = previous {
            base.remove_source(&previous);
        }
        let mut content: Vec<String> = text.iter().cloned().collect();
        content.extend(url.iter().chain(&urls).map(|u| page_text(u)));
        let kind = if text.is_some() {
            SourceType::Text
        } else {
            SourceType::Url
        };
        let source_id = base.add_source(
            kind,
            doc_id.clone(),
            url.clone().or_else(|| urls.first().cloned()),
            content.join("\n"),
        );
        let document = Document {
            doc_id,
            source_id,
            metadata: request.metadata,
            created_at: stamp(),
        };
        let answer = base.document(&document, false);
        base.documents.push(document);
        ok("document upserted", answer)
    }

    /// The org's document `doc_id`, in whichever of its knowledge bases holds it.
    pub(super) fn get_document(&mut self, r: &ApiRequest) -> Handled {
        let org_id = r.query.get("org_id").map_or("", String::as_str);
        let doc_id = r.query.get("doc_id").map_or("", String::as_str);
        self.knowledge
            .bases
            .values()
            .filter(|b| b.org_id == org_id)
            .find_map(|b| {
                let doc = b.documents.iter().find(|d| d.doc_id == doc_id)?;
                Some(b.document(doc, true))
            })
            .map_or_else(
                || Err(not_found("document", doc_id)),
                |doc| ok("document fetched", doc),
            )
    }

    fn legacy_base(&self, r: &ApiRequest) -> Result<&Base, Failure> {
        let kb_id = r.query.get("kb_id").map_or("", String::as_str);
        let org_id = r.query.get("org_id").map_or("", String::as_str);
        self.base(kb_id)
            .ok()
            .filter(|b| b.org_id == org_id || org_id.is_empty())
            .ok_or_else(|| not_found("knowledge base", kb_id))
    }

    pub(super) fn list_documents(&mut self, r: &ApiRequest) -> Handled {
        let base = self.legacy_base(r)?;
        let docs: Vec<types::Document> = base
            .documents
            .iter()
            .map(|d| base.document(d, false))
            .collect();
        ok_all("documents fetched", docs)
    }

    pub(super) fn list_knowledge_bases(&mut self, r: &ApiRequest) -> Handled {
        let org_id = r.query.get("org_id").map_or("", String::as_str);
        let bases: Vec<types::KnowledgeBaseSummary> = self
            .knowledge
            .bases
            .values()
            .filter(|b| b.org_id == org_id)
            .map(|b| types::KnowledgeBaseSummary {
                kb_id: b.info.knowledge_base_id.clone(),
                document_count: Some(b.documents.len() as i64),
                created_at: b.info.created_timestamp,
                extra: Map::new(),
            })
            .collect();
        ok_all("knowledge bases fetched", bases)
    }

    pub(super) fn query_knowledge_base(&mut self, r: &ApiRequest) -> Handled {
        let request: types::RagQueryRequest = decode(&r.body)?;
        let query = super::required(Some(request.query.as_str()), "query")?;
        let base = self
            .base(&request.kb_id)
            .ok()
            .filter(|b| b.org_id == request.org_id)
            .ok_or_else(|| not_found("knowledge base", &request.kb_id))?;
        let wanted = words(query);
        let mut matches: Vec<(usize, types::QueryResult)> = Vec::new();
        for source in &base.info.knowledge_base_sources {
            let source_id = source.source_id.as_str();
            // A legacy document answers with its own id and metadata; any other source with
            // its id, and its name, type and URL as metadata.
            let document = base.documents.iter().find(|d| d.source_id == source_id);
            let (doc_id, metadata) = match document {
                Some(doc) => (doc.doc_id.clone(), doc.metadata.clone()),
                None => (
                    source_id.to_owned(),
                    json!({
                        "source_name": source.source_name,
                        "source_type": source.source_type,
                        "source_url": source.source_url,
                    })
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
                ),
            };
            for chunk in chunks(base.text(source_id)) {
                let have: BTreeSet<String> = words(&chunk).into_iter().collect();
                let score = wanted.iter().filter(|w| have.contains(*w)).count();
                if score > 0 {
                    matches.push((
                        score,
                        types::QueryResult {
                            text: Some(chunk),
                            score: Some(score as f64 / wanted.len().max(1) as f64),
                            doc_id: Some(doc_id.clone()),
                            metadata: metadata.clone(),
                            chunk: None,
                            extra: Map::new(),
                        },
                    ));
                }
            }
        }
        matches.sort_by_key(|m| std::cmp::Reverse(m.0));
        let results: Vec<types::QueryResult> = matches
            .into_iter()
            .take(5)
            .map(|(_, result)| result)
            .collect();
        ok("query answered", json!({ "results": results }))
    }

    pub(super) fn discover_urls(&mut self, r: &ApiRequest) -> Handled {
        let request: types::DiscoverRequest = decode(&r.body)?;
        let root = check_url(&request.url)?;
        let base = root.trim_end_matches('/');
        let mut urls = vec![root.clone()];
        if request.max_depth > 0 {
            urls.extend(
                [
                    "about", "pricing", "contact", "faq", "blog", "careers", "docs", "support",
                ]
                .iter()
                .map(|page| format!("{base}/{page}")),
            );
        }
        urls.truncate(usize::try_from(request.limit.max(1)).unwrap_or(1));
        ok(
            "urls discovered",
            json!({"urls": urls, "total": urls.len()}),
        )
    }

    pub(super) fn refresh_knowledge_base(&mut self, r: &ApiRequest) -> Handled {
        let request: types::RefreshRequest = decode(&r.body)?;
        let base = self
            .base_mut(&request.kb_id)
            .ok()
            .filter(|b| b.org_id == request.org_id)
            .ok_or_else(|| not_found("knowledge base", &request.kb_id))?;
        base.touch();
        let refreshed = base
            .info
            .knowledge_base_sources
            .iter()
            .filter(|s| s.source_type == Some(SourceType::Url))
            .count();
        ok(
            "knowledge base refreshed",
            json!({"kb_id": request.kb_id, "status": "complete", "refreshed_sources": refreshed}),
        )
    }

    pub(super) fn manage_exclusions(&mut self, r: &ApiRequest) -> Handled {
        let request: types::ManageExclusionsRequest = decode(&r.body)?;
        let urls = request
            .urls
            .iter()
            .map(|u| check_url(u))
            .collect::<Result<Vec<_>, _>>()?;
        let base = self
            .base_mut(&request.kb_id)
            .ok()
            .filter(|b| b.org_id == request.org_id)
            .ok_or_else(|| not_found("knowledge base", &request.kb_id))?;
        match request.action {
            types::ManageExclusionsRequestAction::Add => base.exclusions.extend(urls),
            types::ManageExclusionsRequestAction::Remove => {
                for url in &urls {
                    base.exclusions.remove(url);
                }
            }
            types::ManageExclusionsRequestAction::Unknown(other) => {
                return Err(Failure::InvalidArgument(format!(
                    "unknown action {other:?}: use add or remove"
                )));
            }
        }
        ok("exclusions updated", json!({ "urls": base.exclusions }))
    }

    pub(super) fn list_exclusions(&mut self, r: &ApiRequest) -> Handled {
        let base = self.legacy_base(r)?;
        ok("exclusions fetched", json!({ "urls": base.exclusions }))
    }
}
