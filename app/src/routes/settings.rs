//! A namespace's Settings page: its deployment defaults as YAML (owners save them; anyone in the
//! namespace previews how they merge into a deployment, seed 004's rules) and its deployment
//! targets (health and Flink version; owners register, change and delete session clusters).
//! Without JavaScript every form still works: saving the defaults is a plain form post that comes
//! back here (`?saved=` or `?error=` with the text), the preview is a GET of this page
//! (`?preview=1&yaml=…&sample=…`).

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::settings::{get_namespace_settings, preview_namespace_defaults, SaveNamespaceDefaults};
use crate::api::targets::{list_deployment_targets, DeleteSessionTarget, RegisterSessionTarget, UpdateSessionTarget};
use crate::components::error_panel::ErrorPanel;
use crate::components::form::{DANGER, FIELD, PRIMARY, QUIET, ROW_FORM};
use crate::components::layout::Layout;
use crate::components::table::{empty, section_title, Table};
use crate::view_model::{short_time, target_health_summary, NamespaceSettings, TargetRow};

/// The deployment spec the preview merges the defaults into until a person writes their own.
const SAMPLE_SPEC: &str =
    "template:\n  spec:\n    parallelism: 2\n    flinkConfiguration:\n      taskmanager.numberOfTaskSlots: \"2\"\n";

const TEXTAREA: &str =
    "mt-1 block w-full rounded-md border border-slate-300 bg-slate-50 px-3 py-2 font-mono text-xs leading-5";

#[component]
pub fn SettingsPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let namespace = Signal::derive(move || params.read().get("namespace").unwrap_or_default());
    let asked = move |key: &str| query.read().get(key);

    let settings = Resource::new(move || namespace.get(), get_namespace_settings);
    let preview = Resource::new(
        move || {
            let wanted = asked("preview").is_some();
            (namespace.get(), wanted, asked("yaml").unwrap_or_default(), asked("sample").unwrap_or_default())
        },
        |(namespace, wanted, yaml, sample)| async move {
            match wanted {
                true => Some(preview_namespace_defaults(namespace, yaml, sample).await),
                false => None,
            }
        },
    );

    let register = ServerAction::<RegisterSessionTarget>::new();
    let update = ServerAction::<UpdateSessionTarget>::new();
    let delete = ServerAction::<DeleteSessionTarget>::new();
    let targets = Resource::new(
        move || (namespace.get(), register.version().get(), update.version().get(), delete.version().get()),
        |(namespace, _, _, _)| list_deployment_targets(namespace),
    );

    view! {
        <Title text="Settings · Flink Console"/>
        <Layout namespace>
            <h1 class="text-2xl font-semibold tracking-tight">"Settings"</h1>
            <p class="mt-1 text-sm text-slate-600">
                "Namespace " <span class="font-mono">{move || namespace.get()}</span>
                ": the defaults beneath its deployments and the Flink clusters they run on."
            </p>
            <Transition fallback=|| view! { <p class="py-8 text-slate-500">"Loading settings…"</p> }>
                {move || settings.get().map(|result| match result {
                    Ok(settings) => view! {
                        <Defaults
                            namespace=namespace.get_untracked()
                            settings
                            edited=asked("yaml")
                            sample=asked("sample")
                            saved=asked("saved")
                            error=asked("error")
                        />
                    }
                    .into_any(),
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                })}
            </Transition>
            <Suspense fallback=|| ()>
                {move || preview.get().flatten().map(|result| view! { <Preview result/> })}
            </Suspense>
            <Transition fallback=|| ()>
                {move || {
                    let may_manage = settings.get().and_then(Result::ok).is_some_and(|s| s.may_manage);
                    targets.get().map(|result| match result {
                        Ok(rows) => view! {
                            <Targets rows namespace=namespace.get_untracked() may_manage update delete/>
                            {may_manage.then(|| view! { <RegisterForm namespace=namespace.get_untracked() register/> })}
                        }
                        .into_any(),
                        Err(err) => view! { <ErrorPanel err/> }.into_any(),
                    })
                }}
            </Transition>
            {move || {
                let failed = [register.value().get().map(|r| r.map(|_| ())), update.value().get().map(|r| r.map(|_| ())), delete.value().get()]
                    .into_iter()
                    .flatten()
                    .find_map(Result::err);
                failed.map(|err| view! { <ErrorPanel err/> })
            }}
            {move || register.value().get().and_then(Result::ok).map(|row| view! {
                <p role="status" class="mt-3 text-sm text-emerald-700">
                    {format!("Registered {}; its health shows in a few seconds.", row.name)}
                </p>
            })}
        </Layout>
    }
}

