//! Reading the report's charts back: the SVG of `report.html` parsed into series of values
//! (through each chart's `data-frame`), and Chromium's rendering of the page — where each
//! chart sits, and which pixels of a screenshot carry a series' colour.
//!
//! Independent of the renderer's code: only the markup and the pixels are read.

use std::path::Path;
use std::process::Command;

/// Maps data units to `viewBox` units, as `data-frame` gives it.
#[derive(Debug, Clone, Copy)]
pub struct Frame {
    pub x0: f64,
    pub x1: f64,
    pub y0: f64,
    pub y1: f64,
    pub left: f64,
    pub right: f64,
    pub top: f64,
    pub bottom: f64,
}

impl Frame {
    /// The data x of viewBox x `px`.
    pub fn x(&self, px: f64) -> f64 {
        self.x0 + (px - self.left) / (self.right - self.left) * (self.x1 - self.x0)
    }

    /// The data y of viewBox y `py`.
    pub fn y(&self, py: f64) -> f64 {
        self.y0 + (self.bottom - py) / (self.bottom - self.top) * (self.y1 - self.y0)
    }

    /// The viewBox x of data x.
    pub fn px(&self, x: f64) -> f64 {
        self.left + (x - self.x0) / (self.x1 - self.x0) * (self.right - self.left)
    }

    /// Data y per viewBox unit: the resolution of a drawn value.
    pub fn y_per_unit(&self) -> f64 {
        (self.y1 - self.y0) / (self.bottom - self.top)
    }
}

/// One series of a chart: its name, colour and drawn points in data units.
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub color: String,
    pub points: Vec<(f64, f64)>,
    /// Marks of any kind (path points, circles, bars, reference lines).
    pub marks: usize,
}

/// One chart of the page, in document order.
#[derive(Debug, Clone)]
pub struct Chart {
    /// The card's title.
    pub title: String,
    /// Width of the `viewBox`.
    pub view_width: f64,
    pub frame: Frame,
    pub series: Vec<Series>,
}

impl Chart {
    pub fn series(&self, name: &str) -> &Series {
        self.series
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("{}: no series {name}", self.title))
    }
}

fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    Some(&tag[start..start + tag[start..].find('"')?])
}

fn numbers(text: &str) -> Vec<f64> {
    text.split([' ', ',']).filter(|s| !s.is_empty()).map(|s| s.parse().expect("a number")).collect()
}

/// Points of a path's `d` (`M x,y L x,y …`), in viewBox units.
fn path_points(d: &str) -> Vec<(f64, f64)> {
    d.split(['M', 'L'])
        .filter(|s| !s.trim().is_empty())
        .map(|p| {
            let xy = numbers(p);
            (xy[0], xy[1])
        })
        .collect()
}

/// Every chart of a `report.html`.
pub fn charts(html: &str) -> Vec<Chart> {
    let mut out = Vec::new();
    for (i, part) in html.split("<svg class=\"chart\"").enumerate().skip(1) {
        let before = html.split("<svg class=\"chart\"").nth(i - 1).unwrap_or_default();
        let title = before.rsplit("<h3>").next().and_then(|t| t.split("</h3>").next()).unwrap_or_default();
        let svg = &part[..part.find("</svg>").expect("svg closes")];
        let head = &svg[..svg.find('>').expect("svg tag closes")];
        let f = numbers(attr(head, "data-frame").expect("data-frame"));
        let frame = Frame {
            x0: f[0],
            x1: f[1],
            y0: f[2],
            y1: f[3],
            left: f[4],
            right: f[5],
            top: f[6],
            bottom: f[7],
        };
        let view_width = numbers(attr(head, "viewBox").expect("viewBox"))[2];
        let series = svg
            .split("<g class=\"layer\"")
            .skip(1)
            .map(|layer| {
                let tag = &layer[..layer.find('>').expect("g closes")];
                let points: Vec<(f64, f64)> = layer
                    .split(" d=\"")
                    .skip(1)
                    .flat_map(|d| path_points(&d[..d.find('"').expect("d closes")]))
                    .map(|(px, py)| (frame.x(px), frame.y(py)))
                    .collect();
                let marks = points.len()
                    + ["<circle", "<rect x", "<line x1"]
                        .iter()
                        .map(|m| layer.matches(m).count())
                        .sum::<usize>();
                Series {
                    name: attr(tag, "data-series").expect("data-series").replace("&amp;", "&"),
                    color: attr(tag, "data-color").expect("data-color").to_string(),
                    points,
                    marks,
                }
            })
            .collect();
        out.push(Chart { title: title.to_string(), view_width, frame, series });
    }
    out
}

