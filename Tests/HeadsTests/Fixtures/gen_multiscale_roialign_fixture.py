#!/usr/bin/env python3
"""Writes multiscale_roialign_fixture.json: torchvision's MultiScaleRoIAlign
(the FPN paper's level assignment, RoIAlign with aligned=False and sampling
ratio 2) on three fixed random maps at strides 8, 16 and 32 of an 88 x 120
image. The canonical size is 28 instead of 224 so that RoIs inside so small an
image reach all three levels (k = floor(4 + log2(sqrt(wh) / 28)), clamped to
3..5). Run once with torch and torchvision installed; the output is committed."""
import json
import torch
from collections import OrderedDict
from torchvision.ops import MultiScaleRoIAlign

torch.manual_seed(20261206)
image_size = (88, 120)
maps = OrderedDict([
    ("0", torch.rand(1, 3, 11, 15) * 2 - 1),
    ("1", torch.rand(1, 3, 6, 8) * 2 - 1),
    ("2", torch.rand(1, 3, 3, 4) * 2 - 1),
])
boxes = torch.tensor([
    [10.0, 12.0, 18.0, 20.0],     # 8 px: level 3
    [3.5, 40.25, 16.0, 51.0],     # ~12 px: level 3
    [20.0, 20.0, 50.0, 48.0],     # ~29 px: level 4
    [60.0, 5.0, 100.0, 30.0],     # ~32 px: level 4
    [0.0, 0.0, 119.0, 87.0],      # ~102 px: level 5
    [30.5, 10.0, 110.0, 80.0],    # ~75 px: level 5
    [55.0, 44.0, 69.0, 58.0],     # 14 px: the level 3 / 4 boundary
])
pool = MultiScaleRoIAlign(["0", "1", "2"], output_size=3, sampling_ratio=2, canonical_scale=28, canonical_level=4)
with torch.no_grad():
    out = pool(maps, [boxes], [image_size])


def flat(t):
    return [float(v) for v in t.detach().reshape(-1)]


fixture = {
    "image_size": list(image_size),
    "canonical_size": 28,
    "canonical_level": 4,
    "output_size": 3,
    "sampling_ratio": 2,
    "strides": [8, 16, 32],
    "maps": [{"shape": list(t.shape), "values": flat(t)} for t in maps.values()],
    "boxes": flat(boxes),
    "output": {"shape": list(out.shape), "values": flat(out)},
    "torch": torch.__version__,
}
with open(__file__.replace("gen_multiscale_roialign_fixture.py", "multiscale_roialign_fixture.json"), "w") as f:
    json.dump(fixture, f)
print("multiscale_roialign_fixture.json:", list(out.shape))
