//! "Previous · Page 2 of 5 · Next" under a paged list: plain links, so paging works without
//! JavaScript and each page has its own URL.

use leptos::prelude::*;
use leptos_router::components::A;

/// The page links of a list of `total` items, `page_size` a page, showing `page`; nothing when
/// everything fits on one page. `link` makes a page's URL.
#[component]
pub fn Pager(
    page: i64,
    total: i64,
    page_size: i64,
    link: impl Fn(i64) -> String + 'static,
) -> impl IntoView {
    let pages = page_count(total, page_size);
    (pages > 1).then(|| {
        view! {
            <nav class="pagination" aria-label="Pages">
                {(page > 1).then(|| view! { <A href=link(page - 1)>"Previous"</A> })}
                <span>{format!("Page {page} of {pages}")}</span>
                {(page < pages).then(|| view! { <A href=link(page + 1)>"Next"</A> })}
            </nav>
        }
    })
}

/// How many pages `total` items fill, `page_size` a page.
pub fn page_count(total: i64, page_size: i64) -> i64 {
    (total + page_size - 1) / page_size.max(1)
}
