//! `argon2_limit [HASHES]`: the most correct-password sign-ins this machine can do a second,
//! whatever the server: every sign-in verifies one Argon2id hash at Roster's parameters (the
//! `argon2` crate's defaults, m=19456 KiB, t=2, p=1; `src/server/password.rs`). One thread a
//! CPU hashes HASHES times (default 20) after a warm-up, all at once, as a login storm would;
//! prints one JSON line: `{"hash_ms": the median hash, "cpus": n, "logins_per_second_limit":
//! hashes done / seconds taken}`.

use argon2::{
    password_hash::{PasswordHasher, SaltString},
    Argon2,
};
use std::time::Instant;

fn hash_ms() -> f64 {
    let salt = SaltString::from_b64("c2VlZGVkIHVzZXIgc2FsdA").expect("a valid salt");
    let started = Instant::now();
    Argon2::default()
        .hash_password(b"seeded user password", &salt)
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
                hash_ms(); // warm-up: the first hash pays for page faults in its 19 MiB
                (0..hashes).map(|_| hash_ms()).collect::<Vec<f64>>()
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
