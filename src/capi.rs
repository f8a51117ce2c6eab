//! The C API (feature `capi`), shaped as rustls-ffi shapes its own: opaque handles made by a
//! `_new` and released by a `_free`; every function returns a stable [`ScanpressResult`] code and
//! copies a message into a buffer the caller owns; options are set by string key; outputs are
//! buffers the library owns until their handle is freed. No panic crosses the boundary: every
//! export catches it and returns [`ScanpressResult::Panic`].
//!
//! `include/scanpress.h` is generated from this file by cbindgen (`tests/capi.rs` checks that it
//! is current, and compiles and runs `tests/c/capi_test.c` against the static and shared
//! libraries).
#![allow(unsafe_code)]

use std::ffi::{CStr, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use crate::batch::{Job, Outcome};
use crate::codec::jbig1::incremental::IncrementalDecoder;
use crate::error::Error;
use crate::options::{Limits, Options};
use crate::pipeline;
use crate::report::{BatchReport, FileReport};

/// What a call did. The numbers never change.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScanpressResult {
    /// Done.
    Ok = 0,
    /// A null pointer, a string that is not UTF-8, an unknown option or a bad value.
    InvalidArgument = 1,
    /// Reading or writing a file failed.
    Io = 2,
    /// The input is malformed.
    Format = 3,
    /// The input uses a feature scanpress does not handle.
    Unsupported = 4,
    /// The input declares more than the limits allow.
    Limits = 5,
    /// Our output did not decode to the input; nothing was written.
    Verification = 6,
    /// No image yet: the decoder needs more bytes.
    NotYet = 7,
    /// A bug: scanpress panicked. Please report it with the message.
    Panic = 100,
}

/// Options for compressing: the library's defaults until set.
pub struct ScanpressOptions(Options);

/// A compressed document: its bytes and the report of its pages.
pub struct ScanpressOutput {
    data: Vec<u8>,
    report: String,
    pages: usize,
}

/// A viewer's decoder: bytes pushed as they arrive, the best image so far on request. A JBIG1
/// file (named `.jbg`) is decoded layer by layer as it arrives; other documents once whole.
pub struct ScanpressDecoder {
    data: Vec<u8>,
    name: Option<String>,
    jbig: Option<IncrementalDecoder>,
    finished: bool,
    /// The page decoded from the bytes so far, as 8-bit grey (0 black, 255 white), and how many
    /// bytes it was decoded from.
    image: Option<(u32, u32, Vec<u8>)>,
    tried_at: Option<usize>,
}

/// Copies `message` into the caller's buffer, cut short to fit, always NUL-terminated.
fn write_message(message: &str, buffer: *mut c_char, len: usize) {
    if buffer.is_null() || len == 0 {
        return;
    }
    let bytes = message.as_bytes();
    let n = bytes.len().min(len - 1);
    // SAFETY: the caller gives a writable buffer of `len` bytes; n + 1 <= len.
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), buffer.cast::<u8>(), n);
        *buffer.add(n) = 0;
    }
}

/// The result code for an error.
fn code(e: &Error) -> ScanpressResult {
    match e {
        Error::Format { .. } => ScanpressResult::Format,
        Error::Unsupported { .. } => ScanpressResult::Unsupported,
        Error::Limits(_) => ScanpressResult::Limits,
        Error::Verification(_) => ScanpressResult::Verification,
        Error::Io { .. } => ScanpressResult::Io,
        _ => ScanpressResult::InvalidArgument,
    }
}

/// Runs `f` behind the panic boundary, turning its error or panic into a code and a message.
fn guard(
    message: *mut c_char,
    len: usize,
    f: impl FnOnce() -> Result<(), (ScanpressResult, String)>,
) -> ScanpressResult {
    let (result, text) = match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => (ScanpressResult::Ok, String::new()),
        Ok(Err((code, text))) => (code, text),
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            (
                ScanpressResult::Panic,
                format!("scanpress panicked: {what}"),
            )
        }
    };
    write_message(&text, message, len);
    result
}

/// The error as a code and its message.
fn failure(e: Error) -> (ScanpressResult, String) {
    (code(&e), e.to_string())
}

