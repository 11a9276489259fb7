//! The built-in meme templates: simple backgrounds drawn in code (gradients, flat panels,
//! a few strokes), so no third-party pictures are shipped.

use lathe_image_kit::image::{Rgba, RgbaImage};

use crate::{BoxSpec, VAlign};

/// A built-in template.
pub struct Template {
    /// Id used as `templateId`.
    pub id: &'static str,
    /// Display name.
    pub name: &'static str,
    /// Width, px.
    pub width: u32,
    /// Height, px.
    pub height: u32,
    /// The text boxes.
    pub boxes: &'static [BoxSpec],
    /// Draws the background.
    painter: fn(&mut RgbaImage),
}

impl Template {
    /// The background image, `width` × `height`.
    pub fn paint(&self) -> RgbaImage {
        let mut img = RgbaImage::from_pixel(self.width, self.height, Rgba([255, 255, 255, 255]));
        (self.painter)(&mut img);
        img
    }
}

const fn bx(id: &'static str, x: u32, y: u32, width: u32, height: u32) -> BoxSpec {
    BoxSpec {
        id,
        x,
        y,
        width,
        height,
        valign: VAlign::Middle,
    }
}

/// Every template, in listing order.
pub static TEMPLATES: &[Template] = &[
    Template {
        id: "classic-gradient",
        name: "Classic (sunset gradient)",
        width: 800,
        height: 600,
        boxes: &[bx("top", 20, 15, 760, 160), bx("bottom", 20, 425, 760, 160)],
        painter: paint_classic,
    },
    Template {
        id: "two-panel",
        name: "Two panels: this, not that",
        width: 800,
        height: 800,
        boxes: &[
            bx("top", 420, 20, 360, 360),
            bx("bottom", 420, 420, 360, 360),
        ],
        painter: paint_two_panel,
    },
    Template {
        id: "four-panel",
        name: "Four panels: escalation",
        width: 800,
        height: 1000,
        boxes: &[
            bx("panel1", 20, 15, 370, 220),
            bx("panel2", 20, 265, 370, 220),
            bx("panel3", 20, 515, 370, 220),
            bx("panel4", 20, 765, 370, 220),
        ],
        painter: paint_four_panel,
    },
    Template {
        id: "side-by-side",
        name: "Side by side comparison",
        width: 1000,
        height: 600,
        boxes: &[bx("left", 20, 20, 460, 560), bx("right", 520, 20, 460, 560)],
        painter: paint_side_by_side,
    },
    Template {
        id: "spotlight",
        name: "Spotlight",
        width: 800,
        height: 800,
        boxes: &[
            bx("top", 30, 20, 740, 180),
            bx("center", 80, 300, 640, 200),
            bx("bottom", 30, 600, 740, 180),
        ],
        painter: paint_spotlight,
    },
];

fn mix(a: [u8; 3], b: [u8; 3], t: f32) -> Rgba<u8> {
    let t = t.clamp(0.0, 1.0);
    let c = |i: usize| (a[i] as f32 + (b[i] as f32 - a[i] as f32) * t).round() as u8;
    Rgba([c(0), c(1), c(2), 255])
}

/// Fills a rectangle with a vertical gradient from `a` (top) to `b` (bottom).
fn vgradient(img: &mut RgbaImage, x0: u32, y0: u32, w: u32, h: u32, a: [u8; 3], b: [u8; 3]) {
    for y in y0..(y0 + h).min(img.height()) {
        let c = mix(a, b, (y - y0) as f32 / h.max(2) as f32);
        for x in x0..(x0 + w).min(img.width()) {
            img.put_pixel(x, y, c);
        }
    }
}

/// Fills a rectangle with a radial glow: `inner` at the centre fading to `outer`.
fn radial(img: &mut RgbaImage, x0: u32, y0: u32, w: u32, h: u32, inner: [u8; 3], outer: [u8; 3]) {
    let (cx, cy) = (x0 as f32 + w as f32 / 2.0, y0 as f32 + h as f32 / 2.0);
    let r = (w.max(h) as f32) / 1.4;
    for y in y0..(y0 + h).min(img.height()) {
        for x in x0..(x0 + w).min(img.width()) {
            let d = ((x as f32 - cx).powi(2) + (y as f32 - cy).powi(2)).sqrt() / r;
            img.put_pixel(x, y, mix(inner, outer, d));
        }
    }
}

