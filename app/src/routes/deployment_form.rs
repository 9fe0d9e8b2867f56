//! Creating and editing a deployment: `/namespaces/:ns/deployments/new` and
//! `/namespaces/:ns/deployments/:id/edit`. One form for the common fields, the namespace's defaults
//! as placeholders, errors next to the field they concern. Works without JavaScript (a plain form
//! post; a refusal comes back with its reason and the fields as they were).

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::deployment_form::{get_deployment_form, SaveDeployment};
use crate::api::deployments::CreateDeploymentFromYaml;
use crate::components::error_panel::ErrorPanel;
use crate::components::form::{FIELD, PRIMARY, QUIET};
use crate::components::form_rules;
use crate::components::layout::Layout;
use crate::error::AppError;
use crate::view_model::deployment_form::{field_of_error, DeploymentForm, DeploymentFormData};

/// `/namespaces/:ns/deployments/new`.
#[component]
pub fn NewDeploymentPage() -> impl IntoView {
    view! { <FormPage editing=false/> }
}

/// `/namespaces/:ns/deployments/:id/edit`.
#[component]
pub fn EditDeploymentPage() -> impl IntoView {
    view! { <FormPage editing=true/> }
}

#[component]
fn FormPage(editing: bool) -> impl IntoView {
    let params = use_params_map();
    let namespace = Signal::derive(move || params.read().get("namespace").unwrap_or_default());
    let id = Signal::derive(move || if editing { params.read().get("id") } else { None });
    let query = use_query_map();
    let sent = Signal::derive(move || DeploymentForm::from_query(|key| query.read().get(key)));
    let error = Signal::derive(move || query.read().get("error"));
    let yaml_tab =
        Signal::derive(move || !editing && query.read().get("tab").is_some_and(|t| t.eq_ignore_ascii_case("yaml")));
    let sent_yaml = Signal::derive(move || query.read().get("yaml"));
    let data = Resource::new(move || (namespace.get(), id.get()), |(namespace, id)| get_deployment_form(namespace, id));
    view! {
        <Layout namespace>
            <a href=move || match id.get() {
                    Some(id) => format!("/namespaces/{}/deployments/{id}", namespace.get()),
                    None => format!("/namespaces/{}/deployments", namespace.get()),
                }
                class="text-sm text-indigo-700 hover:underline">
                {if editing { "← Deployment" } else { "← Deployments" }}
            </a>
            {move || (!editing).then(|| view! { <FormTabs namespace=namespace.get() yaml=yaml_tab.get()/> })}
            <Suspense fallback=|| view! { <p class="py-8 text-slate-500">"Loading the form…"</p> }>
                {move || data.get().map(|result| match result {
                    Ok(data) if yaml_tab.get() => view! {
                        <YamlImport namespace=data.namespace.clone() yaml=sent_yaml.get_untracked().unwrap_or_default() error=error.get_untracked()/>
                    }.into_any(),
                    Ok(data) => {
                        let sent = sent.get_untracked();
                        let form = if sent.is_empty() {
                            data.editing.as_ref().map(|e| e.form.clone()).unwrap_or_default()
                        } else {
                            sent
                        };
                        view! { <DeploymentFormView data form error=error.get_untracked()/> }.into_any()
                    }
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                })}
            </Suspense>
        </Layout>
    }
}

/// "Form" and "YAML": the two ways to create a deployment, each a link (`?tab=yaml`).
#[component]
fn FormTabs(namespace: String, yaml: bool) -> impl IntoView {
    let new = format!("/namespaces/{namespace}/deployments/new");
    let class = |open: bool| {
        if open {
            "inline-block border-b-2 border-indigo-600 px-1 pb-2 text-sm font-semibold text-indigo-700"
        } else {
            "inline-block border-b-2 border-transparent px-1 pb-2 text-sm font-medium text-slate-500 hover:border-slate-300 hover:text-slate-700"
        }
    };
    view! {
        <nav aria-label="Ways to create" class="mt-4 max-w-3xl border-b border-slate-200">
            <ul class="-mb-px flex gap-6">
                <li><a href=new.clone() class=class(!yaml) aria-current=(!yaml).then_some("page")>"Form"</a></li>
                <li><a href=format!("{new}?tab=yaml") class=class(yaml) aria-current=yaml.then_some("page")>"YAML"</a></li>
            </ul>
        </nav>
    }
}

