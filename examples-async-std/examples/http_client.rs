//! A small HTTP/1.1 client on a bare `TcpStream`: request, status line, headers, and the three ways
//! a response body can end.
//!
//! async-std is discontinued upstream (RUSTSEC-2025-0052); new code should use smol, whose twin is
//! `examples-smol/examples/http_client.rs`.
//!
//! An HTTP/1.1 response body ends by `Content-Length`, by `Transfer-Encoding: chunked` (the body
//! comes in size-prefixed chunks ending with a zero-size one), or, with neither, when the server
//! closes the connection; a client that only knows one of them reads garbage or hangs on the
//! others. A server is also a peer that can lie or stall, so the whole exchange runs under a
//! timeout, and the head and body are size-capped before anything is buffered. The body is bytes:
//! it is printed as text only if it is UTF-8. For real programs use a maintained client such as
//! `reqwest` or `hyper`; this shows what they do for you.
//!
//! Guide: 教程 网络编程 (HTTP 客户端示例).
//! The guide dials httpbin.org (internet), has no timeout, reads the whole response into a `String`
//! (an error on a non-UTF-8 body) and prints the raw bytes, chunk sizes and all, as the "response".
//!
//! Differences from tokio: the I/O traits are futures-io's, with async-std's own extension traits
//! (`ReadExt`, `BufReadExt`, `WriteExt`, in its prelude; `read_until`, `take`, `read_to_end` read
//! the same as tokio's). async-std's `BufReader` only reads (tokio's and smol's pass writes
//! through), so the local server reads through a `BufReader` over `&TcpStream` and writes through
//! another `&TcpStream`: a shared reference to an async-std stream is a reader and a writer.
//! `async_std::future::timeout` reads as tokio's: `Err(TimeoutError)` outside the fetch's own
//! `Result`. The local server is `task::spawn`ed onto async-std's global executor, whose threads
//! (`ASYNC_STD_THREAD_COUNT`, default one per core) run it while `main`'s thread is in
//! `task::block_on`. Awaiting its `JoinHandle` gives the server's own result (no `JoinError`; a
//! panic in it would be resumed here); dropping the handle, on an early error, would detach the
//! task rather than cancel it (a dropped smol `Task` cancels), which is harmless here because the
//! process exits. The half-close is `shutdown(Shutdown::Write)`, a plain call (tokio:
//! `shutdown().await`; async-std's `WriteExt` has no `close`); the socket closes when the last
//! handle to it is dropped.
//!
//! With no URL it starts a one-shot server of its own on 127.0.0.1 and fetches from it:
//!
//! ```text
//! cargo run -p examples-async-std --example http_client
//! ```
//!
//! or fetch from any plain-HTTP server (`--timeout-ms` defaults to 10000):
//!
//! ```text
//! cargo run -p examples-async-std --example http_client -- http://127.0.0.1:8000/ --timeout-ms 2000
//! ```
//!
//! Prints the status line, `body: <N> bytes, <how it was framed>`, then the body, or
//! `<N bytes, not UTF-8>` in its place. A bad URL, a malformed or oversized response, or no
//! complete response in time: the error and its cause on stderr, and exit status 1.
//!
//! ```toml
//! [dependencies]
//! async-std = "1"
//! anyhow = "1"
//! ```

use std::fmt;
use std::net::{Ipv6Addr, Shutdown};
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use async_std::future::timeout;
use async_std::io::{BufRead, BufReader};
use async_std::net::{TcpListener, TcpStream};
use async_std::prelude::*;
use async_std::task;

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Status line and headers together (and, separately, the trailers of a chunked body).
const MAX_HEAD_BYTES: usize = 64 * 1024;
const MAX_HEADERS: usize = 100;
/// One chunk-size line, extensions included.
const MAX_CHUNK_LINE: usize = 1024;
/// The largest body we are willing to hold in memory.
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

const USAGE: &str = "usage: http_client [http://HOST[:PORT][/PATH]] [--timeout-ms N]";

/// The parts of an `http://` URL that a request needs.
#[derive(Debug)]
struct Url {
    /// What to connect to: a name or an IPv4 address, or an IPv6 address without its brackets.
    host: String,
    port: u16,
    /// `host[:port]` exactly as written in the URL: the value of the `Host` header.
    authority: String,
    /// Path and query, at least `/`.
    path: String,
}

impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "http://{}{}", self.authority, self.path)
    }
}

