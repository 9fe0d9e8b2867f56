//! A namespace's Access page (owners and admins): its members and their roles, and its API tokens
//! with their access keys — a new token's secret, or a new access key's, shows once, right after it
//! is made. Every control is a form, so it works
//! before hydration; the server authorises each one.

use domain::{ApiToken, Role};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::access::{
    list_api_tokens, list_members, CreateAccessKey, CreateApiToken, RemoveMember, RevokeApiToken, SetMember,
};
use crate::components::error_panel::ErrorPanel;
use crate::components::form::{DANGER, FIELD, PRIMARY, QUIET, ROW_FORM};
use crate::components::layout::Layout;
use crate::components::table::{empty, section_title, Table};
use crate::view_model::{short_time, CreatedAccessKey, CreatedToken, MemberRow};

const ROLES: [Role; 3] = [Role::Viewer, Role::Editor, Role::Owner];
const MEMBER_COLUMNS: &[(&str, bool)] = &[("User", false), ("Role", false), ("", true)];
const TOKEN_COLUMNS: &[(&str, bool)] = &[
    ("Name", false),
    ("Role", false),
    ("Created by", false),
    ("Created (UTC)", false),
    ("State", false),
    ("AccessKey ID", false),
    ("", true),
];

#[component]
pub fn AccessPage() -> impl IntoView {
    let params = use_params_map();
    let namespace = Signal::derive(move || params.read().get("namespace").unwrap_or_default());

    // Changing a member's role in the table and adding one are separate actions, so that a role
    // change finishing never clears what is being typed into the add form.
    let set_member = ServerAction::<SetMember>::new();
    let add_member = ServerAction::<SetMember>::new();
    let remove_member = ServerAction::<RemoveMember>::new();
    let members = Resource::new(
        move || {
            (namespace.get(), set_member.version().get(), add_member.version().get(), remove_member.version().get())
        },
        |(namespace, _, _, _)| list_members(namespace),
    );
    let create_token = ServerAction::<CreateApiToken>::new();
    let revoke_token = ServerAction::<RevokeApiToken>::new();
    let create_key = ServerAction::<CreateAccessKey>::new();
    let tokens = Resource::new(
        move || {
            (namespace.get(), create_token.version().get(), revoke_token.version().get(), create_key.version().get())
        },
        |(namespace, _, _, _)| list_api_tokens(namespace),
    );

    view! {
        <Title text="Access · Flink Console"/>
        <Layout namespace>
            <h1 class="text-2xl font-semibold tracking-tight">"Access"</h1>
            <p class="mt-1 text-sm text-slate-600">
                "Who may use namespace " <span class="font-mono">{move || namespace.get()}</span>
                ": viewers read, editors also change and run deployments, owners also manage access, targets and defaults."
            </p>
            {move || set_member.value().get().and_then(Result::err).map(|err| view! { <ErrorPanel err/> })}
            {move || remove_member.value().get().and_then(Result::err).map(|err| view! { <ErrorPanel err/> })}
            <Transition fallback=|| view! { <p class="py-8 text-slate-500">"Loading members…"</p> }>
                {move || members.get().map(|result| match result {
                    Ok(rows) => view! { <Members rows namespace=namespace.get_untracked() set_member remove_member/> }.into_any(),
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                })}
            </Transition>
            <AddMember namespace add_member/>

            {move || revoke_token.value().get().and_then(Result::err).map(|err| view! { <ErrorPanel err/> })}
            {move || create_key.value().get().and_then(Result::err).map(|err| view! { <ErrorPanel err/> })}
            <Transition fallback=|| view! { <p class="py-8 text-slate-500">"Loading API tokens…"</p> }>
                {move || tokens.get().map(|result| match result {
                    Ok(list) => view! {
                        <Tokens rows=list.tokens namespace=namespace.get_untracked() revoke_token create_key/>
                        // After a plain form post (no JavaScript) the new secret comes with the list.
                        {list.just_created.map(|created| view! { <NewSecret created/> })}
                        {list.just_created_key.map(|created| view! { <NewAccessKey created/> })}
                    }.into_any(),
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                })}
            </Transition>
            // The new pair shows under the token it belongs to, like a new token's secret.
            {move || create_key.value().get().and_then(Result::ok).map(|created| view! { <NewAccessKey created/> })}
            <NewToken namespace create_token/>
        </Layout>
    }
}

fn role_options(selected: Role) -> impl IntoView {
    ROLES
        .into_iter()
        .map(|role| view! { <option value=role.as_str() selected=role == selected>{role_name(role)}</option> })
        .collect_view()
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Viewer => "Viewer",
        Role::Editor => "Editor",
        Role::Owner => "Owner",
    }
}