/// An invalid argument and why.
fn invalid(what: &str) -> (ScanpressResult, String) {
    (ScanpressResult::InvalidArgument, what.to_string())
}

/// A C string argument as `&str`.
///
/// # Safety
/// `s` is null or a NUL-terminated string that outlives the call.
unsafe fn text<'a>(s: *const c_char, what: &str) -> Result<&'a str, (ScanpressResult, String)> {
    if s.is_null() {
        return Err(invalid(&format!("{what} is null")));
    }
    // SAFETY: as the caller promises.
    unsafe { CStr::from_ptr(s) }
        .to_str()
        .map_err(|_| invalid(&format!("{what} is not UTF-8")))
}

/// The library's version, a static NUL-terminated string.
#[unsafe(no_mangle)]
pub extern "C" fn scanpress_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// New options with the defaults: JBIG2 in PDF, automatic binarisation, every page verified,
/// a 64 kbit/s link for the report. Free with `scanpress_options_free`.
#[unsafe(no_mangle)]
pub extern "C" fn scanpress_options_new() -> *mut ScanpressOptions {
    catch_unwind(|| Box::into_raw(Box::new(ScanpressOptions(Options::default()))))
        .unwrap_or(std::ptr::null_mut())
}

/// Frees options from `scanpress_options_new`; null is ignored.
///
/// # Safety
/// `options` is null or from `scanpress_options_new`, and not used again.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn scanpress_options_free(options: *mut ScanpressOptions) {
    if !options.is_null() {
        // SAFETY: as the caller promises.
        drop(unsafe { Box::from_raw(options) });
    }
}

/// Sets one option by key: `codec` (auto, g4, jbig2, jbig2-generic, jbig1, mrc, jpeg), `format`
/// (pdf, tiff, jb2, jbg), `threshold` (auto, otsu, sauvola, 0-255), `link` (9600, 64k, 2M),
/// `verify` and `sync` (true, false; `scanpress_compress_file` syncs its output unless `sync`
/// is false), `max_pixels`, `max_dimension`, `max_pages`, `max_input_bytes` (numbers).
///
/// # Safety
/// `options` is from `scanpress_options_new`; `key` and `value` are NUL-terminated strings;
/// `message` is null or a writable buffer of `message_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn scanpress_options_set(
    options: *mut ScanpressOptions,
    key: *const c_char,
    value: *const c_char,
    message: *mut c_char,
    message_len: usize,
) -> ScanpressResult {
    guard(message, message_len, || {
        // SAFETY: as the caller promises.
        let options = unsafe { options.as_mut() }.ok_or_else(|| invalid("options is null"))?;
        // SAFETY: as the caller promises.
        let (key, value) = unsafe { (text(key, "key")?, text(value, "value")?) };
        set_option(&mut options.0, key, value)
    })
}

/// Sets `key` in `options` from its text `value`.
fn set_option(
    options: &mut Options,
    key: &str,
    value: &str,
) -> Result<(), (ScanpressResult, String)> {
    let number = || -> Result<u64, (ScanpressResult, String)> {
        value
            .trim()
            .parse()
            .map_err(|_| invalid(&format!("{key}: {value} is not a number")))
    };
    let flag = || match value {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(invalid(&format!("{key}: {value} is not true or false"))),
    };
    let narrow = |n: u64| -> Result<u32, (ScanpressResult, String)> {
        u32::try_from(n).map_err(|_| invalid(&format!("{key}: {value} is too large")))
    };
    let limits: &mut Limits = &mut options.limits;
    match key {
        "codec" => options.codec = value.parse().map_err(failure)?,
        "format" => options.format = Some(value.parse().map_err(failure)?),
        "threshold" => options.threshold = value.parse().map_err(failure)?,
        "link" => options.link = value.parse().map_err(failure)?,
        "verify" => options.verify = flag()?,
        "sync" => options.sync = flag()?,
        "max_pixels" => limits.max_pixels = number()?,
        "max_dimension" => limits.max_dimension = narrow(number()?)?,
        "max_pages" => limits.max_pages = narrow(number()?)?,
        "max_input_bytes" => limits.max_input_bytes = number()?,
        _ => return Err(invalid(&format!("unknown option {key}"))),
    }
    Ok(())
}

