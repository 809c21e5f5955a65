//! Sessions, cookies and CSRF protection.
//!
//! - A signed-in browser holds a random 256-bit token in the `safer_session` cookie (HttpOnly,
//!   SameSite=Lax, Secure when configured). The database keeps only its SHA-256, so a copy of
//!   the database cannot be used to sign in.
//! - A browser that is not signed in gets a random `safer_anon` cookie, so forms shown before
//!   sign-in (the sign-in form itself, later the public front door) are protected too, without
//!   storing anything for anonymous visitors.
//! - The CSRF token of a page is `HMAC-SHA256(key, binding)` where the binding is the session
//!   hash or the anonymous cookie. The key lives in the database, so every instance computes the
//!   same tokens. Every request that is not GET, HEAD or OPTIONS must carry the token in a
//!   `csrf_token` form field or, for the JSON API, an `X-CSRF-Token` header, and must not come
//!   from another site (`Origin`, `Sec-Fetch-Site`).
//! - A `multipart/form-data` form (a file upload) must carry the `csrf_token` field as its
//!   **first** part, which browsers send in document order (put the hidden input first). The
//!   middleware reads only that far before deciding, so a refused upload costs at most a few
//!   kilobytes; an accepted one is read whole (up to [`MULTIPART_LIMIT_BYTES`] for signed-in
//!   users on a case's documents route, the form limit everywhere else) and handed on. A body
//!   beyond the limit reaches the handler empty, marked [`BodyTooLarge`], so the form can say so.

use axum::body::{to_bytes, Body};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use safer_domain::ids::{AgencyId, PartnershipId, UserId};
use safer_domain::Role;
use safer_storage::{Store, StoreError};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::{AppError, AppState};

pub(crate) const SESSION_COOKIE: &str = "safer_session";
pub(crate) const ANON_COOKIE: &str = "safer_anon";

/// Keys shared by every web instance, kept in the database.
pub struct Keys {
    csrf: Vec<u8>,
    throttle: Vec<u8>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys { .. }")
    }
}

impl Keys {
    /// Loads the keys, creating them on first start.
    pub async fn load(store: &Store, now: i64) -> Result<Keys, StoreError> {
        let csrf = store.secret_or_insert("csrf_key", || random_token(32), now).await?;
        let throttle = store.secret_or_insert("throttle_key", || random_token(32), now).await?;
        Ok(Keys { csrf: csrf.into_bytes(), throttle: throttle.into_bytes() })
    }

    fn mac(key: &[u8], message: &str) -> Vec<u8> {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts any key length");
        mac.update(message.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    pub(crate) fn csrf_token(&self, binding: &str) -> String {
        URL_SAFE_NO_PAD.encode(Keys::mac(&self.csrf, binding))
    }

    /// A token derived from `value` for one `purpose`, such as the private status link of a
    /// resident's report from its one-time submission key: sending the same submission again
    /// gives the same link, and nobody without the key can make one.
    pub(crate) fn derived_token(&self, purpose: &str, value: &str) -> String {
        URL_SAFE_NO_PAD.encode(Keys::mac(&self.csrf, &format!("derive:{purpose}:{value}")))
    }

    /// A pseudonymous throttle key, such as `user:3f…` or `addr:9a…`, so neither addresses nor
    /// typed usernames (which are sometimes passwords typed in the wrong box) are stored.
    pub(crate) fn throttle_key(&self, kind: &str, value: &str) -> String {
        let digest = Keys::mac(&self.throttle, &format!("{kind}:{value}"));
        format!("{kind}:{}", hex(&digest[..12]))
    }
}

/// Random bytes, base64url-encoded.
pub(crate) fn random_token(n_bytes: usize) -> String {
    let mut bytes = vec![0u8; n_bytes];
    getrandom::getrandom(&mut bytes).expect("the operating system has no random source");
    URL_SAFE_NO_PAD.encode(bytes)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn token_hash(token: &str) -> String {
    safer_domain::digest::sha256_hex(token.as_bytes())
}

/// The signed-in user, as every page needs them.
#[derive(Debug, Clone)]
pub(crate) struct CurrentUser {
    pub(crate) id: UserId,
    pub(crate) username: String,
    pub(crate) display_name: String,
    pub(crate) agency_name: String,
    pub(crate) roles: Vec<Role>,
    pub(crate) partnerships: Vec<String>,
    /// The agency they work for (case access is decided by agency).
    pub(crate) agency_id: AgencyId,
    /// Each partnership they belong to with their roles in it: the one they chose to work in
    /// first (see [`current_user`]), then the others by name. Pages that work in one
    /// partnership take the first that fits, so a user in several works in the one they chose.
    pub(crate) memberships: Vec<PartnershipRoles>,
}

/// A user's roles in one partnership.
#[derive(Debug, Clone)]
pub(crate) struct PartnershipRoles {
    pub(crate) partnership: PartnershipId,
    /// The partnership's name.
    pub(crate) name: String,
    pub(crate) roles: Vec<Role>,
}

/// What the session middleware learned about the request; read by handlers through [`Ctx`].
#[derive(Debug, Clone)]
pub(crate) struct Ctx {
    pub(crate) user: Option<CurrentUser>,
    pub(crate) csrf_token: String,
    pub(crate) session_hash: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Ctx>().cloned().ok_or_else(|| {
            AppError::Internal("session middleware missing on this route".to_string())
        })
    }
}

/// A handler argument that requires a signed-in user; otherwise redirects to the sign-in page
/// and back.
#[derive(Debug, Clone)]
pub(crate) struct SignedIn {
    pub(crate) ctx: Ctx,
    pub(crate) user: CurrentUser,
}

impl<S: Send + Sync> FromRequestParts<S> for SignedIn {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let ctx = Ctx::from_request_parts(parts, state).await?;
        match ctx.user.clone() {
            Some(user) => Ok(SignedIn { ctx, user }),
            None => {
                let next = parts.uri.path_and_query().map_or("/", |pq| pq.as_str()).to_string();
                Err(AppError::SignInRequired(next))
            }
        }
    }
}

pub(crate) fn cookies(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            Some((name.to_string(), value.to_string()))
        })
        .collect()
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    cookies(headers).into_iter().find(|(n, _)| n == name).map(|(_, v)| v)
}

