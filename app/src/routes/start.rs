//! The Start page (`/namespaces/:ns/deployments/:id/start`): the Start dialog at an address of its
//! own, so it works without JavaScript. Its query carries the form's fields: "Check compatibility"
//! is a GET of this page with `check=1` (the check runs while the page renders), and a refused start
//! comes back here with `error` and the fields as they were.

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::start::{check_start_compatibility, start_dialog};
use crate::components::error_panel::ErrorPanel;
use crate::components::layout::Layout;
use crate::components::start_dialog::StartDialog;
use crate::view_model::start::StartForm;

#[component]
pub fn StartPage() -> impl IntoView {
    let params = use_params_map();
    let namespace = Signal::derive(move || params.read().get("namespace").unwrap_or_default());
    let id = Signal::derive(move || params.read().get("id").unwrap_or_default());
    let query = use_query_map();
    let form = Signal::derive(move || StartForm::from_query(|key| query.read().get(key)));
    let wants_check = Signal::derive(move || query.read().get("check").is_some());
    let error = Signal::derive(move || query.read().get("error"));
    let data = Resource::new(move || (namespace.get(), id.get()), |(namespace, id)| start_dialog(namespace, id));
    let report = Resource::new(
        move || (namespace.get(), id.get(), form.get(), wants_check.get()),
        |(namespace, id, form, wants)| async move {
            if !wants {
                return None;
            }
            Some(
                check_start_compatibility(
                    namespace,
                    id,
                    form.mode,
                    form.strategy,
                    form.savepoint_id,
                    form.other_deployment,
                    form.other_savepoint,
                    form.allow_non_restored_state,
                    form.specify_start_time,
                    form.start_time,
                    form.tz_offset_minutes,
                    form.confirm_incompatible,
                )
                .await,
            )
        },
    );
    view! {
        <Layout namespace>
            <a href=move || format!("/namespaces/{}/deployments/{}", namespace.get(), id.get()) class="text-sm text-indigo-700 hover:underline">
                "← Deployment"
            </a>
            <Suspense fallback=|| view! { <p class="py-8 text-slate-500">"Loading the Start dialog…"</p> }>
                {move || {
                    let report = report.get();
                    data.get().map(|result| match result {
                        Ok(data) => view! {
                            <div class="flex justify-center">
                                <StartDialog data form=Some(form.get_untracked()) report=report.flatten() error=error.get_untracked()/>
                            </div>
                        }.into_any(),
                        Err(err) => view! { <ErrorPanel err/> }.into_any(),
                    })
                }}
            </Suspense>
        </Layout>
    }
}
