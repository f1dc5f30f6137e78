//! Shared payload material for generated bodies (images, text), made once per run.

use bytes::Bytes;

/// Shared payload material: generated bodies are zero-copy slices of these buffers.
#[derive(Debug, Clone)]
pub struct Payloads {
    /// Pseudo-random bytes starting with a PNG signature.
    image: Bytes,
    /// Printable text.
    text: Bytes,
}

/// Largest generated body; bigger requested sizes are capped.
const MAX_BODY_BYTES: usize = 8 << 20;

impl Payloads {
    pub fn new(seed: u64) -> Self {
        use rand::{RngCore, SeedableRng};
        let mut image = vec![0u8; MAX_BODY_BYTES];
        rand_chacha::ChaCha8Rng::seed_from_u64(seed).fill_bytes(&mut image);
        image[..8].copy_from_slice(b"\x89PNG\r\n\x1a\n");
        const WORDS: &str = "cat tax hello from the other side of the app refugee new here meow ";
        let text: String = WORDS.chars().cycle().take(64 << 10).collect();
        Self { image: Bytes::from(image), text: Bytes::from(text) }
    }

    pub fn image(&self, bytes: usize) -> Bytes {
        self.image.slice(..bytes.clamp(8, MAX_BODY_BYTES))
    }

    pub fn text(&self, chars: usize) -> String {
        String::from_utf8_lossy(&self.text[..chars.min(self.text.len())]).into_owned()
    }
}
