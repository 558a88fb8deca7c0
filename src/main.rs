//! The `roster` command: serves the app (the default) or runs maintenance subcommands
//! ([`cli`]).

mod cli;

use std::process::ExitCode;

use clap::Parser;

/// Makes glibc hand every allocation of 4 MiB and more straight back to the system when freed.
/// By default its threshold grows after the first such free, so each Argon2 hash (19 MiB, on
/// whichever blocking thread runs it) was kept in that thread's arena: a login storm left the
/// server at 900 MB. With a fixed threshold the peak stays at the hashes in flight.
fn return_big_allocations() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 4 * 1024 * 1024);
    }
}

fn main() -> ExitCode {
    return_big_allocations();
    let cli = cli::Cli::parse();
    cli::init_logging();
    // Outside cargo-leptos nothing sets the bundle name; set it before any thread starts.
    if std::env::var_os("LEPTOS_OUTPUT_NAME").is_none() {
        std::env::set_var("LEPTOS_OUTPUT_NAME", "roster");
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("roster: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cli::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("roster: {message}");
            ExitCode::FAILURE
        }
    }
}
