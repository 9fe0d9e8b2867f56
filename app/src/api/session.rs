//! Server functions for signing in and out, and for what the top bar shows of the signed-in person.

use leptos::prelude::*;

use crate::error::AppError;
use crate::view_model::SessionView;

/// Signs in with a user name and password; sets the session cookie and goes to the console.
#[server(endpoint = "login")]
pub async fn login(name: String, password: String) -> Result<(), AppError> {
    use crate::ssr::auth::{ClientAddress, SESSION_COOKIE, SESSION_LIFETIME};
    use crate::ssr::{answer, services};

    answer(async {
        let services = services()?;
        let parts = use_context::<http::request::Parts>();
        let address = parts
            .as_ref()
            .and_then(|p| p.extensions.get::<ClientAddress>())
            .map_or_else(|| "unknown".to_owned(), |a| a.0.clone());
        let over_tls = parts.as_ref().is_some_and(|p| {
            p.headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()) == Some("https")
                || p.uri.scheme_str() == Some("https")
        });
        let (_, secret) = services.sign_in(name.trim(), &password, &address).await?;
        let secure = if over_tls { "; Secure" } else { "" };
        let cookie = format!(
            "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
            secret.expose(),
            SESSION_LIFETIME.as_secs()
        );
        set_cookie(&cookie)?;
        leptos_axum::redirect("/");
        Ok(())
    })
    .await
}

/// Ends the session and goes to the sign-in page.
#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::ssr::auth::{session_secret, SESSION_COOKIE};
    use crate::ssr::services;

    let services = services()?;
    let session = use_context::<http::request::Parts>().and_then(|parts| session_secret(&parts.headers));
    if let Some(session) = session {
        services.sign_out(&session).await?;
    }
    set_cookie(&format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"))?;
    leptos_axum::redirect("/login");
    Ok(())
}

/// Who is signed in and the namespaces they may pick; `None` when nobody is (a page rendered for
/// nobody is the sign-in page, which must not answer with an error status).
#[server(endpoint = "current_session")]
pub async fn current_session() -> Result<Option<SessionView>, AppError> {
    use crate::ssr::{answer, caller, services, Caller};
    use crate::view_model::NamespaceChoice;

    answer(async {
        let services = services()?;
        let Caller::User(user) = caller() else { return Ok(None) };
        let namespaces = if user.admin {
            let all = services.store.list_namespaces().await?;
            all.into_iter().map(|ns| NamespaceChoice { name: ns.metadata.name, role: None }).collect()
        } else {
            let mine = services.store.memberships(&user.id).await?;
            mine.into_iter().map(|(name, role)| NamespaceChoice { name, role: Some(role) }).collect()
        };
        Ok(Some(SessionView { name: user.name, admin: user.admin, namespaces }))
    })
    .await
}

#[cfg(feature = "ssr")]
fn set_cookie(cookie: &str) -> Result<(), AppError> {
    let response = use_context::<leptos_axum::ResponseOptions>().ok_or(AppError::Internal)?;
    let value = http::HeaderValue::from_str(cookie).map_err(|_| AppError::Internal)?;
    response.append_header(http::header::SET_COOKIE, value);
    Ok(())
}
