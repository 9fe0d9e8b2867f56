//! A namespace's SQL page: an editor whose statement Flink validates (an error is shown at its
//! line), Execute for DDL and commands (editors; DDL changes the namespace's catalog), Deploy for an
//! INSERT (editors; a new SQL deployment), and the catalog's tables, views and functions. The same
//! services answer as `/sql/v1beta1`.
//!
//! Rendered on the server: Validate is a GET of this page (`?statement=…&validate=1`, validated
//! while the page renders); Execute and Deploy post to their server functions, which send the
//! browser back here with the result (the rows in a cookie, `ssr::sql_result`) or a link to the new
//! deployment. With JavaScript the posts answer in place (`PageForms`).

use domain::sql::{CatalogObject, Execution, Validation};
use domain::Permission;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::sql::{check_sql, get_sql_catalog, CreateSqlDeployment, RunSql};
use crate::components::error_panel::ErrorPanel;
use crate::components::form::{done_by, FIELD, PRIMARY, QUIET};
use crate::components::layout::Layout;
use crate::components::table::{empty, section_title, Table};
use crate::error::AppError;
use crate::providers::session::use_session;
use crate::view_model::sql::{headline, statement_lines};

#[component]
pub fn SqlPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let namespace = Signal::derive(move || params.read().get("namespace").unwrap_or_default());
    let statement = query.read_untracked().get("statement").unwrap_or_default();
    let name = query.read_untracked().get("name").unwrap_or_default();
    // Validation: a GET of the page (`validate=1`), answered while the page renders.
    let asked = Resource::new(
        move || {
            let query = query.read();
            (namespace.get(), query.get("validate").is_some(), query.get("statement").unwrap_or_default())
        },
        |(namespace, validate, statement)| async move {
            match validate {
                true => Some((statement.clone(), check_sql(namespace, statement).await)),
                false => None,
            }
        },
    );
    let catalog = Resource::new(move || namespace.get(), get_sql_catalog);
    let session = use_session();
    let may_edit = move || session.get().is_some_and(|s| s.may(&namespace.get(), Permission::EditDeployments));
    let page = move || format!("/namespaces/{}/sql", namespace.get());
    // What a plain form post's Execute answered (handed over in a cookie; see `ssr::sql_result`).
    #[cfg(feature = "ssr")]
    let executed =
        domain::NamespaceName::parse(&namespace.get_untracked()).ok().and_then(|ns| crate::ssr::take_sql_result(&ns));
    #[cfg(not(feature = "ssr"))]
    let executed: Option<Execution> = None;

    view! {
        <Title text="SQL · Flink Console"/>
        <Layout namespace>
            <h1 class="text-2xl font-semibold tracking-tight">"SQL"</h1>
            <p class="mt-1 text-sm text-slate-600">
                "Flink's own parser and planner check a statement against the catalog of namespace "
                <span class="font-mono">{move || namespace.get()}</span>
                ". Tables and views created here stay, and every SQL deployment of the namespace can use them."
            </p>
            <Outcome query/>
            <form method="get" action=page class="mt-4 rounded-lg border border-slate-200 bg-white p-4 shadow-sm" aria-label="SQL statement">
                <input type="hidden" name="namespace" value=move || namespace.get()/>
                <label class="block text-xs font-medium text-slate-600">
                    "Statement"
                    <textarea name="statement" rows="8" spellcheck="false" class=format!("{FIELD} font-mono")>
                        {statement}
                    </textarea>
                </label>
                <div class="mt-3 flex flex-wrap items-end gap-3">
                    <button type="submit" name="validate" value="1" class=QUIET>"Validate"</button>
                    <Transition fallback=|| ()>
                        {move || may_edit().then(|| view! {
                            <button type="submit" formmethod="post" formaction=RunSql::url() class=PRIMARY>"Execute"</button>
                            <label class="ml-4 block text-xs font-medium text-slate-600">
                                "Deployment name"
                                <input type="text" name="name" class=FIELD placeholder="e.g. orders-to-sink" value=name.clone()/>
                            </label>
                            <button type="submit" formmethod="post" formaction=CreateSqlDeployment::url() class=QUIET>"Deploy"</button>
                        })}
                    </Transition>
                </div>
            </form>
            <Suspense fallback=|| ()>
                {move || asked.get().flatten().map(|(text, answer)| view! { <ValidationView statement=text answer/> })}
            </Suspense>
            {executed.map(|execution| view! { <ExecutionView execution/> })}
            {done_by::<CreateSqlDeployment>().filter(|id| !id.is_empty()).map(|id| {
                let href = format!("/namespaces/{}/deployments/{id}", namespace.get_untracked());
                view! {
                    <div role="status" class="mt-4 rounded-lg border border-emerald-200 bg-emerald-50 px-4 py-3 text-sm text-emerald-900">
                        "Deployed: " <a class="font-semibold underline" href=href>"the new SQL deployment"</a>
                        " starts with the namespace's catalog."
                    </div>
                }
            })}
            <Transition fallback=|| view! { <p class="py-8 text-slate-500">"Loading the catalog…"</p> }>
                {move || catalog.get().map(|result| match result {
                    Ok(objects) => view! { <Catalog objects/> }.into_any(),
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                })}
            </Transition>
        </Layout>
    }
}

