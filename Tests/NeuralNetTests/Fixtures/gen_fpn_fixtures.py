#!/usr/bin/env python3
"""Writes fpn_fixture.json: torchvision's FeaturePyramidNetwork (with the
LastLevelMaxPool extra block) on fixed random maps of odd sizes, so the
top-down pathway's nearest-neighbour resizing is exercised at 2x-1 as well as
2x. Weights and biases are random (not torchvision's zero biases) so every
parameter matters. Run once with torch and torchvision installed; the output
is committed and the tests never need Python."""
import json
import torch
from collections import OrderedDict
from torchvision.ops import FeaturePyramidNetwork
from torchvision.ops.feature_pyramid_network import LastLevelMaxPool

torch.manual_seed(20261205)
in_channels = [4, 6, 8]
out_channels = 5
fpn = FeaturePyramidNetwork(in_channels, out_channels, extra_blocks=LastLevelMaxPool()).eval()
with torch.no_grad():
    for p in fpn.parameters():
        p.uniform_(-0.5, 0.5)
shapes = [(1, 4, 11, 15), (1, 6, 6, 8), (1, 8, 3, 4)]
maps = OrderedDict((str(i), torch.rand(s) * 2 - 1) for i, s in enumerate(shapes))
with torch.no_grad():
    out = fpn(maps)


def flat(t):
    return [float(v) for v in t.detach().reshape(-1)]


fixture = {
    "in_channels": in_channels,
    "out_channels": out_channels,
    "inputs": [{"shape": list(t.shape), "values": flat(t)} for t in maps.values()],
    "state": {k: {"shape": list(v.shape), "values": flat(v)} for k, v in fpn.state_dict().items()},
    "outputs": [{"name": k, "shape": list(v.shape), "values": flat(v)} for k, v in out.items()],
    "torch": torch.__version__,
}
with open(__file__.replace("gen_fpn_fixtures.py", "fpn_fixture.json"), "w") as f:
    json.dump(fixture, f)
print("fpn_fixture.json:", [o["shape"] for o in fixture["outputs"]])
