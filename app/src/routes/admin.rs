//! The Admin page (system admins): users, namespaces, the network session clusters may reach and
//! the whole console's audit log. Every control is a form, so it works before hydration; the
//! server authorises each one.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::access::{
    list_audit, list_namespaces, list_users, CreateNamespace, CreateUser, DeleteUser, ResetPassword,
};
use crate::api::settings::{get_network_settings, SetNetworkSettings};
use crate::components::audit_table::AuditTable;
use crate::components::error_panel::ErrorPanel;
use crate::components::form::{done_by, DANGER, FIELD, PRIMARY, QUIET, ROW_FORM};
use crate::components::layout::Layout;
use crate::components::pager::Pager;
use crate::components::table::{section_title, Table};
use crate::providers::session::use_home_namespace;
use crate::view_model::{short_time, AdminPages, NamespaceRow, UserRow};

const USER_COLUMNS: &[(&str, bool)] = &[("User", false), ("Namespaces", false), ("Created (UTC)", false), ("", true)];
const NAMESPACE_COLUMNS: &[(&str, bool)] =
    &[("Namespace", false), ("Owners", false), ("Members", true), ("Deployments", true), ("Created (UTC)", false)];

#[component]
pub fn AdminPage() -> impl IntoView {
    let namespace = use_home_namespace();
    let query = leptos_router::hooks::use_query_map();
    let shown = Signal::derive(move || AdminPages::from_query(|name| query.read().get(name)));
    let create_user = ServerAction::<CreateUser>::new();
    let delete_user = ServerAction::<DeleteUser>::new();
    let create_namespace = ServerAction::<CreateNamespace>::new();
    let reset_password = ServerAction::<ResetPassword>::new();
    let save_network = ServerAction::<SetNetworkSettings>::new();
    let (user_form, namespace_form) = (NodeRef::new(), NodeRef::new());
    let users = Resource::new(
        move || {
            (
                create_user.version().get(),
                delete_user.version().get(),
                create_namespace.version().get(),
                shown.get().users,
            )
        },
        |(_, _, _, after)| list_users(after),
    );
    let namespaces = Resource::new(
        move || (create_namespace.version().get(), delete_user.version().get(), shown.get().namespaces),
        |(_, _, after)| list_namespaces(after),
    );
    let network = Resource::new(move || save_network.version().get(), |_| get_network_settings());
    let audit = Resource::new(
        move || {
            (
                create_user.version().get(),
                delete_user.version().get(),
                create_namespace.version().get(),
                save_network.version().get(),
                shown.get().audit,
            )
        },
        |(_, _, _, _, after)| list_audit(None, after),
    );
    // The links to the first and the next page of one list, keeping the pages of the others.
    let links = move |first: AdminPages, next: Option<AdminPages>, on_first: bool| {
        ((!on_first).then(|| first.href()), next.map(|next| next.href()))
    };

    view! {
        <Title text="Admin · Flink Console"/>
        <Layout namespace>
            <h1 class="text-2xl font-semibold tracking-tight">"Admin"</h1>
            <p class="mt-1 text-sm text-slate-600">
                "Users who can sign in, the namespaces they work in, and every change made in the console."
            </p>
            {move || delete_user.value().get().and_then(Result::err).map(|err| view! { <ErrorPanel err/> })}
            {move || reset_password.value().get().and_then(Result::err).map(|err| view! { <ErrorPanel err/> })}
            {done_by::<ResetPassword>().map(|name| view! {
                <p role="status" class="mt-4 text-sm text-emerald-700">{format!("Set a new password for {name}; their sessions have ended.")}</p>
            })}
            <Transition fallback=|| view! { <p class="py-8 text-slate-500">"Loading users…"</p> }>
                {move || users.get().map(|result| match result {
                    Ok(page) => {
                        let shown = shown.get();
                        let (first, next) = links(
                            AdminPages { users: None, ..shown.clone() },
                            page.continue_token.map(|users| AdminPages { users: Some(users), ..shown.clone() }),
                            shown.users.is_none(),
                        );
                        view! {
                            <Users rows=page.items delete_user reset_password/>
                            <Pager label="User pages" first next first_text="First users" next_text="More users"/>
                        }
                        .into_any()
                    }
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                })}
            </Transition>
            <ActionForm action=create_user node_ref=user_form attr:class=ROW_FORM attr:aria-label="New user">
                <label class="block text-xs font-medium text-slate-600">
                    "User name"
                    <input name="name" required placeholder="jane" autocomplete="off" class=FIELD/>
                </label>
                <label class="block text-xs font-medium text-slate-600">
                    "Password (8 characters or more)"
                    <input name="password" type="password" required minlength="8" autocomplete="new-password" class=FIELD/>
                </label>
                <label class="flex items-center gap-2 pb-1.5 text-sm text-slate-700">
                    <input name="admin" type="checkbox" class="rounded border-slate-300"/>
                    "System admin"
                </label>
                <button type="submit" class=PRIMARY>"Create user"</button>
            </ActionForm>
            {move || create_user.value().get().and_then(Result::err).map(|err| view! { <ErrorPanel err/> })}
            {done_by::<CreateUser>().map(|name| view! {
                <p role="status" class="mt-2 text-sm text-emerald-700">{format!("Created user {name}. Give them a role in a namespace on its Access page.")}</p>
            })}

            <Transition fallback=|| view! { <p class="py-8 text-slate-500">"Loading namespaces…"</p> }>
                {move || namespaces.get().map(|result| match result {
                    Ok(page) => {
                        let shown = shown.get();
                        let (first, next) = links(
                            AdminPages { namespaces: None, ..shown.clone() },
                            page.continue_token.map(|ns| AdminPages { namespaces: Some(ns), ..shown.clone() }),
                            shown.namespaces.is_none(),
                        );
                        view! {
                            <Namespaces rows=page.items/>
                            <Pager label="Namespace pages" first next first_text="First namespaces" next_text="More namespaces"/>
                        }
                        .into_any()
                    }
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                })}
            </Transition>
            <ActionForm action=create_namespace node_ref=namespace_form attr:class=ROW_FORM attr:aria-label="New namespace">
                <label class="block text-xs font-medium text-slate-600">
                    "Namespace"
                    <input name="name" required placeholder="analytics" class=FIELD/>
                </label>
                <label class="block text-xs font-medium text-slate-600">
                    "First owner (optional)"
                    <input name="owner" placeholder="jane" class=FIELD/>
                </label>
                <button type="submit" class=PRIMARY>"Create namespace"</button>
            </ActionForm>
            {move || create_namespace.value().get().and_then(Result::err).map(|err| view! { <ErrorPanel err/> })}
            {done_by::<CreateNamespace>().map(|name| view! {
                <p role="status" class="mt-2 text-sm text-emerald-700">{format!("Created namespace {name}.")}</p>
            })}

            <Transition fallback=|| view! { <p class="py-8 text-slate-500">"Loading network settings…"</p> }>
                {move || network.get().map(|result| match result {
                    Ok(hosts) => view! { <Network hosts save_network/> }.into_any(),
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                })}
            </Transition>
            {move || save_network.value().get().and_then(Result::err).map(|err| view! { <ErrorPanel err/> })}
            {done_by::<SetNetworkSettings>().map(|count| view! {
                <p role="status" class="mt-2 text-sm text-emerald-700">{format!("Saved {count} allowed host pattern(s).")}</p>
            })}

            <Transition fallback=|| ()>
                {move || audit.get().map(|result| match result {
                    Ok(page) => {
                        let shown = shown.get();
                        let (first, next) = links(
                            AdminPages { audit: None, ..shown.clone() },
                            page.continue_token.map(|audit| AdminPages { audit: Some(audit), ..shown.clone() }),
                            shown.audit.is_none(),
                        );
                        let count = page.items.len();
                        view! {
                            {section_title("Recent changes", count)}
                            <AuditTable entries=page.items show_namespace=true/>
                            <Pager label="Audit log pages" first next first_text="Newest changes" next_text="Older changes"/>
                        }
                        .into_any()
                    }
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                })}
            </Transition>
        </Layout>
    }
}

