//! `/cases/{id}/documents`: the case's documents, the upload form, and each document served
//! back as an attachment.
//!
//! A file is accepted by its content ([`check_upload`]): the stored type is the sniffed one,
//! and a document is only ever served as an attachment with that type, `nosniff` and a policy
//! that lets nothing run, so an uploaded page cannot execute in Safer's origin. The upload
//! route alone accepts a body of a document's size; the rest of the app keeps its small limit.

use askama::Template;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, FromRequest, Path, Query, Request, State};
use axum::handler::Handler;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use safer_domain::document::{check_upload, DocumentKind, DEFAULT_MAX_BYTES};
use serde::Deserialize;

use super::{case_viewer, multipart, parse_id, when, FormState, LoadedCase};
use crate::error::render;
use crate::session::{multipart_boundary, BodyTooLarge, SignedIn, MULTIPART_LIMIT_BYTES};
use crate::views::{FieldError, Layout};
use crate::{AppError, AppState};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/cases/{id}/documents",
            get(list_documents)
                .post(upload_document.layer(DefaultBodyLimit::max(MULTIPART_LIMIT_BYTES))),
        )
        .route("/cases/{id}/documents/{doc}", get(download_document))
}

/// The field of the file input.
const FILE_FIELD: &str = "document";

/// A document as listed.
#[derive(Debug, Clone)]
pub(crate) struct DocumentRow {
    pub(crate) href: String,
    pub(crate) name: String,
    pub(crate) kind: &'static str,
    pub(crate) size: String,
    pub(crate) uploaded: String,
}

/// `GET /cases/{id}/documents`, and the form again when an upload is refused.
#[derive(Template)]
#[template(path = "records_documents.html")]
pub(crate) struct DocumentsPage {
    pub(crate) layout: Layout,
    pub(crate) case_href: String,
    pub(crate) reference: String,
    pub(crate) action: String,
    pub(crate) documents: Vec<DocumentRow>,
    pub(crate) can_write: bool,
    pub(crate) uploaded: bool,
    pub(crate) max_mb: usize,
    pub(crate) form: FormState,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct DocumentsQuery {
    #[serde(default)]
    uploaded: Option<String>,
}

async fn documents_page(
    state: &AppState,
    signed_in: &SignedIn,
    loaded: &LoadedCase,
    form: FormState,
    uploaded: bool,
) -> Result<DocumentsPage, AppError> {
    let documents = state.store.case_documents(&loaded.viewer, loaded.id, state.now()).await?;
    let href = loaded.href();
    Ok(DocumentsPage {
        layout: loaded.layout(signed_in, "Documents", &form),
        action: format!("{href}/documents"),
        documents: documents
            .into_iter()
            .map(|d| DocumentRow {
                href: format!("{href}/documents/{}", d.id),
                kind: kind_label(&d.media_type),
                size: show_size(d.size_bytes),
                uploaded: when(d.uploaded_at),
                name: d.file_name,
            })
            .collect(),
        case_href: href,
        reference: loaded.detail.case.reference.clone(),
        can_write: loaded.can_write(),
        uploaded,
        max_mb: DEFAULT_MAX_BYTES / (1024 * 1024),
        form,
    })
}

async fn list_documents(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Query(query): Query<DocumentsQuery>,
) -> Result<Response, AppError> {
    let loaded = LoadedCase::load(&state, &signed_in, &id).await?;
    let page =
        documents_page(&state, &signed_in, &loaded, FormState::default(), query.uploaded.is_some())
            .await?;
    Ok(render(&page)?.into_response())
}

async fn upload_document(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, AppError> {
    let loaded = LoadedCase::load(&state, &signed_in, &id).await?;
    let refuse = |message: String, status: StatusCode| {
        (vec![FieldError { field: FILE_FIELD, message }], status)
    };
    let too_large = || {
        refuse(
            format!(
                "The selected file must be smaller than {} MB",
                DEFAULT_MAX_BYTES / (1024 * 1024)
            ),
            StatusCode::PAYLOAD_TOO_LARGE,
        )
    };
    let outcome: Result<(String, Vec<u8>), (Vec<FieldError>, StatusCode)> = async {
        if let Some(error) = loaded.write_refused() {
            return Err((vec![error], StatusCode::FORBIDDEN));
        }
        if request.extensions().get::<BodyTooLarge>().is_some() {
            return Err(too_large());
        }
        let boundary = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(multipart_boundary);
        let bytes = match Bytes::from_request(request, &state).await {
            Ok(bytes) => bytes,
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(too_large())
            }
            Err(_) => return Err(refuse("Select a file".to_string(), StatusCode::BAD_REQUEST)),
        };
        let parts = boundary.and_then(|b| multipart::parts(&bytes, &b)).unwrap_or_default();
        let file = parts.into_iter().find(|p| p.name == FILE_FIELD && p.file_name.is_some());
        let Some(file) = file.filter(|f| !f.file_name.as_deref().unwrap_or("").is_empty()) else {
            return Err(refuse("Select a file".to_string(), StatusCode::UNPROCESSABLE_ENTITY));
        };
        let name = file.file_name.unwrap_or_default();
        Ok((name, file.data.to_vec()))
    }
    .await;
    let checked =
        outcome.and_then(|(name, data)| match check_upload(&name, &data, DEFAULT_MAX_BYTES) {
            Ok(kind) => Ok((name, kind, data)),
            Err(err) => {
                Err(refuse(super::capitalise(&err.to_string()), StatusCode::UNPROCESSABLE_ENTITY))
            }
        });
    match checked {
        Ok((name, kind, data)) => {
            state
                .store
                .add_document(&loaded.viewer, loaded.id, name.trim(), kind, &data, state.now())
                .await?;
            Ok(Redirect::to(&format!("{}/documents?uploaded=1", loaded.href())).into_response())
        }
        Err((errors, status)) => {
            let form = FormState::from_pairs(Vec::new(), errors);
            let page = documents_page(&state, &signed_in, &loaded, form, false).await?;
            Ok((status, render(&page)?).into_response())
        }
    }
}

async fn download_document(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((id, doc)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let case = super::case_id(&id)?;
    let doc = parse_id(&doc)?;
    let viewer = case_viewer(&state, &signed_in.user, case).await?;
    let (info, content) = state.store.document(&viewer, doc, state.now()).await?;
    if info.case_id != case.0 {
        return Err(AppError::NotFound);
    }
    let media_type = DocumentKind::from_media_type(&info.media_type)
        .map_or("application/octet-stream", DocumentKind::media_type);
    let mut response = Response::new(Body::from(content));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    let disposition = content_disposition(&info.file_name);
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition)
            .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
    );
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    Ok(response)
}

