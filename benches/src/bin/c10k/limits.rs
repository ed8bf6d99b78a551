//! The limits a run must fit under: file descriptors (`RLIMIT_NOFILE`) and ephemeral ports.

use anyhow::{Context, bail};
use nix::sys::resource::{RLIM_INFINITY, Resource, getrlimit, setrlimit};

/// Descriptors each process needs beyond one per connection (runtime, pipes, std streams).
pub const FD_MARGIN: u64 = 64;

/// Raises the soft `RLIMIT_NOFILE` to the hard limit after checking that `needed` descriptors fit
/// under it (to `needed` if the hard limit is unlimited, which the kernel does not grant as is).
pub fn raise_fd_limit(needed: u64) -> anyhow::Result<()> {
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).context("reading RLIMIT_NOFILE")?;
    if needed > hard {
        bail!(
            "{needed} file descriptors are needed per process (connections + {FD_MARGIN}), but the \
             hard limit (ulimit -Hn) is {hard}: raise the limit or use fewer connections"
        );
    }
    let target = if hard == RLIM_INFINITY { needed } else { hard };
    if soft < target {
        setrlimit(Resource::RLIMIT_NOFILE, target, hard)
            .with_context(|| format!("raising the RLIMIT_NOFILE soft limit to {target}"))?;
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
