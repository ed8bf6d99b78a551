//! What `/proc` tells: the server's resident memory and threads by name (`/proc/<pid>`), the
//! kernel's socket memory (`/proc/net/sockstat`, system-wide) and the machine.

use anyhow::Context;
use serde::{Deserialize, Serialize};

/// The server's resident memory and threads, from `/proc/<pid>`.
pub struct ServerSample {
    pub rss_kib: u64,
    /// Thread names in thread-id order.
    pub threads: Vec<String>,
}

impl ServerSample {
    pub fn take(pid: u32) -> anyhow::Result<Self> {
        let path = format!("/proc/{pid}/status");
        let status = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
        let rss_kib = status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|rest| rest.trim().strip_suffix("kB"))
            .and_then(|kib| kib.trim().parse().ok())
            .with_context(|| format!("no VmRSS line in {path}"))?;
        let tasks = format!("/proc/{pid}/task");
        let mut threads = Vec::new();
        for entry in std::fs::read_dir(&tasks).with_context(|| format!("listing {tasks}"))? {
            let entry = entry?;
            let Some(tid) = entry.file_name().to_str().and_then(|t| t.parse::<u32>().ok()) else {
                continue;
            };
            // A thread may exit between the listing and this read: skip it then.
            if let Ok(name) = std::fs::read_to_string(entry.path().join("comm")) {
                threads.push((tid, name.trim_end().to_owned()));
            }
        }
        threads.sort_unstable();
        Ok(ServerSample { rss_kib, threads: threads.into_iter().map(|(_, name)| name).collect() })
    }
}

/// The kernel's socket counters, from `/proc/net/sockstat`. They are system-wide: the client's and
/// the server's sockets both count, and so does anything else running on the machine.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
pub struct Sockstat {
    /// `sockets: used`: sockets of every family.
    pub sockets_used: u64,
    /// `TCP: inuse`: TCP sockets in use (not counting TIME_WAIT).
    pub tcp_inuse: u64,
    /// `TCP: alloc`: TCP sockets allocated (including orphans).
    pub tcp_alloc: u64,
    /// `TCP: mem`: pages charged to TCP socket buffers (queued data and reserves, not the socket
    /// structures themselves, which are slab memory).
    pub tcp_mem_pages: u64,
    /// The page size `tcp_mem_pages` counts in.
    pub page_bytes: u64,
}

impl Sockstat {
    pub fn take() -> anyhow::Result<Self> {
        const PATH: &str = "/proc/net/sockstat";
        let text = std::fs::read_to_string(PATH).with_context(|| format!("reading {PATH}"))?;
        Self::parse(&text, page_bytes()).with_context(|| format!("parsing {PATH}"))
    }

    fn parse(text: &str, page_bytes: u64) -> Option<Self> {
        // Lines read `PROTO: key value key value ...`.
        let field = |proto: &str, key: &str| -> Option<u64> {
            let line = text.lines().find_map(|line| line.strip_prefix(proto))?;
            let words: Vec<&str> = line.split_whitespace().collect();
            words.chunks(2).find(|pair| pair[0] == key).and_then(|pair| pair.get(1)?.parse().ok())
        };
        Some(Sockstat {
            sockets_used: field("sockets:", "used")?,
            tcp_inuse: field("TCP:", "inuse")?,
            tcp_alloc: field("TCP:", "alloc")?,
            tcp_mem_pages: field("TCP:", "mem")?,
            page_bytes,
        })
    }

    pub fn tcp_mem_kib(&self) -> u64 {
        self.tcp_mem_pages * self.page_bytes / 1024
    }
}

/// The kernel's page size, from the first mapping in `/proc/self/smaps` (4096 if unreadable).
fn page_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/smaps")
        .ok()
        .and_then(|smaps| {
            let line = smaps.lines().find_map(|line| line.strip_prefix("KernelPageSize:"))?;
            let kib: u64 = line.trim().strip_suffix("kB")?.trim().parse().ok()?;
            Some(kib * 1024)
        })
        .unwrap_or(4096)
}

/// The machine a run was made on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Machine {
    pub cores: usize,
    /// `/proc/sys/kernel/osrelease`.
    pub kernel: String,
    /// The first `model name` in `/proc/cpuinfo`.
    pub cpu: String,
}

impl Machine {
    pub fn read() -> Self {
        let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
        let cpuinfo = read("/proc/cpuinfo");
        let cpu = cpuinfo
            .lines()
            .find_map(|line| line.strip_prefix("model name")?.trim_start().strip_prefix(':'))
            .map_or_else(|| "unknown CPU".to_owned(), |model| model.trim().to_owned());
        Machine {
            cores: std::thread::available_parallelism().map_or(1, usize::from),
            kernel: read("/proc/sys/kernel/osrelease").trim().to_owned(),
            cpu,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sockstat() {
        let text =
            "sockets: used 22\nTCP: inuse 4 orphan 0 tw 1 alloc 5 mem 3\nUDP: inuse 0 mem 0\n";
        let stat = Sockstat::parse(text, 4096).unwrap();
        assert_eq!(
            (stat.sockets_used, stat.tcp_inuse, stat.tcp_alloc, stat.tcp_mem_pages),
            (22, 4, 5, 3)
        );
        assert_eq!(stat.tcp_mem_kib(), 12);
        assert!(Sockstat::parse("sockets: used 1\n", 4096).is_none());
    }
}
