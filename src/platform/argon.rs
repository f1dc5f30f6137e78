//! argon2id hashing and verification into memory blocks kept between hashes, with the
//! same PHC strings and the same cost as argon2's own `hash_password`/`verify_password`.
//!
//! Why: argon2 allocates its whole memory (19 MiB at the default cost) for every hash.
//! glibc serves a block that large from the hashing thread's arena once a first one was
//! freed (its mmap threshold grows), and keeps it there: every blocking-pool thread that
//! ever hashed held ~19 MiB more, so resident memory grew with the number of threads the
//! pool had started. Kept blocks are allocated once per concurrent hash (the semaphore's
//! permits). argon2 writes every block before reading it, so a
//! reused buffer needs no clearing.

use std::sync::{Mutex, PoisonError};

use argon2::password_hash::{Output, PasswordHash, Salt, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

use super::error::ApiError;

/// Memory buffers for concurrent hashes, at most `keep` of them kept.
#[derive(Debug)]
pub struct Blocks {
    kept: Mutex<Vec<Vec<Block>>>,
    keep: usize,
}

impl Blocks {
    /// Keeps at most `keep` buffers (one per concurrent hash).
    pub fn new(keep: usize) -> Self {
        Self { kept: Mutex::new(Vec::new()), keep: keep.max(1) }
    }

    /// A buffer of exactly `count` blocks: a kept one, or a new one.
    fn take(&self, count: usize) -> Vec<Block> {
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        match kept.iter().position(|b| b.len() == count) {
            Some(i) => kept.swap_remove(i),
            None => vec![Block::default(); count],
        }
    }

    /// Gives a buffer back; beyond `keep` the oldest goes (a hash of another cost, say).
    fn give(&self, blocks: Vec<Block>) {
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        kept.push(blocks);
        if kept.len() > self.keep {
            kept.remove(0);
        }
    }

    /// Runs argon2id (or the stored hash's variant) into `out` on a kept buffer.
    fn hash_into(
        &self,
        argon: &Argon2<'_>,
        params: &Params,
        password: &[u8],
        salt: &[u8],
        out: &mut [u8],
    ) -> argon2::Result<()> {
        let mut blocks = self.take(params.block_count());
        let result = argon.hash_password_into_with_memory(password, salt, out, &mut blocks);
        self.give(blocks);
        result
    }
}

/// Hashes `password` with a fresh random salt into a PHC string (`$argon2id$v=19$m=...`).
pub fn hash(blocks: &Blocks, params: &Params, password: &str) -> Result<String, ApiError> {
    let internal = |what: &str, e: &dyn std::fmt::Display| ApiError::Internal(format!("{what}: {e}"));
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>()).map_err(|e| internal("salt", &e))?;
    let phc = phc(blocks, Algorithm::Argon2id, Version::V0x13, params.clone(), salt.as_salt(), password)
        .map_err(|e| internal("hashing", &e))?;
    Ok(phc.to_string())
}

/// Whether `password` matches the PHC string `stored`, at the cost written in it (so old
/// accounts keep verifying after a restart with another cost).
pub fn verify(blocks: &Blocks, password: &str, stored: &str) -> Result<bool, ApiError> {
    let parsed =
        PasswordHash::new(stored).map_err(|e| ApiError::Internal(format!("stored password hash: {e}")))?;
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else { return Ok(false) };
    let computed = (|| {
        let algorithm = Algorithm::try_from(parsed.algorithm)?;
        let version = parsed.version.map(Version::try_from).transpose()?.unwrap_or_default();
        let params = Params::try_from(&parsed)?;
        phc(blocks, algorithm, version, params, salt, password)
    })();
    // A stored hash this code cannot recompute does not match (as argon2's verifier says).
    // `Output`'s comparison takes constant time.
    Ok(computed.is_ok_and(|phc| phc.hash == Some(expected)))
}

/// The PHC hash of `password` with these settings.
fn phc<'a>(
    blocks: &Blocks,
    algorithm: Algorithm,
    version: Version,
    params: Params,
    salt: Salt<'a>,
    password: &str,
) -> argon2::password_hash::Result<PasswordHash<'a>> {
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes)?;
    let argon = Argon2::new(algorithm, version, params.clone());
    let len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let output = Output::init_with(len, |out| {
        Ok(blocks.hash_into(&argon, &params, password.as_bytes(), salt_bytes, out)?)
    })?;
    Ok(PasswordHash {
        algorithm: algorithm.ident(),
        version: Some(version.into()),
        params: (&params).try_into()?,
        salt: Some(salt),
        hash: Some(output),
    })
}

#[cfg(test)]
mod tests {
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

    use super::*;

    fn low() -> Params {
        Params::new(1_024, 1, 1, None).expect("valid")
    }

    #[test]
    fn kept_memory_hashes_exactly_like_argon2_and_verifies_both_ways() {
        let blocks = Blocks::new(1);
        // The same salt and settings give argon2's own PHC string, byte for byte.
        let salt = SaltString::encode_b64(b"sixteen byte slt").expect("salt");
        let ours =
            phc(&blocks, Algorithm::Argon2id, Version::V0x13, low(), salt.as_salt(), "pw").expect("hash");
        let theirs = Argon2::new(Algorithm::Argon2id, Version::V0x13, low())
            .hash_password(b"pw", salt.as_salt())
            .expect("hash");
        assert_eq!(ours.to_string(), theirs.to_string());
        // Again on the kept buffer (now full of the last hash's state).
        let again =
            phc(&blocks, Algorithm::Argon2id, Version::V0x13, low(), salt.as_salt(), "pw").expect("hash");
        assert_eq!(again.to_string(), theirs.to_string());

        let stored = hash(&blocks, &low(), "correct horse").expect("hash");
        let parsed = PasswordHash::new(&stored).expect("phc");
        assert!(Argon2::default().verify_password(b"correct horse", &parsed).is_ok(), "argon2 verifies ours");
        assert!(verify(&blocks, "correct horse", &stored).expect("verify"));
        assert!(!verify(&blocks, "wrong", &stored).expect("verify"));
        // A hash made elsewhere, at another cost and variant, verifies here too.
        let other = Params::new(2_048, 2, 2, None).expect("valid");
        let theirs = Argon2::new(Algorithm::Argon2i, Version::V0x10, other)
            .hash_password(b"x", salt.as_salt())
            .expect("hash")
            .to_string();
        assert!(verify(&blocks, "x", &theirs).expect("verify"));
        assert!(!verify(&blocks, "y", &theirs).expect("verify"));
        assert!(verify(&blocks, "x", "not a phc string").is_err());
    }

    #[test]
    fn at_most_keep_buffers_are_kept() {
        let blocks = Blocks::new(2);
        let taken: Vec<Vec<Block>> = (0..4).map(|_| blocks.take(8)).collect();
        for buffer in taken {
            blocks.give(buffer);
        }
        assert_eq!(blocks.kept.lock().expect("lock").len(), 2);
        assert_eq!(blocks.take(16).len(), 16, "another size is allocated");
    }
}
