//! Progressive JPEG (ITU-T T.81 Annex G, spectral selection and successive approximation) through
//! the `jpeg-encoder` crate, with its SIMD colour conversion and DCT where the CPU has them.
//!
//! A progressive JPEG shows a coarse whole page after its first scan where the reader draws it as
//! it arrives (browsers and image viewers do; PDF readers draw a page once its images are in).

use jpeg_encoder::{ColorType, Density, Encoder, SamplingFactor};

use crate::error::{Error, Result};
use crate::prepare::layers::Samples;

const FORMAT: &str = "JPEG";

/// How a layer is coded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JpegParams {
    /// IJG quality, 1-100.
    pub quality: u8,
    /// Colour: halve the chroma in both directions (4:2:0), as cameras and scanners do; scans
    /// hold little fine colour detail.
    pub subsample_chroma: bool,
    /// Resolution written in the JFIF header, dpi.
    pub dpi: u16,
}

/// Codes `samples` as a progressive JPEG with optimised Huffman tables.
pub fn encode_progressive(samples: &Samples<'_>, params: &JpegParams) -> Result<Vec<u8>> {
    let (Ok(w), Ok(h)) = (u16::try_from(samples.width), u16::try_from(samples.height)) else {
        return Err(Error::unsupported(
            FORMAT,
            format!(
                "{}x{} pixels: JPEG holds at most 65535 a side",
                samples.width, samples.height
            ),
        ));
    };
    let colour = match samples.channels {
        1 => ColorType::Luma,
        3 => ColorType::Rgb,
        n => return Err(Error::unsupported(FORMAT, format!("{n} channels"))),
    };
    let mut out = Vec::new();
    let mut encoder = Encoder::new(&mut out, params.quality.clamp(1, 100));
    encoder.set_progressive(true);
    encoder.set_optimized_huffman_tables(true);
    encoder.set_density(Density::Inch {
        x: params.dpi,
        y: params.dpi,
    });
    encoder.set_sampling_factor(if params.subsample_chroma {
        SamplingFactor::F_2_2
    } else {
        SamplingFactor::F_1_1
    });
    encoder
        .encode(samples.data, w, h, colour)
        .map_err(|e| Error::format(FORMAT, e.to_string()))?;
    Ok(out)
}

/// The side of the blocks [`verify`] compares: a JPEG keeps the mean grey of each 16x16 block
/// (its luma DC terms) whatever detail inside it the quality drops.
const VERIFY_BLOCK: usize = 16;

/// Decodes `jpeg` with the `image` crate's decoder and checks that it gives `samples`' size and
/// channels, and that the mean grey (BT.601 luma) of 16x16 blocks is within `max_mean_error`
/// levels of the original's on average: the check a lossy layer can have before it is written,
/// blind to the detail and the colour a quality and chroma subsampling give up, not to a wrong or
/// broken image.
pub fn verify(jpeg: &[u8], samples: &Samples<'_>, max_mean_error: f64) -> Result<()> {
    let fail = |m: String| Error::Verification(format!("JPEG: {m}"));
    let decoded = image::load_from_memory_with_format(jpeg, image::ImageFormat::Jpeg)
        .map_err(|e| fail(format!("our data does not decode: {e}")))?;
    let data = match samples.channels {
        1 => decoded.into_luma8().into_raw(),
        _ => decoded.into_rgb8().into_raw(),
    };
    if data.len() != samples.data.len() {
        return Err(fail(format!(
            "decodes to {} samples, not {}",
            data.len(),
            samples.data.len()
        )));
    }
    let (w, h, ch) = (
        samples.width as usize,
        samples.height as usize,
        samples.channels,
    );
    let (bw, bh) = (w.div_ceil(VERIFY_BLOCK), h.div_ceil(VERIFY_BLOCK));
    let luma = |p: &[u8]| match p {
        [r, g, b] => (u32::from(*r) * 299 + u32::from(*g) * 587 + u32::from(*b) * 114) as i64,
        _ => i64::from(p[0]) * 1000,
    };
    // Per block: the sums of the decoded and original greys (in thousandths), and the count.
    let mut sums = vec![(0i64, 0i64, 0i64); bw * bh];
    for (i, (a, b)) in data
        .chunks_exact(ch)
        .zip(samples.data.chunks_exact(ch))
        .enumerate()
    {
        let (x, y) = (i % w, i / w);
        let s = &mut sums[(y / VERIFY_BLOCK) * bw + x / VERIFY_BLOCK];
        *s = (s.0 + luma(a), s.1 + luma(b), s.2 + 1);
    }
    let error: f64 = sums
        .iter()
        .map(|&(a, b, n)| (a - b).abs() as f64 / 1000.0 / n.max(1) as f64)
        .sum();
    let mean = error / sums.len().max(1) as f64;
    if mean > max_mean_error {
        return Err(fail(format!(
            "its 16x16 blocks' mean grey is {mean:.1} levels from the original's on average (at \
             most {max_mean_error})"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gradient(w: u32, h: u32, channels: usize) -> Vec<u8> {
        (0..w * h)
            .flat_map(|i| {
                let (x, y) = (i % w, i / w);
                [(x * 2) as u8, (y * 3) as u8, ((x + y) % 256) as u8]
                    .into_iter()
                    .take(channels)
            })
            .collect()
    }

    #[test]
    fn progressive_jpegs_decode_close_to_the_original_and_have_several_scans() {
        // The start of each scan (SOS).
        let scans = |jpeg: &[u8]| jpeg.windows(2).filter(|w| *w == [0xFF, 0xDA]).count();
        for channels in [1, 3] {
            let data = gradient(97, 61, channels);
            let samples = Samples {
                width: 97,
                height: 61,
                channels,
                data: &data,
            };
            let params = JpegParams {
                quality: 75,
                subsample_chroma: true,
                dpi: 100,
            };
            let jpeg = encode_progressive(&samples, &params).unwrap();
            verify(&jpeg, &samples, 4.0).unwrap();
            assert!(scans(&jpeg) > 2, "{} scans", scans(&jpeg));
            // The SOF2 marker: progressive, Huffman.
            assert!(jpeg.windows(2).any(|w| w == [0xFF, 0xC2]));
        }
    }

    #[test]
    fn verification_passes_fine_detail_a_low_quality_gives_up() {
        // A pattern of single-pixel detail: quality 30 loses most of it, not the block means.
        let data: Vec<u8> = (0..130 * 129)
            .map(|i| ((i % 130 * 37 + i / 130 * 91) % 256) as u8)
            .collect();
        let samples = Samples {
            width: 130,
            height: 129,
            channels: 1,
            data: &data,
        };
        let params = JpegParams {
            quality: 30,
            subsample_chroma: false,
            dpi: 100,
        };
        let jpeg = encode_progressive(&samples, &params).unwrap();
        verify(&jpeg, &samples, 8.0).unwrap();
    }

    #[test]
    fn verification_catches_a_different_image() {
        let data = gradient(40, 40, 1);
        let samples = Samples {
            width: 40,
            height: 40,
            channels: 1,
            data: &data,
        };
        let params = JpegParams {
            quality: 90,
            subsample_chroma: false,
            dpi: 100,
        };
        let jpeg = encode_progressive(&samples, &params).unwrap();
        let other = vec![255u8; 1600];
        let wrong = Samples {
            data: &other,
            ..samples
        };
        assert!(matches!(
            verify(&jpeg, &wrong, 4.0),
            Err(Error::Verification(_))
        ));
        let too_big = Samples {
            width: 70_000,
            ..samples
        };
        assert!(encode_progressive(&too_big, &params).is_err());
    }
}
