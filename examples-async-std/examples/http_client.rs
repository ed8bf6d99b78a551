//! HTTP/1.1 GET on a bare `TcpStream`, and the three ways a response body can end.
//! Legacy: discontinued (RUSTSEC-2025-0052); smol twin: examples-smol/examples/http_client.rs
//!
//! A body ends by `Content-Length`, by `Transfer-Encoding: chunked`, or else when the server
//! closes; a client that knows only one reads garbage or hangs. A server can lie or stall: hence
//! one deadline, capped head and body; `reqwest`, `hyper` do it for real. Next to smol:
//! - `future::timeout` for a `Timer` race; a dropped `JoinHandle` detaches (a smol `Task` cancels).
//! - async-std's `BufReader` does not pass writes through, and `close` only flushes: `shutdown`.
//!
//! Guide: 教程 网络编程 (HTTP 客户端示例); what it gets wrong: README, Errata.
//! ```text
//! cargo run -p examples-async-std --example http_client
//! cargo run -p examples-async-std --example http_client -- http://127.0.0.1:8000 --timeout-ms 2000
//! ```
//! Without a URL it starts a server of its own. Prints the status line, `body: <N> bytes, <how>`,
//! and the body (or `<N bytes, not UTF-8>`); an error exits 1.
//!
//! ```toml
//! [dependencies]
//! async-std = "1"
//! httparse = "1"
//! url = "2"
//! clap = { version = "4", features = ["derive"] }
//! anyhow = "1"
//! ```

use std::net::Shutdown;
use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};
use async_std::future::timeout;
use async_std::io::BufReader;
use async_std::net::{TcpListener, TcpStream};
use async_std::prelude::*;
use async_std::task;
use clap::Parser;
use url::{Position, Url};

/// Status line and headers together; the trailers of a chunked body get as much again.
const MAX_HEAD_BYTES: usize = 64 * 1024;
const MAX_HEADERS: usize = 100;
/// The largest body we are willing to hold in memory.
const MAX_BODY_BYTES: u64 = 16 * 1024 * 1024;

