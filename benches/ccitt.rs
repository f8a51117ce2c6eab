//! G4 encode and decode, scanpress against the `fax` crate, on corpus pages.

mod common;

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use scanpress::codec::ccitt::{self, Coding, DecodeParams};
use scanpress::{Bitmap, Limits};

fn fax_encode(b: &Bitmap) -> Vec<u8> {
    let mut encoder = fax::encoder::Encoder::new(fax::VecWriter::new());
    for y in 0..b.height() {
        let row = b.row(y);
        let pels = (0..b.width()).map(|x| {
            if (row[x as usize / 64] >> (63 - x % 64)) & 1 == 1 {
                fax::Color::Black
            } else {
                fax::Color::White
            }
        });
        encoder.encode_line(pels, b.width()).unwrap();
    }
    encoder.finish().unwrap().finish()
}

fn fax_decode(data: &[u8], width: u32, height: u32) -> usize {
    let mut lines = 0;
    fax::decoder::decode_g4(data.iter().copied(), width, Some(height), |changes| {
        lines += changes.len();
    })
    .unwrap();
    lines
}

fn bench(c: &mut Criterion) {
    let mut encode = c.benchmark_group("g4_encode");
    encode.sample_size(20);
    let pages: Vec<_> = common::TEXT_PAGES
        .iter()
        .filter_map(|n| Some((*n, common::bitmap(n)?)))
        .collect();
    for (name, b) in &pages {
        encode.throughput(Throughput::Elements(
            u64::from(b.width()) * u64::from(b.height()),
        ));
        encode.bench_with_input(BenchmarkId::new("scanpress", name), b, |bench, b| {
            bench.iter(|| ccitt::encode_g4(black_box(b)))
        });
        encode.bench_with_input(BenchmarkId::new("fax", name), b, |bench, b| {
            bench.iter(|| fax_encode(black_box(b)))
        });
    }
    encode.finish();

    let mut decode = c.benchmark_group("g4_decode");
    decode.sample_size(20);
    for (name, b) in &pages {
        let data = ccitt::encode_g4(b);
        let params = DecodeParams::new(Coding::G4, b.width(), Some(b.height()));
        decode.throughput(Throughput::Elements(
            u64::from(b.width()) * u64::from(b.height()),
        ));
        decode.bench_with_input(BenchmarkId::new("scanpress", name), &data, |bench, d| {
            bench.iter(|| ccitt::decode(black_box(d), &params, &Limits::default()).unwrap())
        });
        decode.bench_with_input(BenchmarkId::new("fax", name), &data, |bench, d| {
            bench.iter(|| fax_decode(black_box(d), b.width(), b.height()))
        });
    }
    decode.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
