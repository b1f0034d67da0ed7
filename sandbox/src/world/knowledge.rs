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
    ApiRequest, Failure, Handled, Table, World, decode, new_id, not_found, now, ok, spread, stamp,
    to_json,
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
    source_id: String,
    url: Option<String>,
    urls: Vec<String>,
    metadata: Map<String, Value>,
    created_at: i64,
}

fn epoch() -> i64 {
    now().timestamp()
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

    fn document_json(&self, doc: &Document, with_text: bool) -> Value {
        let source = self.source(&doc.source_id);
        let text = self.text(&doc.source_id);
        let mut value = json!({
            "doc_id": doc.doc_id,
            "kb_id": self.info.knowledge_base_id,
            "source_id": doc.source_id,
            "url": doc.url,
            "urls": doc.urls,
            "status": source.and_then(|s| s.source_status.clone()),
            "chunks": chunks(text).len(),
            "metadata": doc.metadata,
            "created_at": doc.created_at,
            "updated_at": self.info.last_updated_timestamp,
        });
        if with_text {
            value["text"] = json!(text);
        }
        value
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
            &self.base(r.path_param("kb_id"))?.info,
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
            types::AddKnowledgeBaseSourcesResponseData {
                knowledge_base: Some(base.info.clone()),
                url_sources,
                extra: Map::new(),
            },
        )
    }

    pub(super) fn delete_knowledge_base_source(&mut self, r: &ApiRequest) -> Handled {
        let source_id = r.path_param("source_id");
        let base = self.base_mut(r.path_param("kb_id"))?;
        if !base.remove_source(source_id) {
            return Err(not_found("knowledge-base source", source_id));
        }
        ok("source deleted", &base.info)
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
            url,
            urls,
            metadata: request.metadata,
            created_at: epoch(),
        };
        let answer = base.document_json(&document, false);
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
                Some(b.document_json(doc, true))
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
        let docs: Vec<Value> = base
            .documents
            .iter()
            .map(|d| base.document_json(d, false))
            .collect();
        let total = docs.len();
        Ok(super::ApiReply::Json(json!({
            "success": true,
            "message": "documents fetched",
            "data": docs,
            "meta": {"total": total, "limit": total, "offset": 0},
        })))
    }

    pub(super) fn list_knowledge_bases(&mut self, r: &ApiRequest) -> Handled {
        let org_id = r.query.get("org_id").map_or("", String::as_str);
        let bases: Vec<Value> = self
            .knowledge
            .bases
            .values()
            .filter(|b| b.org_id == org_id)
            .map(|b| {
                json!({
                    "kb_id": b.info.knowledge_base_id,
                    "name": b.info.knowledge_base_name,
                    "status": b.info.status,
                    "sources": b.info.knowledge_base_sources.len(),
                    "documents": b.documents.len(),
                    "created_timestamp": b.info.created_timestamp,
                    "last_updated_timestamp": b.info.last_updated_timestamp,
                })
            })
            .collect();
        ok("knowledge bases fetched", bases)
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
        let mut matches: Vec<(usize, Value)> = Vec::new();
        for source in &base.info.knowledge_base_sources {
            let source_id = source.source_id.as_str();
            for chunk in chunks(base.text(source_id)) {
                let have: BTreeSet<String> = words(&chunk).into_iter().collect();
                let score = wanted.iter().filter(|w| have.contains(*w)).count();
                if score > 0 {
                    let doc_id = base
                        .documents
                        .iter()
                        .find(|d| d.source_id == source_id)
                        .map(|d| d.doc_id.clone());
                    matches.push((
                        score,
                        json!({
                            "content": chunk,
                            "score": score as f64 / wanted.len().max(1) as f64,
                            "source_id": source_id,
                            "source_name": source.source_name,
                            "source_url": source.source_url,
                            "doc_id": doc_id,
                        }),
                    ));
                }
            }
        }
        matches.sort_by_key(|m| std::cmp::Reverse(m.0));
        let chunks: Vec<Value> = matches
            .into_iter()
            .take(5)
            .map(|(_, chunk)| chunk)
            .collect();
        ok("query answered", chunks)
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
            json!({"url": root, "urls": urls, "total": urls.len()}),
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
        ok(
            "exclusions updated",
            json!({"kb_id": request.kb_id, "exclusions": to_json(&base.exclusions)}),
        )
    }

    pub(super) fn list_exclusions(&mut self, r: &ApiRequest) -> Handled {
        let base = self.legacy_base(r)?;
        ok("exclusions fetched", to_json(&base.exclusions))
    }
}
