//! Length-prefixed frames over any `futures::io` stream, whatever runtime drives it.
//!
//! A frame is a `u32` big-endian length followed by that many bytes. The functions are written
//! against `futures::io::{AsyncRead, AsyncWrite}`, the traits async-std's and smol's streams
//! implement directly; a tokio stream reaches them through `tokio_util::compat`. That is the whole
//! point of the `agnostic` examples: one piece of protocol code, three runtimes.
//!
//! The reader never trusts the length: it is checked against a caller-given maximum before a byte
//! of the payload is allocated (the file-upload server in the guides allocates whatever a client
//! asks for, and one 4-byte header can abort the process).

use std::io;

use futures::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Writes one frame and flushes it.
pub async fn write_frame<W: AsyncWrite + Unpin>(writer: &mut W, payload: &[u8]) -> io::Result<()> {
    let len = u32::try_from(payload.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a frame holds at most 4 GiB"))?;
    writer.write_all(&len.to_be_bytes()).await?;
    writer.write_all(payload).await?;
    writer.flush().await
}

/// Reads one frame of at most `max_len` bytes.
///
/// Returns `Ok(None)` on a clean end of stream before a frame starts; `InvalidData` when the
/// announced length exceeds `max_len` (nothing is allocated for it); `UnexpectedEof` when the
/// stream ends inside a frame.
pub async fn read_frame<R: AsyncRead + Unpin>(
    reader: &mut R,
    max_len: u32,
) -> io::Result<Option<Vec<u8>>> {
    let mut header = [0u8; 4];
    let mut filled = 0;
    while filled < header.len() {
        match reader.read(&mut header[filled..]).await? {
            0 if filled == 0 => return Ok(None),
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => filled += n,
        }
    }
    let len = u32::from_be_bytes(header);
    if len > max_len {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("frame of {len} bytes exceeds the limit of {max_len}"),
        ));
    }
    let mut payload = vec![0; len as usize];
    reader.read_exact(&mut payload).await?;
    Ok(Some(payload))
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::block_on;
    use futures::io::Cursor;

    fn encoded(payloads: &[&[u8]]) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        block_on(async {
            for payload in payloads {
                write_frame(&mut out, payload).await.unwrap();
            }
        });
        out.into_inner()
    }

    #[test]
    fn frames_round_trip_in_order() {
        let bytes = encoded(&[b"hello", b"", b"world"]);
        assert_eq!(&bytes[..9], b"\0\0\0\x05hello");
        let mut input = Cursor::new(bytes);
        block_on(async {
            assert_eq!(read_frame(&mut input, 16).await.unwrap().unwrap(), b"hello");
            assert_eq!(read_frame(&mut input, 16).await.unwrap().unwrap(), b"");
            assert_eq!(read_frame(&mut input, 16).await.unwrap().unwrap(), b"world");
            assert!(read_frame(&mut input, 16).await.unwrap().is_none());
        });
    }

    #[test]
    fn an_oversized_length_is_refused_before_allocating() {
        let mut input = Cursor::new(u32::MAX.to_be_bytes().to_vec());
        let err = block_on(read_frame(&mut input, 1024)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(err.to_string().contains("4294967295"), "{err}");
    }

    #[test]
    fn a_stream_cut_inside_a_frame_is_an_error() {
        let mut cut_in_header = Cursor::new(vec![0, 0]);
        let err = block_on(read_frame(&mut cut_in_header, 16)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);

        let mut cut_in_payload = Cursor::new(b"\0\0\0\x05hel".to_vec());
        let err = block_on(read_frame(&mut cut_in_payload, 16)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    }
}
