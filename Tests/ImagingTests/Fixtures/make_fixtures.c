/* Generates the JPEG fixtures of ImagingTests and the BCCD reference pixels.
   Built and run by make_fixtures.sh; its outputs are committed, so tests need
   neither this program nor any image tool. It talks to libjpeg directly, not
   through the Imaging target, so the expected values do not come from the code
   under test. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>

enum { W = 64, H = 64 };

/* Quadrant pattern: the colour of (x, y) given four colours TL, TR, BL, BR. */
static void quadrants(unsigned char *buf, int comps, const unsigned char q[4][4]) {
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            const unsigned char *c = q[(y >= H / 2) * 2 + (x >= W / 2)];
            memcpy(buf + (y * W + x) * comps, c, (size_t)comps);
        }
}

static void write_jpeg(const char *path, const unsigned char *buf, int comps,
                       J_COLOR_SPACE in, J_COLOR_SPACE coded, int progressive, int adobe) {
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr e;
    FILE *f = fopen(path, "wb");
    if (!f) { perror(path); exit(1); }
    c.err = jpeg_std_error(&e);
    jpeg_create_compress(&c);
    jpeg_stdio_dest(&c, f);
    c.image_width = W; c.image_height = H;
    c.input_components = comps; c.in_color_space = in;
    jpeg_set_defaults(&c);
    jpeg_set_colorspace(&c, coded);  /* CMYK/YCCK also get an Adobe marker... */
    if (!adobe) c.write_Adobe_marker = FALSE;  /* ...unless asked not to */
    jpeg_set_quality(&c, 95, TRUE);
    if (progressive) jpeg_simple_progression(&c);
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < H) {
        JSAMPROW row = (JSAMPROW)(buf + c.next_scanline * W * comps);
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    fclose(f);
}

/* Decodes `path` with libjpeg's defaults and prints the pixels that the test
   compares against, plus the per-channel mean over the whole image. */
static void reference(const char *path, const char *out) {
    struct jpeg_decompress_struct d;
    struct jpeg_error_mgr e;
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(1); }
    d.err = jpeg_std_error(&e);
    jpeg_create_decompress(&d);
    jpeg_stdio_src(&d, f);
    jpeg_read_header(&d, TRUE);
    d.out_color_space = JCS_RGB;
    jpeg_start_decompress(&d);
    int w = (int)d.output_width, h = (int)d.output_height;
    unsigned char *px = malloc((size_t)w * h * 3);
    while (d.output_scanline < d.output_height) {
        JSAMPROW row = px + (size_t)d.output_scanline * w * 3;
        jpeg_read_scanlines(&d, &row, 1);
    }
    jpeg_finish_decompress(&d);
    jpeg_destroy_decompress(&d);
    fclose(f);
    FILE *o = fopen(out, "w");
    fprintf(o, "size %d %d\n", w, h);
    const int pts[][2] = { {0, 0}, {w - 1, 0}, {0, h - 1}, {w - 1, h - 1}, {w / 2, h / 2},
                           {100, 50}, {17, 399}, {511, 123}, {333, 444}, {600, 7} };
    for (size_t i = 0; i < sizeof pts / sizeof pts[0]; i++) {
        const unsigned char *p = px + ((size_t)pts[i][1] * w + pts[i][0]) * 3;
        fprintf(o, "pixel %d %d %d %d %d\n", pts[i][0], pts[i][1], p[0], p[1], p[2]);
    }
    double sum[3] = { 0, 0, 0 };
    for (size_t i = 0; i < (size_t)w * h; i++)
        for (int c = 0; c < 3; c++) sum[c] += px[3 * i + c];
    fprintf(o, "mean %.4f %.4f %.4f\n", sum[0] / ((double)w * h), sum[1] / ((double)w * h), sum[2] / ((double)w * h));
    fclose(o);
    free(px);
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: %s BCCD_IMAGES_DIR\n", argv[0]); return 2; }
    static unsigned char buf[W * H * 4];

    /* RGB quadrants: red, green / blue, light grey. */
    const unsigned char rgb[4][4] = { {220, 30, 40}, {30, 200, 60}, {40, 50, 210}, {240, 240, 240} };
    quadrants(buf, 3, rgb);
    write_jpeg("progressive.jpg", buf, 3, JCS_RGB, JCS_YCbCr, 1, 0);

    /* Grayscale: 50 / 200 on top, 120 / 0 below. */
    const unsigned char gray[4][4] = { {50}, {200}, {120}, {0} };
    quadrants(buf, 1, gray);
    write_jpeg("gray.jpg", buf, 1, JCS_GRAYSCALE, JCS_GRAYSCALE, 0, 0);

    /* CMYK ink amounts, stored inverted as Adobe does (255 = no ink):
       red (0,255,255,0), green (255,0,255,0), 50% black (0,0,0,128),
       dark yellow (0,0,255,64) -> RGB (255,0,0) (0,255,0) (127,127,127) (191,191,0). */
    const unsigned char ink[4][4] = { {0, 255, 255, 0}, {255, 0, 255, 0}, {0, 0, 0, 128}, {0, 0, 255, 64} };
    unsigned char inverted[4][4];
    for (int q = 0; q < 4; q++)
        for (int k = 0; k < 4; k++) inverted[q][k] = (unsigned char)(255 - ink[q][k]);
    quadrants(buf, 4, (const unsigned char (*)[4])inverted);
    write_jpeg("cmyk_adobe.jpg", buf, 4, JCS_CMYK, JCS_CMYK, 0, 1);
    write_jpeg("ycck_adobe.jpg", buf, 4, JCS_CMYK, JCS_YCCK, 1, 1);
    /* Without an Adobe marker the samples are plain ink amounts. */
    quadrants(buf, 4, ink);
    write_jpeg("cmyk_plain.jpg", buf, 4, JCS_CMYK, JCS_CMYK, 0, 0);

    char path[4096];
    snprintf(path, sizeof path, "%s/BloodImage_00000.jpg", argv[1]);
    reference(path, "bccd_00000_reference.txt");
    return 0;
}
