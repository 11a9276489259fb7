//! `image/find-duplicates`: group visually identical or near-identical images, as JSON
//! only (no file).
//!
//! Each image gets a 64-bit difference hash (dHash): it is flattened onto white, turned to
//! grey, scaled to 9 × 8 pixels, and each bit says whether a pixel is brighter than its
//! right neighbour. Two images whose hashes differ in at most `threshold` bits are
//! duplicates, and duplicates of duplicates join the same group. In each group the largest
//! file is the one to keep; `spaceSaveable` is the bytes of the others.

use lathe_color_kit::whole;
use lathe_image_kit::{decode_with_target, image, resize_exact, DynamicImage};
use lathe_tool_sdk::{
    parse_settings, unsupported, Input, Output, Produces, Section, Tool, ToolError, ToolInfo,
};
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    threshold: Option<f64>,
}

/// The 64-bit dHash of an input.
fn dhash(input: &Input) -> Result<u64, ToolError> {
    let decoded = decode_with_target(input, 9, 8).map_err(|e| match e {
        ToolError::UnsupportedInput(m) => unsupported(format!("{}: {m}", input.name)),
        other => other,
    })?;
    let rgba = decoded.image.to_rgba8();
    let gray = image::GrayImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let p = rgba.get_pixel(x, y);
        let a = p[3] as f32 / 255.0;
        let luma = 0.2126 * p[0] as f32 + 0.7152 * p[1] as f32 + 0.0722 * p[2] as f32;
        image::Luma([(luma * a + 255.0 * (1.0 - a)).round() as u8])
    });
    let small = resize_exact(&DynamicImage::ImageLuma8(gray), 9, 8)?.to_luma8();
    let mut hash = 0u64;
    for y in 0..8 {
        for x in 0..8 {
            hash <<= 1;
            if small.get_pixel(x, y)[0] > small.get_pixel(x + 1, y)[0] {
                hash |= 1;
            }
        }
    }
    Ok(hash)
}

/// Union-find root with path halving.
fn root(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

struct FindDuplicates;

impl Tool for FindDuplicates {
    fn describe() -> ToolInfo {
        ToolInfo {
            id: "find-duplicates",
            section: Section::Image,
            name: "Find duplicates",
            description: "Group duplicate and near-duplicate images (2 to 100) by perceptual hash.",
            settings_schema: json!({
                "type": "object",
                "properties": {
                    "threshold": {"type": "integer", "minimum": 0, "maximum": 20, "default": 8}
                }
            }),
            min_inputs: 2,
            max_inputs: 100,
            accepts: &[],
            produces: Produces::NO_FILE,
        }
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let s: Settings = parse_settings(settings)?;
        let threshold = whole("threshold", s.threshold, 8.0, 0.0, 20.0)?;
        let hashes = inputs.iter().map(dhash).collect::<Result<Vec<_>, _>>()?;
        let n = inputs.len();
        let mut parent: Vec<usize> = (0..n).collect();
        for i in 0..n {
            for j in i + 1..n {
                if (hashes[i] ^ hashes[j]).count_ones() <= threshold {
                    let (ri, rj) = (root(&mut parent, i), root(&mut parent, j));
                    if ri != rj {
                        parent[ri.max(rj)] = ri.min(rj);
                    }
                }
            }
        }
        // Groups in order of their first member.
        let mut groups: Vec<Vec<usize>> = Vec::new();
        let mut group_of_root = vec![usize::MAX; n];
        for i in 0..n {
            let r = root(&mut parent, i);
            if group_of_root[r] == usize::MAX {
                group_of_root[r] = groups.len();
                groups.push(Vec::new());
            }
            groups[group_of_root[r]].push(i);
        }
        let unique = groups.len();
        let duplicates: Vec<&Vec<usize>> = groups.iter().filter(|g| g.len() > 1).collect();
        let space: u64 = duplicates
            .iter()
            .map(|g| {
                let sizes = g.iter().map(|&i| inputs[i].data.len() as u64);
                sizes.clone().sum::<u64>() - sizes.max().unwrap_or(0)
            })
            .sum();
        let names: Vec<Vec<&str>> = duplicates
            .iter()
            .map(|g| g.iter().map(|&i| inputs[i].name.as_str()).collect())
            .collect();
        let hashes: Vec<_> = inputs
            .iter()
            .zip(&hashes)
            .map(|(input, h)| json!({"filename": input.name, "hash": format!("{h:016x}")}))
            .collect();
        Ok(Output::default().with_extra(json!({
            "totalImages": n,
            "duplicateGroups": names,
            "uniqueImages": unique,
            "spaceSaveable": space,
            "threshold": threshold,
            "hashes": hashes,
        })))
    }
}

lathe_tool_sdk::export_tool!(FindDuplicates);
