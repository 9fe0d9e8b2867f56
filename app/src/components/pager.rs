//! The links between the pages of a long list: back to the first page, on to the next. Plain links
//! (a query parameter carries the page), so they work before and without JavaScript.

use leptos::prelude::*;

/// "← first" and "next →" under a list; nothing when the list fits on one page.
#[component]
pub fn Pager(
    /// What the list holds, for screen readers ("Deployments pages").
    label: &'static str,
    /// The link to the first page, when a later page is shown.
    first: Option<String>,
    /// The link to the next page, when more follow.
    next: Option<String>,
    /// The first link's text ("Newest", "First page").
    first_text: &'static str,
    /// The next link's text ("Older", "Next page").
    next_text: &'static str,
) -> impl IntoView {
    let link =
        "rounded-md px-2.5 py-1 text-sm font-medium text-indigo-700 ring-1 ring-inset ring-slate-300 hover:bg-slate-50";
    (first.is_some() || next.is_some()).then(|| {
        view! {
            <nav class="mt-2 flex justify-end gap-3" aria-label=label>
                {first.map(|href| view! { <a href=href class=link>{format!("← {first_text}")}</a> })}
                {next.map(|href| view! { <a href=href class=link rel="next">{format!("{next_text} →")}</a> })}
            </nav>
        }
    })
}
