//! The Start dialog (seed 000): initial mode with an optional source start time, or resume mode
//! from the latest state, a specific state, or another deployment's state; "Allow non-restored
//! state" for JAR deployments; the state compatibility check with its result inline; "Start
//! anyway" on INCOMPATIBLE. The same form serves the Start page (works without JavaScript: a plain
//! form post, the check as a GET of the page) and the modal the Start buttons open once the page
//! is hydrated. Options that do not apply are disabled with the reason beside them.

use domain::{Compatibility, CompatibilityReport, SuggestedAction};
use leptos::prelude::*;

use crate::api::start::{start_dialog, CheckStartCompatibility, StartDeployment};
use crate::components::error_panel::ErrorPanel;
use crate::components::form::{FIELD, PRIMARY};
use crate::error::AppError;
use crate::view_model::short_time;
use crate::view_model::start::{StartDialogData, StartForm};

/// Which deployment's Start dialog is open as a modal (namespace, id), what it opens with chosen
/// (`preset`; the deployment's default without), and a count of the starts it accepted (pages
/// refresh on it). Provided by the pages that show Start buttons.
#[derive(Clone, Copy)]
pub struct StartModalState {
    pub open: RwSignal<Option<(String, String)>>,
    pub preset: RwSignal<Option<StartForm>>,
    pub started: RwSignal<u64>,
}

impl StartModalState {
    /// Provides the state to the page's components and returns it.
    pub fn provide() -> Self {
        let state = Self { open: RwSignal::new(None), preset: RwSignal::new(None), started: RwSignal::new(0) };
        provide_context(state);
        state
    }

    /// Opens the dialog of deployment `id` of `namespace`, with `preset` chosen if given.
    pub fn open_with(&self, namespace: String, id: String, preset: Option<StartForm>) {
        self.preset.set(preset);
        self.open.set(Some((namespace, id)));
    }
}

/// The address of a deployment's Start page.
pub fn start_page(namespace: &str, id: &str) -> String {
    format!("/namespaces/{namespace}/deployments/{id}/start")
}

/// The modal Start dialog of the deployment `StartModalState` names; nothing while none is open.
/// Escape or the backdrop closes it; focus moves into it when it opens.
#[component]
pub fn StartModal() -> impl IntoView {
    let Some(state) = use_context::<StartModalState>() else {
        return ().into_any();
    };
    let data = Resource::new(
        move || state.open.get(),
        |open| async move {
            match open {
                Some((namespace, id)) => Some(start_dialog(namespace, id).await),
                None => None,
            }
        },
    );
    let close = Callback::new(move |()| state.open.set(None));
    let on_started = Callback::new(move |()| {
        state.open.set(None);
        state.started.update(|n| *n += 1);
    });
    view! {
        <Show when=move || state.open.get().is_some()>
            <div
                class="fixed inset-0 z-40 flex items-start justify-center overflow-y-auto bg-slate-900/40 p-6"
                on:click=move |ev| {
                    // Only a click on the backdrop itself, not one inside the dialog.
                    if ev.target() == ev.current_target() {
                        close.run(());
                    }
                }
                on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                    if ev.key() == "Escape" {
                        close.run(());
                    }
                }
            >
                <Suspense fallback=|| view! {
                    <div class="mt-24 rounded-lg bg-white p-6 text-slate-500 shadow-xl">"Loading the Start dialog…"</div>
                }>
                    {move || data.get().flatten().map(|result| match result {
                        Ok(data) => view! {
                            <StartDialog data form=state.preset.get_untracked() report=None error=None on_close=Some(close) on_started=Some(on_started)/>
                        }.into_any(),
                        Err(err) => view! {
                            <div class="mt-24 w-full max-w-xl rounded-lg bg-white p-6 shadow-xl" role="dialog" aria-modal="true" aria-label="Start deployment">
                                <ErrorPanel err/>
                                <button class="mt-4 text-sm text-indigo-700 hover:underline" on:click=move |_| close.run(())>"Close"</button>
                            </div>
                        }.into_any(),
                    })}
                </Suspense>
            </div>
        </Show>
    }
    .into_any()
}

