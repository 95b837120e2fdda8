#ifndef CJPEGCODEC_H
#define CJPEGCODEC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Result codes of the codec entry points. */
enum {
    CJPEG_OK = 0,
    CJPEG_ERR_LIBJPEG = 1,   /* libjpeg rejected the stream; message says why */
    CJPEG_ERR_TRUNCATED = 2, /* the stream ended before the image was complete */
    CJPEG_ERR_NOMEM = 3,
    CJPEG_ERR_ARGUMENT = 4
};

/* Where a codec call reports a failure: a code and libjpeg's message. */
typedef struct {
    int code;
    char message[200];
} cjpeg_status;

/* A decoded picture: interleaved 8-bit RGB, rows top to bottom, as stored (no
   EXIF orientation applied). `pixels` is malloc'ed; release with cjpeg_free. */
typedef struct {
    uint8_t *pixels;
    int width;
    int height;
    int components;     /* components in the file: 1 gray, 3 YCbCr/RGB, 4 CMYK/YCCK */
    int progressive;
    int scale_denom;    /* DCT scaling used: 1, 2, 4 or 8 */
    int warnings;       /* libjpeg warnings tolerated (minor corruption) */
} cjpeg_decoded;

/* Decodes a JPEG stream held in memory to RGB. Grayscale is replicated to three
   channels; CMYK and YCCK are converted with Adobe's inverted-CMYK convention.
   `scale_denom` (1, 2, 4 or 8) asks libjpeg for a reduced-size decode.
   Returns CJPEG_OK or an error code, with the message in `status`. */
int cjpeg_decode(const uint8_t *data, size_t size, int scale_denom,
                 cjpeg_decoded *out, cjpeg_status *status);

/* Encodes interleaved 8-bit RGB (components 3) or gray (components 1) rows to a
   JPEG stream in a malloc'ed buffer (release with cjpeg_free). */
int cjpeg_encode(const uint8_t *pixels, int width, int height, int components,
                 int quality, int progressive,
                 uint8_t **out_data, size_t *out_size, cjpeg_status *status);

void cjpeg_free(void *p);

#ifdef __cplusplus
}
#endif

#endif
