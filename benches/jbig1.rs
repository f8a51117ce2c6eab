//! JBIG1 sequential encode and decode on corpus pages (in-process; `benches/jbig1_peers.sh`
//! times JBIG-KIT's pbmtojbg and jbgtopbm against the scanpress command on the same pages).

mod common;

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use scanpress::Limits;
use scanpress::codec::jbig1::{decode, encode};

fn bench(c: &mut Criterion) {
    let pages: Vec<_> = common::TEXT_PAGES
        .iter()
        .filter_map(|n| Some((*n, common::bitmap(n)?)))
        .collect();
    let params = encode::Params::default();
    let mut group = c.benchmark_group("jbig1");
    group.sample_size(20);
    for (name, b) in &pages {
        group.throughput(Throughput::Elements(
            u64::from(b.width()) * u64::from(b.height()),
        ));
        group.bench_with_input(BenchmarkId::new("encode", name), b, |bench, b| {
            bench.iter(|| encode::encode(black_box(b), &params, &Limits::default()).unwrap())
        });
        let bie = encode::encode(b, &params, &Limits::default()).unwrap();
        group.bench_with_input(BenchmarkId::new("decode", name), &bie, |bench, bie| {
            bench.iter(|| decode::decode(black_box(bie), &Limits::default()).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