#[component]
fn Members(
    rows: Vec<MemberRow>,
    namespace: String,
    set_member: ServerAction<SetMember>,
    remove_member: ServerAction<RemoveMember>,
) -> impl IntoView {
    let count = rows.len();
    let body = if rows.is_empty() {
        empty("No members yet: only system admins can use this namespace.")
    } else {
        view! {
            <Table label="Members" columns=MEMBER_COLUMNS>
                {rows.into_iter().map(|row| {
                    let user = row.user.clone();
                    let change = {
                        let (namespace, name, role) = (namespace.clone(), user.clone(), row.role);
                        let (select_label, button_label) = (format!("Role of {user}"), format!("Change role of {user}"));
                        view! {
                            <ActionForm action=set_member attr:class="flex items-center gap-2">
                                <input type="hidden" name="namespace" value=namespace/>
                                <input type="hidden" name="user" value=name/>
                                <select name="role" aria-label=select_label
                                    class="rounded-md border border-slate-300 px-2 py-1 text-sm">
                                    {role_options(role)}
                                </select>
                                <button type="submit" class=QUIET aria-label=button_label>"Change"</button>
                            </ActionForm>
                        }
                    };
                    let remove = {
                        let (namespace, name, label) = (namespace.clone(), user.clone(), format!("Remove {user}"));
                        view! {
                            <ActionForm action=remove_member>
                                <input type="hidden" name="namespace" value=namespace/>
                                <input type="hidden" name="user" value=name/>
                                <button type="submit" class=DANGER aria-label=label>"Remove"</button>
                            </ActionForm>
                        }
                    };
                    view! {
                        <tr data-member=user.clone()>
                            <td class="px-4 py-2 font-medium">{user.clone()}</td>
                            <td class="px-4 py-2">{change}</td>
                            <td class="px-4 py-2 text-right">{remove}</td>
                        </tr>
                    }
                }).collect_view()}
            </Table>
        }
        .into_any()
    };
    view! { {section_title("Members", count)} {body} }
}

#[component]
fn AddMember(namespace: Signal<String>, add_member: ServerAction<SetMember>) -> impl IntoView {
    let form = NodeRef::new();
    view! {
        <ActionForm action=add_member node_ref=form attr:class=ROW_FORM attr:aria-label="Add a member">
            <input type="hidden" name="namespace" value=move || namespace.get()/>
            <label class="block text-xs font-medium text-slate-600">
                "User name"
                <input name="user" required placeholder="jane" class=FIELD/>
            </label>
            <label class="block text-xs font-medium text-slate-600">
                "Role"
                <select name="role" class=FIELD>{role_options(Role::Viewer)}</select>
            </label>
            <button type="submit" class=PRIMARY>"Add member"</button>
            <p class="basis-full text-xs text-slate-500">"The user must exist; a system admin creates users on the Admin page."</p>
        </ActionForm>
        // Its refusal shows at the top of the page, with the other member changes' (one server function).
    }
}

#[component]
fn Tokens(
    rows: Vec<ApiToken>,
    namespace: String,
    revoke_token: ServerAction<RevokeApiToken>,
    create_key: ServerAction<CreateAccessKey>,
) -> impl IntoView {
    let count = rows.len();
    let body = if rows.is_empty() {
        empty("No API tokens. Make one for a CI pipeline or script below.")
    } else {
        view! {
            <Table label="API tokens" columns=TOKEN_COLUMNS>
                {rows.into_iter().map(|token| {
                    let revoked = token.revoked_at.clone();
                    let state = match (&revoked, &token.expires_at) {
                        (Some(at), _) => view! { <span class="text-rose-700">{format!("revoked {}", short_time(at))}</span> }.into_any(),
                        (None, Some(until)) => view! { <span class="text-emerald-700">{format!("active until {}", short_time(until))}</span> }.into_any(),
                        (None, None) => view! { <span class="text-emerald-700">"active, never expires"</span> }.into_any(),
                    };
                    let key = view! { <span class="font-mono text-xs">{token.access_key_id.clone().unwrap_or_else(|| "—".into())}</span> };
                    let create = revoked.is_none().then(|| {
                        let (namespace, id) = (namespace.clone(), token.id.clone());
                        let (text, label) = match token.access_key_id {
                            Some(_) => ("Replace access key", format!("Replace the access key of {}", token.name)),
                            None => ("Create access key", format!("Create an access key for {}", token.name)),
                        };
                        view! {
                            <ActionForm action=create_key>
                                <input type="hidden" name="namespace" value=namespace/>
                                <input type="hidden" name="id" value=id/>
                                <button type="submit" class=QUIET aria-label=label>{text}</button>
                            </ActionForm>
                        }
                    });
                    let revoke = revoked.is_none().then(|| {
                        let (namespace, id, label) = (namespace.clone(), token.id.clone(), format!("Revoke {}", token.name));
                        view! {
                            <ActionForm action=revoke_token>
                                <input type="hidden" name="namespace" value=namespace/>
                                <input type="hidden" name="id" value=id/>
                                <button type="submit" class=DANGER aria-label=label>"Revoke"</button>
                            </ActionForm>
                        }
                    });
                    view! {
                        <tr data-token=token.name.clone()>
                            <td class="px-4 py-2 font-medium">{token.name.clone()}</td>
                            <td class="px-4 py-2">{role_name(token.role)}</td>
                            <td class="px-4 py-2 font-mono text-xs">{token.created_by.clone()}</td>
                            <td class="px-4 py-2 tabular-nums text-slate-600">{short_time(&token.created_at)}</td>
                            <td class="px-4 py-2">{state}</td>
                            <td class="px-4 py-2">{key}</td>
                            <td class="px-4 py-2 text-right"><div class="flex justify-end gap-2">{create}{revoke}</div></td>
                        </tr>
                    }
                }).collect_view()}
            </Table>
        }
        .into_any()
    };
    view! { {section_title("API tokens", count)} {body} }
}

