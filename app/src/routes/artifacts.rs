//! A namespace's Artifacts page: the JARs its deployments may run (`jarUri: artifact:///<name>`),
//! with size, SHA-256, uploader and time, a page at a time (`?after=`). Editors upload a JAR with a
//! plain multipart form (it works without JavaScript: the REST API's upload answers a browser with
//! a redirect back here); with JavaScript the same form is sent in the background and shows its
//! progress. Editors delete a JAR after confirming.

use domain::{Permission, UploadedArtifact};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::artifacts::{list_artifacts, DeleteArtifact, UploadResult};
use crate::components::error_panel::ErrorPanel;
use crate::components::form::{DANGER, FIELD, PRIMARY, QUIET, ROW_FORM};
use crate::components::layout::Layout;
use crate::components::pager::Pager;
use crate::components::table::{empty, section_title, Table};
use crate::providers::session::use_session;
use crate::view_model::{link_with_query, page_token_from_query, short_time, size_text};

const COLUMNS: &[(&str, bool)] = &[
    ("Name", false),
    ("Size", true),
    ("SHA-256", false),
    ("Uploaded by", false),
    ("Uploaded (UTC)", false),
    ("", true),
];

#[component]
pub fn ArtifactsPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let namespace = Signal::derive(move || params.read().get("namespace").unwrap_or_default());
    let after = Signal::derive(move || page_token_from_query(query.read().get("after").as_deref()));
    let delete = ServerAction::<DeleteArtifact>::new();
    let artifacts =
        Resource::new(move || (namespace.get(), after.get()), |(namespace, after)| list_artifacts(namespace, after));
    let session = use_session();
    let may_edit = move || session.get().is_some_and(|s| s.may(&namespace.get(), Permission::EditDeployments));
    let path = move || format!("/namespaces/{}/artifacts", namespace.get());

    view! {
        <Title text="Artifacts · Flink Console"/>
        <Layout namespace>
            <h1 class="text-2xl font-semibold tracking-tight">"Artifacts"</h1>
            <p class="mt-1 text-sm text-slate-600">
                "The JARs of namespace " <span class="font-mono">{move || namespace.get()}</span>
                ". A deployment of this namespace runs one as "
                <code class="rounded bg-slate-100 px-1 font-mono text-xs">"jarUri: artifact:///<name>"</code>
                "; no other namespace can."
            </p>
            {move || delete.value().get().and_then(Result::err).map(|err| view! { <ErrorPanel err/> })}
            <Transition fallback=|| view! { <p class="py-8 text-slate-500">"Loading artifacts…"</p> }>
                {move || artifacts.get().map(|result| match result {
                    Ok(page) => {
                        let first = after.get_untracked().map(|_| path());
                        let next = page.continue_token.as_deref().map(|token| link_with_query(&path(), &[("after", Some(token))]));
                        let editor = may_edit();
                        view! {
                            {page.just_uploaded.map(|result| view! { <Outcome result/> })}
                            {editor.then(|| view! { <UploadForm namespace=namespace.get_untracked() max=page.max_upload.clone()/> })}
                            <Artifacts rows=page.items namespace=namespace.get_untracked() editor delete/>
                            <Pager label="Artifact pages" first next first_text="First page" next_text="Next page"/>
                        }
                        .into_any()
                    }
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                })}
            </Transition>
        </Layout>
    }
}

/// What the upload just made did.
#[component]
fn Outcome(result: UploadResult) -> impl IntoView {
    let (role, class) = if result.ok {
        ("status", "mt-4 rounded-lg border border-emerald-200 bg-emerald-50 px-4 py-3 text-sm text-emerald-900")
    } else {
        ("alert", "mt-4 rounded-lg border border-rose-200 bg-rose-50 px-4 py-3 text-sm text-rose-800")
    };
    view! { <div role=role class=class data-testid="upload-result">{result.message}</div> }
}

