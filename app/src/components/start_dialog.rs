//! The Start dialog (seed 000): initial mode with an optional source start time, or resume mode
//! from the latest state, a specific state, or another deployment's state; "Allow non-restored
//! state" for JAR deployments; the state compatibility check with its result inline; "Start
//! anyway" on INCOMPATIBLE. Rendered on the server only; the same form serves the Start page
//! (works without JavaScript: a plain form post, the check as a GET of the page) and the modal the
//! Start buttons open (`start_modal`, which reads the Start page). Options that do not apply are
//! disabled with the reason beside them.

use domain::{Compatibility, CompatibilityReport, SuggestedAction};
use leptos::prelude::*;

use crate::api::start::StartDeployment;
use crate::components::error_panel::ErrorPanel;
use crate::components::form::{FIELD, PRIMARY};
use crate::error::AppError;
use crate::view_model::short_time;
use crate::view_model::start::{StartDialogData, StartForm};

/// The address of a deployment's Start page.
pub fn start_page(namespace: &str, id: &str) -> String {
    format!("/namespaces/{namespace}/deployments/{id}/start")
}

/// The dialog's element and its heading (the modal takes the dialog from the Start page by id and
/// moves focus to the heading).
pub const DIALOG: &str = "start-dialog";
pub const DIALOG_TITLE: &str = "start-dialog-title";
/// The fields whose change makes a compatibility answer stale.
const CHOICE_FIELDS: &str = "mode strategy savepoint_id other_deployment other_savepoint allow_non_restored_state";

