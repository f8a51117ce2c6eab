//! JBIG1 encode and decode on corpus pages, sequential and in the resolution layers `.jbg` output
//! plans (in-process; `benches/jbig1_peers.sh`
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
    let mut group = c.benchmark_group("jbig1");
    group.sample_size(20);
    for (name, b) in &pages {
        group.throughput(Throughput::Elements(
            u64::from(b.width()) * u64::from(b.height()),
        ));
        let layered = encode::Params {
            layers: encode::preview_layers(b.width()),
            ..encode::Params::default()
        };
        for (how, params) in [("", encode::Params::default()), (" layered", layered)] {
            let encode_id = BenchmarkId::new(format!("encode{how}"), name);
            group.bench_with_input(encode_id, b, |bench, b| {
                bench.iter(|| encode::encode(black_box(b), &params, &Limits::default()).unwrap())
            });
            let bie = encode::encode(b, &params, &Limits::default()).unwrap();
            let decode_id = BenchmarkId::new(format!("decode{how}"), name);
            group.bench_with_input(decode_id, &bie, |bench, bie| {
                bench.iter(|| decode::decode(black_box(bie), &Limits::default()).unwrap())
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
