//! The async-std server: the global runtime, one thread when `ASYNC_STD_THREAD_COUNT=1`.
//!
//! Only the `buffered` variant: the task reads into its own 256-byte buffer with `read` and
//! answers with `write_all`. There is no `readiness` variant, as the runtime's `TcpStream` offers
//! no readiness to wait for (`args::ASYNC_STD_HAS_NO_READINESS` says why; the client refuses it).

use std::io;
use std::net::SocketAddr;

use async_std::io::{ReadExt, WriteExt};
use async_std::net::{TcpListener, TcpStream};
use async_std::task;

use super::ECHO_BUFFER_BYTES;

/// Listens on `addr` (std's backlog), announces the bound address and runs the accept loop as
/// a task, so it and every connection task run on the runtime's thread while this thread waits;
/// returns only on a setup error.
pub fn serve(addr: SocketAddr) -> io::Result<()> {
    let listener = TcpListener::from(std::net::TcpListener::bind(addr)?);
    super::announce(listener.local_addr()?)?;
    task::block_on(task::spawn(async move {
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    // Dropping the handle detaches the task.
                    task::spawn(echo(stream));
                }
                Err(error) => {
                    super::accept_failed(&error);
                    task::sleep(super::ACCEPT_BACKOFF).await;
                }
            }
        }
    }))
}

/// Writes back whatever arrives, until end of stream.
async fn echo(mut stream: TcpStream) {
    let mut buf = [0u8; ECHO_BUFFER_BYTES];
    let result: io::Result<()> = async {
        stream.set_nodelay(true)?;
        loop {
            let n = stream.read(&mut buf).await?;
            if n == 0 {
                return Ok(());
            }
            stream.write_all(&buf[..n]).await?;
        }
    }
    .await;
    if let Err(error) = result {
        super::connection_failed(&error);
    }
}
