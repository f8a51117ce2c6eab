/* The C API from C: options by key, a scan compressed from a buffer and from a file, the report,
 * errors with their messages, and the viewer's decoder fed the compressed document in small
 * chunks. Run by tests/capi.rs as: capi_test INPUT OUTPUT_FROM_BUFFER OUTPUT_FROM_FILE CHUNK
 * It prints "decoded WIDTHxHEIGHT BLACK" and "ok" when every check passed, and exits 1 at the
 * first that did not. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scanpress.h"

#define CHECK(cond, what)                                             \
    do {                                                              \
        if (!(cond)) {                                                \
            fprintf(stderr, "check failed: %s (%s)\n", what, message); \
            exit(1);                                                  \
        }                                                             \
    } while (0)

static char message[512];

static unsigned char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *data = malloc(size > 0 ? (size_t)size : 1);
    *len = fread(data, 1, (size_t)size, f);
    fclose(f);
    return data;
}

/* Feeds `len` bytes of `data` to `decoder` `chunk` bytes at a time, asking for the image after
 * each; gives how many bytes were in when an image was first shown (0: never). */
static size_t feed_in_chunks(ScanpressDecoder *decoder, const uint8_t *data, size_t len,
                             size_t chunk) {
    uint32_t width = 0, height = 0;
    const uint8_t *pixels = NULL;
    size_t shown_at = 0;
    for (size_t at = 0; at < len; at += chunk) {
        size_t n = len - at < chunk ? len - at : chunk;
        CHECK(scanpress_decoder_push(decoder, data + at, n, message, sizeof message) ==
                  SCANPRESS_RESULT_OK,
              "push");
        ScanpressResult result =
            scanpress_decoder_image(decoder, &width, &height, &pixels, message, sizeof message);
        CHECK(result == SCANPRESS_RESULT_OK || result == SCANPRESS_RESULT_NOT_YET, "image so far");
        if (result == SCANPRESS_RESULT_OK && shown_at == 0) {
            shown_at = at + n;
        }
    }
    return shown_at;
}

