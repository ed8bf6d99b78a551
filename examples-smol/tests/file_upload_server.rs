//! Drives the "file_upload_server" example with raw hostile std clients and with the
//! "upload_client" example: names that are paths, lengths that are lies, short and aborted
//! bodies, overwrites, stalls, concurrency, and shutdown mid-upload. The cases live once, for
//! every runtime, in `shared/src/suites/file_upload_server.rs`.

shared::file_upload_server_suite!();
