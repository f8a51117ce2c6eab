//! scanpress as a library in another program: compress a scan held in memory to a JBIG2 PDF,
//! look at the report, and decode the PDF's first page again.
//!
//! `cargo run --release --example library -- SCAN.tif`

use scanpress::{Options, pipeline};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "testdata/fax2d-manpage.tif".into());
    let scan = std::fs::read(&path)?;
    // Every page is decoded again and compared before compress_bytes returns.
    let (pdf, pages) = pipeline::compress_bytes(&scan, Some(&path), &Options::default())?;
    for page in &pages {
        println!(
            "page {}: {}x{} {} -> {} bytes ({:.1} s at 64 kbit/s)",
            page.number,
            page.width,
            page.height,
            page.codec,
            page.bytes_out,
            Options::default().link.seconds(page.bytes_out)
        );
    }
    let (bitmap, _) = pipeline::decode_page(&pdf, None, 1, &Options::default())?;
    println!(
        "{} -> {} bytes; page 1 decodes to {}x{} with {} black pixels",
        scan.len(),
        pdf.len(),
        bitmap.width(),
        bitmap.height(),
        bitmap.count_ink()
    );
    Ok(())
}
