//! Numbers as the tables and charts show them: three significant figures, durations in a unit
//! that fits.

/// Rounds to three significant figures, returning the value and its decimal exponent.
fn round3(value: f64) -> (f64, i32) {
    // `{:e}` rounds correctly, including the carry of 999.6 into 1.00e3.
    let scientific = format!("{value:.2e}");
    let (_, exponent) = scientific.split_once('e').expect("`{:e}` output has an exponent");
    let rounded = scientific.parse().expect("`{:e}` output parses back");
    let exponent = exponent.parse().expect("`{:e}` exponent is an integer");
    (rounded, exponent)
}

/// A number with three significant figures: `0.0412`, `1.31`, `41.2`, `412`, `41200`.
pub fn format_sig3(value: f64) -> String {
    if !value.is_finite() {
        return "n/a".to_owned();
    }
    if value == 0.0 {
        return "0".to_owned();
    }
    let (rounded, exponent) = round3(value);
    let decimals = usize::try_from(2 - exponent).unwrap_or(0);
    format!("{rounded:.decimals$}")
}

/// A duration in nanoseconds with three significant figures in ns, µs, ms or s.
pub fn format_duration(nanos: f64) -> String {
    if !nanos.is_finite() || nanos == 0.0 {
        return format!("{} ns", format_sig3(nanos));
    }
    let (rounded, _) = round3(nanos);
    let (scale, unit) = match rounded.abs() {
        n if n < 1e3 => (1.0, "ns"),
        n if n < 1e6 => (1e3, "µs"),
        n if n < 1e9 => (1e6, "ms"),
        _ => (1e9, "s"),
    };
    format!("{} {unit}", format_sig3(rounded / scale))
}

/// An axis label for a size: integers in full, others with three significant figures.
pub fn format_size(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{value:.0}")
    } else {
        format_sig3(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_significant_figures_in_a_fitting_unit() {
        let cases = [
            (0.0, "0 ns"),
            (0.5, "0.500 ns"),
            (12.345, "12.3 ns"),
            (999.4, "999 ns"),
            (999.6, "1.00 µs"),
            (41_234.0, "41.2 µs"),
            (999_960.0, "1.00 ms"),
            (1_500_000.0, "1.50 ms"),
            (2.0e9, "2.00 s"),
            (123_456.0e9, "123000 s"),
        ];
        for (nanos, expected) in cases {
            assert_eq!(format_duration(nanos), expected, "{nanos} ns");
        }
        assert_eq!(format_sig3(1.3149), "1.31");
        assert_eq!(format_sig3(0.04123), "0.0412");
        assert_eq!(format_sig3(0.99999), "1.00");
        assert_eq!(format_sig3(12_345.0), "12300");
        assert_eq!(format_size(10_000.0), "10000");
        assert_eq!(format_size(2.5), "2.50");
    }
}