#[component]
fn Users(
    rows: Vec<UserRow>,
    delete_user: ServerAction<DeleteUser>,
    reset_password: ServerAction<ResetPassword>,
) -> impl IntoView {
    let count = rows.len();
    view! {
        {section_title("Users", count)}
        <Table label="Users" columns=USER_COLUMNS>
            {rows.into_iter().map(|user| {
                let name = user.name.clone();
                view! {
                    <tr data-user=user.name.clone()>
                        <td class="px-4 py-2">
                            <span class="font-medium">{user.name.clone()}</span>
                            {user.admin.then(|| view! { <span class="ml-2 rounded bg-indigo-50 px-1.5 py-0.5 text-xs font-semibold text-indigo-700">"admin"</span> })}
                        </td>
                        <td class="px-4 py-2">
                            {if user.memberships.is_empty() {
                                view! { <span class="text-slate-400">{if user.admin { "all" } else { "none" }}</span> }.into_any()
                            } else {
                                user.memberships.into_iter().map(|(namespace, role)| view! {
                                    <a href=format!("/namespaces/{namespace}/access") class="mr-2 inline-flex items-center gap-1 rounded bg-slate-100 px-1.5 py-0.5 text-xs hover:bg-slate-200">
                                        <span class="font-mono">{namespace.clone()}</span>
                                        <span class="lowercase text-slate-500">{role.as_str()}</span>
                                    </a>
                                }).collect_view().into_any()
                            }}
                        </td>
                        <td class="px-4 py-2 tabular-nums text-slate-600">{short_time(&user.created_at)}</td>
                        <td class="px-4 py-2">
                            <div class="flex items-start justify-end gap-2">
                                <SetPassword name=name.clone() reset_password/>
                                <ActionForm action=delete_user>
                                    <input type="hidden" name="name" value=name.clone()/>
                                    <button type="submit" aria-label=format!("Delete {name}") class=DANGER>
                                        "Delete"
                                    </button>
                                </ActionForm>
                            </div>
                        </td>
                    </tr>
                }
            }).collect_view()}
        </Table>
    }
}