/// `attachment` with the name twice: a plain ASCII `filename` (anything else replaced) and
/// the exact name as a percent-encoded UTF-8 `filename*` (RFC 6266), which browsers prefer.
pub(crate) fn content_disposition(file_name: &str) -> String {
    let mut ascii: String = file_name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || " ._-()".contains(c) { c } else { '_' })
        .collect();
    if ascii.starts_with('.') {
        ascii.replace_range(0..1, "_");
    }
    let ascii = ascii.trim();
    let ascii = if ascii.is_empty() { "document" } else { ascii };
    let mut encoded = String::new();
    for byte in file_name.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

fn kind_label(media_type: &str) -> &'static str {
    match DocumentKind::from_media_type(media_type) {
        Some(DocumentKind::Pdf) => "PDF",
        Some(DocumentKind::Png) => "PNG image",
        Some(DocumentKind::Jpeg) => "JPEG image",
        Some(DocumentKind::Text) => "Text",
        Some(DocumentKind::Wav) => "WAV recording",
        Some(DocumentKind::Mp3) => "MP3 recording",
        Some(DocumentKind::Mp4) => "MP4 recording",
        None => "Other",
    }
}

fn show_size(bytes: i64) -> String {
    const KB: f64 = 1024.0;
    let size = bytes as f64;
    if bytes < 1024 {
        format!("{bytes} bytes")
    } else if size < KB * KB {
        format!("{:.0} KB", (size / KB).ceil())
    } else {
        format!("{:.1} MB", size / (KB * KB))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_made_safe_for_the_header() {
        assert_eq!(
            content_disposition("diary week 1.txt"),
            "attachment; filename=\"diary week 1.txt\"; filename*=UTF-8''diary%20week%201.txt"
        );
        assert_eq!(
            content_disposition("a\"b;c\u{e9}.pdf"),
            "attachment; filename=\"a_b_c_.pdf\"; filename*=UTF-8''a%22b%3Bc%C3%A9.pdf"
        );
        assert_eq!(
            content_disposition(".hidden"),
            "attachment; filename=\"_hidden\"; filename*=UTF-8''.hidden"
        );
        assert!(HeaderValue::from_str(&content_disposition("\u{1F600}\r\n.txt")).is_ok());
    }

    #[test]
    fn sizes_are_shown_in_words() {
        assert_eq!(show_size(532), "532 bytes");
        assert_eq!(show_size(1025), "2 KB");
        assert_eq!(show_size(3 * 1024 * 1024 + 1), "3.0 MB");
    }
}
