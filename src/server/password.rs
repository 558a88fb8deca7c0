//! Password hashing with Argon2id (`shared/SECURITY.md`, Passwords; OWASP Password Storage
//! Cheat Sheet).
//!
//! Hashing is CPU- and memory-heavy (19 MiB per hash at the defaults), so it runs on the
//! blocking thread pool, at most one hash per CPU at a time: a login storm queues here instead of
//! exhausting memory or starving page rendering.

use std::sync::OnceLock;

use argon2::{
    password_hash::{rand_core::OsRng, Output, ParamsString, PasswordHash, Salt, SaltString},
    Algorithm, Argon2, Block, Params, Version,
};
use tokio::sync::Semaphore;

use crate::{
    domain::{Password, Refusal},
    error::{AppError, OrInternal},
};

mod feedback;

fn permits() -> &'static Semaphore {
    static PERMITS: OnceLock<Semaphore> = OnceLock::new();
    PERMITS.get_or_init(|| {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        Semaphore::new(cpus)
    })
}

/// Argon2id with the `argon2` crate's defaults: m=19456 KiB, t=2, p=1 (OWASP's first
/// recommended setting).
fn hasher() -> Argon2<'static> {
    Argon2::default()
}

/// A PHC-format hash (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`) of a password that was
/// checked against the policy. Deliberately not `Serialize`: it never leaves the server.
#[derive(Clone)]
pub struct PasswordHashString(pub String);

impl std::fmt::Debug for PasswordHashString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHashString(<hidden>)")
    }
}

/// Hashes `password` with a fresh 16-byte random salt.
///
/// Errors: `AppError::Internal` if the hasher or the blocking pool fails.
pub async fn hash(password: &Password) -> Result<PasswordHashString, AppError> {
    hash_str(password.expose()).await
}

/// Hashes a password that was just verified against its stored hash, to replace a weak one
/// ([`needs_rehash`]): it is not checked against today's policy, which sign-in never applies.
///
/// Errors: `AppError::Internal` if the hasher or the blocking pool fails.
pub async fn hash_verified(password: &str) -> Result<PasswordHashString, AppError> {
    hash_str(password).await
}

async fn hash_str(password: &str) -> Result<PasswordHashString, AppError> {
    let plain = password.to_string();
    run_blocking(move |blocks| phc_hash(plain.as_bytes(), blocks).map(PasswordHashString))
        .await?
        .or_internal()
}

/// A PHC-format hash of `password` with a fresh random salt, computed in `blocks`.
///
/// Errors: the crate's (none at the fixed parameters), or no memory for the blocks.
fn phc_hash(password: &[u8], blocks: &mut Blocks) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    let hasher = hasher();
    let output = argon2_output(&hasher, password, salt.as_salt(), blocks)?;
    let params = ParamsString::try_from(hasher.params()).map_err(|e| e.to_string())?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(hash.to_string())
}

/// Argon2's output for `password` and `salt` with `hasher`'s algorithm, version and
/// parameters, computed in `blocks` (grown to the parameters' memory if smaller; a larger one
/// is used in part). The same value as the `argon2` crate's `hash_password`, which allocates
/// (and the kernel zero-fills) 19 MiB on every call instead.
///
/// Errors: the crate's, for a salt or parameters it refuses; no memory for the blocks.
fn argon2_output(
    hasher: &Argon2<'_>,
    password: &[u8],
    salt: Salt<'_>,
    blocks: &mut Blocks,
) -> Result<Output, String> {
    let memory = blocks
        .at_least(hasher.params().block_count())
        .map_err(|e| format!("no memory for Argon2's blocks: {e}"))?;
    let mut salt_bytes = [0u8; 64];
    let salt = salt
        .decode_b64(&mut salt_bytes)
        .map_err(|e| e.to_string())?;
    let len = hasher
        .params()
        .output_len()
        .unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    Output::init_with(len, |out| {
        Ok(hasher.hash_password_into_with_memory(password, salt, out, &mut *memory)?)
    })
    .map_err(|e| e.to_string())
}

