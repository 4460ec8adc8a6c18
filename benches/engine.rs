//! The native engine's speed, without the JS boundary: compare with `make bench` (Node, through the
//! wasm) to see what crossing into wasm costs. Worlds are generated deterministically.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use job_token_scope::gitlab::{Permission, World, WorldInput};
use serde_json::{json, Value};

/// A world of `n` projects spread over a 6-deep group tree, each with an inbound allowlist of up to
/// 200 entries (projects and groups), fine-grained on every fifth entry. Deterministic (xorshift).
fn world(n: usize) -> Value {
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = move |below: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % below as u64) as usize
    };
    let group = |i: usize, depth: usize| -> String {
        (0..depth)
            .map(|d| format!("g{}", (i >> (2 * d)) % 4))
            .collect::<Vec<_>>()
            .join("/")
    };
    let paths: Vec<String> = (0..n)
        .map(|i| format!("{}/p{i}", group(i, 1 + i % 6)))
        .collect();
    let projects: Vec<Value> = (0..n)
        .map(|i| {
            let entries = next(200.min(n));
            let projects: Vec<Value> = (0..entries)
                .map(|k| {
                    let path = &paths[next(n)];
                    if k % 5 == 0 {
                        json!({ "path": path, "defaultPermissions": false, "policies": ["read_packages"] })
                    } else {
                        json!(path)
                    }
                })
                .collect();
            let groups: Vec<Value> = (0..entries / 20).map(|_| json!({ "path": group(next(n), 1 + next(5)) })).collect();
            let visibility = ["private", "private", "private", "internal", "public"][i % 5];
            json!({ "path": paths[i], "visibility": visibility, "inbound": { "projects": projects, "groups": groups } })
        })
        .collect();
    json!({ "version": "18.3", "projects": projects })
}

fn compile(value: &Value) -> World {
    World::from_input(job_token_scope::parse::<WorldInput, _>(value.clone()).unwrap()).unwrap()
}

fn benches(c: &mut Criterion) {
    let read_packages = Permission::from_name("read_packages");
    for n in [10, 1_000] {
        let value = world(n);
        let world = compile(&value);
        let paths: Vec<String> = world.projects().map(|p| p.path.to_owned()).collect();
        let pairs: Vec<(usize, usize)> = (0..256)
            .map(|i| ((i * 7919) % n, (i * 104_729 + 13) % n))
            .collect();
        let mut group = c.benchmark_group(format!("{n} projects"));
        group.bench_function(BenchmarkId::new("check_indices", n), |b| {
            let mut i = 0;
            b.iter(|| {
                let (s, t) = pairs[i % pairs.len()];
                i += 1;
                world.check_indices(s, t, read_packages.map(Permission::index))
            })
        });
        group.bench_function(BenchmarkId::new("check_paths", n), |b| {
            let mut i = 0;
            b.iter(|| {
                let (s, t) = pairs[i % pairs.len()];
                i += 1;
                world
                    .check_paths(&paths[s], &paths[t], Some("read_packages"))
                    .unwrap()
            })
        });
        group.bench_function(BenchmarkId::new("explain", n), |b| {
            let mut i = 0;
            b.iter(|| {
                let (source, target) = pairs[i % pairs.len()];
                i += 1;
                world
                    .query_by_index(source, target, read_packages)
                    .unwrap()
                    .explain()
            })
        });
        group.sample_size(10);
        group.bench_function(BenchmarkId::new("compile", n), |b| {
            b.iter(|| compile(&value))
        });
        group.finish();
    }
}

criterion_group!(engine, benches);
criterion_main!(engine);
