//! The sign-in page: a user name and password form that works before hydration too.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::session::Login;

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    view! {
        <Title text="Sign in · Flink Console"/>
        <main class="flex min-h-screen items-center justify-center bg-slate-100 px-4">
            <div class="w-full max-w-sm rounded-xl border border-slate-200 bg-white p-8 shadow-sm">
                <div class="flex items-center gap-2 text-lg font-semibold tracking-tight">
                    <img src="/favicon.svg" alt="" class="h-7 w-7"/>
                    "Flink Console"
                </div>
                <h1 class="mt-6 text-xl font-semibold">"Sign in"</h1>
                <ActionForm action=login attr:class="mt-4 space-y-4">
                    <label class="block text-sm font-medium text-slate-700">
                        "User name"
                        <input name="name" required autocomplete="username"
                            class="mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 text-sm"/>
                    </label>
                    <label class="block text-sm font-medium text-slate-700">
                        "Password"
                        <input name="password" type="password" required autocomplete="current-password"
                            class="mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 text-sm"/>
                    </label>
                    <button type="submit" class="w-full rounded-md bg-indigo-600 px-3 py-2 text-sm font-semibold text-white hover:bg-indigo-500">
                        "Sign in"
                    </button>
                </ActionForm>
                {move || login.value().get().and_then(Result::err).map(|err| view! {
                    <p role="alert" class="mt-4 rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-800">{err.to_string()}</p>
                })}
            </div>
        </main>
    }
}
