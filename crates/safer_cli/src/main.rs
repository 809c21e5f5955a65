//! The `safer` binary: a shell around [`safer_cli::run`].

fn main() -> std::process::ExitCode {
    safer_cli::main()
}
