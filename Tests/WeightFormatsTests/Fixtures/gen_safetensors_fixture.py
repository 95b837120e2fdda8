#!/usr/bin/env python3
"""A small safetensors file laid out the way PyTorch's exporter writes one,
produced by hand (struct + json, no `safetensors` package needed):

- `__metadata__` {"format": "pt"} first in the header,
- torchvision state-dict names, including BatchNorm's I64 `num_batches_tracked`,
- mixed dtypes F32 / F16 / BF16 / I64, laid out by descending alignment then name,
- header padded with spaces to a multiple of 8 bytes.

Writes torchvision_style.safetensors and torchvision_style_expected.json
(the float64 value of every element, for the loader test):

    python3 gen_safetensors_fixture.py
"""
import json
import struct

import numpy as np

rng = np.random.default_rng(7)

f32 = rng.normal(0, 0.1, size=(4, 3, 3, 3)).astype(np.float32)
f16 = np.array([[1.0, -2.5, 0.0, 65504.0], [6.1035156e-05, 5.9604645e-08, -0.333251953125, 3.140625]],
               dtype=np.float16)  # includes the largest normal, the smallest normal and a subnormal
bf16_values = np.array([1.0, -3.0, 0.15625, 1e30, -1e-30, 2.5], dtype=np.float32)
bf16_bits = (bf16_values.view(np.uint32) >> 16).astype(np.uint16)  # truncation = exact bf16 value
bf16_exact = (bf16_bits.astype(np.uint32) << 16).view(np.float32)
bias = rng.normal(0, 1, size=4).astype(np.float32)
tracked = np.array(12345, dtype=np.int64)

tensors = {
    "backbone.body.conv1.weight": ("F32", f32.shape, f32.tobytes(), f32.astype(np.float64)),
    "backbone.body.bn1.bias": ("F32", bias.shape, bias.tobytes(), bias.astype(np.float64)),
    "backbone.body.bn1.num_batches_tracked": ("I64", (), tracked.tobytes(), tracked.astype(np.float64)),
    "roi_heads.box_predictor.cls_score.weight": ("F16", f16.shape, f16.tobytes(), f16.astype(np.float64)),
    "rpn.head.cls_logits.bias": ("BF16", bf16_bits.shape, bf16_bits.tobytes(), bf16_exact.astype(np.float64)),
}
align = {"I64": 8, "F32": 4, "F16": 2, "BF16": 2}
order = sorted(tensors, key=lambda n: (-align[tensors[n][0]], n))

header = {"__metadata__": {"format": "pt", "producer": "gen_safetensors_fixture.py"}}
offset = 0
blob = b""
for name in order:
    dtype, shape, data, _ = tensors[name]
    header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(data)]}
    offset += len(data)
    blob += data
text = json.dumps(header, separators=(",", ":")).encode()
text += b" " * (-len(text) % 8)
with open("torchvision_style.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + blob)

expected = {name: {"dtype": t[0], "shape": list(t[1]), "values": [float(v) for v in t[3].ravel()]}
            for name, t in tensors.items()}
expected["__metadata__"] = header["__metadata__"]
with open("torchvision_style_expected.json", "w") as f:
    json.dump(expected, f, indent=1)
