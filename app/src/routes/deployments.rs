//! The Deployments page: the deployments of a namespace, streaming or batch, with their status, a
//! page at a time (`?after=` names the page).
//! Rendered on the server from the store, then refreshed in the browser every few seconds so
//! status changes appear without a reload.

use std::time::Duration;

use domain::{ExecutionMode, Permission};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::deployments::{list_deployments, SetDesiredState};
use crate::api::targets::{list_deployment_targets, RegisterSessionTarget};
use crate::components::deployment_actions::DeploymentActions;
use crate::components::error_panel::ErrorPanel;
use crate::components::layout::Layout;
use crate::components::pager::Pager;
use crate::components::start_dialog::{StartModal, StartModalState};
use crate::components::status_badge::StatusBadge;
use crate::providers::session::use_session;
use crate::view_model::{
    available_actions, link_with_query, mode_from_query, page_token_from_query, short_time, target_health_summary,
    DeploymentRow, TargetRow,
};

/// How often the page asks for fresh status while it is open.
const REFRESH_EVERY: Duration = Duration::from_secs(3);

#[component]
pub fn DeploymentsPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let namespace = Signal::derive(move || params.read().get("namespace").unwrap_or_default());
    let mode = Signal::derive(move || mode_from_query(query.read().get("mode").as_deref()));
    let after = Signal::derive(move || page_token_from_query(query.read().get("after").as_deref()));

    let refresh = RwSignal::new(0u64);
    let live = RwSignal::new(false);
    // Effects run only in the browser, after hydration: start polling there.
    Effect::new(move |_| {
        live.set(true);
        let handle = set_interval_with_handle(move || refresh.update(|n| *n += 1), REFRESH_EVERY);
        on_cleanup(move || {
            if let Ok(handle) = handle {
                handle.clear();
            }
        });
    });

    let set_state = ServerAction::<SetDesiredState>::new();
    let start = StartModalState::provide();
    let deployments = Resource::new(
        move || {
            (namespace.get(), mode.get(), after.get(), refresh.get(), set_state.version().get(), start.started.get())
        },
        |(namespace, mode, after, _, _, _)| list_deployments(namespace, mode, after),
    );

    let session = use_session();
    let may = move |permission| session.get().is_some_and(|s| s.may(&namespace.get(), permission));
    let register = ServerAction::<RegisterSessionTarget>::new();
    let targets = Resource::new(
        move || (namespace.get(), refresh.get(), register.version().get()),
        |(namespace, _, _)| list_deployment_targets(namespace),
    );

    view! {
        <Layout namespace>
            <StartModal/>
            <div class="flex items-end justify-between">
                <div>
                    <h1 class="text-2xl font-semibold tracking-tight">"Deployments"</h1>
                    <p class="mt-1 text-sm text-slate-600">
                        "Each deployment runs one Flink job at a time and is driven towards its desired state."
                    </p>
                </div>
                <div class="flex items-center gap-4">
                    <span
                        data-testid="live"
                        class=move || if live.get() { "text-xs text-emerald-700" } else { "text-xs text-slate-400" }
                        title="The table refreshes by itself while this page is open"
                    >
                        {move || if live.get() { "● Live" } else { "○ Static" }}
                    </span>
                    <Transition fallback=|| ()>
                        {move || may(Permission::EditDeployments).then(|| view! {
                            <a href=format!("/namespaces/{}/deployments/new", namespace.get())
                                class="rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500">
                                "New deployment"
                            </a>
                        })}
                    </Transition>
                </div>
            </div>
            <div class="mt-4 flex flex-wrap items-start gap-3">
                <Transition fallback=|| ()>
                    {move || targets.get().and_then(Result::ok).map(|rows| view! { <TargetStrip rows/> })}
                </Transition>
                <Transition fallback=|| ()>
                    {move || may(Permission::ManageNamespace).then(|| view! { <RegisterTarget namespace register/> })}
                </Transition>
            </div>
            <ModeTabs namespace mode/>
            {move || set_state.value().get().and_then(Result::err).map(|err| view! { <ErrorPanel err/> })}
            <Transition fallback=|| view! { <p class="py-8 text-slate-500">"Loading deployments…"</p> }>
                {move || deployments.get().map(|result| match result {
                    Ok(page) => {
                        let may_edit = may(Permission::EditDeployments);
                        let path = format!("/namespaces/{}/deployments", namespace.get_untracked());
                        let mode_query = mode.get_untracked().as_str().to_ascii_lowercase();
                        let first = after.get_untracked().map(|_| link_with_query(&path, &[("mode", Some(&mode_query))]));
                        let next = page.continue_token.as_deref().map(|token| {
                            link_with_query(&path, &[("mode", Some(&mode_query)), ("after", Some(token))])
                        });
                        view! {
                            <DeploymentTable rows=page.items mode=mode.get_untracked() namespace=namespace.get_untracked() may_edit set_state/>
                            <Pager label="Deployment pages" first next first_text="First page" next_text="Next page"/>
                        }
                        .into_any()
                    }
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                })}
            </Transition>
        </Layout>
    }
}

