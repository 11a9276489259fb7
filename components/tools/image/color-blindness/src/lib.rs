//! `image/color-blindness`: simulate colour vision deficiencies.
//!
//! Dichromacies (`protanopia`, `deuteranopia`, `tritanopia`) use the Machado, Oliveira &
//! Fernandes (2009) matrices at severity 1.0, the anomalous trichromacies (`*anomaly`) the
//! same model at severity 0.6; both are applied in linear RGB. `achromatopsia` keeps only
//! the Rec. 709 luminance; `blueConeMonochromacy` keeps a luminance weighted towards the
//! blue (S) cones. Gray stays gray (every matrix row sums to 1). Alpha is untouched.

use lathe_color_kit::{retouch, SrgbLut, LUMA_709};
use lathe_tool_sdk::{parse_settings, Input, Output, Tool, ToolError, ToolInfo};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    #[serde(default, alias = "type", alias = "simulation")]
    simulation_type: Simulation,
}

/// A colour vision deficiency to simulate.
#[derive(Debug, Default, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
enum Simulation {
    /// No L cones.
    Protanopia,
    /// No M cones.
    Deuteranopia,
    /// No S cones.
    Tritanopia,
    /// Shifted L cones (severity 0.6).
    Protanomaly,
    /// Shifted M cones (severity 0.6), the most common deficiency.
    #[default]
    Deuteranomaly,
    /// Shifted S cones (severity 0.6).
    Tritanomaly,
    /// No cone vision: luminance only.
    Achromatopsia,
    /// Only S cones (and rods) work.
    BlueConeMonochromacy,
}

type Matrix = [[f32; 3]; 3];

/// Machado 2009, protanopia (severity 1.0).
const PROTANOPIA: Matrix = [
    [0.152286, 1.052583, -0.204868],
    [0.114503, 0.786281, 0.099216],
    [-0.003882, -0.048116, 1.051998],
];
/// Machado 2009, protanomaly at severity 0.6.
const PROTANOMALY: Matrix = [
    [0.385450, 0.769005, -0.154455],
    [0.100526, 0.829802, 0.069673],
    [-0.007442, -0.022190, 1.029632],
];
/// Machado 2009, deuteranopia (severity 1.0).
const DEUTERANOPIA: Matrix = [
    [0.367322, 0.860646, -0.227968],
    [0.280085, 0.672501, 0.047413],
    [-0.011820, 0.042940, 0.968881],
];
/// Machado 2009, deuteranomaly at severity 0.6.
const DEUTERANOMALY: Matrix = [
    [0.498864, 0.674741, -0.173604],
    [0.205199, 0.754872, 0.039929],
    [-0.011131, 0.030969, 0.980162],
];
/// Machado 2009, tritanopia (severity 1.0).
const TRITANOPIA: Matrix = [
    [1.255528, -0.076749, -0.178779],
    [-0.078411, 0.930809, 0.147602],
    [0.004733, 0.691367, 0.303900],
];
/// Machado 2009, tritanomaly at severity 0.6.
const TRITANOMALY: Matrix = [
    [1.104996, -0.046633, -0.058363],
    [0.032137, 0.971635, -0.003772],
    [0.001336, 0.317922, 0.680742],
];
/// Blue-cone monochromacy: one luminance weighted towards the S cones (a common
/// approximation; there is no Machado matrix for it).
const BLUE_CONE_WEIGHTS: [f32; 3] = [0.01775, 0.10945, 0.87262];

fn matrix(sim: Simulation) -> Matrix {
    let gray = |w: [f32; 3]| [w, w, w];
    match sim {
        Simulation::Protanopia => PROTANOPIA,
        Simulation::Deuteranopia => DEUTERANOPIA,
        Simulation::Tritanopia => TRITANOPIA,
        Simulation::Protanomaly => PROTANOMALY,
        Simulation::Deuteranomaly => DEUTERANOMALY,
        Simulation::Tritanomaly => TRITANOMALY,
        Simulation::Achromatopsia => gray(LUMA_709),
        Simulation::BlueConeMonochromacy => gray(BLUE_CONE_WEIGHTS),
    }
}

/// Applies `m` in linear light to RGBA8 pixels in place.
fn simulate(pixels: &mut [u8], m: &Matrix) {
    let lut = SrgbLut::new();
    for px in pixels.chunks_exact_mut(4) {
        let c = [lut.linear(px[0]), lut.linear(px[1]), lut.linear(px[2])];
        for (d, row) in px[..3].iter_mut().zip(m) {
            *d = lut.srgb8(row[0] * c[0] + row[1] * c[1] + row[2] * c[2]);
        }
    }
}

struct ColorBlindness;

impl Tool for ColorBlindness {
    fn describe() -> ToolInfo {
        lathe_image_kit::one_image_tool_info(
            "color-blindness",
            "Color blindness simulation",
            "Show how an image looks with protanopia, deuteranopia, tritanopia, their anomalous forms, achromatopsia or blue-cone monochromacy.",
            serde_json::json!({
                    "simulationType": {
                        "enum": ["protanopia", "deuteranopia", "tritanopia", "protanomaly",
                                 "deuteranomaly", "tritanomaly", "achromatopsia", "blueConeMonochromacy"],
                        "default": "deuteranomaly"
                    }
            }),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        retouch(&inputs[0], |rgba, _, _| {
            simulate(rgba, &matrix(settings.simulation_type))
        })
    }
}

lathe_tool_sdk::export_tool!(ColorBlindness);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_sum_to_one() {
        for m in [
            PROTANOPIA,
            PROTANOMALY,
            DEUTERANOPIA,
            DEUTERANOMALY,
            TRITANOPIA,
            TRITANOMALY,
        ] {
            for row in m {
                assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-4);
            }
        }
        assert!((BLUE_CONE_WEIGHTS.iter().sum::<f32>() - 1.0).abs() < 1e-4);
    }
}
