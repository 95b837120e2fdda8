#include "CJPEGCodec.h"
#include <stdio.h>
#include <jpeglib.h>
