//! Multi-page TIFF output with CCITT Group 4 strips (TIFF 6.0 section 11, compression 4).
//!
//! Each page is written as its image data followed by its directory, and the previous directory's
//! next-IFD pointer is patched, so pages can be added one at a time. One strip a page, as libtiff
//! reads any strip size and one strip codes smallest.

use crate::page::Resolution;

/// Field types (TIFF 6.0 section 2).
const SHORT: u16 = 3;
const LONG: u16 = 4;
const RATIONAL: u16 = 5;
const ASCII: u16 = 2;

/// A multi-page G4 TIFF being built in memory.
pub struct TiffWriter {
    out: Vec<u8>,
    /// Where the last written next-IFD pointer is, to patch when a page follows.
    next_ifd_at: usize,
    pages: u32,
}

impl Default for TiffWriter {
    fn default() -> Self {
        Self::new()
    }
}

struct Entry {
    tag: u16,
    kind: u16,
    count: u32,
    /// The value bytes, little-endian; inline when at most four.
    value: Vec<u8>,
}

fn short(tag: u16, v: u16) -> Entry {
    Entry {
        tag,
        kind: SHORT,
        count: 1,
        value: v.to_le_bytes().to_vec(),
    }
}

fn long(tag: u16, v: u32) -> Entry {
    Entry {
        tag,
        kind: LONG,
        count: 1,
        value: v.to_le_bytes().to_vec(),
    }
}

/// A rational close to `v` with a denominator that keeps common resolutions exact.
fn rational(tag: u16, v: f64) -> Entry {
    let den = 100u32;
    let num = (v * f64::from(den)).round().clamp(1.0, f64::from(u32::MAX)) as u32;
    let mut value = num.to_le_bytes().to_vec();
    value.extend_from_slice(&den.to_le_bytes());
    Entry {
        tag,
        kind: RATIONAL,
        count: 1,
        value,
    }
}

impl TiffWriter {
    /// An empty little-endian TIFF.
    pub fn new() -> Self {
        let mut out = b"II*\0".to_vec();
        out.extend_from_slice(&0u32.to_le_bytes());
        TiffWriter {
            out,
            next_ifd_at: 4,
            pages: 0,
        }
    }

    /// Appends a page of `width` x `height` pixels whose G4 data is `g4` (`1 = black`, written as
    /// PhotometricInterpretation WhiteIsZero).
    pub fn add_g4_page(&mut self, width: u32, height: u32, resolution: &Resolution, g4: &[u8]) {
        // Compression 4: CCITT T.6, with T6Options 0.
        self.add_bilevel_page(width, height, resolution, (4, Some(0), 1), g4);
    }

    /// Appends a page whose one strip is `bie`, a JBIG1 BIE of the whole page (Compression
    /// 34661, ISO JBIG; `1 = black`). libtiff's JBIG codec stores the BIE bit-reversed under
    /// FillOrder 1 and as it is under FillOrder 2, which is what this writes.
    pub fn add_jbig_page(&mut self, width: u32, height: u32, resolution: &Resolution, bie: &[u8]) {
        self.add_bilevel_page(width, height, resolution, (34661, None, 2), bie);
    }

    /// Appends a bilevel page of one strip `data` coded with `compression`, with its T6Options
    /// and FillOrder.
    fn add_bilevel_page(
        &mut self,
        width: u32,
        height: u32,
        resolution: &Resolution,
        (compression, t6_options, fill_order): (u16, Option<u32>, u16),
        data: &[u8],
    ) {
        self.pad_to_word();
        let data_at = self.out.len() as u32;
        self.out.extend_from_slice(data);
        self.pad_to_word();
        let software = format!("scanpress {}\0", env!("CARGO_PKG_VERSION")).into_bytes();
        // Tags in ascending order (TIFF 6.0 section 2).
        let mut entries = vec![
            long(254, 0),                 // NewSubfileType
            long(256, width),             // ImageWidth
            long(257, height),            // ImageLength
            short(258, 1),                // BitsPerSample
            short(259, compression),      // Compression
            short(262, 0),                // PhotometricInterpretation: WhiteIsZero
            short(266, fill_order),       // FillOrder
            long(273, data_at),           // StripOffsets
            short(277, 1),                // SamplesPerPixel
            long(278, height),            // RowsPerStrip
            long(279, data.len() as u32), // StripByteCounts
            rational(282, resolution.x),  // XResolution
            rational(283, resolution.y),  // YResolution
            short(284, 1),                // PlanarConfiguration: contiguous
        ];
        if let Some(options) = t6_options {
            entries.push(long(293, options)); // T6Options
        }
        entries.push(short(296, 2)); // ResolutionUnit: inch
        entries.push(Entry {
            tag: 305, // Software
            kind: ASCII,
            count: software.len() as u32,
            value: software,
        });
        self.write_ifd(&entries);
        self.pages += 1;
    }

    fn pad_to_word(&mut self) {
        if self.out.len() % 2 == 1 {
            self.out.push(0);
        }
    }

    fn write_ifd(&mut self, entries: &[Entry]) {
        let ifd_at = self.out.len() as u32;
        let patch = self.next_ifd_at;
        self.out[patch..patch + 4].copy_from_slice(&ifd_at.to_le_bytes());
        let ifd_len = 2 + 12 * entries.len() + 4;
        let mut extra_at = ifd_at as usize + ifd_len;
        let mut extra = Vec::new();
        self.out
            .extend_from_slice(&(entries.len() as u16).to_le_bytes());
        for e in entries {
            self.out.extend_from_slice(&e.tag.to_le_bytes());
            self.out.extend_from_slice(&e.kind.to_le_bytes());
            self.out.extend_from_slice(&e.count.to_le_bytes());
            if e.value.len() <= 4 {
                let mut v = e.value.clone();
                v.resize(4, 0);
                self.out.extend_from_slice(&v);
            } else {
                self.out.extend_from_slice(&(extra_at as u32).to_le_bytes());
                extra.extend_from_slice(&e.value);
                if e.value.len() % 2 == 1 {
                    extra.push(0);
                }
                extra_at = ifd_at as usize + ifd_len + extra.len();
            }
        }
        self.next_ifd_at = self.out.len();
        self.out.extend_from_slice(&0u32.to_le_bytes());
        self.out.extend_from_slice(&extra);
    }

    /// Pages written so far.
    pub fn pages(&self) -> u32 {
        self.pages
    }

    /// The finished file.
    pub fn finish(self) -> Vec<u8> {
        self.out
    }
}
