//! The `roster` command: serves the app (the default) or runs maintenance subcommands
//! ([`cli`]).

mod cli;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc serves the server's allocations: signed-in pages and API calls are mostly
/// allocation and freeing (glibc's malloc was a quarter of a signed-in page's profile,
/// `bench/README.md`). Argon2's 19 MiB blocks do not come from it
/// (`roster::server::password::Blocks`), so it never keeps them after a login storm.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    cli::init_logging();
    // Outside cargo-leptos nothing sets the bundle name; set it before any thread starts.
    if std::env::var_os("LEPTOS_OUTPUT_NAME").is_none() {
        std::env::set_var("LEPTOS_OUTPUT_NAME", "roster");
    }
    exit_at_the_latest_after_a_stop_signal();
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder.enable_all();
    let watchdog = roster::server::watchdog::Watchdog::new(cli.worker_stall_after());
    watchdog.install(&mut builder);
    let runtime = match builder.build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("roster: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    watchdog.start(runtime.handle().clone());
    let result = runtime.block_on(cli::run(cli));
    // A worker or blocking task that never finishes (a deadlock, a stuck system call) must not
    // keep the process alive: what is still running after this is abandoned.
    runtime.shutdown_timeout(RUNTIME_SHUTDOWN);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("roster: {message}");
            ExitCode::FAILURE
        }
    }
}

/// How long the runtime waits for its tasks and threads after the work is done.
const RUNTIME_SHUTDOWN: std::time::Duration = std::time::Duration::from_secs(2);

/// The latest a stop ends the process: this long after SIGTERM or SIGINT, whatever the
/// runtime is doing (the orderly stop takes at most 27 s: grace 20, checkpoint 3, pool close 2,
/// runtime 2).
const STOP_DEADLINE: std::time::Duration = std::time::Duration::from_secs(29);

/// Ends the process [`STOP_DEADLINE`] after the first SIGTERM or SIGINT if it is still running
/// then. A flag set by the signal handler and a plain thread that watches it: neither needs the
/// async runtime, so even a runtime whose every worker is stuck cannot keep the process from
/// stopping (issue 20).
fn exit_at_the_latest_after_a_stop_signal() {
    use std::sync::{
        atomic::{AtomicBool, Ordering::SeqCst},
        Arc,
    };
    let stopping = Arc::new(AtomicBool::new(false));
    for signal in [libc::SIGTERM, libc::SIGINT] {
        let flag = stopping.clone();
        // SAFETY: the action only stores to an atomic, which is async-signal-safe; tokio's own
        // handlers for the same signals (through this very registry) still run.
        let registered =
            unsafe { signal_hook_registry::register(signal, move || flag.store(true, SeqCst)) };
        if let Err(e) = registered {
            eprintln!("roster: cannot watch for stop signals: {e}");
        }
    }
    let _ = std::thread::Builder::new()
        .name("roster-stop-deadline".into())
        .spawn(move || {
            while !stopping.load(SeqCst) {
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            std::thread::sleep(STOP_DEADLINE);
            eprintln!("roster: still running {STOP_DEADLINE:?} after the stop signal; exiting now");
            std::process::exit(1);
        });
}
