//! End-to-end tests of the `safer` binary and the whole application.

/// Architecture invariants: which crates may depend on what.
mod architecture;
/// Real headless Chromium against the demo, with axe-core on every page.
mod browser;
/// The command line: `--help`, plan checks, users, configuration and the errors people meet.
mod cli;
/// `safer demo`: idempotent set-up and a server that answers.
mod demo;
