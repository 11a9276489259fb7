//! ffmpeg `concat` filter graphs: each input's streams brought to a common form by their
//! own chains, then joined one after the other (merged audio, merged videos, slideshows).

/// A `concat` graph being built: the chains of every segment's streams, then the labels
/// `concat` joins, in order.
#[derive(Debug, Default, Clone)]
pub struct ConcatGraph {
    chains: String,
    joined: String,
}

impl ConcatGraph {
    /// An empty graph.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the next stream to join: `chain` (e.g. `[0:a:0]aresample=48000`) whose output
    /// is labelled `label`. A segment's streams go in `concat`'s order: video, then audio.
    pub fn push(&mut self, chain: &str, label: &str) {
        self.chains.push_str(&format!("{chain}[{label}];"));
        self.joined.push_str(&format!("[{label}]"));
    }

    /// The graph: the chains, then `concat` of `segments` segments of `video` video and
    /// `audio` audio streams each, writing `outputs` (e.g. `[v][a]`).
    pub fn join(self, segments: usize, (video, audio): (u8, u8), outputs: &str) -> String {
        format!(
            "{}{}concat=n={segments}:v={video}:a={audio}{outputs}",
            self.chains, self.joined
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chains_come_first_then_the_join() {
        let mut graph = ConcatGraph::new();
        graph.push("[0:a:0]anull", "a0");
        graph.push("[1:a:0]anull", "a1");
        assert_eq!(
            graph.join(2, (0, 1), "[out]"),
            "[0:a:0]anull[a0];[1:a:0]anull[a1];[a0][a1]concat=n=2:v=0:a=1[out]"
        );
    }
}
