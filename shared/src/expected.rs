//! Expected output with a few wildcards.
//!
//! An example's output is checked exactly where it is deterministic and loosely only where it
//! cannot be (timings, thread ids, addresses). A pattern is compared with the output line by line:
//!
//! | in the pattern | matches |
//! | --- | --- |
//! | plain text | itself |
//! | `[..]` | any run of characters within one line, possibly none |
//! | `{LO..=HI}` | one decimal number `n` (optional `-`, optional fraction) with `LO <= n <= HI` |
//! | a line that is exactly `...` | any number of whole lines, possibly none |
//!
//! A `{` that does not open a well-formed `{LO..=HI}` is plain text, so Debug output such as
//! `Point { x: 1 }` can be written as it is.
//!
//! Ranges are what make timing claims checkable: `join: both done after {100..=190} ms` fails
//! if the two sleeps ran one after the other (200 ms), which `[..]` never could.

use std::fmt;

/// One piece of a pattern line.
#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Text(String),
    Any,
    Number { lo: f64, hi: f64 },
}

/// One pattern line: either `...` or a sequence of pieces.
#[derive(Debug, Clone, PartialEq)]
enum Line {
    SkipLines,
    Pieces(Vec<Piece>),
}

/// Why an output did not match its pattern, ready to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// A one-line hint at where the difference starts, when it can be told.
    pub hint: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.hint)
    }
}

/// Checks `actual` against `pattern`; both are split into lines, line endings ignored.
pub fn check(pattern: &str, actual: &str) -> Result<(), Mismatch> {
    let pattern_lines: Vec<Line> = pattern.lines().map(parse_line).collect();
    let actual_lines: Vec<&str> = actual.lines().collect();
    if lines_match(&pattern_lines, &actual_lines) {
        return Ok(());
    }
    Err(Mismatch { hint: first_difference(pattern, &pattern_lines, &actual_lines) })
}

fn parse_line(line: &str) -> Line {
    if line == "..." {
        return Line::SkipLines;
    }
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut rest = line;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("[..]") {
            flush_text(&mut text, &mut pieces);
            pieces.push(Piece::Any);
            rest = after;
        } else if let Some((lo, hi, after)) = parse_range(rest) {
            flush_text(&mut text, &mut pieces);
            pieces.push(Piece::Number { lo, hi });
            rest = after;
        } else {
            text.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    flush_text(&mut text, &mut pieces);
    Line::Pieces(pieces)
}

fn flush_text(text: &mut String, pieces: &mut Vec<Piece>) {
    if !text.is_empty() {
        pieces.push(Piece::Text(std::mem::take(text)));
    }
}

/// Parses `{LO..=HI}` at the start of `s`, returning the bounds and what follows.
fn parse_range(s: &str) -> Option<(f64, f64, &str)> {
    let inner_and_rest = s.strip_prefix('{')?;
    let close = inner_and_rest.find('}')?;
    let (lo, hi) = inner_and_rest[..close].split_once("..=")?;
    let lo: f64 = lo.trim().parse().ok()?;
    let hi: f64 = hi.trim().parse().ok()?;
    (lo <= hi).then_some((lo, hi, &inner_and_rest[close + 1..]))
}

fn lines_match(pattern: &[Line], actual: &[&str]) -> bool {
    match pattern.split_first() {
        None => actual.is_empty(),
        Some((Line::SkipLines, rest)) => {
            (0..=actual.len()).any(|skipped| lines_match(rest, &actual[skipped..]))
        }
        Some((Line::Pieces(pieces), rest)) => match actual.split_first() {
            Some((line, actual_rest)) => {
                line_matches(pieces, line) && lines_match(rest, actual_rest)
            }
            None => false,
        },
    }
}

fn line_matches(pieces: &[Piece], line: &str) -> bool {
    match pieces.split_first() {
        None => line.is_empty(),
        Some((Piece::Text(text), rest)) => {
            line.strip_prefix(text.as_str()).is_some_and(|after| line_matches(rest, after))
        }
        Some((Piece::Any, rest)) => line
            .char_indices()
            .map(|(i, _)| i)
            .chain(std::iter::once(line.len()))
            .any(|i| line_matches(rest, &line[i..])),
        Some((Piece::Number { lo, hi }, rest)) => {
            let len = number_prefix_len(line);
            len > 0
                && line[..len].parse::<f64>().is_ok_and(|n| *lo <= n && n <= *hi)
                && line_matches(rest, &line[len..])
        }
    }
}

/// Length of the longest prefix of `s` of the form `-?[0-9]+(\.[0-9]+)?`, or 0.
fn number_prefix_len(s: &str) -> usize {
    let bytes = s.as_bytes();
    let mut i = usize::from(bytes.first() == Some(&b'-'));
    let digits_start = i;
    while bytes.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    if i == digits_start {
        return 0;
    }
    if bytes.get(i) == Some(&b'.') && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
        i += 1;
        while bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    }
    i
}

