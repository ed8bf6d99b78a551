//! The limits a run must fit under: file descriptors (`RLIMIT_NOFILE`) and ephemeral ports.

use anyhow::{Context, bail};
use nix::sys::resource::{RLIM_INFINITY, Resource, getrlimit, setrlimit};
use serde::{Deserialize, Serialize};

/// Descriptors each process needs beyond one per connection (runtime, pipes, std streams).
pub const FD_MARGIN: u64 = 64;

/// The kernel's ceiling on any descriptor limit, used when the hard limit is unlimited.
const NR_OPEN: &str = "/proc/sys/fs/nr_open";

/// This process's descriptor limit after [`raise_fd_limit`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FdLimit {
    pub soft: u64,
    pub hard: u64,
    /// What bounds the soft limit: `RLIMIT_NOFILE hard limit`, or `fs.nr_open` when the hard
    /// limit is unlimited.
    pub bound_by: String,
}

/// Raises the soft `RLIMIT_NOFILE` to the hard limit (to `fs.nr_open` if the hard limit is
/// unlimited, which the kernel does not grant as is) and returns the limits after that.
pub fn raise_fd_limit() -> anyhow::Result<FdLimit> {
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).context("reading RLIMIT_NOFILE")?;
    let (target, bound_by) = if hard == RLIM_INFINITY {
        let nr_open = std::fs::read_to_string(NR_OPEN)
            .ok()
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(1 << 20);
        (nr_open, "fs.nr_open, the RLIMIT_NOFILE hard limit being unlimited")
    } else {
        (hard, "RLIMIT_NOFILE hard limit")
    };
    if soft < target {
        setrlimit(Resource::RLIMIT_NOFILE, target, hard)
            .with_context(|| format!("raising the RLIMIT_NOFILE soft limit to {target}"))?;
    }
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).context("reading RLIMIT_NOFILE")?;
    Ok(FdLimit { soft, hard, bound_by: bound_by.to_owned() })
}

/// Descriptors each of the client and the server needs for `connections`: one socket per
/// connection in each, plus [`FD_MARGIN`].
pub fn fds_needed(connections: usize) -> u64 {
    connections as u64 + FD_MARGIN
}

/// Refuses more connections than the raised limit lets the client (and the server, which inherits
/// it) open.
pub fn check_fd_limit(connections: usize, limit: &FdLimit) -> anyhow::Result<()> {
    let needed = fds_needed(connections);
    if needed > limit.soft {
        bail!(
            "--connections {connections} needs {needed} descriptors; this process may open {} \
             ({}). The client and the server each hold one socket per connection plus \
             {FD_MARGIN}: use at most --connections {}",
            limit.soft,
            limit.bound_by,
            limit.soft.saturating_sub(FD_MARGIN),
        );
    }
    Ok(())
}

/// Refuses more connections than the kernel has ephemeral ports for one destination address.
pub fn check_port_range(connections: usize) -> anyhow::Result<()> {
    const RANGE: &str = "/proc/sys/net/ipv4/ip_local_port_range";
    let Ok(range) = std::fs::read_to_string(RANGE) else {
        return Ok(()); // Not Linux-like /proc: the connects themselves will tell.
    };
    let bounds: Vec<usize> = range.split_whitespace().filter_map(|n| n.parse().ok()).collect();
    if let [low, high] = bounds[..] {
        let ports = high.saturating_sub(low) + 1;
        if connections > ports {
            bail!(
                "{connections} connections to one address need {connections} ephemeral ports, but \
                 {RANGE} ({low}-{high}) has {ports}"
            );
        }
    }
    Ok(())
}