/// The defaults editor: one form, two buttons — Save (a post, owners) and Preview (a GET here).
#[component]
fn Defaults(
    namespace: String,
    settings: NamespaceSettings,
    edited: Option<String>,
    sample: Option<String>,
    saved: Option<String>,
    error: Option<String>,
) -> impl IntoView {
    let page = format!("/namespaces/{namespace}/settings");
    let text = edited.unwrap_or_else(|| settings.defaults_yaml.clone());
    let sample = sample.unwrap_or_else(|| SAMPLE_SPEC.to_owned());
    let version = settings.modified_at.as_deref().map_or_else(
        || "Never saved.".to_owned(),
        |at| format!("Version {}, saved {} UTC.", settings.resource_version, short_time(at)),
    );
    view! {
        <h2 class="mt-8 text-lg font-semibold tracking-tight">"Deployment defaults"</h2>
        <p class="mt-1 max-w-3xl text-sm text-slate-600">
            "A partial deployment spec merged beneath every deployment of this namespace when it is created or changed: "
            "objects merge key by key and the deployment's values win; a list in the deployment replaces the default list "
            "unless it starts with " <code class="rounded bg-slate-100 px-1 font-mono text-xs">"{$patch: merge, mergeKey: name}"</code>
            ", which merges it into the default list by that key."
        </p>
        {saved.map(|version| view! {
            <p role="status" data-testid="defaults-saved" class="mt-3 rounded-lg border border-emerald-200 bg-emerald-50 px-4 py-3 text-sm text-emerald-900">
                {format!("Defaults saved (version {version}). They apply to deployments created or changed from now on.")}
            </p>
        })}
        {error.map(|message| view! {
            <p role="alert" id="yaml-error" class="mt-3 rounded-lg border border-rose-200 bg-rose-50 px-4 py-3 text-sm text-rose-800">{message}</p>
        })}
        <form method="post" action=SaveNamespaceDefaults::url() class="mt-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm" aria-label="Deployment defaults">
            <input type="hidden" name="namespace" value=namespace.clone()/>
            <input type="hidden" name="resource_version" value=settings.resource_version.to_string()/>
            <div class="grid gap-4 lg:grid-cols-2">
                <label class="block text-xs font-medium text-slate-600">
                    "Defaults of this namespace (YAML)"
                    <textarea name="yaml" id="yaml" rows="14" spellcheck="false" class=TEXTAREA
                        placeholder="template:\n  spec:\n    parallelism: 2"
                        readonly=!settings.may_manage>{text}</textarea>
                </label>
                <label class="block text-xs font-medium text-slate-600">
                    "A deployment spec to preview them with (YAML)"
                    <textarea name="sample" id="sample" rows="14" spellcheck="false" class=TEXTAREA>{sample}</textarea>
                </label>
            </div>
            <div class="mt-3 flex flex-wrap items-center gap-3">
                {settings.may_manage.then(|| view! { <button type="submit" class=PRIMARY>"Save defaults"</button> })}
                <button type="submit" name="preview" value="1" formmethod="get" formaction=page class=QUIET>
                    "Preview merge"
                </button>
                <span class="text-xs text-slate-500">{version}</span>
                {(!settings.may_manage).then(|| view! {
                    <span class="text-xs text-slate-500">"Only the namespace's owners change its defaults."</span>
                })}
            </div>
            <details class="mt-3 text-xs text-slate-600">
                <summary class="cursor-pointer">"Global defaults beneath these (set by admins)"</summary>
                <pre class="mt-2 overflow-x-auto rounded-md bg-slate-50 p-3 font-mono" data-testid="global-defaults">
                    {if settings.global_yaml.is_empty() { "(none)".to_owned() } else { settings.global_yaml.clone() }}
                </pre>
            </details>
        </form>
    }
}

/// The merged spec, or why the defaults or the sample cannot be merged.
#[component]
fn Preview(result: Result<String, crate::error::AppError>) -> impl IntoView {
    match result {
        Ok(merged) => view! {
            <section class="mt-4 rounded-lg border border-indigo-200 bg-white p-4 shadow-sm" aria-label="Merge preview">
                <h3 class="text-sm font-semibold">"The deployment's spec with the defaults merged beneath it"</h3>
                <p class="mt-1 text-xs text-slate-500">"Nothing was saved. The console's own defaults are merged too."</p>
                <pre class="mt-2 overflow-x-auto rounded-md bg-slate-50 p-3 font-mono text-xs leading-5" data-testid="merge-preview">{merged}</pre>
            </section>
        }
        .into_any(),
        Err(err) => view! {
            <p role="alert" data-testid="merge-preview-error" class="mt-4 rounded-lg border border-rose-200 bg-rose-50 px-4 py-3 text-sm text-rose-800">
                {format!("Cannot preview: {err}")}
            </p>
        }
        .into_any(),
    }
}

const TARGET_COLUMNS: &[(&str, bool)] =
    &[("Name", false), ("Kind", false), ("REST URL", false), ("Health", false), ("", true)];

