#include "CJPEGCodec.h"
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>

/* libjpeg's default error_exit prints and calls exit(); a library must never do
   that, so errors jump back to the entry point, which turns them into a code. */
typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf escape;
    int code;
    int warnings;
    char message[JMSG_LENGTH_MAX];
} codec_error_mgr;

static void codec_error_exit(j_common_ptr cinfo) {
    codec_error_mgr *err = (codec_error_mgr *)cinfo->err;
    if (err->code == CJPEG_OK) err->code = CJPEG_ERR_LIBJPEG;
    (*cinfo->err->format_message)(cinfo, err->message);
    longjmp(err->escape, 1);
}

/* libjpeg reports a stream that ends early only as a warning and pads the rest
   of the picture with grey; a silently half-grey training image is worse than an
   error, so that one warning aborts. Other warnings (stray bytes between
   markers and the like) are common in camera files and decode fine: counted. */
static void codec_emit_message(j_common_ptr cinfo, int msg_level) {
    codec_error_mgr *err = (codec_error_mgr *)cinfo->err;
    if (msg_level >= 0) return; /* trace messages */
    if (cinfo->err->msg_code == JWRN_JPEG_EOF) {
        err->code = CJPEG_ERR_TRUNCATED;
        (*cinfo->err->format_message)(cinfo, err->message);
        longjmp(err->escape, 1);
    }
    err->warnings += 1;
}

static void codec_output_message(j_common_ptr cinfo) { (void)cinfo; }

static void init_error_mgr(codec_error_mgr *err) {
    memset(err, 0, sizeof(*err));
    jpeg_std_error(&err->base);
    err->base.error_exit = codec_error_exit;
    err->base.emit_message = codec_emit_message;
    err->base.output_message = codec_output_message;
    err->code = CJPEG_OK;
}

static void set_status(cjpeg_status *status, int code, const char *message) {
    if (!status) return;
    status->code = code;
    snprintf(status->message, sizeof(status->message), "%s", message);
}

/* Converts one row of CMYK samples to RGB in place-compatible order (4 -> 3 bytes).
   Adobe writes CMYK JPEGs with every sample inverted (255 = no ink), and both
   Photoshop and libjpeg-based readers assume so whenever an Adobe marker is
   present; without it the samples are plain ink amounts. */
static void cmyk_row_to_rgb(const uint8_t *src, uint8_t *dst, int width, int inverted) {
    for (int x = 0; x < width; x++) {
        unsigned c = src[4 * x], m = src[4 * x + 1], y = src[4 * x + 2], k = src[4 * x + 3];
        if (!inverted) { c = 255 - c; m = 255 - m; y = 255 - y; k = 255 - k; }
        dst[3 * x] = (uint8_t)((c * k + 127) / 255);
        dst[3 * x + 1] = (uint8_t)((m * k + 127) / 255);
        dst[3 * x + 2] = (uint8_t)((y * k + 127) / 255);
    }
}

