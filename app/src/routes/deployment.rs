//! The page of one deployment: its status and actions, its job history, savepoints and event log.
//! Rendered on the server, then refreshed in the browser every few seconds so the engine's
//! progress shows without a reload. Each history shows a page at a time: the newest, or the one
//! its query parameter (`jobs`, `savepoints`, `events`) names.

use std::time::Duration;

use domain::{JobState, Permission, SavepointState};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::deployments::{get_deployment, DeleteDeployment, SetDesiredState, TakeSavepoint};
use crate::components::deployment_actions::DeploymentActions;
use crate::components::error_panel::ErrorPanel;
use crate::components::layout::Layout;
use crate::components::pager::Pager;
use crate::components::start_dialog::{StartModal, StartModalState};
use crate::components::status_badge::StatusBadge;
use crate::components::table::{empty, section_title, Table};
use crate::providers::session::use_session;
use crate::view_model::{
    available_actions, can_take_savepoint, short_time, DeploymentDetail, EventRow, HistoryPages, JobRow, SavepointRow,
};

const REFRESH_EVERY: Duration = Duration::from_secs(2);

/// Column headings of the history tables (`true`: right-aligned).
const JOB_COLUMNS: &[(&str, bool)] = &[
    ("Job", false),
    ("State", false),
    ("Flink job id", false),
    ("Parallelism", true),
    ("Restored from", false),
    ("Started (UTC)", false),
    ("Ended (UTC)", false),
];
const SAVEPOINT_COLUMNS: &[(&str, bool)] =
    &[("Origin", false), ("State", false), ("Location", false), ("Created (UTC)", false)];

#[component]
pub fn DeploymentPage() -> impl IntoView {
    let params = use_params_map();
    let namespace = Signal::derive(move || params.read().get("namespace").unwrap_or_default());
    let id = Signal::derive(move || params.read().get("id").unwrap_or_default());
    let query = use_query_map();
    let shown = Signal::derive(move || HistoryPages::from_query(|name| query.read().get(name)));

    let refresh = RwSignal::new(0u64);
    Effect::new(move |_| {
        let handle = set_interval_with_handle(move || refresh.update(|n| *n += 1), REFRESH_EVERY);
        on_cleanup(move || {
            if let Ok(handle) = handle {
                handle.clear();
            }
        });
    });
    let session = use_session();
    let may_edit = move || session.get().is_some_and(|s| s.may(&namespace.get(), Permission::EditDeployments));
    let set_state = ServerAction::<SetDesiredState>::new();
    let start = StartModalState::provide();
    let take_savepoint = ServerAction::<TakeSavepoint>::new();
    let detail = Resource::new(
        move || {
            (
                namespace.get(),
                id.get(),
                shown.get(),
                refresh.get(),
                set_state.version().get(),
                start.started.get(),
                take_savepoint.version().get(),
            )
        },
        |(namespace, id, shown, _, _, _, _)| get_deployment(namespace, id, shown.jobs, shown.savepoints, shown.events),
    );

    view! {
        <Layout namespace>
            <StartModal/>
            <a href=move || format!("/namespaces/{}/deployments", namespace.get()) class="text-sm text-indigo-700 hover:underline">
                "← Deployments"
            </a>
            {move || set_state.value().get().and_then(Result::err).map(|err| view! { <ErrorPanel err/> })}
            {move || take_savepoint.value().get().and_then(Result::err).map(|err| view! { <ErrorPanel err/> })}
            <Transition fallback=|| view! { <p class="py-8 text-slate-500">"Loading the deployment…"</p> }>
                {move || detail.get().map(|result| match result {
                    Ok(detail) => {
                        let path = format!("/namespaces/{}/deployments/{}", namespace.get_untracked(), id.get_untracked());
                        let shown = shown.get_untracked();
                        // Each history's links change its own page and keep the others'.
                        let links = |first: HistoryPages, older: Option<HistoryPages>, is_first: bool| {
                            let first = (!is_first).then(|| first.href(&path));
                            (first, older.map(|older| older.href(&path)))
                        };
                        let jobs = links(
                            HistoryPages { jobs: None, ..shown.clone() },
                            detail.next.jobs.clone().map(|jobs| HistoryPages { jobs: Some(jobs), ..shown.clone() }),
                            shown.jobs.is_none(),
                        );
                        let savepoints = links(
                            HistoryPages { savepoints: None, ..shown.clone() },
                            detail.next.savepoints.clone().map(|s| HistoryPages { savepoints: Some(s), ..shown.clone() }),
                            shown.savepoints.is_none(),
                        );
                        let events = links(
                            HistoryPages { events: None, ..shown.clone() },
                            detail.next.events.clone().map(|events| HistoryPages { events: Some(events), ..shown.clone() }),
                            shown.events.is_none(),
                        );
                        view! {
                            <Overview detail=detail.clone() namespace=namespace.get_untracked() may_edit=may_edit() set_state take_savepoint/>
                            <Jobs jobs=detail.jobs.clone()/>
                            <Pager label="Job history pages" first=jobs.0 next=jobs.1 first_text="Newest jobs" next_text="Older jobs"/>
                            <Savepoints savepoints=detail.savepoints.clone()/>
                            <Pager label="Savepoint pages" first=savepoints.0 next=savepoints.1 first_text="Newest savepoints" next_text="Older savepoints"/>
                            <Events events=detail.events/>
                            <Pager label="Event log pages" first=events.0 next=events.1 first_text="Newest events" next_text="Older events"/>
                        }
                        .into_any()
                    }
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                })}
            </Transition>
            // Outside the refreshing part: the confirmation stays open while the page updates.
            <Transition fallback=|| ()>
                {move || may_edit().then(|| view! { <DeleteControl namespace=namespace.get() id=id.get()/> })}
            </Transition>
        </Layout>
    }
}

