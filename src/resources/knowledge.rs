//! Uploading a file (PDF, TXT, DOCX, Markdown) into a knowledge base:
//! [`Client::upload_knowledge_file`].
//!
//! `POST /api/v1/rag/knowledge-base/{kb_id}/add-sources` takes either JSON (texts and URLs: the
//! generated [`add_knowledge_base_sources`](crate::prelude::ClientRagServiceExt::add_knowledge_base_sources)
//! operation) or `multipart/form-data` with one `file` part, which progenitor cannot generate.
//! This module sends the multipart form down the same path as every generated operation:
//! authentication, the retry loop, tracing, error mapping and typed decoding.

use std::{fmt, path::Path};

use bytes::{BufMut, Bytes, BytesMut};
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue};

use crate::{
    Client, Error, ResponseValue,
    transport::{self, Buffered, Credential, Operation},
    types,
};

/// The operation, as tracing and errors name it.
static OPERATION: Operation = Operation {
    id: "upload_knowledge_file",
    path: "/api/v1/rag/knowledge-base/{kb_id}/add-sources",
    auth: &[Credential::ApiKey],
};

/// The kinds of file a knowledge base accepts.
///
/// ```
/// use agni::knowledge::KnowledgeFileKind;
///
/// assert_eq!(KnowledgeFileKind::from_extension("PDF"), Some(KnowledgeFileKind::Pdf));
/// assert_eq!(KnowledgeFileKind::Md.content_type(), "text/markdown");
/// assert_eq!(KnowledgeFileKind::from_extension("exe"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KnowledgeFileKind {
    /// `.pdf`, `application/pdf`.
    Pdf,
    /// `.txt`, `text/plain`.
    Txt,
    /// `.docx`, `application/vnd.openxmlformats-officedocument.wordprocessingml.document`.
    Docx,
    /// `.md` (or `.markdown`), `text/markdown`.
    Md,
}

impl KnowledgeFileKind {
    /// The kind for a file extension (`pdf`, `.TXT`, ...), case-insensitive; `None` if the API
    /// does not accept it.
    pub fn from_extension(extension: &str) -> Option<Self> {
        let extension = extension.strip_prefix('.').unwrap_or(extension);
        Some(match extension.to_ascii_lowercase().as_str() {
            "pdf" => KnowledgeFileKind::Pdf,
            "txt" => KnowledgeFileKind::Txt,
            "docx" => KnowledgeFileKind::Docx,
            "md" | "markdown" => KnowledgeFileKind::Md,
            _ => return None,
        })
    }

    /// The kind for a path's extension.
    ///
    /// ```
    /// use agni::knowledge::KnowledgeFileKind;
    /// assert_eq!(KnowledgeFileKind::from_path("docs/faq.docx"), Some(KnowledgeFileKind::Docx));
    /// assert_eq!(KnowledgeFileKind::from_path("README"), None);
    /// ```
    pub fn from_path(path: impl AsRef<Path>) -> Option<Self> {
        Self::from_extension(path.as_ref().extension()?.to_str()?)
    }

    /// The MIME type sent as the part's `Content-Type`.
    pub fn content_type(self) -> &'static str {
        match self {
            KnowledgeFileKind::Pdf => "application/pdf",
            KnowledgeFileKind::Txt => "text/plain",
            KnowledgeFileKind::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            KnowledgeFileKind::Md => "text/markdown",
        }
    }

    /// The usual extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            KnowledgeFileKind::Pdf => "pdf",
            KnowledgeFileKind::Txt => "txt",
            KnowledgeFileKind::Docx => "docx",
            KnowledgeFileKind::Md => "md",
        }
    }
}

/// A file to add to a knowledge base: its name, its kind and its whole content, held in memory
/// so that a retried upload can send exactly the same bytes again.
///
/// ```
/// use agni::knowledge::{KnowledgeFile, KnowledgeFileKind};
///
/// let file = KnowledgeFile::from_bytes("faq.md", "# FAQ\n\nWe open at nine.", KnowledgeFileKind::Md);
/// assert_eq!((file.name(), file.len()), ("faq.md", 23));
/// ```
#[derive(Clone)]
pub struct KnowledgeFile {
    name: String,
    content: Bytes,
    kind: KnowledgeFileKind,
}