/* The black pixels of a decoded grey image. */
static size_t count_black(const uint8_t *pixels, uint32_t width, uint32_t height) {
    size_t black = 0;
    for (size_t i = 0; i < (size_t)width * height; i++) {
        black += pixels[i] == 0;
    }
    return black;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: capi_test INPUT OUT_BUFFER OUT_FILE CHUNK\n");
        return 2;
    }
    size_t chunk = (size_t)atoi(argv[4]);
    CHECK(strlen(scanpress_version()) > 0, "version");

    ScanpressOptions *options = scanpress_options_new();
    CHECK(options != NULL, "options_new");
    CHECK(scanpress_options_set(options, "codec", "jbig2", message, sizeof message) ==
              SCANPRESS_RESULT_OK,
          "codec jbig2");
    CHECK(scanpress_options_set(options, "link", "64k", message, sizeof message) ==
              SCANPRESS_RESULT_OK,
          "link");
    CHECK(scanpress_options_set(options, "colour", "red", message, sizeof message) ==
              SCANPRESS_RESULT_INVALID_ARGUMENT,
          "unknown key refused");
    CHECK(strstr(message, "colour") != NULL, "message names the key");
    CHECK(scanpress_options_set(options, "verify", "perhaps", message, sizeof message) ==
              SCANPRESS_RESULT_INVALID_ARGUMENT,
          "bad value refused");
    CHECK(scanpress_options_set(options, "sync", "sometimes", message, sizeof message) ==
              SCANPRESS_RESULT_INVALID_ARGUMENT,
          "bad sync refused");
    CHECK(strstr(message, "sync") != NULL, "message names sync");
    /* scanpress_compress_file below leaves its output to the system to write out. */
    CHECK(scanpress_options_set(options, "sync", "false", message, sizeof message) ==
              SCANPRESS_RESULT_OK,
          "sync false");
    /* A message cut short to a tiny buffer is still terminated. */
    char tiny[4];
    scanpress_options_set(options, "nope", "x", tiny, sizeof tiny);
    CHECK(strlen(tiny) == 3, "message cut to fit");
    CHECK(scanpress_options_set(NULL, "codec", "g4", message, sizeof message) ==
              SCANPRESS_RESULT_INVALID_ARGUMENT,
          "null options refused");

    size_t len = 0;
    unsigned char *scan = read_file(argv[1], &len);
    CHECK(scan != NULL && len > 0, "read input");

    /* From a buffer. */
    ScanpressOutput *output = NULL;
    CHECK(scanpress_compress_buffer(options, scan, len, "scan.tif", &output, message,
                                    sizeof message) == SCANPRESS_RESULT_OK,
          "compress buffer");
    size_t pdf_len = 0;
    const uint8_t *pdf = scanpress_output_data(output, &pdf_len);
    CHECK(pdf != NULL && pdf_len > 4 && memcmp(pdf, "%PDF", 4) == 0, "a PDF");
    CHECK(pdf_len < len, "smaller than the scan");
    CHECK(scanpress_output_pages(output) >= 1, "pages");
    FILE *f = fopen(argv[2], "wb");
    CHECK(f != NULL && fwrite(pdf, 1, pdf_len, f) == pdf_len, "write output");
    fclose(f);

    size_t needed = 0;
    CHECK(scanpress_output_report(output, NULL, 0, &needed) == SCANPRESS_RESULT_OK && needed > 1,
          "report size");
    char *report = malloc(needed);
    CHECK(scanpress_output_report(output, report, needed - 1, NULL) ==
              SCANPRESS_RESULT_INVALID_ARGUMENT,
          "small report buffer refused");
    CHECK(scanpress_output_report(output, report, needed, NULL) == SCANPRESS_RESULT_OK,
          "report");
    CHECK(strlen(report) == needed - 1 && strstr(report, "\"status\": \"done\"") != NULL,
          "report says done");
    free(report);

    /* A truncated scan is an error with its reason, and no output. */
    ScanpressOutput *bad = NULL;
    ScanpressResult result =
        scanpress_compress_buffer(options, scan, len / 3, "scan.tif", &bad, message, sizeof message);
    CHECK(result != SCANPRESS_RESULT_OK && bad == NULL && strlen(message) > 0, "truncated refused");

    /* From a file, with its report. */
    ScanpressOutput *file_report = NULL;
    CHECK(scanpress_compress_file(options, argv[1], argv[3], &file_report, message,
                                  sizeof message) == SCANPRESS_RESULT_OK,
          "compress file");
    CHECK(scanpress_output_pages(file_report) == scanpress_output_pages(output), "same pages");
    scanpress_output_free(file_report);
    CHECK(scanpress_compress_file(options, "/nonexistent/scan.tif", argv[3], NULL, message,
                                  sizeof message) == SCANPRESS_RESULT_IO,
          "missing file is an I/O error");

    /* The viewer's decoder, fed the PDF a chunk at a time. */
    ScanpressDecoder *decoder = scanpress_decoder_new("letter.pdf");
    uint32_t width = 0, height = 0;
    const uint8_t *pixels = NULL;
    size_t shown_at = feed_in_chunks(decoder, pdf, pdf_len, chunk);
    CHECK(scanpress_decoder_finish(decoder) == SCANPRESS_RESULT_OK, "finish");
    CHECK(scanpress_decoder_push(decoder, pdf, 1, message, sizeof message) ==
              SCANPRESS_RESULT_INVALID_ARGUMENT,
          "push after finish refused");
    CHECK(scanpress_decoder_image(decoder, &width, &height, &pixels, message, sizeof message) ==
              SCANPRESS_RESULT_OK,
          "final image");
    CHECK(shown_at > 0, "shown once its bytes arrived");
    printf("decoded %ux%u %zu\n", width, height, count_black(pixels, width, height));
    scanpress_decoder_free(decoder);

    /* A truncated document never decodes, and says so once finished. */
    decoder = scanpress_decoder_new("letter.pdf");
    scanpress_decoder_push(decoder, pdf, pdf_len / 2, message, sizeof message);
    CHECK(scanpress_decoder_image(decoder, &width, &height, &pixels, message, sizeof message) ==
              SCANPRESS_RESULT_NOT_YET,
          "half a document: not yet");
    scanpress_decoder_finish(decoder);
    result = scanpress_decoder_image(decoder, &width, &height, &pixels, message, sizeof message);
    CHECK(result != SCANPRESS_RESULT_OK && result != SCANPRESS_RESULT_NOT_YET, "half: an error");
    scanpress_decoder_free(decoder);

    /* A JBIG1 file with resolution layers, fed in small chunks: a preview at the page's size
     * shows before the last byte, and the page at the end. */
    CHECK(scanpress_options_set(options, "format", "jbg", message, sizeof message) ==
              SCANPRESS_RESULT_OK,
          "format jbg");
    CHECK(scanpress_options_set(options, "codec", "jbig1", message, sizeof message) ==
              SCANPRESS_RESULT_OK,
          "codec jbig1");
    ScanpressOutput *jbg = NULL;
    CHECK(scanpress_compress_buffer(options, scan, len, "scan.tif", &jbg, message, sizeof message) ==
              SCANPRESS_RESULT_OK,
          "compress to JBIG1");
    size_t jbg_len = 0;
    const uint8_t *bie = scanpress_output_data(jbg, &jbg_len);
    decoder = scanpress_decoder_new("letter.jbg");
    size_t first_view = feed_in_chunks(decoder, bie, jbg_len, chunk);
    CHECK(first_view > 0 && first_view < jbg_len, "a layer shown before the end");
    CHECK(scanpress_decoder_finish(decoder) == SCANPRESS_RESULT_OK, "finish JBIG1");
    CHECK(scanpress_decoder_image(decoder, &width, &height, &pixels, message, sizeof message) ==
              SCANPRESS_RESULT_OK,
          "final JBIG1 image");
    printf("progressive %ux%u %zu first view after %zu of %zu bytes\n", width, height,
           count_black(pixels, width, height), first_view, jbg_len);
    scanpress_decoder_free(decoder);
    scanpress_output_free(jbg);

    scanpress_output_free(output);
    scanpress_options_free(options);
    scanpress_output_free(NULL);
    scanpress_options_free(NULL);
    scanpress_decoder_free(NULL);
    free(scan);
    printf("ok\n");
    return 0;
}
