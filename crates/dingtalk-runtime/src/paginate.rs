//! Pagination over any operation the spec marks paginated: by offset and size, or by a cursor
//! the server hands out with each page.

use std::collections::HashSet;

use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt, stream};

use crate::client::Client;
use crate::error::Error;
use crate::operation::{Operation, Paginated};

/// Default cap on pages one paginator fetches, so that a server that never sends a short
/// page cannot keep it going forever.
pub const DEFAULT_MAX_PAGES: usize = 10_000;

/// The offset of the page after one of `count` items fetched at `offset` with `size`, or
/// `None` when the walk is over: the page was empty or short, or the offset would not advance.
pub(crate) fn next_offset(offset: i64, size: i64, count: usize) -> Option<i64> {
    let count = i64::try_from(count).unwrap_or(i64::MAX);
    let next = offset.saturating_add(count);
    (count > 0 && count >= size && next > offset).then_some(next)
}

/// The error when a page says more follow but gives no cursor to fetch them with.
pub(crate) fn missing_cursor<C>(operation: &'static str) -> Error<C> {
    Error::Decode(crate::error::DecodeError {
        operation,
        status: 200,
        content_type: None,
        kind: crate::error::DecodeErrorKind::Shape(
            "the page says more follow (has_more) but gives no next cursor; the walk cannot go on".into(),
        ),
        snippet: String::new(),
    })
}

/// Walks the pages of a paginated operation.
///
/// Starts at the request's offset or cursor (or 0) with the request's size (or the spec's
/// maximum page size). Offset style: stops after an empty or short page, or when the offset
/// would not advance. Cursor style: stops when a page says there is no more; a cursor the
/// server already handed out is an [`Error::RepeatedCursor`]. Either way, at most
/// `max_pages` pages (an [`Error::PageLimit`]).
pub struct Paginator<O: Paginated> {
    client: Client,
    request: O::Request,
    page_size: Option<i64>,
    max_pages: usize,
}

struct State<O: Paginated> {
    client: Client,
    request: O::Request,
    /// The offset or the cursor of the next page.
    offset: i64,
    /// Cursors already fetched (cursor style), at most `max_pages` of them.
    seen: HashSet<i64>,
    /// An error to end the walk with, after the page that revealed it.
    pending: Option<Error<<O as Operation>::ErrorCode>>,
    size: i64,
    pages: usize,
    max_pages: usize,
    done: bool,
}

type PageResult<O> = Result<<O as Operation>::Response, Error<<O as Operation>::ErrorCode>>;
type ItemResult<O> = Result<<O as Paginated>::Item, Error<<O as Operation>::ErrorCode>>;

impl<O: Paginated> Paginator<O> {
    /// A paginator starting from `request`'s offset and size.
    pub fn new(client: Client, request: O::Request) -> Self {
        Paginator { client, request, page_size: None, max_pages: DEFAULT_MAX_PAGES }
    }

    /// Items per page (default: the request's size, else the spec's maximum).
    pub fn page_size(mut self, size: i64) -> Self {
        self.page_size = Some(size);
        self
    }

    /// Stop with [`Error::PageLimit`] after this many pages (default 10,000).
    pub fn max_pages(mut self, pages: usize) -> Self {
        self.max_pages = pages;
        self
    }

    /// A lazy stream of pages (boxed, so it can be polled as it is).
    pub fn send(self) -> BoxStream<'static, PageResult<O>> {
        let (offset, size) = O::page(&self.request);
        let max = O::DESCRIPTOR.pagination.map_or(100, |p| p.max_page_size);
        let state = State::<O> {
            client: self.client,
            request: self.request,
            offset: offset.unwrap_or(0),
            seen: HashSet::new(),
            pending: None,
            size: self.page_size.or(size).unwrap_or(max),
            pages: 0,
            max_pages: self.max_pages,
            done: false,
        };
        let pages = stream::unfold(state, |mut state| async move {
            if let Some(error) = state.pending.take() {
                state.done = true;
                return Some((Err(error), state));
            }
            if state.done {
                return None;
            }
            if state.pages >= state.max_pages {
                state.done = true;
                let error = Error::PageLimit { operation: O::DESCRIPTOR.id, pages: state.pages };
                return Some((Err(error), state));
            }
            let mut request = state.request.clone();
            O::set_page(&mut request, state.offset, state.size);
            match state.client.send::<O>(request).await {
                Err(e) => {
                    state.done = true;
                    Some((Err(e), state))
                }
                Ok(page) => {
                    state.pages += 1;
                    let cursor_style = matches!(
                        O::DESCRIPTOR.pagination.map(|p| p.style),
                        Some(crate::operation::PageStyle::Cursor { .. })
                    );
                    if cursor_style {
                        state.seen.insert(state.offset);
                        // The page's items are handed out first; a bad cursor ends the walk after them.
                        match (O::has_more(&page), O::next_cursor(&page)) {
                            (false, _) => state.done = true,
                            (true, Some(next)) if state.seen.contains(&next) => {
                                state.pending = Some(Error::RepeatedCursor {
                                    operation: O::DESCRIPTOR.id,
                                    cursor: next,
                                    pages: state.pages,
                                });
                            }
                            (true, Some(next)) => state.offset = next,
                            (true, None) => state.pending = Some(missing_cursor(O::DESCRIPTOR.id)),
                        }
                    } else {
                        match next_offset(state.offset, state.size, O::item_count(&page)) {
                            Some(next) => state.offset = next,
                            None => state.done = true,
                        }
                    }
                    Some((Ok(page), state))
                }
            }
        });
        pages.boxed()
    }

    /// A lazy stream of the items of every page (boxed, so it can be polled as it is).
    pub fn items(self) -> BoxStream<'static, ItemResult<O>> {
        self.send()
            .flat_map(|page| {
                stream::iter(match page {
                    Ok(page) => O::into_items(page).into_iter().map(Ok).collect::<Vec<_>>(),
                    Err(e) => vec![Err(e)],
                })
            })
            .boxed()
    }

    /// Every item of every page, or the first error.
    pub async fn collect_all(self) -> Result<Vec<O::Item>, Error<O::ErrorCode>> {
        self.items().try_collect().await
    }
}