/// Draws an antialiased thick line from `a` to `b`.
fn line(img: &mut RgbaImage, a: (f32, f32), b: (f32, f32), width: f32, color: Rgba<u8>) {
    let r = width / 2.0;
    let (minx, maxx) = (a.0.min(b.0) - r - 1.0, a.0.max(b.0) + r + 1.0);
    let (miny, maxy) = (a.1.min(b.1) - r - 1.0, a.1.max(b.1) + r + 1.0);
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = (dx * dx + dy * dy).max(1e-6);
    for y in miny.max(0.0) as u32..(maxy.max(0.0) as u32).min(img.height()) {
        for x in minx.max(0.0) as u32..(maxx.max(0.0) as u32).min(img.width()) {
            let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
            let t = (((px - a.0) * dx + (py - a.1) * dy) / len2).clamp(0.0, 1.0);
            let (qx, qy) = (a.0 + t * dx, a.1 + t * dy);
            let d = ((px - qx).powi(2) + (py - qy).powi(2)).sqrt();
            let cov = (r + 0.5 - d).clamp(0.0, 1.0);
            if cov > 0.0 {
                let p = img.get_pixel_mut(x, y);
                *p = lathe_text_kit::blend(*p, color, cov);
            }
        }
    }
}

fn paint_classic(img: &mut RgbaImage) {
    let (w, h) = img.dimensions();
    vgradient(img, 0, 0, w, h, [58, 28, 113], [255, 175, 123]);
}

fn paint_two_panel(img: &mut RgbaImage) {
    let white = Rgba([255, 255, 255, 255]);
    vgradient(img, 0, 0, 400, 400, [231, 76, 60], [192, 57, 43]);
    vgradient(img, 0, 400, 400, 400, [46, 204, 113], [39, 174, 96]);
    vgradient(img, 400, 0, 400, 400, [245, 245, 245], [230, 230, 230]);
    vgradient(img, 400, 400, 400, 400, [236, 240, 241], [220, 225, 228]);
    // A cross on the "no" panel and a tick on the "yes" panel.
    line(img, (120.0, 120.0), (280.0, 280.0), 36.0, white);
    line(img, (280.0, 120.0), (120.0, 280.0), 36.0, white);
    line(img, (110.0, 610.0), (180.0, 680.0), 36.0, white);
    line(img, (180.0, 680.0), (300.0, 520.0), 36.0, white);
    let grey = Rgba([60, 60, 60, 255]);
    line(img, (0.0, 400.0), (800.0, 400.0), 4.0, grey);
    line(img, (400.0, 0.0), (400.0, 800.0), 4.0, grey);
}

fn paint_four_panel(img: &mut RgbaImage) {
    let glows: [([u8; 3], [u8; 3]); 4] = [
        ([90, 90, 110], [20, 20, 30]),
        ([120, 170, 255], [20, 30, 70]),
        ([160, 230, 255], [30, 60, 120]),
        ([255, 255, 230], [120, 90, 200]),
    ];
    for (i, (inner, outer)) in glows.iter().enumerate() {
        let y = i as u32 * 250;
        vgradient(img, 0, y, 410, 250, [250, 250, 250], [235, 235, 235]);
        radial(img, 410, y, 390, 250, *inner, *outer);
        line(
            img,
            (0.0, y as f32 + 250.0),
            (800.0, y as f32 + 250.0),
            4.0,
            Rgba([40, 40, 40, 255]),
        );
    }
    line(
        img,
        (410.0, 0.0),
        (410.0, 1000.0),
        4.0,
        Rgba([40, 40, 40, 255]),
    );
}

fn paint_side_by_side(img: &mut RgbaImage) {
    vgradient(img, 0, 0, 500, 600, [52, 152, 219], [31, 58, 147]);
    vgradient(img, 500, 0, 500, 600, [243, 156, 18], [211, 84, 0]);
    line(
        img,
        (500.0, 0.0),
        (500.0, 600.0),
        8.0,
        Rgba([255, 255, 255, 255]),
    );
}

fn paint_spotlight(img: &mut RgbaImage) {
    let (w, h) = img.dimensions();
    radial(img, 0, 0, w, h, [255, 236, 179], [25, 20, 40]);
}
