//! The audit log as a table: when, who, what, which resource, and what changed, leaf by leaf.

use domain::AuditEntry;
use leptos::prelude::*;

use crate::components::table::{empty, Table};
use crate::view_model::{changed_fields, short_time, FieldChange};

/// How many changed fields show before the rest folds away.
const SHOWN_CHANGES: usize = 4;
/// How long a shown value may be before it is cut (the full value is its tooltip).
const SHOWN_VALUE: usize = 60;

const COLUMNS: &[(&str, bool)] =
    &[("When (UTC)", false), ("Who", false), ("Action", false), ("Resource", false), ("Change", false)];
const COLUMNS_WITH_NAMESPACE: &[(&str, bool)] = &[
    ("When (UTC)", false),
    ("Who", false),
    ("Action", false),
    ("Namespace", false),
    ("Resource", false),
    ("Change", false),
];

#[component]
pub fn AuditTable(
    entries: Vec<AuditEntry>,
    /// The console-wide log names each entry's namespace.
    show_namespace: bool,
) -> impl IntoView {
    if entries.is_empty() {
        return empty("Nothing has been changed yet.");
    }
    let columns = if show_namespace { COLUMNS_WITH_NAMESPACE } else { COLUMNS };
    view! {
        <Table label="Audit log" columns>
            {entries.into_iter().map(|entry| {
                let changes = changed_fields(entry.before.as_ref(), entry.after.as_ref());
                view! {
                    <tr data-audit=entry.id.clone() class="align-top">
                        <td class="whitespace-nowrap px-4 py-2 tabular-nums text-slate-600">{short_time(&entry.at)}</td>
                        <td class="whitespace-nowrap px-4 py-2 font-mono text-xs">{entry.actor.clone()}</td>
                        <td class="px-4 py-2"><span class="rounded bg-slate-100 px-1.5 py-0.5 text-xs font-semibold text-slate-700">{entry.action.clone()}</span></td>
                        {show_namespace.then(|| view! {
                            <td class="px-4 py-2 font-mono text-xs text-slate-600">{entry.namespace.clone().unwrap_or_else(|| "—".into())}</td>
                        })}
                        <td class="px-4 py-2">
                            <span class="text-xs text-slate-500">{entry.resource_kind.clone()}</span>
                            <div class="font-medium">{entry.resource_name.clone()}</div>
                        </td>
                        <td class="px-4 py-2"><Changes changes/></td>
                    </tr>
                }
            }).collect_view()}
        </Table>
    }
    .into_any()
}

#[component]
fn Changes(changes: Vec<FieldChange>) -> impl IntoView {
    if changes.is_empty() {
        return view! { <span class="text-slate-400">"—"</span> }.into_any();
    }
    let mut shown = changes;
    let folded = if shown.len() > SHOWN_CHANGES { shown.split_off(SHOWN_CHANGES - 1) } else { Vec::new() };
    let line = |change: FieldChange| {
        view! {
            <li class="font-mono text-xs">
                <span class="text-slate-500">{change.path}": "</span>
                {change.before.map(|before| view! { <span class="text-rose-700 line-through" title=before.clone()>{cut(&before)}</span>" → " })}
                {match change.after {
                    Some(after) => view! { <span class="text-emerald-700" title=after.clone()>{cut(&after)}</span> }.into_any(),
                    None => view! { <span class="text-slate-400">"removed"</span> }.into_any(),
                }}
            </li>
        }
    };
    let more = folded.len();
    view! {
        <ul class="space-y-0.5">{shown.into_iter().map(line).collect_view()}</ul>
        {(more > 0).then(|| view! {
            <details class="mt-1">
                <summary class="cursor-pointer text-xs text-indigo-700">{format!("{more} more")}</summary>
                <ul class="mt-1 space-y-0.5">{folded.into_iter().map(line).collect_view()}</ul>
            </details>
        })}
    }
    .into_any()
}

/// A value cut to `SHOWN_VALUE` characters.
fn cut(value: &str) -> String {
    if value.chars().count() <= SHOWN_VALUE {
        return value.to_owned();
    }
    let head: String = value.chars().take(SHOWN_VALUE - 1).collect();
    format!("{head}…")
}
