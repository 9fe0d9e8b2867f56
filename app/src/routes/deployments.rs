//! The Deployments page: the deployments of a namespace, streaming or batch, a page at a time,
//! searched by name and label selector, filtered by state (with the counts by state above the
//! table) and sorted — all named by the URL's query (`?mode=&q=&labels=&state=&sort=&after=`), so a
//! reload or a shared link shows the same view, and all run by the database.
//! Rendered on the server from the store; in the browser its `LiveRegion` island follows the
//! namespace's change stream and, when something the page shows changed, reads the page again and
//! swaps the targets strip and the results. It never polls.

use domain::{ExecutionMode, Permission, SortKey};
use leptos::prelude::*;
use leptos_router::components::Form;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::deployments::{list_deployments, SetDesiredState};
use crate::api::targets::list_deployment_targets;
use crate::components::deployment_actions::DeploymentActions;
use crate::components::error_panel::ErrorPanel;
use crate::components::layout::Layout;
use crate::components::live_region::LiveRegion;
use crate::components::pager::Pager;
use crate::components::start_modal::StartModal;
use crate::components::status_badge::StatusBadge;
use crate::providers::session::use_session;
use crate::view_model::deployments::{DeploymentsPageData, DeploymentsView};
use crate::view_model::{available_actions, short_time, status_badge, target_health_summary, DeploymentRow, TargetRow};

/// The parts of the page its `LiveRegion` reads again: the targets strip, and the counts, table and
/// pager.
const TARGETS: &str = "targets-region";
const RESULTS: &str = "deployments-region";

#[component]
pub fn DeploymentsPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let namespace = Signal::derive(move || params.read().get("namespace").unwrap_or_default());
    let view = Memo::new(move |_| {
        let query = query.read();
        DeploymentsView::from_query(|name| query.get(name))
    });
    let path = Signal::derive(move || format!("/namespaces/{}/deployments", namespace.get()));

    let set_state = ServerAction::<SetDesiredState>::new();
    let deployments = Resource::new(
        move || (namespace.get(), view.get()),
        |(namespace, view)| {
            let state = (!view.state.is_empty()).then_some(view.state);
            let (q, labels, sort) = (Some(view.q), Some(view.labels), Some(view.sort));
            list_deployments(namespace, view.mode, view.after, q, labels, state, sort)
        },
    );

    let session = use_session();
    let may = move |permission| session.get().is_some_and(|s| s.may(&namespace.get(), permission));
    let targets = Resource::new(move || namespace.get(), list_deployment_targets);

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
                    <Suspense fallback=|| ()>
                        {move || deployments.get().map(|result| {
                            let since = result.ok().map(|data| data.live_from);
                            let mode = view.get_untracked().mode.as_str().to_owned();
                            view! {
                                <LiveRegion namespace=namespace.get_untracked() regions=vec![TARGETS.into(), RESULTS.into()]
                                    deployment=None execution_mode=Some(mode) targets=true since every_secs=None/>
                            }
                        })}
                    </Suspense>
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
            <div id=TARGETS class="mt-4 flex flex-wrap items-start gap-3">
                <Transition fallback=|| ()>
                    {move || targets.get().and_then(Result::ok).map(|rows| view! { <TargetStrip rows/> })}
                </Transition>
                <Transition fallback=|| ()>
                    {move || may(Permission::ManageNamespace).then(|| view! { <RegisterTarget namespace/> })}
                </Transition>
            </div>
            <ModeTabs path view/>
            <SearchForm path view/>
            <div id=RESULTS>
            {move || set_state.value().get().and_then(Result::err).map(|err| view! { <ErrorPanel err/> })}
            <Transition fallback=|| view! { <p class="py-8 text-slate-500">"Loading deployments…"</p> }>
                {move || deployments.get().map(|result| match result {
                    Ok(data) => {
                        let may_edit = may(Permission::EditDeployments);
                        let (path, view) = (path.get_untracked(), view.get_untracked());
                        let first = view.after.is_some().then(|| view.first_page().href(&path));
                        let next = data.page.continue_token.clone().map(|token| {
                            DeploymentsView { after: Some(token), ..view.clone() }.href(&path)
                        });
                        view! {
                            <StateCounts data=data.clone() view=view.clone() path=path.clone()/>
                            <DeploymentTable data view path namespace=namespace.get_untracked() may_edit set_state/>
                            <Pager label="Deployment pages" first next first_text="First page" next_text="Next page"/>
                        }
                        .into_any()
                    }
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                })}
            </Transition>
            </div>
        </Layout>
    }
}

