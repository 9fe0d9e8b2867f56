//! What the console's forms share: the look of fields and buttons, and what a plain form post's
//! success left in the address (`done_by`).

use leptos::prelude::*;

/// A text field or select.
pub const FIELD: &str = "mt-1 block w-full rounded-md border border-slate-300 px-2 py-1 text-sm";
/// A form laid out in a row, as a card.
pub const ROW_FORM: &str =
    "mt-3 flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm";
/// The button that submits a form.
pub const PRIMARY: &str = "rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-indigo-500";
/// A small button in a table row.
pub const QUIET: &str =
    "rounded-md bg-white px-2.5 py-1 text-xs font-semibold text-slate-800 ring-1 ring-inset ring-slate-300 hover:bg-slate-50";
/// A small button that takes something away.
pub const DANGER: &str =
    "rounded-md bg-white px-2.5 py-1 text-xs font-semibold text-rose-700 ring-1 ring-inset ring-rose-300 hover:bg-rose-50";

/// Whether this page was reached by a plain form post to `S` that succeeded (`ssr::answer` sends it
/// back with `done` naming `S`), and the name that post reported (`ssr::answer_naming`; "" without).
pub fn done_by<S: leptos::server_fn::ServerFn>() -> Option<String> {
    let query = leptos_router::hooks::use_query_map();
    let query = query.read_untracked();
    (query.get("done").as_deref() == Some(S::PATH)).then(|| query.get("subject").unwrap_or_default())
}
