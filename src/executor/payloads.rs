//! Shared payload material for generated bodies (images, text), made once per run.
//!
//! The image buffer grows on demand, by doubling, up to [`MAX_BODY_BYTES`]: a run that uploads
//! ~120 KB photos holds a few hundred KiB, not the 8 MiB the largest allowed body needs (the
//! main job's peak memory dropped by that much). Every size is a prefix of one seeded ChaCha
//! stream, so a body's bytes do not depend on when or in what order the buffer grew.

use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use rand::{RngCore, SeedableRng};

/// Shared payload material: generated bodies are zero-copy slices of these buffers.
#[derive(Debug, Clone)]
pub struct Payloads {
    seed: u64,
    /// Pseudo-random bytes starting with a PNG signature; replaced by a longer one (with the
    /// same prefix) when a larger image is asked for. Bodies in flight keep the old one alive.
    image: Arc<Mutex<Bytes>>,
    /// Printable ASCII words, so that any prefix is text and a character is a byte.
    text: Bytes,
}

/// Largest generated body; bigger requested sizes are capped.
const MAX_BODY_BYTES: usize = 8 << 20;
/// The image buffer's first size (most photos are below it).
const FIRST_IMAGE_BYTES: usize = 256 << 10;

impl Payloads {
    pub fn new(seed: u64) -> Self {
        const WORDS: &str = "cat tax hello from the other side of the app refugee new here meow ";
        let text: String = WORDS.chars().cycle().take(64 << 10).collect();
        let image = Arc::new(Mutex::new(image_bytes(seed, FIRST_IMAGE_BYTES)));
        Self { seed, image, text: Bytes::from(text) }
    }

    pub fn image(&self, bytes: usize) -> Bytes {
        let bytes = bytes.clamp(8, MAX_BODY_BYTES);
        let mut image = self.image.lock().unwrap_or_else(PoisonError::into_inner);
        if image.len() < bytes {
            let grown = bytes.next_power_of_two().clamp(FIRST_IMAGE_BYTES, MAX_BODY_BYTES);
            *image = image_bytes(self.seed, grown);
        }
        image.slice(..bytes)
    }

    /// The first `chars` characters of the run's text (at most 64 Ki), borrowed.
    pub fn text(&self, chars: usize) -> &str {
        // ASCII only (see `new`), so every prefix is valid UTF-8.
        std::str::from_utf8(&self.text[..chars.min(self.text.len())]).unwrap_or_default()
    }

    /// The same text as [`Self::text`] as a body, without a copy.
    pub fn text_body(&self, chars: usize) -> Bytes {
        self.text.slice(..chars.min(self.text.len()))
    }
}

/// The first `len` bytes of the run's image stream, PNG signature first.
fn image_bytes(seed: u64, len: usize) -> Bytes {
    let mut image = vec![0u8; len];
    rand_chacha::ChaCha8Rng::seed_from_u64(seed).fill_bytes(&mut image);
    image[..8].copy_from_slice(b"\x89PNG\r\n\x1a\n");
    Bytes::from(image)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_prefixes_of_one_stream_whatever_the_order_of_growth() {
        let small_first = Payloads::new(7);
        let small = small_first.image(1_000);
        let large = small_first.image(3 << 20);
        assert_eq!(large.len(), 3 << 20);
        assert_eq!(&large[..1_000], &small[..]);
        let large_first = Payloads::new(7);
        assert_eq!(large_first.image(3 << 20), large);
        assert_eq!(large_first.image(1_000), small);
        assert_eq!(&small[..8], b"\x89PNG\r\n\x1a\n");
    }

    #[test]
    fn text_is_a_prefix_whatever_the_size() {
        let payloads = Payloads::new(1);
        assert_eq!(payloads.text(12), "cat tax hell");
        assert_eq!(payloads.text_body(12), payloads.text(12).as_bytes());
        assert_eq!(payloads.text(usize::MAX).len(), 64 << 10);
        assert!(payloads.text(64 << 10).is_ascii());
    }

    #[test]
    fn sizes_are_capped_and_the_buffer_grows_only_as_asked() {
        let payloads = Payloads::new(1);
        assert_eq!(payloads.image(0).len(), 8);
        assert_eq!(payloads.image(120_000).len(), 120_000);
        assert_eq!(payloads.image.lock().expect("lock").len(), FIRST_IMAGE_BYTES);
        assert_eq!(payloads.image(usize::MAX).len(), MAX_BODY_BYTES);
    }
}
