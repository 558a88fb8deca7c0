//! `/admin/clients`: the apps that sign people in through Roster (OpenID Connect clients):
//! the list, "New client" (name, redirect URIs, post-logout redirect URIs, client type,
//! scopes; a confidential client's secret shown once), "Rotate secret", "Disable"/"Enable" and
//! "Delete" after a confirmation. Server functions and page.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use super::ui::AdminNav;
use crate::{
    auth::ui::ViewerContext,
    components::{
        DataCard, Field, FormFeedback, FormMessage, ReturnTo, SelectField, SubmitButton, TableWrap,
        TextAreaField,
    },
    error::AppError,
    i18n::{fill, td, td_string, use_locale},
    oidc::OidcScope,
    paths,
};

/// One client as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientView {
    pub id: i64,
    pub client_id: String,
    pub name: String,
    pub public: bool,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub scopes: String,
    /// How its ID tokens are signed: `RS256` or `EdDSA`.
    pub id_token_alg: String,
    pub disabled: bool,
    pub created: String,
}

/// `/admin/clients`' data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientsPage {
    pub clients: Vec<ClientView>,
    /// `(client_id, secret)` just made or rotated, shown this once.
    pub new_secret: Option<(String, String)>,
}

/// Every client, and a secret just made (once).
///
/// Errors: `Unauthorized`, `Forbidden`.
#[server(prefix = "/fn", endpoint = "admin_clients")]
pub async fn admin_clients() -> Result<ClientsPage, AppError> {
    use crate::{
        auth::session::{Stash, TypedSession},
        store::clients,
    };
    let r = crate::auth::caller::this_request()?;
    r.caller.admin()?;
    let tz = r.caller.time_format(&r.ctx.client);
    let lines = |text: &str| text.lines().map(str::to_string).collect::<Vec<_>>();
    let clients = clients::all(r.state.pool())
        .await?
        .into_iter()
        .map(|c| ClientView {
            id: c.id,
            public: c.secret_hash.is_none(),
            redirect_uris: lines(&c.redirect_uris),
            post_logout_redirect_uris: lines(&c.post_logout_redirect_uris),
            disabled: c.disabled_at.is_some(),
            created: tz.format(c.created_at),
            client_id: c.client_id,
            id_token_alg: c.id_token_alg,
            name: c.name,
            scopes: c.scopes,
        })
        .collect();
    let new_secret = TypedSession::from_request()
        .await?
        .take_secret::<(String, String)>(
            r.state.secrets(),
            Stash::ClientSecret,
            r.state.now(),
            |_| true,
        )
        .await;
    Ok(ClientsPage {
        clients,
        new_secret,
    })
}

/// The scope checkboxes of "New client" (`scopes[profile]` and so on; `openid` is always
/// allowed): a ticked one is present.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeTicks {
    #[serde(default)]
    pub profile: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub offline_access: Option<String>,
}

/// "Create client": registers an app, then `/admin/clients?created=<client_id>`, where a
/// confidential client's secret is shown once.
///
/// Errors: `Unauthorized`, `Forbidden`; `Validation` per field.
#[server(prefix = "/fn", endpoint = "admin_create_client")]
pub async fn admin_create_client(
    name: String,
    redirect_uris: String,
    #[server(default)] post_logout_redirect_uris: String,
    client_type: String,
    #[server(default)] scopes: ScopeTicks,
    #[server(default)] id_token_alg: String,
) -> Result<(), AppError> {
    use crate::auth::session::{Stash, TypedSession};
    let r = crate::auth::caller::this_request()?;
    let admin = r.caller.admin()?;
    let mut allowed = vec!["openid".to_string()];
    for (ticked, scope) in [
        (scopes.profile, OidcScope::Profile),
        (scopes.email, OidcScope::Email),
        (scopes.offline_access, OidcScope::OfflineAccess),
    ] {
        if ticked.is_some() {
            allowed.push(scope.as_str().to_string());
        }
    }
    let client = crate::oidc::ClientForm {
        name,
        redirect_uris,
        post_logout_redirect_uris,
        public: client_type == "public",
        scopes: allowed,
        id_token_alg,
    }
    .parse()
    .map_err(AppError::Validation)?;
    let now = r.state.now();
    let made = crate::oidc::clients::register(&r.state, &admin, &r.ctx, &client, now).await?;
    if let Some(secret) = made.client_secret {
        TypedSession::from_request()
            .await?
            .stash_secret(
                r.state.secrets(),
                Stash::ClientSecret,
                &(made.client_id.clone(), secret),
                now,
            )
            .await?;
    }
    leptos_axum::redirect(&format!(
        "{}?created={}",
        paths::ADMIN_CLIENTS,
        made.client_id
    ));
    Ok(())
}