/// Parses `http://host[:port][/path][?query][#fragment]`. Everything that ends up in the request
/// is checked here, so a URL cannot smuggle a space or a line break into the request head.
fn parse_url(text: &str) -> anyhow::Result<Url> {
    let invalid = |why: &str| anyhow::anyhow!("invalid URL `{text}`: {why}");
    let rest = match text.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
        Some((scheme, _)) => {
            return Err(invalid(&format!(
                "scheme `{scheme}` is not supported, only http://"
            )));
        }
        None => return Err(invalid("it must start with http://")),
    };
    let rest = rest.split('#').next().unwrap_or_default();
    let path_start = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(path_start);
    let path = match path {
        "" => "/".to_owned(),
        p if p.starts_with('?') => format!("/{p}"),
        p => p.to_owned(),
    };
    if path.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return Err(invalid(
            "spaces and control characters in the path must be %-encoded",
        ));
    }
    if authority.contains('@') {
        return Err(invalid("credentials in the URL are not supported"));
    }

    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let (ip, after) = bracketed
            .split_once(']')
            .ok_or_else(|| invalid("`[` without `]`"))?;
        ip.parse::<Ipv6Addr>()
            .map_err(|_| invalid("not an IPv6 address between `[` and `]`"))?;
        (ip, after.strip_prefix(':'))
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Err(invalid("no host"));
    }
    if !authority.starts_with('[')
        && !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    {
        return Err(invalid(
            "the host may only hold letters, digits, `-` and `.`",
        ));
    }
    let port = match port {
        None => 80,
        Some(port) => port
            .parse::<u16>()
            .ok()
            .filter(|&p| p != 0 && port.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| invalid("the port must be a number from 1 to 65535"))?,
    };
    Ok(Url {
        host: host.to_owned(),
        port,
        authority: authority.to_owned(),
        path,
    })
}

/// How the body's end was found.
#[derive(Debug, Clone, Copy)]
enum Framing {
    ContentLength,
    Chunked,
    UntilClose,
    /// 204, 304: the status says there is no body.
    NoBody,
}

impl fmt::Display for Framing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Framing::ContentLength => "Content-Length",
            Framing::Chunked => "chunked",
            Framing::UntilClose => "read until the server closed",
            Framing::NoBody => "none allowed for this status",
        })
    }
}

struct Response {
    status_line: String,
    framing: Framing,
    body: Vec<u8>,
}

/// A status line and its headers, names lower-cased.
struct Head {
    status_line: String,
    status: u16,
    headers: Vec<(String, String)>,
}

