//! JBIG1 (ITU-T T.82, and T.85's profile of it for fax): the arithmetic coder, the lowest
//! resolution layer's templates with adaptive template pixel and typical prediction, differential
//! resolution layers with typical and deterministic prediction and resolution reduction, stripes,
//! the bi-level image entity (BIE) with its header and marker segments, both ways; and an
//! incremental decoder that shows each layer as soon as its last byte arrives.

pub mod arith;
pub mod bie;
pub mod decode;
mod differential;
pub mod encode;
pub mod incremental;
mod layer;
mod lowest;
mod spread;
mod tables;
mod window;

/// How many threads a BIE's layers may be coded on: the size of the rayon pool it is called
/// from (the batch's, or a caller's `install`), else the processors the process may run on.
/// Asked without starting rayon's global pool, whose threads coding one BIE by itself would
/// never use.
fn threads() -> usize {
    if rayon::current_thread_index().is_some() {
        rayon::current_num_threads()
    } else {
        crate::processors::processors()
    }
}

/// A test page: blobs of ink in diagonal bands, and noise (one pixel in `noise` black).
#[cfg(test)]
pub(crate) fn banded_page(width: u32, height: u32, noise: u32) -> crate::bitmap::Bitmap {
    let mut page =
        crate::bitmap::Bitmap::new(width, height, &crate::options::Limits::default()).unwrap();
    let mut state = 5u32;
    for y in 0..height {
        for x in 0..width {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let ink = (x / 9 + y / 13) % 5 == 0 || (state >> 24).is_multiple_of(noise);
            page.set(x, y, ink);
        }
    }
    page
}
