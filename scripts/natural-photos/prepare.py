#!/usr/bin/env python3
"""Builds a small natural-photo check set for selective search from the sample
photographs that ship inside the scikit-image wheel (not committed here).

    python3 scripts/natural-photos/prepare.py OUT_DIR
    DETECT=.build/release/detect scripts/compare_proposals.sh OUT_DIR OUT_DIR/list.txt 500

Needs pip (to download the wheel, no install) and OpenCV's Python package
(`opencv-contrib-python-headless`, also used by scripts/opencv_selective_search.py)
to write JPEGs. The boxes in annotations/ were drawn by hand on a pixel grid
(coins: tight boxes from thresholding, checked by eye); two images are also
upscaled 2.5x and 3x to vary the size.
"""
import glob, os, shutil, subprocess, sys, tempfile, zipfile

import cv2
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCES = {"astronaut": "astronaut.png", "chelsea": "chelsea.png", "coffee": "coffee.png",
           "rocket": "rocket.jpg", "motorcycle_left": "motorcycle_left.png", "camera": "camera.png",
           "coins": "coins.png"}
UPSCALED = {"motorcycle_large": ("motorcycle_left", 2.5), "coffee_large": ("coffee", 3.0)}


def main(out):
    os.makedirs(os.path.join(out, "images"), exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                        "scikit-image==0.26.0", "-d", tmp], check=True)
        wheel = zipfile.ZipFile(glob.glob(os.path.join(tmp, "*.whl"))[0])
        for stem, name in SOURCES.items():
            data = np.frombuffer(wheel.read("skimage/data/" + name), np.uint8)
            image = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
            if image.ndim == 3 and image.shape[2] == 4:
                image = image[:, :, :3]
            cv2.imwrite(os.path.join(out, "images", stem + ".jpg"), image, [cv2.IMWRITE_JPEG_QUALITY, 95])
    for stem, (source, factor) in UPSCALED.items():
        image = cv2.imread(os.path.join(out, "images", source + ".jpg"))
        image = cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
        cv2.imwrite(os.path.join(out, "images", stem + ".jpg"), image, [cv2.IMWRITE_JPEG_QUALITY, 92])
    shutil.copytree(os.path.join(HERE, "annotations"), os.path.join(out, "annotations"), dirs_exist_ok=True)
    shutil.copy(os.path.join(HERE, "list.txt"), os.path.join(out, "list.txt"))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "out/natural-photos")
