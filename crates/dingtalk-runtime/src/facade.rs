//! The client types of a generated crate.
//!
//! Generated operations add fluent methods (`client.list_label_groups().size(20)`) to a
//! `Client` and a `RequestBuilder`. Rust lets a crate add methods only to its own types, so
//! each generated crate declares them with [`client_facade!`]: thin wrappers over this
//! runtime's [`Client`](crate::Client), written once here instead of by hand in every crate.

/// Declares `Client`, `RequestBuilder` and (with the invoking crate's `blocking` feature)
/// `blocking::Client` for the service `$service` (a `ServiceDescriptor` static).
///
/// The generator invokes it in the generated root module; nothing else should.
#[macro_export]
macro_rules! client_facade {
    ($service:path) => {
        $crate::client_facade!($service, []);
    };
    ($service:path, [$($other:path),* $(,)?]) => {
        /// A client of this service. Cheap to clone: clones share one connection pool and token
        /// cache. Every operation has a method here; calls chosen at run time go through
        /// [`call`](dingtalk_runtime::Client::call) of the runtime client it dereferences to.
        #[derive(Clone, Debug)]
        pub struct Client($crate::Client);

        impl Client {
            /// Configures a client: a server by name or any base URL, a token provider,
            /// timeouts, retries, a body cap.
            pub fn builder() -> ClientBuilder {
                static OTHERS: &[&$crate::ServiceDescriptor] = &[$(&$other),*];
                ClientBuilder($crate::ClientBuilder::new(&$service).other_services(OTHERS))
            }

            /// The runtime client underneath.
            pub fn runtime(&self) -> &$crate::Client {
                &self.0
            }

            /// The same client (same connection pool) with another token provider, e.g. for
            /// another organization of a third-party app.
            pub fn with_token_provider(&self, provider: impl $crate::TokenProvider) -> Client {
                Client(self.0.with_token_provider(provider))
            }
        }

        /// Configures a [`Client`]: the runtime's [`ClientBuilder`]($crate::ClientBuilder) with,
        /// besides its methods, a `<service>_base_url` method per other service of the spec.
        #[derive(Debug)]
        pub struct ClientBuilder($crate::ClientBuilder<Client>);

        $crate::__forward_builder! {
            limits(limits: $crate::Limits);
            limit_store(store: std::sync::Arc<dyn $crate::LimitStore>);
            server(name: impl Into<String>);
            base_url(url: impl Into<String>);
            service_base_url(service_id: impl Into<String>, url: impl Into<String>);
            connect_timeout(d: std::time::Duration);
            timeout(d: std::time::Duration);
            retry(policy: $crate::RetryPolicy);
            user_agent(ua: impl Into<String>);
            token_provider(provider: impl $crate::TokenProvider);
            shared_token_provider(provider: std::sync::Arc<dyn $crate::TokenProvider>);
            access_token(token: impl Into<String>);
            max_response_bytes(n: usize);
            allow_insecure_http(allow: bool);
            transport(transport: impl $crate::transport::Transport);
            timer(timer: impl $crate::time::Timer);
            retry_classifier(classifier: impl $crate::retry::RetryClassifier);
            interceptor(interceptor: impl $crate::Interceptor);
        }

        impl ClientBuilder {
            /// The client, or why it cannot be built (see [`ClientBuilder::build`]($crate::ClientBuilder::build)).
            pub fn build(self) -> Result<Client, $crate::BuildError> {
                self.0.build()
            }

            /// The runtime's builder underneath.
            pub fn into_runtime(self) -> $crate::ClientBuilder<Client> {
                self.0
            }
        }

        impl Default for Client {
            /// A client for the service's default server, with no token provider.
            fn default() -> Self {
                Client::builder().build().expect("the spec's default server is a valid https URL")
            }
        }

        impl From<$crate::Client> for Client {
            fn from(client: $crate::Client) -> Self {
                Client(client)
            }
        }

        impl std::ops::Deref for Client {
            type Target = $crate::Client;

            fn deref(&self) -> &$crate::Client {
                &self.0
            }
        }

        /// The engine of every operation's own builder (`GetUserBuilder`, …): a client, the
        /// request and the call's options. Use the operation's builder; this one has no setters.
        ///
        /// `C` is the client flavour: [`Client`] (async) or `blocking::Client`.
        pub struct RequestBuilder<O: $crate::Operation, C = Client> {
            client: C,
            request: O::Request,
            options: $crate::CallOptions,
        }

        impl<O: $crate::Operation, C> RequestBuilder<O, C> {
            /// A call of `O` with an empty request, on `client`.
            pub fn new(client: C) -> Self {
                RequestBuilder { client, request: Default::default(), options: Default::default() }
            }

            /// A call of `O` with `request`, on `client`.
            pub fn from_request(client: C, request: O::Request) -> Self {
                RequestBuilder { client, request, options: Default::default() }
            }

            /// The same call with the request changed by `f` (what an operation's builder's
            /// setters do).
            #[doc(hidden)]
            pub fn map_request(mut self, f: impl FnOnce(O::Request) -> O::Request) -> Self {
                self.request = f(self.request);
                self
            }

            /// Options of this call only: a timeout, a retry policy, headers, interceptors.
            pub fn with_options(mut self, options: $crate::CallOptions) -> Self {
                self.options = options;
                self
            }

            /// The request as built so far.
            pub fn request(&self) -> &O::Request {
                &self.request
            }

            /// Replaces the whole request.
            pub fn set_request(mut self, request: O::Request) -> Self {
                self.request = request;
                self
            }
        }

        impl<O: $crate::Operation, C> std::fmt::Debug for RequestBuilder<O, C> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct("RequestBuilder")
                    .field("operation", &O::DESCRIPTOR.name)
                    .field("request", &self.request)
                    .field("options", &self.options)
                    .finish()
            }
        }

        impl<O: $crate::Operation> RequestBuilder<O, Client> {
            /// Sends the call.
            pub async fn send(self) -> Result<O::Response, $crate::Error<O::ErrorCode>> {
                self.client.0.send_with::<O>(self.request, &self.options).await
            }
        }

        impl<O: $crate::Paginated> RequestBuilder<O, Client> {
            /// Walks every page, starting from this request's offset and size.
            pub fn into_paginator(self) -> $crate::Paginator<O> {
                $crate::Paginator::new(self.client.0, self.request).options(self.options)
            }
        }

        /// A blocking facade over [`Client`], for programs without an async runtime.
        #[cfg(feature = "blocking")]
        pub mod blocking {
            /// A blocking client. Cheap to clone; clones share the runtime and the pool.
            #[derive(Clone, Debug)]
            pub struct Client(pub(super) $crate::blocking::Client);

            impl Client {
                /// A blocking client over `inner`, on a private current-thread runtime. Do not
                /// use it from inside an async runtime (it would block that runtime's thread).
                pub fn new(inner: super::Client) -> std::io::Result<Self> {
                    Ok(Client($crate::blocking::Client::new(inner.0)?))
                }
            }

            impl std::ops::Deref for Client {
                type Target = $crate::blocking::Client;

                fn deref(&self) -> &$crate::blocking::Client {
                    &self.0
                }
            }
        }

        #[cfg(feature = "blocking")]
        impl<O: $crate::Operation> RequestBuilder<O, blocking::Client> {
            /// Sends the call and waits for the answer.
            pub fn send(self) -> Result<O::Response, $crate::Error<O::ErrorCode>> {
                self.client.0.send_with::<O>(self.request, &self.options)
            }
        }

        #[cfg(feature = "blocking")]
        impl<O: $crate::Paginated> RequestBuilder<O, blocking::Client> {
            /// Every item of every page, or the first error.
            pub fn collect_all(self) -> Result<Vec<O::Item>, $crate::Error<O::ErrorCode>> {
                self.client.0.collect_all::<O>(self.request)
            }

            /// The pages, fetched one at a time as the iterator is advanced.
            pub fn pages(self) -> impl Iterator<Item = Result<O::Response, $crate::Error<O::ErrorCode>>> {
                self.client.0.pages::<O>(self.request)
            }

            /// The items of every page, fetched a page at a time as the iterator is advanced.
            pub fn items(self) -> impl Iterator<Item = Result<O::Item, $crate::Error<O::ErrorCode>>> {
                self.client.0.items::<O>(self.request)
            }
        }
    };
}

