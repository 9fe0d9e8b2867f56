//! Server functions for signing in and out, and for what the top bar shows of the signed-in person.

use leptos::prelude::*;

use crate::error::AppError;
use crate::view_model::SessionView;

/// Signs in with a user name and password; sets the session cookie and goes to the console.
#[server(endpoint = "login")]
pub async fn login(name: String, password: String) -> Result<(), AppError> {
    use crate::ssr::auth::{ClientAddress, SESSION_COOKIE, SESSION_LIFETIME};
    use crate::ssr::{answer, services, set_cookie};

    answer(async {
        let services = services()?;
        let address = use_context::<http::request::Parts>()
            .and_then(|p| p.extensions.get::<ClientAddress>().map(|a| a.0.clone()))
            .unwrap_or_else(|| "unknown".to_owned());
        let (user, secret) = services.sign_in(name.trim(), &password, &address).await?;
        let lifetime = SESSION_LIFETIME.as_secs();
        set_cookie(SESSION_COOKIE, secret.expose(), &format!("Path=/; SameSite=Lax; Max-Age={lifetime}"))?;
        leptos_axum::redirect(if user.must_change_password { "/account" } else { "/" });
        Ok(())
    })
    .await
}

/// Ends the session and goes to the sign-in page.
#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::ssr::auth::SESSION_COOKIE;
    use crate::ssr::{request_cookie, services, set_cookie};

    let services = services()?;
    if let Some(session) = request_cookie(SESSION_COOKIE) {
        services.sign_out(&session).await?;
    }
    set_cookie(SESSION_COOKIE, "", "Path=/; SameSite=Lax; Max-Age=0")?;
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
            // The picker offers the first page of namespaces by name.
            let first = domain::PageRequest::first(crate::ssr::Services::MAX_PAGE_SIZE);
            let all = services.namespaces(&first).await?.items;
            all.into_iter().map(|ns| NamespaceChoice { name: ns.metadata.name, role: None }).collect()
        } else {
            let mine = services.memberships(&user).await?;
            mine.into_iter().map(|(name, role)| NamespaceChoice { name, role: Some(role) }).collect()
        };
        Ok(Some(SessionView {
            name: user.name,
            admin: user.admin,
            namespaces,
            must_change_password: user.must_change_password,
        }))
    })
    .await
}
