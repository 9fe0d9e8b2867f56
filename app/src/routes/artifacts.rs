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
use crate::view_model::{link_with_query, page_token_from_query, short_time};

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
    // Bumped when an upload sent from this page (with JavaScript) finishes.
    let uploaded = RwSignal::new(0u32);
    let outcome = RwSignal::new(None::<UploadResult>);
    let artifacts = Resource::new(
        move || (namespace.get(), after.get(), delete.version().get(), uploaded.get()),
        |(namespace, after, _, _)| list_artifacts(namespace, after),
    );
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
                            {move || outcome.get().map(|result| view! { <Outcome result/> })}
                            {editor.then(|| view! { <UploadForm namespace=namespace.get_untracked() max=page.max_upload.clone() uploaded outcome/> })}
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

/// A plain multipart form to the REST API's upload: no JavaScript needed. With JavaScript the
/// form is sent in the background instead, with a progress bar, and the list refreshes after.
#[component]
fn UploadForm(
    namespace: String,
    max: String,
    uploaded: RwSignal<u32>,
    outcome: RwSignal<Option<UploadResult>>,
) -> impl IntoView {
    let action = format!("/api/v1/namespaces/{namespace}/artifacts");
    // Bytes sent and to send while an upload is under way.
    let progress = RwSignal::new(None::<(f64, f64)>);
    let on_submit = {
        let action = action.clone();
        move |event: leptos::ev::SubmitEvent| {
            if progress.get_untracked().is_some() {
                event.prevent_default();
                return;
            }
            #[cfg(feature = "hydrate")]
            {
                use wasm_bindgen::JsCast;
                let form = event.target().and_then(|target| target.dyn_into::<web_sys::HtmlFormElement>().ok());
                if let Some(form) = form {
                    let done = move |result: UploadResult| {
                        progress.set(None);
                        if result.ok {
                            if let Some(form) = form_reset_target() {
                                form.reset();
                            }
                        }
                        outcome.set(Some(result));
                        uploaded.update(|n| *n += 1);
                    };
                    // Only when the background upload could be started is the plain post held back.
                    if upload::send(&form, &action, progress, done).is_ok() {
                        event.prevent_default();
                        outcome.set(None);
                        progress.set(Some((0.0, 0.0)));
                    }
                }
            }
            #[cfg(not(feature = "hydrate"))]
            let _ = (&event, &action, uploaded, outcome);
        }
    };
    view! {
        <form
            method="post"
            action=action
            enctype="multipart/form-data"
            class=ROW_FORM
            aria-label="Upload a JAR"
            id="upload-form"
            on:submit=on_submit
        >
            <label class="block text-xs font-medium text-slate-600">
                "JAR file"
                <input type="file" name="file" accept=".jar,application/java-archive" required class=FIELD/>
            </label>
            <label class="flex items-center gap-2 pb-1.5 text-xs text-slate-600">
                <input type="checkbox" name="overwrite" value="true"/>
                "Replace an artifact of the same name"
            </label>
            <button type="submit" class=PRIMARY disabled=move || progress.get().is_some()>
                {move || if progress.get().is_some() { "Uploading…" } else { "Upload" }}
            </button>
            {move || progress.get().map(|(sent, total)| {
                let (value, max, words) = progress_words(sent, total);
                view! {
                    <div class="flex basis-full items-center gap-3" data-testid="upload-progress">
                        <progress class="h-2 w-64 accent-indigo-600" max=max value=value aria-label="Upload progress"></progress>
                        <span class="text-xs tabular-nums text-slate-600">{words}</span>
                    </div>
                }
            })}
            <p class="basis-full text-xs text-slate-500">
                {format!("At most {max}. The file's name (ending in .jar) is the artifact's name. A JAR a deployment names is never replaced.")}
            </p>
        </form>
    }
}

/// The upload form, to empty it after a successful upload.
#[cfg(feature = "hydrate")]
fn form_reset_target() -> Option<web_sys::HtmlFormElement> {
    use wasm_bindgen::JsCast;
    web_sys::window()?.document()?.get_element_by_id("upload-form")?.dyn_into().ok()
}

/// A progress bar's value and maximum, and the words beside it ("1.5 of 12.0 MiB, 12 %").
fn progress_words(sent: f64, total: f64) -> (String, String, String) {
    if total <= 0.0 {
        return ("0".into(), "1".into(), "Starting…".into());
    }
    let percent = (sent / total * 100.0).clamp(0.0, 100.0);
    let words = match sent >= total {
        true => format!("{} sent; the console checks the JAR…", size_text(total as u64)),
        false => format!("{} of {}, {percent:.0} %", size_text(sent as u64), size_text(total as u64)),
    };
    (format!("{sent}"), format!("{total}"), words)
}