/// "Set password" for one user: a field that opens under the button.
#[component]
fn SetPassword(name: String, reset_password: ServerAction<ResetPassword>) -> impl IntoView {
    let (summary_label, field_label) = (format!("Set password of {name}"), format!("New password of {name}"));
    view! {
        <details class="relative">
            <summary class=format!("{QUIET} cursor-pointer list-none") aria-label=summary_label>"Set password"</summary>
            <div class="absolute right-0 z-10 mt-2 w-72 rounded-lg border border-slate-200 bg-white p-3 text-left shadow-lg">
                <ActionForm action=reset_password>
                    <input type="hidden" name="name" value=name/>
                    <label class="block text-xs font-medium text-slate-600">
                        "New password"
                        <input name="password" type="password" required minlength="8" autocomplete="new-password"
                            aria-label=field_label class=FIELD/>
                    </label>
                    <button type="submit" class=format!("mt-2 {PRIMARY}")>"Set"</button>
                </ActionForm>
            </div>
        </details>
    }
}

/// Which hosts inside the console's network session clusters may be registered at: a textarea,
/// one pattern per line, saved whole.
#[component]
fn Network(hosts: Vec<String>, save_network: ServerAction<SetNetworkSettings>) -> impl IntoView {
    let rows = hosts.len().clamp(3, 12).to_string();
    view! {
        <h2 class="mt-8 text-lg font-semibold tracking-tight">"Network"</h2>
        <p class="mt-1 text-sm text-slate-600">
            "Session clusters cannot be registered at, or reached on, addresses inside the console's own network \
             (loopback, link-local, private ranges) unless they are allowed here: host names (flink.internal), \
             wildcards (*.example.com), IP addresses (10.0.0.5) or CIDR ranges (10.0.0.0/8)."
        </p>
        <ActionForm action=save_network attr:class="mt-3 max-w-xl" attr:aria-label="Network">
            <label class="block text-xs font-medium text-slate-600">
                "Allowed session-cluster hosts (one per line)"
                <textarea name="hosts" rows=rows spellcheck="false" class=format!("{FIELD} font-mono")>{hosts.join("\n")}</textarea>
            </label>
            <button type="submit" class=format!("mt-2 {PRIMARY}")>"Save"</button>
        </ActionForm>
    }
}

#[component]
fn Namespaces(rows: Vec<NamespaceRow>) -> impl IntoView {
    let count = rows.len();
    view! {
        {section_title("Namespaces", count)}
        <Table label="Namespaces" columns=NAMESPACE_COLUMNS>
            {rows.into_iter().map(|row| view! {
                <tr data-namespace=row.name.clone()>
                    <td class="px-4 py-2">
                        <a href=format!("/namespaces/{}/deployments", row.name) class="font-mono font-medium hover:text-indigo-700 hover:underline">{row.name.clone()}</a>
                        <a href=format!("/namespaces/{}/access", row.name) class="ml-3 text-xs text-indigo-700 hover:underline">"Access"</a>
                    </td>
                    <td class="px-4 py-2">{if row.owners.is_empty() { "—".to_owned() } else { row.owners.join(", ") }}</td>
                    <td class="px-4 py-2 text-right tabular-nums">{row.members}</td>
                    <td class="px-4 py-2 text-right tabular-nums">{row.deployments}</td>
                    <td class="px-4 py-2 tabular-nums text-slate-600">{short_time(&row.created_at)}</td>
                </tr>
            }).collect_view()}
        </Table>
    }
}
