//! The runtimes and workloads the criterion benches measure.
//!
//! One module per runtime family, each exposing the same workloads written only with that family's
//! own APIs (a unit test below reads the sources and checks it), plus how to build that runtime.
//! Runtimes are built outside any timed closure, and the bench states each one's thread count once,
//! so a reader of the numbers knows what was measured.

use std::num::NonZeroUsize;

pub mod rt_async_std;
pub mod rt_smol;
pub mod rt_tokio;

/// Worker threads for the multi-thread runtimes: the machine's available parallelism.
pub fn worker_threads() -> usize {
    std::thread::available_parallelism().map_or(1, NonZeroUsize::get)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bench rule "each runtime's variant uses only its own runtime's APIs", checked on the
    /// module sources: a runtime module that names another runtime fails here.
    #[test]
    fn each_runtime_module_uses_only_its_own_runtime() {
        let modules = [
            ("rt_tokio.rs", include_str!("rt_tokio.rs"), "tokio"),
            (
                "rt_async_std.rs",
                include_str!("rt_async_std.rs"),
                "async_std",
            ),
            ("rt_smol.rs", include_str!("rt_smol.rs"), "smol"),
        ];
        // Each runtime under the spellings a source could use for it.
        let names: [(&str, &[&str]); 3] = [
            ("tokio", &["tokio"]),
            ("async_std", &["async_std", "async-std", "async std"]),
            ("smol", &["smol"]),
        ];
        for (file, source, own) in modules {
            let source = source.to_lowercase();
            assert!(source.contains(own), "{file} does not use {own} at all");
            for (runtime, spellings) in names {
                if runtime == own {
                    continue;
                }
                for spelling in spellings {
                    assert!(
                        !source.contains(spelling),
                        "{file} mentions `{spelling}`: it must use only {own}'s APIs"
                    );
                }
            }
        }
    }

    #[test]
    fn tokio_workloads_return_their_counts_on_both_flavors() {
        let mt = rt_tokio::multi_thread();
        assert_eq!(mt.metrics().num_workers(), worker_threads());
        for rt in [mt, rt_tokio::current_thread()] {
            let (spawned, pongs) = rt.block_on(async {
                let spawned = tokio::spawn(rt_tokio::spawn_many(1000)).await.unwrap();
                let pongs = tokio::spawn(rt_tokio::ping_pong(100)).await.unwrap();
                (spawned, pongs)
            });
            assert_eq!((spawned, pongs), (1000, 100));
        }
    }

    #[test]
    fn async_std_workloads_return_their_counts() {
        assert!(rt_async_std::threads() >= 1);
        let (spawned, pongs) = async_std::task::block_on(async {
            let spawned = async_std::task::spawn(rt_async_std::spawn_many(1000)).await;
            let pongs = async_std::task::spawn(rt_async_std::ping_pong(100)).await;
            (spawned, pongs)
        });
        assert_eq!((spawned, pongs), (1000, 100));
    }

    #[test]
    fn smol_workloads_return_their_counts_on_both_executors() {
        let rt = rt_smol::MultiThread::new(worker_threads());
        assert_eq!(rt.threads(), worker_threads());
        let ex = rt.executor();
        let spawned = smol::block_on(ex.spawn(rt_smol::spawn_many(ex.clone(), 1000)));
        let pongs = smol::block_on(ex.spawn(rt_smol::ping_pong(ex.clone(), 100)));
        assert_eq!((spawned, pongs), (1000, 100));
        drop(rt); // stops and joins its threads

        let ex = rt_smol::local_executor();
        let (spawned, pongs) = smol::block_on(ex.run(async {
            let spawned = ex.spawn(rt_smol::spawn_many_local(ex.clone(), 1000)).await;
            let pongs = ex.spawn(rt_smol::ping_pong_local(ex.clone(), 100)).await;
            (spawned, pongs)
        }));
        assert_eq!((spawned, pongs), (1000, 100));
    }
}