fn looks_like_token(value: &str) -> bool {
    (20..=64).contains(&value.len())
        && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub(crate) fn set_cookie(name: &str, value: &str, max_age_secs: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let cookie =
        format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}");
    HeaderValue::from_str(&cookie).expect("cookie names and tokens are ASCII")
}

/// The signed-in user with their memberships, the partnership chosen for the session
/// (`working_in`, if they still belong to it) first.
async fn current_user(
    store: &Store,
    user: safer_storage::User,
    working_in: Option<PartnershipId>,
) -> Result<CurrentUser, StoreError> {
    let agency = store.agency(safer_domain::ids::AgencyId(user.agency_id)).await?;
    let memberships = store.memberships(user.id()).await?;
    let mut by_partnership: Vec<PartnershipRoles> = Vec::new();
    for m in &memberships {
        match by_partnership.iter_mut().find(|p| p.partnership == m.partnership_id) {
            Some(entry) => entry.roles.push(m.role),
            None => by_partnership.push(PartnershipRoles {
                partnership: m.partnership_id,
                name: m.partnership_name.clone(),
                roles: vec![m.role],
            }),
        }
    }
    // A stable sort: the chosen one first, the rest stay by name.
    by_partnership.sort_by_key(|p| Some(p.partnership) != working_in);
    let mut roles: Vec<Role> = memberships.iter().map(|m| m.role).collect();
    roles.sort();
    roles.dedup();
    let mut partnerships: Vec<String> =
        memberships.into_iter().map(|m| m.partnership_name).collect();
    partnerships.dedup();
    Ok(CurrentUser {
        id: user.id(),
        username: user.username,
        display_name: user.display_name,
        agency_name: agency.name,
        roles,
        partnerships,
        agency_id: AgencyId(user.agency_id),
        memberships: by_partnership,
    })
}