impl Head {
    fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> {
        self.headers
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Sends a GET for `url` and reads the whole response.
async fn fetch(url: &Url) -> anyhow::Result<Response> {
    let mut stream = TcpStream::connect((url.host.as_str(), url.port))
        .await
        .with_context(|| format!("cannot connect to {}", url.authority))?;
    // `Connection: close` asks the server to close after this response, so a body without
    // Content-Length or chunking still ends, and no one waits on a kept-alive connection.
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: http_client-example\r\nAccept: */*\r\n\
         Connection: close\r\n\r\n",
        url.path, url.authority
    );
    stream.write_all(request.as_bytes()).await?;

    let mut reader = BufReader::new(stream);
    let mut head_budget = MAX_HEAD_BYTES;
    let head = loop {
        let head = read_head(&mut reader, &mut head_budget).await?;
        match head.status {
            // 1xx are interim responses (e.g. 103 Early Hints): the real one follows.
            100 | 102..=199 => continue,
            101 => bail!("the server switched protocols, which this GET never asked for"),
            _ => break head,
        }
    };

    let mut body = Vec::new();
    let framing = if head.status == 204 || head.status == 304 {
        Framing::NoBody
    } else if let Some(last) = head
        .values("transfer-encoding")
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .last()
    {
        // Transfer-Encoding overrides Content-Length. Chunked must be the last coding; any other
        // last coding means the body runs until the server closes.
        if last.eq_ignore_ascii_case("chunked") {
            read_chunked(&mut reader, &mut body).await?;
            Framing::Chunked
        } else {
            read_until_close(&mut reader, &mut body).await?;
            Framing::UntilClose
        }
    } else if let Some(length) = content_length(&head)? {
        ensure!(
            length <= MAX_BODY_BYTES as u64,
            "the body would be {length} bytes, over the {MAX_BODY_BYTES}-byte limit"
        );
        let got = (&mut reader).take(length).read_to_end(&mut body).await?;
        ensure!(
            got as u64 == length,
            "the server closed after {got} of {length} body bytes"
        );
        Framing::ContentLength
    } else {
        read_until_close(&mut reader, &mut body).await?;
        Framing::UntilClose
    };
    Ok(Response {
        status_line: head.status_line,
        framing,
        body,
    })
}

/// Reads a status line and headers, spending at most `budget` bytes.
async fn read_head(
    reader: &mut (impl BufRead + Unpin),
    budget: &mut usize,
) -> anyhow::Result<Head> {
    let too_big = || format!("the response head is over {MAX_HEAD_BYTES} bytes");
    let line = read_line(reader, *budget, "the status line").await?;
    *budget = budget.checked_sub(line.len() + 2).with_context(too_big)?;
    let status_line = String::from_utf8_lossy(&line).into_owned();
    // "HTTP/1.1 200 OK": version, three-digit code, optional reason.
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    let code = parts.next().unwrap_or_default();
    ensure!(
        version.starts_with("HTTP/1.")
            && code.len() == 3
            && code.bytes().all(|b| b.is_ascii_digit()),
        "not an HTTP/1.x status line: {status_line:?}"
    );
    let status = code.parse()?;

    let mut headers = Vec::new();
    loop {
        let line = read_line(reader, *budget, "the headers").await?;
        *budget = budget.checked_sub(line.len() + 2).with_context(too_big)?;
        if line.is_empty() {
            break;
        }
        ensure!(
            headers.len() < MAX_HEADERS,
            "more than {MAX_HEADERS} headers"
        );
        let line = String::from_utf8_lossy(&line);
        let (name, value) = line
            .split_once(':')
            .filter(|(name, _)| !name.is_empty() && !name.contains([' ', '\t']))
            .with_context(|| format!("malformed header line {line:?}"))?;
        headers.push((name.to_ascii_lowercase(), value.trim().to_owned()));
    }
    Ok(Head {
        status_line,
        status,
        headers,
    })
}

/// The Content-Length, if any. Repeated values must agree: a response that states two lengths
/// cannot be framed safely.
fn content_length(head: &Head) -> anyhow::Result<Option<u64>> {
    let mut length = None;
    for value in head.values("content-length").flat_map(|v| v.split(',')) {
        let value = value.trim();
        ensure!(
            !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()),
            "invalid Content-Length {value:?}"
        );
        let value: u64 = value.parse().context("Content-Length out of range")?;
        ensure!(
            length.is_none_or(|l| l == value),
            "conflicting Content-Length values"
        );
        length = Some(value);
    }
    Ok(length)
}

/// Decodes a chunked body: `<hex size>[;ext]CRLF <size bytes> CRLF`, ..., `0 CRLF`, trailers, CRLF.
async fn read_chunked(
    reader: &mut (impl BufRead + Unpin),
    body: &mut Vec<u8>,
) -> anyhow::Result<()> {
    loop {
        let line = read_line(reader, MAX_CHUNK_LINE, "a chunk size").await?;
        let size = line.split(|&b| b == b';').next().unwrap_or_default();
        let size = std::str::from_utf8(size).unwrap_or_default().trim();
        ensure!(
            !size.is_empty() && size.bytes().all(|b| b.is_ascii_hexdigit()),
            "invalid chunk size line {:?}",
            String::from_utf8_lossy(&line)
        );
        let size = u64::from_str_radix(size, 16).context("chunk size out of range")?;
        if size == 0 {
            break;
        }
        ensure!(
            size <= (MAX_BODY_BYTES - body.len()) as u64,
            "the chunked body is over the {MAX_BODY_BYTES}-byte limit"
        );
        let got = (&mut *reader).take(size).read_to_end(body).await?;
        ensure!(
            got as u64 == size,
            "the server closed in the middle of a chunk"
        );
        let end = read_line(reader, 2, "the end of a chunk").await?;
        ensure!(end.is_empty(), "a chunk is longer than its size says");
    }
    // Trailer fields, if any, then the empty line that ends the message; their content is unused.
    let mut budget = MAX_HEAD_BYTES;
    loop {
        let line = read_line(reader, budget, "the trailers").await?;
        if line.is_empty() {
            return Ok(());
        }
        budget = budget
            .checked_sub(line.len() + 2)
            .context("the trailers are too large")?;
    }
}

/// Reads until the server closes the connection, up to the body limit.
async fn read_until_close(
    reader: &mut (impl BufRead + Unpin),
    body: &mut Vec<u8>,
) -> anyhow::Result<()> {
    let limit = MAX_BODY_BYTES as u64 + 1;
    (&mut *reader).take(limit).read_to_end(body).await?;
    ensure!(
        body.len() <= MAX_BODY_BYTES,
        "the body is over the {MAX_BODY_BYTES}-byte limit"
    );
    Ok(())
}

/// Reads one line of at most `max` bytes and returns it without its line ending (CRLF, or a bare
/// LF, which RFC 9112 lets a recipient accept).
async fn read_line(
    reader: &mut (impl BufRead + Unpin),
    max: usize,
    what: &str,
) -> anyhow::Result<Vec<u8>> {
    let mut line = Vec::new();
    // `take` bounds the read: a server sending one endless line cannot grow `line` without end.
    let n = (&mut *reader)
        .take(max as u64)
        .read_until(b'\n', &mut line)
        .await?;
    if line.last() != Some(&b'\n') {
        if n == max {
            bail!("{what}: line longer than {max} bytes");
        }
        bail!("the server closed the connection in {what}");
    }
    line.pop();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(line)
}

/// The response of the built-in server: a chunked body of two chunks (11 and 18 bytes).
const LOCAL_RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\n\
    Content-Type: text/plain; charset=utf-8\r\n\
    Transfer-Encoding: chunked\r\n\
    Connection: close\r\n\
    \r\n\
    b\r\nHello from \r\n\
    12\r\nthe local server!\n\r\n\
    0\r\n\r\n";

/// Answers one request on `listener` with [`LOCAL_RESPONSE`].
async fn serve_once(listener: TcpListener) -> anyhow::Result<()> {
    let (stream, _) = listener.accept().await?;
    // Two shared borrows of one socket: `&TcpStream` reads and writes, and async-std's
    // `BufReader` only reads.
    let mut reader = BufReader::new(&stream);
    let mut writer = &stream;
    // Read the request head before answering: closing a socket with unread input makes the
    // kernel send a reset, which can destroy the response before the client has read it.
    let mut budget = MAX_HEAD_BYTES;
    loop {
        let line = read_line(&mut reader, budget, "the request").await?;
        if line.is_empty() {
            break;
        }
        budget = budget
            .checked_sub(line.len() + 2)
            .context("request head too large")?;
    }
    writer.write_all(LOCAL_RESPONSE).await?;
    // The half-close: the client reads EOF after the response.
    stream.shutdown(Shutdown::Write)?;
    Ok(())
}

struct Args {
    url: Option<String>,
    timeout: Duration,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut url = None;
    let mut timeout = DEFAULT_TIMEOUT;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--timeout-ms" {
            let value = args.next().context("--timeout-ms needs a value")?;
            let ms: u64 = value
                .parse()
                .ok()
                .filter(|&ms| ms > 0)
                .with_context(|| format!("--timeout-ms: `{value}` is not a positive number"))?;
            timeout = Duration::from_millis(ms);
        } else if arg.starts_with("--") || url.is_some() {
            bail!("unexpected argument `{arg}`\n{USAGE}");
        } else {
            url = Some(arg);
        }
    }
    Ok(Args { url, timeout })
}

async fn run() -> anyhow::Result<()> {
    let args = parse_args()?;
    let (url, local_server) = match &args.url {
        Some(text) => (parse_url(text)?, None),
        None => {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let url = parse_url(&format!("http://{}/hello", listener.local_addr()?))?;
            println!("no URL given: started a local server, fetching {url}");
            // Kept, to be awaited below for the server's result (dropping it would detach it).
            (url, Some(task::spawn(serve_once(listener))))
        }
    };

    // One deadline for everything, connect included: a server that accepts and then stays
    // silent, or trickles a byte at a time, cannot keep us waiting longer than this.
    let response = timeout(args.timeout, fetch(&url))
        .await
        .with_context(|| {
            format!(
                "timed out: no complete response from {} within {} ms",
                url.authority,
                args.timeout.as_millis()
            )
        })?
        .with_context(|| format!("GET {url} failed"))?;
    if let Some(server) = local_server {
        server.await.context("the local server failed")?;
    }

    println!("{}", response.status_line);
    println!("body: {} bytes, {}", response.body.len(), response.framing);
    match std::str::from_utf8(&response.body) {
        Ok(text) if text.ends_with('\n') || text.is_empty() => print!("{text}"),
        Ok(text) => println!("{text}"),
        Err(_) => println!("<{} bytes, not UTF-8>", response.body.len()),
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    task::block_on(run())
}