/// Sends the upload form in the background (the browser's XMLHttpRequest: the one browser API that
/// reports upload progress), asking the REST API for JSON instead of the redirect a plain post gets.
#[cfg(feature = "hydrate")]
mod upload {
    use leptos::prelude::*;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::{JsCast, JsValue};
    use web_sys::{FormData, HtmlFormElement, ProgressEvent, XmlHttpRequest};

    use crate::api::artifacts::UploadResult;

    pub fn send(
        form: &HtmlFormElement,
        url: &str,
        progress: RwSignal<Option<(f64, f64)>>,
        done: impl FnOnce(UploadResult) + 'static,
    ) -> Result<(), JsValue> {
        let data = FormData::new_with_form(form)?;
        let overwrite = data.get("overwrite").as_string().is_some();
        let request = XmlHttpRequest::new()?;
        request.open_with_async("POST", url, true)?;
        request.set_request_header("Accept", "application/json")?;
        let on_progress = Closure::<dyn FnMut(ProgressEvent)>::new(move |event: ProgressEvent| {
            if event.length_computable() {
                progress.set(Some((event.loaded(), event.total())));
            }
        });
        request.upload()?.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
        let answered = request.clone();
        let on_end = Closure::once(move || {
            // The progress handler lives exactly as long as the request.
            drop(on_progress);
            done(outcome(&answered, overwrite));
        });
        request.set_onloadend(Some(on_end.as_ref().unchecked_ref()));
        // Freed by the browser's last reference to the request: one small closure per upload.
        on_end.forget();
        request.send_with_opt_form_data(Some(&data))
    }

    /// What the REST API answered, in the words the page shows after a plain post.
    fn outcome(request: &XmlHttpRequest, overwrite: bool) -> UploadResult {
        let status = request.status().unwrap_or(0);
        let body = request.response_text().ok().flatten().unwrap_or_default();
        let json: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        let name = json["name"].as_str().unwrap_or("the JAR").to_owned();
        let size = json["sizeBytes"].as_u64().unwrap_or(0);
        let how = request.get_response_header("x-upload-outcome").ok().flatten();
        match (status, how.as_deref()) {
            (201, _) => UploadResult { ok: true, message: format!("Uploaded {name} ({size} bytes).") },
            (200, Some("unchanged")) => {
                UploadResult { ok: true, message: format!("{name} is already here with these very bytes.") }
            }
            (200, _) => UploadResult {
                ok: true,
                message: match overwrite {
                    true => format!("Replaced {name} ({size} bytes)."),
                    false => format!("{name} is stored ({size} bytes)."),
                },
            },
            (0, _) => UploadResult {
                ok: false,
                message: "the upload was interrupted: the console could not be reached".into(),
            },
            (_, _) => UploadResult {
                ok: false,
                message: json["message"]
                    .as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| format!("the upload failed (HTTP {status})")),
            },
        }
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
                            <td class="px-4 py-2 text-right">{remove}</td>
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

/// A size for people: bytes up to 1 KiB, then KiB and MiB with one decimal.
fn size_text(bytes: u64) -> String {
    const KIB: f64 = 1024.0;
    let value = bytes as f64;
    if value < KIB {
        format!("{bytes} B")
    } else if value < KIB * KIB {
        format!("{:.1} KiB", value / KIB)
    } else {
        format!("{:.1} MiB", value / (KIB * KIB))
    }
}

#[cfg(test)]
mod tests {
    use super::size_text;

    #[test]
    fn upload_progress_reads_in_sizes_and_percent() {
        assert_eq!(super::progress_words(0.0, 0.0).2, "Starting…");
        assert_eq!(super::progress_words(1024.0 * 1024.0, 4.0 * 1024.0 * 1024.0).2, "1.0 MiB of 4.0 MiB, 25 %");
        assert_eq!(super::progress_words(2048.0, 2048.0).2, "2.0 KiB sent; the console checks the JAR…");
    }

    #[test]
    fn sizes_read_in_the_unit_that_fits() {
        assert_eq!(size_text(512), "512 B");
        assert_eq!(size_text(2048), "2.0 KiB");
        assert_eq!(size_text(5 * 1024 * 1024 + 512 * 1024), "5.5 MiB");
    }
}
