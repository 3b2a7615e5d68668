//! `/projects`: the projects the caller can see, with their role on each, searchable, the
//! archived ones behind a filter, paged on the server. Organization Owners and Admins create
//! projects here ("New project": a dialog, or without JavaScript the same form on the page).
//! Members see only the projects they hold a role on; the server decides what is listed.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{A, Form};
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api::projects::{CreateProject, ProjectList, ProjectView, list_projects, project_path};
use crate::auth::use_auth;
use crate::components::dialog::{Modal, OpenDialogButton};
use crate::components::form::{Field, FormError, FormStatus, TextArea, action_error};
use crate::components::pager::Pager;
use crate::components::toast::use_toasts;
use crate::error::AppError;
use crate::load::load;
use crate::saved::{Saved, SettingsPage, saved_message};

/// The project role labels people see, from the API's lowercase roles.
pub fn project_role_label(role: &str) -> &'static str {
    match role {
        "admin" => "Admin",
        "member" => "Member",
        _ => "Viewer",
    }
}

/// How the caller holds a role, in words, from the API's `access`.
pub fn access_label(access: &str) -> &'static str {
    match access {
        "organization_owner" => "Organization Owner",
        "organization_admin" => "Organization Admin",
        "team" => "Through a team",
        _ => "Direct",
    }
}

/// What the list shows: the search, the filter and the page, all from the URL.
#[derive(Clone, PartialEq, Eq)]
struct Filter {
    query: String,
    archived: bool,
    page: i64,
}

impl Filter {
    /// The list's URL with this search and filter, on `page`.
    fn link(&self, archived: bool, page: i64) -> String {
        let page = (page > 1).then(|| page.to_string());
        crate::paths::with_query(
            "/projects",
            &[
                ("q", (!self.query.is_empty()).then_some(self.query.as_str())),
                ("archived", archived.then_some("1")),
                ("page", page.as_deref()),
            ],
        )
    }
}

#[component]
pub fn ProjectsPage() -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let navigate = use_navigate();
    let query = use_query_map();
    let filter = Memo::new(move |_| {
        let query = query.read();
        Filter {
            query: query.get("q").unwrap_or_default(),
            archived: query
                .get("archived")
                .is_some_and(|a| a == "1" || a == "true"),
            page: query
                .get("page")
                .and_then(|p| p.parse::<i64>().ok())
                .unwrap_or(1)
                .max(1),
        }
    });
    // Without JavaScript, "New project" comes back here with `?new=1` and the form is inline.
    let asked_new = Memo::new(move |_| query.read().get("new").is_some());
    let create = ServerAction::<CreateProject>::new();
    let create_error = action_error(create);
    let new_open = RwSignal::new(false);
    let projects = load(
        move || filter.get(),
        |filter| async move {
            list_projects(Some(filter.query), filter.archived, Some(filter.page)).await
        },
    );
    Effect::new(move |_| {
        if let Some(error) = create_error.get() {
            auth.expired(&error);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(created)) = create.value().get() {
            new_open.set(false);
            toasts.show(Saved::ProjectCreated.toast());
            navigate(&project_path(&created.id), Default::default());
        }
    });
    let status = saved_message(SettingsPage::Projects);

    view! {
        <Title text="Projects"/>
        <div class="page-head">
            <h1>"Projects"</h1>
            <Suspense>
                {move || Suspend::new(async move {
                    let list = projects.await.ok()?;
                    list.can_create.then(|| view! {
                        <OpenDialogButton label="New project" param="new" open=new_open class="button primary"/>
                    })
                })}
            </Suspense>
        </div>
        <FormStatus message=status/>
        <Show when=move || asked_new.get()>
            <section class="panel" aria-labelledby="new-project-heading">
                <h2 id="new-project-heading">"New project"</h2>
                <NewProjectForm create error=create_error/>
            </section>
        </Show>
        <Suspense fallback=|| view! { <p class="loading">"Loading projects…"</p> }>
            {move || Suspend::new(async move {
                let listed = projects.await;
                view! { <ProjectTable listed filter=filter.get_untracked()/> }
            })}
        </Suspense>
        <Modal id="new-project-dialog" title="New project" open=new_open close_label="Cancel">
            <NewProjectForm create error=create_error/>
        </Modal>
    }
}

/// Name and description of a new project; the server answers with its id and the page goes there.
#[component]
fn NewProjectForm(
    create: ServerAction<CreateProject>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    view! {
        <ActionForm action=create>
            <FormError error/>
            <Field label="Name" name="name" autocomplete="off" maxlength=100 error/>
            <TextArea
                label="Description (optional)"
                name="description"
                maxlength=1000
                error
            />
            <button type="submit" class="button primary" disabled=move || create.pending().get()>
                "Create project"
            </button>
        </ActionForm>
    }
}

