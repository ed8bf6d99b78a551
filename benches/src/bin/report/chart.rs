//! The SVG charts: for each group, the cost per item against size on plotters' log-scale axes,
//! one line per runtime with a bar for each point's confidence interval, and `all.svg`, every
//! group's chart on one grid.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use anyhow::{Context, Result, anyhow};
use plotters::coord::Shift;
use plotters::coord::combinators::{BindKeyPoints, IntoLogRange};
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::criterion::{Group, Measurement, RUNTIME_ORDER, Throughput};
use crate::format::{format_duration, format_sig3, format_size};

/// The name of the grid of every group's chart.
pub const ALL_CHARTS: &str = "all.svg";

/// The charts [`write_charts`] drew.
pub struct Charts {
    /// Each group's chart file, relative to the output directory: `None` when nothing in the
    /// group can be plotted.
    pub files: Vec<Option<String>>,
    /// How many group charts were drawn (`all.svg` not counted).
    pub drawn: usize,
}

/// Draws each group's chart as `<group>.svg` in `out`, and all of them in [`ALL_CHARTS`].
pub fn write_charts(out: &Path, groups: &[Group]) -> Result<Charts> {
    let styles = SeriesStyles::new(groups);
    let mut files = Vec::with_capacity(groups.len());
    let mut drawn = Vec::new();
    for group in groups {
        let series = chart_series(group, &styles);
        if series.is_empty() {
            files.push(None);
            continue;
        }
        let file = format!("{}.svg", file_stem(&group.name));
        let path = out.join(&file);
        let root = SVGBackend::new(&path, CHART_SIZE).into_drawing_area();
        draw_chart(&root, group, &series)
            .and_then(|()| root.present())
            .map_err(|e| anyhow!("drawing {}: {e}", path.display()))?;
        files.push(Some(file));
        drawn.push((group, series));
    }
    if !drawn.is_empty() {
        let path = out.join(ALL_CHARTS);
        let columns = drawn.len().min(2);
        let rows = drawn.len().div_ceil(columns);
        let size = (
            CHART_SIZE.0 * u32::try_from(columns).expect("at most 2 columns"),
            CHART_SIZE.1 * u32::try_from(rows).context("too many groups for one grid")?,
        );
        let root = SVGBackend::new(&path, size).into_drawing_area();
        root.split_evenly((rows, columns))
            .iter()
            .zip(&drawn)
            .try_for_each(|(area, (group, series))| draw_chart(area, group, series))
            .and_then(|()| root.present())
            .map_err(|e| anyhow!("drawing {}: {e}", path.display()))?;
    }
    Ok(Charts { files, drawn: drawn.len() })
}

/// A file name for a group's chart: the group id with anything unusual replaced.
fn file_stem(group: &str) -> String {
    group
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' })
        .collect()
}

/// Pixel size of one chart (and of one cell of `all.svg`).
pub const CHART_SIZE: (u32, u32) = (900, 500);

/// Width of the legend to the right of each chart, so it never hides a line.
const LEGEND_WIDTH: u32 = 150;

/// What a chart's y axis shows, from the group's throughput.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Metric {
    /// Median ÷ elements (criterion `Elements` or `ElementsAndBytes`), in ns.
    TimePerElement,
    /// Bytes ÷ median, in MiB/s (`Bytes`) or MB/s (`BytesDecimal`).
    Bytes { decimal: bool },
    /// Bits ÷ median, in Mbit/s.
    Bits,
    /// The median itself, when the group declares no throughput (or mixes kinds).
    TimePerIteration,
}

impl Metric {
    /// The metric every measurement of the group supports.
    pub fn of(group: &Group) -> Self {
        let kind = |m: &Measurement| match m.throughput {
            Some(Throughput::Elements(_) | Throughput::ElementsAndBytes { .. }) => {
                Self::TimePerElement
            }
            Some(Throughput::Bytes(_)) => Self::Bytes { decimal: false },
            Some(Throughput::BytesDecimal(_)) => Self::Bytes { decimal: true },
            Some(Throughput::Bits(_)) => Self::Bits,
            None => Self::TimePerIteration,
        };
        let mut kinds = group.measurements().map(kind);
        let first = kinds.next().unwrap_or(Self::TimePerIteration);
        if kinds.all(|k| k == first) { first } else { Self::TimePerIteration }
    }

