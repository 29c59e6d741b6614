//! Pagination over any operation the spec marks paginated: by offset and size, by a cursor
//! the server hands out with each page, or by the new API's next token.
//!
//! One state machine, [`PageWalk`], decides where each page starts and when the walk ends; the
//! typed [`Paginator`] and [`Client::call_all`](crate::Client::call_all) both drive it, so the
//! stopping rules are written once.

use std::collections::HashSet;

use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt, stream};

use crate::client::Client;
use crate::error::{DecodeError, DecodeErrorKind, Error};
use crate::operation::{Operation, OperationDescriptor, PagePosition, PageStyle, Paginated, ParamType};
use crate::options::CallOptions;

/// Default cap on pages one walk fetches, so that a server that never sends a short page cannot
/// keep it going forever.
pub const DEFAULT_MAX_PAGES: usize = 10_000;

/// What a fetched page says about the walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageFacts {
    /// How many items the page holds.
    pub items: usize,
    /// Cursor and token styles: whether the page says another follows, where it says.
    pub has_more: Option<bool>,
    /// Cursor and token styles: where the next page starts, as the page hands it out (an
    /// empty token is none).
    pub next: Option<PagePosition>,
}

/// Where the pages of one walk start and when it ends.
///
/// - Offset style: after an empty or short page, or when the offset would not advance.
/// - Cursor style: when a page says there is no more (`has_more` false or absent).
/// - Token style: where the response has `has_more`, when it says false; without it, when a
///   page hands out no next token (absent or empty). A token an integer parameter cannot carry
///   is a decode error.
///
/// A cursor or token handed out twice is [`Error::RepeatedCursor`]; more-but-no-cursor a
/// decode error. Either way at most `max_pages` pages ([`Error::PageLimit`]).
#[derive(Debug, Clone)]
pub struct PageWalk {
    operation: &'static OperationDescriptor,
    style: Option<PageStyle>,
    /// The offset, cursor or token of the next page (`None`: the first page of a token walk).
    position: Option<PagePosition>,
    /// The page size sent (`None`: the server's default, token style only).
    size: Option<i64>,
    /// Whether the position parameter is an integer (else text).
    integer_position: bool,
    /// Cursors or tokens already fetched, at most `max_pages` of them.
    seen: HashSet<PagePosition>,
    pages: usize,
    max_pages: usize,
    done: bool,
}

/// Why a walk cannot go on after a page (the page's items are still the caller's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WalkStop {
    /// A page handed out a cursor or token already fetched ([`Error::RepeatedCursor`]).
    RepeatedCursor {
        /// The cursor or token handed out again.
        cursor: PagePosition,
        /// The pages fetched.
        pages: usize,
    },
    /// A page says more follow but gives no next cursor or token.
    MissingCursor,
    /// The walk reached its page cap ([`Error::PageLimit`]).
    PageLimit {
        /// The pages fetched.
        pages: usize,
    },
    /// A page handed out a token the request's integer parameter cannot carry.
    UnusableToken {
        /// The token handed out.
        token: PagePosition,
    },
}

impl WalkStop {
    /// The error a walk of `operation` ends with.
    pub fn into_error<C>(self, operation: &'static str) -> Error<C> {
        match self {
            WalkStop::RepeatedCursor { cursor, pages } => Error::RepeatedCursor { operation, cursor, pages },
            WalkStop::PageLimit { pages } => Error::PageLimit { operation, pages },
            WalkStop::MissingCursor => walk_decode_error(
                operation,
                "the page says more follow (has_more) but gives no next cursor or token; the walk cannot go on".into(),
            ),
            WalkStop::UnusableToken { token } => walk_decode_error(
                operation,
                format!(
                    "the page hands out the next token {token}, which the request's integer parameter cannot carry"
                ),
            ),
        }
    }
}

fn walk_decode_error<C>(operation: &'static str, why: String) -> Error<C> {
    Error::Decode(DecodeError {
        operation,
        status: 200,
        content_type: None,
        kind: DecodeErrorKind::Shape(why),
        snippet: String::new(),
        headers: Default::default(),
    })
}

impl PageWalk {
    /// A walk of `operation` from `position` (the offset, cursor or token; when absent 0 for
    /// offsets and cursors, none for tokens) in pages of `size` (when absent the spec's
    /// default page size, if it has one).
    pub fn new(operation: &'static OperationDescriptor, position: Option<PagePosition>, size: Option<i64>) -> Self {
        let pagination = operation.pagination;
        PageWalk {
            operation,
            style: pagination.map(|p| p.style),
            position: position.or_else(|| pagination.map_or(Some(PagePosition::Int(0)), |p| p.first_position())),
            size: size.or_else(|| pagination.map_or(Some(100), |p| p.max_page_size)),
            integer_position: pagination
                .and_then(|p| operation.param(p.position()))
                .is_none_or(|f| matches!(f.ty, ParamType::I32 | ParamType::I64)),
            seen: HashSet::new(),
            pages: 0,
            max_pages: DEFAULT_MAX_PAGES,
            done: false,
        }
    }

    /// Stops with [`Error::PageLimit`] after this many pages.
    pub fn max_pages(mut self, pages: usize) -> Self {
        self.max_pages = pages;
        self
    }

