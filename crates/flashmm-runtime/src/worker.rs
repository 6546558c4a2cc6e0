//! The runtime a service's loop runs on.

/// Runs a service's loop on a runtime of one tokio worker, spawned on it as a task rather than
/// run by the main thread. A task woken by another (a Redis reply waking its consumer, the
/// venue stream waking ingest's loop) then runs next on the same thread: no cross-thread
/// wake-up, as with a worker per core, and no wait for the scheduler to come back to the main
/// future, as with a current-thread runtime (docs/perf.md).
pub fn run_on_one_worker<F, E>(service: F) -> Result<(), E>
where
    F: std::future::Future<Output = Result<(), E>> + Send + 'static,
    E: From<std::io::Error> + From<tokio::task::JoinError> + Send + 'static,
{
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?
        .block_on(async { tokio::spawn(service).await? })
}
