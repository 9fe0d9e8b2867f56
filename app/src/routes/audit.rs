//! A namespace's audit log (owners and admins): who changed what, when, and how, newest first.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::access::list_audit_page;
use crate::components::audit_table::AuditTable;
use crate::components::error_panel::ErrorPanel;
use crate::components::layout::Layout;
use crate::components::pager::Pager;
use crate::view_model::{link_with_query, page_token_from_query};

#[component]
pub fn AuditPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let namespace = Signal::derive(move || params.read().get("namespace").unwrap_or_default());
    let after = Signal::derive(move || page_token_from_query(query.read().get("after").as_deref()));
    let entries =
        Resource::new(move || (namespace.get(), after.get()), |(namespace, after)| list_audit_page(namespace, after));
    let path = move || format!("/namespaces/{}/audit", namespace.get());
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
                    Ok(page) => {
                        let first = after.get().map(|_| path());
                        let next = page.continue_token.as_deref().map(|token| link_with_query(&path(), &[("after", Some(token))]));
                        view! {
                            <div class="mt-4"><AuditTable entries=page.items show_namespace=false/></div>
                            <Pager label="Audit log pages" first next first_text="Newest" next_text="Older"/>
                        }
                        .into_any()
                    }
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                })}
            </Transition>
        </Layout>
    }
}
