//! Charts as pictures: small SVG drawn on the server, no JavaScript. Every chart has a
//! `<title>` and sits above a table with the same figures, which is what screen readers and
//! tests read; a suppressed cell is drawn hatched, with no length that could give it away.

use std::fmt::Write;

use crate::contact_point::{Count, Matrix, Rate};

use super::page::esc;

const WIDTH: f64 = 720.0;
const LABEL: f64 = 260.0;
const BAR: f64 = 22.0;
const GAP: f64 = 8.0;

/// One bar: a label, a value to draw (none when suppressed) and the text beside it.
pub struct Bar {
    /// What the bar is.
    pub label: String,
    /// Its length in the chart's unit; none draws the hatched "suppressed" mark.
    pub value: Option<f64>,
    /// An optional second mark on the same scale (e.g. the 90th percentile).
    pub marker: Option<f64>,
    /// What is written at its end.
    pub text: String,
}

impl Bar {
    /// A bar for a count.
    pub fn count(label: impl Into<String>, count: Count) -> Bar {
        Bar {
            label: label.into(),
            value: count.exact().map(|n| n as f64),
            marker: None,
            text: count.to_string(),
        }
    }

    /// A bar for a rate in per cent.
    pub fn rate(label: impl Into<String>, rate: Rate) -> Bar {
        Bar {
            label: label.into(),
            value: match rate {
                Rate::Percent(p) => Some(p),
                Rate::Suppressed => None,
            },
            marker: None,
            text: rate.to_string(),
        }
    }

    /// A bar for a median with its 90th percentile as a mark, in days.
    pub fn percentiles(label: impl Into<String>, p50: Option<f64>, p90: Option<f64>) -> Bar {
        let days = |d: Option<f64>| d.map_or_else(|| "–".to_owned(), |d| format!("{d:.1}"));
        Bar {
            label: label.into(),
            value: p50,
            marker: p90,
            text: format!("{} / {} days", days(p50), days(p90)),
        }
    }
}

/// A horizontal bar chart.
pub fn bars(title: &str, bars: &[Bar]) -> String {
    let max = bars
        .iter()
        .flat_map(|b| [b.value, b.marker])
        .flatten()
        .fold(0.0_f64, f64::max)
        .max(1.0);
    // Room after the longest bar for its text, e.g. "11.0 / 21.0 days".
    let span = WIDTH - LABEL - 140.0;
    let height = (bars.len().max(1) as f64) * (BAR + GAP) + GAP;
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" aria-label="{t}"><title>{t}</title>
<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#eef"/><line x1="0" y1="0" x2="0" y2="6" stroke="#889" stroke-width="2"/></pattern></defs>
"##,
        t = esc(title)
    );
    if bars.is_empty() {
        let _ = write!(
            s,
            r##"<text x="8" y="{y}" font-size="14" fill="#444">Nothing to show yet.</text>"##,
            y = GAP + BAR * 0.7
        );
    }
    for (i, bar) in bars.iter().enumerate() {
        let y = GAP + i as f64 * (BAR + GAP);
        let _ = write!(
            s,
            r##"<text x="{x}" y="{ty}" font-size="13" text-anchor="end" fill="#222">{label}</text>"##,
            x = LABEL - 8.0,
            ty = y + BAR * 0.7,
            label = esc(&truncate(&bar.label, 36)),
        );
        let length = match bar.value {
            Some(v) => {
                let w = (v / max * span).max(if v > 0.0 { 2.0 } else { 0.0 });
                let _ = write!(
                    s,
                    r##"<rect x="{LABEL}" y="{y}" width="{w:.1}" height="{BAR}" fill="#2b5797"/>"##
                );
                w
            }
            None => {
                let _ = write!(
                    s,
                    r##"<rect x="{LABEL}" y="{y}" width="24" height="{BAR}" fill="url(#hatch)" stroke="#889"/>"##
                );
                24.0
            }
        };
        if let Some(m) = bar.marker {
            let x = LABEL + m / max * span;
            let _ = write!(
                s,
                r##"<line x1="{x:.1}" y1="{y1}" x2="{x:.1}" y2="{y2}" stroke="#c0392b" stroke-width="3"/>"##,
                y1 = y - 2.0,
                y2 = y + BAR + 2.0
            );
        }
        let _ = write!(
            s,
            r##"<text x="{x:.1}" y="{ty}" font-size="13" fill="#222">{text}</text>"##,
            x = LABEL + length.max(bar.marker.map_or(0.0, |m| m / max * span)) + 6.0,
            ty = y + BAR * 0.7,
            text = esc(&bar.text),
        );
    }
    s.push_str("</svg>");
    s
}