/// What a plain form post (no JavaScript) came back with: `?notice=` or `?error=`.
#[component]
fn Outcome(query: Memo<leptos_router::params::ParamsMap>) -> impl IntoView {
    move || {
        let query = query.read();
        if let Some(error) = query.get("error") {
            return Some(view! { <div role="alert" class="mt-4 rounded-lg border border-rose-200 bg-rose-50 px-4 py-3 text-sm text-rose-800">{error}</div> }.into_any());
        }
        query.get("notice").map(|notice| view! {
            <div role="status" class="mt-4 rounded-lg border border-emerald-200 bg-emerald-50 px-4 py-3 text-sm text-emerald-900">{notice}</div>
        }.into_any())
    }
}

/// Flink's answer about a statement: what it is, or what is wrong and on which line.
#[component]
fn ValidationView(statement: String, answer: Result<Validation, AppError>) -> impl IntoView {
    let validation = match answer {
        Ok(validation) => validation,
        Err(err) => return view! { <ErrorPanel err/> }.into_any(),
    };
    let (ok, words) = headline(&validation);
    let lines = statement_lines(&statement, &validation);
    let any_marked = lines.iter().any(|line| line.marked);
    let class = if ok {
        "mt-4 rounded-lg border border-emerald-200 bg-emerald-50 px-4 py-3 text-sm text-emerald-900"
    } else {
        "mt-4 rounded-lg border border-rose-200 bg-rose-50 px-4 py-3 text-sm text-rose-800"
    };
    view! {
        <section class=class aria-label="Validation" data-testid="validation">
            <p class="font-semibold">{words}</p>
            {(!ok && any_marked).then(|| view! {
                <ol class="mt-2 overflow-x-auto rounded border border-rose-200 bg-white font-mono text-xs text-slate-800" aria-label="Statement lines">
                    {lines.into_iter().map(|line| {
                        let class = if line.marked { "flex bg-rose-100" } else { "flex" };
                        let label = line.marked.then(|| format!("Line {} has the error", line.number));
                        view! {
                            <li class=class aria-label=label>
                                <span class="w-10 shrink-0 select-none border-r border-slate-200 pr-2 text-right text-slate-400">{line.number}</span>
                                <span class="whitespace-pre pl-2">{line.text}</span>
                            </li>
                        }
                    }).collect_view()}
                </ol>
            })}
        </section>
    }
    .into_any()
}

/// Flink's result of an executed statement, as a table.
#[component]
fn ExecutionView(execution: Execution) -> impl IntoView {
    let table = execution.result_table;
    view! {
        <section class="mt-4" aria-label="Result">
            <div class="overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm">
                <table class="min-w-full divide-y divide-slate-200 text-sm" aria-label="Result table">
                    <thead class="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
                        <tr>{table.headers.into_iter().map(|h| view! { <th class="px-3 py-2">{h.name}</th> }).collect_view()}</tr>
                    </thead>
                    <tbody class="divide-y divide-slate-100 font-mono text-xs">
                        {table.rows.into_iter().map(|row| view! {
                            <tr>{row.cells.into_iter().map(|cell| view! {
                                <td class="whitespace-pre px-3 py-1.5">{cell.value.unwrap_or_else(|| "NULL".to_owned())}</td>
                            }).collect_view()}</tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

const COLUMNS: &[(&str, bool)] = &[("Name", false), ("Kind", false), ("Definition", false)];

/// The catalog's objects, each with the statement that creates it.
#[component]
fn Catalog(objects: Vec<CatalogObject>) -> impl IntoView {
    let count = objects.len();
    view! {
        {section_title("Catalog", count)}
        {match objects.is_empty() {
            true => empty("No tables yet: execute a CREATE TABLE."),
            false => view! {
                <Table label="Catalog" columns=COLUMNS>
                    {objects.into_iter().map(|object| view! {
                        <tr>
                            <td class="px-3 py-2 font-mono">{object.name}</td>
                            <td class="px-3 py-2 text-xs text-slate-600">{object.kind}</td>
                            <td class="px-3 py-2">
                                <details>
                                    <summary class="cursor-pointer text-xs text-slate-600">"DDL"</summary>
                                    <pre class="mt-1 whitespace-pre-wrap font-mono text-xs">{object.ddl}</pre>
                                </details>
                            </td>
                        </tr>
                    }).collect_view()}
                </Table>
            }
            .into_any(),
        }}
    }
}
