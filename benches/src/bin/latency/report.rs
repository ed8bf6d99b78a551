//! The figures of each point, and how they are shown: a line per point on stdout, then
//! `latency.md` (a Markdown fragment), `latency.json` (every figure) and one SVG chart of p99
//! against the offered rate per connection count.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, anyhow};
use plotters::coord::combinators::IntoLogRange;
use plotters::prelude::*;

use crate::args::{Plan, Server};
use crate::client::{DRAIN_TIMEOUT, Errors, MESSAGE_BYTES, Run, Schedule};
use crate::procfs::ticks_per_second;

/// A point is held when it ran with no error and its p99 is at most this.
pub const P99_BOUND: Duration = Duration::from_millis(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Measured (errors, if any, are counted in the point).
    Ran,
    /// Could not be measured: the server did not start, or the connections failed.
    Failed,
    /// The std server could not create a thread for every connection.
    Stopped,
}

/// One server × connections × rate.
#[derive(Debug, serde::Serialize)]
pub struct Point {
    pub server: Server,
    pub connections: usize,
    pub rate: u64,
    pub status: Status,
    /// Why it failed or stopped, or the first errors.
    pub note: Option<String>,
    /// Requests due in the measured window, and the replies to them.
    pub requests: u64,
    pub replies: u64,
    pub errors: Errors,
    pub p50_us: Option<f64>,
    pub p99_us: Option<f64>,
    pub p999_us: Option<f64>,
    pub max_us: Option<f64>,
    /// The server's utime + stime over the window, per 1 000 requests of the window.
    pub server_cpu_ms_per_1k: Option<f64>,
    /// The server's context switches over the window (all its threads), and per 1 000 requests.
    pub server_ctx_switches: Option<u64>,
    pub server_ctx_switches_per_1k: Option<f64>,
    /// At the end of the window.
    pub server_threads: Option<u64>,
    pub server_rss_kib: Option<u64>,
    /// The client's largest delay between a request's due time and its write.
    pub pacer_lag_max_us: Option<f64>,
    pub held: bool,
}

impl Point {
    pub fn new(server: Server, schedule: Schedule) -> Self {
        Point {
            server,
            connections: schedule.connections,
            rate: schedule.rate,
            status: Status::Ran,
            note: None,
            requests: schedule.measured(),
            replies: 0,
            errors: Errors::default(),
            p50_us: None,
            p99_us: None,
            p999_us: None,
            max_us: None,
            server_cpu_ms_per_1k: None,
            server_ctx_switches: None,
            server_ctx_switches_per_1k: None,
            server_threads: None,
            server_rss_kib: None,
            pacer_lag_max_us: None,
            held: false,
        }
    }

    pub fn stop(&mut self, reason: String) {
        self.status = Status::Stopped;
        self.note = Some(reason);
        self.held = false;
    }

    pub fn fail(&mut self, errors: Errors) {
        self.status = Status::Failed;
        self.note = Some(errors.first.join("; "));
        self.errors = errors;
    }