/// The JSON report of one file (as `scanpress compress --report` writes).
fn report_json(input: &Path, output: &Path, report: FileReport, options: &Options) -> String {
    let results = [(
        Job {
            input: input.to_path_buf(),
            relative: input.file_name().map(PathBuf::from).unwrap_or_default(),
            output: output.to_path_buf(),
        },
        Outcome::Done(report),
    )];
    let batch = BatchReport {
        results: &results,
        link: options.link,
    };
    batch.to_json().unwrap_or_default()
}

/// Compresses a document held in memory. `name` (may be null) helps recognise raw fax data. On
/// success `*output` holds the compressed document; free it with `scanpress_output_free`.
///
/// # Safety
/// `options` is from `scanpress_options_new`; `data` points to `len` readable bytes; `name` is
/// null or a NUL-terminated string; `output` is a writable pointer; `message` is null or a
/// writable buffer of `message_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn scanpress_compress_buffer(
    options: *const ScanpressOptions,
    data: *const u8,
    len: usize,
    name: *const c_char,
    output: *mut *mut ScanpressOutput,
    message: *mut c_char,
    message_len: usize,
) -> ScanpressResult {
    guard(message, message_len, || {
        // SAFETY: as the caller promises.
        let options = unsafe { options.as_ref() }.ok_or_else(|| invalid("options is null"))?;
        if data.is_null() || output.is_null() {
            return Err(invalid("data or output is null"));
        }
        // SAFETY: as the caller promises.
        let input = unsafe { std::slice::from_raw_parts(data, len) };
        // SAFETY: as the caller promises.
        let name = (!name.is_null())
            .then(|| unsafe { text(name, "name") })
            .transpose()?;
        let (bytes, pages) = pipeline::compress_bytes(input, name, &options.0).map_err(failure)?;
        let count = pages.len();
        let path = Path::new(name.unwrap_or("buffer"));
        let report = FileReport {
            input: path.to_path_buf(),
            output: PathBuf::new(),
            bytes_in: len as u64,
            bytes_out: bytes.len() as u64,
            pages,
        };
        let report = report_json(path, Path::new(""), report, &options.0);
        let out = Box::new(ScanpressOutput {
            data: bytes,
            report,
            pages: count,
        });
        // SAFETY: `output` is writable, as the caller promises.
        unsafe { *output = Box::into_raw(out) };
        Ok(())
    })
}

/// Compresses the file `input` to `output`, which appears only when everything succeeded. When
/// `report` is not null, `*report` receives the report (its data is empty); free it with
/// `scanpress_output_free`.
///
/// # Safety
/// `options` is from `scanpress_options_new`; `input` and `output` are NUL-terminated paths;
/// `report` is null or writable; `message` is null or a writable buffer of `message_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn scanpress_compress_file(
    options: *const ScanpressOptions,
    input: *const c_char,
    output: *const c_char,
    report: *mut *mut ScanpressOutput,
    message: *mut c_char,
    message_len: usize,
) -> ScanpressResult {
    guard(message, message_len, || {
        // SAFETY: as the caller promises.
        let options = unsafe { options.as_ref() }.ok_or_else(|| invalid("options is null"))?;
        // SAFETY: as the caller promises.
        let (input, output) = unsafe { (text(input, "input")?, text(output, "output")?) };
        let (input, output) = (Path::new(input), Path::new(output));
        let file = pipeline::compress_file(input, output, &options.0).map_err(failure)?;
        if !report.is_null() {
            let pages = file.pages.len();
            let json = report_json(input, output, file, &options.0);
            let out = Box::new(ScanpressOutput {
                data: Vec::new(),
                report: json,
                pages,
            });
            // SAFETY: `report` is writable, as the caller promises.
            unsafe { *report = Box::into_raw(out) };
        }
        Ok(())
    })
}

