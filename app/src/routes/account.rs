//! The signed-in person's own page: who they are, where they may work, and changing their password.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::access::ChangePassword;
use crate::components::error_panel::ErrorPanel;
use crate::components::form::{done_by, FIELD, PRIMARY, ROW_FORM};
use crate::components::layout::Layout;
use crate::providers::session::{use_home_namespace, use_session};

#[component]
pub fn AccountPage() -> impl IntoView {
    let session = use_session();
    let namespace = use_home_namespace();
    let change = ServerAction::<ChangePassword>::new();
    let form = NodeRef::new();
    view! {
        <Title text="Your account · Flink Console"/>
        <Layout namespace>
            <h1 class="text-2xl font-semibold tracking-tight">"Your account"</h1>
            <Transition fallback=|| ()>
                {move || session.get().map(|s| view! {
                    {s.must_change_password.then(|| view! {
                        <p role="alert" class="mt-3 rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900">
                            "You signed in with the password the console generated and printed on its output. "
                            "Choose your own below before you do anything else."
                        </p>
                    })}
                    <p class="mt-1 text-sm text-slate-600">
                        "Signed in as " <span class="font-medium text-slate-900">{s.name.clone()}</span>
                        {s.admin.then_some(", system admin: every namespace is open to you.")}
                    </p>
                    <ul class="mt-4 flex flex-wrap gap-2" aria-label="Your namespaces">
                        {s.namespaces.into_iter().map(|choice| view! {
                            <li>
                                <a href=format!("/namespaces/{}/deployments", choice.name)
                                    class="inline-flex items-center gap-2 rounded-md border border-slate-200 bg-white px-3 py-1.5 text-sm shadow-sm hover:border-indigo-300">
                                    <span class="font-mono">{choice.name.clone()}</span>
                                    <span class="text-xs lowercase text-slate-500">{choice.role.map_or("admin", |r| r.as_str())}</span>
                                </a>
                            </li>
                        }).collect_view()}
                    </ul>
                })}
            </Transition>
            <h2 class="mt-8 text-lg font-semibold tracking-tight">"Change password"</h2>
            <ActionForm action=change node_ref=form attr:class=ROW_FORM attr:aria-label="Change password">
                <label class="block text-xs font-medium text-slate-600">
                    "Current password"
                    <input name="current_password" type="password" required autocomplete="current-password" class=FIELD/>
                </label>
                <label class="block text-xs font-medium text-slate-600">
                    "New password (8 characters or more)"
                    <input name="new_password" type="password" required minlength="8" autocomplete="new-password" class=FIELD/>
                </label>
                <label class="block text-xs font-medium text-slate-600">
                    "Repeat new password"
                    <input name="repeat_password" type="password" required minlength="8" autocomplete="new-password" class=FIELD/>
                </label>
                <button type="submit" class=PRIMARY>"Change password"</button>
            </ActionForm>
            {move || change.value().get().and_then(Result::err).map(|err| view! { <ErrorPanel err/> })}
            {done_by::<ChangePassword>().map(|_| view! {
                <p role="status" class="mt-2 text-sm text-emerald-700">"Password changed. Your sessions in other browsers have ended."</p>
            })}
        </Layout>
    }
}
