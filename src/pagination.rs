//! Auto-pagination: every list operation's builder gets `stream()` / `stream_pages_of(n)`,
//! a [`Stream`] of items that fetches pages lazily.
//!
//! The Agni API pages three ways: `limit`/`offset` with `meta.total` (agents, tools, contacts,
//! campaigns, campaign contacts, voices), `page`/`page_size` without `meta` (call sessions, whose
//! items sit in `data.callSessions`), and not at all (every other list answers in one response).
//! One paginator, [`paginate`], serves all three; the per-operation glue below only says which
//! scheme an operation uses and where its items are. Memory stays proportional to one page:
//! the stream holds the current page and nothing else.
//!
//! A page stops the stream when it is empty, when `meta.total` (a number or, as the service
//! sends 64-bit integers, a numeric string) says everything has been seen, or — without a
//! total — when it is shorter than the page size. An error (after the client's retries) is
//! yielded as an item and ends the stream.
//!
//! ```no_run
//! use agni::prelude::*;
//!
//! # async fn run(client: &agni::Client) -> Result<(), agni::Error> {
//! let mut contacts = std::pin::pin!(client.list_contacts().search("smith").stream_pages_of(200));
//! while let Some(contact) = contacts.try_next().await? {
//!     println!("{:?}", contact.email);
//! }
//! # Ok(())
//! # }
//! ```

use std::future::Future;

pub use futures_util::Stream;
use futures_util::stream;

use crate::{Error, builder, types};

/// Page size used by `stream()`; the API's own default is smaller and its cap varies by list.
pub const DEFAULT_PAGE_SIZE: u32 = 100;

/// One page of a list: its items and, when the API says, how many exist in all.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// `meta.total`, when the response carries it.
    pub total: Option<u64>,
}

/// A list operation's response type, turned into a [`Page`].
pub trait ListResponse {
    /// The type of one listed item.
    type Item;
    /// Takes the items (and the total, if any) out of the response.
    fn into_page(self) -> Page<Self::Item>;
}

/// How an operation is paged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paging {
    /// `limit` and `offset` query parameters.
    Offset,
    /// `page` (from 1) and `page_size` query parameters.
    PageNumber,
    /// No paging: one request returns the whole list.
    Single,
}

/// Which page to fetch next, in both numbering schemes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// Items per page.
    pub size: u32,
    /// Items to skip (offset paging).
    pub offset: u64,
    /// Page number from 1 (page-number paging).
    pub number: u32,
}

struct State<F, T> {
    fetch: F,
    paging: Paging,
    next: Option<PageRequest>,
    buffer: std::vec::IntoIter<T>,
}

/// Streams the items of a list, calling `fetch` for each page as the consumer gets to it.
///
/// ```
/// use agni::pagination::{Page, Paging, paginate};
/// use agni::prelude::*;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// // A list of 250 numbers, served 100 at a time.
/// let items = paginate(100, Paging::Offset, |request| async move {
///     let start = request.offset;
///     let end = (start + u64::from(request.size)).min(250);
///     Ok::<_, agni::Error>(Page { items: (start..end).collect(), total: Some(250) })
/// });
/// let all: Vec<u64> = items.try_collect().await.unwrap();
/// assert_eq!(all.len(), 250);
/// # }
/// ```
pub fn paginate<T, F, Fut>(
    page_size: u32,
    paging: Paging,
    fetch: F,
) -> impl Stream<Item = Result<T, Error>>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: Future<Output = Result<Page<T>, Error>>,
{
    let size = page_size.max(1);
    let state = State {
        fetch,
        paging,
        next: Some(PageRequest {
            size,
            offset: 0,
            number: 1,
        }),
        buffer: Vec::new().into_iter(),
    };
    stream::unfold(state, |mut state| async move {
        loop {
            if let Some(item) = state.buffer.next() {
                return Some((Ok(item), state));
            }
            let request = state.next.take()?;
            let page = match (state.fetch)(request).await {
                Ok(page) => page,
                // `next` stays empty, so the stream ends after reporting the error.
                Err(error) => return Some((Err(error), state)),
            };
            let received = page.items.len() as u64;
            let seen = request.offset + received;
            let more = state.paging != Paging::Single
                && received > 0
                && match page.total {
                    Some(total) => seen < total,
                    None => received >= u64::from(request.size),
                };
            if more {
                state.next = Some(PageRequest {
                    size: request.size,
                    offset: seen,
                    number: request.number + 1,
                });
            }
            state.buffer = page.items.into_iter();
        }
    })
}

fn total(meta: Option<types::Meta>) -> Option<u64> {
    meta.and_then(|meta| meta.total)
        .and_then(|total| u64::try_from(total).ok())
}

/// Where each list response keeps its items.
macro_rules! list_responses {
    ($( $response:ident => $item:ty : |$r:ident| $items:expr, $total:expr; )*) => {$(
        impl ListResponse for types::$response {
            type Item = $item;
            fn into_page(self) -> Page<$item> {
                let $r = self;
                Page { total: $total, items: $items }
            }
        }
    )*};
}