/// Middleware on every page route: loads the session, sets up the anonymous cookie, and checks
/// CSRF on every state-changing request.
pub(crate) async fn session_layer(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let now = state.now();
    let mut set_cookies = Vec::new();
    let mut user = None;
    let mut session_hash = None;

    if let Some(token) = cookie(request.headers(), SESSION_COOKIE).filter(|t| looks_like_token(t)) {
        let hash = token_hash(&token);
        match state.store.live_session(&hash, now).await {
            Ok(Some((session, stored_user))) => {
                // Slide the idle timeout, at most once a minute, never past the absolute limit.
                if now - session.last_seen_at >= 60 {
                    let expires_at = (now + state.config.session_idle.as_secs() as i64)
                        .min(session.created_at + state.config.session_max.as_secs() as i64);
                    if let Err(err) = state.store.touch_session(&hash, now, expires_at).await {
                        return AppError::from(err).into_response();
                    }
                }
                let working_in = session.partnership_id.map(PartnershipId);
                match current_user(&state.store, stored_user, working_in).await {
                    Ok(current) => user = Some(current),
                    Err(err) => return AppError::from(err).into_response(),
                }
                session_hash = Some(hash);
            }
            Ok(None) => {
                set_cookies.push(set_cookie(SESSION_COOKIE, "", 0, state.config.secure_cookies))
            }
            Err(err) => return AppError::from(err).into_response(),
        }
    }

    let binding = match &session_hash {
        Some(hash) => format!("session:{hash}"),
        None => {
            let anon = match cookie(request.headers(), ANON_COOKIE).filter(|t| looks_like_token(t))
            {
                Some(anon) => anon,
                None => {
                    let anon = random_token(24);
                    set_cookies.push(set_cookie(
                        ANON_COOKIE,
                        &anon,
                        60 * 60 * 24,
                        state.config.secure_cookies,
                    ));
                    anon
                }
            };
            format!("anon:{anon}")
        }
    };
    let csrf_token = state.keys.csrf_token(&binding);

    if !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        request = match check_csrf(request, &csrf_token, session_hash.is_some()).await {
            Ok(request) => request,
            Err(err) => return err.into_response(),
        };
    }

    let signed_in = user.is_some();
    request.extensions_mut().insert(Ctx { user, csrf_token, session_hash });
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for value in set_cookies {
        headers.append(header::SET_COOKIE, value);
    }
    if signed_in {
        // Pages for signed-in users may hold data that must not linger in shared caches.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// The header API clients put the CSRF token in (`GET /api/v1/session` gives it).
pub(crate) const CSRF_HEADER: &str = "x-csrf-token";

/// Largest form body read for the CSRF check.
const FORM_LIMIT_BYTES: usize = 64 * 1024;

async fn check_csrf(
    request: Request,
    expected: &str,
    signed_in: bool,
) -> Result<Request, AppError> {
    let headers = request.headers();
    if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") {
        return Err(AppError::CsrfRejected);
    }
    if let (Some(origin), Some(host)) = (headers.get(header::ORIGIN), headers.get(header::HOST)) {
        let origin = origin.to_str().unwrap_or_default();
        let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
        if origin == "null" || origin_host != host.to_str().unwrap_or_default() {
            return Err(AppError::CsrfRejected);
        }
    }
    // API clients send the token in a header instead of a form field (any body type). Reading
    // it needs the session cookie, which another site cannot make a browser attach to a
    // request carrying a custom header without a CORS preflight, and we answer none.
    if let Some(given) = headers.get(CSRF_HEADER) {
        let given = given.to_str().unwrap_or_default();
        if !bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
            return Err(AppError::CsrfRejected);
        }
        return Ok(request);
    }
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    if let Some(boundary) = content_type.and_then(multipart_boundary) {
        // Only the document upload route takes a large body; everywhere else a multipart form
        // gets the ordinary form limit, so no other route can be made to buffer megabytes.
        let path = request.uri().path();
        let upload = path.starts_with("/cases/") && path.ends_with("/documents");
        let limit = if signed_in && upload { MULTIPART_LIMIT_BYTES } else { FORM_LIMIT_BYTES };
        return check_multipart_csrf(request, &boundary, expected, limit).await;
    }
    let is_form =
        content_type.is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(AppError::CsrfRejected);
    }
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, FORM_LIMIT_BYTES).await.map_err(|_| AppError::CsrfRejected)?;
    let fields: Vec<(String, String)> =
        serde_urlencoded::from_bytes(&bytes).map_err(|_| AppError::CsrfRejected)?;
    let given = fields
        .iter()
        .find(|(name, _)| name == "csrf_token")
        .map(|(_, v)| v.as_str())
        .unwrap_or_default();
    if !bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
        return Err(AppError::CsrfRejected);
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// Largest `multipart/form-data` body a signed-in user may send: the largest document and
/// room for the rest of its form. Routes set their own, lower or equal, extractor limits.
pub(crate) const MULTIPART_LIMIT_BYTES: usize =
    safer_domain::document::DEFAULT_MAX_BYTES + FORM_LIMIT_BYTES;

/// How much of a multipart body is read to find its first part, the CSRF token.
const FIRST_PART_LIMIT_BYTES: usize = 4 * 1024;

/// Marks a request whose multipart body was over [`MULTIPART_LIMIT_BYTES`]: its token was
/// right, but the body was not read and the handler gets it empty.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyTooLarge;

/// The boundary of a `multipart/form-data` content type.
pub(crate) fn multipart_boundary(content_type: &str) -> Option<String> {
    let (essence, params) = content_type.split_once(';')?;
    if !essence.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|param| {
        let (name, value) = param.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("boundary") {
            return None;
        }
        let value = value.trim();
        let value = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(value);
        (!value.is_empty() && value.len() <= 70).then(|| value.to_string())
    })
}

/// What the start of a multipart body says about its first part.
#[derive(Debug, PartialEq, Eq)]
enum FirstPart<'a> {
    /// Not all of it has arrived.
    Incomplete,
    /// The value of a first part named `csrf_token`.
    Token(&'a [u8]),
    /// Anything else: another field first, or not multipart at all.
    Other,
}

