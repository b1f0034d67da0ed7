//! `multipart/form-data` bodies (a knowledge-base file upload), turned into the JSON the state
//! sees: see [`UPLOADED_FILE_FIELD`](super::api::UPLOADED_FILE_FIELD).

use serde_json::{Map, Value, json};

/// Each part under its field name: a file part as `{"filename", "content_type", "size",
/// "text"}` (`text` only when the content is UTF-8), any other part as its text.
pub(crate) fn describe_upload(content_type: &str, body: &[u8]) -> Result<Value, String> {
    let boundary = content_type
        .split(';')
        .skip(1)
        .filter_map(|param| param.trim().split_once('='))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("boundary"))
        .map(|(_, value)| value.trim().trim_matches('"').to_owned())
        .filter(|boundary| !boundary.is_empty())
        .ok_or("multipart/form-data without a boundary")?;
    let delimiter = format!("--{boundary}").into_bytes();
    let mut out = Map::new();
    let mut rest = body;
    let start = find(rest, &delimiter).ok_or("multipart body without its boundary")?;
    rest = &rest[start + delimiter.len()..];
    loop {
        if rest.starts_with(b"--") {
            break; // the closing delimiter
        }
        let part_start = rest
            .strip_prefix(b"\r\n")
            .ok_or("malformed multipart body (no CRLF after a boundary)")?;
        let end = find(part_start, &delimiter).ok_or("multipart body is not terminated")?;
        let part = part_start[..end]
            .strip_suffix(b"\r\n")
            .ok_or("malformed multipart body (no CRLF before a boundary)")?;
        let (name, value) = describe_part(part)?;
        out.insert(name, value);
        rest = &part_start[end + delimiter.len()..];
    }
    Ok(Value::Object(out))
}

fn describe_part(part: &[u8]) -> Result<(String, Value), String> {
    let split = find(part, b"\r\n\r\n").ok_or("a multipart part has no header end")?;
    let head =
        std::str::from_utf8(&part[..split]).map_err(|_| "a multipart header is not UTF-8")?;
    let content = &part[split + 4..];
    let mut name = None;
    let mut filename = None;
    let mut part_type = None;
    for line in head.split("\r\n") {
        let Some((header, value)) = line.split_once(':') else {
            continue;
        };
        if header.trim().eq_ignore_ascii_case("content-disposition") {
            name = parameter(value, "name");
            filename = parameter(value, "filename");
        } else if header.trim().eq_ignore_ascii_case("content-type") {
            part_type = Some(value.trim().to_owned());
        }
    }
    let name = name.ok_or("a multipart part has no name")?;
    let text = std::str::from_utf8(content).ok();
    let value = match filename {
        Some(filename) => {
            let mut file = json!({
                "filename": filename,
                "content_type": part_type.unwrap_or_else(|| "application/octet-stream".into()),
                "size": content.len(),
            });
            if let Some(text) = text {
                file["text"] = Value::String(text.to_owned());
            }
            file
        }
        None => Value::String(text.ok_or("a multipart field is not UTF-8")?.to_owned()),
    };
    Ok((name, value))
}

/// A `key="value"` (or unquoted) parameter of a header value.
fn parameter(value: &str, key: &str) -> Option<String> {
    value.split(';').skip(1).find_map(|param| {
        let (name, value) = param.trim().split_once('=')?;
        name.trim().eq_ignore_ascii_case(key).then(|| {
            value
                .trim()
                .trim_matches('"')
                .replace("%22", "\"")
                .replace("%0D", "\r")
                .replace("%0A", "\n")
        })
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_file() {
        let body =
            b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"faq.md\"\r\n\
                     Content-Type: text/markdown\r\n\r\n# FAQ\r\nOpen 9-5.\r\n--XyZ--\r\n";
        let value = describe_upload("multipart/form-data; boundary=XyZ", body).unwrap();
        assert_eq!(
            value,
            json!({"file": {"filename": "faq.md", "content_type": "text/markdown", "size": 16,
                            "text": "# FAQ\r\nOpen 9-5."}})
        );
        assert!(describe_upload("multipart/form-data", body).is_err());
        assert!(describe_upload("multipart/form-data; boundary=other", body).is_err());
    }
}