    pub fn record(&mut self, run: Run) {
        let us = |ns: u64| ns as f64 / 1e3;
        let h = &run.latencies;
        self.replies = h.len();
        if !h.is_empty() {
            self.p50_us = Some(us(h.value_at_quantile(0.5)));
            self.p99_us = Some(us(h.value_at_quantile(0.99)));
            self.p999_us = Some(us(h.value_at_quantile(0.999)));
            self.max_us = Some(us(h.max()));
        }
        self.pacer_lag_max_us = Some(run.pacer_lag_max.as_secs_f64() * 1e6);
        match (&run.samples[..], self.requests) {
            ([Ok(start), Ok(end)], requests) if requests > 0 => {
                let per_1k = 1000.0 / requests as f64;
                let ticks = end.cpu_ticks.saturating_sub(start.cpu_ticks);
                let cpu_ms = ticks as f64 * 1000.0 / ticks_per_second() as f64;
                self.server_cpu_ms_per_1k = Some(cpu_ms * per_1k);
                let switches = end.ctx_switches.saturating_sub(start.ctx_switches);
                self.server_ctx_switches = Some(switches);
                self.server_ctx_switches_per_1k = Some(switches as f64 * per_1k);
                self.server_threads = Some(end.threads);
                self.server_rss_kib = Some(end.rss_kib);
            }
            (samples, _) => {
                let errors = samples.iter().filter_map(|s| s.as_ref().err());
                let reasons: Vec<String> = errors.map(|e| format!("{e:#}")).collect();
                if !reasons.is_empty() {
                    self.note = Some(format!("server counters: {}", reasons.join("; ")));
                }
            }
        }
        if !run.errors.first.is_empty() {
            self.note = Some(run.errors.first.join("; "));
        }
        self.errors = run.errors;
        self.held = self.errors.total() == 0
            && self.replies == self.requests
            && self.p99_us.is_some_and(|p99| p99 <= P99_BOUND.as_secs_f64() * 1e6);
    }
}

/// A latency in µs, shown as µs, ms or s with three significant digits at most.
fn latency(us: Option<f64>) -> String {
    let Some(us) = us else { return "–".into() };
    if us < 1e3 {
        format!("{us:.0} µs")
    } else if us < 1e4 {
        format!("{:.2} ms", us / 1e3)
    } else if us < 1e5 {
        format!("{:.1} ms", us / 1e3)
    } else if us < 1e6 {
        format!("{:.0} ms", us / 1e3)
    } else {
        format!("{:.2} s", us / 1e6)
    }
}

fn number<T: std::fmt::Display>(value: Option<T>) -> String {
    value.map_or_else(|| "–".into(), |v| v.to_string())
}

fn fixed(value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(|| "–".into(), |v| format!("{v:.decimals$}"))
}

/// The errors as `N (kind n, ...)`.
fn errors(errors: &Errors) -> String {
    let kinds = [
        ("connect", errors.connect),
        ("io", errors.io),
        ("wrong", errors.wrong_bytes),
        ("missing", errors.missing),
    ];
    let shown: Vec<String> =
        kinds.iter().filter(|(_, n)| *n > 0).map(|(kind, n)| format!("{kind} {n}")).collect();
    if shown.is_empty() { "0".into() } else { format!("{} ({})", errors.total(), shown.join(", ")) }
}

/// How each point is measured, in one sentence.
fn method(plan: &Plan) -> String {
    format!(
        "Open-loop: the connections carry a fixed total rate, request i due at t0 + i/rate \
         round-robin; latency = reply arrival − due time. {MESSAGE_BYTES}-byte echoes, \
         {} ms warm-up, then a {} ms measured window; a reply later than {} s after the last \
         due time is missing. Held: no errors and p99 ≤ {} ms.",
        plan.warmup.as_millis(),
        plan.window.as_millis(),
        DRAIN_TIMEOUT.as_secs(),
        P99_BOUND.as_millis(),
    )
}

pub fn print_header(plan: &Plan, machine: &str) {
    println!("latency: {machine}");
    println!("{}", method(plan));
}

pub fn print_point(p: &Point) {
    let status = match p.status {
        Status::Ran => String::new(),
        Status::Failed => "FAILED: ".into(),
        Status::Stopped => "STOPPED: ".into(),
    };
    println!(
        "{} {} conns {} req/s: {status}requests {}, replies {}, errors {}, p50 {}, p99 {}, \
         p99.9 {}, max {}, server cpu {} ms/1k req, ctx switches {}, threads {}, rss {} KiB, \
         pacer lag max {}{}{}",
        p.server.name(),
        p.connections,
        p.rate,
        p.requests,
        p.replies,
        errors(&p.errors),
        latency(p.p50_us),
        latency(p.p99_us),
        latency(p.p999_us),
        latency(p.max_us),
        fixed(p.server_cpu_ms_per_1k, 1),
        number(p.server_ctx_switches),
        number(p.server_threads),
        number(p.server_rss_kib),
        latency(p.pacer_lag_max_us),
        if p.held { ", held" } else { "" },
        p.note.as_ref().map_or_else(String::new, |note| format!(" [{note}]")),
    );
}

