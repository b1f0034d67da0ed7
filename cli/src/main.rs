//! The `agni` binary: [`agni_cli::run`] with the process's arguments and standard streams.

use std::process::ExitCode;

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("agni: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let exit = runtime.block_on(agni_cli::run(std::env::args_os(), agni_cli::Io::system()));
    ExitCode::from(exit.code())
}
