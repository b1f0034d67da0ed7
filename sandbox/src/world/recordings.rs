//! Call recordings: the signed URL every ended call's `recording_url` holds, and
//! `GetCallRecording`, which answers it with audio.
//!
//! As on the real service, a recording URL is absolute and carries a `?token=` that authorizes
//! it on its own (the edge lets a request with a `token` through without the API key; the world
//! checks the token). Asked without a token (with the API key), the endpoint answers JSON naming
//! that URL, one of the answers the SDK's recording download follows; asked with the token, it
//! answers the audio: silent MPEG audio as long as the call.

use serde_json::json;

use super::{ApiReply, ApiRequest, Failure, Handled, World, ok};

/// Bits per second of the silent audio: the smallest MPEG-1 Layer III rate.
const BITRATE: usize = 32_000;
/// Samples per second of the silent audio.
const SAMPLE_RATE: usize = 32_000;
/// An MPEG-1 Layer III frame header: no CRC, 32 kbit/s, 32 kHz, no padding, mono.
const FRAME_HEADER: [u8; 4] = [0xFF, 0xFB, 0x18, 0xC0];
/// Every Layer III frame holds 1,152 samples.
const SAMPLES_PER_FRAME: usize = 1152;

/// Where the recording of call `id` is served, signed with `token`.
pub(super) fn recording_url(base_url: &str, id: &str, token: &str) -> String {
    format!("{base_url}/api/v1/calling/sessions/{id}/recording?token={token}")
}

/// `seconds` of silence as MPEG audio: frames whose side information is all zero, which
/// decoders play as silence.
fn silent_mpeg(seconds: usize) -> Vec<u8> {
    let frame_bytes = 144 * BITRATE / SAMPLE_RATE;
    let frames = (seconds.max(1) * SAMPLE_RATE).div_ceil(SAMPLES_PER_FRAME);
    let mut audio = Vec::with_capacity(frames * frame_bytes);
    for _ in 0..frames {
        audio.extend_from_slice(&FRAME_HEADER);
        audio.resize(audio.len() + frame_bytes - FRAME_HEADER.len(), 0);
    }
    audio
}

impl World {
    pub(super) fn call_recording(&mut self, r: &ApiRequest) -> Handled {
        let id = r.path_param("id");
        let call = self.call(id)?;
        let token = r.query.get("token").filter(|token| !token.is_empty());
        if token.is_some_and(|token| *token != call.recording_token) {
            return Err(Failure::Unauthenticated(format!(
                "the recording token is not valid for call session {id:?}"
            )));
        }
        let Some(url) = call.detail.recording_url.clone() else {
            return Err(Failure::NotFound(format!(
                "call session {id:?} has no recording yet"
            )));
        };
        match token {
            Some(_) => Ok(ApiReply::Bytes {
                content_type: "audio/mpeg",
                body: silent_mpeg(
                    usize::try_from(call.detail.duration_sec.unwrap_or(1)).unwrap_or(1),
                ),
            }),
            None => ok("recording fetched", json!({"recording_url": url})),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silence_is_whole_frames_as_long_as_asked() {
        let audio = silent_mpeg(2);
        // 2 s at 32 kHz is 55.6 frames of 1,152 samples: 56 frames of 144 bytes.
        assert_eq!(audio.len(), 56 * 144);
        assert!(audio.chunks(144).all(|frame| frame[..4] == FRAME_HEADER));
        assert_eq!(silent_mpeg(0).len(), silent_mpeg(1).len());
    }
}
