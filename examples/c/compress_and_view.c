/* The clinical system's two uses of scanpress from C: compress a new scan to PDF, and show a
 * document at the branch while its bytes arrive over the line (here read from a file in 1 KB
 * pieces).
 *
 *   cargo build --release
 *   gcc -I include examples/c/compress_and_view.c target/release/libscanpress.a \
 *       -lpthread -ldl -lm -o compress_and_view
 *   ./compress_and_view scan.tif scan.pdf
 */

#include <stdio.h>
#include <stdlib.h>

#include "scanpress.h"

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: compress_and_view SCAN OUT.pdf\n");
        return 2;
    }
    char message[512];
    ScanpressOptions *options = scanpress_options_new();
    scanpress_options_set(options, "link", "64k", message, sizeof message);

    ScanpressOutput *report = NULL;
    if (scanpress_compress_file(options, argv[1], argv[2], &report, message, sizeof message) !=
        SCANPRESS_RESULT_OK) {
        fprintf(stderr, "%s: %s\n", argv[1], message);
        scanpress_options_free(options);
        return 1;
    }
    printf("%s -> %s: %zu pages\n", argv[1], argv[2], scanpress_output_pages(report));
    scanpress_output_free(report);
    scanpress_options_free(options);

    /* The viewer: push the bytes as they arrive, show the best image so far. */
    FILE *f = fopen(argv[2], "rb");
    if (!f) {
        perror(argv[2]);
        return 1;
    }
    ScanpressDecoder *decoder = scanpress_decoder_new(argv[2]);
    unsigned char piece[1024];
    size_t n, arrived = 0;
    int shown = 0;
    while ((n = fread(piece, 1, sizeof piece, f)) > 0) {
        arrived += n;
        scanpress_decoder_push(decoder, piece, n, message, sizeof message);
        uint32_t width, height;
        const uint8_t *pixels;
        if (!shown && scanpress_decoder_image(decoder, &width, &height, &pixels, message,
                                              sizeof message) == SCANPRESS_RESULT_OK) {
            printf("page 1 shown after %zu bytes (%.1f s at 64 kbit/s): %ux%u\n", arrived,
                   arrived / 8000.0, width, height);
            shown = 1;
        }
    }
    fclose(f);
    scanpress_decoder_finish(decoder);
    scanpress_decoder_free(decoder);
    return shown ? 0 : 1;
}