/// A matrix drawn as a grid of shaded cells (e.g. agency-to-agency flows).
pub fn heatmap(title: &str, matrix: &Matrix) -> String {
    let cell = 56.0;
    let label = 250.0;
    let head = 120.0;
    let width = label + cell * matrix.columns.len().max(1) as f64 + 8.0;
    let height = head + cell * matrix.rows.len().max(1) as f64 + 8.0;
    let max = matrix
        .rows
        .iter()
        .flat_map(|r| r.cells.iter().filter_map(|c| c.exact()))
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-label="{t}"><title>{t}</title>
<defs><pattern id="hatch-m" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#eef"/><line x1="0" y1="0" x2="0" y2="6" stroke="#889" stroke-width="2"/></pattern></defs>
"##,
        t = esc(title)
    );
    for (j, column) in matrix.columns.iter().enumerate() {
        let x = label + j as f64 * cell + cell / 2.0;
        let _ = write!(
            s,
            r##"<text transform="translate({x:.1},{y}) rotate(-40)" font-size="12" fill="#222">{c}</text>"##,
            y = head - 6.0,
            c = esc(&truncate(column, 22)),
        );
    }
    for (i, row) in matrix.rows.iter().enumerate() {
        let y = head + i as f64 * cell;
        let _ = write!(
            s,
            r##"<text x="{x}" y="{ty:.1}" font-size="12" text-anchor="end" fill="#222">{l}</text>"##,
            x = label - 8.0,
            ty = y + cell * 0.55,
            l = esc(&truncate(&row.label, 36)),
        );
        for (j, count) in row.cells.iter().enumerate() {
            let x = label + j as f64 * cell;
            let (fill, ink) = match count.exact() {
                Some(0) => ("#f7f7f7".to_owned(), "#999"),
                Some(n) => {
                    let t = n as f64 / max;
                    let light = (235.0 - 150.0 * t) as u8;
                    (
                        format!("rgb({light},{},{})", light.saturating_add(10), 245),
                        if t > 0.55 { "#fff" } else { "#111" },
                    )
                }
                None => ("url(#hatch-m)".to_owned(), "#111"),
            };
            let _ = write!(
                s,
                r##"<rect x="{x}" y="{y}" width="{w}" height="{w}" fill="{fill}" stroke="#fff"/><text x="{tx}" y="{ty}" font-size="13" text-anchor="middle" fill="{ink}">{count}</text>"##,
                w = cell - 2.0,
                tx = x + cell / 2.0,
                ty = y + cell * 0.58,
                count = esc(&count.to_string()),
            );
        }
    }
    s.push_str("</svg>");
    s
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut t: String = text.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contact_point::MatrixRow;

    #[test]
    fn bars_are_proportional_and_suppressed_cells_have_no_length() {
        let svg = bars(
            "Cases <by stage>",
            &[
                Bar::count("active", Count::of(40)),
                Bar::count("closed", Count::of(20)),
                Bar::count("suspended", Count::of(3)),
            ],
        );
        assert!(svg.contains("<title>Cases &#60;by stage&#62;</title>"));
        let widths: Vec<f64> = svg
            .match_indices(r##"fill="#2b5797""##)
            .map(|(i, _)| {
                let before = &svg[..i];
                let w = before.rsplit("width=\"").next().unwrap();
                w.split('"').next().unwrap().parse().unwrap()
            })
            .collect();
        assert_eq!(widths.len(), 2, "the suppressed cell draws no measured bar");
        assert!((widths[0] / widths[1] - 2.0).abs() < 0.01, "{widths:?}");
        assert!(svg.contains("url(#hatch)"));
        assert!(svg.contains(">&#60;5</text>"));
    }

    #[test]
    fn heatmaps_write_every_cell() {
        let m = Matrix {
            columns: vec!["A".into(), "B".into()],
            rows: vec![MatrixRow {
                label: "X".into(),
                cells: vec![Count::of(9), Count::of(2)],
                total: Count::of(11),
            }],
        };
        let svg = heatmap("Flows", &m);
        assert!(svg.contains(">9</text>"));
        assert!(svg.contains(">&#60;5</text>"));
        assert!(svg.contains("url(#hatch-m)"));
    }
}