/// The highest rate held per server and connection count.
fn held(points: &[Point]) -> Vec<(Server, usize, Option<u64>)> {
    let mut groups: Vec<(Server, usize, Option<u64>)> = Vec::new();
    for p in points {
        let rate = p.held.then_some(p.rate);
        match groups.iter_mut().find(|(s, n, _)| *s == p.server && *n == p.connections) {
            Some((_, _, best)) => *best = (*best).max(rate),
            None => groups.push((p.server, p.connections, rate)),
        }
    }
    groups
}

pub fn print_held(points: &[Point]) {
    println!("highest rate held (no errors, p99 <= {} ms):", P99_BOUND.as_millis());
    for (server, connections, rate) in held(points) {
        let rate = rate.map_or_else(|| "none".into(), |r| format!("{r} req/s"));
        println!("  {} at {connections} connections: {rate}", server.name());
    }
}

/// Writes `latency.md`, `latency.json` and the charts into `out`; returns their paths.
pub fn write(
    out: &Path,
    plan: &Plan,
    machine: &str,
    points: &[Point],
    failures: &[String],
) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let mut written = Vec::new();
    let mut charts = Vec::new();
    for &connections in &plan.connections {
        let file = format!("latency-p99-{connections}.svg");
        let path = out.join(&file);
        if draw_chart(&path, connections, points)? {
            charts.push((connections, file));
            written.push(path);
        }
    }

    let mut md = String::from("### Latency at a fixed rate\n\n");
    let _ = writeln!(md, "`cargo run --release -p benches --bin latency`. {}\n", method(plan));
    let _ = writeln!(md, "Machine: {machine}; client and server share its cores.\n");
    md.push_str(
        "| server | connections | offered req/s | requests | errors | p50 | p99 | p99.9 | max \
         | server CPU ms / 1k req | server context switches | server threads | server RSS \
         | client lag max |\n",
    );
    md.push_str(
        "| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: \
         | ---: |\n",
    );
    for p in points {
        let errors = match (p.status, &p.note) {
            (Status::Ran, _) => errors(&p.errors),
            (status, note) => {
                let status = if status == Status::Stopped { "stopped" } else { "failed" };
                format!("{status}: {}", note.as_deref().unwrap_or("").replace('|', "/"))
            }
        };
        let rss = p.server_rss_kib.map(|kib| format!("{:.1} MiB", kib as f64 / 1024.0));
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {errors} | {} | {}{} | {} | {} | {} | {} | {} | {} | {} |",
            p.server.name(),
            p.connections,
            p.rate,
            p.requests,
            latency(p.p50_us),
            latency(p.p99_us),
            if p.held { "" } else { " ✗" },
            latency(p.p999_us),
            latency(p.max_us),
            fixed(p.server_cpu_ms_per_1k, 1),
            number(p.server_ctx_switches),
            number(p.server_threads),
            number(rss),
            latency(p.pacer_lag_max_us),
        );
    }
    let _ = writeln!(
        md,
        "\n✗: not held (errors, or p99 over {} ms). Client lag: how far behind its schedule the \
         client's pacer fell; where it is near the latency, the client, not the server, was the \
         limit.\n\nHighest rate held (no errors, p99 ≤ {} ms):\n",
        P99_BOUND.as_millis(),
        P99_BOUND.as_millis()
    );
    md.push_str("| server | connections | highest rate held |\n| --- | ---: | ---: |\n");
    for (server, connections, rate) in held(points) {
        let rate = rate.map_or_else(|| "none".into(), |r| format!("{r} req/s"));
        let _ = writeln!(md, "| {} | {connections} | {rate} |", server.name());
    }
    if !charts.is_empty() {
        md.push('\n');
        for (connections, file) in &charts {
            let _ = writeln!(md, "![p99 against offered rate, {connections} connections]({file})");
        }
    }
    let path = out.join("latency.md");
    std::fs::write(&path, md).with_context(|| format!("writing {}", path.display()))?;
    written.push(path);

    let json = serde_json::json!({
        "machine": machine,
        "p99_bound_ms": P99_BOUND.as_millis() as u64,
        "warmup_ms": plan.warmup.as_millis() as u64,
        "window_ms": plan.window.as_millis() as u64,
        "drain_timeout_ms": DRAIN_TIMEOUT.as_millis() as u64,
        "message_bytes": MESSAGE_BYTES,
        "points": points,
        "held": held(points)
            .iter()
            .map(|(server, connections, rate)| {
                serde_json::json!({ "server": server, "connections": connections, "rate": rate })
            })
            .collect::<Vec<_>>(),
        "failures": failures,
    });
    let path = out.join("latency.json");
    let text = serde_json::to_string_pretty(&json).context("encoding latency.json")?;
    std::fs::write(&path, text + "\n").with_context(|| format!("writing {}", path.display()))?;
    written.push(path);
    Ok(written)
}