/// Sends a GET for `url`; returns the status line, how the body was framed, and the body.
async fn fetch(url: &Url) -> anyhow::Result<(String, &'static str, Vec<u8>)> {
    // IPv6 hosts come bracketed (`[::1]`); connect wants the bare address.
    let host = url.host_str().context("no host")?.trim_start_matches('[').trim_end_matches(']');
    let stream = TcpStream::connect((host, url.port_or_known_default().unwrap_or(80))).await;
    let authority = &url[Position::BeforeHost..Position::BeforePath];
    let mut stream = stream.with_context(|| format!("cannot connect to {authority}"))?;
    // `Connection: close`: the server closes after this response, so a body without length or
    // chunks still ends, and nobody waits on a kept-alive connection.
    let path = &url[Position::BeforePath..Position::AfterQuery];
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: http_client-example\r\n\
         Accept: */*\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await?;
    let mut stream = BufReader::new(stream); // only reads: async-std's passes no writes through

    let (status_line, status, headers) = loop {
        let head = read_head(&mut stream).await?;
        match head.1 {
            // Interim responses (103 Early Hints): the real one follows.
            100 | 102..=199 => continue,
            101 => bail!("the server switched protocols, which this GET never asked for"),
            _ => break head,
        }
    };
    let values = |name: &'static str| {
        let named = headers.iter().filter(move |(n, _)| n.eq_ignore_ascii_case(name));
        named.flat_map(|(_, v)| v.split(',')).map(str::trim)
    };
    let mut body = Vec::new();
    // Transfer-Encoding overrides Content-Length; chunked must be its last coding.
    let coding = values("transfer-encoding").next_back();
    let framing = if status == 204 || status == 304 {
        "none allowed for this status"
    } else if coding.is_some_and(|coding| coding.eq_ignore_ascii_case("chunked")) {
        read_chunked(&mut stream, &mut body).await?;
        "chunked"
    } else if let (None, Some(length)) = (coding, content_length(values("content-length"))?) {
        let limit =
            format!("the body would be {length} bytes, over the {MAX_BODY_BYTES}-byte limit");
        ensure!(length <= MAX_BODY_BYTES, limit);
        let got = (&mut stream).take(length).read_to_end(&mut body).await?;
        ensure!(got as u64 == length, "the server closed after {got} of {length} body bytes");
        "Content-Length"
    } else {
        // Neither, or another coding last: the body runs until the server closes.
        (&mut stream).take(MAX_BODY_BYTES + 1).read_to_end(&mut body).await?;
        let limit = format!("the body is over the {MAX_BODY_BYTES}-byte limit");
        ensure!(body.len() as u64 <= MAX_BODY_BYTES, limit);
        "read until the server closed"
    };
    Ok((status_line, framing, body))
}

/// Reads one response head (status line, headers, empty line) and parses it with `httparse`.
async fn read_head(reader: &mut Reader) -> anyhow::Result<(String, u16, Vec<(String, String)>)> {
    let head = read_block(reader, "the response head").await?;
    let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut slots);
    response.parse(&head).context("malformed response head")?;
    let status = response.code.context("no status code")?;
    let headers = response.headers.iter();
    let headers = headers.map(|h| (h.name.into(), String::from_utf8_lossy(h.value).into()));
    let status_line = head.split(|&b| b == b'\r' || b == b'\n').next();
    let status_line = String::from_utf8_lossy(status_line.unwrap_or_default());
    Ok((status_line.into_owned(), status, headers.collect()))
}

/// Reads lines up to the empty one that ends a head, or the trailers; at most `MAX_HEAD_BYTES`.
async fn read_block(reader: &mut Reader, what: &str) -> anyhow::Result<Vec<u8>> {
    let mut block = Vec::new();
    loop {
        let start = block.len();
        ensure!(start < MAX_HEAD_BYTES, "{what} is over {MAX_HEAD_BYTES} bytes");
        read_line(reader, MAX_HEAD_BYTES - start, &mut block, what).await?;
        if block[start..].trim_ascii().is_empty() {
            return Ok(block);
        }
    }
}

/// The Content-Length, if any. Repeated values must agree: a response with two lengths cannot
/// be framed safely.
fn content_length<'a>(mut values: impl Iterator<Item = &'a str>) -> anyhow::Result<Option<u64>> {
    let Some(first) = values.next() else { return Ok(None) };
    ensure!(values.all(|v| v == first), "conflicting Content-Length values");
    // Digits only: `parse` would also take a leading `+`.
    let length = first.bytes().all(|b| b.is_ascii_digit()).then(|| first.parse().ok());
    Ok(Some(length.flatten().with_context(|| format!("invalid Content-Length {first:?}"))?))
}

/// Decodes a chunked body: `<hex size>[;ext]CRLF <bytes> CRLF`, ..., `0 CRLF`, trailers, CRLF.
async fn read_chunked(reader: &mut Reader, body: &mut Vec<u8>) -> anyhow::Result<()> {
    loop {
        let mut line = Vec::new();
        read_line(reader, 1024, &mut line, "a chunk size").await?;
        let size = line.split(|&b| b == b';').next().unwrap_or_default().trim_ascii();
        let size = std::str::from_utf8(size).ok().and_then(|s| u64::from_str_radix(s, 16).ok());
        let size = size.context("invalid chunk size line")?;
        if size == 0 {
            break;
        }
        let limit = format!("the chunked body is over the {MAX_BODY_BYTES}-byte limit");
        ensure!(size <= MAX_BODY_BYTES - body.len() as u64, limit);
        let got = (&mut *reader).take(size).read_to_end(body).await?;
        ensure!(got as u64 == size, "the server closed in the middle of a chunk");
        line.clear();
        read_line(reader, 2, &mut line, "the end of a chunk").await?;
        ensure!(line.trim_ascii().is_empty(), "a chunk is longer than its size says");
    }
    // Trailer fields, unused, then the empty line that ends the message.
    read_block(reader, "the trailers").await?;
    Ok(())
}

type Reader = BufReader<TcpStream>;

/// Appends one line, its `\n` included, of at most `max` bytes: `take` bounds the read, so that
/// a server sending one endless line cannot grow `buf` without end.
async fn read_line(r: &mut Reader, max: usize, buf: &mut Vec<u8>, what: &str) -> Result<()> {
    let n = r.take(max as u64).read_until(b'\n', buf).await?;
    if buf.last() != Some(&b'\n') {
        ensure!(n < max, "{what}: line longer than {max} bytes");
        bail!("the server closed the connection in {what}");
    }
    Ok(())
}

/// Parses an `http://` URL with the `url` crate, which also %-encodes what a path may not hold.
fn parse_url(text: &str) -> anyhow::Result<Url> {
    let invalid = |why: &str| anyhow::anyhow!("invalid URL `{text}`: {why}");
    // `url` drops line breaks silently; a typo that holds one is refused instead.
    if text.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return Err(invalid("spaces and control characters must be %-encoded"));
    }
    let url = Url::parse(text).map_err(|e| match e {
        url::ParseError::EmptyHost => invalid("no host"),
        e => invalid(&e.to_string()),
    })?;
    match url.scheme() {
        "http" => Ok(url),
        scheme => Err(invalid(&format!("scheme `{scheme}` is not supported, only http://"))),
    }
}

/// The built-in server's response: a chunked body of two chunks.
const LOCAL_RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n\
    Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
    b\r\nHello from \r\n12\r\nthe local server!\n\r\n0\r\n\r\n";

/// Answers one request on `listener` with [`LOCAL_RESPONSE`]. It reads the request head first:
/// closing a socket with unread input sends a reset, which can destroy the response.
async fn serve_once(listener: TcpListener) -> anyhow::Result<()> {
    let mut stream = BufReader::new(listener.accept().await?.0);
    read_block(&mut stream, "the request").await?;
    stream.get_mut().write_all(LOCAL_RESPONSE).await?;
    Ok(stream.get_ref().shutdown(Shutdown::Write)?) // a FIN: `close` would only flush
}

async fn run(args: Args) -> anyhow::Result<()> {
    let (url, local_server) = match &args.url {
        Some(text) => (parse_url(text)?, None),
        None => {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let url = parse_url(&format!("http://{}/hello", listener.local_addr()?))?;
            println!("no URL given: started a local server, fetching {url}");
            (url, Some(task::spawn(serve_once(listener))))
        }
    };
    // A server that accepts and then stays silent, or trickles a byte at a time, cannot keep
    // us waiting longer than this.
    let (ms, authority) = (args.timeout_ms, &url[Position::BeforeHost..Position::BeforePath]);
    let fetched = timeout(Duration::from_millis(ms), fetch(&url)).await.with_context(|| {
        format!("timed out: no complete response from {authority} within {ms} ms")
    })?;
    let (status_line, framing, body) = fetched.with_context(|| format!("GET {url} failed"))?;
    if let Some(server) = local_server {
        server.await.context("the local server failed")?;
    }

    println!("{status_line}");
    println!("body: {} bytes, {framing}", body.len());
    match std::str::from_utf8(&body) {
        Ok(text) if text.ends_with('\n') || text.is_empty() => print!("{text}"),
        Ok(text) => println!("{text}"),
        Err(_) => println!("<{} bytes, not UTF-8>", body.len()),
    }
    Ok(())
}

/// HTTP/1.1 GET client.
#[derive(Parser)]
#[command(name = "http_client")]
struct Args {
    /// `http://host[:port][/path]`; without it, a built-in local server answers.
    url: Option<String>,
    /// One deadline for the whole exchange, connect included.
    #[arg(long, value_name = "MS", default_value_t = 10_000,
          value_parser = clap::value_parser!(u64).range(1..=86_400_000))]
    timeout_ms: u64,
}

fn main() -> anyhow::Result<()> {
    task::block_on(run(Args::parse()))
}
