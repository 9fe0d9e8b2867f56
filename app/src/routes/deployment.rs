//! The page of one deployment: its heading with status and actions, and six tabs — Overview (the
//! current job as Flink reports it), Configuration (the resource and its effective spec as YAML),
//! Jobs, Savepoints (take, register, start from, copy), Events (filtered by level) and Exceptions.
//! Every tab, level and page is a link (`?tab=…&level=…`), so it all works without JavaScript.
//! With it the page is live by push: it subscribes to the namespace's change stream
//! (`providers::live`) and reads the open tab again when a change concerns this deployment — every
//! status change, job, savepoint and event the engine writes is one. Only the Overview of a running
//! job also reads again every `FLINK_FACTS_EVERY`: its uptime, restarts and checkpoints are Flink's
//! and reach the console through no write.

use domain::{EventLevel, JobState, Permission, SavepointState};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::deployments::{
    get_deployment, CopySavepoint, DeleteDeployment, RegisterSavepoint, SetDesiredState, TakeSavepoint,
};
use crate::api::tuning::{ChangeTuningPlan, CreateTuningPlan, PlanAction, SaveAutopilotPolicy};
use crate::components::deployment_actions::DeploymentActions;
use crate::components::error_panel::ErrorPanel;
use crate::components::form::{done_by, FIELD, PRIMARY, QUIET};
use crate::components::layout::Layout;
use crate::components::live_region::LiveRegion;
use crate::components::pager::Pager;
use crate::components::start_dialog::start_page;
use crate::components::start_modal::StartModal;
use crate::components::status_badge::StatusBadge;
use crate::components::table::{empty, Table};
use crate::providers::session::use_session;
use crate::view_model::deployment_page::{
    chart_lines, level_label, resume_from, ConfigurationFacts, CopyTarget, CurrentJobView, DeploymentDetail,
    ExceptionRow, ExceptionsFacts, OverviewFacts, PageQuery, Tab, TabContent, TuningFacts,
};
use crate::view_model::{available_actions, can_take_savepoint, short_time, Action, EventRow, JobRow, SavepointRow};

/// The part of the page its `LiveRegion` reads again: the heading, the tabs and the open tab.
const DEPLOYMENT: &str = "deployment-region";
/// How often the Overview of a running job reads Flink's figures again.
const FLINK_FACTS_EVERY_SECS: u64 = 15;

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
    &[("Origin", false), ("State", false), ("Location", false), ("Created (UTC)", false), ("", true)];