/// "Rotate secret" (`change=rotate`), "Disable" (`disable`), "Enable" (`enable`) or "Delete
/// client" (`delete`) on client row `id`, then back to `/admin/clients?changed=<change>`.
///
/// Errors: `Unauthorized`, `Forbidden`; `NotFound`; `BadRequest` for another change.
#[server(prefix = "/fn", endpoint = "admin_change_client")]
pub async fn admin_change_client(id: i64, change: String) -> Result<(), AppError> {
    use crate::{
        auth::session::{Stash, TypedSession},
        oidc::clients::ClientChange,
    };
    let r = crate::auth::caller::this_request()?;
    let admin = r.caller.admin()?;
    let what = match change.as_str() {
        "rotate" => ClientChange::RotateSecret,
        "disable" => ClientChange::Disable,
        "enable" => ClientChange::Enable,
        "delete" => ClientChange::Delete,
        _ => return Err(AppError::BadRequest),
    };
    let now = r.state.now();
    let client_id = crate::store::clients::by_id(r.state.pool(), id)
        .await?
        .map(|c| c.client_id)
        .unwrap_or_default();
    let secret = crate::oidc::clients::change(&r.state, &admin, &r.ctx, id, what, now).await?;
    if let Some(secret) = secret {
        TypedSession::from_request()
            .await?
            .stash_secret(
                r.state.secrets(),
                Stash::ClientSecret,
                &(client_id, secret),
                now,
            )
            .await?;
    }
    leptos_axum::redirect(&format!("{}?changed={change}", paths::ADMIN_CLIENTS));
    Ok(())
}

