//! `image/content-aware-resize`: seam carving to a target width and/or height.
//!
//! Seam carving (Avidan & Shamir 2007) is written here: the Rust crates that do it are
//! LGPL (which Lathe cannot use) and imageproc's `seam_carving` only shrinks widths and
//! recomputes everything per seam (its own docs call it "very slow").
//!
//! * Energy: Sobel gradient magnitude of the luma, blurred first with `blurRadius` (like
//!   caire) and zeroed below `sobelThreshold`.
//! * A vertical seam is the 8-connected top-to-bottom path of least total energy, found by
//!   dynamic programming. Shrinking removes seams one at a time (the energy is refreshed
//!   only around the removed seam); enlarging finds the `k` cheapest seams on a copy and
//!   duplicates them (each duplicate is the average of the seam pixel and its right
//!   neighbour), at most doubling a side per run.
//! * Heights are handled by transposing. Width is carved first, then height.
//!
//! Bounds: inputs over [`MAX_PIXELS`] (12 MP) are refused with 413, and so is a job whose
//! seams × pixels exceeds [`MAX_WORK`] (1.2 G, about 20 s of work: e.g. 600 seams on a
//! 2 MP image, 100 on a 12 MP one). `protectFaces: true` is refused with 400 until face
//! detection exists (a later AI feature); `false` is accepted.

use lathe_color_kit::{gaussian_blur, load, number, save};
use lathe_tool_sdk::{invalid_settings, parse_settings, Input, Output, Tool, ToolError, ToolInfo};
use serde::Deserialize;

/// Largest input accepted (pixels).
const MAX_PIXELS: u64 = 12_000_000;

/// Largest total of seams × pixels (of the image each seam is carved from) per run.
const MAX_WORK: f64 = 1.2e9;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    width: Option<f64>,
    height: Option<f64>,
    #[serde(alias = "percent")]
    percentage: Option<f64>,
    #[serde(default)]
    protect_faces: bool,
    blur_radius: Option<f64>,
    sobel_threshold: Option<f64>,
    #[serde(default)]
    square: bool,
}

/// An RGBA image as a flat row-major buffer of packed pixels, with the carving state.
struct Carver {
    w: usize,
    h: usize,
    /// Packed RGBA pixels.
    px: Vec<[u8; 4]>,
    /// Blurred luma the energy is computed from.
    luma: Vec<f32>,
    /// Energy per pixel.
    energy: Vec<f32>,
    /// Original x of each pixel (for seam insertion).
    origin: Vec<u32>,
    /// Energies below this are treated as zero.
    threshold: f32,
}

impl Carver {
    fn new(px: Vec<[u8; 4]>, w: usize, h: usize, blur: f32, threshold: f32) -> Self {
        let raw: Vec<f32> = px
            .iter()
            .map(|p| {
                let a = p[3] as f32 / 255.0;
                (0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32) * a
            })
            .collect();
        let luma = if blur > 0.0 {
            gaussian_blur(&raw, w, h, 1, blur / 2.0)
        } else {
            raw
        };
        let origin = (0..h).flat_map(|_| 0..w as u32).collect();
        let mut c = Carver {
            w,
            h,
            px,
            luma,
            energy: vec![0.0; w * h],
            origin,
            threshold,
        };
        for y in 0..h {
            for x in 0..w {
                c.energy[y * w + x] = c.energy_at(x, y);
            }
        }
        c
    }

    /// Sobel gradient magnitude (scaled to about 0..255) at `(x, y)`, edges clamped.
    fn energy_at(&self, x: usize, y: usize) -> f32 {
        let (w, h) = (self.w as isize, self.h as isize);
        let at = |dx: isize, dy: isize| {
            let xx = (x as isize + dx).clamp(0, w - 1) as usize;
            let yy = (y as isize + dy).clamp(0, h - 1) as usize;
            self.luma[yy * self.w + xx]
        };
        let gx = at(1, -1) + 2.0 * at(1, 0) + at(1, 1) - at(-1, -1) - 2.0 * at(-1, 0) - at(-1, 1);
        let gy = at(-1, 1) + 2.0 * at(0, 1) + at(1, 1) - at(-1, -1) - 2.0 * at(0, -1) - at(1, -1);
        let e = (gx * gx + gy * gy).sqrt() / 4.0;
        if e < self.threshold {
            0.0
        } else {
            e
        }
    }

