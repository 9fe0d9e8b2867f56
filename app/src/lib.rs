//! The console's UI: the HTML shell, the route table, pages, components and the server functions
//! behind them. Compiled twice: with `ssr` for the server and `hydrate` for the browser. Leptos'
//! islands mode: pages render on the server only, and just the `#[island]` components (the live
//! region, the Start modal, in-place forms, the hydration mark) run in the browser. Server-only
//! code sits behind `ssr`; nothing here talks to Flink.
// The views are deeply nested types; laying them out needs a deeper query limit.
#![recursion_limit = "256"]

pub mod api;
pub mod components;
pub mod error;
pub mod providers;
pub mod routes;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod view_model;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{Redirect, Route, Router, Routes};
use leptos_router::{path, SsrMode};

use crate::providers::session::SessionProvider;
use crate::routes::access::AccessPage;
use crate::routes::account::AccountPage;
use crate::routes::admin::AdminPage;
use crate::routes::artifacts::ArtifactsPage;
use crate::routes::audit::AuditPage;
use crate::routes::deployment::DeploymentPage;
use crate::routes::deployment_form::{EditDeploymentPage, NewDeploymentPage};
use crate::routes::deployments::DeploymentsPage;
use crate::routes::login::LoginPage;
use crate::routes::not_found::NotFound;
use crate::routes::settings::SettingsPage;
use crate::routes::sql::SqlPage;
use crate::routes::start::StartPage;

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
                // `pkg/console.<hash>.css` when the build hashed the bundle (server/src/static_files.rs).
                <HashedStylesheet options=options.clone() id="console"/>
                <HydrationScripts options islands=true/>
                <MetaTags/>
            </head>
            <body class="min-h-screen bg-slate-50 text-slate-900 antialiased">
                <App/>
            </body>
        </html>
    }
}

/// The console: its routes, under a shared layout.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title text="Flink Console"/>
        <Router>
            <SessionProvider>
            <Routes fallback=NotFound>
                <Route path=path!("/") view=Home ssr=SsrMode::Async/>
                <Route path=path!("/login") view=LoginPage/>
                // Async: the HTML waits for the data, so the page is complete even without JavaScript.
                <Route path=path!("/namespaces/:namespace/deployments") view=DeploymentsPage ssr=SsrMode::Async/>
                <Route path=path!("/namespaces/:namespace/deployments/new") view=NewDeploymentPage ssr=SsrMode::Async/>
                <Route path=path!("/namespaces/:namespace/deployments/:id") view=DeploymentPage ssr=SsrMode::Async/>
                <Route path=path!("/namespaces/:namespace/deployments/:id/edit") view=EditDeploymentPage ssr=SsrMode::Async/>
                <Route path=path!("/namespaces/:namespace/deployments/:id/start") view=StartPage ssr=SsrMode::Async/>
                <Route path=path!("/namespaces/:namespace/artifacts") view=ArtifactsPage ssr=SsrMode::Async/>
                <Route path=path!("/namespaces/:namespace/settings") view=SettingsPage ssr=SsrMode::Async/>
                <Route path=path!("/namespaces/:namespace/sql") view=SqlPage ssr=SsrMode::Async/>
                <Route path=path!("/namespaces/:namespace/access") view=AccessPage ssr=SsrMode::Async/>
                <Route path=path!("/namespaces/:namespace/audit") view=AuditPage ssr=SsrMode::Async/>
                <Route path=path!("/admin") view=AdminPage ssr=SsrMode::Async/>
                <Route path=path!("/account") view=AccountPage ssr=SsrMode::Async/>
            </Routes>
            </SessionProvider>
        </Router>
    }
}

/// The root address: the first namespace the signed-in person may use.
#[component]
fn Home() -> impl IntoView {
    let namespace = providers::session::use_home_namespace();
    view! {
        <Suspense fallback=|| ()>
            {move || view! { <Redirect path=format!("/namespaces/{}/deployments", namespace.get())/> }}
        </Suspense>
    }
}