/// `/admin/clients`.
#[component]
pub fn AdminClientsPage() -> impl IntoView {
    let create = ServerAction::<AdminCreateClient>::new();
    let change = ServerAction::<AdminChangeClient>::new();
    let cx = ViewerContext::get();
    cx.refresh_after(create);
    cx.refresh_after(change);
    let feedback = FormFeedback::new(create);
    let change_feedback = FormFeedback::new(change);
    let locale = use_locale();
    let saves = cx.saves();
    let page = Resource::new(move || saves.get(), |_| admin_clients());
    let query = use_query_map();
    let deleting = move || query.with(|q| q.get("delete").and_then(|id| id.parse::<i64>().ok()));
    let changed = move || query.with(|q| q.get("changed"));
    view! {
        <AdminNav wide=true/>
        <DataCard
            title=td_string!(locale, admin.clients_title)
            here=paths::ADMIN_CLIENTS
            wide=true
            data=page
            content=move |page: ClientsPage| {
                let confirm = deleting()
                    .and_then(|id| page.clients.iter().find(|c| c.id == id).cloned())
                    .map(|c| view! { <DeleteClient client=c action=change/> });
                let notice = changed().map(|c| {
                    let text = match c.as_str() {
                        "rotate" => td_string!(locale, admin.rotated),
                        "disable" => td_string!(locale, admin.client_disabled),
                        "enable" => td_string!(locale, admin.client_enabled),
                        "delete" => td_string!(locale, admin.client_deleted),
                        _ => td_string!(locale, admin.saved),
                    };
                    view! { <p class="success" role="status">{text}</p> }
                });
                view! {
                    <p class="muted">
                        {td!(locale, admin.clients_intro)}
                        <code>"/.well-known/openid-configuration"</code>
                        "."
                    </p>
                    <p class="actions">
                        <a href="#new-client" class="button primary">{td!(locale, admin.new_client)}</a>
                    </p>
                    {notice}
                    {page.new_secret.map(|(client_id, secret)| view! { <NewSecret client_id secret/> })}
                    {confirm}
                    <FormMessage feedback=change_feedback/>
                    <ClientTable clients=page.clients action=change/>
                    <h2 id="new-client">{td!(locale, admin.new_client)}</h2>
                    <ActionForm action=create>
                        <ReturnTo/>
                        <FormMessage feedback=feedback/>
                        <Field
                            label=td_string!(locale, admin.name)
                            name="name"
                            hint=td_string!(locale, admin.name_hint)
                            error=feedback.field("name")
                        />
                        <TextAreaField
                            label=td_string!(locale, admin.redirect_uris)
                            name="redirect_uris"
                            rows=3
                            hint=td_string!(locale, admin.redirect_hint)
                            error=feedback.field("redirect_uris")
                        />
                        <TextAreaField
                            label=td_string!(locale, admin.logout_uris)
                            name="post_logout_redirect_uris"
                            rows=2
                            hint=td_string!(locale, admin.logout_hint)
                            error=feedback.field("post_logout_redirect_uris")
                        />
                        <SelectField
                            label=td_string!(locale, admin.client_type)
                            name="client_type"
                            options=vec![
                                ("confidential".to_string(), td_string!(locale, admin.confidential).to_string()),
                                ("public".to_string(), td_string!(locale, admin.public).to_string()),
                            ]
                            selected="confidential"
                            error=feedback.field("client_type")
                        />
                        <SelectField
                            label=td_string!(locale, admin.id_token_signature)
                            name="id_token_alg"
                            options=vec![
                                ("RS256".to_string(), td_string!(locale, admin.rs256).to_string()),
                                ("EdDSA".to_string(), td_string!(locale, admin.eddsa).to_string()),
                            ]
                            selected="RS256"
                            error=feedback.field("id_token_alg")
                        />
                        <fieldset class="field">
                            <legend>{td!(locale, admin.scopes)}</legend>
                            <label class="check">
                                <input type="checkbox" checked disabled/>
                                " " <code>"openid"</code> " " {crate::oidc::shares(locale, OidcScope::OpenId)}
                            </label>
                            {[(OidcScope::Profile, "scopes[profile]"), (OidcScope::Email, "scopes[email]"), (OidcScope::OfflineAccess, "scopes[offline_access]")]
                                .into_iter()
                                .map(|(scope, field)| view! {
                                    <label class="check">
                                        <input type="checkbox" name=field checked=scope != OidcScope::OfflineAccess/>
                                        " " <code>{scope.as_str()}</code> " " {crate::oidc::shares(locale, scope)}
                                    </label>
                                })
                                .collect_view()}
                            <p class="field-error" id="f-scopes-error">{move || feedback.field("scopes").get()}</p>
                        </fieldset>
                        <SubmitButton label=td_string!(locale, admin.create_client) pending=create.pending().into()/>
                    </ActionForm>
                }
            }
        />
    }
}

/// A secret just made, shown once.
#[component]
fn NewSecret(client_id: String, secret: String) -> impl IntoView {
    let locale = use_locale();
    view! {
        <div class="notice new-token" role="status">
            <p>
                <strong>{td!(locale, admin.the_secret)}</strong>
                {td!(locale, admin.copy_secret)}
            </p>
            <p>{td!(locale, admin.client_id)} " " <code>{client_id}</code></p>
            <label for="client-secret">{td!(locale, admin.client_secret)}</label>
            <input id="client-secret" type="text" readonly value=secret class="token" spellcheck="false"/>
        </div>
    }
}