impl fmt::Debug for KnowledgeFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KnowledgeFile")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("len", &self.content.len())
            .finish()
    }
}

impl KnowledgeFile {
    /// Reads the file at `path`; its kind comes from the extension and its name is the file
    /// name.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidRequest`](crate::ErrorKind::InvalidRequest) if the extension is not one the API accepts (checked before
    /// reading), the file cannot be read, or it is empty.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), agni::Error> {
    /// let file = agni::knowledge::KnowledgeFile::from_path("handbook.pdf").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn from_path(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        let kind = KnowledgeFileKind::from_path(path).ok_or_else(|| {
            Error::invalid_request(format!(
                "{} is not a file a knowledge base accepts (pdf, txt, docx, md)",
                path.display()
            ))
        })?;
        let name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        let content = tokio::fs::read(path)
            .await
            .map_err(|e| Error::invalid_request(format!("cannot read {}: {e}", path.display())))?;
        let file = KnowledgeFile {
            name,
            content: content.into(),
            kind,
        };
        file.validate()?;
        Ok(file)
    }

    /// A file from memory. Its name is sent as the part's `filename`; `kind` sets the part's
    /// content type whatever the name says. An empty `bytes` or `name` is refused by
    /// [`Client::upload_knowledge_file`] before anything is sent.
    pub fn from_bytes(
        name: impl Into<String>,
        bytes: impl Into<Bytes>,
        kind: KnowledgeFileKind,
    ) -> Self {
        KnowledgeFile {
            name: name.into(),
            content: bytes.into(),
            kind,
        }
    }

    /// The file name sent to the API.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The file's kind.
    pub fn kind(&self) -> KnowledgeFileKind {
        self.kind
    }

    /// The content.
    pub fn bytes(&self) -> &Bytes {
        &self.content
    }

    /// Length of the content in bytes.
    pub fn len(&self) -> usize {
        self.content.len()
    }

    /// Whether the content is empty (such a file cannot be uploaded).
    pub fn is_empty(&self) -> bool {
        self.content.is_empty()
    }

    fn validate(&self) -> Result<(), Error> {
        if self.content.is_empty() {
            return Err(Error::invalid_request(format!(
                "{:?} is empty; a knowledge base needs content",
                self.name
            )));
        }
        if self.name.trim().is_empty() {
            return Err(Error::invalid_request("a knowledge-base file needs a name"));
        }
        Ok(())
    }
}

/// Uploads a file into a knowledge base: see [`Client::upload_knowledge_file`].
#[derive(Debug)]
#[must_use = "nothing is uploaded until `send`"]
pub struct UploadKnowledgeFile<'a> {
    client: &'a Client,
    kb_id: String,
    file: KnowledgeFile,
}

impl Client {
    /// Adds a file to the knowledge base `kb_id` (`POST
    /// /api/v1/rag/knowledge-base/{kb_id}/add-sources` as `multipart/form-data`).
    ///
    /// It takes the same path as generated operations: the API key, the retry policy (a POST is
    /// retried only when it cannot have reached the server, or on 429), the timeouts and
    /// deadline, the `agni.request` tracing span, and the same [`Error`] mapping.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidRequest`](crate::ErrorKind::InvalidRequest) before anything is sent
    /// if `kb_id` or the file is empty; otherwise as any operation.
    ///
    /// ```no_run
    /// use agni::knowledge::KnowledgeFile;
    ///
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let client = agni::Client::from_env()?;
    /// let file = KnowledgeFile::from_path("handbook.pdf").await?;
    /// let answer = client
    ///     .upload_knowledge_file("0198f6a2-6d1e-7c1a-9d4f-2b1e3c4d5e6f", file)
    ///     .send()
    ///     .await?;
    /// if let Some(kb) = answer.data.as_ref().and_then(|d| d.knowledge_base.as_ref()) {
    ///     println!("{:?} now has {} sources", kb.knowledge_base_name, kb.knowledge_base_sources.len());
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn upload_knowledge_file(
        &self,
        kb_id: impl Into<String>,
        file: KnowledgeFile,
    ) -> UploadKnowledgeFile<'_> {
        UploadKnowledgeFile {
            client: self,
            kb_id: kb_id.into(),
            file,
        }
    }
}