#[component]
pub fn DeploymentPage() -> impl IntoView {
    let params = use_params_map();
    let namespace = Signal::derive(move || params.read().get("namespace").unwrap_or_default());
    let id = Signal::derive(move || params.read().get("id").unwrap_or_default());
    let query = use_query_map();
    let shown = Signal::derive(move || PageQuery::from_query(|name| query.read().get(name)));
    let posted_error = Signal::derive(move || query.read().get("error").filter(|e| !e.trim().is_empty()));
    // Why a delete posted without JavaScript was refused.
    let delete_error = Signal::derive(move || query.read().get("delete_error").filter(|e| !e.trim().is_empty()));

    let session = use_session();
    let may_edit = move || session.get().is_some_and(|s| s.may(&namespace.get(), Permission::EditDeployments));
    let set_state = ServerAction::<SetDesiredState>::new();
    let take_savepoint = ServerAction::<TakeSavepoint>::new();
    let register = ServerAction::<RegisterSavepoint>::new();
    let copy = ServerAction::<CopySavepoint>::new();
    let save_policy = ServerAction::<SaveAutopilotPolicy>::new();
    let create_plan = ServerAction::<CreateTuningPlan>::new();
    let change_plan = ServerAction::<ChangeTuningPlan>::new();
    let detail = Resource::new(
        move || (namespace.get(), id.get(), shown.get()),
        |(namespace, id, shown)| get_deployment(namespace, id, Some(shown.tab), shown.level, shown.after),
    );
    let path = Signal::derive(move || format!("/namespaces/{}/deployments/{}", namespace.get(), id.get()));

    view! {
        <Layout namespace>
            <StartModal/>
            <div class="flex items-center justify-between">
                <a href=move || format!("/namespaces/{}/deployments", namespace.get()) class="text-sm text-indigo-700 hover:underline">
                    "← Deployments"
                </a>
                <Suspense fallback=|| ()>
                    {move || detail.get().map(|result| {
                        let since = result.ok().map(|detail| detail.live_from);
                        view! {
                            <LiveRegion namespace=namespace.get_untracked() regions=vec![DEPLOYMENT.into()]
                                deployment=Some(id.get_untracked()) execution_mode=None targets=false since
                                every_secs=Some(FLINK_FACTS_EVERY_SECS)/>
                        }
                    })}
                </Suspense>
            </div>
            <div id=DEPLOYMENT>
            {move || set_state.value().get().and_then(Result::err).map(|err| view! { <ErrorPanel err/> })}
            {move || take_savepoint.value().get().and_then(Result::err).map(|err| view! { <ErrorPanel err/> })}
            <Transition fallback=|| view! { <p class="py-8 text-slate-500">"Loading the deployment…"</p> }>
                {move || detail.get().map(|result| match result {
                    Ok(detail) => {
                        let ns = namespace.get_untracked();
                        let shown = shown.get_untracked();
                        let path = path.get_untracked();
                        let may_edit = may_edit();
                        let heading = view! {
                            <Heading detail=detail.clone() namespace=ns.clone() may_edit set_state take_savepoint/>
                        };
                        let startable = may_edit
                            && available_actions(detail.row.desired, detail.row.status, detail.row.mode).contains(&Action::Start)
                            && detail.row.mode == domain::ExecutionMode::Streaming;
                        let panel = match detail.content.clone() {
                            TabContent::Overview(facts) => view! { <Overview detail=detail.clone() facts=*facts/> }.into_any(),
                            TabContent::Configuration(facts) => view! { <Configuration facts/> }.into_any(),
                            TabContent::Jobs { rows, next } => view! {
                                <Jobs jobs=rows/>
                                <Pager label="Job history pages" first=shown.after.is_some().then(|| PageQuery::tab_href(&path, Tab::Jobs))
                                    next=next.map(|token| shown.next_href(&path, &token)) first_text="Newest jobs" next_text="Older jobs"/>
                            }.into_any(),
                            TabContent::Savepoints { rows, next, copy_targets } => view! {
                                <Savepoints
                                    savepoints=rows namespace=ns.clone() deployment_id=detail.row.id.clone()
                                    may_edit startable copy_targets register copy posted_error=posted_error.get_untracked()
                                />
                                <Pager label="Savepoint pages" first=shown.after.is_some().then(|| PageQuery::tab_href(&path, Tab::Savepoints))
                                    next=next.map(|token| shown.next_href(&path, &token)) first_text="Newest savepoints" next_text="Older savepoints"/>
                            }.into_any(),
                            TabContent::Events { rows, next } => view! {
                                <Events events=rows level=shown.level path=path.clone()/>
                                <Pager label="Event log pages" first=shown.after.is_some().then(|| PageQuery::level_href(&path, shown.level))
                                    next=next.map(|token| shown.next_href(&path, &token)) first_text="Newest events" next_text="Older events"/>
                            }.into_any(),
                            TabContent::Exceptions(facts) => view! { <Exceptions facts/> }.into_any(),
                            TabContent::Tuning(facts) => view! {
                                <Tuning facts=*facts namespace=ns.clone() deployment_id=detail.row.id.clone() may_edit
                                    save_policy create_plan change_plan posted_error=posted_error.get_untracked()/>
                            }.into_any(),
                        };
                        view! {
                            {heading}
                            <Tabs path=path.clone() current=shown.tab/>
                            <div role="tabpanel" aria-label=shown.tab.label() class="mt-4">{panel}</div>
                        }
                        .into_any()
                    }
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                })}
            </Transition>
            </div>
            // Outside the refreshing part: the confirmation stays open while the page updates.
            <Transition fallback=|| ()>
                {move || may_edit().then(|| view! { <DeleteControl namespace=namespace.get() id=id.get() posted_error=delete_error.get()/> })}
            </Transition>
        </Layout>
    }
}

/// The deployment's name, status, actions and failure, above every tab.
#[component]
fn Heading(
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
    view! {
        <section class="mt-4 rounded-lg border border-slate-200 bg-white p-6 shadow-sm" aria-label="Deployment">
            <div class="flex flex-wrap items-start justify-between gap-4">
                <div class="min-w-0 max-w-3xl">
                    <h1 class="whitespace-pre-line break-words line-clamp-4 text-2xl font-semibold tracking-tight" title=title.clone()>{title.clone()}</h1>
                    {row.display_name.is_some().then(|| view! {
                        <p class="truncate font-mono text-xs text-slate-500" title=row.name.clone()>{row.name.clone()}</p>
                    })}
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
                        <a href=format!("/namespaces/{namespace}/deployments/{}/edit", row.id) aria-label=format!("Edit {}", row.name) class=QUIET>
                            "Edit"
                        </a>
                    })}
                    {savepoint_allowed.then(|| view! {
                        <ActionForm action=take_savepoint>
                            <input type="hidden" name="namespace" value=namespace.clone()/>
                            <input type="hidden" name="deployment_id" value=row.id.clone()/>
                            <button type="submit" class=QUIET>"Take savepoint"</button>
                        </ActionForm>
                    })}
                </div>
            </div>
            {row.failure.clone().map(|failure| view! {
                <p role="alert" class="mt-4 rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-800">{failure}</p>
            })}
        </section>
    }
}