/// Argon2 memory mapped straight from the kernel (anonymous, zero-filled pages), outside the
/// allocator: whatever allocator the server uses never holds on to 19 MiB blocks, and dropping
/// a buffer unmaps it. Empty until a hash needs it.
#[derive(Debug, Default)]
pub struct Blocks {
    map: Option<memmap2::MmapMut>,
}

impl Blocks {
    /// How many blocks it holds.
    pub fn len(&self) -> usize {
        self.map
            .as_ref()
            .map_or(0, |m| m.len() / std::mem::size_of::<Block>())
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The buffer as blocks, remapped larger first if it holds fewer than `count`.
    ///
    /// Errors: the kernel's, when it cannot map the memory.
    pub fn at_least(&mut self, count: usize) -> std::io::Result<&mut [Block]> {
        let size = std::mem::size_of::<Block>();
        if self.len() < count {
            self.map = Some(memmap2::MmapMut::map_anon(count.max(1) * size)?);
        }
        let map = self.map.as_mut().expect("mapped above");
        let ptr = map.as_mut_ptr();
        debug_assert_eq!(ptr.align_offset(std::mem::align_of::<Block>()), 0);
        // SAFETY: the mapping is page-aligned (more than `Block`'s 64-byte alignment), readable
        // and writable, and lives as long as the borrow of `self`; `Block` is 128 `u64`s, for
        // which every byte pattern (the kernel's zeroes, an earlier hash's data) is valid.
        Ok(unsafe { std::slice::from_raw_parts_mut(ptr.cast::<Block>(), map.len() / size) })
    }
}

/// Whether `candidate` hashes to `stored`'s output with `stored`'s salt, algorithm, version
/// and parameters (what the crate's `verify_password` does, in reused `blocks`). The outputs
/// are compared in constant time (`password_hash::Output`'s equality).
///
/// Errors: the crate's, for a hash whose algorithm, version or parameters it does not take.
fn matches(
    candidate: &[u8],
    stored: &PasswordHash<'_>,
    blocks: &mut Blocks,
) -> Result<bool, String> {
    let (Some(salt), Some(expected)) = (stored.salt, stored.hash) else {
        return Ok(false);
    };
    let algorithm = Algorithm::try_from(stored.algorithm).map_err(|e| e.to_string())?;
    let version = stored
        .version
        .map(Version::try_from)
        .transpose()
        .map_err(|e| e.to_string())?
        .unwrap_or_default();
    let params = Params::try_from(stored).map_err(|e| e.to_string())?;
    let hasher = Argon2::new(algorithm, version, params);
    Ok(argon2_output(&hasher, candidate, salt, blocks)? == expected)
}

/// The stored "hash" of an account that has no password yet (imported users, until an
/// administrator resets it): nothing verifies against it, at the same cost as a real check.
pub const NO_PASSWORD: &str = "!";

/// The password checks of one app. Each check is counted, so a test can see that an unknown
/// email costs the same Argon2 work as a real one without measuring time.
#[derive(Debug, Default)]
pub struct Passwords {
    verified: std::sync::atomic::AtomicU64,
}

impl Passwords {
    /// Checks `candidate` against `stored` ([`verify`]), counting the check.
    ///
    /// Errors: `AppError::Internal` if the blocking pool fails.
    pub async fn verify(&self, candidate: &str, stored: Option<&str>) -> Result<bool, AppError> {
        self.verified
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        verify(candidate, stored).await
    }