/// The dialog itself. `form` is what a query chose (the Start page), `report` the check the page
/// ran for it, `error` a refusal the server sent the page back with; `on_close`/`on_started` make
/// it a modal (without them, Cancel links back and a start goes to the deployment's page).
#[component]
pub fn StartDialog(
    data: StartDialogData,
    form: Option<StartForm>,
    report: Option<Result<CompatibilityReport, AppError>>,
    error: Option<String>,
    on_close: Option<Callback<()>>,
    on_started: Option<Callback<()>>,
) -> impl IntoView {
    let initial = form.filter(|f| !f.is_empty()).unwrap_or_else(|| data.default_form());
    let back = format!("/namespaces/{}/deployments/{}", data.namespace, data.id);
    let data = StoredValue::new(data);
    let with = move |f: &dyn Fn(&StartDialogData) -> bool| data.with_value(|d| f(d));

    // The form's state, for what is enabled and for the check (JavaScript); the inputs also carry
    // their first values as attributes, so the page works before hydration.
    let resume = RwSignal::new(initial.is_resume());
    let strategy = RwSignal::new(initial.strategy().to_owned());
    let savepoint_id = RwSignal::new(initial.savepoint_id.clone().unwrap_or_default());
    let other_deployment = RwSignal::new(initial.other_deployment.clone().unwrap_or_default());
    let other_savepoint = RwSignal::new(initial.other_savepoint.clone().unwrap_or_default());
    let allow = RwSignal::new(initial.allows_non_restored());
    let specify_time = RwSignal::new(initial.specifies_start_time());
    let start_time = RwSignal::new(initial.start_time.clone().unwrap_or_default());
    let confirm = RwSignal::new(initial.confirms_incompatible());
    let tz_offset = RwSignal::new(initial.tz_offset_minutes.clone().unwrap_or_else(|| "0".into()));
    let zone_label = RwSignal::new(String::from("UTC"));
    Effect::new(move |_| {
        // In the browser: the person's own time zone.
        let offset = leptos::web_sys::js_sys::Date::new_0().get_timezone_offset();
        tz_offset.set(format!("{offset:.0}"));
        let east = -offset;
        let sign = if east < 0.0 { '-' } else { '+' };
        let minutes = east.abs() as i64;
        zone_label.set(format!("your time zone, UTC{sign}{:02}:{:02}", minutes / 60, minutes % 60));
    });

    let check = ServerAction::<CheckStartCompatibility>::new();
    let start = ServerAction::<StartDeployment>::new();
    // The result shown: the page's (no JavaScript) until the person checks or changes the choice.
    let shown_report = RwSignal::new(report);
    Effect::new(move |_| {
        if let Some(result) = check.value().get() {
            shown_report.set(Some(result));
        }
    });
    let changed = move || shown_report.set(None);
    let to_page = back.clone();
    Effect::new(move |_| {
        if matches!(start.value().get(), Some(Ok(_))) {
            match on_started {
                Some(done) => done.run(()),
                None => {
                    let navigate = leptos_router::hooks::use_navigate();
                    navigate(&to_page, Default::default());
                }
            }
        }
    });
    let start_error = move || start.value().get().and_then(Result::err);
    let refused_before = error.as_deref().is_some_and(|e| e.starts_with("confirmIncompatible"));
    let needs_confirmation = move || {
        let incompatible = matches!(
            shown_report.get(),
            Some(Ok(CompatibilityReport { compatibility: Compatibility::Incompatible, .. }))
        );
        let refused = start_error().is_some_and(|e| e.to_string().starts_with("confirmIncompatible")) || refused_before;
        resume.get() && (incompatible || refused)
    };
    let current_form = move || StartForm {
        mode: Some(if resume.get_untracked() { "RESUME" } else { "INITIAL" }.into()),
        strategy: Some(strategy.get_untracked()),
        savepoint_id: Some(savepoint_id.get_untracked()),
        other_deployment: Some(other_deployment.get_untracked()),
        other_savepoint: Some(other_savepoint.get_untracked()),
        allow_non_restored_state: allow.get_untracked().then(|| "on".into()),
        specify_start_time: specify_time.get_untracked().then(|| "on".into()),
        start_time: Some(start_time.get_untracked()),
        tz_offset_minutes: Some(tz_offset.get_untracked()),
        confirm_incompatible: confirm.get_untracked().then(|| "on".into()),
        ..StartForm::default()
    };
    let (namespace, id, name) = data.with_value(|d| (d.namespace.clone(), d.id.clone(), d.name.clone()));
    let check_page = start_page(&namespace, &id);
    let run_check = {
        let (namespace, id) = (namespace.clone(), id.clone());
        move |ev: leptos::ev::MouseEvent| {
            ev.prevent_default();
            let f = current_form();
            check.dispatch(CheckStartCompatibility {
                namespace: namespace.clone(),
                deployment_id: id.clone(),
                mode: f.mode,
                strategy: f.strategy,
                savepoint_id: f.savepoint_id,
                other_deployment: f.other_deployment,
                other_savepoint: f.other_savepoint,
                allow_non_restored_state: f.allow_non_restored_state,
                specify_start_time: f.specify_start_time,
                start_time: f.start_time,
                tz_offset_minutes: f.tz_offset_minutes,
                confirm_incompatible: f.confirm_incompatible,
            });
        }
    };
    let heading = NodeRef::<leptos::html::H2>::new();
    Effect::new(move |_| {
        if let Some(heading) = heading.get() {
            let _ = heading.focus();
        }
    });

    // "Configure Autopilot": what the query chose, else what the deployment has now.
    let defaults = data.with_value(StartDialogData::default_form);
    let tuning_now = initial.tuning.clone().or(defaults.tuning).unwrap_or_else(|| "OFF".into()).to_ascii_uppercase();
    let plan_now = initial.tuning_plan.clone().or(defaults.tuning_plan).unwrap_or_default();
    let tuning = RwSignal::new(tuning_now.clone());
    let plans = data.with_value(|d| d.plans.clone());
    let plans_missing = plans.is_empty();
    let has_states = with(&|d| !d.states.is_empty());
    let has_others = with(&|d| !d.others.is_empty());
    let resume_disabled = data.with_value(StartDialogData::resume_disabled);
    let allow_disabled = data.with_value(|d| d.allow_non_restored_disabled());
    let latest = data.with_value(|d| d.states.first().cloned());
    let states = data.with_value(|d| d.states.clone());
    let others = data.with_value(|d| d.others.clone());
    let batch = with(&|d| d.batch);
    let running = with(&|d| d.running);
    let radio = "h-4 w-4 border-slate-300 text-indigo-600";
    let note = "mt-1 text-xs text-slate-500";

    let close_control = match on_close {
        Some(close) => view! {
            <button type="button" class="rounded-md px-3 py-1.5 text-sm font-semibold text-slate-700 ring-1 ring-inset ring-slate-300 hover:bg-slate-50"
                on:click=move |_| close.run(())>"Cancel"</button>
        }.into_any(),
        None => view! {
            <a href=back.clone() class="rounded-md px-3 py-1.5 text-sm font-semibold text-slate-700 ring-1 ring-inset ring-slate-300 hover:bg-slate-50">"Cancel"</a>
        }.into_any(),
    };

    view! {
        <div class="mt-4 w-full max-w-2xl rounded-lg border border-slate-200 bg-white p-6 shadow-xl"
            role="dialog" aria-modal=on_close.is_some().then_some("true") aria-labelledby="start-dialog-title">
            <h2 id="start-dialog-title" node_ref=heading tabindex="-1" class="text-lg font-semibold outline-none">"Start deployment"</h2>
            <p class="mt-1 font-mono text-xs text-slate-500">{name.clone()}</p>
            {error.clone().map(|message| view! { <ErrorPanel err=AppError::BadRequest(message)/> })}
            {move || start_error().map(|err| view! { <ErrorPanel err/> })}
            {running.then(|| view! {
                <p class="mt-4 rounded-md bg-amber-50 p-3 text-sm text-amber-800" role="status">
                    {format!("{name} is already asked to run; suspend or cancel it before starting it again.")}
                </p>
            })}
            <ActionForm action=start attr:aria-label="Start deployment" attr:class="mt-4 space-y-5">
                <input type="hidden" name="namespace" value=namespace.clone()/>
                <input type="hidden" name="deployment_id" value=id.clone()/>
                <input type="hidden" name="tz_offset_minutes" prop:value=move || tz_offset.get() value=tz_offset.get_untracked()/>
                {if batch {
                    view! {
                        <input type="hidden" name="mode" value="INITIAL"/>
                        <p class="text-sm text-slate-600">"A batch deployment starts without options: it runs from the beginning of its input to the end."</p>
                    }.into_any()
                } else {
                    view! {
                        <fieldset class="space-y-3">
                            <legend class="text-sm font-semibold text-slate-800">"Start mode"</legend>
                            // Initial mode.
                            <div class="rounded-md border border-slate-200 p-3">
                                <label class="flex items-center gap-2 text-sm font-medium">
                                    <input type="radio" name="mode" value="INITIAL" class=radio checked=!initial.is_resume()
                                        prop:checked=move || !resume.get() on:change=move |_| { resume.set(false); changed(); }/>
                                    "Initial mode"
                                </label>
                                <p class=note>"No state: the job starts afresh."</p>
                                <fieldset class="mt-2 pl-6 disabled:opacity-50" prop:disabled=move || resume.get()>
                                    <label class="flex items-center gap-2 text-sm">
                                        <input type="checkbox" name="specify_start_time" class="h-4 w-4 rounded border-slate-300"
                                            checked=initial.specifies_start_time() prop:checked=move || specify_time.get()
                                            on:change=move |ev| specify_time.set(event_target_checked(&ev))/>
                                        "Specify source's start time"
                                    </label>
                                    <label class="mt-2 block text-xs text-slate-600">
                                        {move || format!("Start time ({})", zone_label.get())}
                                        <input type="datetime-local" name="start_time" step="1" class=FIELD
                                            value=initial.start_time.clone().unwrap_or_default()
                                            prop:value=move || start_time.get()
                                            on:input=move |ev| start_time.set(event_target_value(&ev))
                                            prop:disabled=move || !specify_time.get()/>
                                    </label>
                                    <p class=note>"SQL sources that support a start position (Kafka, MySQL CDC, MongoDB CDC, Paimon) read from this time; JAR jobs read it from their Flink configuration (console.source-start-time-ms). Ignored when resuming."</p>
                                </fieldset>
                            </div>
                            // Resume mode.
                            <div class="rounded-md border border-slate-200 p-3">
                                <label class="flex items-center gap-2 text-sm font-medium">
                                    <input type="radio" name="mode" value="RESUME" class=radio checked=initial.is_resume()
                                        disabled=resume_disabled.is_some()
                                        prop:checked=move || resume.get() on:change=move |_| { resume.set(true); changed(); }/>
                                    "Resume mode"
                                </label>
                                {resume_disabled.clone().map(|why| view! { <p class=note>{why}</p> })}
                                <fieldset class="mt-2 space-y-2 pl-6 disabled:opacity-50" prop:disabled=move || !resume.get()>
                                    <legend class="sr-only">"Which state"</legend>
                                    <div>
                                        <label class="flex items-center gap-2 text-sm">
                                            <input type="radio" name="strategy" value="LATEST" class=radio disabled=!has_states
                                                checked=initial.strategy() == "LATEST"
                                                prop:checked=move || strategy.get() == "LATEST"
                                                on:change=move |_| { strategy.set("LATEST".into()); changed(); }/>
                                            "Latest State"
                                        </label>
                                        <p class=note data-testid="latest-state">{match &latest {
                                            Some(state) => format!("Restores {} {} taken {} UTC ({}) — {}", state.kind.to_lowercase(), state.id, short_time(&state.created_at), state.origin, state.location),
                                            None => "Not available: this deployment has no completed savepoint or retained checkpoint yet.".to_owned(),
                                        }}</p>
                                    </div>
                                    <div>
                                        <label class="flex items-center gap-2 text-sm">
                                            <input type="radio" name="strategy" value="SPECIFIC" class=radio disabled=!has_states
                                                checked=initial.strategy() == "SPECIFIC"
                                                prop:checked=move || strategy.get() == "SPECIFIC"
                                                on:change=move |_| { strategy.set("SPECIFIC".into()); changed(); }/>
                                            "Specific State"
                                        </label>
                                        <select name="savepoint_id" class=FIELD aria-label="State of this deployment" disabled=!has_states
                                            prop:value=move || savepoint_id.get()
                                            on:change=move |ev| { savepoint_id.set(event_target_value(&ev)); strategy.set("SPECIFIC".into()); changed(); }>
                                            <option value="">"Choose a savepoint or checkpoint…"</option>
                                            {states.iter().map(|state| view! {
                                                <option value=state.id.clone() selected=initial.savepoint_id.as_deref() == Some(state.id.as_str())>
                                                    {format!("{} — {}", state.label(), state.location)}
                                                </option>
                                            }).collect_view()}
                                        </select>
                                        {(!has_states).then(|| view! { <p class=note>"Not available: no completed savepoint or retained checkpoint of this deployment."</p> })}
                                    </div>
                                    <div>
                                        <label class="flex items-center gap-2 text-sm">
                                            <input type="radio" name="strategy" value="OTHER" class=radio disabled=!has_others
                                                checked=initial.strategy() == "OTHER"
                                                prop:checked=move || strategy.get() == "OTHER"
                                                on:change=move |_| { strategy.set("OTHER".into()); changed(); }/>
                                            "Other deployment's state"
                                        </label>
                                        <div class="grid grid-cols-2 gap-2">
                                            <select name="other_deployment" class=FIELD aria-label="Other deployment" disabled=!has_others
                                                prop:value=move || other_deployment.get()
                                                on:change=move |ev| {
                                                    other_deployment.set(event_target_value(&ev));
                                                    other_savepoint.set(String::new());
                                                    strategy.set("OTHER".into());
                                                    changed();
                                                }>
                                                <option value="">"Choose a deployment…"</option>
                                                {others.iter().map(|other| view! {
                                                    <option value=other.id.clone() selected=initial.other_deployment.as_deref() == Some(other.id.as_str())>{other.name.clone()}</option>
                                                }).collect_view()}
                                            </select>
                                            <select name="other_savepoint" class=FIELD aria-label="State of the other deployment" disabled=!has_others
                                                prop:value=move || other_savepoint.get()
                                                on:change=move |ev| { other_savepoint.set(event_target_value(&ev)); strategy.set("OTHER".into()); changed(); }>
                                                <option value="">"Choose one of its states…"</option>
                                                {others.iter().map(|other| {
                                                    let owner = other.id.clone();
                                                    view! {
                                                        <optgroup label=other.name.clone()
                                                            prop:hidden=move || { let chosen = other_deployment.get(); !chosen.is_empty() && chosen != owner }>
                                                            {other.states.iter().map(|state| view! {
                                                                <option value=state.id.clone() selected=initial.other_savepoint.as_deref() == Some(state.id.as_str())>
                                                                    {format!("{} — {}", state.label(), state.location)}
                                                                </option>
                                                            }).collect_view()}
                                                        </optgroup>
                                                    }
                                                }).collect_view()}
                                            </select>
                                        </div>
                                        {(!has_others).then(|| view! { <p class=note>"Not available: no other deployment of this namespace has a completed savepoint."</p> })}
                                    </div>
                                    <div class="pt-1">
                                        <label class="flex items-center gap-2 text-sm">
                                            <input type="checkbox" name="allow_non_restored_state" class="h-4 w-4 rounded border-slate-300"
                                                disabled=allow_disabled.is_some() checked=initial.allows_non_restored()
                                                prop:checked=move || allow.get()
                                                on:change=move |ev| { allow.set(event_target_checked(&ev)); changed(); }/>
                                            "Allow non-restored state"
                                        </label>
                                        <p class=note>{allow_disabled.unwrap_or("State that maps to no operator of the job is skipped instead of failing the start.")}</p>
                                    </div>
                                </fieldset>
                            </div>
                        </fieldset>
                        <fieldset class="rounded-md border border-slate-200 p-3" aria-label="Configure Autopilot">
                            <legend class="px-1 text-sm font-semibold text-slate-800">"Configure Autopilot"</legend>
                            <div class="flex flex-wrap gap-4">
                                {[("OFF", "Off"), ("MONITORING", "Autopilot: recommend"), ("ACTIVE", "Autopilot: apply"), ("SCHEDULED", "Scheduled plan")]
                                    .into_iter()
                                    .map(|(value, label)| {
                                        let disabled = value == "SCHEDULED" && plans.is_empty();
                                        view! {
                                            <label class="flex items-center gap-2 text-sm">
                                                <input type="radio" name="tuning" value=value class=radio checked=tuning_now == value disabled=disabled
                                                    on:change=move |_| tuning.set(value.to_owned())/>
                                                {label}
                                            </label>
                                        }
                                    })
                                    .collect_view()}
                            </div>
                            <label class="mt-2 block text-xs font-medium text-slate-600">
                                "Tuning plan"
                                <select name="tuning_plan" class="mt-1 block w-full rounded-md border border-slate-300 px-2 py-1 text-sm disabled:opacity-50"
                                    disabled=plans.is_empty() prop:disabled=move || plans_missing || tuning.get() != "SCHEDULED">
                                    {plans.iter().map(|plan| {
                                        let label = if plan.applied { format!("{} (applied now)", plan.name) } else { plan.name.clone() };
                                        view! { <option value=plan.id.clone() selected=plan.id == plan_now>{label}</option> }
                                    }).collect_view()}
                                </select>
                            </label>
                            <p class=note>{if plans.is_empty() {
                                "Recommend writes the Autopilot's recommendations as events; apply changes the parallelism (it needs the STATEFUL upgrade strategy). No tuning plans yet: create one on the deployment's Autopilot & plans tab."
                            } else {
                                "Recommend writes the Autopilot's recommendations as events; apply changes the parallelism (it needs the STATEFUL upgrade strategy). A plan and the Autopilot exclude each other."
                            }}</p>
                        </fieldset>
                        // The state compatibility check.
                        <div class="rounded-md border border-slate-200 p-3" aria-label="State compatibility" role="group">
                            <div class="flex items-center justify-between gap-3">
                                <span class="text-sm font-semibold text-slate-800">"State compatibility"</span>
                                <button type="submit" formmethod="get" formaction=check_page.clone() name="check" value="1"
                                    class="rounded-md bg-white px-3 py-1.5 text-sm font-semibold text-indigo-700 ring-1 ring-inset ring-indigo-300 hover:bg-indigo-50 disabled:opacity-50"
                                    prop:disabled=move || !resume.get() || check.pending().get()
                                    on:click=run_check>
                                    {move || if check.pending().get() { "Checking…" } else { "Check compatibility" }}
                                </button>
                            </div>
                            <p class=note>{move || if resume.get() { "Compares the job this deployment would run with the state chosen above." } else { "Applies in resume mode: initial mode restores no state." }}</p>
                            {move || shown_report.get().map(|result| match result {
                                Ok(report) => view! { <ReportView report/> }.into_any(),
                                Err(err) => view! { <ErrorPanel err/> }.into_any(),
                            })}
                            <Show when=move || needs_confirmation()>
                                <label class="mt-3 flex items-center gap-2 rounded-md bg-rose-50 p-2 text-sm font-medium text-rose-800">
                                    <input type="checkbox" name="confirm_incompatible" class="h-4 w-4 rounded border-rose-300"
                                        checked=confirm.get_untracked() prop:checked=move || confirm.get()
                                        on:change=move |ev| confirm.set(event_target_checked(&ev))/>
                                    "Start anyway: I accept that the job may fail to restore or compute wrong results"
                                </label>
                            </Show>
                        </div>
                    }.into_any()
                }}
                <div class="flex justify-end gap-2 border-t border-slate-100 pt-4">
                    {close_control}
                    <button type="submit" class=format!("{PRIMARY} disabled:opacity-50")
                        prop:disabled=move || running || start.pending().get() || (needs_confirmation() && !confirm.get())>
                        {move || if start.pending().get() { "Starting…" } else { "Start" }}
                    </button>
                </div>
            </ActionForm>
        </div>
    }
}

