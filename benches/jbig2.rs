//! JBIG2 generic region encode and decode on corpus pages: scanpress (the pipeline's parameters,
//! and nominal AT pixels) against jbig2enc-rust's generic encoder (template 0, nominal AT
//! pixels, its packed-word kernel) and hayro-jbig2's decoder.

mod common;

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use scanpress::Limits;
use scanpress::codec::jbig2::{decode, generic, segments};

fn bench(c: &mut Criterion) {
    let pages: Vec<_> = common::TEXT_PAGES
        .iter()
        .filter_map(|n| Some((*n, common::bitmap(n)?)))
        .collect();
    // What the pipeline writes, and template 0 with its nominal AT pixels, whose windows roll
    // whole (faster, 1.45% larger on the corpus).
    let params = generic::GenericParams::for_scans();
    let nominal = generic::GenericParams::nominal(generic::Template::T0);

    let mut encode = c.benchmark_group("jbig2_generic_encode");
    encode.sample_size(20);
    for (name, b) in &pages {
        encode.throughput(Throughput::Elements(
            u64::from(b.width()) * u64::from(b.height()),
        ));
        encode.bench_with_input(BenchmarkId::new("scanpress", name), b, |bench, b| {
            bench.iter(|| generic::encode(black_box(b), &params))
        });
        encode.bench_with_input(
            BenchmarkId::new("scanpress-nominal-at", name),
            b,
            |bench, b| bench.iter(|| generic::encode(black_box(b), &nominal)),
        );
        let image = common::jbig2enc_image(b);
        let config = jbig2enc_rust::Jbig2Config::generic();
        encode.bench_with_input(
            BenchmarkId::new("jbig2enc-rust", name),
            &image,
            |bench, i| {
                bench.iter(|| jbig2enc_rust::jbig2enc::encode_generic_region(black_box(i), &config))
            },
        );
    }
    encode.finish();

    // Symbol coding as the pipeline does it (components, clusters, dictionary, text region,
    // residue), against jbig2enc-rust's pixel-exact symbol preset.
    let mut symbols = c.benchmark_group("jbig2_symbol_encode");
    symbols.sample_size(10);
    for (name, b) in &pages {
        symbols.throughput(Throughput::Elements(
            u64::from(b.width()) * u64::from(b.height()),
        ));
        symbols.bench_with_input(BenchmarkId::new("scanpress", name), b, |bench, b| {
            bench.iter(|| {
                scanpress::codec::jbig2::symbol_coding::encode_page(
                    black_box(b),
                    &params,
                    &Limits::default(),
                )
                .unwrap()
            })
        });
        let pixels: Vec<u8> = (0..b.height())
            .flat_map(|y| (0..b.width()).map(move |x| (y, x)))
            .map(|(y, x)| u8::from(b.get(x, y)))
            .collect();
        symbols.bench_with_input(
            BenchmarkId::new("jbig2enc-rust-text-lossless", name),
            &pixels,
            |bench, p| {
                bench.iter(|| {
                    let config = jbig2enc_rust::Jbig2Config::text_lossless();
                    let context = jbig2enc_rust::Jbig2Context::with_config(config, true);
                    jbig2enc_rust::encode_single_image_with_config(
                        black_box(p),
                        b.width(),
                        b.height(),
                        context,
                    )
                    .unwrap()
                })
            },
        );
    }
    symbols.finish();

    let mut decoding = c.benchmark_group("jbig2_generic_decode");
    decoding.sample_size(20);
    for (name, b) in &pages {
        let coded = generic::encode(b, &params);
        let page = segments::embedded_page(b.width(), b.height(), (300.0, 300.0), &params, &coded);
        decoding.throughput(Throughput::Elements(
            u64::from(b.width()) * u64::from(b.height()),
        ));
        decoding.bench_with_input(BenchmarkId::new("scanpress", name), &page, |bench, p| {
            bench.iter(|| decode::decode_embedded(black_box(p), None, &Limits::default()).unwrap())
        });
        decoding.bench_with_input(BenchmarkId::new("hayro-jbig2", name), &page, |bench, p| {
            bench.iter(|| {
                let settings = hayro_jbig2::DecodeSettings::default();
                let page = hayro_jbig2::Page::new_embedded(black_box(p), None, &settings).unwrap();
                let mut sink = Sink(0);
                page.decode(&mut sink).unwrap();
                sink.0
            })
        });
    }
    decoding.finish();
}

/// Counts hayro-jbig2's black pixels, so that its decoding is not optimised away.
struct Sink(u64);

impl hayro_jbig2::Decoder for Sink {
    fn push_pixel(&mut self, black: bool) {
        self.0 += u64::from(black);
    }
    fn push_pixel_chunk(&mut self, black: bool, chunk_count: u32) {
        if black {
            self.0 += u64::from(chunk_count) * 8;
        }
    }
    fn next_line(&mut self) {}
}

criterion_group!(benches, bench);
criterion_main!(benches);
