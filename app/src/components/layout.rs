//! The frame of every page: top bar with the product name and the current namespace.

use leptos::prelude::*;

#[component]
pub fn Layout(namespace: Signal<String>, children: Children) -> impl IntoView {
    view! {
        <header class="border-b border-slate-200 bg-slate-900 text-white">
            <div class="mx-auto flex max-w-7xl items-center gap-6 px-6 py-3">
                <a href="/" class="flex items-center gap-2 font-semibold tracking-tight">
                    <img src="/favicon.svg" alt="" class="h-6 w-6"/>
                    "Flink Console"
                </a>
                <nav class="flex items-center gap-4 text-sm text-slate-300">
                    <a href=move || format!("/namespaces/{}/deployments", namespace.get()) class="text-white">
                        "Deployments"
                    </a>
                </nav>
                <div class="ml-auto flex items-center gap-2 text-sm">
                    <span class="text-slate-400">"Namespace"</span>
                    <span data-testid="namespace" class="rounded bg-slate-700 px-2 py-0.5 font-mono">
                        {move || namespace.get()}
                    </span>
                </div>
            </div>
        </header>
        <main class="mx-auto max-w-7xl px-6 py-8">{children()}</main>
    }
}
