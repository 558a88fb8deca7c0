//! The card of a signed-in page whose content needs data from the server.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use serde::{de::DeserializeOwned, Serialize};

use crate::{auth::login_url, error::AppError};

/// A page titled `title`, whose body is `content(data)` once `data` has loaded. When loading
/// fails because the caller is signed out, it sends them to sign in and back to `here`; other
/// errors are shown in place of the body. While `data` reloads the old body stays (no flash).
#[component]
pub fn DataCard<T, V>(
    title: &'static str,
    here: &'static str,
    data: Resource<Result<T, AppError>>,
    content: impl Fn(T) -> V + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    V: IntoView + 'static,
{
    view! {
        <Title text=title/>
        <section class="card">
            <h1>{title}</h1>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || {
                    data.get()
                        .map(|result| match result {
                            Ok(value) => content(value).into_any(),
                            Err(AppError::Unauthorized) => {
                                view! { <Redirect path=login_url(here)/> }.into_any()
                            }
                            Err(other) => {
                                view! { <p class="error" role="alert">{other.to_string()}</p> }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
        </section>
    }
}
