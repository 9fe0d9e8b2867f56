//! A deployment status as a coloured badge.

use domain::DeploymentState;
use leptos::prelude::*;

use crate::view_model::status_badge;

#[component]
pub fn StatusBadge(state: DeploymentState) -> impl IntoView {
    let (label, classes) = status_badge(state);
    view! {
        <span class=format!("inline-flex items-center rounded-md px-2 py-0.5 text-xs font-semibold ring-1 ring-inset {classes}")>
            {label}
        </span>
    }
}