/// A plain multipart form to the REST API's upload: no JavaScript needed (the upload answers a
/// browser with a redirect back here, and the outcome in a cookie). With JavaScript the
/// `PageForms` island sends it in the background and shows its progress (`UPLOAD_PROGRESS`).
#[component]
fn UploadForm(namespace: String, max: String) -> impl IntoView {
    let action = format!("/api/v1/namespaces/{namespace}/artifacts");
    view! {
        <form
            method="post"
            action=action
            enctype="multipart/form-data"
            class=ROW_FORM
            aria-label="Upload a JAR"
            id="upload-form"
        >
            <label class="block text-xs font-medium text-slate-600">
                "JAR file"
                <input type="file" name="file" accept=".jar,application/java-archive" required class=FIELD/>
            </label>
            <label class="flex items-center gap-2 pb-1.5 text-xs text-slate-600">
                <input type="checkbox" name="overwrite" value="true"/>
                "Replace an artifact of the same name"
            </label>
            <button type="submit" class=PRIMARY data-busy-label="Uploading…">"Upload"</button>
            <p class="basis-full text-xs text-slate-500">
                {format!("At most {max}. The file's name (ending in .jar) is the artifact's name. A JAR a deployment names is never replaced.")}
            </p>
        </form>
    }
}

#[component]
fn Artifacts(
    rows: Vec<UploadedArtifact>,
    namespace: String,
    editor: bool,
    delete: ServerAction<DeleteArtifact>,
) -> impl IntoView {
    let count = rows.len();
    let body = if rows.is_empty() {
        empty("No artifacts yet — upload a JAR.")
    } else {
        view! {
            <Table label="Artifacts" columns=COLUMNS>
                {rows.into_iter().map(|artifact| {
                    let name = artifact.name.to_string();
                    let remove = editor.then(|| view! { <ConfirmDelete namespace=namespace.clone() name=name.clone() delete/> });
                    let download = format!("/api/v1/namespaces/{namespace}/artifacts/{}/content", artifact.name.percent_encoded());
                    view! {
                        <tr data-artifact=name.clone()>
                            <td class="px-4 py-2">
                                <div class="font-medium">{name.clone()}</div>
                                <code class="select-all font-mono text-xs text-slate-500">{artifact.uri.clone()}</code>
                            </td>
                            <td class="px-4 py-2 text-right tabular-nums" data-testid="size">{size_text(artifact.size_bytes)}</td>
                            <td class="px-4 py-2 font-mono text-xs" title=artifact.sha256.clone() data-testid="sha256">
                                {artifact.sha256.chars().take(16).collect::<String>()}"…"
                            </td>
                            <td class="px-4 py-2 font-mono text-xs">{artifact.uploaded_by.clone()}</td>
                            <td class="px-4 py-2 tabular-nums text-slate-600">{short_time(&artifact.created_at)}</td>
                            <td class="px-4 py-2 text-right">
                                <div class="flex items-start justify-end gap-3">
                                    <a href=download download=name.clone() class=QUIET aria-label=format!("Download {name}")>"Download"</a>
                                    {remove}
                                </div>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </Table>
        }
        .into_any()
    };
    view! { {section_title("Artifacts", count)} {body} }
}

/// "Delete…" opens a confirmation with the button that deletes (a disclosure: no JavaScript needed).
#[component]
fn ConfirmDelete(namespace: String, name: String, delete: ServerAction<DeleteArtifact>) -> impl IntoView {
    let (open_label, confirm_label) = (format!("Delete {name}…"), format!("Delete {name}"));
    view! {
        <details class="inline-block text-left">
            <summary class=format!("{QUIET} cursor-pointer list-none") aria-label=open_label>"Delete…"</summary>
            <ActionForm action=delete attr:class="mt-2 flex items-center gap-2">
                <input type="hidden" name="namespace" value=namespace/>
                <input type="hidden" name="name" value=name.clone()/>
                <span class="text-xs text-slate-600">{format!("Delete {name}? Deployments can no longer start it.")}</span>
                <button type="submit" class=DANGER aria-label=confirm_label>"Delete"</button>
            </ActionForm>
        </details>
    }
}