/// A compatibility check's answer: the verdict, its reasons and what to do next.
#[component]
fn ReportView(report: CompatibilityReport) -> impl IntoView {
    let tone = match report.compatibility {
        Compatibility::FullyCompatible => "bg-emerald-50 text-emerald-800 ring-emerald-200",
        Compatibility::PartiallyCompatible => "bg-amber-50 text-amber-800 ring-amber-200",
        Compatibility::Incompatible => "bg-rose-50 text-rose-800 ring-rose-200",
        Compatibility::Unknown => "bg-slate-50 text-slate-700 ring-slate-200",
    };
    let actions: Vec<&str> = report.suggested_actions.iter().map(|a| suggestion(*a)).collect();
    view! {
        <div class=format!("mt-3 rounded-md p-3 text-sm ring-1 ring-inset {tone}") role="status" data-testid="compatibility">
            <p class="font-semibold">
                <span data-testid="verdict">{report.compatibility.label()}</span>
                <span class="ml-2 text-xs font-normal opacity-75">{format!("checked in {} ms", report.took_ms)}</span>
            </p>
            <ul class="mt-2 list-disc space-y-1 pl-5">
                {report.reasons.into_iter().map(|reason| {
                    // The operator is named once: before the message only when the message does not.
                    let operator = reason.operator.filter(|op| !reason.message.contains(op.as_str()));
                    view! {
                        <li>
                            {operator.map(|op| view! { <span class="font-mono text-xs">{op}": "</span> })}
                            {reason.message}
                        </li>
                    }
                }).collect_view()}
            </ul>
            {(!actions.is_empty()).then(|| view! { <p class="mt-2">"Suggested: "{actions.join("; ")}</p> })}
        </div>
    }
}

fn suggestion(action: SuggestedAction) -> &'static str {
    match action {
        SuggestedAction::Start => "start with this state",
        SuggestedAction::AllowNonRestoredState => "allow non-restored state",
        SuggestedAction::ChooseAnotherState => "choose another state",
        SuggestedAction::StartWithoutState => "start in initial mode, without state",
    }
}
