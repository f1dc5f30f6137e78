//! A small SVG plotting kit for the HTML report: linear axes with "nice" ticks, lines,
//! rectangles (bars), reference lines and shaded bands, drawn into a `viewBox` so the
//! chart scales with its card.
//!
//! Hand-written rather than a plotting crate because the report needs few mark types, and
//! owning the markup keeps it small, styleable from the page's CSS (fonts, colours of
//! grid and text) and free of embedded fonts or scripts. Legends are HTML, next to the
//! chart, where they wrap naturally.

use std::fmt::Write;

/// Size of the drawing in `viewBox` units. The page scales it to the card's width, so a
/// card spanning two columns gets a wider drawing rather than bigger text.
const WIDTH: f64 = 420.0;
const WIDE: f64 = 1240.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 62.0;
const RIGHT: f64 = 26.0;
const TOP: f64 = 12.0;
/// Extra top margin when a second x axis is drawn above the plot.
const TOP_AXIS: f64 = 30.0;
const BOTTOM: f64 = 42.0;

/// One axis: its range in data units and labelled ticks.
#[derive(Debug, Clone, Default)]
pub struct Axis {
    pub min: f64,
    pub max: f64,
    /// Axis title, with its unit.
    pub label: String,
    /// `(position in data units, label)`.
    pub ticks: Vec<(f64, String)>,
}

/// What a layer draws.
#[derive(Debug, Clone)]
pub enum Shape {
    /// A polyline; a point with a non-finite `y` breaks the line (no data there).
    Line { points: Vec<(f64, f64)>, dashed: bool },
    /// Rectangles `[x0, x1, y0, y1]` in data units (histogram and stacked bars).
    Rects(Vec<[f64; 4]>),
    /// A horizontal reference line at `y` (a limit, a capacity).
    HLine(f64),
}

/// A named, coloured set of marks.
#[derive(Debug, Clone)]
pub struct Layer {
    pub name: String,
    /// Any CSS colour.
    pub color: String,
    pub shape: Shape,
}

/// A shaded, labelled x range behind the data (a phase of the curve).
#[derive(Debug, Clone)]
pub struct Band {
    pub x0: f64,
    pub x1: f64,
    pub label: String,
}

/// A chart: axes, data layers, bands, and optionally a second x axis drawn on top (the
/// curve's real-time clock above the replay clock).
#[derive(Debug, Clone, Default)]
pub struct Plot {
    pub x: Axis,
    pub y: Axis,
    /// Ticks given in the bottom axis' data units, labelled in another unit.
    pub top: Option<Axis>,
    pub bands: Vec<Band>,
    pub layers: Vec<Layer>,
    /// Drawn for a card spanning the page's two columns.
    pub wide: bool,
}

impl Plot {
    /// The chart as an inline `<svg>` element.
    pub fn render(&self) -> String {
        let top = TOP + if self.top.is_some() { TOP_AXIS } else { 0.0 };
        let width = if self.wide { WIDE } else { WIDTH };
        let frame = Frame::new(&self.x, &self.y, top, width);
        let mut out = String::new();
        // `data-frame` maps data units to viewBox units (x0 x1 y0 y1 left right top bottom),
        // so a reader (the tests) can turn drawn points back into values.
        let _ = write!(
            out,
            r#"<svg class="chart" viewBox="0 0 {width} {HEIGHT}" data-frame="{} {} {} {} {} {} {} {}" role="img" xmlns="http://www.w3.org/2000/svg">"#,
            frame.x0, frame.x1, frame.y0, frame.y1, frame.left, frame.right, frame.top, frame.bottom
        );
        self.render_bands(&mut out, &frame);
        render_grid(&mut out, &frame, &self.x, &self.y);
        out.push_str(r#"<g class="data">"#);
        for layer in &self.layers {
            render_layer(&mut out, &frame, layer);
        }
        out.push_str("</g>");
        if let Some(axis) = &self.top {
            render_top_axis(&mut out, &frame, axis);
        }
        out.push_str("</svg>");
        out
    }

    fn render_bands(&self, out: &mut String, frame: &Frame) {
        let rows = label_rows(&self.bands, frame);
        for ((i, band), row) in self.bands.iter().enumerate().zip(rows) {
            let x0 = frame.px(band.x0.max(frame.x0));
            let x1 = frame.px(band.x1.min(frame.x1));
            if x1 <= x0 {
                continue;
            }
            let class = if i % 2 == 0 { "band" } else { "band alt" };
            let _ = write!(
                out,
                r#"<rect class="{class}" x="{x0:.1}" y="{:.1}" width="{:.1}" height="{:.1}"/><text class="band-label" x="{:.1}" y="{:.1}">{}</text>"#,
                frame.top,
                x1 - x0,
                frame.bottom - frame.top,
                x0 + 3.0,
                frame.top + 11.0 + 12.0 * row as f64,
                escape(&band.label),
            );
        }
    }
}

/// The text row of each band's label: the first row where it does not overlap a label
/// already placed (short neighbouring phases stack instead of running together), at most
/// four; when all are taken, the row whose last label ends first.
fn label_rows(bands: &[Band], frame: &Frame) -> Vec<usize> {
    const LABEL_ROWS: usize = 4;
    // Width of a 10.5 px label per character (the stylesheet's band-label), generous.
    const CHAR_PX: f64 = 6.5;
    let mut ends = [f64::NEG_INFINITY; LABEL_ROWS];
    let mut rows = Vec::with_capacity(bands.len());
    for band in bands {
        let x0 = frame.px(band.x0.max(frame.x0)) + 3.0;
        let row = ends.iter().position(|end| *end <= x0).unwrap_or_else(|| {
            (0..LABEL_ROWS).min_by(|a, b| ends[*a].total_cmp(&ends[*b])).unwrap_or_default()
        });
        ends[row] = x0 + CHAR_PX * band.label.chars().count() as f64 + 4.0;
        rows.push(row);
    }
    rows
}

/// Maps data units to `viewBox` units.
struct Frame {
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
}

impl Frame {
    fn new(x: &Axis, y: &Axis, top: f64, width: f64) -> Frame {
        // A degenerate range (one point, all zeros) still gets a drawable width.
        let widen = |min: f64, max: f64| if max > min { (min, max) } else { (min, min + 1.0) };
        let (x0, x1) = widen(x.min, x.max);
        let (y0, y1) = widen(y.min, y.max);
        Frame { x0, x1, y0, y1, left: LEFT, right: width - RIGHT, top, bottom: HEIGHT - BOTTOM }
    }