    /// How many checks ran so far (each one an Argon2 verification).
    pub fn verified(&self) -> u64 {
        self.verified.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// Checks `candidate` against `stored`; when `stored` is `None` (no such account) or
/// [`NO_PASSWORD`] it checks
/// against a dummy hash of the same cost and returns false, so the response time does not tell
/// whether the account exists (OWASP ASVS 4.0.3 V2.2; `shared/SECURITY.md`, Login).
///
/// A stored hash that does not parse counts as a mismatch (and is logged).
async fn verify(candidate: &str, stored: Option<&str>) -> Result<bool, AppError> {
    let stored = stored.filter(|s| *s != NO_PASSWORD);
    let exists = stored.is_some();
    let stored = stored.map_or_else(|| dummy_hash().to_string(), str::to_string);
    let candidate = candidate.to_string();
    let matched = run_blocking(move |blocks| {
        match PasswordHash::new(&stored)
            .map_err(|e| e.to_string())
            .and_then(|parsed| matches(candidate.as_bytes(), &parsed, blocks))
        {
            Ok(matched) => matched,
            Err(e) => {
                tracing::error!(error = %e, "stored password hash does not parse or verify");
                false
            }
        }
    })
    .await?;
    Ok(exists && matched)
}

/// True when `stored` was made with another algorithm or version, or weaker parameters, than
/// [`hash`] uses today (OWASP Password Storage Cheat Sheet, "upgrading the work factor").
/// A hash that does not parse is not "weak": it can never verify, so it is never rehashed.
pub fn needs_rehash(stored: &str) -> bool {
    use argon2::{Algorithm, Params, Version};
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    if parsed.algorithm != Algorithm::Argon2id.ident()
        || parsed.version != Some(Version::V0x13.into())
    {
        return true;
    }
    match Params::try_from(&parsed) {
        Ok(p) => {
            p.m_cost() < Params::DEFAULT_M_COST
                || p.t_cost() < Params::DEFAULT_T_COST
                || p.p_cost() < Params::DEFAULT_P_COST
        }
        Err(_) => true,
    }
}

/// A hash of a random password, made once, for [`verify`] to spend the same work on unknown
/// accounts.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let random = SaltString::generate(&mut OsRng);
        // Blocks of its own, unmapped at once: the pool's buffers are freed by the quiet
        // timer that real hashes start, which this one (at start-up) does not.
        phc_hash(random.as_str().as_bytes(), &mut Blocks::default())
            .expect("argon2 hashes a short random password")
    })
}

/// Computes the dummy hash now, so the first login for an unknown email is not the one request
/// that pays for it (which would make that request slower and so tell).
pub fn warm_up() {
    let _ = dummy_hash();
}

/// `work` on the blocking pool, at most one per CPU at a time, with a block buffer of the
/// [`BlockPool`]; after it, the pool's buffers are freed once no hash ran for [`QUIET`].
async fn run_blocking<T: Send + 'static>(
    work: impl FnOnce(&mut Blocks) -> T + Send + 'static,
) -> Result<T, AppError> {
    run_capped(permits(), move || {
        let result = block_pool().lend(work);
        // Scheduled here rather than after the await, which a caller that hangs up never
        // reaches: every use is followed by its release timer.
        let done = block_pool().generation();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                tokio::time::sleep(QUIET).await;
                block_pool().release_if_unused_since(done);
            });
        }
        result
    })
    .await
}

/// How long the Argon2 block buffers stay after the last hash: during a sign-in storm each
/// hash reuses one, so the kernel does not map and zero-fill 19 MiB for each (which was 42% of
/// a storm's CPU, `bench/README.md`); after a quiet spell they go, so idle memory stays low.
pub const QUIET: std::time::Duration = std::time::Duration::from_secs(10);

fn block_pool() -> &'static BlockPool {
    static POOL: OnceLock<BlockPool> = OnceLock::new();
    POOL.get_or_init(BlockPool::default)
}

/// Argon2 memory ([`Blocks`], 19 MiB each at the defaults) kept between hashes: at most one
/// buffer per hash in flight, so at most one per CPU ([`permits`]).
#[derive(Debug, Default)]
pub struct BlockPool {
    free: std::sync::Mutex<Vec<Blocks>>,
    generation: std::sync::atomic::AtomicU64,
}

impl BlockPool {
    /// Runs `work` with a free buffer (an empty one when none is free: the hash grows it),
    /// then puts the buffer back and counts a use.
    pub fn lend<T>(&self, work: impl FnOnce(&mut Blocks) -> T) -> T {
        let mut blocks = self.lock().pop().unwrap_or_default();
        let result = work(&mut blocks);
        let mut free = self.lock();
        free.push(blocks);
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        result
    }

