#!/usr/bin/env python3
"""OpenCV's selective search (ximgproc, fast mode) on an annotated VOC folder,
with the same downscale, box conventions and metrics as `detect bench proposals`,
for side-by-side comparison. Optional: needs `pip install opencv-contrib-python-headless`.

    python3 scripts/opencv_selective_search.py IMAGES_DIR --annotations DIR \
        [--list split.txt] [--max-side 500] [--json]
"""
import argparse
import json
import os
import sys
import time
import xml.etree.ElementTree as ET

import cv2
import numpy as np


def read_voc(path):
    root = ET.parse(path).getroot()
    filename = root.findtext("filename")
    objects = []
    for obj in root.iter("object"):
        bb = obj.find("bndbox")
        xmin, ymin, xmax, ymax = (float(bb.findtext(t)) for t in ("xmin", "ymin", "xmax", "ymax"))
        # VOC 1-based inclusive -> 0-based, x2/y2 exclusive.
        objects.append((obj.findtext("name"), (xmin - 1, ymin - 1, xmax, ymax)))
    return filename, objects


def best_iou(gt, boxes, with_box=False):
    if len(boxes) == 0:
        return (0.0, None) if with_box else 0.0
    w = np.minimum(boxes[:, 2], gt[2]) - np.maximum(boxes[:, 0], gt[0])
    h = np.minimum(boxes[:, 3], gt[3]) - np.maximum(boxes[:, 1], gt[1])
    inter = np.where((w > 0) & (h > 0), w * h, 0.0)
    area_b = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    area_g = (gt[2] - gt[0]) * (gt[3] - gt[1])
    iou = inter / (area_b + area_g - inter)
    i = int(np.argmax(iou))
    return (float(iou[i]), boxes[i]) if with_box else float(iou[i])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("images_dir")
    ap.add_argument("--annotations", required=True)
    ap.add_argument("--list", help="only these stems, one per line")
    ap.add_argument("--max-side", type=int, default=500, help="0: no downscale")
    ap.add_argument("--mode", choices=["fast", "single", "quality"], default="fast")
    ap.add_argument("--base-k", type=int, default=150, help="fast/quality: first k (OpenCV's default 150)")
    ap.add_argument("--inc-k", type=int, default=150, help="fast/quality: k step (OpenCV's default 150)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--verbose", action="store_true", help="print each ground-truth box's best overlap")
    args = ap.parse_args()

    stems = sorted(f[:-4] for f in os.listdir(args.annotations) if f.lower().endswith(".xml"))
    if args.list:
        wanted = {l.strip() for l in open(args.list) if l.strip()}
        stems = [s for s in stems if s in wanted]

    ss = cv2.ximgproc.segmentation.createSelectiveSearchSegmentation()
    seconds, cpu_seconds, nboxes, images = 0.0, 0.0, 0, 0
    overlaps = []
    sizes = []
    for stem in stems:
        filename, objects = read_voc(os.path.join(args.annotations, stem + ".xml"))
        image = cv2.imread(os.path.join(args.images_dir, filename or stem + ".jpg"))
        if image is None:
            print(f"skipping {stem}: cannot read image", file=sys.stderr)
            continue
        h, w = image.shape[:2]
        if args.max_side > 0 and max(w, h) > args.max_side:
            scale = args.max_side / max(w, h)
            size = (max(1, round(w * scale)), max(1, round(h * scale)))
            small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        else:
            small = image
        sx, sy = small.shape[1] / w, small.shape[0] / h
        start, cpu_start = time.perf_counter(), time.process_time()
        ss.setBaseImage(small)
        if args.mode == "fast":
            ss.switchToSelectiveSearchFast(args.base_k, args.inc_k)
        elif args.mode == "quality":
            ss.switchToSelectiveSearchQuality(args.base_k, args.inc_k)
        else:
            ss.switchToSingleStrategy()
        rects = ss.process()
        seconds += time.perf_counter() - start
        cpu_seconds += time.process_time() - cpu_start
        rects = np.asarray(rects, dtype=np.float64).reshape(-1, 4)
        boxes = np.stack([rects[:, 0], rects[:, 1], rects[:, 0] + rects[:, 2], rects[:, 1] + rects[:, 3]], 1)
        nboxes += len(boxes)
        images += 1
        for label, (x1, y1, x2, y2) in objects:
            gt = (x1 * sx, y1 * sy, x2 * sx, y2 * sy)
            best, box = best_iou(gt, boxes, with_box=True)
            overlaps.append((label, best))
            sizes.append((gt[2] - gt[0]) * (gt[3] - gt[1]))
            if args.verbose:
                found = "none" if box is None else "(%.0f, %.0f, %.0f, %.0f)" % tuple(box)
                print(f"  {stem} {label} (%.0f, %.0f, %.0f, %.0f) best IoU {best:.3f} by {found}" % gt)

    ious = np.array([o for _, o in overlaps])
    classes = sorted({l for l, _ in overlaps})
    class_abo = {c: float(np.mean([o for l, o in overlaps if l == c])) for c in classes}
    result = {
        "mode": "opencv-" + args.mode,
        "images": images,
        "seconds_per_image": round(seconds / images, 6),
        "boxes_per_image": round(nboxes / images, 3),
        "recall_at_0_5": round(float(np.mean(ious >= 0.5)), 6),
        "recall_at_0_7": round(float(np.mean(ious >= 0.7)), 6),
        "mabo": round(float(np.mean(list(class_abo.values()))), 6),
    }
    print(f"OpenCV {cv2.__version__} selective search {args.mode}, max side {args.max_side}, threads {cv2.getNumThreads()}")
    print(f"CPU time of all threads per image {cpu_seconds / images:.4f}")
    print(f"ABO over all boxes {float(np.mean(ious)):.4f}; per class " +
          ", ".join(f"{c} {v:.4f}" for c, v in class_abo.items()))
    for name, lo, hi in (("small (< 32² px)", 0, 32 ** 2), ("medium", 32 ** 2, 96 ** 2), ("large (≥ 96² px)", 96 ** 2, float("inf"))):
        part = np.array([o for o, a in zip(ious, sizes) if lo <= a < hi])
        if len(part):
            print(f"  {name} at the searched scale: {len(part)} boxes, ABO {part.mean():.4f}, "
                  f"recall@0.5 {np.mean(part >= 0.5):.4f}, @0.7 {np.mean(part >= 0.7):.4f}")
    print(json.dumps(result) if args.json else "\n".join(f"{k}: {v}" for k, v in result.items()))


if __name__ == "__main__":
    main()