#[component]
fn ProjectTable(listed: Result<ProjectList, AppError>, filter: Filter) -> impl IntoView {
    let list = match listed {
        Ok(list) => list,
        Err(err) => return view! { <p class="form-error">{err.message}</p> }.into_any(),
    };
    let pages = crate::components::pager::page_count(list.total, list.page_size);
    let first = (list.page - 1) * list.page_size + 1;
    let last = first + list.projects.len() as i64 - 1;
    let searching = !filter.query.is_empty();
    let summary = match list.total {
        0 => None,
        total if pages > 1 => Some(format!("Showing {first}–{last} of {total}")),
        1 => Some("1 project".to_string()),
        total => Some(format!("{total} projects")),
    };
    let (active_link, archived_link) = (filter.link(false, 1), filter.link(true, 1));
    let current = |on: bool| on.then_some("page");
    let body = if list.projects.is_empty() {
        empty_state(&filter, searching, list.can_create).into_any()
    } else {
        view! {
            <div class="table-scroll">
                <table class="projects-table">
                    <thead>
                        <tr>
                            <th scope="col">"Name"</th>
                            <th scope="col">"Description"</th>
                            <th scope="col">"Your role"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {list.projects.into_iter().map(|project| view! { <ProjectRow project/> }).collect_view()}
                    </tbody>
                </table>
            </div>
        }
        .into_any()
    };
    let page_link = {
        let filter = filter.clone();
        move |page: i64| filter.link(filter.archived, page)
    };
    view! {
        <section class="panel panel-table" aria-labelledby="projects-heading">
            <h2 id="projects-heading" class="visually-hidden">
                {if filter.archived { "Archived projects" } else { "Active projects" }}
            </h2>
            <div class="panel-head">
                <nav class="filter-tabs" aria-label="Show">
                    <a href=active_link aria-current=current(!filter.archived)>"Active"</a>
                    <a href=archived_link aria-current=current(filter.archived)>"Archived"</a>
                </nav>
                <Form method="GET" action="" attr:class="search" attr:role="search">
                    <label for="project-search" class="visually-hidden">"Search projects"</label>
                    <input
                        id="project-search"
                        type="search"
                        name="q"
                        placeholder="Search projects"
                        maxlength="100"
                        value=filter.query.clone()
                    />
                    {filter.archived.then(|| view! { <input type="hidden" name="archived" value="1"/> })}
                    <button type="submit" class="button">"Search"</button>
                </Form>
            </div>
            {summary.map(|text| view! { <p class="table-summary" role="status">{text}</p> })}
            {body}
            <Pager page=list.page total=list.total page_size=list.page_size link=page_link/>
        </section>
    }
    .into_any()
}

/// What an empty list says: why it is empty and what to do next.
fn empty_state(filter: &Filter, searching: bool, can_create: bool) -> impl IntoView + use<> {
    let (title, text) = if searching {
        (
            "No projects match",
            "Try another name or clear the search.".to_string(),
        )
    } else if filter.archived {
        (
            "No archived projects",
            "Archived projects are read-only; they are listed here until someone restores or \
             deletes them."
                .to_string(),
        )
    } else if can_create {
        (
            "No projects yet",
            "Create a project, then add members of the organization and give each a role."
                .to_string(),
        )
    } else {
        (
            "No projects yet",
            "You have no access to any project yet. Ask an Owner or Admin of your organization \
             to add you to one."
                .to_string(),
        )
    };
    view! {
        <div class="empty-state" role="status">
            <p class="empty-title">{title}</p>
            <p>{text}</p>
        </div>
    }
}

#[component]
fn ProjectRow(project: ProjectView) -> impl IntoView {
    let description = if project.description.is_empty() {
        view! { <span class="muted">"No description"</span> }.into_any()
    } else {
        view! { <span class="description">{project.description.clone()}</span> }.into_any()
    };
    let via = access_label(&project.access);
    let name = project.name.clone();
    view! {
        <tr data-project=name>
            <th scope="row" class="project-name">
                <A href=project_path(&project.id)>{project.name.clone()}</A>
                {project.archived.then(|| view! { " " <span class="badge muted-badge">"Archived"</span> })}
            </th>
            <td>{description}</td>
            <td data-label="Your role">
                {project_role_label(&project.role)}
                <span class="muted via">{format!(" · {via}")}</span>
            </td>
        </tr>
    }
}