    /// A count of the uses so far, for [`release_if_unused_since`](Self::release_if_unused_since).
    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Frees every buffer not in use, unless one was used after [`generation`](Self::generation)
    /// returned `since` (then a later call frees them). Returns how many were freed.
    pub fn release_if_unused_since(&self, since: u64) -> usize {
        let mut free = self.lock();
        if self.generation() != since {
            return 0;
        }
        std::mem::take(&mut *free).len()
    }

    /// How many buffers wait for the next hash.
    #[cfg(test)]
    fn free_buffers(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Blocks>> {
        // A panic inside `work` never holds the lock; a poisoned list is still a list.
        self.free.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// `work` on the blocking pool once one of `permits` is free.
async fn run_capped<T: Send + 'static>(
    permits: &Semaphore,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    let _permit = permits.acquire().await.or_internal()?;
    spawn_blocking_in_span(work).await
}

/// `spawn_blocking` that carries the caller's tracing span onto the blocking thread, so what
/// the work logs is filed under the request that asked for it (zero-to-production's
/// `spawn_blocking_with_tracing`).
///
/// Errors: `Internal` when the blocking task panics or is cancelled.
pub async fn spawn_blocking_in_span<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(work))
        .await
        .or_internal()
}

/// How many strength checks may run at once: zxcvbn takes milliseconds of CPU on long input,
/// and the hint under a new-password field is public, so a flood of hints queues here instead
/// of taking the blocking pool.
pub const CONCURRENT_STRENGTH_CHECKS: usize = 2;

fn strength_permits() -> &'static Semaphore {
    static PERMITS: OnceLock<Semaphore> = OnceLock::new();
    PERMITS.get_or_init(|| Semaphore::new(CONCURRENT_STRENGTH_CHECKS))
}

/// [`check_strength`] on the blocking pool (zxcvbn takes milliseconds on long input), at most
/// [`CONCURRENT_STRENGTH_CHECKS`] at a time, for callers on the async runtime.
///
/// Errors: `Internal` if the blocking task fails; the inner `Err` is the refusal
/// ([`Refusal::Guessable`]).
pub async fn judge_strength(
    password: Password,
    context: Vec<String>,
) -> Result<Result<(), Refusal>, AppError> {
    run_capped(strength_permits(), move || {
        let context: Vec<&str> = context.iter().map(String::as_str).collect();
        check_strength(&password, &context)
    })
    .await
}

/// Refuses a guessable new password ([`judge_strength`]), counting the person's own `email`
/// and display `name` as guessable.
///
/// Errors: `Validation` at `field` with the reason; `Internal` if the check fails to run.
pub async fn refuse_guessable(
    password: &Password,
    field: &str,
    email: &str,
    name: &str,
) -> Result<(), AppError> {
    let context = vec![email.to_string(), name.to_string()];
    match judge_strength(password.clone(), context).await? {
        Ok(()) => Ok(()),
        Err(refusal) => Err(AppError::refused(field, refusal)),
    }
}

/// Lowest zxcvbn score accepted for a new password: 3, "safely unguessable" (more than 10^8
/// guesses; `shared/SECURITY.md`, Passwords: refuse common passwords, zxcvbn score < 3).
pub const MIN_STRENGTH_SCORE: u8 = 3;

/// Refuses a new password that is common or easy to guess, judged by zxcvbn (its dictionaries
/// hold the common password lists, English words, names, keyboard patterns, dates), also
/// counting the person's own `context` (their email and name) as guessable.
///
/// Errors: [`Refusal::Guessable`] when the score is below [`MIN_STRENGTH_SCORE`], with
/// zxcvbn's warning and first suggestion (as data: the page words them in its language).
pub fn check_strength(password: &Password, context: &[&str]) -> Result<(), Refusal> {
    // zxcvbn matches its user inputs as whole tokens: give it the words of the email and name
    // as well ("ann.lee@example.org" -> "ann", "lee", "example", "org").
    let mut words: Vec<String> = context.iter().map(|c| c.to_lowercase()).collect();
    for item in context {
        words.extend(
            item.to_lowercase()
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| w.chars().count() >= 3)
                .map(str::to_string),
        );
    }
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let estimate = zxcvbn::zxcvbn(password.expose(), &words);
    if u8::from(estimate.score()) >= MIN_STRENGTH_SCORE {
        return Ok(());
    }
    let feedback = estimate.feedback();
    Err(Refusal::Guessable {
        warning: feedback.and_then(|f| f.warning()).map(feedback::warning),
        tip: feedback
            .and_then(|f| f.suggestions().first().copied())
            .map(feedback::tip),
    })
}