list_responses! {
    ListAgentsResponse => types::Agent: |r| r.data, total(r.meta);
    ListAgentToolsResponse => types::AgentTool: |r| r.data, total(r.meta);
    ListContactsResponse => types::Contact: |r| r.data, total(r.meta);
    ListCampaignsResponse => types::Campaign: |r| r.data, total(r.meta);
    ListCampaignContactsResponse => types::CampaignContact: |r| r.data, total(r.meta);
    ListVoicesResponse => types::Voice: |r| r.data, total(r.meta);
    ListCallSessionsResponse => types::CallSession: |r| r.data.map(|d| d.call_sessions).unwrap_or_default(), None;
    ListWidgetSettingsResponse => types::WidgetSettings: |r| r.data, None;
    ListAvailableNumbersResponse => types::PhoneNumber: |r| r.data, None;
    ListPurchasedNumbersResponse => types::PurchasedNumber: |r| r.data, None;
    ListImportedPhoneNumbersResponse => types::ImportedPhoneNumber: |r| r.data, None;
    ListTwilioOwnedNumbersResponse => types::ListTwilioOwnedNumbersResponseDataItem: |r| r.data, None;
    ListCalcomEventTypesResponse => types::CalcomEventType: |r| r.data, None;
    ListCalcomAppointmentsResponse => types::CalcomAppointment: |r| r.data.map(|d| d.appointments).unwrap_or_default(), None;
    ListGhlAppointmentsResponse => types::GhlAppointment: |r| r.data.map(|d| d.appointments).unwrap_or_default(), None;
    ListGhlCalendarsResponse => types::GhlCalendar: |r| r.data.map(|d| d.calendars).unwrap_or_default(), None;
    ContactNotesResponse => types::ContactNote: |r| r.data, total(r.meta);
    ListDocumentsResponse => types::Document: |r| r.data, total(r.meta);
    ListKnowledgeBasesResponse => types::KnowledgeBaseSummary: |r| r.data, total(r.meta);
    ExclusionsResponse => String: |r| r.data.map(|d| d.urls).unwrap_or_default(), total(r.meta);
}

/// `stream()` and `stream_pages_of(n)` on each list builder, by paging scheme.
macro_rules! streams {
    ($paging:ident: $( $builder:ident => $response:ident ),* $(,)? |$b:ident, $req:ident| $set:expr) => {$(
        impl<'a> builder::$builder<'a> {
            /// Streams every item of the list, fetching pages of
            /// [`DEFAULT_PAGE_SIZE`](crate::pagination::DEFAULT_PAGE_SIZE) as they are consumed.
            /// Filters set on the builder apply to every page.
            pub fn stream(self) -> impl Stream<Item = Result<<types::$response as ListResponse>::Item, Error>> + 'a {
                self.stream_pages_of(DEFAULT_PAGE_SIZE)
            }

            /// Like `stream()`, fetching `page_size` items per request.
            pub fn stream_pages_of(
                self,
                page_size: u32,
            ) -> impl Stream<Item = Result<<types::$response as ListResponse>::Item, Error>> + 'a {
                paginate(page_size, Paging::$paging, move |$req: PageRequest| {
                    let $b = self.clone();
                    async move { Ok($set.send().await?.into_inner().into_page()) }
                })
            }
        }
    )*};
}

streams!(Offset: ListAgents => ListAgentsResponse, ListAgentTools => ListAgentToolsResponse,
    ListContacts => ListContactsResponse, ListCampaigns => ListCampaignsResponse,
    ListCampaignContacts => ListCampaignContactsResponse, ListVoices => ListVoicesResponse,
    |b, req| b.limit(req.size).offset(req.offset));
streams!(PageNumber: ListCallSessions => ListCallSessionsResponse,
    |b, req| b.page(req.number).page_size(req.size));
// One request answers with everything; `page_size` is ignored.
streams!(Single: ListWidgetSettings => ListWidgetSettingsResponse,
    ListAvailableNumbers => ListAvailableNumbersResponse,
    ListPurchasedNumbers => ListPurchasedNumbersResponse,
    ListImportedPhoneNumbers => ListImportedPhoneNumbersResponse,
    ListTwilioOwnedNumbers => ListTwilioOwnedNumbersResponse,
    ListCalcomEventTypes => ListCalcomEventTypesResponse,
    ListCalcomAppointments => ListCalcomAppointmentsResponse,
    ListGhlAppointments => ListGhlAppointmentsResponse,
    ListGhlCalendars => ListGhlCalendarsResponse,
    ListContactNotes => ContactNotesResponse, ListDocuments => ListDocumentsResponse,
    ListKnowledgeBases => ListKnowledgeBasesResponse, ListExclusions => ExclusionsResponse,
    |b, _req| b);
