//! The descriptor limit: every connection is one descriptor in the client and one in the server,
//! and the servers inherit the client's raised limit.

use anyhow::Context;
use nix::sys::resource::{RLIM_INFINITY, Resource, getrlimit, setrlimit};

/// Descriptors each process needs beyond one per connection (runtime, pipes, std streams).
pub const FD_MARGIN: u64 = 64;

/// The most connections one process can hold: the hard `RLIMIT_NOFILE` less [`FD_MARGIN`].
pub fn max_connections() -> anyhow::Result<u64> {
    let (_, hard) = getrlimit(Resource::RLIMIT_NOFILE).context("reading RLIMIT_NOFILE")?;
    Ok(hard.saturating_sub(FD_MARGIN))
}

/// Raises the soft `RLIMIT_NOFILE` to the hard limit (to `needed` if the hard limit is unlimited,
/// which the kernel does not grant as is). The caller has checked that `needed` fits.
pub fn raise_fd_limit(needed: u64) -> anyhow::Result<()> {
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).context("reading RLIMIT_NOFILE")?;
    let target = if hard == RLIM_INFINITY { needed } else { hard };
    if soft < target {
        setrlimit(Resource::RLIMIT_NOFILE, target, hard)
            .with_context(|| format!("raising the RLIMIT_NOFILE soft limit to {target}"))?;
    }
    Ok(())
}