#[cfg(test)]
mod rehash_tests {
    use super::*;
    use argon2::password_hash::PasswordHasher;

    pub(super) fn hash_with(algorithm: argon2::Algorithm, m: u32, t: u32, p: u32) -> String {
        let params = argon2::Params::new(m, t, p, None).unwrap();
        let salt = SaltString::generate(&mut OsRng);
        Argon2::new(algorithm, argon2::Version::V0x13, params)
            .hash_password(b"correct horse battery staple", &salt)
            .unwrap()
            .to_string()
    }

    #[test]
    fn weaker_or_other_hashes_need_rehash() {
        use argon2::Algorithm::{Argon2i, Argon2id};
        assert!(needs_rehash(&hash_with(Argon2id, 4096, 2, 1)));
        assert!(needs_rehash(&hash_with(Argon2id, 19456, 1, 1)));
        assert!(needs_rehash(&hash_with(Argon2i, 19456, 2, 1)));
        assert!(!needs_rehash(&hash_with(Argon2id, 19456, 2, 1)));
        assert!(!needs_rehash(&hash_with(Argon2id, 65536, 3, 1)));
        assert!(!needs_rehash("not a hash"));
    }
}

#[cfg(test)]
mod strength_tests {
    use super::*;

    fn check(pw: &str, context: &[&str]) -> Result<(), String> {
        check_strength(&Password::parse(pw).unwrap(), context).map_err(|r| r.to_string())
    }

    #[test]
    fn common_passwords_are_refused_with_a_reason() {
        for common in [
            "password123456",
            "qwertyuiop123",
            "123456789012",
            "iloveyou1234",
        ] {
            let message = check(common, &[]).unwrap_err();
            assert!(
                message.starts_with("Choose a harder password."),
                "{common}: {message}"
            );
            assert!(
                message.len() > "Choose a harder password. ".len(),
                "{message}"
            );
        }
    }

    #[test]
    fn the_persons_own_details_count_as_guessable() {
        assert!(check("ann.lee@example.org", &[]).is_ok());
        assert!(check("ann.lee@example.org", &["ann.lee@example.org", "Ann Lee"]).is_err());
    }

    #[test]
    fn passphrases_and_random_strings_pass() {
        for good in [
            "correct horse battery staple",
            "Tr0ub4dor&3-plus-more",
            "vX9#qL2!mZ7$wK4@",
            "пароль очень длинный и странный",
        ] {
            assert_eq!(check(good, &[]), Ok(()), "{good}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_is_argon2id_with_owasp_parameters_and_verifies() {
        let pw = Password::parse("correct horse battery staple").unwrap();
        let hashed = hash(&pw).await.unwrap();
        assert!(
            hashed.0.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{}",
            hashed.0
        );
        assert!(verify("correct horse battery staple", Some(&hashed.0))
            .await
            .unwrap());
        assert!(!verify("correct horse battery stapl", Some(&hashed.0))
            .await
            .unwrap());
    }

    #[tokio::test]
    async fn unknown_account_never_verifies() {
        assert!(!verify("anything at all!", None).await.unwrap());
    }

    #[tokio::test]
    async fn garbage_hash_is_a_mismatch_not_a_crash() {
        assert!(!verify("anything at all!", Some("not a hash"))
            .await
            .unwrap());
    }

    /// `shared/SECURITY.md`: concurrent hashes are capped at the CPU count, so a login storm
    /// queues instead of exhausting memory. Without the semaphore all 4 x CPUs jobs would run
    /// at once on the blocking pool.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_hashing_is_capped_at_the_cpu_count() {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        let peak = peak_concurrency(permits(), 4 * cpus).await;
        assert!(peak >= 1 && peak <= cpus, "peak {peak} with {cpus} CPUs");
    }

    /// `shared/SECURITY.md` (issue 13): the public strength hint cannot take the blocking
    /// pool; at most two checks run at once.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_strength_checks_are_capped_at_two() {
        let peak = peak_concurrency(strength_permits(), 12).await;
        assert!(
            (1..=CONCURRENT_STRENGTH_CHECKS).contains(&peak),
            "peak {peak}"
        );
    }

