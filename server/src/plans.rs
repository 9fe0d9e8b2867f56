//! The tuning plans' scheduler: carries out the applied plans' due time points at start-up (what
//! was missed while the console was down, once) and then every few seconds, through the services
//! (`Services::carry_out_due_plans`, whose clock tests move).

use std::time::Duration;

use services::Services;
use tokio::sync::watch;

/// Runs until `shutdown` turns true, looking every `every`.
pub async fn carry_out_forever(services: Services, every: Duration, mut shutdown: watch::Receiver<bool>) {
    loop {
        match services.carry_out_due_plans().await {
            Ok(done) if done.is_empty() => {}
            Ok(done) => tracing::info!(count = done.len(), "tuning plan time points carried out"),
            Err(err) => tracing::warn!(error = %err, "cannot read the applied tuning plans; trying again"),
        }
        tokio::select! {
            _ = shutdown.changed() => {}
            _ = tokio::time::sleep(every) => {}
        }
        if *shutdown.borrow() {
            return;
        }
    }
}
