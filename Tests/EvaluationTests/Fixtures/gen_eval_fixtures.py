#!/usr/bin/env python3
"""Generates the evaluation parity fixtures for EvaluationTests.

Run once (needs numpy and pycocotools: `pip install pycocotools`):
    python3 Tests/EvaluationTests/Fixtures/gen_eval_fixtures.py

For each case it writes <case>.json holding COCO-style ground truth, detections,
and the numbers the reference implementations printed for them:
  - "coco": COCOeval(iouType="bbox").stats (12 values) and per-category AP,
    computed by pycocotools itself;
  - "voc": VOC area AP and VOC07 11-point AP per category, computed by the
    Pascal VOC devkit algorithm re-implemented below in numpy (IoU >= 0.5,
    difficult ground truth neither TP nor FP).
Coordinates are multiples of 1/4 px so float32 and float64 agree exactly.
"""
import json, os, sys, contextlib, io
import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

HERE = os.path.dirname(os.path.abspath(__file__))


def q(v):
    return float(np.round(v * 4) / 4)


def make_case(seed, n_images, cats, crowd_rate, dets_per_gt, fp_per_image, big_image):
    rng = np.random.default_rng(seed)
    images, anns, dets = [], [], []
    ann_id = 1000000000007  # 64-bit ids
    for i in range(n_images):
        img_id = 5000000000 + 17 * i
        W, H = int(rng.integers(200, 900)), int(rng.integers(200, 900))
        images.append({"id": img_id, "width": W, "height": H, "file_name": f"img{i}.jpg"})
        n_gt = 0 if i == 1 else int(rng.integers(1, 12))  # image 1 has no ground truth
        for _ in range(n_gt):
            cat = int(rng.choice(cats))
            w = q(rng.uniform(4, min(300, W - 2)))
            h = q(rng.uniform(4, min(300, H - 2)))
            x = q(rng.uniform(0, W - w))
            y = q(rng.uniform(0, H - h))
            crowd = int(rng.random() < crowd_rate)
            a = {"id": ann_id, "image_id": img_id, "category_id": cat, "bbox": [x, y, w, h],
                 "iscrowd": crowd, "difficult": int(rng.random() < 0.1)}
            # Segmentation-style areas differ from w*h; COCO uses them for the size ranges.
            a["area"] = q(w * h * (0.8 if rng.random() < 0.3 else 1.0))
            ann_id += 3
            anns.append(a)
            for _ in range(int(rng.integers(0, dets_per_gt + 1))):
                jx, jy = rng.normal(0, 0.05 * w), rng.normal(0, 0.05 * h)
                sw, sh = np.exp(rng.normal(0, 0.07)), np.exp(rng.normal(0, 0.07))
                dw, dh = q(max(1, w * sw)), q(max(1, h * sh))
                dx, dy = q(x + jx), q(y + jy)
                # Detections of the "no detections" class are dropped below.
                dcat = cat if rng.random() < 0.85 else int(rng.choice(cats))
                dets.append({"image_id": img_id, "category_id": dcat, "bbox": [dx, dy, dw, dh],
                             "score": float(np.round(rng.uniform(0.05, 1.0), 2))})  # ties on purpose
        for _ in range(fp_per_image):
            w, h = q(rng.uniform(4, 200)), q(rng.uniform(4, 200))
            dets.append({"image_id": img_id, "category_id": int(rng.choice(cats)),
                         "bbox": [q(rng.uniform(0, W - w)), q(rng.uniform(0, H - h)), w, h],
                         "score": float(np.round(rng.uniform(0.0, 0.6), 2))})
    if big_image:
        img_id = images[0]["id"]
        for k in range(140):  # more than maxDets=100 on one image
            w, h = q(rng.uniform(8, 120)), q(rng.uniform(8, 120))
            dets.append({"image_id": img_id, "category_id": int(cats[0]),
                         "bbox": [q(rng.uniform(0, 100)), q(rng.uniform(0, 100)), w, h],
                         "score": float(np.round(rng.uniform(0.0, 1.0), 3))})
    return images, anns, dets