#[component]
fn Targets(
    rows: Vec<TargetRow>,
    namespace: String,
    may_manage: bool,
    update: ServerAction<UpdateSessionTarget>,
    delete: ServerAction<DeleteSessionTarget>,
) -> impl IntoView {
    let count = rows.len();
    let body = if rows.is_empty() {
        empty("No deployment targets yet — register a Flink session cluster below.")
    } else {
        view! {
            <Table label="Deployment targets" columns=TARGET_COLUMNS>
                {rows.into_iter().map(|row| {
                    let (dot, summary) = target_health_summary(&row.health);
                    let actions = (may_manage && row.editable()).then(|| view! {
                        <TargetActions row=row.clone() namespace=namespace.clone() update delete/>
                    });
                    view! {
                        <tr data-target=row.name.clone()>
                            <td class="px-4 py-2 align-top">
                                <div class="font-medium">{row.name.clone()}</div>
                                {row.display_name.clone().map(|name| view! { <div class="text-xs text-slate-500">{name}</div> })}
                            </td>
                            <td class="px-4 py-2 align-top text-xs uppercase text-slate-500">{row.kind.clone()}</td>
                            <td class="px-4 py-2 align-top font-mono text-xs">{row.url.clone().unwrap_or_default()}</td>
                            <td class="px-4 py-2 align-top">
                                <span class="inline-flex items-center gap-2">
                                    <span class=format!("h-2 w-2 rounded-full {dot}")></span>
                                    <span data-testid="health">{summary}</span>
                                </span>
                            </td>
                            <td class="px-4 py-2 text-right align-top">{actions}</td>
                        </tr>
                    }
                }).collect_view()}
            </Table>
        }
        .into_any()
    };
    view! {
        <div id="targets" class="scroll-mt-4"></div>
        {section_title("Deployment targets", count)}
        <p class="mt-1 text-sm text-slate-600">
            "The Flink clusters this namespace's deployments run on. The console's own cluster is "
            <span class="font-mono">"local"</span>"; session clusters are registered by the namespace's owners."
        </p>
        {body}
    }
}

/// "Edit…" and "Delete…" of a session-cluster target, each a disclosure with its form.
#[component]
fn TargetActions(
    row: TargetRow,
    namespace: String,
    update: ServerAction<UpdateSessionTarget>,
    delete: ServerAction<DeleteSessionTarget>,
) -> impl IntoView {
    let name = row.name.clone();
    let (edit_label, save_label) = (format!("Edit {name}…"), format!("Save {name}"));
    let (delete_label, confirm_label) = (format!("Delete {name}…"), format!("Delete {name}"));
    let question = format!("Delete target {name}? Deployments naming it are refused.");
    let namespace_too = namespace.clone();
    let name_too = name.clone();
    view! {
        <div class="flex justify-end gap-2">
            <details class="text-left">
                <summary class=format!("{QUIET} cursor-pointer list-none") aria-label=edit_label>"Edit…"</summary>
                <ActionForm action=update attr:class="mt-2 w-80 space-y-2">
                    <input type="hidden" name="namespace" value=namespace/>
                    <input type="hidden" name="name" value=name/>
                    <input type="hidden" name="resource_version" value=row.resource_version.to_string()/>
                    <label class="block text-xs font-medium text-slate-600">
                        "JobManager REST URL"
                        <input name="url" type="url" required value=row.url.clone().unwrap_or_default() class=FIELD/>
                    </label>
                    <label class="block text-xs font-medium text-slate-600">
                        "Display name"
                        <input name="display_name" value=row.display_name.clone().unwrap_or_default() class=FIELD/>
                    </label>
                    <p class="text-xs text-slate-500">"A new URL is refused while a deployment on this target runs."</p>
                    <button type="submit" class=PRIMARY aria-label=save_label>"Save"</button>
                </ActionForm>
            </details>
            <details class="text-left">
                <summary class=format!("{QUIET} cursor-pointer list-none") aria-label=delete_label>"Delete…"</summary>
                <ActionForm action=delete attr:class="mt-2 flex w-80 items-center gap-2">
                    <input type="hidden" name="namespace" value=namespace_too/>
                    <input type="hidden" name="name" value=name_too/>
                    <span class="text-xs text-slate-600">{question}</span>
                    <button type="submit" class=DANGER aria-label=confirm_label>"Delete"</button>
                </ActionForm>
            </details>
        </div>
    }
}

/// Registers a Flink session cluster (owners).
#[component]
fn RegisterForm(namespace: String, register: ServerAction<RegisterSessionTarget>) -> impl IntoView {
    let form = NodeRef::new();
    view! {
        <ActionForm action=register node_ref=form attr:class=ROW_FORM attr:aria-label="Register a session cluster">
            <input type="hidden" name="namespace" value=namespace/>
            <label class="block text-xs font-medium text-slate-600">
                "Name"
                <input name="name" required placeholder="analytics-cluster" class=FIELD/>
            </label>
            <label class="block min-w-80 grow text-xs font-medium text-slate-600">
                "JobManager REST URL"
                <input name="url" type="url" required placeholder="http://flink-jobmanager:8081" class=FIELD/>
            </label>
            <button type="submit" class=PRIMARY>"Register session cluster"</button>
        </ActionForm>
    }
}
