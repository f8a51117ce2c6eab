//! PNG, JPEG, PNM and BMP input through the `image` crate, with the resolution read from the file's
//! own header (PNG pHYs, JFIF density, BMP pixels per metre).

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, ImageReader};

use crate::error::{Error, Result};
use crate::options::Limits;
use crate::page::{Page, PageImage, Resolution, gray_over_white, rgb_over_white};

const FORMAT: &str = "image";

/// Decodes a single-page raster image.
pub fn read(data: &[u8], limits: &Limits) -> Result<Page> {
    // Binary PBM, bilevel already: read straight into a bitmap.
    if data.starts_with(b"P4") {
        let bitmap = crate::bitmap::Bitmap::from_pbm(data, limits)?;
        let (width, height) = (bitmap.width(), bitmap.height());
        return Ok(Page {
            image: PageImage::Bilevel(bitmap),
            resolution: Resolution::checked(None, width, height),
            source_bytes: Some(data.len() as u64),
            notes: Vec::new(),
            rotate: 0,
        });
    }
    let mut reader = ImageReader::new(Cursor::new(data))
        .with_guessed_format()
        .map_err(|e| Error::format(FORMAT, e.to_string()))?;
    let format = reader
        .format()
        .ok_or_else(|| Error::unsupported(FORMAT, "unrecognised image format"))?;
    let mut image_limits = image::Limits::default();
    image_limits.max_image_width = Some(limits.max_dimension);
    image_limits.max_image_height = Some(limits.max_dimension);
    image_limits.max_alloc = Some(limits.max_pixels.saturating_mul(4));
    reader.limits(image_limits);
    let (width, height) = ImageReader::with_format(Cursor::new(data), format)
        .into_dimensions()
        .map_err(|e| image_error(format, e))?;
    limits.check_pixels(width, height)?;
    let decoded = reader.decode().map_err(|e| image_error(format, e))?;
    let declared = match format {
        ImageFormat::Png => png_dpi(data),
        ImageFormat::Jpeg => jfif_dpi(data),
        ImageFormat::Bmp => bmp_dpi(data),
        _ => None,
    };
    Ok(Page {
        image: classify(decoded, limits)?,
        resolution: Resolution::checked(declared, width, height),
        source_bytes: Some(data.len() as u64),
        notes: Vec::new(),
        rotate: 0,
    })
}

fn image_error(format: ImageFormat, e: image::ImageError) -> Error {
    let name = format!("{format:?}");
    match e {
        image::ImageError::Limits(l) => Error::Limits(format!("{name}: {l}")),
        image::ImageError::Unsupported(u) => Error::unsupported(FORMAT, format!("{name}: {u}")),
        other => Error::format(FORMAT, format!("{name}: {other}")),
    }
}

/// Turns a decoded image into the simplest page kind that holds it exactly.
fn classify(image: DynamicImage, limits: &Limits) -> Result<PageImage> {
    let (width, height) = (image.width(), image.height());
    let alpha = image.color().has_alpha();
    if !image.color().has_color() {
        let data = match alpha {
            true => gray_over_white(image.to_luma_alpha8().as_raw()),
            false => image.into_luma8().into_raw(),
        };
        return PageImage::from_gray(width, height, data, limits);
    }
    let data = match alpha {
        true => rgb_over_white(image.to_rgba8().as_raw()),
        false => image.into_rgb8().into_raw(),
    };
    PageImage::from_rgb(width, height, data, limits)
}

/// PNG pHYs (PNG 11.3.5.3): pixels per unit, unit 1 = metre.
fn png_dpi(data: &[u8]) -> Option<(f64, f64)> {
    let mut pos = 8;
    while pos + 8 <= data.len() {
        let len = u32::from_be_bytes(data[pos..pos + 4].try_into().ok()?) as usize;
        let kind = &data[pos + 4..pos + 8];
        let body = data.get(pos + 8..pos + 8 + len)?;
        match kind {
            b"pHYs" if len == 9 => {
                let x = u32::from_be_bytes(body[0..4].try_into().ok()?);
                let y = u32::from_be_bytes(body[4..8].try_into().ok()?);
                return (body[8] == 1 && x > 0 && y > 0)
                    .then(|| (f64::from(x) * 0.0254, f64::from(y) * 0.0254));
            }
            b"IDAT" | b"IEND" => return None,
            _ => {}
        }
        pos += 12 + len;
    }
    None
}

