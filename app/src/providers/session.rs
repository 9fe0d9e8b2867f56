//! The signed-in person, loaded once per page load and shared: the top bar shows them, pages ask
//! it which controls to show (the server still decides every request).

use leptos::prelude::*;

use crate::api::session::current_session;
use crate::error::AppError;
use crate::view_model::SessionView;

#[derive(Clone, Copy)]
pub struct SessionContext(pub Resource<Result<Option<SessionView>, AppError>>);

/// Loads the session for everything inside, again after each navigation to another page (so a
/// sign-in or sign-out shows at once).
#[component]
pub fn SessionProvider(children: Children) -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    provide_context(SessionContext(Resource::new(move || location.pathname.get(), |_| current_session())));
    children()
}

/// The session once loaded (`None` while loading or when nobody is signed in).
pub fn use_session() -> Signal<Option<SessionView>> {
    let context = use_context::<SessionContext>();
    Signal::derive(move || context.and_then(|SessionContext(resource)| resource.get()).and_then(Result::ok).flatten())
}

/// The namespace a person starts in: their first, or `default` while the session loads. Pages
/// that belong to no namespace (Admin, Your account) show it in the top bar.
pub fn use_home_namespace() -> Signal<String> {
    let session = use_session();
    Signal::derive(move || {
        session.get().and_then(|s| s.namespaces.first().map(|n| n.name.clone())).unwrap_or_else(|| "default".into())
    })
}