#[component]
fn Overview(
    detail: DeploymentDetail,
    namespace: String,
    /// Whether to offer the actions (the server decides each request anyway).
    may_edit: bool,
    set_state: ServerAction<SetDesiredState>,
    take_savepoint: ServerAction<TakeSavepoint>,
) -> impl IntoView {
    let row = detail.row.clone();
    let title = row.display_name.clone().unwrap_or_else(|| row.name.clone());
    let actions = if may_edit { available_actions(row.desired, row.status, row.mode) } else { Vec::new() };
    let savepoint_allowed = may_edit && can_take_savepoint(&detail);
    let fact = |label: &'static str, value: String| {
        view! {
            <div>
                <dt class="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</dt>
                <dd class="mt-1 font-mono text-sm text-slate-800">{value}</dd>
            </div>
        }
    };
    view! {
        <section class="mt-4 rounded-lg border border-slate-200 bg-white p-6 shadow-sm" aria-label="Overview">
            <div class="flex flex-wrap items-start justify-between gap-4">
                <div>
                    <h1 class="text-2xl font-semibold tracking-tight">{title}</h1>
                    <p class="font-mono text-xs text-slate-500">{row.name.clone()}</p>
                </div>
                <div class="flex items-center gap-3">
                    <span data-testid="status"><StatusBadge state=row.status/></span>
                    <DeploymentActions
                        namespace=namespace.clone()
                        deployment_id=row.id.clone()
                        name=row.name.clone()
                        actions
                        streaming=row.mode == domain::ExecutionMode::Streaming
                        set_state
                    />
                    {may_edit.then(|| view! {
                        <a href=format!("/namespaces/{namespace}/deployments/{}/edit", row.id)
                            aria-label=format!("Edit {}", row.name)
                            class="rounded-md bg-white px-2.5 py-1 text-xs font-semibold text-slate-800 shadow-sm ring-1 ring-inset ring-slate-300 hover:bg-slate-50">
                            "Edit"
                        </a>
                    })}
                    {savepoint_allowed.then(|| view! {
                        <ActionForm action=take_savepoint>
                            <input type="hidden" name="namespace" value=namespace.clone()/>
                            <input type="hidden" name="deployment_id" value=row.id.clone()/>
                            <button
                                type="submit"
                                class="rounded-md bg-white px-2.5 py-1 text-xs font-semibold text-slate-800 shadow-sm ring-1 ring-inset ring-slate-300 hover:bg-slate-50"
                            >
                                "Take savepoint"
                            </button>
                        </ActionForm>
                    })}
                </div>
            </div>
            {row.failure.clone().map(|failure| view! {
                <p role="alert" class="mt-4 rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-800">{failure}</p>
            })}
            <dl class="mt-6 grid grid-cols-2 gap-4 sm:grid-cols-3 lg:grid-cols-6">
                {fact("Desired state", row.desired.as_str().to_owned())}
                {fact("Mode", row.mode.as_str().to_owned())}
                {fact("Target", row.target.clone())}
                {fact("Parallelism", row.parallelism.map_or_else(|| "—".to_owned(), |p| p.to_string()))}
                {fact("Upgrade", detail.upgrade_strategy.clone())}
                {fact("Restore", detail.restore_strategy.clone())}
            </dl>
        </section>
    }
}

