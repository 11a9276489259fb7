//! What a native tool may hand ffmpeg: arguments and files that stay inside the scratch
//! directory. ffmpeg can open files and URLs from many places (arguments, `movie` filters,
//! concat lists, HLS/DASH playlists, SDP files); each is closed here, and the host adds
//! `-protocol_whitelist file` before every input.

/// Whether a file name is a plain name inside the scratch directory.
pub fn safe_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 200
        && !name.starts_with('-')
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// Whether an argument stays inside the scratch directory: no absolute path, no `..`, no
/// URL or protocol prefix, no filter that opens files of its own (`movie`, `amovie`), and
/// none of the options that widen what ffmpeg may open.
pub fn safe_arg(arg: &str) -> bool {
    const PROTOCOLS: [&str; 10] = [
        "file:", "pipe:", "concat:", "subfile:", "data:", "tcp:", "udp:", "http:", "https:",
        "crypto:",
    ];
    const OPTIONS: [&str; 4] = [
        "-protocol_whitelist",
        "-protocol_blacklist",
        "-progress",
        "-filter_script",
    ];
    !(arg.starts_with('/')
        || arg.contains("..")
        || arg.contains("://")
        || arg.contains('\0')
        || arg.contains("movie=")
        || PROTOCOLS.iter().any(|p| arg.starts_with(p))
        || OPTIONS.iter().any(|o| arg.starts_with(o)))
}

/// Checks what an input file says, whatever its name: playlists and session descriptions
/// (which make ffmpeg open other files or the network) are refused, and a concat list may
/// only name other inputs of the same call.
pub fn check_input(data: &[u8], input_names: &[&str]) -> Result<(), String> {
    let head = &data[..data.len().min(4096)];
    let text = String::from_utf8_lossy(head);
    let text = text.trim_start_matches('\u{feff}').trim_start();
    if text.starts_with("#EXTM3U") || text.starts_with("#EXT-X-") {
        return Err("playlists (m3u8) are not accepted as media".into());
    }
    let dash = text.starts_with('<') && text.contains("<MPD");
    if text.starts_with("v=0") || dash || text.starts_with("[playlist]") {
        return Err("stream descriptions (SDP, DASH, PLS) are not accepted as media".into());
    }
    if text.starts_with("ffconcat") {
        return check_concat_list(&String::from_utf8_lossy(data), input_names);
    }
    Ok(())
}

/// A concat list (`ffconcat version 1.0`) may only name plain files given to the same call.
fn check_concat_list(list: &str, input_names: &[&str]) -> Result<(), String> {
    for line in list.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (directive, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        match directive {
            "ffconcat" | "duration" | "inpoint" | "outpoint" => {}
            "file" => {
                let name = rest.trim().trim_matches('\'');
                if !safe_name(name) || !input_names.contains(&name) {
                    return Err(format!(
                        "a concat list may only name the call's own inputs, not '{name}'"
                    ));
                }
            }
            other => return Err(format!("concat directive '{other}' is not allowed")),
        }
    }
    Ok(())
}

/// Inserts `-protocol_whitelist file` before every `-i`, so no input (nor anything an input
/// refers to) is read through another protocol.
pub fn whitelist_inputs(args: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(args.len() + 4);
    for arg in args {
        if arg == "-i" {
            out.push("-protocol_whitelist".to_string());
            out.push("file".to_string());
        }
        out.push(arg.clone());
    }
    out
}

/// A sequence output name (`frame-%04d.png`, `part-%d.mp3`) split around its number.
pub fn sequence_pattern(name: &str) -> Option<(&str, &str)> {
    let start = name.find('%')?;
    let rest = &name[start + 1..];
    let digits = rest.chars().take_while(|c| c.is_ascii_digit()).count();
    if rest[digits..].starts_with('d') {
        Some((&name[..start], &rest[digits + 1..]))
    } else {
        None
    }
}

/// The files of a sequence in `names`, ordered by their number.
pub fn sequence_members<'a>(pattern: (&str, &str), names: &'a [String]) -> Vec<&'a String> {
    let (prefix, suffix) = pattern;
    let mut found: Vec<(u64, &String)> = names
        .iter()
        .filter_map(|n| {
            let middle = n.strip_prefix(prefix)?.strip_suffix(suffix)?;
            if middle.is_empty() || !middle.chars().all(|c| c.is_ascii_digit()) {
                return None;
            }
            Some((middle.parse().ok()?, n))
        })
        .collect();
    found.sort();
    found.into_iter().map(|(_, n)| n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_cannot_leave_the_scratch_directory() {
        for bad in [
            "/etc/passwd",
            "../x.wav",
            "http://example.com/a",
            "file:secret",
            "concat:a|b",
            "movie=secret.mp4,scale=2:2",
            "-protocol_whitelist",
        ] {
            assert!(!safe_arg(bad), "{bad} must be refused");
        }
        for good in [
            "-i",
            "input.mp4",
            "-vn",
            "libmp3lame",
            "scale=800:-1",
            "drawtext=fontfile=font.ttf:textfile=text.txt:x=(w-text_w)/2",
            "0:a",
        ] {
            assert!(safe_arg(good), "{good} must be allowed");
        }
        assert!(!safe_name("../a"));
        assert!(!safe_name("-x.mp4"));
        assert!(safe_name("input.mp4"));
    }

    #[test]
    fn inputs_that_open_other_files_are_refused() {
        let names = ["input-0.mp4", "input-1.mp4", "list.txt"];
        assert!(check_input(b"#EXTM3U\n#EXTINF:1,\nhttp://x/a.ts\n", &names).is_err());
        assert!(check_input(b"v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\n", &names).is_err());
        assert!(check_input(b"ffconcat version 1.0\nfile '/etc/passwd'\n", &names).is_err());
        assert!(check_input(b"ffconcat version 1.0\nfile 'http://x/a'\n", &names).is_err());
        assert!(check_input(b"ffconcat version 1.0\nfile 'other.mp4'\n", &names).is_err());
        assert!(check_input(
            b"ffconcat version 1.0\nfile 'input-0.mp4'\nfile input-1.mp4\n",
            &names
        )
        .is_ok());
        assert!(check_input(b"1\n00:00:01,000 --> 00:00:02,000\nHi\n", &names).is_ok());
        assert!(check_input(b"<?xml version=\"1.0\"?><MPD></MPD>", &names).is_err());
        assert!(check_input(b";FFMETADATA1\ntitle=<MPD>\n", &names).is_ok());
    }

    #[test]
    fn sequences_are_found_in_order() {
        let pattern = sequence_pattern("frame-%04d.png").unwrap();
        assert_eq!(pattern, ("frame-", ".png"));
        let names: Vec<String> = ["frame-0010.png", "frame-0002.png", "x.png", "frame-.png"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            sequence_members(pattern, &names),
            vec!["frame-0002.png", "frame-0010.png"]
        );
        assert!(sequence_pattern("plain.png").is_none());
    }

    #[test]
    fn every_input_gets_the_file_protocol_only() {
        let args: Vec<String> = ["-i", "a.mp4", "-i", "b.mp3", "out.mp4"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let out = whitelist_inputs(&args);
        assert_eq!(out.iter().filter(|a| *a == "file").count(), 2);
        assert_eq!(out[0], "-protocol_whitelist");
    }
}
