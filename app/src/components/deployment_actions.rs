//! Start, Suspend and Cancel buttons for one deployment. Suspend, Cancel and a batch deployment's
//! Start are forms posting to the `set_desired_state` server function; a streaming deployment's
//! Start links to its Start page (the Start dialog), which the page's `StartModal` island opens as
//! a modal instead. All work before hydration; which buttons show is decided by
//! `view_model::available_actions` (hiding a button is a convenience: the server authorises every
//! call).

use leptos::prelude::*;

use crate::api::deployments::SetDesiredState;
use crate::components::start_dialog::start_page;
use crate::view_model::Action;

#[component]
pub fn DeploymentActions(
    namespace: String,
    deployment_id: String,
    /// Whose actions these are, for screen readers ("Start stateful-counter").
    name: String,
    actions: Vec<Action>,
    /// A streaming deployment: its Start opens the Start dialog.
    streaming: bool,
    set_state: ServerAction<SetDesiredState>,
) -> impl IntoView {
    let pending = set_state.pending();
    view! {
        <div class="flex justify-end gap-2">
            {actions
                .into_iter()
                .map(|action| {
                    let style = match action {
                        Action::Start => "bg-indigo-600 text-white hover:bg-indigo-500",
                        Action::Suspend => "bg-white text-slate-800 ring-1 ring-inset ring-slate-300 hover:bg-slate-50",
                        Action::Cancel => "bg-white text-rose-700 ring-1 ring-inset ring-rose-300 hover:bg-rose-50",
                    };
                    let (namespace, deployment_id) = (namespace.clone(), deployment_id.clone());
                    let label = format!("{} {name}", action.label());
                    if action == Action::Start && streaming {
                        let href = start_page(&namespace, &deployment_id);
                        return view! {
                            <a
                                href=href
                                class=format!("rounded-md px-2.5 py-1 text-xs font-semibold shadow-sm {style}")
                                aria-label=label
                                aria-haspopup="dialog"
                                data-start-dialog=""
                                data-namespace=namespace
                                data-deployment=deployment_id
                            >
                                {action.label()}
                            </a>
                        }
                        .into_any();
                    }
                    view! {
                        <ActionForm action=set_state>
                            <input type="hidden" name="namespace" value=namespace/>
                            <input type="hidden" name="deployment_id" value=deployment_id/>
                            <input type="hidden" name="state" value=action.desired().as_str()/>
                            <button
                                type="submit"
                                class=format!("rounded-md px-2.5 py-1 text-xs font-semibold shadow-sm disabled:opacity-50 {style}")
                                aria-label=label
                                disabled=move || pending.get()
                            >
                                {action.label()}
                            </button>
                        </ActionForm>
                    }
                    .into_any()
                })
                .collect_view()}
        </div>
    }
}