    /// The plotted value for a time in ns, or `None` when it has no meaning (nothing processed).
    fn value(self, nanos: f64, throughput: Option<Throughput>) -> Option<f64> {
        let per_second = |amount: u64| 1e9 * amount as f64 / nanos;
        let value = match (self, throughput) {
            (Self::TimePerElement, Some(Throughput::Elements(n)))
            | (Self::TimePerElement, Some(Throughput::ElementsAndBytes { elements: n, .. })) => {
                nanos / n as f64
            }
            (Self::Bytes { decimal: false }, Some(Throughput::Bytes(n))) => {
                per_second(n) / 1_048_576.0
            }
            (Self::Bytes { decimal: true }, Some(Throughput::BytesDecimal(n))) => {
                per_second(n) / 1e6
            }
            (Self::Bits, Some(Throughput::Bits(n))) => per_second(n) / 1e6,
            (Self::TimePerIteration, _) => nanos,
            _ => return None,
        };
        (value.is_finite() && value > 0.0).then_some(value)
    }

    fn is_time(self) -> bool {
        matches!(self, Self::TimePerElement | Self::TimePerIteration)
    }

    /// The y axis title.
    pub fn axis_label(self) -> &'static str {
        match self {
            Self::TimePerElement => "time per element",
            Self::Bytes { decimal: false } => "throughput (MiB/s)",
            Self::Bytes { decimal: true } => "throughput (MB/s)",
            Self::Bits => "throughput (Mbit/s)",
            Self::TimePerIteration => "time per iteration",
        }
    }

    /// What the chart shows, for the group's caption.
    pub fn description(self) -> &'static str {
        match self {
            Self::TimePerElement => "the time per element (median ÷ elements) against size",
            Self::Bytes { decimal: false } => {
                "the throughput in MiB/s (bytes ÷ median; higher is better) against size"
            }
            Self::Bytes { decimal: true } => {
                "the throughput in MB/s (bytes ÷ median; higher is better) against size"
            }
            Self::Bits => "the throughput in Mbit/s (bits ÷ median; higher is better) against size",
            Self::TimePerIteration => "the median time per iteration against size",
        }
    }

    fn format(self, value: f64) -> String {
        if self.is_time() { format_duration(value) } else { format_sig3(value) }
    }
}

/// A point's shape, so lines stay apart where colours are hard to tell apart.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Marker {
    Circle,
    Triangle,
    Square,
    Cross,
}

/// How a runtime is drawn: the same in every chart.
#[derive(Debug, Clone, Copy)]
pub struct SeriesStyle {
    color: RGBColor,
    marker: Marker,
}

/// The Tableau 10 palette, distinct on screen and in print, then two light tones of Tableau 20, so
/// the ids of the suite (nine in the preferred order, `std` and `std-on-tokio-mt`) all differ.
const PALETTE: [RGBColor; 12] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
    RGBColor(174, 199, 232),
    RGBColor(255, 187, 120),
];

const MARKERS: [Marker; 4] = [Marker::Circle, Marker::Triangle, Marker::Square, Marker::Cross];

/// Each runtime's style, assigned over every group at once so a runtime keeps its colour.
pub struct SeriesStyles(BTreeMap<String, SeriesStyle>);

impl SeriesStyles {
    /// The listed runtimes by their place in [`RUNTIME_ORDER`], so their look does not change
    /// from one report to the next; the others after them, alphabetically.
    fn new(groups: &[Group]) -> Self {
        let mut others: Vec<&str> = groups
            .iter()
            .flat_map(|g| g.runtimes.iter().map(String::as_str))
            .filter(|runtime| !RUNTIME_ORDER.contains(runtime))
            .collect();
        others.sort_unstable();
        others.dedup();
        let styles = RUNTIME_ORDER
            .iter()
            .chain(&others)
            .enumerate()
            .map(|(i, runtime)| {
                let style = SeriesStyle {
                    color: PALETTE[i % PALETTE.len()],
                    marker: MARKERS[i % MARKERS.len()],
                };
                ((*runtime).to_owned(), style)
            })
            .collect();
        Self(styles)
    }