    /// The vertical seam of least energy: one x per row.
    fn find_seam(&self) -> Vec<usize> {
        let (w, h) = (self.w, self.h);
        let mut cost = self.energy.clone();
        for y in 1..h {
            let (prev, cur) = cost.split_at_mut(y * w);
            let prev = &prev[(y - 1) * w..];
            for x in 0..w {
                let mut best = prev[x];
                if x > 0 && prev[x - 1] < best {
                    best = prev[x - 1];
                }
                if x + 1 < w && prev[x + 1] < best {
                    best = prev[x + 1];
                }
                cur[x] += best;
            }
        }
        let last = &cost[(h - 1) * w..h * w];
        let mut x = (0..w)
            .min_by(|a, b| last[*a].total_cmp(&last[*b]))
            .unwrap_or(0);
        let mut seam = vec![0; h];
        seam[h - 1] = x;
        for y in (0..h - 1).rev() {
            let row = &cost[y * w..(y + 1) * w];
            let mut best = x;
            if x > 0 && row[x - 1] < row[best] {
                best = x - 1;
            }
            if x + 1 < w && row[x + 1] < row[best] {
                best = x + 1;
            }
            x = best;
            seam[y] = x;
        }
        seam
    }

    /// Removes a seam from every buffer and refreshes the energy next to it.
    fn remove_seam(&mut self, seam: &[usize]) {
        let (w, h) = (self.w, self.h);
        fn carve<T: Copy>(buf: &mut Vec<T>, w: usize, seam: &[usize]) {
            let mut write = 0;
            for (y, &sx) in seam.iter().enumerate() {
                for x in 0..w {
                    if x != sx {
                        buf[write] = buf[y * w + x];
                        write += 1;
                    }
                }
            }
            buf.truncate(write);
        }
        carve(&mut self.px, w, seam);
        carve(&mut self.luma, w, seam);
        carve(&mut self.energy, w, seam);
        carve(&mut self.origin, w, seam);
        self.w -= 1;
        let nw = self.w;
        for (y, &sx) in seam.iter().enumerate().take(h) {
            let from = sx.saturating_sub(2);
            let to = (sx + 2).min(nw);
            for x in from..to {
                self.energy[y * nw + x] = self.energy_at(x, y);
            }
        }
    }
}

/// Transposes a row-major `w` × `h` buffer.
fn transpose<T: Copy + Default>(src: &[T], w: usize, h: usize) -> Vec<T> {
    let mut out = vec![T::default(); src.len()];
    for y in 0..h {
        for x in 0..w {
            out[x * h + y] = src[y * w + x];
        }
    }
    out
}

/// Carves or extends the width of `px` (`w` × `h`) to `target`.
fn retarget_width(
    px: Vec<[u8; 4]>,
    w: usize,
    h: usize,
    target: usize,
    blur: f32,
    threshold: f32,
) -> Vec<[u8; 4]> {
    if target == w {
        return px;
    }
    if target < w {
        let mut c = Carver::new(px, w, h, blur, threshold);
        while c.w > target {
            let seam = c.find_seam();
            c.remove_seam(&seam);
        }
        return c.px;
    }
    // Enlarge: find the k cheapest seams on a copy, then duplicate them in the original.
    let k = target - w;
    let mut c = Carver::new(px.clone(), w, h, blur, threshold);
    let mut chosen: Vec<Vec<u32>> = vec![Vec::with_capacity(k); h];
    for _ in 0..k {
        let seam = c.find_seam();
        for (y, &sx) in seam.iter().enumerate() {
            chosen[y].push(c.origin[y * c.w + sx]);
        }
        c.remove_seam(&seam);
    }
    let mut out = Vec::with_capacity(target * h);
    for (y, row_seams) in chosen.iter_mut().enumerate() {
        row_seams.sort_unstable();
        let row = &px[y * w..(y + 1) * w];
        let mut next = 0;
        for x in 0..w {
            out.push(row[x]);
            while next < row_seams.len() && row_seams[next] as usize == x {
                let right = row[(x + 1).min(w - 1)];
                let p = row[x];
                out.push([
                    (p[0] as u16 + right[0] as u16).div_ceil(2) as u8,
                    (p[1] as u16 + right[1] as u16).div_ceil(2) as u8,
                    (p[2] as u16 + right[2] as u16).div_ceil(2) as u8,
                    (p[3] as u16 + right[3] as u16).div_ceil(2) as u8,
                ]);
                next += 1;
            }
        }
    }
    out
}

/// A target side from a setting: a positive whole number of pixels.
fn side(field: &str, v: Option<f64>) -> Result<Option<usize>, ToolError> {
    match v {
        None => Ok(None),
        Some(v) if (1.0..=100_000.0).contains(&v) => Ok(Some(v.round() as usize)),
        Some(v) => Err(invalid_settings(format!(
            "{field} must be a positive number of pixels, got {v}"
        ))),
    }
}

/// Work (seams × pixels carved from) and the limit checks for one axis.
fn check_axis(name: &str, from: usize, to: usize, other: usize) -> Result<f64, ToolError> {
    if to > from * 2 {
        return Err(invalid_settings(format!(
            "content-aware resize can at most double the {name} in one run ({from} px -> at most {} px, asked for {to})",
            from * 2
        )));
    }
    Ok(from.abs_diff(to) as f64 * (from * other) as f64)
}