/// Creating a deployment from a whole Deployment document in YAML (Ververica Platform's shape, as
/// the Configuration tab's "Download YAML" writes it): a plain form, read on the server with the
/// REST API's rules; errors beside the text.
#[component]
fn YamlImport(namespace: String, yaml: String, error: Option<String>) -> impl IntoView {
    let import = ServerAction::<CreateDeploymentFromYaml>::new();
    // Its refusal arrives with the page: in the address a plain post came back with, or from Leptos.
    let message = import.value().get_untracked().and_then(Result::err).map(|err| err.to_string()).or(error);
    let placeholder = "apiVersion: v1\nkind: Deployment\nmetadata:\n  name: orders-per-minute\nspec:\n  state: CANCELLED\n  template:\n    spec:\n      artifact:\n        kind: JAR\n        jarUri: artifact:///orders.jar";
    view! {
        <h1 class="mt-4 text-2xl font-semibold tracking-tight">"New deployment from YAML"</h1>
        <ActionForm action=import attr:aria-label="Import YAML" attr:class="mt-4 max-w-3xl space-y-3 rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
            <input type="hidden" name="namespace" value=namespace/>
            <label for="yaml" class="block text-sm font-medium text-slate-800">"Deployment YAML"</label>
            <p class="text-xs text-slate-500">
                "A whole Ververica Platform Deployment (apiVersion, kind, metadata, spec). The namespace's defaults fill what it leaves out; its id, resourceVersion and status are ignored, as the REST API does on create. To copy a deployment, paste its downloaded YAML and change metadata.name."
            </p>
            <textarea id="yaml" name="yaml" rows="22" spellcheck="false" required aria-describedby="yaml-error"
                class=format!("{FIELD} font-mono leading-5") placeholder=placeholder>{yaml}</textarea>
            <p id="yaml-error" role="alert" class="text-sm font-medium text-rose-700 empty:hidden">{message}</p>
            <div class="flex justify-end">
                <button type="submit" class=format!("{PRIMARY} disabled:opacity-50")>"Create from YAML"</button>
            </div>
        </ActionForm>
    }
}

