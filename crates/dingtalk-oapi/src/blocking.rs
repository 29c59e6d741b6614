//! A blocking facade over the async client, for programs without an async runtime.
//!
//! It runs the very same generated operations and runtime on a private current-thread Tokio
//! runtime. Do not use it from inside an async runtime (it would block that runtime's thread).
//!
//! ```
//! # let runtime = tokio::runtime::Runtime::new()?;
//! # let server = runtime.block_on(dingtalk_mock::MockServer::builder().access_token("token").start())?;
//! let client = dingtalk_oapi::blocking::Client::new(
//!     dingtalk_oapi::Client::builder().base_url(server.url()).access_token("token").build()?,
//! )?;
//! let page = client.list_label_groups().size(20).send()?;
//! assert_eq!(page.results.len(), 4);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::sync::Arc;

use futures_util::StreamExt;

use crate::client::RequestBuilder;
use crate::error::Error;
use crate::operation::{Operation, OperationRequest, Paginated};

/// A blocking client. Cheap to clone; clones share the runtime and the connection pool.
#[derive(Clone, Debug)]
pub struct Client {
    inner: crate::Client,
    runtime: Arc<tokio::runtime::Runtime>,
}

impl Client {
    pub fn new(inner: crate::Client) -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        Ok(Client { inner, runtime: Arc::new(runtime) })
    }

    /// The async client underneath.
    pub fn async_client(&self) -> &crate::Client {
        &self.inner
    }

    /// Calls the operation a request belongs to.
    pub fn execute<R: OperationRequest>(
        &self,
        request: R,
    ) -> Result<<R::Operation as Operation>::Response, Error<<R::Operation as Operation>::ErrorCode>> {
        self.runtime.block_on(self.inner.send::<R::Operation>(request))
    }
}

impl<O: Operation> RequestBuilder<O, Client> {
    /// Sends the call and waits for the answer.
    pub fn send(self) -> Result<O::Response, Error<O::ErrorCode>> {
        self.client.runtime.block_on(self.client.inner.send::<O>(self.request))
    }
}

impl<O: Paginated> RequestBuilder<O, Client> {
    fn paginator(self) -> (crate::Paginator<O>, Arc<tokio::runtime::Runtime>) {
        let runtime = self.client.runtime.clone();
        let builder = RequestBuilder::<O, crate::Client>::new(self.client.inner).set_request(self.request);
        (builder.into_paginator(), runtime)
    }

    /// Every item of every page, or the first error.
    pub fn collect_all(self) -> Result<Vec<O::Item>, Error<O::ErrorCode>> {
        let (paginator, runtime) = self.paginator();
        runtime.block_on(paginator.collect_all())
    }

    /// The pages, fetched one at a time as the iterator is advanced.
    pub fn pages(self) -> impl Iterator<Item = Result<O::Response, Error<O::ErrorCode>>> {
        let (paginator, runtime) = self.paginator();
        let mut pages = paginator.send();
        std::iter::from_fn(move || runtime.block_on(pages.next()))
    }

    /// The items of every page, fetched a page at a time as the iterator is advanced.
    pub fn items(self) -> impl Iterator<Item = Result<O::Item, Error<O::ErrorCode>>> {
        let (paginator, runtime) = self.paginator();
        let mut items = paginator.items();
        std::iter::from_fn(move || runtime.block_on(items.next()))
    }
}