/// The compressed bytes of `output` and, in `*len`, their number; valid until the output is
/// freed. Null when `output` is null.
///
/// # Safety
/// `output` is null or from a compress call; `len` is null or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn scanpress_output_data(
    output: *const ScanpressOutput,
    len: *mut usize,
) -> *const u8 {
    // SAFETY: as the caller promises.
    let Some(output) = (unsafe { output.as_ref() }) else {
        return std::ptr::null();
    };
    if !len.is_null() {
        // SAFETY: as the caller promises.
        unsafe { *len = output.data.len() };
    }
    output.data.as_ptr()
}

/// The number of pages written.
///
/// # Safety
/// `output` is null or from a compress call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn scanpress_output_pages(output: *const ScanpressOutput) -> usize {
    // SAFETY: as the caller promises.
    unsafe { output.as_ref() }.map_or(0, |o| o.pages)
}

/// Copies the report, JSON as `scanpress compress --report` writes it, NUL-terminated, into
/// `buffer`; `*needed` (when not null) receives its length with the NUL. A buffer too small gets
/// nothing and the result `InvalidArgument`, so call once with a null buffer to learn the size.
///
/// # Safety
/// `output` is from a compress call; `buffer` is null or a writable buffer of `len` bytes;
/// `needed` is null or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn scanpress_output_report(
    output: *const ScanpressOutput,
    buffer: *mut c_char,
    len: usize,
    needed: *mut usize,
) -> ScanpressResult {
    guard(std::ptr::null_mut(), 0, || {
        // SAFETY: as the caller promises.
        let output = unsafe { output.as_ref() }.ok_or_else(|| invalid("output is null"))?;
        let size = output.report.len() + 1;
        if !needed.is_null() {
            // SAFETY: as the caller promises.
            unsafe { *needed = size };
        }
        if buffer.is_null() || len < size {
            return if buffer.is_null() {
                Ok(())
            } else {
                Err(invalid("buffer too small"))
            };
        }
        write_message(&output.report, buffer, len);
        Ok(())
    })
}

/// Frees an output; null is ignored.
///
/// # Safety
/// `output` is null or from a compress call, and not used again.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn scanpress_output_free(output: *mut ScanpressOutput) {
    if !output.is_null() {
        // SAFETY: as the caller promises.
        drop(unsafe { Box::from_raw(output) });
    }
}

/// A decoder for a viewer. `name` (may be null) is the document's file name, which tells a JBIG1
/// file (`.jbg`, decoded layer by layer) and raw fax data apart from the formats that announce
/// themselves. Free with `scanpress_decoder_free`.
///
/// # Safety
/// `name` is null or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn scanpress_decoder_new(name: *const c_char) -> *mut ScanpressDecoder {
    catch_unwind(|| {
        // SAFETY: as the caller promises.
        let name = (!name.is_null()).then(|| {
            unsafe { CStr::from_ptr(name) }
                .to_string_lossy()
                .into_owned()
        });
        let layered = name.as_deref().is_some_and(crate::input::is_jbig1_name);
        let jbig = layered.then(|| IncrementalDecoder::new(Limits::default()));
        Box::into_raw(Box::new(ScanpressDecoder {
            data: Vec::new(),
            name,
            jbig,
            finished: false,
            image: None,
            tried_at: None,
        }))
    })
    .unwrap_or(std::ptr::null_mut())
}

/// Gives the decoder the next `len` bytes of the document, as they arrive.
///
/// # Safety
/// `decoder` is from `scanpress_decoder_new`; `data` points to `len` readable bytes; `message`
/// is null or a writable buffer of `message_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn scanpress_decoder_push(
    decoder: *mut ScanpressDecoder,
    data: *const u8,
    len: usize,
    message: *mut c_char,
    message_len: usize,
) -> ScanpressResult {
    guard(message, message_len, || {
        // SAFETY: as the caller promises.
        let decoder = unsafe { decoder.as_mut() }.ok_or_else(|| invalid("decoder is null"))?;
        if data.is_null() && len > 0 {
            return Err(invalid("data is null"));
        }
        if decoder.finished {
            return Err(invalid("bytes pushed after scanpress_decoder_finish"));
        }
        if len > 0 {
            // SAFETY: as the caller promises.
            let bytes = unsafe { std::slice::from_raw_parts(data, len) };
            if let Some(jbig) = &mut decoder.jbig {
                let shown = jbig.stripes_done();
                jbig.push(bytes).map_err(failure)?;
                // More of the page is in: the next image is made anew.
                if jbig.stripes_done() != shown {
                    decoder.image = None;
                }
                return Ok(());
            }
            let limit = Limits::default().max_input_bytes;
            if (decoder.data.len() + len) as u64 > limit {
                return Err((ScanpressResult::Limits, format!("more than {limit} bytes")));
            }
            decoder.data.extend_from_slice(bytes);
        }
        Ok(())
    })
}