/// The search: a name, a label selector and an order, sent as a GET form so it works without
/// JavaScript (and navigates in place with it). The tab and the state filter travel along.
#[component]
fn SearchForm(path: Signal<String>, view: Memo<DeploymentsView>) -> impl IntoView {
    let field = "mt-1 block w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm shadow-sm focus:border-indigo-500 focus:outline-none";
    let sort_options = [
        ("", "Name (A–Z)"),
        ("-name", "Name (Z–A)"),
        ("state", "Status (A–Z)"),
        ("-state", "Status (Z–A)"),
        ("-created", "Newest first"),
        ("created", "Oldest first"),
        ("-modified", "Recently modified"),
        ("modified", "Least recently modified"),
    ];
    view! {
        <Form method="get" action=move || path.get()>
            <div role="search" aria-label="Search deployments" class="mt-4 flex flex-wrap items-end gap-3">
                <input type="hidden" name="mode" value=move || view.get().mode.as_str().to_ascii_lowercase()/>
                <input type="hidden" name="state" value=move || view.get().state/>
                <label class="block w-56 text-xs font-medium text-slate-600">
                    "Name contains"
                    <input type="search" name="q" maxlength="253" placeholder="orders" class=field
                        value=move || view.get().q prop:value=move || view.get().q/>
                </label>
                <label class="block w-72 text-xs font-medium text-slate-600">
                    "Label selector"
                    <input type="search" name="labels" placeholder="env=prod,tier!=db" class=format!("{field} font-mono")
                        value=move || view.get().labels prop:value=move || view.get().labels/>
                </label>
                <label class="block w-52 text-xs font-medium text-slate-600">
                    "Sort by"
                    <select name="sort" class=field prop:value=move || view.get().sort>
                        {sort_options
                            .into_iter()
                            .map(|(value, label)| view! {
                                <option value=value selected=move || view.get().sort == value>{label}</option>
                            })
                            .collect_view()}
                    </select>
                </label>
                <button type="submit" class="rounded-md bg-white px-3 py-1.5 text-sm font-semibold text-slate-800 shadow-sm ring-1 ring-inset ring-slate-300 hover:bg-slate-50">
                    "Search"
                </button>
                {move || view.get().is_search().then(|| view! {
                    <a href=view.get().cleared().href(&path.get()) class="py-1.5 text-sm text-indigo-700 hover:underline">
                        "Clear filters"
                    </a>
                })}
            </div>
        </Form>
    }
}

