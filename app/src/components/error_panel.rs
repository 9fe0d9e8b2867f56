//! An error the person should read, as an alert box.

use leptos::prelude::*;

use crate::error::AppError;

#[component]
pub fn ErrorPanel(err: AppError) -> impl IntoView {
    view! {
        <div role="alert" class="mt-6 rounded-lg border border-rose-200 bg-rose-50 px-4 py-3 text-rose-800">
            {err.to_string()}
        </div>
    }
}
