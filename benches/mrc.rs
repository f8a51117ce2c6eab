//! Grey and colour pages: the whole page under `--codec auto` (analysis, mixed raster layers,
//! JBIG2 mask, JPEG layers, verification), and the progressive JPEG coder on a page against the
//! `image` crate's baseline JPEG encoder, on corpus scans.

mod common;

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use scanpress::Options;
use scanpress::codec::jpeg::{JpegParams, encode_progressive};
use scanpress::prepare::layers::Samples;

fn bench(c: &mut Criterion) {
    let files: Vec<(&str, Vec<u8>)> = [
        "dev_noteshrink_handwritten_notes_A1.jpg",
        "dev_lept_lucasta_grey.jpg",
        "dev_pdfjs_issue7229_certificate_stamp_colour.pdf",
    ]
    .iter()
    .filter_map(|n| Some((*n, std::fs::read(common::corpus_file(n)?).ok()?)))
    .collect();

    let mut page = c.benchmark_group("colour_page_auto");
    page.sample_size(10);
    for (name, data) in &files {
        page.bench_function(*name, |b| {
            b.iter(|| {
                scanpress::pipeline::compress_bytes(
                    black_box(data),
                    Some(name),
                    &Options::default(),
                )
                .unwrap()
            })
        });
    }
    page.finish();

    let Some((_, notes)) = files.first() else {
        return;
    };
    let rgb = image::load_from_memory(notes).unwrap().into_rgb8();
    let (w, h) = rgb.dimensions();
    let mut jpeg = c.benchmark_group("jpeg_encode_q60");
    jpeg.sample_size(10);
    jpeg.throughput(Throughput::Elements(u64::from(w * h)));
    let samples = Samples {
        width: w,
        height: h,
        channels: 3,
        data: rgb.as_raw(),
    };
    let params = JpegParams {
        quality: 60,
        subsample_chroma: true,
        dpi: 300,
    };
    jpeg.bench_function(BenchmarkId::new("scanpress progressive", "notes A1"), |b| {
        b.iter(|| encode_progressive(black_box(&samples), &params).unwrap())
    });
    jpeg.bench_function(BenchmarkId::new("image baseline", "notes A1"), |b| {
        b.iter(|| {
            let mut out = Vec::new();
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 60)
                .encode_image(black_box(&rgb))
                .unwrap();
            out
        })
    });
    jpeg.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