/// The headless Chromium of the report tests (flags keep it off the network).
pub fn chromium(profile: &Path, args: &[&str], page: &Path) -> std::process::Output {
    Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium is installed (apt-get install chromium)")
}

/// The window both the layout probe and the screenshot use: tall enough for a whole
/// report of a few actions, so page and screenshot coordinates are the same.
pub const WINDOW: &str = "--window-size=1400,6000";

/// Where Chromium lays out each chart (page pixels: left, top, width, height), read by a
/// script added to a copy of the page. A chart that is not displayed has zero size.
pub fn layout(page: &Path, scratch: &Path) -> Vec<[f64; 4]> {
    const PROBE: &str = "<script>const rows=[...document.querySelectorAll('svg.chart')].map(s=>{const r=s.getBoundingClientRect();return [r.left+scrollX,r.top+scrollY,r.width,r.height].join(' ')});const pre=document.createElement('pre');pre.id='layout';pre.textContent=rows.join(';');document.body.appendChild(pre);</script>";
    let html = std::fs::read_to_string(page).expect("reads report.html");
    let probe = scratch.join("probe.html");
    std::fs::write(&probe, html.replace("</body>", &format!("{PROBE}</body>"))).expect("writes probe");
    let out = chromium(&scratch.join("profile-probe"), &[WINDOW, "--dump-dom"], &probe);
    assert!(out.status.success(), "chromium failed: {}", String::from_utf8_lossy(&out.stderr));
    let dom = String::from_utf8_lossy(&out.stdout);
    let rows =
        dom.split("<pre id=\"layout\">").nth(1).and_then(|s| s.split("</pre>").next()).expect("layout row");
    rows.split(';')
        .filter(|r| !r.is_empty())
        .map(|r| {
            let v = numbers(r);
            [v[0], v[1], v[2], v[3]]
        })
        .collect()
}

/// An RGB screenshot of `page`.
pub struct Shot {
    pub width: usize,
    pub height: usize,
    rgb: Vec<[u8; 3]>,
}

impl Shot {
    pub fn take(page: &Path, scratch: &Path) -> Shot {
        let file = scratch.join("shot.png");
        let shot = format!("--screenshot={}", file.display());
        let out = chromium(&scratch.join("profile-shot"), &[WINDOW, &shot], page);
        assert!(out.status.success(), "chromium screenshot failed: {}", String::from_utf8_lossy(&out.stderr));
        let decoder =
            png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&file).expect("png written")));
        let mut reader = decoder.read_info().expect("a PNG");
        let mut buf = vec![0; reader.output_buffer_size().expect("sized")];
        let info = reader.next_frame(&mut buf).expect("decodes");
        let channels = info.color_type.samples();
        assert!(channels >= 3 && info.bit_depth == png::BitDepth::Eight, "{info:?}");
        let rgb = buf[..info.buffer_size()].chunks(channels).map(|c| [c[0], c[1], c[2]]).collect();
        Shot { width: info.width as usize, height: info.height as usize, rgb }
    }

    /// Pixels within `box_` (left, top, width, height) close to CSS colour `#rrggbb`, as
    /// (x, y) page coordinates.
    pub fn pixels_of(&self, box_: [f64; 4], color: &str) -> Vec<(usize, usize)> {
        let Some(target) = hex(color) else { return Vec::new() };
        let x0 = box_[0].max(0.0) as usize;
        let y0 = box_[1].max(0.0) as usize;
        let x1 = ((box_[0] + box_[2]) as usize).min(self.width);
        let y1 = ((box_[1] + box_[3]) as usize).min(self.height);
        let mut out = Vec::new();
        for y in y0..y1 {
            for x in x0..x1 {
                let p = self.rgb[y * self.width + x];
                let distance: i32 = (0..3).map(|c| (i32::from(p[c]) - i32::from(target[c])).abs()).sum();
                if distance <= 36 {
                    out.push((x, y));
                }
            }
        }
        out
    }
}

fn hex(color: &str) -> Option<[u8; 3]> {
    let h = color.strip_prefix('#').filter(|h| h.len() == 6)?;
    let byte = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).ok();
    Some([byte(0)?, byte(2)?, byte(4)?])
}