    fn get(&self, runtime: &str) -> SeriesStyle {
        self.0.get(runtime).copied().unwrap_or(SeriesStyle { color: BLACK, marker: Marker::Circle })
    }
}

/// One runtime's line in a chart.
#[derive(Debug)]
pub struct Series {
    runtime: String,
    style: SeriesStyle,
    metric: Metric,
    points: Vec<Point>,
}

/// A plotted value and its confidence interval (`low` ≤ `high`) at size `x`.
#[derive(Debug, Clone, Copy)]
pub struct Point {
    x: f64,
    y: f64,
    low: f64,
    high: f64,
}

/// The lines of a group's chart; empty when nothing can be plotted (x and y must be positive).
pub fn chart_series(group: &Group, styles: &SeriesStyles) -> Vec<Series> {
    let metric = Metric::of(group);
    let mut series = Vec::new();
    for (column, runtime) in group.runtimes.iter().enumerate() {
        let mut points: Vec<Point> = group
            .rows
            .iter()
            .filter_map(|(size, cells)| {
                let m = cells[column].as_ref()?;
                let x = size
                    .numeric()
                    .or_else(|| throughput_amount(m.throughput))
                    .filter(|x| *x > 0.0)?;
                let y = metric.value(m.median, m.throughput)?;
                // The interval's bounds may map to nothing (a zero lower bound): then the point.
                let a = metric.value(m.lower, m.throughput).unwrap_or(y);
                let b = metric.value(m.upper, m.throughput).unwrap_or(y);
                Some(Point { x, y, low: a.min(b).min(y), high: a.max(b).max(y) })
            })
            .collect();
        if points.is_empty() {
            continue;
        }
        points.sort_by(|a, b| a.x.total_cmp(&b.x));
        series.push(Series {
            runtime: runtime.clone(),
            style: styles.get(runtime),
            metric,
            points,
        });
    }
    series
}

/// What one iteration processes, as a stand-in x for a non-numeric size.
fn throughput_amount(throughput: Option<Throughput>) -> Option<f64> {
    match throughput? {
        Throughput::Bits(n)
        | Throughput::Bytes(n)
        | Throughput::BytesDecimal(n)
        | Throughput::Elements(n)
        | Throughput::ElementsAndBytes { elements: n, .. } => Some(n as f64),
    }
}

/// Where an axis draws its marks. Plotters maps the values (`log_scale()` or linear); these only
/// choose the marks, so the x ticks fall on the sizes measured and the y ticks on round values.
#[derive(Debug, Clone, PartialEq)]
struct Marks {
    /// Labelled ticks.
    ticks: Vec<f64>,
    /// Grid lines, the ticks among them.
    grid: Vec<f64>,
}

/// The x axis, always log scale: through the sizes measured, with a little room on both sides,
/// a tick at each size.
fn size_axis(mut sizes: Vec<f64>) -> (Range<f64>, Marks) {
    sizes.sort_by(f64::total_cmp);
    sizes.dedup();
    let (first, last) = match (sizes.first(), sizes.last()) {
        (Some(first), Some(last)) => (*first, *last),
        _ => (1.0, 10.0),
    };
    let marks = Marks { grid: sizes.clone(), ticks: sizes };
    (first / 1.5..last * 1.5, marks)
}

/// The y axis for positive values from `low` to `high`.
#[derive(Debug, Clone, PartialEq)]
enum ValueAxis {
    /// Log scale over whole decades, 1-2-5 ticks.
    Log { range: Range<f64>, marks: Marks },
    /// Linear from zero to a round value, plotters' own ticks.
    Linear { range: Range<f64> },
}