/// The dialog itself, rendered on the server: on the Start page, and into the modal (which reads
/// the Start page). `form` is what a query chose, `report` the check the page ran for it, `error` a
/// refusal the server sent the page back with. Which fields apply follows the choices made: the
/// rules of `form_rules` (`data-enabled-when`, …), which the modal applies as the person chooses;
/// without JavaScript every field stays usable and the server judges the combination.
#[component]
pub fn StartDialog(
    data: StartDialogData,
    form: Option<StartForm>,
    report: Option<Result<CompatibilityReport, AppError>>,
    error: Option<String>,
) -> impl IntoView {
    let initial = form.filter(|f| !f.is_empty()).unwrap_or_else(|| data.default_form());
    let back = format!("/namespaces/{}/deployments/{}", data.namespace, data.id);
    let refused_before = error.as_deref().is_some_and(|e| e.starts_with("confirmIncompatible"));
    let incompatible =
        matches!(report, Some(Ok(CompatibilityReport { compatibility: Compatibility::Incompatible, .. })));
    // "Start anyway" once the check said Incompatible or a start was refused for it.
    let needs_confirmation = initial.is_resume() && (incompatible || refused_before);
    let (namespace, id, name) = (data.namespace.clone(), data.id.clone(), data.name.clone());
    let check_page = start_page(&namespace, &id);
    let start_url = <StartDeployment as leptos::server_fn::ServerFn>::PATH;

    // "Configure Autopilot": what the query chose, else what the deployment has now.
    let defaults = data.default_form();
    let tuning_now = initial.tuning.clone().or(defaults.tuning).unwrap_or_else(|| "OFF".into()).to_ascii_uppercase();
    let plan_now = initial.tuning_plan.clone().or(defaults.tuning_plan).unwrap_or_default();
    let plans = data.plans.clone();
    let has_states = !data.states.is_empty();
    let has_others = !data.others.is_empty();
    let resume_disabled = data.resume_disabled();
    let allow_disabled = data.allow_non_restored_disabled();
    let latest = data.states.first().cloned();
    let states = data.states.clone();
    let others = data.others.clone();
    let batch = data.batch;
    let running = data.running;
    let radio = "h-4 w-4 border-slate-300 text-indigo-600";
    let note = "mt-1 text-xs text-slate-500";

    view! {
        <div class="mt-4 w-full max-w-2xl rounded-lg border border-slate-200 bg-white p-6 shadow-xl"
            id=DIALOG role="dialog" aria-labelledby="start-dialog-title">
            <h2 id=DIALOG_TITLE tabindex="-1" class="text-lg font-semibold outline-none">"Start deployment"</h2>
            <p class="mt-1 font-mono text-xs text-slate-500">{name.clone()}</p>
            {error.clone().map(|message| view! { <ErrorPanel err=AppError::BadRequest(message)/> })}
            {running.then(|| view! {
                <p class="mt-4 rounded-md bg-amber-50 p-3 text-sm text-amber-800" role="status">
                    {format!("{name} is already asked to run; suspend or cancel it before starting it again.")}
                </p>
            })}
            <form method="post" action=start_url aria-label="Start deployment" class="mt-4 space-y-5">
                // Where the modal says that the console did not answer.
                <p data-send-error="" role="alert" class="text-sm text-rose-700 empty:hidden"></p>
                <input type="hidden" name="namespace" value=namespace.clone()/>
                <input type="hidden" name="deployment_id" value=id.clone()/>
                <input type="hidden" name="tz_offset_minutes" value=initial.tz_offset_minutes.clone().unwrap_or_else(|| "0".into())/>
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
                                    <input type="radio" name="mode" value="INITIAL" class=radio checked=!initial.is_resume()/>
                                    "Initial mode"
                                </label>
                                <p class=note>"No state: the job starts afresh."</p>
                                <fieldset class="mt-2 pl-6 disabled:opacity-50" data-enabled-when="mode=INITIAL">
                                    <label class="flex items-center gap-2 text-sm">
                                        <input type="checkbox" name="specify_start_time" class="h-4 w-4 rounded border-slate-300"
                                            checked=initial.specifies_start_time()/>
                                        "Specify source's start time"
                                    </label>
                                    <label class="mt-2 block text-xs text-slate-600">
                                        "Start time (" <span data-zone-label="">"UTC"</span> ")"
                                        <input type="datetime-local" name="start_time" step="1" class=FIELD
                                            value=initial.start_time.clone().unwrap_or_default()
                                            data-enabled-when="specify_start_time"/>
                                    </label>
                                    <p class=note>"SQL sources that support a start position (Kafka, MySQL CDC, MongoDB CDC, Paimon) read from this time; JAR jobs read it from their Flink configuration (console.source-start-time-ms). Ignored when resuming."</p>
                                </fieldset>
                            </div>
                            // Resume mode.
                            <div class="rounded-md border border-slate-200 p-3">
                                <label class="flex items-center gap-2 text-sm font-medium">
                                    <input type="radio" name="mode" value="RESUME" class=radio checked=initial.is_resume()
                                        disabled=resume_disabled.is_some()/>
                                    "Resume mode"
                                </label>
                                {resume_disabled.clone().map(|why| view! { <p class=note>{why}</p> })}
                                <fieldset class="mt-2 space-y-2 pl-6 disabled:opacity-50" data-enabled-when="mode=RESUME">
                                    <legend class="sr-only">"Which state"</legend>
                                    <div>
                                        <label class="flex items-center gap-2 text-sm">
                                            <input type="radio" name="strategy" value="LATEST" class=radio disabled=!has_states
                                                checked=initial.strategy() == "LATEST"/>
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
                                                checked=initial.strategy() == "SPECIFIC"/>
                                            "Specific State"
                                        </label>
                                        <select name="savepoint_id" class=FIELD aria-label="State of this deployment" disabled=!has_states
                                            data-chooses="strategy=SPECIFIC">
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
                                                checked=initial.strategy() == "OTHER"/>
                                            "Other deployment's state"
                                        </label>
                                        <div class="grid grid-cols-2 gap-2">
                                            <select name="other_deployment" class=FIELD aria-label="Other deployment" disabled=!has_others
                                                data-chooses="strategy=OTHER" data-resets="other_savepoint">
                                                <option value="">"Choose a deployment…"</option>
                                                {others.iter().map(|other| view! {
                                                    <option value=other.id.clone() selected=initial.other_deployment.as_deref() == Some(other.id.as_str())>{other.name.clone()}</option>
                                                }).collect_view()}
                                            </select>
                                            <select name="other_savepoint" class=FIELD aria-label="State of the other deployment" disabled=!has_others
                                                data-chooses="strategy=OTHER">
                                                <option value="">"Choose one of its states…"</option>
                                                {others.iter().map(|other| {
                                                    // Only the chosen deployment's states (all of them while none is chosen).
                                                    let shown_when = format!("other_deployment=|{}", other.id);
                                                    view! {
                                                        <optgroup label=other.name.clone() data-shown-when=shown_when>
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
                                                disabled=allow_disabled.is_some() checked=initial.allows_non_restored()/>
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
                                                <input type="radio" name="tuning" value=value class=radio checked=tuning_now == value disabled=disabled/>
                                                {label}
                                            </label>
                                        }
                                    })
                                    .collect_view()}
                            </div>
                            <label class="mt-2 block text-xs font-medium text-slate-600">
                                "Tuning plan"
                                <select name="tuning_plan" class="mt-1 block w-full rounded-md border border-slate-300 px-2 py-1 text-sm disabled:opacity-50"
                                    disabled=plans.is_empty() data-enabled-when=(!plans.is_empty()).then_some("tuning=SCHEDULED")>
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
                                    data-enabled-when="mode=RESUME" data-busy-label="Checking…">
                                    "Check compatibility"
                                </button>
                            </div>
                            <p class=note>"Compares the job this deployment would run with the state chosen above (resume mode; initial mode restores no state)."</p>
                            // The answer holds for the choice it was made for: it goes when the choice changes.
                            <div data-until-change=CHOICE_FIELDS>
                                {report.map(|result| match result {
                                    Ok(report) => view! { <ReportView report/> }.into_any(),
                                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                                })}
                                {needs_confirmation.then(|| view! {
                                    <label class="mt-3 flex items-center gap-2 rounded-md bg-rose-50 p-2 text-sm font-medium text-rose-800">
                                        <input type="checkbox" name="confirm_incompatible" class="h-4 w-4 rounded border-rose-300"
                                            checked=initial.confirms_incompatible()/>
                                        "Start anyway: I accept that the job may fail to restore or compute wrong results"
                                    </label>
                                })}
                            </div>
                        </div>
                    }.into_any()
                }}
                <div class="flex justify-end gap-2 border-t border-slate-100 pt-4">
                    <a href=back class="rounded-md px-3 py-1.5 text-sm font-semibold text-slate-700 ring-1 ring-inset ring-slate-300 hover:bg-slate-50"
                        data-dialog-cancel="">"Cancel"</a>
                    <button type="submit" class=format!("{PRIMARY} disabled:opacity-50") disabled=running
                        data-enabled-when=(!running).then_some("confirm_incompatible") data-busy-label="Starting…">
                        "Start"
                    </button>
                </div>
            </form>
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