/// Reads the first part of a multipart body (RFC 7578, as browsers send it: no preamble).
fn first_part<'a>(body: &'a [u8], boundary: &str) -> FirstPart<'a> {
    let opening = format!("--{boundary}\r\n");
    if body.len() < opening.len() {
        return if opening.as_bytes().starts_with(body) {
            FirstPart::Incomplete
        } else {
            FirstPart::Other
        };
    }
    if !body.starts_with(opening.as_bytes()) {
        return FirstPart::Other;
    }
    let rest = &body[opening.len()..];
    let Some(headers_end) = find(rest, b"\r\n\r\n") else { return FirstPart::Incomplete };
    let Ok(headers) = std::str::from_utf8(&rest[..headers_end]) else { return FirstPart::Other };
    let named_token = headers.split("\r\n").any(|line| {
        line.split_once(':').is_some_and(|(name, value)| {
            name.trim().eq_ignore_ascii_case("content-disposition")
                && value.split(';').map(str::trim).next() == Some("form-data")
                && value.split(';').map(str::trim).any(|p| p == "name=\"csrf_token\"")
                && !value.contains("filename")
        })
    });
    if !named_token {
        return FirstPart::Other;
    }
    let value = &rest[headers_end + 4..];
    let delimiter = format!("\r\n--{boundary}");
    match find(value, delimiter.as_bytes()) {
        Some(end) => FirstPart::Token(&value[..end]),
        None => FirstPart::Incomplete,
    }
}

/// The first position of `needle` in `haystack`.
pub(crate) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    haystack.windows(needle.len()).position(|window| window == needle)
}

/// Checks the token in the first part of a multipart body, then reads the rest (see the module
/// documentation).
async fn check_multipart_csrf(
    request: Request,
    boundary: &str,
    expected: &str,
    limit: usize,
) -> Result<Request, AppError> {
    use axum::body::HttpBody;

    let (mut parts, mut body) = request.into_parts();
    let mut buffer: Vec<u8> = Vec::new();
    let mut checked = false;
    loop {
        let frame = std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await;
        let Some(frame) = frame else { break };
        let frame = frame.map_err(|_| AppError::CsrfRejected)?;
        let Ok(data) = frame.into_data() else { continue };
        buffer.extend_from_slice(&data);
        if !checked {
            match first_part(&buffer, boundary) {
                FirstPart::Token(given) if bool::from(given.ct_eq(expected.as_bytes())) => {
                    checked = true
                }
                FirstPart::Incomplete if buffer.len() < FIRST_PART_LIMIT_BYTES => {}
                _ => return Err(AppError::CsrfRejected),
            }
        }
        if buffer.len() > limit {
            // Only reached with the token checked: the first part is far below any limit.
            parts.extensions.insert(BodyTooLarge);
            return Ok(Request::from_parts(parts, Body::empty()));
        }
    }
    if !checked {
        return Err(AppError::CsrfRejected);
    }
    Ok(Request::from_parts(parts, Body::from(buffer)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_boundaries_are_read_from_the_content_type() {
        assert_eq!(
            multipart_boundary("multipart/form-data; boundary=----abc123").as_deref(),
            Some("----abc123")
        );
        assert_eq!(
            multipart_boundary("Multipart/Form-Data; charset=utf-8; boundary=\"x y\"").as_deref(),
            Some("x y")
        );
        assert_eq!(multipart_boundary("multipart/form-data"), None);
        assert_eq!(multipart_boundary("multipart/mixed; boundary=abc"), None);
        assert_eq!(multipart_boundary("application/x-www-form-urlencoded"), None);
    }

    #[test]
    fn the_token_must_be_the_first_part() {
        let body = b"--b\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\nTOKEN\r\n--b\r\n\
                     Content-Disposition: form-data; name=\"document\"; filename=\"a.txt\"\r\n\r\nhi\r\n--b--\r\n";
        assert_eq!(first_part(body, "b"), FirstPart::Token(b"TOKEN"));
        // Every prefix is incomplete, never a wrong answer.
        let end = find(body, b"TOKEN\r\n--b").unwrap() + "TOKEN\r\n--b".len();
        for cut in 0..end - 1 {
            assert_eq!(first_part(&body[..cut], "b"), FirstPart::Incomplete, "cut at {cut}");
        }
        let file_first = b"--b\r\nContent-Disposition: form-data; name=\"document\"; filename=\"csrf_token\"\r\n\r\nx\r\n--b--";
        assert_eq!(first_part(file_first, "b"), FirstPart::Other);
        let other =
            b"--b\r\nContent-Disposition: form-data; name=\"csrf_token_2\"\r\n\r\nx\r\n--b--";
        assert_eq!(first_part(other, "b"), FirstPart::Other);
        assert_eq!(first_part(b"junk", "b"), FirstPart::Other);
        assert_eq!(first_part(b"--c\r\n", "b"), FirstPart::Other);
    }
}