    /// Runs `jobs` sleeping jobs through `permits` at once; how many ran at the same time.
    async fn peak_concurrency(permits: &'static Semaphore, jobs: usize) -> usize {
        use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
        use std::sync::Arc;
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let jobs: Vec<_> = (0..jobs)
            .map(|_| {
                let (running, peak) = (running.clone(), peak.clone());
                tokio::spawn(run_capped(permits, move || {
                    let now = running.fetch_add(1, SeqCst) + 1;
                    peak.fetch_max(now, SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(30));
                    running.fetch_sub(1, SeqCst);
                }))
            })
            .collect();
        for job in jobs {
            job.await.unwrap().unwrap();
        }
        peak.load(SeqCst)
    }

    /// The reused-buffer path is the crate's own algorithm: its hashes verify with the crate's
    /// verifier and the crate's hashes (at the defaults, weaker and stronger memory, Argon2i)
    /// verify here, in one buffer that grows when a hash needs more and is used in part when
    /// it needs less.
    #[test]
    fn reused_buffers_give_the_crates_own_hashes() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let pool = BlockPool::default();
        let mine = pool.lend(|blocks| {
            let salt = SaltString::generate(&mut OsRng);
            argon2_output(&hasher(), b"pass phrase", salt.as_salt(), blocks)
                .map(|out| (salt, out))
                .unwrap()
        });
        let theirs = hasher()
            .hash_password(b"pass phrase", mine.0.as_salt())
            .unwrap();
        assert_eq!(theirs.hash, Some(mine.1), "same salt, same output");
        assert!(hasher().verify_password(b"pass phrase", &theirs).is_ok());
        for (algorithm, m) in [
            (argon2::Algorithm::Argon2id, 19456),
            (argon2::Algorithm::Argon2id, 4096),
            (argon2::Algorithm::Argon2id, 32768),
            (argon2::Algorithm::Argon2i, 8192),
        ] {
            let stored = rehash_tests::hash_with(algorithm, m, 2, 1);
            let parsed = PasswordHash::new(&stored).unwrap();
            pool.lend(|blocks| {
                assert!(matches(b"correct horse battery staple", &parsed, blocks).unwrap());
                assert!(!matches(b"correct horse battery stapler", &parsed, blocks).unwrap());
                assert!(
                    blocks.len() >= m as usize,
                    "{m} KiB: {} blocks",
                    blocks.len()
                );
            });
        }
        assert_eq!(pool.free_buffers(), 1, "one hash at a time: one buffer");
    }

    /// Buffers stay while hashes keep coming and go after a quiet spell (idle memory:
    /// `bench/README.md`).
    #[test]
    fn buffers_are_freed_only_after_a_quiet_spell() {
        let pool = BlockPool::default();
        pool.lend(|blocks| blocks.at_least(8).map(|b| b.len()).unwrap());
        let first = pool.generation();
        pool.lend(|blocks| assert_eq!(blocks.len(), 8, "the buffer is reused"));
        assert_eq!(
            pool.release_if_unused_since(first),
            0,
            "used since: the later use's timer frees it"
        );
        assert_eq!(pool.free_buffers(), 1);
        assert_eq!(pool.release_if_unused_since(pool.generation()), 1);
        assert_eq!(pool.free_buffers(), 0);
        pool.lend(|blocks| assert!(blocks.is_empty(), "a fresh buffer after release"));
    }

    #[test]
    fn debug_hides_the_hash() {
        let h = PasswordHashString("$argon2id$secret".into());
        assert!(!format!("{h:?}").contains("secret"));
    }
}