/// How many deployments the search selects in each state; each count filters by its state.
#[component]
fn StateCounts(data: DeploymentsPageData, view: DeploymentsView, path: String) -> impl IntoView {
    let chip = "inline-flex items-center gap-1.5 rounded-full px-3 py-1 text-xs font-medium ring-1 ring-inset";
    let selected = "bg-indigo-50 text-indigo-800 ring-indigo-300";
    let plain = "bg-white text-slate-700 ring-slate-200 hover:bg-slate-50";
    let all_current = view.state.is_empty();
    view! {
        <nav class="mt-4 flex flex-wrap gap-2" aria-label="Counts by status">
            <a href=view.with_state(None).href(&path) data-state="ALL"
                class=format!("{chip} {}", if all_current { selected } else { plain })
                aria-current=all_current.then_some("page")>
                "All" <span class="tabular-nums font-semibold">{data.total()}</span>
            </a>
            {data
                .counts
                .iter()
                .map(|(state, count)| {
                    let current = view.state == state.as_str();
                    let (_, colours) = status_badge(*state);
                    let dim = if *count == 0 && !current { " opacity-50" } else { "" };
                    view! {
                        <a href=view.with_state(Some(*state)).href(&path) data-state=state.as_str()
                            class=format!("{chip} {}{dim}", if current { selected } else { plain })
                            aria-current=current.then_some("page")>
                            <span class=format!("h-2 w-2 rounded-full ring-1 {colours}")></span>
                            {state.as_str()}
                            <span class="tabular-nums font-semibold">{*count}</span>
                        </a>
                    }
                })
                .collect_view()}
        </nav>
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

/// Where owners register a Flink session cluster as a target: the Settings page's form.
#[component]
fn RegisterTarget(namespace: Signal<String>) -> impl IntoView {
    view! {
        <a href=move || format!("/namespaces/{}/settings#targets", namespace.get())
            class="rounded-md border border-dashed border-slate-300 px-3 py-1.5 text-sm text-slate-600 hover:border-indigo-400 hover:text-indigo-700">
            "+ Session cluster"
        </a>
    }
}

#[component]
fn ModeTabs(path: Signal<String>, view: Memo<DeploymentsView>) -> impl IntoView {
    let tab = move |label: &'static str, value: ExecutionMode| {
        let current = move || view.get().mode == value;
        let classes = move || {
            if current() {
                "border-indigo-600 text-indigo-700"
            } else {
                "border-transparent text-slate-500 hover:text-slate-800"
            }
        };
        view! {
            <a
                href=move || view.get().with_mode(value).href(&path.get())
                class=move || format!("border-b-2 px-1 pb-2 text-sm font-medium {}", classes())
                aria-current=move || current().then_some("page")
            >
                {label}
            </a>
        }
    };
    view! {
        <nav class="mt-6 flex gap-6 border-b border-slate-200" aria-label="Execution mode">
            {tab("Streaming", ExecutionMode::Streaming)}
            {tab("Batch", ExecutionMode::Batch)}
        </nav>
    }
}

/// A column header that sorts by `key` (then the other way round), showing the current order.
#[component]
fn SortHeader(label: &'static str, key: SortKey, view: DeploymentsView, path: String) -> impl IntoView {
    let order = view.sorted_on(key);
    let arrow = match order {
        Some(false) => " ▲",
        Some(true) => " ▼",
        None => "",
    };
    let aria = order.map(|descending| if descending { "descending" } else { "ascending" });
    view! {
        <th scope="col" class="px-4 py-3" aria-sort=aria>
            <a href=view.sorted_by(key).href(&path) class="hover:text-slate-800" title=format!("Sort by {}", label.to_lowercase())>
                {label}{arrow}
            </a>
        </th>
    }
}

#[component]
fn DeploymentTable(
    data: DeploymentsPageData,
    view: DeploymentsView,
    path: String,
    namespace: String,
    /// Whether to offer Start/Suspend/Cancel (the server decides each request anyway).
    may_edit: bool,
    set_state: ServerAction<SetDesiredState>,
) -> impl IntoView {
    let rows = data.page.items;
    if rows.is_empty() && view.after.is_none() {
        let box_classes = "mt-6 rounded-lg border border-dashed border-slate-300 bg-white px-6 py-12 text-center";
        if view.is_search() {
            return view! {
                <div class=box_classes data-testid="empty">
                    <p class="font-medium">{format!("No deployments match {}.", view.describe_search())}</p>
                    <p class="mt-1 text-sm text-slate-500">
                        <a href=view.cleared().href(&path) class="text-indigo-700 hover:underline">"Clear filters"</a>
                        " to see every deployment of this tab."
                    </p>
                </div>
            }
            .into_any();
        }
        let kind = match view.mode {
            ExecutionMode::Streaming => "streaming",
            ExecutionMode::Batch => "batch",
        };
        let other = match view.mode {
            ExecutionMode::Streaming => ExecutionMode::Batch,
            ExecutionMode::Batch => ExecutionMode::Streaming,
        };
        return view! {
            <div class=box_classes data-testid="empty">
                <p class="font-medium">
                    {format!("No {kind} deployments yet — ")}
                    <a href=format!("/namespaces/{namespace}/deployments/new") class="text-indigo-700 hover:underline">"create one"</a>
                    " or import YAML."
                </p>
                <p class="mt-2 text-sm text-slate-500">
                    "To import a Ververica Platform Deployment YAML, send it to the REST API: "
                    <code class="rounded bg-slate-100 px-1 py-0.5 font-mono text-xs">
                        {format!("POST /api/v1/namespaces/{namespace}/deployments")}
                    </code>
                    " with "
                    <code class="rounded bg-slate-100 px-1 py-0.5 font-mono text-xs">"Content-Type: application/yaml"</code>
                    "."
                </p>
                <p class="mt-2 text-sm text-slate-500">
                    <a href=view.with_mode(other).href(&path) class="text-indigo-700 hover:underline">
                        {format!("Show the {} deployments", other.as_str().to_lowercase())}
                    </a>
                </p>
            </div>
        }
        .into_any();
    }
    view! {
        <div class="mt-4 overflow-hidden rounded-lg border border-slate-200 bg-white shadow-sm">
            <table class="min-w-full divide-y divide-slate-200 text-sm" aria-label="Deployments">
                <thead class="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
                    <tr>
                        <SortHeader label="Name" key=SortKey::Name view=view.clone() path=path.clone()/>
                        <SortHeader label="Status" key=SortKey::State view=view.clone() path=path.clone()/>
                        <th scope="col" class="px-4 py-3">"Desired state"</th>
                        <th scope="col" class="px-4 py-3">"Target"</th>
                        <th scope="col" class="px-4 py-3 text-right">"Parallelism"</th>
                        <SortHeader label="Modified (UTC)" key=SortKey::Modified view=view.clone() path=path.clone()/>
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
        <tr class="hover:bg-slate-50" data-deployment=row.name.clone() data-deployment-id=row.id.clone()>
            <td class="px-4 py-3">
                // A name may be a whole SQL statement (notebooks name deployments so): two lines, all on hover.
                <a href=href title=title.clone() class="max-w-md whitespace-pre-line break-words line-clamp-2 font-medium text-slate-900 hover:text-indigo-700 hover:underline">{title.clone()}</a>
                {show_name.then(|| view! { <div class="max-w-md truncate font-mono text-xs text-slate-500" title=row.name.clone()>{row.name.clone()}</div> })}
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