/// Says that every byte has been pushed: from now on a document that does not decode is an
/// error, not a wait for more.
///
/// # Safety
/// `decoder` is from `scanpress_decoder_new`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn scanpress_decoder_finish(
    decoder: *mut ScanpressDecoder,
) -> ScanpressResult {
    guard(std::ptr::null_mut(), 0, || {
        // SAFETY: as the caller promises.
        let decoder = unsafe { decoder.as_mut() }.ok_or_else(|| invalid("decoder is null"))?;
        decoder.finished = true;
        Ok(())
    })
}

/// The best image of page 1 so far, 8-bit grey (0 black, 255 white), `*width` by `*height`,
/// rows one after another; valid until the next call on the decoder. `NotYet` when the bytes
/// so far show nothing yet. A JBIG1 file with resolution layers shows its lowest layer, at the
/// page's size, as soon as that layer's last byte is in, and each sharper one after; other
/// documents show the page once it is whole.
///
/// # Safety
/// `decoder` is from `scanpress_decoder_new`; `width`, `height` and `pixels` are writable;
/// `message` is null or a writable buffer of `message_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn scanpress_decoder_image(
    decoder: *mut ScanpressDecoder,
    width: *mut u32,
    height: *mut u32,
    pixels: *mut *const u8,
    message: *mut c_char,
    message_len: usize,
) -> ScanpressResult {
    guard(message, message_len, || {
        // SAFETY: as the caller promises.
        let decoder = unsafe { decoder.as_mut() }.ok_or_else(|| invalid("decoder is null"))?;
        if width.is_null() || height.is_null() || pixels.is_null() {
            return Err(invalid("width, height or pixels is null"));
        }
        if let Some(jbig) = &decoder.jbig {
            if decoder.image.is_none()
                && let Some(preview) = jbig.preview()
            {
                decoder.image = Some((preview.width(), preview.height(), preview.to_gray()));
            }
            if decoder.finished && !jbig.is_complete() {
                return Err((
                    ScanpressResult::Format,
                    "the JBIG1 file is truncated".into(),
                ));
            }
        } else if decoder.image.is_none() && decoder.tried_at != Some(decoder.data.len()) {
            decoder.tried_at = Some(decoder.data.len());
            let options = Options::default();
            match pipeline::decode_page(&decoder.data, decoder.name.as_deref(), 1, &options) {
                Ok((bitmap, _)) => {
                    decoder.image = Some((bitmap.width(), bitmap.height(), bitmap.to_gray()));
                }
                Err(e) if decoder.finished => return Err(failure(e)),
                Err(_) => {}
            }
        }
        match &decoder.image {
            Some((w, h, grey)) => {
                // SAFETY: the pointers are writable, as the caller promises.
                unsafe {
                    *width = *w;
                    *height = *h;
                    *pixels = grey.as_ptr();
                }
                Ok(())
            }
            None if decoder.finished => Err((
                ScanpressResult::Format,
                "the document holds no page".to_string(),
            )),
            None => Err((ScanpressResult::NotYet, "more bytes are needed".to_string())),
        }
    })
}

/// Frees a decoder; null is ignored.
///
/// # Safety
/// `decoder` is null or from `scanpress_decoder_new`, and not used again.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn scanpress_decoder_free(decoder: *mut ScanpressDecoder) {
    if !decoder.is_null() {
        // SAFETY: as the caller promises.
        drop(unsafe { Box::from_raw(decoder) });
    }
}
