//! Drives the "http_client" example against one-shot std servers: bodies framed each way, a
//! non-UTF-8 body, lying and silent servers, bad URLs. The cases live once, for every runtime, in
//! `shared/src/suites/http_client.rs`; its run without a URL is checked by
//! tests/expected/http_client.stdout.

shared::http_client_suite!();