def voc_ap(rec, prec, use07):
    if use07:
        ap = 0.0
        for t in np.arange(0.0, 1.1, 0.1):
            p = np.max(prec[rec >= t]) if np.sum(rec >= t) > 0 else 0.0
            ap += p / 11.0
        return ap
    mrec = np.concatenate(([0.0], rec, [1.0]))
    mpre = np.concatenate(([0.0], prec, [0.0]))
    for i in range(mpre.size - 1, 0, -1):
        mpre[i - 1] = max(mpre[i - 1], mpre[i])
    i = np.where(mrec[1:] != mrec[:-1])[0]
    return float(np.sum((mrec[i + 1] - mrec[i]) * mpre[i + 1]))


def voc_eval(anns, dets, cat, use07):
    gts = {}
    npos = 0
    for a in anns:
        if a["category_id"] != cat:
            continue
        x, y, w, h = a["bbox"]
        ignored = bool(a["difficult"] or a["iscrowd"])  # crowd regions count as difficult
        gts.setdefault(a["image_id"], []).append([x, y, x + w, y + h, ignored, False])
        npos += 0 if ignored else 1
    ds = [d for d in dets if d["category_id"] == cat]
    order = np.argsort([-d["score"] for d in ds], kind="mergesort")
    tp, fp = np.zeros(len(ds)), np.zeros(len(ds))
    for k, di in enumerate(order):
        d = ds[di]
        x, y, w, h = d["bbox"]
        bb = [x, y, x + w, y + h]
        best, jbest = -np.inf, -1
        for j, g in enumerate(gts.get(d["image_id"], [])):
            iw = min(bb[2], g[2]) - max(bb[0], g[0])
            ih = min(bb[3], g[3]) - max(bb[1], g[1])
            if iw <= 0 or ih <= 0:
                continue
            inter = iw * ih
            uni = (bb[2] - bb[0]) * (bb[3] - bb[1]) + (g[2] - g[0]) * (g[3] - g[1]) - inter
            o = inter / uni
            if o > best:
                best, jbest = o, j
        if best >= 0.5:
            g = gts[d["image_id"]][jbest]
            if g[4]:
                continue
            if not g[5]:
                tp[k] = 1
                g[5] = True
            else:
                fp[k] = 1
        else:
            fp[k] = 1
    if npos == 0:
        return None
    tp, fp = np.cumsum(tp), np.cumsum(fp)
    rec = tp / npos
    prec = tp / np.maximum(tp + fp, np.finfo(np.float64).eps)
    return voc_ap(rec, prec, use07)


def run_case(name, seed, **kw):
    cats = kw.pop("cats")
    images, anns, dets = make_case(seed, cats=cats, **kw)
    no_det_cat = cats[-1]  # a class with no detections at all
    dets = [d for d in dets if d["category_id"] != no_det_cat]
    categories = [{"id": c, "name": f"class{c}"} for c in cats]
    gt = {"images": images, "annotations": anns, "categories": categories}
    with contextlib.redirect_stdout(io.StringIO()):
        coco_gt = COCO()
        coco_gt.dataset = json.loads(json.dumps(gt))
        coco_gt.createIndex()
        coco_dt = coco_gt.loadRes(json.loads(json.dumps(dets)))
        ev = COCOeval(coco_gt, coco_dt, "bbox")
        ev.evaluate(); ev.accumulate(); ev.summarize()
    per_class = {}
    for k, c in enumerate(ev.params.catIds):
        p = ev.eval["precision"][:, :, k, 0, 2]
        per_class[str(c)] = float(np.mean(p[p > -1])) if np.any(p > -1) else -1.0
    voc = {"area": {}, "voc07": {}}
    for c in cats:
        for key, use07 in (("area", False), ("voc07", True)):
            ap = voc_eval(anns, dets, c, use07)
            voc[key][str(c)] = ap
    out = {"ground_truth": gt, "detections": dets,
           "coco": {"stats": [float(s) for s in ev.stats], "per_class": per_class},
           "voc": voc}
    with open(os.path.join(HERE, name + ".json"), "w") as f:
        json.dump(out, f)
    print(name, [round(s, 4) for s in ev.stats])


if __name__ == "__main__":
    run_case("eval_case_a", 1, n_images=12, cats=[1, 3, 7, 12], crowd_rate=0.08,
             dets_per_gt=2, fp_per_image=3, big_image=True)
    run_case("eval_case_b", 2, n_images=30, cats=[2, 90], crowd_rate=0.15,
             dets_per_gt=3, fp_per_image=6, big_image=False)
