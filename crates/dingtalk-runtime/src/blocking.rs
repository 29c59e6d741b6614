//! A blocking facade over the async client, for programs without an async runtime.
//!
//! It runs the very same operations and send loop on a private current-thread Tokio runtime.
//! Do not use it from inside an async runtime (it would block that runtime's thread). A
//! generated crate wraps it as `blocking::Client`, with a method per operation.

use std::sync::Arc;

use futures_util::StreamExt;
use serde_json::{Map, Value};

use crate::error::{CallError, Error};
use crate::operation::{Operation, OperationDescriptor, OperationRequest, Paginated};
use crate::options::CallOptions;
use crate::paginate::Paginator;

/// A blocking client. Cheap to clone; clones share the runtime and the connection pool.
#[derive(Clone, Debug)]
pub struct Client {
    inner: crate::Client,
    runtime: Arc<tokio::runtime::Runtime>,
}

type Outcome<O> = Result<<O as Operation>::Response, Error<<O as Operation>::ErrorCode>>;

impl Client {
    /// A blocking client over `inner`, on a private current-thread runtime.
    pub fn new(inner: crate::Client) -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        Ok(Client { inner, runtime: Arc::new(runtime) })
    }

    /// The async client underneath.
    pub fn async_client(&self) -> &crate::Client {
        &self.inner
    }

    /// Calls the operation a request belongs to.
    pub fn execute<R: OperationRequest>(&self, request: R) -> Outcome<R::Operation> {
        self.runtime.block_on(self.inner.execute(request))
    }

    /// Calls a typed operation with its request.
    pub fn send<O: Operation>(&self, request: O::Request) -> Outcome<O> {
        self.runtime.block_on(self.inner.send::<O>(request))
    }

    /// Calls a typed operation with its request and the options of this one call.
    pub fn send_with<O: Operation>(&self, request: O::Request, options: &CallOptions) -> Outcome<O> {
        self.runtime.block_on(self.inner.send_with::<O>(request, options))
    }

    /// [`crate::Client::call`], blocking.
    pub fn call(&self, op: &'static OperationDescriptor, params: Map<String, Value>) -> Result<Value, CallError> {
        self.runtime.block_on(self.inner.call(op, params))
    }

    /// Every item of every page, or the first error.
    pub fn collect_all<O: Paginated>(&self, request: O::Request) -> Result<Vec<O::Item>, Error<O::ErrorCode>> {
        self.runtime.block_on(Paginator::<O>::new(self.inner.clone(), request).collect_all())
    }

    /// The pages, fetched one at a time as the iterator is advanced.
    pub fn pages<O: Paginated>(&self, request: O::Request) -> impl Iterator<Item = Outcome<O>> + use<O> {
        let runtime = self.runtime.clone();
        let mut pages = Paginator::<O>::new(self.inner.clone(), request).send();
        std::iter::from_fn(move || runtime.block_on(pages.next()))
    }

    /// The items of every page, fetched a page at a time as the iterator is advanced.
    pub fn items<O: Paginated>(
        &self,
        request: O::Request,
    ) -> impl Iterator<Item = Result<O::Item, Error<O::ErrorCode>>> + use<O> {
        let runtime = self.runtime.clone();
        let mut items = Paginator::<O>::new(self.inner.clone(), request).items();
        std::iter::from_fn(move || runtime.block_on(items.next()))
    }
}