impl ValueAxis {
    /// Log when the values span more than a factor of ten, else linear from zero.
    fn new(low: f64, high: f64) -> Self {
        if high > 10.0 * low {
            let first = low.log10().floor() as i32;
            let last = high.log10().ceil() as i32;
            // 1-2-5 ticks over up to three decades, decade ticks beyond.
            let steps: &[f64] = if last - first <= 3 { &[1.0, 2.0, 5.0] } else { &[1.0] };
            let top = 10f64.powi(last);
            let decades = || (first..=last).map(|e| 10f64.powi(e));
            let within = |t: &f64| *t <= top * 1.0001;
            Self::Log {
                range: 10f64.powi(first)..top,
                marks: Marks {
                    ticks: decades()
                        .flat_map(|d| steps.iter().map(move |s| s * d))
                        .filter(within)
                        .collect(),
                    grid: decades()
                        .flat_map(|d| (1..10).map(move |s| f64::from(s) * d))
                        .filter(within)
                        .collect(),
                },
            }
        } else {
            // Up to a multiple of a 1-2-5 step giving at most about six intervals.
            let rough = high / 6.0;
            let magnitude = 10f64.powf(rough.log10().floor());
            let step = [1.0, 2.0, 5.0, 10.0]
                .into_iter()
                .map(|s| s * magnitude)
                .find(|s| *s >= rough)
                .unwrap_or(10.0 * magnitude);
            let intervals = (high / step).ceil().max(1.0);
            Self::Linear { range: 0.0..step * intervals }
        }
    }
}

type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// Draws one group's chart with its legend on `area`.
fn draw_chart<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    group: &Group,
    series: &[Series],
) -> DrawResult<DB> {
    area.fill(&WHITE)?;
    let Some(metric) = series.first().map(|s| s.metric) else {
        return Ok(());
    };
    let (width, _) = area.dim_in_pixel();
    let split = i32::try_from(width.saturating_sub(LEGEND_WIDTH)).unwrap_or(i32::MAX);
    let (plot_area, legend_area) = area.split_horizontally(split);

    let points = || series.iter().flat_map(|s| &s.points);
    let (x_range, x_marks) = size_axis(points().map(|p| p.x).collect());
    let x = x_range.log_scale().with_key_points(x_marks.ticks).with_light_points(x_marks.grid);
    let low = points().map(|p| p.low).fold(f64::INFINITY, f64::min);
    let high = points().map(|p| p.high).fold(0.0, f64::max);
    let plot = Plot { area: &plot_area, group, series, metric };
    match ValueAxis::new(low, high) {
        ValueAxis::Log { range, marks } => {
            let y = range.log_scale().with_key_points(marks.ticks).with_light_points(marks.grid);
            plot.draw(x, y, true)?;
        }
        ValueAxis::Linear { range } => plot.draw(x, range, false)?,
    }
    draw_legend(&legend_area, series)
}

/// One group's chart without its legend, ready to draw on either kind of y axis.
struct Plot<'a, DB: DrawingBackend> {
    area: &'a DrawingArea<DB, Shift>,
    group: &'a Group,
    series: &'a [Series],
    metric: Metric,
}

impl<DB: DrawingBackend> Plot<'_, DB> {
    /// The mesh, the axes' titles, then each runtime's line, confidence bars and markers, on the
    /// log-scale `x` and the `y` that is log scale when `log_y`, else linear.
    fn draw<X, Y>(&self, x: X, y: Y, log_y: bool) -> DrawResult<DB>
    where
        X: AsRangedCoord<Value = f64>,
        X::CoordDescType: ValueFormatter<f64>,
        Y: AsRangedCoord<Value = f64>,
        Y::CoordDescType: ValueFormatter<f64>,
    {
        let metric = self.metric;
        let y_desc = if log_y {
            format!("{} (log scale)", metric.axis_label())
        } else {
            metric.axis_label().to_owned()
        };
        let mut chart = ChartBuilder::on(self.area)
            .caption(format!("{}: {}", self.group.name, metric.axis_label()), ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(85)
            .build_cartesian_2d(x, y)?;
        chart
            .configure_mesh()
            .x_desc("size (log scale)")
            .y_desc(y_desc)
            .x_label_formatter(&|v| format_size(*v))
            .y_label_formatter(&|v| metric.format(*v))
            .label_style(("sans-serif", 13))
            .axis_desc_style(("sans-serif", 15))
            .light_line_style(BLACK.mix(0.05))
            .draw()?;
        for s in self.series {
            let color = s.style.color;
            chart.draw_series(LineSeries::new(
                s.points.iter().map(|p| (p.x, p.y)),
                color.stroke_width(2),
            ))?;
            chart.draw_series(s.points.iter().map(|p| {
                PathElement::new(vec![(p.x, p.low), (p.x, p.high)], color.stroke_width(1))
            }))?;
            for p in &s.points {
                draw_marker(chart.plotting_area(), (p.x, p.y), s.style)?;
            }
        }
        Ok(())
    }
}

