"""Parity fixture for the MobileNetV2 feature extractor (run from the repository root).

    pip install torch torchvision
    scripts/fetch-weights            # models/imagenet/mobilenet_v2-b0353104.pth
    python3 Tests/NeuralNetTests/Fixtures/mobilenet_v2/make_fixture.py

Writes, next to this script:
- `<photo>.rgb`: two photos resized by PIL to 224 x 224, raw 8-bit RGB, so both
  implementations see the very same pixels;
- `expected.json`: torchvision's outputs on them with the ImageNet weights (the
  stride-16 feature map after block 13 and the stride-32 one after block 18,
  every `step`-th value, and all 1,000 logits), and the top-5 ImageNet classes
  of four photos decoded and resized by torchvision's own path (PIL bilinear to
  224 x 224), which the test compares with our JPEG decoder and resize.
"""
import json
import os

import numpy as np
import torch
import torchvision
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "../../../.."))
PHOTOS = os.path.join(ROOT, "Tests/ProposalsTests/Fixtures/natural")
MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)

torch.set_grad_enabled(False)
model = torchvision.models.mobilenet_v2()
state = torch.load(os.path.join(ROOT, "models/imagenet/mobilenet_v2-b0353104.pth"), map_location="cpu")
model.load_state_dict(state)
model.eval()


def load(name):
    img = Image.open(os.path.join(PHOTOS, name + ".jpg")).convert("RGB")
    return np.asarray(img.resize((224, 224), Image.BILINEAR), dtype=np.uint8)


def tensor(rgb):
    x = (rgb.astype(np.float32) / 255.0 - MEAN) / STD
    return torch.from_numpy(x.transpose(2, 0, 1).copy())[None]


out = {"parity": [], "top5": [], "categories": torchvision.models.MobileNet_V2_Weights.IMAGENET1K_V1.meta["categories"]}
for name, step16, step32 in [("chelsea", 7, 31), ("coffee", 7, 31)]:
    rgb = load(name)
    rgb.tofile(os.path.join(HERE, name + ".rgb"))
    x = tensor(rgb)
    f16 = model.features[:14](x)
    f32 = model.features[14:](f16)
    logits = model.classifier(torch.flatten(torch.nn.functional.adaptive_avg_pool2d(f32, 1), 1))
    out["parity"].append({
        "photo": name + ".rgb", "width": 224, "height": 224,
        "stride16_shape": list(f16.shape), "stride16_step": step16,
        "stride16": f16.flatten()[::step16].tolist(),
        "stride32_shape": list(f32.shape), "stride32_step": step32,
        "stride32": f32.flatten()[::step32].tolist(),
        "logits": logits.flatten().tolist(),
    })
for name in ["astronaut", "chelsea", "coffee", "rocket"]:
    logits = model(tensor(load(name)))[0]
    top = torch.topk(logits, 5)
    out["top5"].append({"photo": name + ".jpg", "classes": top.indices.tolist(),
                        "labels": [out["categories"][i] for i in top.indices.tolist()],
                        "logits": top.values.tolist()})
with open(os.path.join(HERE, "expected.json"), "w") as f:
    json.dump(out, f)
for t in out["top5"]:
    print(t["photo"], t["labels"], ["%.2f" % v for v in t["logits"]])
