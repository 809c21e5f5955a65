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
//!   `csrf_token` form field, and must not come from another site (`Origin`, `Sec-Fetch-Site`).

use axum::body::{to_bytes, Body};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use safer_domain::ids::UserId;
use safer_domain::Role;
use safer_storage::{Store, StoreError};
use sha2::{Digest, Sha256};
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
    hex(&Sha256::digest(token.as_bytes()))
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

async fn current_user(store: &Store, user: safer_storage::User) -> Result<CurrentUser, StoreError> {
    let agency = store.agency(safer_domain::ids::AgencyId(user.agency_id)).await?;
    let memberships = store.memberships(user.id()).await?;
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
                match current_user(&state.store, stored_user).await {
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
        request = match check_csrf(request, &csrf_token).await {
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

/// Largest form body read for the CSRF check.
const FORM_LIMIT_BYTES: usize = 64 * 1024;

async fn check_csrf(request: Request, expected: &str) -> Result<Request, AppError> {
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
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
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