/// The runtimes' names next to their line and marker, one per row.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    series: &[Series],
) -> DrawResult<DB> {
    let label =
        TextStyle::from(("sans-serif", 14).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    for (row, s) in (0..).zip(series) {
        let y = 50 + 24 * row;
        area.draw(&PathElement::new(vec![(6, y), (36, y)], s.style.color.stroke_width(2)))?;
        draw_marker(area, (21, y), s.style)?;
        area.draw(&Text::new(s.runtime.as_str(), (44, y), label.clone()))?;
    }
    Ok(())
}

/// A marker centred on `at`, in whatever coordinates `area` uses.
fn draw_marker<DB, CT>(
    area: &DrawingArea<DB, CT>,
    at: CT::From,
    style: SeriesStyle,
) -> DrawResult<DB>
where
    DB: DrawingBackend,
    CT: CoordTranslate,
{
    let at = EmptyElement::at(at);
    let fill = style.color.filled();
    match style.marker {
        Marker::Circle => area.draw(&(at + Circle::new((0, 0), 4, fill))),
        Marker::Triangle => area.draw(&(at + TriangleMarker::new((0, 0), 5, fill))),
        Marker::Square => area.draw(&(at + Rectangle::new([(-4, -4), (4, 4)], fill))),
        Marker::Cross => area.draw(&(at + Cross::new((0, 0), 4, style.color.stroke_width(2)))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::criterion::collect;
    use crate::fixture::fake_tree;

    #[test]
    fn time_per_element_and_throughput_are_what_the_chart_plots() {
        let tree = fake_tree();
        let groups = collect(tree.path()).expect("a valid tree");
        let styles = SeriesStyles::new(&groups);
        let spawn = groups.iter().find(|g| g.name == "spawn_many").expect("spawn_many");
        let series = chart_series(spawn, &styles);
        let ct = series.iter().find(|s| s.runtime == "tokio-ct").expect("tokio-ct");
        let xy: Vec<(f64, f64)> = ct.points.iter().map(|p| (p.x, p.y)).collect();
        // 2 µs / 20, 20 µs / 100, 200 µs / 1000.
        assert_eq!(xy, [(20.0, 100.0), (100.0, 200.0), (1000.0, 200.0)]);
        let file = groups.iter().find(|g| g.name == "file_read").expect("file_read");
        let series = chart_series(file, &styles);
        let std = series.iter().find(|s| s.runtime == "std").expect("std");
        assert!((std.points[0].y - 2000.0).abs() < 1e-9, "1 MiB in 0.5 ms is 2000 MiB/s");
        assert!(std.points[0].low < 2000.0 && std.points[0].high > 2000.0);
        // Colours follow the runtime's place in the preferred order, the same in every group and
        // every report; the others follow.
        let colors: Vec<RGBColor> = ["tokio-mt", "tokio-ct", "async-std", "smol", "hand-written"]
            .iter()
            .map(|r| styles.get(r).color)
            .collect();
        assert_eq!(colors, [PALETTE[0], PALETTE[1], PALETTE[2], PALETTE[3], PALETTE[7]]);
        assert_eq!(styles.get("std").color, PALETTE[9]);
        assert_eq!(styles.get("zeta").color, PALETTE[10]);
    }
}
