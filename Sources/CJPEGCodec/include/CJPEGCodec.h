#ifndef CJPEGCODEC_H
#define CJPEGCODEC_H
#endif
