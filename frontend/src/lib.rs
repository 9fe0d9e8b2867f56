//! The browser entry point: hydrates the islands of the HTML the server rendered. Nothing else
//! belongs here.
// The console's views are deeply nested types; hydrating them needs a deeper query limit.
#![recursion_limit = "256"]

// The islands (`#[island]` components of `app`) are exported from there; linking the crate is what
// puts them into this wasm.
extern crate app;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
