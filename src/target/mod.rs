//! The reference platform behind `stampede serve` (being built; see issue 3).

/// Flags of `stampede serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {}

/// Errors of the reference platform.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error("the reference platform is not built yet")]
    NotBuilt,
}

/// Runs `stampede serve` until SIGINT/SIGTERM.
pub async fn serve_command(_args: ServeArgs) -> Result<(), TargetError> {
    Err(TargetError::NotBuilt)
}
