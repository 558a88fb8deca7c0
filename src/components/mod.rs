//! Small view pieces shared by every feature: form fields, submit buttons, messages.

mod card;
mod form;
mod passkey;

pub use card::{DataCard, Forbidden, TableWrap};
pub use form::{
    error_text, saved_signal, Field, FieldError, FormFeedback, FormMessage, ReturnTo, SelectField,
    SubmitButton, TextAreaField,
};
pub use passkey::PasskeyBox;

/// Declares `$route`, the route view of `$page` (a component without props) that the browser
/// loads from a wasm chunk of its own the first time the page is shown, rather than with the
/// main module every visitor downloads. Builds must be split (`cargo leptos build --split`,
/// which writes the chunks and their loader): the main module imports that loader. Use it as
/// `<Route path=… view=Lazy::<$route>::new() ssr=SsrMode::Async/>`. On the server the page
/// renders as before and its chunk is preloaded by the page's `<head>`.
macro_rules! lazy_page {
    ($(#[$meta:meta])* $route:ident => $page:path) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, Default)]
        pub struct $route;

        #[::leptos_router::lazy_route]
        impl ::leptos_router::LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(this: Self) -> ::leptos::prelude::AnyView {
                let _ = this;
                ::leptos::prelude::IntoAny::into_any($page())
            }
        }
    };
}
pub(crate) use lazy_page;
