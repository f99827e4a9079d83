//! Charts as pictures: small SVG drawn on the server, no JavaScript. Every chart has a
//! `<title>` and sits above a table with the same figures, which is what screen readers and
//! tests read; a suppressed cell is drawn hatched, with no length that could give it away.

use crate::contact_point::{Count, Matrix, Rate};

use super::words;

const WIDTH: f64 = 720.0;
const LABEL: f64 = 260.0;
const BAR: f64 = 22.0;
const GAP: f64 = 8.0;

/// One bar: a label, a value to draw (none when suppressed) and the text beside it, in the
/// language of the request in hand.
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
            text: words::count(count),
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
            text: words::rate(rate),
        }
    }

    /// A bar for a median with its 90th percentile as a mark, in days.
    pub fn percentiles(label: impl Into<String>, p50: Option<f64>, p90: Option<f64>) -> Bar {
        Bar {
            label: label.into(),
            value: p50,
            marker: p90,
            text: words::t_with(
                "dash-days-pair",
                &[("median", words::days(p50)), ("p90", words::days(p90))],
            ),
        }
    }
}

/// The bar chart's template (`templates/dashboard/bars.svg`): geometry worked out in Rust,
/// every text escaped by the template.
#[derive(askama::Template)]
#[template(path = "dashboard/bars.svg")]
struct BarChart<'a> {
    title: &'a str,
    width: f64,
    height: f64,
    empty_y: f64,
    label_x: f64,
    bar_x: f64,
    bar_height: f64,
    rows: Vec<BarRow<'a>>,
}

/// One bar as drawn.
struct BarRow<'a> {
    label: String,
    y: f64,
    text_y: f64,
    /// The measured bar's width (one decimal); none draws the hatched mark.
    width: Option<String>,
    marker: Option<Marker>,
    text_x: String,
    text: &'a str,
}

/// A bar's second mark: a vertical line.
struct Marker {
    x: String,
    y1: f64,
    y2: f64,
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
    let rows = bars
        .iter()
        .enumerate()
        .map(|(i, bar)| {
            let y = GAP + i as f64 * (BAR + GAP);
            let width = bar
                .value
                .map(|v| (v / max * span).max(if v > 0.0 { 2.0 } else { 0.0 }));
            let length = width.unwrap_or(24.0);
            BarRow {
                label: truncate(&bar.label, 36),
                y,
                text_y: y + BAR * 0.7,
                width: width.map(|w| format!("{w:.1}")),
                marker: bar.marker.map(|m| Marker {
                    x: format!("{:.1}", LABEL + m / max * span),
                    y1: y - 2.0,
                    y2: y + BAR + 2.0,
                }),
                text_x: format!(
                    "{:.1}",
                    LABEL + length.max(bar.marker.map_or(0.0, |m| m / max * span)) + 6.0
                ),
                text: &bar.text,
            }
        })
        .collect();
    super::page::render(&BarChart {
        title,
        width: WIDTH,
        height: (bars.len().max(1) as f64) * (BAR + GAP) + GAP,
        empty_y: GAP + BAR * 0.7,
        label_x: LABEL - 8.0,
        bar_x: LABEL,
        bar_height: BAR,
        rows,
    })
}

/// The heatmap's template (`templates/dashboard/heatmap.svg`).
#[derive(askama::Template)]
#[template(path = "dashboard/heatmap.svg")]
struct Heatmap<'a> {
    title: &'a str,
    width: f64,
    height: f64,
    side: f64,
    columns: Vec<ColumnHead>,
    rows: Vec<HeatRow>,
}

/// A column's label, written at a slant.
struct ColumnHead {
    x: String,
    y: f64,
    text: String,
}

/// A row of the heatmap: its label and its cells.
struct HeatRow {
    x: f64,
    y: String,
    label: String,
    cells: Vec<HeatCell>,
}

/// One shaded cell and its count.
struct HeatCell {
    x: f64,
    y: f64,
    fill: String,
    ink: &'static str,
    text_x: f64,
    text_y: f64,
    count: String,
}

/// A matrix drawn as a grid of shaded cells (e.g. agency-to-agency flows).
pub fn heatmap(title: &str, matrix: &Matrix) -> String {
    let cell = 56.0;
    let label = 250.0;
    let head = 120.0;
    let max = matrix
        .rows
        .iter()
        .flat_map(|r| r.cells.iter().filter_map(|c| c.exact()))
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let columns = matrix
        .columns
        .iter()
        .enumerate()
        .map(|(j, column)| ColumnHead {
            x: format!("{:.1}", label + j as f64 * cell + cell / 2.0),
            y: head - 6.0,
            text: truncate(column, 22),
        })
        .collect();
    let rows = matrix
        .rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let y = head + i as f64 * cell;
            let cells = row
                .cells
                .iter()
                .enumerate()
                .map(|(j, count)| {
                    let x = label + j as f64 * cell;
                    let (fill, ink) = shade(*count, max);
                    HeatCell {
                        x,
                        y,
                        fill,
                        ink,
                        text_x: x + cell / 2.0,
                        text_y: y + cell * 0.58,
                        count: words::count(*count),
                    }
                })
                .collect();
            HeatRow {
                x: label - 8.0,
                y: format!("{:.1}", y + cell * 0.55),
                label: truncate(&row.label, 36),
                cells,
            }
        })
        .collect();
    super::page::render(&Heatmap {
        title,
        width: label + cell * matrix.columns.len().max(1) as f64 + 8.0,
        height: head + cell * matrix.rows.len().max(1) as f64 + 8.0,
        side: cell - 2.0,
        columns,
        rows,
    })
}

/// A cell's fill and the colour of its count: darker for more, hatched when suppressed.
fn shade(count: Count, max: f64) -> (String, &'static str) {
    match count.exact() {
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
    }
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