impl UploadKnowledgeFile<'_> {
    /// Uploads the file.
    pub async fn send(
        self,
    ) -> Result<ResponseValue<types::AddKnowledgeBaseSourcesResponse>, Error> {
        let request = self
            .request()
            .map_err(|error| error.with_operation(OPERATION.id))?;
        let answer = transport::execute::<Buffered>(self.client, &OPERATION, request).await?;
        transport::decode(&OPERATION, answer)
    }

    fn request(&self) -> Result<reqwest::Request, Error> {
        let kb_id =
            transport::path_segment("kb_id", &self.kb_id).map_err(Error::invalid_request)?;
        self.file.validate()?;
        let url = format!(
            "{}/api/v1/rag/knowledge-base/{kb_id}/add-sources",
            self.client.baseurl(),
        );
        let (content_type, body) = multipart_body(&self.file);
        let content_type = HeaderValue::from_str(&content_type)
            .map_err(|e| Error::invalid_request(format!("invalid content type: {e}")))?;
        self.client
            .http()
            .post(url)
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .header(CONTENT_TYPE, content_type)
            .body(body)
            .build()
            .map_err(|e| Error::invalid_request(format!("cannot build the request: {e}")))
    }
}

/// Encodes `file` as a `multipart/form-data` body with one `file` part; returns the
/// `Content-Type` header (with the boundary) and the body.
///
/// reqwest's `multipart::Form` would do this, but it produces a streaming body, and a streaming
/// body cannot be cloned: the retry loop (`crate::transport`) sends a copy of the request on
/// every attempt and sends an uncloneable one exactly once, so a 429 could never be retried. Encoding
/// the form into `Bytes` (cheap to clone, shares the file's buffer) keeps the upload replayable.
fn multipart_body(file: &KnowledgeFile) -> (String, Bytes) {
    let boundary = boundary_for(&file.content);
    let mut head = String::new();
    head.push_str("--");
    head.push_str(&boundary);
    head.push_str("\r\nContent-Disposition: form-data; name=\"file\"; filename=\"");
    head.push_str(&escape_filename(&file.name));
    head.push_str("\"\r\nContent-Type: ");
    head.push_str(file.kind.content_type());
    head.push_str("\r\n\r\n");
    let tail = format!("\r\n--{boundary}--\r\n");
    let mut body = BytesMut::with_capacity(head.len() + file.content.len() + tail.len());
    body.put_slice(head.as_bytes());
    body.put_slice(&file.content);
    body.put_slice(tail.as_bytes());
    (
        format!("multipart/form-data; boundary={boundary}"),
        body.freeze(),
    )
}

/// A random boundary (RFC 2046: at most 70 characters, here 40) that does not occur in the
/// content; with 128 random bits a collision is astronomically unlikely, but it is checked.
fn boundary_for(content: &[u8]) -> String {
    loop {
        let boundary = format!("agni-{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..));
        let needle = boundary.as_bytes();
        if !content.windows(needle.len()).any(|window| window == needle) {
            return boundary;
        }
    }
}

/// Escapes a file name for the quoted `filename` parameter the way browsers do (WHATWG HTML,
/// "multipart/form-data encoding algorithm"): `"` becomes `%22`, CR `%0D`, LF `%0A`. Nothing
/// can then end the quoted string or the header line early.
fn escape_filename(name: &str) -> String {
    let mut escaped = String::with_capacity(name.len());
    for c in name.chars() {
        match c {
            '"' => escaped.push_str("%22"),
            '\r' => escaped.push_str("%0D"),
            '\n' => escaped.push_str("%0A"),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_layout() {
        let file = KnowledgeFile::from_bytes("a\"b\r\n.txt", "hello", KnowledgeFileKind::Txt);
        let (content_type, body) = multipart_body(&file);
        let boundary = content_type
            .strip_prefix("multipart/form-data; boundary=")
            .expect("boundary");
        let expected = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; \
             filename=\"a%22b%0D%0A.txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n\
             --{boundary}--\r\n"
        );
        assert_eq!(body, expected.as_bytes());
        assert!(boundary.len() <= 70);
    }

    #[test]
    fn boundaries_differ() {
        assert_ne!(boundary_for(b""), boundary_for(b""));
    }
}
