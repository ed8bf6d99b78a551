//! Drives the "udp_echo" example with std clients: the largest IPv4 datagram comes back whole,
//! and each sender gets its own datagrams back. The cases live once, for every runtime, in
//! `shared/src/suites/udp_echo.rs`.

shared::udp_echo_suite!();