/// The tab bar: plain links, the open tab marked as the current page.
#[component]
fn Tabs(path: String, current: Tab) -> impl IntoView {
    view! {
        <nav aria-label="Deployment tabs" class="mt-6 border-b border-slate-200">
            <ul class="-mb-px flex flex-wrap gap-x-6">
                {Tab::ALL.into_iter().map(|tab| {
                    let open = tab == current;
                    let class = if open {
                        "inline-block border-b-2 border-indigo-600 px-1 pb-2 text-sm font-semibold text-indigo-700"
                    } else {
                        "inline-block border-b-2 border-transparent px-1 pb-2 text-sm font-medium text-slate-500 hover:border-slate-300 hover:text-slate-700"
                    };
                    view! {
                        <li>
                            <a href=PageQuery::tab_href(&path, tab) class=class aria-current=open.then_some("page")>{tab.label()}</a>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </nav>
    }
}

/// A labelled fact of a definition list.
fn fact(label: &'static str, value: String) -> impl IntoView {
    view! {
        <div>
            <dt class="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</dt>
            <dd class="mt-1 break-all font-mono text-sm text-slate-800">{value}</dd>
        </div>
    }
}

const CARD: &str = "rounded-lg border border-slate-200 bg-white p-6 shadow-sm";
const CARD_TITLE: &str = "text-sm font-semibold uppercase tracking-wide text-slate-500";

#[component]
fn Overview(detail: DeploymentDetail, facts: OverviewFacts) -> impl IntoView {
    let row = detail.row;
    // Flink's figures of a running job change without a write: the live region reads them again.
    let watch_flink = (row.status == domain::DeploymentState::Running).then_some("");
    view! {
        <div class="grid items-start gap-4 lg:grid-cols-2" data-watch-flink=watch_flink>
            <section class=CARD aria-label="Deployment facts">
                <h2 class=CARD_TITLE>"Deployment"</h2>
                <dl class="mt-4 grid grid-cols-2 gap-4 sm:grid-cols-3">
                    {fact("Status", row.status.as_str().to_owned())}
                    {fact("Desired state", row.desired.as_str().to_owned())}
                    {fact("Mode", row.mode.as_str().to_owned())}
                    {fact("Target", row.target.clone())}
                    {fact("Parallelism", row.parallelism.map_or_else(|| "—".to_owned(), |p| p.to_string()))}
                    {fact("Upgrade", detail.upgrade_strategy.clone())}
                    {fact("Restore", detail.restore_strategy.clone())}
                    {fact("Modified (UTC)", short_time(&row.modified_at))}
                </dl>
            </section>
            <section class=CARD aria-label="Current job">
                <h2 class=CARD_TITLE>"Current job"</h2>
                {match facts.job {
                    None => view! {
                        <p class="mt-4 text-sm text-slate-500">"No job has run yet. Start the deployment to run one."</p>
                    }.into_any(),
                    Some(job) => view! { <CurrentJob job/> }.into_any(),
                }}
            </section>
        </div>
    }
}

#[component]
fn CurrentJob(job: CurrentJobView) -> impl IntoView {
    let live = job.live.clone();
    view! {
        <dl class="mt-4 grid grid-cols-2 gap-4 sm:grid-cols-3">
            {fact("Job", job.id.get(..8).unwrap_or(&job.id).to_owned())}
            {fact("State", job.state.as_str().to_owned())}
            {fact("Created (UTC)", short_time(&job.created_at))}
            {fact("Flink job id", job.flink_job_id.clone().unwrap_or_else(|| "—".into()))}
            {match &live {
                Ok(live) => view! {
                    {fact("In Flink", live.flink_state.clone())}
                    {fact(if job.state.is_terminal() { "Ran for" } else { "Uptime" }, live.uptime.clone())}
                    {fact("Restarts", live.restarts.map_or_else(|| "—".to_owned(), |n| n.to_string()))}
                }.into_any(),
                Err(_) => ().into_any(),
            }}
        </dl>
        {match live {
            Ok(live) => match live.checkpoint {
                Ok(Some(c)) => view! {
                    <div class="mt-4 rounded-md bg-slate-50 px-3 py-2 text-sm text-slate-700" data-testid="last-checkpoint">
                        <span class="font-medium">{format!("Last completed {} #{}", c.kind, c.id)}</span>
                        {format!(" at {} UTC, {}", c.completed_at, c.size)}
                    </div>
                }.into_any(),
                Ok(None) => view! {
                    <p class="mt-4 text-sm text-slate-500" data-testid="last-checkpoint">"No completed checkpoint yet."</p>
                }.into_any(),
                Err(why) => view! { <p class="mt-4 text-sm text-amber-700">{format!("Checkpoints: {why}")}</p> }.into_any(),
            },
            Err(why) => view! { <p class="mt-4 text-sm text-amber-700" data-testid="flink-unavailable">{why}</p> }.into_any(),
        }}
        {job.web_ui.map(|href| view! {
            <a href=href target="_blank" rel="noopener" class="mt-4 inline-block text-sm font-medium text-indigo-700 hover:underline">
                "Open in Flink web UI ↗"
            </a>
        })}
    }
}

#[component]
fn Configuration(facts: ConfigurationFacts) -> impl IntoView {
    let block =
        "mt-3 max-h-[32rem] overflow-auto rounded-md bg-slate-900 p-4 font-mono text-xs leading-relaxed text-slate-100";
    view! {
        <div class="grid items-start gap-4 lg:grid-cols-2">
            <section class=CARD aria-label="Deployment YAML">
                <div class="flex items-center justify-between gap-4">
                    <h2 class=CARD_TITLE>"Deployment"</h2>
                    <a href=facts.download.clone() download class=QUIET>"Download YAML"</a>
                </div>
                <p class="mt-1 text-xs text-slate-500">"As the REST API answers it; import it on the New deployment page under another name."</p>
                <pre class=block data-testid="deployment-yaml">{facts.resource_yaml}</pre>
            </section>
            <section class=CARD aria-label="Effective spec">
                <h2 class=CARD_TITLE>"Effective spec"</h2>
                <p class="mt-1 text-xs text-slate-500">
                    {if facts.effective_differs {
                        "The spec with the namespace's current deployment defaults beneath it. It differs from the stored spec: the defaults changed since the last save, and saving again applies them."
                    } else {
                        "The spec with the namespace's current deployment defaults beneath it: the same as the stored spec."
                    }}
                </p>
                <pre class=block data-testid="effective-yaml">{facts.effective_yaml}</pre>
                <details class="mt-3 text-sm">
                    <summary class="cursor-pointer font-medium text-slate-700">"Deployment defaults in effect"</summary>
                    <pre class=block>{facts.defaults_yaml}</pre>
                </details>
            </section>
        </div>
    }
}

#[component]
fn Jobs(jobs: Vec<JobRow>) -> impl IntoView {
    if jobs.is_empty() {
        return empty("No job has run yet. Start the deployment to run one.");
    }
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
}

#[component]
#[allow(clippy::too_many_arguments)] // A component's props; each is one thing the tab shows or does.
fn Savepoints(
    savepoints: Vec<SavepointRow>,
    namespace: String,
    deployment_id: String,
    may_edit: bool,
    /// Whether the deployment can be started now (the rows then offer "Start from this").
    startable: bool,
    copy_targets: Vec<CopyTarget>,
    register: ServerAction<RegisterSavepoint>,
    copy: ServerAction<CopySavepoint>,
    /// The refusal a plain form post came back with.
    posted_error: Option<String>,
) -> impl IntoView {
    let register_error = move || register.value().get().and_then(Result::err).map(|err| err.to_string());
    let copy_error = move || copy.value().get().and_then(Result::err).map(|err| err.to_string());
    let copy_done = move || matches!(copy.value().get(), Some(Ok(_))) || done_by::<CopySavepoint>().is_some();
    let table = if savepoints.is_empty() {
        empty(if may_edit {
            "No savepoints yet — take one while the deployment runs, or register an existing one below."
        } else {
            "No savepoints yet."
        })
    } else {
        let copy_targets = StoredValue::new(copy_targets);
        let (namespace, deployment_id) = (namespace.clone(), deployment_id.clone());
        view! {
            <Table label="Savepoints" columns=SAVEPOINT_COLUMNS>
                {savepoints.into_iter().map(|savepoint| {
                    let state_class = match savepoint.state {
                        SavepointState::Completed => "text-emerald-700",
                        SavepointState::Started => "text-sky-700",
                        SavepointState::Failed => "text-rose-700",
                    };
                    let restorable = savepoint.state == SavepointState::Completed && savepoint.location.is_some();
                    let start_href = format!("{}?{}", start_page(&namespace, &deployment_id), resume_from(&savepoint.id).to_query());
                    let (ns, id, sid) = (namespace.clone(), deployment_id.clone(), savepoint.id.clone());
                    view! {
                        <tr data-savepoint=savepoint.id.clone()>
                            <td class="px-4 py-2 text-xs font-medium">{savepoint.origin.clone()}</td>
                            <td class=format!("px-4 py-2 text-xs font-semibold {state_class}")>
                                {savepoint.state.as_str()}
                                {savepoint.failure.clone().map(|f| view! { <div class="font-normal">{f}</div> })}
                            </td>
                            <td class="break-all px-4 py-2 font-mono text-xs text-slate-600">{savepoint.location.clone().unwrap_or_else(|| "—".into())}</td>
                            <td class="whitespace-nowrap px-4 py-2 tabular-nums text-slate-600">{short_time(&savepoint.created_at)}</td>
                            <td class="px-4 py-2 text-right">
                                <div class="flex items-start justify-end gap-2">
                                    {(restorable && startable).then(|| {
                                        let (ns, id, sid) = (ns.clone(), id.clone(), sid.clone());
                                        view! {
                                            <a href=start_href class=QUIET aria-haspopup="dialog"
                                                data-start-dialog="" data-namespace=ns data-deployment=id data-savepoint=sid
                                            >"Start from this"</a>
                                        }
                                    })}
                                    {(restorable && may_edit && !copy_targets.with_value(Vec::is_empty)).then(|| {
                                        view! {
                                        <details class="relative text-left">
                                            <summary class=format!("{QUIET} inline-block cursor-pointer list-none")>"Copy to…"</summary>
                                            <ActionForm action=copy attr:class="absolute right-0 z-10 mt-2 flex w-64 flex-col gap-2 rounded-md border border-slate-200 bg-white p-3 shadow-lg">
                                                <input type="hidden" name="namespace" value=ns.clone()/>
                                                <input type="hidden" name="deployment_id" value=id.clone()/>
                                                <input type="hidden" name="savepoint_id" value=sid.clone()/>
                                                <label class="text-xs font-medium text-slate-700">
                                                    "Target deployment"
                                                    <select name="target_deployment_id" class=FIELD required>
                                                        {copy_targets.with_value(|targets| targets.iter().map(|t| view! {
                                                            <option value=t.id.clone()>{t.name.clone()}</option>
                                                        }).collect_view())}
                                                    </select>
                                                </label>
                                                <button type="submit" class=PRIMARY>"Copy savepoint"</button>
                                            </ActionForm>
                                        </details>
                                        }
                                    })}
                                </div>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </Table>
        }
        .into_any()
    };
    view! {
        <section aria-label="Savepoints">
            {move || copy_error().map(|e| view! { <p role="alert" class="mb-2 rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-800">{e}</p> })}
            {move || copy_done().then(|| view! { <p role="status" class="mb-2 rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-800">"Savepoint copied."</p> })}
            {table}
            {may_edit.then(|| view! {
                <ActionForm action=register attr:class="mt-6 rounded-lg border border-slate-200 bg-white p-4 shadow-sm" attr:aria-label="Register a savepoint">
                    <h2 class=CARD_TITLE>"Register an existing savepoint"</h2>
                    <p class="mt-1 text-xs text-slate-500">
                        "A savepoint Flink wrote elsewhere (s3://, hdfs://, …), or a file: path inside this console's savepoint directories. It is recorded as COPIED and can be started from."
                    </p>
                    <input type="hidden" name="namespace" value=namespace.clone()/>
                    <input type="hidden" name="deployment_id" value=deployment_id.clone()/>
                    <div class="mt-3 flex flex-wrap items-end gap-3">
                        <label class="min-w-[20rem] flex-1 text-sm font-medium text-slate-700">
                            "Savepoint location"
                            <input type="text" name="location" required class=format!("{FIELD} font-mono") placeholder="s3://bucket/savepoints/savepoint-1a2b3c"
                                aria-describedby="location-error"/>
                        </label>
                        <button type="submit" class=PRIMARY>"Register"</button>
                    </div>
                    <p id="location-error" role="alert" class="mt-2 text-sm text-rose-700 empty:hidden">
                        {move || register_error().or_else(|| posted_error.clone())}
                    </p>
                </ActionForm>
            })}
        </section>
    }
}

#[component]
fn Events(events: Vec<EventRow>, level: Option<EventLevel>, path: String) -> impl IntoView {
    let filter = view! {
        <nav aria-label="Event levels" class="mb-3 flex gap-2">
            {[None, Some(EventLevel::Info), Some(EventLevel::Warning), Some(EventLevel::Error)].into_iter().map(|choice| {
                let open = choice == level;
                let class = if open {
                    "rounded-full bg-indigo-600 px-3 py-1 text-xs font-semibold text-white"
                } else {
                    "rounded-full bg-white px-3 py-1 text-xs font-semibold text-slate-700 ring-1 ring-inset ring-slate-300 hover:bg-slate-50"
                };
                view! {
                    <a href=PageQuery::level_href(&path, choice) class=class aria-current=open.then_some("page")>{level_label(choice)}</a>
                }
            }).collect_view()}
        </nav>
    };
    let body = if events.is_empty() {
        empty(if level.is_some() { "No events of this level." } else { "No events yet." })
    } else {
        view! {
            <ol class="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white shadow-sm" aria-label="Events">
                {events.into_iter().map(|event| {
                    let (badge, text) = match event.level {
                        EventLevel::Info => ("bg-slate-100 text-slate-600", "INFO"),
                        EventLevel::Warning => ("bg-amber-100 text-amber-800", "WARNING"),
                        EventLevel::Error => ("bg-rose-100 text-rose-800", "ERROR"),
                    };
                    view! {
                        <li class="flex items-start gap-4 px-4 py-2 text-sm" data-event=event.name.clone() data-level=text>
                            <span class="w-40 shrink-0 tabular-nums text-slate-500">{short_time(&event.created_at)}</span>
                            <span class=format!("w-20 shrink-0 rounded px-1.5 py-0.5 text-center text-[10px] font-semibold {badge}")>{text}</span>
                            <div class="min-w-0">
                                <p class="break-words text-slate-800">{event.message.clone()}</p>
                                <p class="font-mono text-xs text-slate-400">{event.name.clone()}</p>
                            </div>
                        </li>
                    }
                }).collect_view()}
            </ol>
        }
        .into_any()
    };
    view! { <section aria-label="Event log">{filter}{body}</section> }
}

#[component]
fn Exceptions(facts: ExceptionsFacts) -> impl IntoView {
    let note = |text: String| {
        view! { <p class="rounded-md border border-dashed border-slate-300 bg-white px-4 py-6 text-center text-sm text-slate-500">{text}</p> }
            .into_any()
    };
    match facts {
        ExceptionsFacts::NoJob => note("No job has reached Flink yet, so there are no exceptions to show.".into()),
        ExceptionsFacts::Unavailable { flink_job_id, reason } => view! {
            <p role="status" class="rounded-md bg-amber-50 px-4 py-3 text-sm text-amber-800" data-testid="exceptions-unavailable">
                {format!("The exceptions of Flink job {flink_job_id} cannot be shown: {reason}")}
            </p>
        }
        .into_any(),
        ExceptionsFacts::Listed { rows, .. } if rows.is_empty() => note("No exceptions — the job has not failed.".into()),
        ExceptionsFacts::Listed { flink_job_id, rows } => view! {
            <p class="mb-2 text-xs text-slate-500">{format!("Flink's exception history of job {flink_job_id}, newest first.")}</p>
            <ol class="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white shadow-sm" aria-label="Exceptions">
                {rows.into_iter().map(|row: ExceptionRow| view! {
                    <li class="px-4 py-3 text-sm">
                        <div class="flex items-start gap-4">
                            <span class="w-40 shrink-0 tabular-nums text-slate-500">{row.time}</span>
                            <div class="min-w-0 flex-1">
                                <p class="break-words font-medium text-rose-800">{row.root_cause}</p>
                                <details class="mt-1">
                                    <summary class="cursor-pointer text-xs text-slate-500">{format!("Stack trace ({})", row.name)}</summary>
                                    <pre class="mt-2 max-h-96 overflow-auto rounded-md bg-slate-900 p-3 font-mono text-xs text-slate-100">{row.stacktrace}</pre>
                                </details>
                            </div>
                        </div>
                    </li>
                }).collect_view()}
            </ol>
        }
        .into_any(),
    }
}

/// "Delete…": a confirmation that works without JavaScript (a disclosure with a form); a running
/// deployment is refused by the server with the reason, shown here.
#[component]
fn DeleteControl(
    namespace: String,
    id: String,
    /// Why a delete posted without JavaScript was refused (the page was sent back with it).
    posted_error: Option<String>,
) -> impl IntoView {
    let delete = ServerAction::<DeleteDeployment>::new();
    let list = format!("/namespaces/{namespace}/deployments");
    Effect::new(move |_| {
        if matches!(delete.value().get(), Some(Ok(_))) {
            leptos_router::hooks::use_navigate()(&list, Default::default());
        }
    });
    let open = posted_error.is_some();
    view! {
        <details class="mt-10 rounded-lg border border-rose-200 bg-white p-4 text-sm" open=open>
            <summary class="cursor-pointer font-semibold text-rose-700">"Delete this deployment…"</summary>
            <div role="group" aria-label="Confirm deletion" class="mt-2">
                <p>"Its job history and savepoints are kept. A running deployment must be cancelled first."</p>
                {move || match delete.value().get() {
                    Some(Err(err)) => Some(view! { <ErrorPanel err/> }.into_any()),
                    Some(Ok(_)) => None,
                    None => posted_error.clone().map(|text| view! {
                        <p role="alert" class="mt-2 rounded-md border border-rose-200 bg-rose-50 p-3 text-rose-800">{text}</p>
                    }.into_any()),
                }}
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

const PLAN_COLUMNS: &[(&str, bool)] = &[("Plan", false), ("Time points", false), ("State", false), ("", true)];
const HISTORY_COLUMNS: &[(&str, bool)] = &[
    ("Carried out (UTC)", false),
    ("Plan", false),
    ("Scheduled for (UTC)", false),
    ("Outcome", false),
    ("What", false),
];
const VERTEX_COLUMNS: &[(&str, bool)] = &[
    ("Vertex", false),
    ("Busy", true),
    ("Back-pressured", true),
    ("Input rate", true),
    ("Parallelism", true),
    ("Why", false),
];

/// The Autopilot & plans tab: the Autopilot's policy and what it decided (with a chart of the
/// metrics behind it), then the tuning plans — create, apply, stop, delete — and their history.
#[allow(clippy::too_many_arguments)]
#[component]
fn Tuning(
    facts: TuningFacts,
    namespace: String,
    deployment_id: String,
    may_edit: bool,
    save_policy: ServerAction<SaveAutopilotPolicy>,
    create_plan: ServerAction<CreateTuningPlan>,
    change_plan: ServerAction<ChangeTuningPlan>,
    /// A refusal a plain form post came back with.
    posted_error: Option<String>,
) -> impl IntoView {
    let TuningFacts { policy, summary, decision, chart, plans, history } = facts;
    let alert = |text: String| {
        view! { <p role="alert" class="mt-3 rounded-lg border border-rose-200 bg-rose-50 px-4 py-3 text-sm text-rose-800">{text}</p> }
    };
    // A plain form post's refusal shows by the form that was sent (`failed` names its server function).
    let failed_by = leptos_router::hooks::use_query_map().read_untracked().get("failed");
    let policy_failed = failed_by.as_deref() == Some(<SaveAutopilotPolicy as leptos::server_fn::ServerFn>::PATH);
    let plan_failed = [
        <CreateTuningPlan as leptos::server_fn::ServerFn>::PATH,
        <ChangeTuningPlan as leptos::server_fn::ServerFn>::PATH,
    ]
    .iter()
    .any(|path| failed_by.as_deref() == Some(*path));
    let (posted_policy_error, posted_plan_error, posted_error) = match (policy_failed, plan_failed) {
        (true, _) => (posted_error, None, None),
        (_, true) => (None, posted_error, None),
        _ => (None, None, posted_error),
    };
    let policy_error = move || save_policy.value().get().and_then(Result::err).map(|err| alert(err.to_string()));
    let plan_error = move || change_plan.value().get().and_then(Result::err).map(|err| alert(err.to_string()));
    let select = move |name: &'static str, label: &'static str, current: String, options: &'static [&'static str]| {
        view! {
            <label class="block text-xs font-medium text-slate-600">
                {label}
                <select name=name class=FIELD disabled=!may_edit>
                    {options.iter().map(|option| {
                        let selected = current == *option;
                        view! { <option value=*option selected=selected>{*option}</option> }
                    }).collect_view()}
                </select>
            </label>
        }
    };
    let input = move |name: &'static str, label: &'static str, value: String, hint: &'static str| {
        view! {
            <label class="block text-xs font-medium text-slate-600">
                {label}
                <input name=name value=value class=FIELD placeholder=hint disabled=!may_edit/>
            </label>
        }
    };
    let (busy_line, rate_line, top_rate) = chart_lines(&chart, 600.0, 120.0);
    let (plan_namespace, plan_deployment) = (namespace.clone(), deployment_id.clone());
    let (table_namespace, table_deployment) = (namespace.clone(), deployment_id.clone());
    let samples = chart.len();
    view! {
        {posted_error.map(alert)}
        <div class="grid items-start gap-4 lg:grid-cols-2">
            <section class=CARD aria-label="Autopilot">
                <h2 class=CARD_TITLE>"Autopilot"</h2>
                <p class="mt-1 text-sm text-slate-600" data-testid="autopilot-summary">{summary}</p>
                <p class="mt-1 text-xs text-slate-500">
                    "MONITORING writes recommendations as events; ACTIVE applies them (in place on an adaptive-scheduler cluster, else a stateful upgrade). A tuning plan and the Autopilot exclude each other."
                </p>
                <ActionForm action=save_policy attr:class="mt-3 grid grid-cols-2 gap-3" attr:aria-label="Autopilot policy">
                    <input type="hidden" name="namespace" value=namespace/>
                    <input type="hidden" name="deployment_id" value=deployment_id/>
                    {select("mode", "Mode", policy.mode.clone(), &["DISABLED", "MONITORING", "ACTIVE"])}
                    {select("strategy", "Strategy", policy.strategy.clone(), &["ADAPTIVE", "STABLE"])}
                    {input("target_utilization", "Target utilisation (0–1)", policy.target_utilization.clone(), "0.7")}
                    {input("metrics_window_seconds", "Metrics window (s)", policy.metrics_window_seconds.clone(), "900")}
                    {input("stabilization_seconds", "Stabilisation after a restart (s)", policy.stabilization_seconds.clone(), "300")}
                    {input("cool_down_minutes", "Cool-down between changes (min)", policy.cool_down_minutes.clone(), "10")}
                    {input("min_parallelism", "Job min parallelism", policy.min_parallelism.clone(), "1")}
                    {input("max_parallelism", "Job max parallelism", policy.max_parallelism.clone(), "no limit")}
                    {may_edit.then(|| view! {
                        <div class="col-span-2 flex justify-end">
                            <button type="submit" class=PRIMARY>"Save Autopilot policy"</button>
                        </div>
                    })}
                </ActionForm>
                {policy_error}
                {posted_policy_error.map(alert)}
            </section>
            <section class=CARD aria-label="Newest decision">
                <h2 class=CARD_TITLE>"Newest decision"</h2>
                {match decision {
                    None => view! { <p class="mt-2 text-sm text-slate-500">"No decision yet: the Autopilot decides once it has a metrics window of the running job."</p> }.into_any(),
                    Some(decision) => view! {
                        <p class="mt-1 text-sm"><span class="font-mono font-semibold" data-testid="decision-action">{decision.action}</span>
                            <span class="text-slate-500">{format!(" at {}", decision.at)}</span></p>
                        <Table label="Vertices" columns=VERTEX_COLUMNS>
                            {decision.vertices.into_iter().map(|v| view! {
                                <tr>
                                    <td class="px-4 py-2 font-mono text-xs">{v.name}</td>
                                    <td class="px-4 py-2 text-right">{v.busy}</td>
                                    <td class="px-4 py-2 text-right">{v.back_pressured}</td>
                                    <td class="px-4 py-2 text-right">{v.rate}</td>
                                    <td class="px-4 py-2 text-right font-semibold">{v.parallelism}</td>
                                    <td class="px-4 py-2 text-xs text-slate-600">{v.reason}</td>
                                </tr>
                            }).collect_view()}
                        </Table>
                    }.into_any(),
                }}
                <figure class="mt-4" aria-label="Metrics of the current run">
                    {if samples < 2 {
                        view! { <p class="text-xs text-slate-500">"The chart appears after two samples of the running job."</p> }.into_any()
                    } else {
                        view! {
                            <svg viewBox="0 0 600 120" class="h-32 w-full rounded-md border border-slate-200 bg-slate-50" role="img"
                                aria-label=format!("Busy % and input rate over the last {samples} samples")>
                                <polyline points=busy_line fill="none" stroke="#e11d48" stroke-width="2"/>
                                <polyline points=rate_line fill="none" stroke="#4f46e5" stroke-width="2"/>
                            </svg>
                            <figcaption class="mt-1 flex gap-4 text-xs text-slate-600">
                                <span class="text-rose-600">"— busiest vertex, busy % (0–100)"</span>
                                <span class="text-indigo-600">{format!("— sources' input rate (0–{top_rate:.0}/s)")}</span>
                            </figcaption>
                        }.into_any()
                    }}
                </figure>
            </section>
        </div>
        <section class="mt-6" aria-label="Tuning plans">
            <h2 class="text-lg font-semibold">"Scheduled tuning plans"</h2>
            <p class="mt-1 text-sm text-slate-600">
                "Set the parallelism (and, through the API, CPU, memory and Flink configuration) at times you choose: once, or daily in a time zone. One plan is applied at a time; each time point upgrades a running job without losing its state."
            </p>
            {plan_error}
            {posted_plan_error.map(alert)}
            {if plans.is_empty() {
                empty("No tuning plans yet. Create one below, then apply it.")
            } else {
                view! {
                    <Table label="Tuning plans" columns=PLAN_COLUMNS>
                        {plans.into_iter().map(|plan| {
                            let button = |action: PlanAction, label: &'static str, class: &'static str| {
                                let aria = format!("{label} {}", plan.name);
                                let (ns, deployment, plan_id) = (table_namespace.clone(), table_deployment.clone(), plan.id.clone());
                                view! {
                                    <ActionForm action=change_plan>
                                        <input type="hidden" name="namespace" value=ns/>
                                        <input type="hidden" name="deployment_id" value=deployment/>
                                        <input type="hidden" name="plan_id" value=plan_id/>
                                        <input type="hidden" name="action" value=format!("{action:?}")/>
                                        <button type="submit" class=class aria-label=aria>{label}</button>
                                    </ActionForm>
                                }
                            };
                            let buttons = may_edit.then(|| view! {
                                <div class="flex justify-end gap-2">
                                    {if plan.applied { button(PlanAction::Stop, "Stop", QUIET).into_any() } else { button(PlanAction::Apply, "Apply", QUIET).into_any() }}
                                    {button(PlanAction::Delete, "Delete", QUIET)}
                                </div>
                            });
                            view! {
                                <tr data-plan=plan.name.clone()>
                                    <td class="px-4 py-2 font-medium">{plan.name.clone()}</td>
                                    <td class="px-4 py-2 text-xs">
                                        <ul>{plan.points.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}</ul>
                                    </td>
                                    <td class="px-4 py-2 text-xs">
                                        {if plan.applied {
                                            view! { <span class="rounded bg-emerald-100 px-2 py-0.5 font-semibold text-emerald-800">"APPLIED"</span>
                                                <div class="mt-1 text-slate-500">{plan.next.map(|n| format!("next: {n}")).unwrap_or_else(|| "nothing ahead".into())}</div> }.into_any()
                                        } else {
                                            view! { <span class="text-slate-500">"not applied"</span> }.into_any()
                                        }}
                                    </td>
                                    <td class="px-4 py-2 text-right">{buttons}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </Table>
                }.into_any()
            }}
            {may_edit.then(|| view! { <NewPlanForm namespace=plan_namespace deployment_id=plan_deployment create_plan/> })}
            <h3 class="mt-6 text-sm font-semibold text-slate-700">"Executed history"</h3>
            {if history.is_empty() {
                empty("Nothing carried out yet.")
            } else {
                view! {
                    <Table label="Executed history" columns=HISTORY_COLUMNS>
                        {history.into_iter().map(|row| view! {
                            <tr>
                                <td class="px-4 py-2 font-mono text-xs">{row.executed_at}</td>
                                <td class="px-4 py-2">{row.plan}</td>
                                <td class="px-4 py-2 font-mono text-xs">{row.scheduled_for}</td>
                                <td class="px-4 py-2 text-xs font-semibold">{row.outcome}</td>
                                <td class="px-4 py-2 text-xs text-slate-600">{row.message}</td>
                            </tr>
                        }).collect_view()}
                    </Table>
                }.into_any()
            }}
        </section>
    }
}

/// A new tuning plan: a name and up to three time points (blank rows are left out).
#[component]
fn NewPlanForm(namespace: String, deployment_id: String, create_plan: ServerAction<CreateTuningPlan>) -> impl IntoView {
    let form = NodeRef::new();
    let row = |n: u8| {
        view! {
            <div class="grid grid-cols-4 gap-2" role="group" aria-label=format!("Time point {n}")>
                <label class="block text-xs font-medium text-slate-600">
                    "When"
                    <select name=format!("kind_{n}") class=FIELD>
                        <option value="DAILY" selected=true>"Daily"</option>
                        <option value="ONCE">"Once"</option>
                    </select>
                </label>
                <label class="block text-xs font-medium text-slate-600">
                    "At"
                    <input name=format!("at_{n}") class=FIELD placeholder="08:00, or 2026-12-24T18:00:00+01:00"/>
                </label>
                <label class="block text-xs font-medium text-slate-600">
                    "Time zone (daily)"
                    <input name=format!("zone_{n}") class=FIELD placeholder="Europe/Berlin (default UTC)"/>
                </label>
                <label class="block text-xs font-medium text-slate-600">
                    "Parallelism"
                    <input name=format!("parallelism_{n}") class=FIELD inputmode="numeric" placeholder="4"/>
                </label>
            </div>
        }
    };
    view! {
        <details class="mt-3 rounded-lg border border-slate-200 bg-white p-4 text-sm shadow-sm">
            <summary class="cursor-pointer font-semibold text-indigo-700">"+ New tuning plan"</summary>
            <ActionForm action=create_plan node_ref=form attr:class="mt-3 space-y-3" attr:aria-label="New tuning plan">
                <input type="hidden" name="namespace" value=namespace/>
                <input type="hidden" name="deployment_id" value=deployment_id/>
                <label class="block max-w-sm text-xs font-medium text-slate-600">
                    "Plan name"
                    <input name="name" required class=FIELD placeholder="business hours"/>
                </label>
                {row(1)}
                {row(2)}
                {row(3)}
                <div class="flex justify-end">
                    <button type="submit" class=PRIMARY>"Create plan"</button>
                </div>
            </ActionForm>
            {move || create_plan.value().get().and_then(Result::err).map(|err| view! {
                <p role="alert" class="mt-3 rounded-lg border border-rose-200 bg-rose-50 px-4 py-3 text-sm text-rose-800">{err.to_string()}</p>
            })}
        </details>
    }
}