int cjpeg_decode(const uint8_t *data, size_t size, int scale_denom,
                 cjpeg_decoded *out, cjpeg_status *status) {
    if (!data || size == 0 || !out) {
        set_status(status, CJPEG_ERR_ARGUMENT, "empty input");
        return CJPEG_ERR_ARGUMENT;
    }
    if (scale_denom != 1 && scale_denom != 2 && scale_denom != 4 && scale_denom != 8) {
        set_status(status, CJPEG_ERR_ARGUMENT, "scale denominator must be 1, 2, 4 or 8");
        return CJPEG_ERR_ARGUMENT;
    }
    memset(out, 0, sizeof(*out));

    struct jpeg_decompress_struct cinfo;
    codec_error_mgr err;
    init_error_mgr(&err);
    cinfo.err = &err.base;
    /* Kept in memory (not registers) so they survive the longjmp. */
    uint8_t *volatile pixels = NULL;
    uint8_t *volatile row = NULL;

    if (setjmp(err.escape)) {
        free(pixels);
        free(row);
        jpeg_destroy_decompress(&cinfo);
        set_status(status, err.code, err.message);
        return err.code;
    }

    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);

    int cmyk = 0;
    switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE:
    case JCS_YCbCr:
    case JCS_RGB:
        cinfo.out_color_space = JCS_RGB;
        break;
    case JCS_CMYK:
    case JCS_YCCK:
        cinfo.out_color_space = JCS_CMYK;
        cmyk = 1;
        break;
    default:
        err.code = CJPEG_ERR_LIBJPEG;
        snprintf(err.message, sizeof(err.message),
                 "unsupported colour space with %d components", cinfo.num_components);
        longjmp(err.escape, 1);
    }
    cinfo.scale_num = 1;
    cinfo.scale_denom = (unsigned)scale_denom;
    jpeg_start_decompress(&cinfo);

    const int width = (int)cinfo.output_width, height = (int)cinfo.output_height;
    const size_t stride = (size_t)width * 3;
    pixels = (uint8_t *)malloc(stride * (size_t)height);
    if (cmyk) row = (uint8_t *)malloc((size_t)width * 4);
    if (!pixels || (cmyk && !row)) {
        err.code = CJPEG_ERR_NOMEM;
        snprintf(err.message, sizeof(err.message), "out of memory for a %dx%d image", width, height);
        longjmp(err.escape, 1);
    }
    const int inverted = cinfo.saw_Adobe_marker;
    while (cinfo.output_scanline < cinfo.output_height) {
        uint8_t *dst = pixels + stride * cinfo.output_scanline;
        JSAMPROW rows[1] = { cmyk ? row : dst };
        if (jpeg_read_scanlines(&cinfo, rows, 1) != 1) break;
        if (cmyk) cmyk_row_to_rgb(row, dst, width, inverted);
    }
    jpeg_finish_decompress(&cinfo);

    out->pixels = pixels;
    out->width = width;
    out->height = height;
    out->components = cinfo.num_components;
    out->progressive = cinfo.progressive_mode ? 1 : 0;
    out->scale_denom = scale_denom;
    out->warnings = err.warnings;
    free(row);
    jpeg_destroy_decompress(&cinfo);
    set_status(status, CJPEG_OK, "");
    return CJPEG_OK;
}

int cjpeg_encode(const uint8_t *pixels, int width, int height, int components,
                 int quality, int progressive,
                 uint8_t **out_data, size_t *out_size, cjpeg_status *status) {
    if (!pixels || !out_data || !out_size || width <= 0 || height <= 0 ||
        (components != 1 && components != 3) || quality < 1 || quality > 100) {
        set_status(status, CJPEG_ERR_ARGUMENT, "invalid encoder arguments");
        return CJPEG_ERR_ARGUMENT;
    }
    *out_data = NULL;
    *out_size = 0;

    struct jpeg_compress_struct cinfo;
    codec_error_mgr err;
    init_error_mgr(&err);
    cinfo.err = &err.base;
    unsigned char *volatile buffer = NULL;
    unsigned long buffer_size = 0;

    if (setjmp(err.escape)) {
        jpeg_destroy_compress(&cinfo);
        free(buffer);
        set_status(status, err.code, err.message);
        return err.code;
    }

    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, (unsigned char **)&buffer, &buffer_size);
    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = components;
    cinfo.in_color_space = components == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    if (progressive) jpeg_simple_progression(&cinfo);
    jpeg_start_compress(&cinfo, TRUE);
    const size_t stride = (size_t)width * (size_t)components;
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW rows[1] = { (JSAMPROW)(pixels + stride * cinfo.next_scanline) };
        jpeg_write_scanlines(&cinfo, rows, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    *out_data = buffer;
    *out_size = (size_t)buffer_size;
    set_status(status, CJPEG_OK, "");
    return CJPEG_OK;
}

void cjpeg_free(void *p) { free(p); }