#[component]
fn Jobs(jobs: Vec<JobRow>) -> impl IntoView {
    let count = jobs.len();
    let body = if jobs.is_empty() {
        empty("No job has run yet. Start the deployment to run one.")
    } else {
        view! {
            <Table label="Jobs" columns=JOB_COLUMNS>
                        {jobs.into_iter().map(|job| {
                            let state_class = match job.state {
                                JobState::Started => "text-emerald-700",
                                JobState::Failed => "text-rose-700",
                                JobState::Starting | JobState::Standby | JobState::Terminating => "text-sky-700",
                                JobState::Terminated | JobState::Finished => "text-slate-600",
                            };
                            view! {
                                <tr data-job=job.id.clone()>
                                    <td class="px-4 py-2 font-mono text-xs">{job.id.get(..8).unwrap_or(&job.id).to_owned()}</td>
                                    <td class=format!("px-4 py-2 text-xs font-semibold {state_class}")>
                                        {job.state.as_str()}
                                        {job.failure.clone().map(|f| view! { <div class="font-normal text-rose-700">{f}</div> })}
                                    </td>
                                    <td class="px-4 py-2 font-mono text-xs text-slate-600">{job.flink_job_id.clone().unwrap_or_default()}</td>
                                    <td class="px-4 py-2 text-right tabular-nums">{job.parallelism.map_or_else(|| "—".to_owned(), |p| p.to_string())}</td>
                                    <td class="max-w-xs truncate px-4 py-2 font-mono text-xs text-slate-600" title=job.restored_from.clone().unwrap_or_default()>
                                        {job.restored_from.clone().unwrap_or_else(|| "no state".into())}
                                    </td>
                                    <td class="px-4 py-2 tabular-nums text-slate-600">{short_time(&job.created_at)}</td>
                                    <td class="px-4 py-2 tabular-nums text-slate-600">{job.terminated_at.as_deref().map(short_time).unwrap_or_default()}</td>
                                </tr>
                            }
                        }).collect_view()}
            </Table>
        }
        .into_any()
    };
    view! { <section aria-label="Job history">{section_title("Job history", count)}{body}</section> }
}

#[component]
fn Savepoints(savepoints: Vec<SavepointRow>) -> impl IntoView {
    let count = savepoints.len();
    let body = if savepoints.is_empty() {
        empty("No savepoints yet. Suspending a running deployment takes one.")
    } else {
        view! {
            <Table label="Savepoints" columns=SAVEPOINT_COLUMNS>
                        {savepoints.into_iter().map(|savepoint| {
                            let state_class = match savepoint.state {
                                SavepointState::Completed => "text-emerald-700",
                                SavepointState::Started => "text-sky-700",
                                SavepointState::Failed => "text-rose-700",
                            };
                            view! {
                                <tr data-savepoint=savepoint.id.clone()>
                                    <td class="px-4 py-2 text-xs font-medium">{savepoint.origin.clone()}</td>
                                    <td class=format!("px-4 py-2 text-xs font-semibold {state_class}")>
                                        {savepoint.state.as_str()}
                                        {savepoint.failure.clone().map(|f| view! { <div class="font-normal">{f}</div> })}
                                    </td>
                                    <td class="px-4 py-2 font-mono text-xs text-slate-600 break-all">{savepoint.location.clone().unwrap_or_else(|| "—".into())}</td>
                                    <td class="px-4 py-2 tabular-nums text-slate-600">{short_time(&savepoint.created_at)}</td>
                                </tr>
                            }
                        }).collect_view()}
            </Table>
        }
        .into_any()
    };
    view! { <section aria-label="Savepoints">{section_title("Savepoints", count)}{body}</section> }
}

#[component]
fn Events(events: Vec<EventRow>) -> impl IntoView {
    let count = events.len();
    let body = if events.is_empty() {
        empty("Nothing has happened yet.")
    } else {
        view! {
            <ol class="mt-2 divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white shadow-sm" aria-label="Events">
                {events.into_iter().map(|event| view! {
                    <li class="flex gap-4 px-4 py-2 text-sm" data-event=event.name.clone()>
                        <span class="w-40 shrink-0 tabular-nums text-slate-500">{short_time(&event.created_at)}</span>
                        <div class="min-w-0">
                            <p class="text-slate-800">{event.message.clone()}</p>
                            <p class="font-mono text-xs text-slate-400">{event.name.clone()}</p>
                        </div>
                    </li>
                }).collect_view()}
            </ol>
        }
        .into_any()
    };
    view! { <section aria-label="Event log">{section_title("Event log", count)}{body}</section> }
}

/// "Delete…": a confirmation that works without JavaScript (a disclosure with a form); a running
/// deployment is refused by the server with the reason, shown here.
#[component]
fn DeleteControl(namespace: String, id: String) -> impl IntoView {
    let delete = ServerAction::<DeleteDeployment>::new();
    let list = format!("/namespaces/{namespace}/deployments");
    Effect::new(move |_| {
        if matches!(delete.value().get(), Some(Ok(_))) {
            leptos_router::hooks::use_navigate()(&list, Default::default());
        }
    });
    view! {
        <details class="mt-10 rounded-lg border border-rose-200 bg-white p-4 text-sm">
            <summary class="cursor-pointer font-semibold text-rose-700">"Delete this deployment…"</summary>
            <div role="group" aria-label="Confirm deletion" class="mt-2">
                <p>"Its job history and savepoints are kept. A running deployment must be cancelled first."</p>
                {move || delete.value().get().and_then(Result::err).map(|err| view! { <ErrorPanel err/> })}
                <ActionForm action=delete attr:class="mt-3 flex justify-end">
                    <input type="hidden" name="namespace" value=namespace.clone()/>
                    <input type="hidden" name="deployment_id" value=id.clone()/>
                    <button type="submit" class="rounded-md bg-rose-600 px-3 py-1.5 text-xs font-semibold text-white hover:bg-rose-500">
                        "Delete deployment"
                    </button>
                </ActionForm>
            </div>
        </details>
    }
}
