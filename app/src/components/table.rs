//! The console's table frame, section heading and empty-table note, shared by every page.

use leptos::prelude::*;

/// A section's heading with how many rows it has.
pub fn section_title(title: &'static str, count: usize) -> impl IntoView {
    view! {
        <h2 class="mt-8 text-lg font-semibold tracking-tight">
            {title}
            <span class="ml-2 text-sm font-normal text-slate-500">{count}</span>
        </h2>
    }
}

/// A table: its `label` for screen readers, its column headings (`true`: right-aligned), and its
/// rows as children.
#[component]
pub fn Table(label: &'static str, columns: &'static [(&'static str, bool)], children: Children) -> impl IntoView {
    view! {
        <div class="mt-2 overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm">
            <table class="min-w-full divide-y divide-slate-200 text-sm" aria-label=label>
                <thead class="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
                    <tr>
                        {columns.iter().map(|(heading, right)| {
                            let class = if *right { "px-4 py-2 text-right" } else { "px-4 py-2" };
                            view! { <th scope="col" class=class>{*heading}</th> }
                        }).collect_view()}
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100">{children()}</tbody>
            </table>
        </div>
    }
}

/// What an empty table shows instead.
pub fn empty(text: &'static str) -> AnyView {
    view! { <p class="mt-2 rounded-md border border-dashed border-slate-300 bg-white px-4 py-6 text-center text-sm text-slate-500">{text}</p> }
        .into_any()
}