    fn px(&self, x: f64) -> f64 {
        self.left + (x - self.x0) / (self.x1 - self.x0) * (self.right - self.left)
    }

    /// Clamped, so an outlier draws at the edge instead of outside the card.
    fn py(&self, y: f64) -> f64 {
        let y = y.clamp(self.y0, self.y1);
        self.bottom - (y - self.y0) / (self.y1 - self.y0) * (self.bottom - self.top)
    }

    fn contains_x(&self, x: f64) -> bool {
        x >= self.x0 - 1e-9 && x <= self.x1 + 1e-9
    }
}

fn render_grid(out: &mut String, f: &Frame, x: &Axis, y: &Axis) {
    out.push_str(r#"<g class="axis">"#);
    for (value, label) in y.ticks.iter().filter(|(v, _)| *v >= f.y0 && *v <= f.y1) {
        let py = f.py(*value);
        let _ = write!(
            out,
            r#"<line class="gridline" x1="{:.1}" x2="{:.1}" y1="{py:.1}" y2="{py:.1}"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            f.left,
            f.right,
            f.left - 6.0,
            py + 4.0,
            escape(label)
        );
    }
    for (value, label) in x.ticks.iter().filter(|(v, _)| f.contains_x(*v)) {
        let px = f.px(*value);
        let _ = write!(
            out,
            r#"<line class="gridline" x1="{px:.1}" x2="{px:.1}" y1="{:.1}" y2="{:.1}"/><text x="{px:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            f.top,
            f.bottom,
            f.bottom + 16.0,
            escape(label)
        );
    }
    let _ = write!(
        out,
        r#"<line class="frame" x1="{l:.1}" x2="{r:.1}" y1="{b:.1}" y2="{b:.1}"/><line class="frame" x1="{l:.1}" x2="{l:.1}" y1="{t:.1}" y2="{b:.1}"/>"#,
        l = f.left,
        r = f.right,
        b = f.bottom,
        t = f.top
    );
    let _ = write!(
        out,
        r#"<text class="title" x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
        (f.left + f.right) / 2.0,
        HEIGHT - 6.0,
        escape(&x.label)
    );
    let _ = write!(
        out,
        r#"<text class="title" transform="translate(13 {:.1}) rotate(-90)" text-anchor="middle">{}</text>"#,
        (f.top + f.bottom) / 2.0,
        escape(&y.label)
    );
    out.push_str("</g>");
}

fn render_top_axis(out: &mut String, f: &Frame, axis: &Axis) {
    out.push_str(r#"<g class="axis top">"#);
    let _ = write!(
        out,
        r#"<line class="frame" x1="{:.1}" x2="{:.1}" y1="{t:.1}" y2="{t:.1}"/>"#,
        f.left,
        f.right,
        t = f.top
    );
    for (value, label) in axis.ticks.iter().filter(|(v, _)| f.contains_x(*v)) {
        let px = f.px(*value);
        let _ = write!(
            out,
            r#"<line class="tick" x1="{px:.1}" x2="{px:.1}" y1="{:.1}" y2="{:.1}"/><text x="{px:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            f.top - 4.0,
            f.top,
            f.top - 7.0,
            escape(label)
        );
    }
    let _ = write!(
        out,
        r#"<text class="title" x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
        f.right,
        f.top - 22.0,
        escape(&axis.label)
    );
    out.push_str("</g>");
}

/// One layer in a `<g class="layer">` naming its series and colour, so what a chart shows
/// can be read back (and found on a screenshot) series by series.
fn render_layer(out: &mut String, f: &Frame, layer: &Layer) {
    let color = escape(&layer.color);
    let name = escape(&layer.name);
    let _ = write!(out, r#"<g class="layer" data-series="{name}" data-color="{color}">"#);
    render_marks(out, f, layer, &color, &name);
    out.push_str("</g>");
}

fn render_marks(out: &mut String, f: &Frame, layer: &Layer, color: &str, name: &str) {
    match &layer.shape {
        Shape::Line { points, dashed } => {
            let dash = if *dashed { r#" stroke-dasharray="5 3""# } else { "" };
            for run in points.split(|(x, y)| !x.is_finite() || !y.is_finite()) {
                if run.is_empty() {
                    continue;
                }
                let mut d = String::new();
                for (i, (x, y)) in run.iter().enumerate() {
                    let _ = write!(d, "{}{:.1},{:.1}", if i == 0 { "M" } else { "L" }, f.px(*x), f.py(*y));
                }
                if run.len() == 1 {
                    // A lone point between gaps would be invisible as a path.
                    let (x, y) = run[0];
                    let _ = write!(
                        out,
                        r#"<circle cx="{:.1}" cy="{:.1}" r="2" fill="{color}"><title>{name}</title></circle>"#,
                        f.px(x),
                        f.py(y)
                    );
                    continue;
                }
                let _ = write!(
                    out,
                    r#"<path d="{d}" fill="none" stroke="{color}" stroke-width="1.8" stroke-linejoin="round"{dash}><title>{name}</title></path>"#
                );
            }
        }
        Shape::Rects(rects) => {
            let _ = write!(out, r#"<g fill="{color}"><title>{name}</title>"#);
            for [x0, x1, y0, y1] in rects.iter().filter(|r| r.iter().all(|v| v.is_finite())) {
                let (l, r) = (f.px(*x0), f.px(*x1));
                let (t, b) = (f.py(*y1), f.py(*y0));
                if r - l <= 0.0 || b - t <= 0.0 {
                    continue;
                }
                let _ = write!(
                    out,
                    r#"<rect x="{l:.1}" y="{t:.1}" width="{:.1}" height="{:.1}"/>"#,
                    (r - l).max(0.6),
                    b - t
                );
            }
            out.push_str("</g>");
        }
        Shape::HLine(y) if y.is_finite() => {
            let py = f.py(*y);
            let _ = write!(
                out,
                r#"<line x1="{:.1}" x2="{:.1}" y1="{py:.1}" y2="{py:.1}" stroke="{color}" stroke-width="1.4" stroke-dasharray="6 4"><title>{name}</title></line>"#,
                f.left, f.right
            );
        }
        Shape::HLine(_) => {}
    }
}

/// Ticks from `min` to at least `max` at a 1-2-5 step giving about `target` intervals;
/// returns the ticks and the (rounded-up) axis end.
pub fn nice_ticks(min: f64, max: f64, target: usize) -> (Vec<f64>, f64) {
    let span = if max > min && (max - min).is_finite() { max - min } else { 1.0 };
    let raw = span / target.max(1) as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * magnitude).find(|s| *s >= raw).unwrap_or(raw);
    let end = min + (span / step).ceil() * step;
    let count = ((end - min) / step).round() as usize;
    ((0..=count).map(|i| min + i as f64 * step).collect(), end)
}

/// Escapes text for HTML and SVG content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_ticks_use_round_steps() {
        assert_eq!(nice_ticks(0.0, 97.0, 5), (vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0], 100.0));
        assert_eq!(nice_ticks(0.0, 1.0, 4).0, vec![0.0, 0.25, 0.5, 0.75, 1.0]);
        // Degenerate and non-finite ranges still give a usable axis.
        assert_eq!(nice_ticks(0.0, 0.0, 4).1, 1.0);
        assert_eq!(nice_ticks(0.0, f64::NAN, 4).1, 1.0);
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape(r#"<a href="x">&'"#), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    }

    #[test]
    fn lines_break_at_gaps_and_values_are_clamped() {
        let plot = Plot {
            x: Axis { min: 0.0, max: 4.0, label: "t".into(), ticks: vec![(0.0, "0".into())] },
            y: Axis { min: 0.0, max: 10.0, label: "<y>".into(), ticks: vec![] },
            layers: vec![Layer {
                name: "p50".into(),
                color: "#123".into(),
                shape: Shape::Line {
                    points: vec![(0.0, 1.0), (1.0, 2.0), (2.0, f64::NAN), (3.0, 1e9), (4.0, 3.0)],
                    dashed: false,
                },
            }],
            ..Plot::default()
        };
        let svg = plot.render();
        assert_eq!(svg.matches("<path").count(), 2);
        // Readers map drawn points back to data through the frame, series by series.
        assert!(svg.contains(r#"data-frame="0 4 0 10 62 394 12 198""#), "{svg}");
        assert_eq!(svg.matches(r##"<g class="layer" data-series="p50" data-color="#123">"##).count(), 1);
        assert!(svg.contains("&lt;y&gt;"));
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
    }
}