/// Colours of the servers' lines, in [`Server::ALL`]'s order.
const COLORS: [RGBColor; 4] = [
    RGBColor(31, 119, 180),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
];

/// Draws p99 (log scale) against the offered rate at `connections`, one line per server, and
/// the bound as a dashed line; `false` when no point there has a p99.
fn draw_chart(path: &Path, connections: usize, points: &[Point]) -> anyhow::Result<bool> {
    let lines: Vec<(Server, Vec<(f64, f64)>)> = Server::ALL
        .iter()
        .map(|&server| {
            let xy = points
                .iter()
                .filter(|p| p.server == server && p.connections == connections)
                .filter_map(|p| Some((p.rate as f64, p.p99_us? / 1e3)))
                .collect::<Vec<_>>();
            (server, xy)
        })
        .filter(|(_, xy)| !xy.is_empty())
        .collect();
    if lines.is_empty() {
        return Ok(false);
    }
    let all = || lines.iter().flat_map(|(_, xy)| xy.iter().copied());
    let bound_ms = P99_BOUND.as_secs_f64() * 1e3;
    let low = all().map(|(_, y)| y).fold(bound_ms, f64::min).max(1e-3);
    let high = all().map(|(_, y)| y).fold(bound_ms, f64::max);
    let y_range = 10f64.powf(low.log10().floor())..10f64.powf(high.log10().ceil());
    let x_max = all().map(|(x, _)| x).fold(0.0, f64::max) * 1.05;

    let root = SVGBackend::new(path, (900, 500)).into_drawing_area();
    let draw = || -> Result<(), DrawingAreaErrorKind<_>> {
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(format!("p99 latency at {connections} connections"), ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(70)
            .build_cartesian_2d(0.0..x_max, y_range.clone().log_scale())?;
        chart
            .configure_mesh()
            .x_desc("offered rate (requests/s)")
            .y_desc("p99 latency (ms, log scale)")
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| format!("{y}"))
            .label_style(("sans-serif", 13))
            .axis_desc_style(("sans-serif", 15))
            .draw()?;
        let dash = BLACK.mix(0.5).stroke_width(1);
        chart
            .draw_series(DashedLineSeries::new([(0.0, bound_ms), (x_max, bound_ms)], 6, 4, dash))?
            .label(format!("bound {bound_ms} ms"))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], dash));
        for (server, xy) in &lines {
            let index = Server::ALL.iter().position(|s| s == server).unwrap_or(0);
            let color = COLORS[index % COLORS.len()];
            chart
                .draw_series(LineSeries::new(xy.iter().copied(), color.stroke_width(2)))?
                .label(server.name())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                });
            chart.draw_series(xy.iter().map(|&at| Circle::new(at, 4, color.filled())))?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
        root.present()
    };
    draw().map_err(|e| anyhow!("drawing {}: {e}", path.display()))?;
    Ok(true)
}