/// Where this namespace's jobs run, and whether those clusters answer.
#[component]
fn TargetStrip(rows: Vec<TargetRow>) -> impl IntoView {
    view! {
        <ul class="flex flex-wrap gap-3" aria-label="Deployment targets">
            {rows
                .into_iter()
                .map(|row| {
                    let (dot, summary) = target_health_summary(&row.health);
                    view! {
                        <li
                            class="flex items-center gap-2 rounded-md border border-slate-200 bg-white px-3 py-1.5 text-sm shadow-sm"
                            data-target=row.name.clone()
                            title=row.url.clone().unwrap_or_default()
                        >
                            <span class=format!("h-2 w-2 rounded-full {dot}")></span>
                            <span class="font-medium">{row.name.clone()}</span>
                            <span class="text-xs uppercase text-slate-400">{row.kind.clone()}</span>
                            <span class="text-slate-600">{summary}</span>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

/// A small form to register a Flink session cluster as a target (owners; the server decides).
#[component]
fn RegisterTarget(namespace: Signal<String>, register: ServerAction<RegisterSessionTarget>) -> impl IntoView {
    view! {
        <details class="group relative">
            <summary class="cursor-pointer list-none rounded-md border border-dashed border-slate-300 px-3 py-1.5 text-sm text-slate-600 hover:border-indigo-400 hover:text-indigo-700">
                "+ Session cluster"
            </summary>
            <div class="absolute z-10 mt-2 w-96 rounded-lg border border-slate-200 bg-white p-4 shadow-lg">
                <ActionForm action=register>
                    <input type="hidden" name="namespace" value=move || namespace.get()/>
                    <label class="block text-xs font-medium text-slate-600">
                        "Name"
                        <input name="name" required placeholder="analytics-cluster"
                            class="mt-1 block w-full rounded-md border border-slate-300 px-2 py-1 text-sm"/>
                    </label>
                    <label class="mt-3 block text-xs font-medium text-slate-600">
                        "JobManager REST URL"
                        <input name="url" type="url" required placeholder="http://flink-jobmanager:8081"
                            class="mt-1 block w-full rounded-md border border-slate-300 px-2 py-1 text-sm"/>
                    </label>
                    <button type="submit" class="mt-3 rounded-md bg-indigo-600 px-3 py-1 text-sm font-semibold text-white hover:bg-indigo-500">
                        "Register"
                    </button>
                </ActionForm>
                {move || register.value().get().map(|result| match result {
                    Ok(row) => view! { <p class="mt-2 text-xs text-emerald-700">{format!("Registered {}; its health shows in a few seconds.", row.name)}</p> }.into_any(),
                    Err(err) => view! { <p role="alert" class="mt-2 text-xs text-rose-700">{err.to_string()}</p> }.into_any(),
                })}
            </div>
        </details>
    }
}

#[component]
fn ModeTabs(namespace: Signal<String>, mode: Signal<ExecutionMode>) -> impl IntoView {
    let tab = move |label: &'static str, value: ExecutionMode, query: &'static str| {
        let classes = move || {
            if mode.get() == value {
                "border-indigo-600 text-indigo-700"
            } else {
                "border-transparent text-slate-500 hover:text-slate-800"
            }
        };
        view! {
            <a
                href=move || format!("/namespaces/{}/deployments?mode={query}", namespace.get())
                class=move || format!("border-b-2 px-1 pb-2 text-sm font-medium {}", classes())
                aria-current=move || (mode.get() == value).then_some("page")
            >
                {label}
            </a>
        }
    };
    view! {
        <nav class="mt-6 flex gap-6 border-b border-slate-200" aria-label="Execution mode">
            {tab("Streaming", ExecutionMode::Streaming, "streaming")}
            {tab("Batch", ExecutionMode::Batch, "batch")}
        </nav>
    }
}

#[component]
fn DeploymentTable(
    rows: Vec<DeploymentRow>,
    mode: ExecutionMode,
    namespace: String,
    /// Whether to offer Start/Suspend/Cancel (the server decides each request anyway).
    may_edit: bool,
    set_state: ServerAction<SetDesiredState>,
) -> impl IntoView {
    if rows.is_empty() {
        let kind = match mode {
            ExecutionMode::Streaming => "streaming",
            ExecutionMode::Batch => "batch",
        };
        return view! {
            <div class="mt-6 rounded-lg border border-dashed border-slate-300 bg-white px-6 py-12 text-center">
                <p class="font-medium">{format!("No {kind} deployments in this namespace yet.")}</p>
                <p class="mt-1 text-sm text-slate-500">"Create one through the REST API or import a YAML file."</p>
            </div>
        }
        .into_any();
    }
    view! {
        <div class="mt-6 overflow-hidden rounded-lg border border-slate-200 bg-white shadow-sm">
            <table class="min-w-full divide-y divide-slate-200 text-sm" aria-label="Deployments">
                <thead class="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
                    <tr>
                        <th scope="col" class="px-4 py-3">"Name"</th>
                        <th scope="col" class="px-4 py-3">"Status"</th>
                        <th scope="col" class="px-4 py-3">"Desired state"</th>
                        <th scope="col" class="px-4 py-3">"Target"</th>
                        <th scope="col" class="px-4 py-3 text-right">"Parallelism"</th>
                        <th scope="col" class="px-4 py-3">"Modified (UTC)"</th>
                        <th scope="col" class="px-4 py-3 text-right">"Actions"</th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100">
                    {rows
                        .into_iter()
                        .map(|row| view! { <DeploymentLine row namespace=namespace.clone() may_edit set_state/> })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn DeploymentLine(
    row: DeploymentRow,
    namespace: String,
    may_edit: bool,
    set_state: ServerAction<SetDesiredState>,
) -> impl IntoView {
    let title = row.display_name.clone().unwrap_or_else(|| row.name.clone());
    let show_name = row.display_name.is_some();
    let href = format!("/namespaces/{namespace}/deployments/{}", row.id);
    let actions = if may_edit { available_actions(row.desired, row.status, row.mode) } else { Vec::new() };
    view! {
        <tr class="hover:bg-slate-50" data-deployment=row.name.clone()>
            <td class="px-4 py-3">
                <a href=href class="font-medium text-slate-900 hover:text-indigo-700 hover:underline">{title}</a>
                {show_name.then(|| view! { <div class="font-mono text-xs text-slate-500">{row.name.clone()}</div> })}
                {row.failure.clone().map(|failure| view! { <div class="mt-1 text-xs text-rose-700">{failure}</div> })}
            </td>
            <td class="px-4 py-3"><StatusBadge state=row.status/></td>
            <td class="px-4 py-3 text-slate-700">{row.desired.as_str()}</td>
            <td class="px-4 py-3 font-mono text-xs text-slate-700">{row.target.clone()}</td>
            <td class="px-4 py-3 text-right tabular-nums">{row.parallelism.map(|p| p.to_string()).unwrap_or_else(|| "—".into())}</td>
            <td class="px-4 py-3 tabular-nums text-slate-600">{short_time(&row.modified_at)}</td>
            <td class="px-4 py-3">
                <DeploymentActions namespace deployment_id=row.id.clone() name=row.name.clone() actions streaming=row.mode == ExecutionMode::Streaming set_state/>
            </td>
        </tr>
    }
}
