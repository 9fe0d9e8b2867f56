//! The frame of every page: the top bar with the product name, the namespace picker (the
//! namespaces the signed-in person belongs to, with their role there) and sign-out. What depends
//! on the session sits in `<Transition>`, so the server renders it only once the session is loaded
//! and hydration finds the same markup.

use leptos::prelude::*;

use domain::Permission;

use crate::api::session::Logout;
use crate::components::page_forms::PageForms;
use crate::providers::session::use_session;

#[component]
pub fn Layout(namespace: Signal<String>, children: Children) -> impl IntoView {
    let session = use_session();
    let logout = ServerAction::<Logout>::new();
    let location = leptos_router::hooks::use_location();
    let pathname = location.pathname;
    view! {
        <header class="border-b border-slate-200 bg-slate-900 text-white">
            <div class="mx-auto flex max-w-7xl items-center gap-6 px-6 py-3">
                <a href="/" class="flex items-center gap-2 font-semibold tracking-tight">
                    <img src="/favicon.svg" alt="" class="h-6 w-6"/>
                    "Flink Console"
                </a>
                <nav class="flex items-center gap-4 text-sm" aria-label="Sections">
                    {nav_link(format!("/namespaces/{}/deployments", namespace.get_untracked()), "Deployments", pathname)}
                    <Transition fallback=|| ()>
                    {move || session.get().map(|s| {
                        let ns = namespace.get();
                        let manage = s.may(&ns, Permission::ManageNamespace);
                        let member = s.may(&ns, Permission::ViewDeployments);
                        view! {
                            {member.then(|| nav_link(format!("/namespaces/{ns}/artifacts"), "Artifacts", pathname))}
                            {member.then(|| nav_link(format!("/namespaces/{ns}/sql"), "SQL", pathname))}
                            {manage.then(|| nav_link(format!("/namespaces/{ns}/access"), "Access", pathname))}
                            {manage.then(|| nav_link(format!("/namespaces/{ns}/audit"), "Audit log", pathname))}
                            {member.then(|| nav_link(format!("/namespaces/{ns}/settings"), "Settings", pathname))}
                            {s.admin.then(|| nav_link("/admin".to_owned(), "Admin", pathname))}
                        }
                    })}
                    </Transition>
                </nav>
                <div class="ml-auto flex items-center gap-4 text-sm">
                    <details class="relative">
                        <summary class="flex cursor-pointer list-none items-center gap-2" aria-label="Namespace">
                            <span class="text-slate-400">"Namespace"</span>
                            <span data-testid="namespace" class="rounded bg-slate-700 px-2 py-0.5 font-mono">
                                {move || namespace.get()}
                            </span>
                            <span class="text-slate-400">"▾"</span>
                        </summary>
                        <ul class="absolute right-0 z-20 mt-2 w-56 rounded-md border border-slate-200 bg-white py-1 text-slate-800 shadow-lg" aria-label="Namespaces">
                            <Transition fallback=|| ()>
                            {move || session.get().map(|s| s.namespaces.into_iter().map(|choice| {
                                let role = choice.role.map_or("admin", |r| r.as_str());
                                view! {
                                    <li>
                                        <a href=format!("/namespaces/{}/deployments", choice.name)
                                            class="flex justify-between px-3 py-1.5 hover:bg-slate-50">
                                            <span class="font-mono">{choice.name.clone()}</span>
                                            <span class="text-xs lowercase text-slate-500">{role}</span>
                                        </a>
                                    </li>
                                }
                            }).collect_view())}
                            </Transition>
                        </ul>
                    </details>
                    <Transition fallback=|| ()>
                    {move || session.get().map(|s| {
                        let role = s.role_label(&namespace.get());
                        view! {
                            <a href="/account" data-testid="user" class="text-slate-300 hover:text-white" title="Your account">
                                {s.name.clone()}
                                <span class="ml-1 rounded bg-slate-700 px-1.5 py-0.5 text-xs text-slate-200">{role}</span>
                            </a>
                        }
                    })}
                    </Transition>
                    <ActionForm action=logout>
                        <button type="submit" class="text-slate-300 hover:text-white">"Sign out"</button>
                    </ActionForm>
                </div>
            </div>
        </header>
        <main class="mx-auto max-w-7xl px-6 py-8" data-hydrated="false">{children()}</main>
        <PageForms/>
        <HydrationMark/>
    }
}

/// Sets `data-hydrated="true"` on the page's `<main>` once the page's islands are hydrated (they
/// hydrate in document order and this one comes last): tests wait for the mark before they use
/// controls that need JavaScript.
#[island]
fn HydrationMark() -> impl IntoView {
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(main) = leptos::web_sys::window()
            .and_then(|window| window.document())
            .and_then(|document| document.query_selector("main").ok().flatten())
        {
            let _ = main.set_attribute("data-hydrated", "true");
        }
    });
}

/// A top-bar link, marked as the current page when `pathname` starts with its address (the
/// Deployments link also covers a deployment's page).
fn nav_link(href: String, label: &'static str, pathname: Memo<String>) -> impl IntoView {
    let target = href.clone();
    let current = move || pathname.get().starts_with(&target);
    let current_too = current.clone();
    view! {
        <a
            href=href
            aria-current=move || current().then_some("page")
            class=move || if current_too() { "font-medium text-white" } else { "text-slate-300 hover:text-white" }
        >
            {label}
        </a>
    }
}
