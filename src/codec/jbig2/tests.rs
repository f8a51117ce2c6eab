//! Round trips through our decoder and through hayro-jbig2, an independent decoder.

use super::{generic, segments};
use crate::bitmap::Bitmap;
use crate::options::Limits;

fn page(width: u32, height: u32) -> Bitmap {
    let mut b = Bitmap::new(width, height, &Limits::default()).unwrap();
    for y in 0..height {
        for x in 0..width {
            let text = (x / 5 + y / 7) % 4 == 0 && (y / 20) % 3 != 2;
            let line = y == height / 2 || (x * 7 + y * 3) % 97 == 0;
            b.set(x, y, text || line);
        }
    }
    b
}

/// Decodes embedded JBIG2 segments with hayro-jbig2, an independent decoder.
fn hayro_decode(data: &[u8]) -> Bitmap {
    crate::input::pdf::decode_embedded_jbig2(data, None, &Limits::default()).unwrap()
}

#[test]
fn generic_regions_round_trip_with_and_without_tpgdon() {
    for (w, h) in [(1, 1), (7, 3), (64, 10), (130, 77), (333, 120)] {
        let b = page(w, h);
        for tpgdon in [false, true] {
            let data = generic::encode(&b, tpgdon);
            let back = generic::decode(&data, w, h, tpgdon, &Limits::default()).unwrap();
            assert_eq!(back.first_difference(&b), None, "{w}x{h} tpgdon {tpgdon}");
        }
    }
}

#[test]
fn hayro_jbig2_decodes_our_embedded_pages() {
    for (w, h) in [(1, 1), (9, 5), (200, 150), (1000, 300)] {
        let b = page(w, h);
        let coded = generic::encode(&b, true);
        let data = segments::embedded_page(w, h, (300.0, 300.0), &coded);
        assert_eq!(hayro_decode(&data).first_difference(&b), None, "{w}x{h}");
    }
    let blank = Bitmap::new(500, 400, &Limits::default()).unwrap();
    let coded = generic::encode(&blank, true);
    let data = segments::embedded_page(500, 400, (200.0, 200.0), &coded);
    assert_eq!(hayro_decode(&data), blank);
}