/// Walks pattern and output in step until they part; exact where the pattern has no `...`.
fn first_difference(pattern: &str, pattern_lines: &[Line], actual: &[&str]) -> String {
    let raw: Vec<&str> = pattern.lines().collect();
    for (i, line) in pattern_lines.iter().enumerate() {
        let Line::Pieces(pieces) = line else {
            return format!(
                "the output differs after pattern line {i} (a `...` follows; compare the two in full)"
            );
        };
        match actual.get(i) {
            None => {
                return format!(
                    "the output ends after {} lines; pattern line {} expects `{}`",
                    actual.len(),
                    i + 1,
                    raw[i]
                );
            }
            Some(got) if !line_matches(pieces, got) => {
                return format!("line {}: expected `{}`, got `{}`", i + 1, raw[i], got);
            }
            Some(_) => {}
        }
    }
    format!(
        "the output has {} extra line(s), starting with `{}`",
        actual.len() - pattern_lines.len(),
        actual[pattern_lines.len()]
    )
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn plain_text_must_match_exactly() {
        assert!(check("a\nb", "a\nb\n").is_ok());
        assert!(check("a\nb", "a\nc").is_err());
        assert!(check("a\nb", "a").is_err());
        assert!(check("a", "a\nb").is_err());
        assert!(check("a", "a ").is_err());
    }

    #[test]
    fn any_matches_within_one_line_only() {
        assert!(check("took [..] ms", "took 12.5 ms").is_ok());
        assert!(check("took [..] ms", "took  ms").is_ok());
        assert!(check("[..]", "\n").is_ok());
        assert!(check("x[..]y", "x\ny").is_err());
        assert!(check("a[..]c[..]e", "abcde").is_ok());
        assert!(check("a[..]c[..]e", "abcd").is_err());
    }

    #[test]
    fn ranges_check_the_number() {
        assert!(check("after {100..=190} ms", "after 101 ms").is_ok());
        assert!(check("after {100..=190} ms", "after 100.75 ms").is_ok());
        assert!(check("after {100..=190} ms", "after 200 ms").is_err());
        assert!(check("after {100..=190} ms", "after 99.9 ms").is_err());
        assert!(check("after {100..=190} ms", "after ms").is_err());
        assert!(check("t={-5..=5}", "t=-3").is_ok());
        assert!(check("{1..=1}.", "1.").is_ok());
    }

    #[test]
    fn a_brace_that_is_not_a_range_is_text() {
        assert!(check("Point { x: 1 }", "Point { x: 1 }").is_ok());
        assert!(check("{5..=1}", "{5..=1}").is_ok());
        assert!(check("{a..=b}", "{a..=b}").is_ok());
    }

    #[test]
    fn ellipsis_skips_any_number_of_lines() {
        assert!(check("start\n...\nend", "start\nend").is_ok());
        assert!(check("start\n...\nend", "start\n1\n2\nend").is_ok());
        assert!(check("start\n...\nend", "start\n1\n2").is_err());
        assert!(check("...", "").is_ok());
        assert!(check("...\nlast", "x\ny\nlast").is_ok());
    }

    #[test]
    fn mismatch_names_the_line() {
        let err = check("a\nb\nc", "a\nX\nc").unwrap_err();
        assert_eq!(err.hint, "line 2: expected `b`, got `X`");
        let err = check("a\nb", "a").unwrap_err();
        assert!(err.hint.contains("ends after 1 lines"), "{err}");
        let err = check("a", "a\nb").unwrap_err();
        assert!(err.hint.contains("extra line(s), starting with `b`"), "{err}");
    }
}