    /// The (position, size) of the next page to fetch; `Ok(None)` when the walk is over. A
    /// `None` inside leaves that parameter out of the request.
    #[allow(clippy::type_complexity)]
    pub fn next_page(&mut self) -> Result<Option<(Option<PagePosition>, Option<i64>)>, WalkStop> {
        if self.done {
            return Ok(None);
        }
        if self.pages >= self.max_pages {
            self.done = true;
            return Err(WalkStop::PageLimit { pages: self.pages });
        }
        Ok(Some((self.position.clone(), self.size)))
    }

    /// Takes in the page just fetched (at the position [`next_page`](Self::next_page) gave).
    pub fn record(&mut self, page: PageFacts) -> Result<(), WalkStop> {
        self.pages += 1;
        let more = match self.style {
            Some(PageStyle::Cursor { .. }) => page.has_more == Some(true),
            Some(PageStyle::Token { .. }) => page.has_more.unwrap_or(page.next.is_some()),
            Some(PageStyle::Offset { .. }) | None => return self.record_offset(page.items),
        };
        if let Some(position) = self.position.take() {
            self.seen.insert(position);
        }
        // The next position in the form the request's parameter takes (an integer parameter an
        // integer, a text one text), so that a repeat is seen whatever form the page used.
        let next = match page.next {
            Some(next) if self.integer_position => match next.to_int() {
                Some(n) => Some(PagePosition::Int(n)),
                None => {
                    self.done = true;
                    return Err(WalkStop::UnusableToken { token: next });
                }
            },
            Some(next) => Some(PagePosition::Str(next.to_text())),
            None => None,
        };
        match (more, next) {
            (false, _) => {
                self.done = true;
                Ok(())
            }
            (true, Some(next)) if self.seen.contains(&next) => {
                self.done = true;
                Err(WalkStop::RepeatedCursor { cursor: next, pages: self.pages })
            }
            (true, Some(next)) => {
                self.position = Some(next);
                Ok(())
            }
            (true, None) => {
                self.done = true;
                Err(WalkStop::MissingCursor)
            }
        }
    }

    fn record_offset(&mut self, items: usize) -> Result<(), WalkStop> {
        let count = i64::try_from(items).unwrap_or(i64::MAX);
        let at = self.position.as_ref().and_then(PagePosition::to_int).unwrap_or(0);
        let next = at.saturating_add(count);
        // Without a size any non-empty page may have a successor; an empty one ends the walk.
        let full = self.size.is_none_or(|size| count >= size);
        if count > 0 && full && next > at {
            self.position = Some(PagePosition::Int(next));
        } else {
            self.done = true;
        }
        Ok(())
    }

    /// Ends the walk: nothing more is fetched (after a page failed).
    pub fn finish(&mut self) {
        self.done = true;
    }

    /// The operation walked.
    pub fn operation(&self) -> &'static OperationDescriptor {
        self.operation
    }
}

/// Walks the pages of a paginated operation.
///
/// Starts at the request's offset, cursor or token (or the first page) with the request's size (or the spec's
/// maximum page size), with the stopping rules of [`PageWalk`].
pub struct Paginator<O: Paginated> {
    client: Client,
    request: O::Request,
    options: CallOptions,
    page_size: Option<i64>,
    max_pages: usize,
}

type PageResult<O> = Result<<O as Operation>::Response, Error<<O as Operation>::ErrorCode>>;
type ItemResult<O> = Result<<O as Paginated>::Item, Error<<O as Operation>::ErrorCode>>;

struct State<O: Paginated> {
    client: Client,
    request: O::Request,
    options: CallOptions,
    walk: PageWalk,
    /// An error to end the walk with, after the page that revealed it.
    pending: Option<Error<O::ErrorCode>>,
}

impl<O: Paginated> Paginator<O> {
    /// A paginator starting from `request`'s offset and size.
    pub fn new(client: Client, request: O::Request) -> Self {
        Paginator { client, request, options: CallOptions::default(), page_size: None, max_pages: DEFAULT_MAX_PAGES }
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

    /// The options of each page's call.
    pub fn options(mut self, options: CallOptions) -> Self {
        self.options = options;
        self
    }

    /// A lazy stream of pages (boxed, so it can be polled as it is).
    pub fn send(self) -> BoxStream<'static, PageResult<O>> {
        let (position, size) = O::page(&self.request);
        let walk = PageWalk::new(O::DESCRIPTOR, position, self.page_size.or(size)).max_pages(self.max_pages);
        let state =
            State::<O> { client: self.client, request: self.request, options: self.options, walk, pending: None };
        stream::unfold(state, |mut state| async move {
            if let Some(error) = state.pending.take() {
                return Some((Err(error), state));
            }
            let (position, size) = match state.walk.next_page() {
                Ok(Some(next)) => next,
                Ok(None) => return None,
                Err(stop) => return Some((Err(stop.into_error(O::DESCRIPTOR.id)), state)),
            };
            let mut request = state.request.clone();
            O::set_page(&mut request, position, size);
            let page = match state.client.send_with::<O>(request, &state.options).await {
                Ok(page) => page,
                Err(e) => {
                    state.walk.finish();
                    return Some((Err(e), state));
                }
            };
            let facts =
                PageFacts { items: O::item_count(&page), has_more: O::has_more(&page), next: O::next_position(&page) };
            // The page's items are handed out first; a bad cursor ends the walk after them.
            if let Err(stop) = state.walk.record(facts) {
                state.pending = Some(stop.into_error(O::DESCRIPTOR.id));
            }
            Some((Ok(page), state))
        })
        .boxed()
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
