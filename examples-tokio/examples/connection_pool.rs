//! Connection pool: many tasks share a few database connections, and waiting for one is bounded.
//!
//! A connection is costly (a handshake, a login, server memory), so a program keeps a few open and
//! lends them out: `pool.acquire()` borrows one, dropping it gives it back. `max_connections` caps
//! them; `acquire_timeout` turns an endless wait for one into a `PoolTimedOut` error.
//!
//! Guide: 指南 2.5.9.2 资源管理 (连接池); see README, Errata.
//!
//! ```text
//! cargo run -p examples-tokio --example connection_pool
//! DATABASE_URL=postgres://USER@127.0.0.1:5432/DB \
//!     cargo run -p examples-tokio --example connection_pool
//! ```
//!
//! Prints the backend (SQLite in a temp dir unless `DATABASE_URL` is set), `peak 5 of 5` for 50
//! tasks' inserts (~200 ms: ten rounds of 20 ms), 40 rows after a transaction, and the pool closed.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["macros", "rt-multi-thread", "time"] }
//! sqlx = { version = "0.9", default-features = false, features = [
//!     "runtime-tokio", "any", "sqlite", "postgres"] }
//! tempfile = "3"
//! anyhow = "1"
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, AssertSqlSafe};
use tokio::time::{Instant, sleep};

const MAX_CONNECTIONS: u32 = 5;
const TASKS: i32 = 50;
/// Stands for the rest of a request's work done while it holds its connection.
const HOLD: Duration = Duration::from_millis(20);

/// The table name cannot be a bind parameter, so it is formatted in; it is built from numbers
/// only, never from input, which is what `AssertSqlSafe` asserts.
fn sql(template: &str, table: &str) -> AssertSqlSafe<String> {
    AssertSqlSafe(template.replace("{table}", table))
}

async fn insert_all(pool: &AnyPool, table: &str) -> anyhow::Result<u32> {
    let (in_use, peak) = (Arc::new(AtomicU32::new(0)), Arc::new(AtomicU32::new(0)));
    let mut tasks = Vec::new();
    for n in 0..TASKS {
        let (pool, in_use, peak) = (pool.clone(), in_use.clone(), peak.clone());
        let insert = sql("INSERT INTO {table} (n) VALUES ($1)", table);
        tasks.push(tokio::spawn(async move {
            // Waits while all 5 are lent out; fails after `acquire_timeout` rather than forever.
            let mut conn = pool.acquire().await?;
            peak.fetch_max(in_use.fetch_add(1, Ordering::SeqCst) + 1, Ordering::SeqCst);
            sqlx::query(insert).bind(n).execute(&mut *conn).await?;
            sleep(HOLD).await;
            in_use.fetch_sub(1, Ordering::SeqCst);
            anyhow::Ok(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    Ok(peak.load(Ordering::SeqCst))
}

async fn run() -> anyhow::Result<()> {
    // The temp dir must outlive the pool: it is dropped (and deleted) at the end of `run`.
    let dir = tempfile::tempdir()?;
    let url = match std::env::var("DATABASE_URL") {
        Ok(url) => url,
        Err(_) => {
            let path = dir.path().join("demo.db");
            let path = path.to_str().context("temp dir path is not UTF-8")?;
            format!("sqlite://{path}?mode=rwc")
        }
    };
    sqlx::any::install_default_drivers();
    let pool = AnyPoolOptions::new()
        .max_connections(MAX_CONNECTIONS)
        // Opened by `connect`, so the first requests do not each pay for a handshake and login.
        .min_connections(MAX_CONNECTIONS)
        .acquire_timeout(Duration::from_secs(3))
        // SQLite only: WAL lets readers go on while one connection writes, and NORMAL syncs at
        // checkpoints instead of every commit; the usual settings for a pooled SQLite file.
        .after_connect(|conn, _| {
            Box::pin(async move {
                if conn.backend_name() == "SQLite" {
                    let pragmas = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL";
                    sqlx::raw_sql(pragmas).execute(&mut *conn).await?;
                }
                Ok(())
            })
        })
        .connect(&url)
        .await?;
    println!("backend: {}", pool.acquire().await?.backend_name());
    println!("pool: {} connections open, at most {MAX_CONNECTIONS}", pool.size());

    // A fresh name per run, so runs against a shared PostgreSQL never collide.
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos();
    let table = format!("pool_demo_{}_{nanos}", std::process::id());
    let create = "CREATE TABLE {table} (n INTEGER NOT NULL)";
    sqlx::query(sql(create, &table)).execute(&pool).await?;

    let started = Instant::now();
    let peak = insert_all(&pool, &table).await?;
    println!(
        "{TASKS} inserts from {TASKS} tasks: peak {peak} of {MAX_CONNECTIONS} connections in use"
    );
    println!("inserts took {} ms", started.elapsed().as_millis());

    // Other connections see none of it before `commit`; dropping `tx` uncommitted (say, on `?`)
    // rolls it back.
    let mut tx = pool.begin().await?;
    let delete = sql("DELETE FROM {table} WHERE n >= 40", &table);
    let deleted = sqlx::query(delete).execute(&mut *tx).await?.rows_affected();
    let count = "SELECT COUNT(*), SUM(n) FROM {table}";
    let (inside, _): (i64, i64) = sqlx::query_as(sql(count, &table)).fetch_one(&mut *tx).await?;
    tx.commit().await?;
    println!("transaction: deleted {deleted} rows, {inside} left as seen inside it, committed");

    let (rows, sum): (i64, i64) = sqlx::query_as(sql(count, &table)).fetch_one(&pool).await?;
    println!("read back: {rows} rows, sum of n = {sum}");

    sqlx::query(sql("DROP TABLE {table}", &table)).execute(&pool).await?;
    // Waits for borrowed connections to come back, then closes each one properly.
    pool.close().await;
    println!("pool closed: {}, {} connections open", pool.is_closed(), pool.size());
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    run().await
}