/// The methods of a generated `ClientBuilder`, each handing its arguments to the runtime's
/// builder of the same name (whose documentation it links).
#[doc(hidden)]
#[macro_export]
macro_rules! __forward_builder {
    ($($name:ident($($arg:ident: $ty:ty),*);)*) => {
        impl ClientBuilder {
            $(
                #[doc = concat!("See [`ClientBuilder::", stringify!($name), "`](dingtalk_runtime::ClientBuilder::", stringify!($name), ").")]
                pub fn $name(self, $($arg: $ty),*) -> Self {
                    ClientBuilder(self.0.$name($($arg),*))
                }
            )*
        }
    };
}

/// The methods every operation's builder has, around the generated crate's `RequestBuilder`:
/// `with_options`, `request`, `send` (async, and blocking with the crate's `blocking`
/// feature) and, for a paginated operation, the paginators.
///
/// The generator invokes it beside each operation's builder struct (`pub struct
/// GetUserBuilder<C> { inner: RequestBuilder<GetUser, C> }`), whose setters
/// `#[derive(Setters)]` writes. The generated root module is `crate::generated`.
#[doc(hidden)]
#[macro_export]
// `crate::generated` is meant: the crate invoking the macro, where the generator puts its code.
#[allow(clippy::crate_in_macro_def)]
macro_rules! op_builder {
    ($builder:ident, $op:ident) => {
        $crate::op_builder!(@common $builder, $op, crate::generated);
    };
    ($builder:ident, $op:ident, paginated) => {
        $crate::op_builder!(@common $builder, $op, crate::generated);
        $crate::op_builder!(@paginated $builder, $op, crate::generated);
    };
    (@common $builder:ident, $op:ident, $root:path) => {
        const _: () = {
            use $root as root;

            impl<C> $builder<C> {
                /// A call with `request` (its required parameters already set), on `client`.
                pub fn from_request(client: C, request: <$op as $crate::Operation>::Request) -> Self {
                    $builder { inner: root::RequestBuilder::from_request(client, request) }
                }

                /// Options of this call only: a timeout, a retry policy, headers, interceptors.
                pub fn with_options(self, options: $crate::CallOptions) -> Self {
                    $builder { inner: self.inner.with_options(options) }
                }

                /// The request as built so far.
                pub fn request(&self) -> &<$op as $crate::Operation>::Request {
                    self.inner.request()
                }
            }

            impl $builder<root::Client> {
                /// Sends the call.
                pub async fn send(
                    self,
                ) -> Result<<$op as $crate::Operation>::Response, $crate::Error<<$op as $crate::Operation>::ErrorCode>> {
                    self.inner.send().await
                }
            }

            #[cfg(feature = "blocking")]
            impl $builder<root::blocking::Client> {
                /// Sends the call and waits for the answer.
                pub fn send(
                    self,
                ) -> Result<<$op as $crate::Operation>::Response, $crate::Error<<$op as $crate::Operation>::ErrorCode>> {
                    self.inner.send()
                }
            }

            impl<C> std::fmt::Debug for $builder<C> {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    std::fmt::Debug::fmt(&self.inner, f)
                }
            }
        };
    };
    (@paginated $builder:ident, $op:ident, $root:path) => {
        const _: () = {
            use $root as root;

            impl $builder<root::Client> {
                /// Walks every page, starting from this request's position and size.
                pub fn into_paginator(self) -> $crate::Paginator<$op> {
                    self.inner.into_paginator()
                }
            }

            #[cfg(feature = "blocking")]
            impl $builder<root::blocking::Client> {
                /// Every item of every page, or the first error.
                pub fn collect_all(
                    self,
                ) -> Result<Vec<<$op as $crate::Paginated>::Item>, $crate::Error<<$op as $crate::Operation>::ErrorCode>> {
                    self.inner.collect_all()
                }

                /// The pages, fetched one at a time as the iterator is advanced.
                pub fn pages(
                    self,
                ) -> impl Iterator<
                    Item = Result<<$op as $crate::Operation>::Response, $crate::Error<<$op as $crate::Operation>::ErrorCode>>,
                > {
                    self.inner.pages()
                }

                /// The items of every page, fetched a page at a time as the iterator is advanced.
                pub fn items(
                    self,
                ) -> impl Iterator<
                    Item = Result<<$op as $crate::Paginated>::Item, $crate::Error<<$op as $crate::Operation>::ErrorCode>>,
                > {
                    self.inner.items()
                }
            }
        };
    };
}
