//! `argon2_limit [HASHES]`: the most correct-password sign-ins this machine can do a second,
//! whatever the server: every sign-in verifies one Argon2id hash at Roster's parameters (the
//! `argon2` crate's defaults, m=19456 KiB, t=2, p=1; `src/server/password.rs`). One thread a
//! CPU hashes HASHES times (default 20) after a warm-up, all at once, as a login storm would,
//! each thread in one reused block buffer as Roster's hashes are (so what is measured is
//! Argon2's work, not allocating and zero-filling 19 MiB a hash); prints one JSON line: `{"hash_ms": the median hash, "cpus": n, "logins_per_second_limit":
//! hashes done / seconds taken}`.

use argon2::{Argon2, Block, Params};
use std::time::Instant;

fn hash_ms(blocks: &mut [Block]) -> f64 {
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    let started = Instant::now();
    Argon2::default()
        .hash_password_into_with_memory(
            b"seeded user password",
            b"seeded user salt",
            &mut out,
            blocks,
        )
        .expect("hashing works");
    started.elapsed().as_secs_f64() * 1000.0
}

fn main() {
    let hashes: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(20)
        .max(1);
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let started = Instant::now();
    let threads: Vec<_> = (0..cpus)
        .map(|_| {
            std::thread::spawn(move || {
                let mut blocks = vec![Block::default(); Params::default().block_count()];
                hash_ms(&mut blocks); // warm-up: the first hash pays for page faults in its 19 MiB
                (0..hashes)
                    .map(|_| hash_ms(&mut blocks))
                    .collect::<Vec<f64>>()
            })
        })
        .collect();
    let mut times: Vec<f64> = threads
        .into_iter()
        .flat_map(|t| t.join().expect("a hashing thread"))
        .collect();
    let seconds = started.elapsed().as_secs_f64();
    times.sort_by(|a, b| a.total_cmp(b));
    let median = times[times.len() / 2];
    // The warm-up hashes count too: they took their share of the time.
    let done = (times.len() + cpus) as f64;
    println!(
        r#"{{"hash_ms": {median:.2}, "cpus": {cpus}, "logins_per_second_limit": {:.1}}}"#,
        done / seconds
    );
}
