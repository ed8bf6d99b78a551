//! What `/proc/<pid>` tells about a server process: CPU time, context switches, threads, memory.

use anyhow::Context;
use nix::unistd::{SysconfVar, sysconf};

/// One reading of a server process's counters.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// utime + stime, in clock ticks.
    pub cpu_ticks: u64,
    /// voluntary + nonvoluntary context switches, summed over the threads alive now.
    pub ctx_switches: u64,
    pub threads: u64,
    pub rss_kib: u64,
}

impl Sample {
    pub fn take(pid: u32) -> anyhow::Result<Self> {
        let path = format!("/proc/{pid}/stat");
        let stat = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
        // The command name is in parentheses and may hold spaces: count fields after it.
        // utime and stime are fields 14 and 15, so the 12th and 13th after `(comm)`.
        let after_comm = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or_default();
        let fields: Vec<&str> = after_comm.split_whitespace().collect();
        let tick = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok());
        let cpu_ticks = tick(11)
            .zip(tick(12))
            .map(|(utime, stime)| utime + stime)
            .with_context(|| format!("no utime/stime in {path}"))?;

        let path = format!("/proc/{pid}/status");
        let status = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
        let rss_kib = field(&status, "VmRSS:").with_context(|| format!("no VmRSS in {path}"))?;
        let threads =
            field(&status, "Threads:").with_context(|| format!("no Threads in {path}"))?;

        let tasks = format!("/proc/{pid}/task");
        let mut ctx_switches = 0;
        for entry in std::fs::read_dir(&tasks).with_context(|| format!("listing {tasks}"))? {
            // A thread may exit between the listing and this read: it is not counted then.
            if let Ok(status) = std::fs::read_to_string(entry?.path().join("status")) {
                ctx_switches += field(&status, "voluntary_ctxt_switches:").unwrap_or(0)
                    + field(&status, "nonvoluntary_ctxt_switches:").unwrap_or(0);
            }
        }
        Ok(Sample { cpu_ticks, ctx_switches, threads, rss_kib })
    }
}

/// The number after `name` on its line of a `/proc` status file (a trailing `kB` is dropped).
fn field(status: &str, name: &str) -> Option<u64> {
    let line = status.lines().find_map(|line| line.strip_prefix(name))?;
    line.split_whitespace().next()?.parse().ok()
}

/// Clock ticks per second, the unit of `/proc/<pid>/stat`'s CPU times.
pub fn ticks_per_second() -> u64 {
    match sysconf(SysconfVar::CLK_TCK) {
        Ok(Some(ticks)) if ticks > 0 => ticks as u64,
        _ => 100, // Linux's USER_HZ
    }
}

/// The machine line's parts: cores, kernel, CPU model.
pub fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map_or_else(|_| "unknown".into(), |k| k.trim().to_owned());
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, model)| model.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    format!("{cores} cores (available parallelism), Linux {kernel}, {cpu}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_process() {
        let sample = Sample::take(std::process::id()).expect("own /proc entry");
        assert!(sample.threads >= 1 && sample.rss_kib > 0);
        assert_eq!(field("Threads:\t7\nVmRSS:\t  1234 kB\n", "VmRSS:"), Some(1234));
        assert!(machine().contains("cores"));
    }
}
