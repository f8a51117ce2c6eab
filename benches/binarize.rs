//! Binarise-and-pack kernels, scalar against every SIMD level this CPU has, on corpus grey pages.

mod common;

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use scanpress::Limits;
use scanpress::prepare::binarize::{sauvola_half_window, sauvola_with};
use scanpress::simd::{CpuLevel, Kernels};

fn bench(c: &mut Criterion) {
    let pages: Vec<_> = [
        "dev_noteshrink_handwritten_notes_A1.jpg",
        "dev_lept_lucasta_grey.jpg",
    ]
    .iter()
    .filter_map(|n| Some((*n, common::gray(n)?)))
    .collect();

    let mut sauvola = c.benchmark_group("sauvola_pack");
    sauvola.sample_size(20);
    for (name, g) in &pages {
        sauvola.throughput(Throughput::Elements(g.data.len() as u64));
        let half = sauvola_half_window(300.0);
        for level in CpuLevel::available() {
            let kernels = Kernels::for_level(level);
            sauvola.bench_with_input(BenchmarkId::new(format!("{level:?}"), name), g, |b, g| {
                b.iter(|| sauvola_with(black_box(g), half, &kernels, &Limits::default()))
            });
        }
    }
    sauvola.finish();

    let mut pack = c.benchmark_group("threshold_pack");
    for (name, g) in &pages {
        pack.throughput(Throughput::Elements(g.data.len() as u64));
        let mut out = vec![0u64; (g.width as usize).div_ceil(64) * g.height as usize];
        let stride = (g.width as usize).div_ceil(64);
        for level in CpuLevel::available() {
            let kernels = Kernels::for_level(level);
            pack.bench_function(BenchmarkId::new(format!("{level:?}"), name), |b| {
                b.iter(|| {
                    for (row, words) in g
                        .data
                        .chunks_exact(g.width as usize)
                        .zip(out.chunks_exact_mut(stride))
                    {
                        kernels.pack_threshold(black_box(row), 128, words);
                    }
                })
            });
        }
    }
    pack.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