/// The form itself.
#[component]
fn DeploymentFormView(data: DeploymentFormData, form: DeploymentForm, error: Option<String>) -> impl IntoView {
    let save = ServerAction::<SaveDeployment>::new();
    let namespace = data.namespace.clone();
    // The message shown: the refusal the page came back with.
    let message =
        Signal::stored(save.value().get_untracked().and_then(Result::err).map(|err| err.to_string()).or(error));
    let field_error = move |field: &'static str| {
        move || {
            message.get().filter(|m| field_of_error(m) == Some(field)).map(|m| {
                let text = m.split_once(": ").map_or(m.clone(), |(_, why)| why.to_owned());
                view! { <p id=format!("{field}-error") class="mt-1 text-xs font-medium text-rose-700" role="alert">{text}</p> }
            })
        }
    };
    let general_error = move || {
        message
            .get()
            .filter(|m| matches!(field_of_error(m), None | Some("resource_version")))
            .map(|m| view! { <ErrorPanel err=AppError::BadRequest(m)/> })
    };
    let editing = data.editing.clone();
    let defaults = data.defaults.clone();
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    let is_sql = form.kind.as_deref().is_some_and(|k| k.eq_ignore_ascii_case("SQLSCRIPT"));
    // The editor's gutter and height follow its text (`form_rules`; as it is typed, with JavaScript).
    let script = value(&form.sql_script);
    let line_numbers = form_rules::line_numbers(&script);
    let rows = form_rules::editor_rows(&script).to_string();
    let label = "block text-sm font-medium text-slate-800";
    let hint = "mt-1 text-xs text-slate-500";
    let section = "rounded-lg border border-slate-200 bg-white p-5 shadow-sm space-y-4";
    let select_of = |name: &'static str, current: Option<String>, options: &[&'static str], default: Option<String>| {
        let placeholder = match default {
            Some(d) => format!("Namespace default ({d})"),
            None => "Namespace default".to_owned(),
        };
        view! {
            <select name=name id=name class=FIELD>
                <option value="" selected=current.is_none()>{placeholder}</option>
                {options.iter().map(|option| view! {
                    <option value=*option selected=current.as_deref() == Some(*option)>{*option}</option>
                }).collect_view()}
            </select>
        }
    };
    let title = match &editing {
        Some(e) => format!("Edit {}", e.name),
        None => "New deployment".to_owned(),
    };
    let export = editing.as_ref().map(|e| {
        format!(
            "/api/v1/namespaces/{}/deployments/{}?download=yaml",
            crate::view_model::start::encode(&namespace),
            e.id
        )
    });
    view! {
        <div class="mt-4 flex max-w-3xl items-center justify-between gap-4">
            <h1 class="text-2xl font-semibold tracking-tight">{title}</h1>
            {export.map(|href| view! { <a href=href download class=QUIET>"Export YAML"</a> })}
        </div>
        {editing.as_ref().filter(|e| e.running).map(|e| view! {
            <p class="mt-3 rounded-md bg-amber-50 p-3 text-sm text-amber-800" role="status">
                {format!("{} is running: saving a change to its job restarts it with upgrade strategy {}{}.",
                    e.name, e.upgrade_strategy,
                    if e.upgrade_strategy == "STATEFUL" { " (a savepoint first, then the new job restores it)" } else { "" })}
            </p>
        })}
        {general_error}
        <ActionForm action=save attr:aria-label="Deployment" attr:class="mt-4 space-y-5 max-w-3xl">
            <input type="hidden" name="namespace" value=namespace.clone()/>
            <input type="hidden" name="deployment_id" value=editing.as_ref().map(|e| e.id.clone()).unwrap_or_default()/>
            <input type="hidden" name="resource_version" value=value(&form.resource_version)/>
            <fieldset class=section>
                <legend class="sr-only">"Basics"</legend>
                <div class="grid gap-4 sm:grid-cols-2">
                    <div><label for="name" class=label>"Name"</label>
                        // A name of several lines (a notebook names a deployment by its SQL statement) is
                        // edited in a text area: a text input would drop its line breaks and rename it.
                        {if value(&form.name).contains('\n') {
                            view! { <textarea id="name" name="name" class=FIELD required rows="3">{value(&form.name)}</textarea> }.into_any()
                        } else {
                            view! { <input id="name" name="name" class=FIELD required value=value(&form.name) placeholder="orders-per-minute"/> }.into_any()
                        }}
                        {field_error("name")}
                        <p class=hint>"Any text, unique in the namespace; the deployment is addressed by its id."</p>
                    </div>
                    <div><label for="display_name" class=label>"Display name"</label>
                        <input id="display_name" name="display_name" class=FIELD value=value(&form.display_name) placeholder="Orders per minute"/>
                    </div>
                </div>
                <div class="flex gap-6 text-sm" role="radiogroup" aria-label="Execution mode">
                    {["STREAMING", "BATCH"].into_iter().map(|mode| {
                        let checked = form.mode.as_deref().map_or(defaults.mode.as_deref() == Some(mode) || (defaults.mode.is_none() && mode == "STREAMING"), |m| m == mode);
                        view! {
                            <label class="flex items-center gap-2">
                                <input type="radio" name="mode" value=mode checked=checked/>
                                {if mode == "STREAMING" { "Streaming" } else { "Batch" }}
                            </label>
                        }
                    }).collect_view()}
                </div>
            </fieldset>
            <fieldset class=section>
                <legend class="px-1 text-sm font-semibold text-slate-800">"What it runs"</legend>
                <div class="flex gap-6 text-sm" role="radiogroup" aria-label="Artifact">
                    <label class="flex items-center gap-2">
                        <input type="radio" name="kind" value="JAR" checked=!is_sql/>
                        "JAR"
                    </label>
                    <label class="flex items-center gap-2">
                        <input type="radio" name="kind" value="SQLSCRIPT" checked=is_sql/>
                        "SQL"
                    </label>
                </div>
                {field_error("kind")}
                <fieldset class="space-y-4 disabled:opacity-50" data-enabled-when="kind=JAR">
                    <div><label for="jar_uri" class=label>"JAR URI"</label>
                        <input id="jar_uri" name="jar_uri" class=FIELD list="known-jars" value=value(&form.jar_uri) placeholder="file:///… or https://…/job.jar"/>
                        <datalist id="known-jars">
                            {data.jars.iter().map(|jar| view! { <option value=jar.clone()/> }).collect_view()}
                        </datalist>
                        {data.jars.is_empty().then(|| view! {
                            <p class=hint>
                                "No JARs uploaded to this namespace yet — "
                                <a href=format!("/namespaces/{namespace}/artifacts") class="text-indigo-700 hover:underline">"upload one"</a>
                                ", or give an https:// URL."
                            </p>
                        })}
                        {field_error("jar_uri")}
                    </div>
                    <div class="grid gap-4 sm:grid-cols-2">
                        <div><label for="entry_class" class=label>"Entry class"</label>
                            <input id="entry_class" name="entry_class" class=FIELD value=value(&form.entry_class) placeholder="from the JAR's manifest"/>
                            {field_error("entry_class")}
                        </div>
                        <div><label for="main_args" class=label>"Arguments"</label>
                            <input id="main_args" name="main_args" class=FIELD value=value(&form.main_args) placeholder="--rate 50"/>
                            {field_error("main_args")}
                        </div>
                    </div>
                </fieldset>
                <fieldset class="disabled:opacity-50" data-enabled-when="kind=SQLSCRIPT">
                    <label class=label for="sql_script">"SQL script"</label>
                    <div class="mt-1 flex overflow-hidden rounded-md border border-slate-300 font-mono text-sm">
                        <pre class="select-none bg-slate-50 px-2 py-1 text-right text-slate-400" aria-hidden="true"
                            data-line-numbers-of="sql_script">{line_numbers}</pre>
                        <textarea id="sql_script" name="sql_script" class="w-full resize-y px-2 py-1 leading-5 outline-none" spellcheck="false"
                            rows=rows placeholder="CREATE TEMPORARY TABLE …;\nINSERT INTO … SELECT …;">{script.clone()}</textarea>
                    </div>
                    {field_error("sql_script")}
                </fieldset>
            </fieldset>
            <fieldset class=section>
                <legend class="px-1 text-sm font-semibold text-slate-800">"How it runs"</legend>
                <div class="grid gap-4 sm:grid-cols-2">
                    <div><label for="parallelism" class=label>"Parallelism"</label>
                        <input id="parallelism" name="parallelism" class=FIELD inputmode="numeric" value=value(&form.parallelism)
                            placeholder=defaults.parallelism.clone().map_or("Namespace default".to_owned(), |p| format!("Namespace default ({p})"))/>
                        {field_error("parallelism")}
                    </div>
                    <div><label for="target" class=label>"Deployment target"</label>
                        <select id="target" name="target" class=FIELD>
                            <option value="" selected=form.target.is_none()>{defaults.target.clone().map_or("Namespace default".to_owned(), |t| format!("Namespace default ({t})"))}</option>
                            {data.targets.iter().map(|t| view! { <option value=t.clone() selected=form.target.as_deref() == Some(t.as_str())>{t.clone()}</option> }).collect_view()}
                        </select>
                        {field_error("target")}
                        {data.targets.is_empty().then(|| view! {
                            <p class=hint>"This namespace has no deployment targets yet; an owner adds one on the Deployments page (+ Session cluster)."</p>
                        })}
                    </div>
                    <div><label for="upgrade_strategy" class=label>"Upgrade strategy"</label>
                        {select_of("upgrade_strategy", form.upgrade_strategy.clone(), &["STATEFUL", "STATELESS", "NONE"], defaults.upgrade_strategy.clone())}
                        {field_error("upgrade_strategy")}
                        <p class=hint>"STATEFUL: a change stops the job with a savepoint and the new job restores it."</p>
                    </div>
                    <div><label for="restore_strategy" class=label>"Restore strategy"</label>
                        {select_of("restore_strategy", form.restore_strategy.clone(), &["LATEST_STATE", "LATEST_SAVEPOINT", "NONE"], defaults.restore_strategy.clone())}
                        {field_error("restore_strategy")}
                    </div>
                </div>
                <div><label for="flink_configuration" class=label>"Flink configuration"</label>
                    <textarea id="flink_configuration" name="flink_configuration" class=format!("{FIELD} font-mono") rows="4"
                        placeholder=defaults.flink_configuration.clone().unwrap_or_else(|| "execution.checkpointing.interval: 10s".to_owned())>{value(&form.flink_configuration)}</textarea>
                    <p class=hint>"One key: value per line."</p>
                    {field_error("flink_configuration")}
                </div>
                <div><label for="labels" class=label>"Labels"</label>
                    <textarea id="labels" name="labels" class=format!("{FIELD} font-mono") rows="2" placeholder="team=data">{value(&form.labels)}</textarea>
                    <p class=hint>"One key=value per line."</p>
                    {field_error("labels")}
                </div>
            </fieldset>
            <div class="flex justify-end gap-2">
                <button type="submit" class=format!("{PRIMARY} disabled:opacity-50")>
                    {if editing.is_some() { "Save" } else { "Create deployment" }}
                </button>
            </div>
        </ActionForm>
    }
}
