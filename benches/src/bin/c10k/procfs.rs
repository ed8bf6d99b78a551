//! What `/proc/<pid>` tells about the server: its resident memory and its threads by name.

use anyhow::Context;

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