/// JFIF APP0 density (JFIF 1.02): units 1 = dots per inch, 2 = dots per centimetre.
fn jfif_dpi(data: &[u8]) -> Option<(f64, f64)> {
    let mut pos = 2;
    while pos + 4 <= data.len() && data[pos] == 0xFF {
        let marker = data[pos + 1];
        let len = usize::from(u16::from_be_bytes([data[pos + 2], data[pos + 3]]));
        let body = data.get(pos + 4..pos + 2 + len)?;
        if marker == 0xE0 && body.starts_with(b"JFIF\0") && body.len() >= 12 {
            let x = f64::from(u16::from_be_bytes([body[8], body[9]]));
            let y = f64::from(u16::from_be_bytes([body[10], body[11]]));
            return match body[7] {
                1 if x > 0.0 && y > 0.0 => Some((x, y)),
                2 if x > 0.0 && y > 0.0 => Some((x * 2.54, y * 2.54)),
                _ => None,
            };
        }
        if marker == 0xDA {
            return None;
        }
        pos += 2 + len;
    }
    None
}

/// BMP BITMAPINFOHEADER biXPelsPerMeter and biYPelsPerMeter.
fn bmp_dpi(data: &[u8]) -> Option<(f64, f64)> {
    let x = i32::from_le_bytes(data.get(38..42)?.try_into().ok()?);
    let y = i32::from_le_bytes(data.get(42..46)?.try_into().ok()?);
    (x > 0 && y > 0).then(|| (f64::from(x) * 0.0254, f64::from(y) * 0.0254))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(image: DynamicImage, format: ImageFormat) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        image.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    #[test]
    fn black_and_white_png_becomes_bilevel() {
        let mut g = image::GrayImage::from_pixel(100, 20, image::Luma([255]));
        g.put_pixel(3, 4, image::Luma([0]));
        let png = encode(DynamicImage::ImageLuma8(g), ImageFormat::Png);
        let page = read(&png, &Limits::default()).unwrap();
        let PageImage::Bilevel(b) = page.image else {
            panic!("not bilevel")
        };
        assert!(b.get(3, 4));
        assert_eq!(b.count_ink(), 1);
        assert!(page.resolution.estimated.is_some());
    }

    #[test]
    fn grey_colour_and_garbage() {
        let g = image::GrayImage::from_fn(30, 30, |x, _| image::Luma([x as u8 * 8]));
        let png = encode(DynamicImage::ImageLuma8(g), ImageFormat::Png);
        assert!(matches!(
            read(&png, &Limits::default()).unwrap().image,
            PageImage::Gray(_)
        ));
        let c = image::RgbImage::from_fn(30, 30, |x, y| image::Rgb([x as u8, y as u8, 0]));
        let bmp = encode(DynamicImage::ImageRgb8(c), ImageFormat::Bmp);
        assert!(matches!(
            read(&bmp, &Limits::default()).unwrap().image,
            PageImage::Rgb(_)
        ));
        assert!(read(b"not an image at all", &Limits::default()).is_err());
        assert!(read(&png[..png.len() / 2], &Limits::default()).is_err());
    }

    #[test]
    fn png_phys_in_pixels_per_metre() {
        let mut png = encode(
            DynamicImage::ImageLuma8(image::GrayImage::new(4, 4)),
            ImageFormat::Png,
        );
        // Insert a pHYs chunk of 11811 px/m (300 dpi) after IHDR (8 + 25 bytes).
        let mut chunk = vec![0, 0, 0, 9];
        chunk.extend_from_slice(b"pHYs");
        chunk.extend_from_slice(&11811u32.to_be_bytes());
        chunk.extend_from_slice(&11811u32.to_be_bytes());
        chunk.push(1);
        chunk.extend_from_slice(&[0; 4]);
        png.splice(33..33, chunk);
        let (x, y) = png_dpi(&png).unwrap();
        assert!((x - 300.0).abs() < 0.1 && (y - 300.0).abs() < 0.1);
    }
}