#[component]
fn NewToken(namespace: Signal<String>, create_token: ServerAction<CreateApiToken>) -> impl IntoView {
    let form = NodeRef::new();
    view! {
        <ActionForm action=create_token node_ref=form attr:class=ROW_FORM attr:aria-label="New API token">
            <input type="hidden" name="namespace" value=move || namespace.get()/>
            <label class="block text-xs font-medium text-slate-600">
                "Token name"
                <input name="name" required placeholder="ci-pipeline" class=FIELD/>
            </label>
            <label class="block text-xs font-medium text-slate-600">
                "Role"
                <select name="role" class=FIELD>{role_options(Role::Editor)}</select>
            </label>
            <label class="block text-xs font-medium text-slate-600">
                "Expires"
                <select name="expires_in_days" class=FIELD>
                    <option value="7">"in 7 days"</option>
                    <option value="30">"in 30 days"</option>
                    <option value="90" selected>"in 90 days"</option>
                    <option value="365">"in a year"</option>
                    <option value="">"never"</option>
                </select>
            </label>
            <button type="submit" class=PRIMARY>"Create token"</button>
        </ActionForm>
        {move || create_token.value().get().map(|result| match result {
            Ok(created) => view! { <NewSecret created/> }.into_any(),
            Err(err) => view! { <ErrorPanel err/> }.into_any(),
        })}
    }
}

/// A new token's secret, shown this once.
#[component]
fn NewSecret(created: CreatedToken) -> impl IntoView {
    view! {
        <div role="status" class="mt-3 rounded-lg border border-emerald-200 bg-emerald-50 p-4 text-sm text-emerald-900">
            <p class="font-medium">{format!("Token {} created. Copy its secret now: it is not shown again.", created.token.name)}</p>
            <code data-testid="token-secret" class="mt-2 block select-all break-all rounded bg-white px-3 py-2 font-mono text-xs text-slate-900 ring-1 ring-emerald-200">
                {created.secret}
            </code>
            <p class="mt-2 text-xs">"Send it as " <code>"Authorization: Bearer <secret>"</code> " to the REST API."</p>
        </div>
    }
}

/// A token's new access-key pair, the secret shown this once.
#[component]
fn NewAccessKey(created: CreatedAccessKey) -> impl IntoView {
    let key = created.token.access_key_id.clone().unwrap_or_default();
    view! {
        <div role="status" class="mt-3 rounded-lg border border-emerald-200 bg-emerald-50 p-4 text-sm text-emerald-900">
            <p class="font-medium">{format!("Access key for token {} created. Copy its secret now: it is not shown again.", created.token.name)}</p>
            <p class="mt-2 text-xs">"AccessKey ID"</p>
            <code data-testid="access-key-id" class="block select-all break-all rounded bg-white px-3 py-2 font-mono text-xs text-slate-900 ring-1 ring-emerald-200">
                {key}
            </code>
            <p class="mt-2 text-xs">"AccessKey Secret"</p>
            <code data-testid="access-key-secret" class="block select-all break-all rounded bg-white px-3 py-2 font-mono text-xs text-slate-900 ring-1 ring-emerald-200">
                {created.access_key_secret}
            </code>
            <p class="mt-2 text-xs">"Alibaba Cloud's SDKs sign requests with this pair (ACS3-HMAC-SHA256); the key acts as its token and dies with it."</p>
        </div>
    }
}
