//! A small reader for `multipart/form-data` bodies (RFC 7578) already held in memory: the
//! upload form's body is read whole by the session middleware for its CSRF check and limited
//! by the route's body limit, so a streaming parser would buy nothing.

use crate::session::find;

/// One part of a form.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Part<'a> {
    /// The field name.
    pub(super) name: String,
    /// The file name, for file inputs (empty when no file was chosen).
    pub(super) file_name: Option<String>,
    /// The content.
    pub(super) data: &'a [u8],
}

/// The parts of `body`, or `None` when it is not a well-formed multipart body.
pub(super) fn parts<'a>(body: &'a [u8], boundary: &str) -> Option<Vec<Part<'a>>> {
    let opening = format!("--{boundary}");
    let delimiter = format!("\r\n--{boundary}");
    let mut rest = body.strip_prefix(opening.as_bytes())?;
    let mut parts = Vec::new();
    loop {
        if rest.starts_with(b"--") {
            return Some(parts);
        }
        rest = rest.strip_prefix(b"\r\n")?;
        let headers_end = find(rest, b"\r\n\r\n")?;
        let headers = std::str::from_utf8(&rest[..headers_end]).ok()?;
        let (name, file_name) = disposition(headers)?;
        let content = &rest[headers_end + 4..];
        let end = find(content, delimiter.as_bytes())?;
        parts.push(Part { name, file_name, data: &content[..end] });
        rest = &content[end + delimiter.len()..];
    }
}

/// The `name` and `filename` of a part's `Content-Disposition: form-data` header.
fn disposition(headers: &str) -> Option<(String, Option<String>)> {
    let value = headers.split("\r\n").find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim().eq_ignore_ascii_case("content-disposition").then_some(value)
    })?;
    let (kind, mut params) = value.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("form-data") {
        return None;
    }
    let mut name = None;
    let mut file_name = None;
    // Browsers quote both and escape `"`, CR and LF inside them as %22, %0D and %0A.
    while let Some((key, after)) = params.split_once('=') {
        let key = key.trim_start_matches([';', ' ', '\t']).trim().to_ascii_lowercase();
        let after = after.trim_start();
        let (value, remaining) = match after.strip_prefix('"') {
            Some(quoted) => {
                let end = quoted.find('"')?;
                (&quoted[..end], &quoted[end + 1..])
            }
            None => {
                let end = after.find(';').unwrap_or(after.len());
                (after[..end].trim(), &after[end..])
            }
        };
        match key.as_str() {
            "name" => name = Some(value.to_string()),
            "filename" => file_name = Some(unescape(value)),
            _ => {}
        }
        params = remaining;
    }
    Some((name?, file_name))
}

fn unescape(value: &str) -> String {
    value.replace("%22", "\"").replace("%0D", "\r").replace("%0A", "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_files_are_read() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\ntok\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"document\"; filename=\"diary \"week\" 1.txt\"\r\n\
Content-Type: text/plain\r\n\r\nline one\r\n--not the boundary\r\n\r\n--XyZ--\r\n";
        // A quote a browser did not escape ends the name; an escaped one is kept.
        assert_eq!(parts(body, "XyZ").unwrap()[1].file_name.as_deref(), Some("diary "));
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\ntok\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"document\"; filename=\"diary %22week%22 1.txt\"\r\n\
Content-Type: text/plain\r\n\r\nline one\r\n--not the boundary\r\n\r\n--XyZ--\r\n";
        let parts = parts(body, "XyZ").unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0], Part { name: "csrf_token".into(), file_name: None, data: b"tok" });
        assert_eq!(parts[1].name, "document");
        assert_eq!(parts[1].file_name.as_deref(), Some("diary \"week\" 1.txt"));
        assert_eq!(parts[1].data, b"line one\r\n--not the boundary\r\n");
    }

    #[test]
    fn malformed_bodies_are_refused() {
        assert_eq!(parts(b"", "b"), None);
        assert_eq!(parts(b"--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--", "b"), None);
        assert_eq!(parts(b"--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx", "b"), None);
        assert_eq!(parts(b"--b--\r\n", "b"), Some(Vec::new()));
    }
}
