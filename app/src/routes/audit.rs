//! A namespace's audit log (owners and admins): who changed what, when, and how, newest first.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::access::list_audit;
use crate::components::audit_table::AuditTable;
use crate::components::error_panel::ErrorPanel;
use crate::components::layout::Layout;

#[component]
pub fn AuditPage() -> impl IntoView {
    let params = use_params_map();
    let namespace = Signal::derive(move || params.read().get("namespace").unwrap_or_default());
    let entries = Resource::new(move || namespace.get(), |namespace| list_audit(Some(namespace)));
    view! {
        <Title text="Audit log · Flink Console"/>
        <Layout namespace>
            <h1 class="text-2xl font-semibold tracking-tight">"Audit log"</h1>
            <p class="mt-1 text-sm text-slate-600">
                "Every change to namespace " <span class="font-mono">{move || namespace.get()}</span>
                ": its deployments, targets, defaults, members and API tokens, newest first."
            </p>
            <Transition fallback=|| view! { <p class="py-8 text-slate-500">"Loading the audit log…"</p> }>
                {move || entries.get().map(|result| match result {
                    Ok(entries) => view! { <div class="mt-4"><AuditTable entries show_namespace=false/></div> }.into_any(),
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                })}
            </Transition>
        </Layout>
    }
}