/// The clients, each with its actions.
#[component]
fn ClientTable(clients: Vec<ClientView>, action: ServerAction<AdminChangeClient>) -> impl IntoView {
    let locale = use_locale();
    if clients.is_empty() {
        return view! { <p class="muted">{td!(locale, admin.no_clients)}</p> }.into_any();
    }
    let button = move |id: i64, change: &'static str, label: &'static str, name: String| {
        let named = fill(
            td_string!(locale, admin.action_named),
            &[("action", &label), ("name", &name)],
        );
        view! {
            <ActionForm action=action>
                <ReturnTo/>
                <input type="hidden" name="id" value=id.to_string()/>
                <input type="hidden" name="change" value=change/>
                <button type="submit" aria-label=named>{label}</button>
            </ActionForm>
        }
    };
    view! {
        <TableWrap label=td_string!(locale, admin.clients_title)>
            <table class="clients">
                <thead>
                    <tr>
                        <th scope="col">{td!(locale, admin.name)}</th>
                        <th scope="col">{td!(locale, admin.client_id)}</th>
                        <th scope="col">{td!(locale, admin.kind)}</th>
                        <th scope="col">{td!(locale, admin.redirect_uris)}</th>
                        <th scope="col">{td!(locale, admin.scopes)}</th>
                        <th scope="col">{td!(locale, admin.status)}</th>
                        <th scope="col"><span class="visually-hidden">{td!(locale, admin.actions)}</span></th>
                    </tr>
                </thead>
                <tbody>
                    {clients
                        .into_iter()
                        .map(|c| {
                            let delete_href = format!("{}?delete={}", paths::ADMIN_CLIENTS, c.id);
                            view! {
                                <tr>
                                    <td>{c.name.clone()}</td>
                                    <td><code>{c.client_id.clone()}</code></td>
                                    <td>
                                        {if c.public {
                                            td_string!(locale, admin.public)
                                        } else {
                                            td_string!(locale, admin.confidential)
                                        }}
                                    </td>
                                    <td>{c.redirect_uris.join("\n")}</td>
                                    <td>
                                        {c.scopes.clone()}
                                        <br/>
                                        <span class="muted">
                                            {fill(td_string!(locale, admin.id_tokens_alg), &[("alg", &c.id_token_alg)])}
                                        </span>
                                    </td>
                                    <td>
                                        {if c.disabled {
                                            td_string!(locale, admin.status_disabled)
                                        } else {
                                            td_string!(locale, admin.status_active)
                                        }}
                                    </td>
                                    <td class="actions">
                                        {(!c.public)
                                            .then(|| button(c.id, "rotate", td_string!(locale, admin.rotate_secret), c.name.clone()))}
                                        {if c.disabled {
                                            button(c.id, "enable", td_string!(locale, admin.enable), c.name.clone())
                                        } else {
                                            button(c.id, "disable", td_string!(locale, admin.disable), c.name.clone())
                                        }}
                                        <a
                                            class="button danger"
                                            href=delete_href
                                            aria-label=fill(td_string!(locale, admin.delete_named), &[("name", &c.name)])
                                        >
                                            {td!(locale, admin.delete)}
                                        </a>
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </TableWrap>
    }
    .into_any()
}

/// "Delete {name} for good?" with "Delete client" and "Cancel".
#[component]
fn DeleteClient(client: ClientView, action: ServerAction<AdminChangeClient>) -> impl IntoView {
    let locale = use_locale();
    let question = fill(
        td_string!(locale, admin.delete_client_question),
        &[("name", &client.name)],
    );
    view! {
        <section class="confirm" aria-labelledby="delete-client-heading">
            <h2 id="delete-client-heading">{question}</h2>
            <p class="muted">{td!(locale, admin.delete_client_explained)}</p>
            <ActionForm action=action>
                <ReturnTo/>
                <input type="hidden" name="id" value=client.id.to_string()/>
                <input type="hidden" name="change" value="delete"/>
                <button type="submit" class="danger">{td!(locale, admin.delete_client)}</button>
                " "
                <a href=paths::ADMIN_CLIENTS>{td!(locale, admin.cancel)}</a>
            </ActionForm>
        </section>
    }
}
