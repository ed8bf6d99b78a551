//! Drives the "udp_echo" example: the largest IPv4 datagram comes back whole, and each sender
//! gets its own datagrams back.

use std::net::UdpSocket;
use std::time::Duration;

use crate::process::ExampleProcess;

use super::{Suite, cases};

pub const SUITE: Suite = Suite {
    name: "udp_echo",
    examples: &["udp_echo"],
    cases: cases![a_65507_byte_datagram_comes_back_whole, each_sender_gets_its_own_datagrams_back,],
};

const SERVER: &str = "udp_echo";
const STOP: Duration = Duration::from_secs(10);
/// The largest UDP payload over IPv4: 65,535 - 20 (IP header) - 8 (UDP header).
const MAX_IPV4_PAYLOAD: usize = 65_507;

/// A socket on loopback whose receives give up after 5 s instead of hanging the test.
fn client() -> UdpSocket {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind a client socket");
    socket.set_read_timeout(Some(Duration::from_secs(5))).expect("set a read timeout");
    socket
}

fn a_65507_byte_datagram_comes_back_whole(manifest_dir: &str) {
    let (server, addr) = ExampleProcess::start_server(manifest_dir, SERVER, &["127.0.0.1:0"]);
    let socket = client();
    let sent: Vec<u8> = (0..MAX_IPV4_PAYLOAD).map(|i| (i % 251) as u8).collect();
    assert_eq!(socket.send_to(&sent, addr).unwrap(), MAX_IPV4_PAYLOAD);

    // One byte more than can come, so a datagram padded or cut would show in the length.
    let mut buffer = vec![0u8; MAX_IPV4_PAYLOAD + 1];
    let (len, from) = socket.recv_from(&mut buffer).expect("no echo within 5 s");
    assert_eq!(from, addr);
    assert_eq!(len, MAX_IPV4_PAYLOAD, "the echo was cut or padded");
    assert!(buffer[..len] == sent[..], "the echo has different bytes");
    server.stop(STOP);
}

fn each_sender_gets_its_own_datagrams_back(manifest_dir: &str) {
    let (server, addr) = ExampleProcess::start_server(manifest_dir, SERVER, &["127.0.0.1:0"]);
    let alice = client();
    let bob = client();
    for round in 0..3 {
        let from_alice = format!("alice {round}");
        let from_bob = format!("bob {round}");
        alice.send_to(from_alice.as_bytes(), addr).unwrap();
        bob.send_to(from_bob.as_bytes(), addr).unwrap();

        let mut buffer = [0u8; 64];
        let (len, from) = alice.recv_from(&mut buffer).expect("alice got no echo");
        assert_eq!((from, &buffer[..len]), (addr, from_alice.as_bytes()));
        let (len, from) = bob.recv_from(&mut buffer).expect("bob got no echo");
        assert_eq!((from, &buffer[..len]), (addr, from_bob.as_bytes()));
    }
    // An empty datagram is a datagram too.
    alice.send_to(&[], addr).unwrap();
    let mut buffer = [0u8; 64];
    let (len, from) = alice.recv_from(&mut buffer).expect("no echo of the empty datagram");
    assert_eq!((from, len), (addr, 0));
    server.stop(STOP);
}