struct ContentAwareResize;

impl Tool for ContentAwareResize {
    fn describe() -> ToolInfo {
        lathe_image_kit::one_image_tool_info(
            "content-aware-resize",
            "Content-Aware Resize",
            "Change an image's width or height by seam carving, keeping its important content undistorted.",
            serde_json::json!({
                    "width": {"type": "integer", "minimum": 1},
                    "height": {"type": "integer", "minimum": 1},
                    "percentage": {"type": "number", "exclusiveMinimum": 0, "maximum": 200},
                    "protectFaces": {"type": "boolean", "default": false, "description": "Not available yet (needs face detection): true is refused."},
                    "blurRadius": {"type": "number", "minimum": 0, "maximum": 20, "default": 4},
                    "sobelThreshold": {"type": "number", "minimum": 1, "maximum": 20, "default": 2},
                    "square": {"type": "boolean", "default": false}
            }),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let s: Settings = parse_settings(settings)?;
        if s.protect_faces {
            return Err(invalid_settings(
                "protectFaces needs face detection, which is not available yet; send protectFaces: false",
            ));
        }
        let blur = number("blurRadius", s.blur_radius, 4.0, 0.0, 20.0)? as f32;
        let threshold = number("sobelThreshold", s.sobel_threshold, 2.0, 1.0, 20.0)? as f32;
        let width = side("width", s.width)?;
        let height = side("height", s.height)?;
        let percentage = match s.percentage {
            None => None,
            Some(p) if p.is_finite() && p > 0.0 && p <= 200.0 => Some(p),
            Some(p) => Err(invalid_settings(format!(
                "percentage must be above 0 and at most 200, got {p}"
            )))?,
        };
        if width.is_none() && height.is_none() && percentage.is_none() && !s.square {
            return Err(invalid_settings(
                "give a target width, height or percentage (or square: true)",
            ));
        }
        let input = &inputs[0];
        let probe = lathe_image_kit::probe(input)?;
        let (pw, ph) = probe.upright_dimensions();
        if pw as u64 * ph as u64 > MAX_PIXELS {
            return Err(ToolError::TooLarge(format!(
                "content-aware resize takes images up to {} MP; this one is {pw}x{ph}",
                MAX_PIXELS / 1_000_000
            )));
        }
        let picture = load(input)?;
        let (w, h) = picture.size();
        let scale = |v: usize| -> usize {
            percentage.map_or(v, |p| ((v as f64 * p / 100.0).round() as usize).max(1))
        };
        let (mut tw, mut th) = match (width, height) {
            (Some(a), Some(b)) => (a, b),
            (Some(a), None) => (a, scale(h)),
            (None, Some(b)) => (scale(w), b),
            (None, None) => (scale(w), scale(h)),
        };
        if s.square {
            let side = tw.min(th);
            tw = side;
            th = side;
        }
        let work = check_axis("width", w, tw, h)? + check_axis("height", h, th, tw)?;
        if work > MAX_WORK {
            return Err(ToolError::TooLarge(format!(
                "resizing {w}x{h} to {tw}x{th} by seam carving is too much work for one run; \
                 use a smaller image or a smaller change"
            )));
        }
        let px: Vec<[u8; 4]> = picture
            .rgba
            .as_raw()
            .chunks_exact(4)
            .map(|p| [p[0], p[1], p[2], p[3]])
            .collect();
        let px = retarget_width(px, w, h, tw, blur, threshold);
        let px = if th != h {
            let t = transpose(&px, tw, h);
            let t = retarget_width(t, h, tw, th, blur, threshold);
            transpose(&t, th, tw)
        } else {
            px
        };
        let rgba =
            image::RgbaImage::from_raw(tw as u32, th as u32, px.into_iter().flatten().collect())
                .ok_or_else(|| {
                    ToolError::Failed("seam carving produced a wrong-sized image".into())
                })?;
        let removed = (w as i64 - tw as i64, h as i64 - th as i64);
        let mut out = save(input, rgba, picture.format, picture.has_alpha)?;
        if let Some(extra) = out.extra.as_mut() {
            extra.insert("originalWidth".into(), w.into());
            extra.insert("originalHeight".into(), h.into());
            extra.insert(
                "seamsRemoved".into(),
                serde_json::json!({"vertical": removed.0.max(0), "horizontal": removed.1.max(0)}),
            );
            extra.insert("seamsInserted".into(), serde_json::json!({"vertical": (-removed.0).max(0), "horizontal": (-removed.1).max(0)}));
        }
        Ok(out)
    }
}

lathe_tool_sdk::export_tool!(ContentAwareResize);
