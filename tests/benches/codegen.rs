//! Generator benchmarks: parse + validate + generate synthetic specs of 10, 100 and 1,000
//! endpoints (growth should be linear), and `cargo xtask codegen --check` on the real spec.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use dingtalk_codegen::Source;

/// The real service file plus `n` endpoints shaped like `listlabelgroups`, each with its own types.
fn synthetic(n: usize) -> Vec<Source> {
    let root = xtask::workspace_root().unwrap();
    let service = std::fs::read(root.join("spec/service.yaml")).unwrap();
    let template = std::fs::read_to_string(root.join("spec/extcontact/list_label_groups.yaml")).unwrap();
    let mut sources = vec![Source::new("spec/service.yaml", service)];
    for i in 0..n {
        let text = template
            .replace("name: ListLabelGroups", &format!("name: ListLabelGroups{i}"))
            .replace("/topapi/extcontact/listlabelgroups", &format!("/topapi/extcontact/listlabelgroups{i}"))
            .replace("OpenLabelGroup", &format!("OpenLabelGroup{i}x"))
            .replace("OpenLabel:", &format!("OpenLabel{i}y:"))
            .replace("list<OpenLabel>", &format!("list<OpenLabel{i}y>"))
            .replace("group: extcontact", &format!("group: g{}", i / 50));
        sources.push(Source::new(format!("spec/g/op{i}.yaml"), text.into_bytes()));
    }
    sources
}

fn generate(c: &mut Criterion) {
    let mut group = c.benchmark_group("codegen_endpoints");
    group.sample_size(10);
    for n in [10, 100, 1000] {
        let sources = synthetic(n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("load_and_generate", n), &sources, |b, sources| {
            b.iter(|| {
                let spec = dingtalk_codegen::load(black_box(sources)).expect("valid synthetic spec");
                black_box(dingtalk_codegen::generate(&spec))
            })
        });
    }
    group.finish();

    // The two phases apart, at the largest size, to see where the time goes.
    let mut group = c.benchmark_group("codegen_phases_1000");
    group.sample_size(10);
    let sources = synthetic(1000);
    let spec = dingtalk_codegen::load(&sources).expect("valid synthetic spec");
    group.bench_function("load_and_validate", |b| b.iter(|| black_box(dingtalk_codegen::load(black_box(&sources)))));
    group.bench_function("generate_and_format", |b| b.iter(|| black_box(dingtalk_codegen::generate(black_box(&spec)))));
    group.finish();

    let mut group = c.benchmark_group("xtask_codegen_check");
    group.sample_size(20);
    let root = xtask::workspace_root().unwrap();
    group.bench_function("real_spec", |b| b.iter(|| xtask::codegen(&root, true).expect("in sync")));
    group.finish();
}

criterion_group!(benches, generate);
criterion_main!(benches);
