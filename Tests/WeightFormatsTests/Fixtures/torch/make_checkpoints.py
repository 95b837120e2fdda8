#!/usr/bin/env python3
"""Small PyTorch checkpoints for TorchCheckpointTests, written by torch.save
itself (torch >= 2.0):

- small_zip.pt     torch.save's default zip archive,
- small_legacy.pt  the same object with _use_new_zipfile_serialization=False,
- small_legacy_p4.pt  the same with pickle protocol 4 (frames, STACK_GLOBAL,
                   MEMOIZE, SHORT_BINUNICODE) instead of torch's default 2,
- small_zip64.pt   small_zip.pt's entries repacked by hand with zip64 sizes,
                   offsets and end-of-central-directory records,
- deflated.pt      small_zip.pt's entries deflate-compressed (must be refused),
- bomb.pt          one float viewed as 2**40 elements by a zero stride,
- evil.pt          a zip checkpoint whose data.pkl calls os.system (GLOBAL),
- evil_legacy.pt   a legacy stream whose object pickle names os.system
                   (protocol 4, STACK_GLOBAL); both are written byte by byte
                   and never unpickled,
- expected.json    every tensor of the state dict: name, shape, dtype (the
                   safetensors name of its torch dtype) and its values as
                   float32, flattened row-major.

The saved object is a training-style checkpoint {"epoch", "state_dict",
"note"}: an OrderedDict state dict with a `_metadata` attribute (as
nn.Module.state_dict() has) holding float32, float64, float16, bfloat16,
int64 (a 0-d num_batches_tracked), int32, uint8 and bool tensors, an
nn.Parameter, views sharing one storage (a transposed view, a row slice with
a storage offset, a strided column), a zero-stride expanded tensor, an empty
tensor and a nested dict.

    python3 make_checkpoints.py
"""
import collections
import io
import json
import os
import pickletools
import struct
import zipfile
import zlib

import torch

here = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(0)

base = torch.arange(24, dtype=torch.float32).reshape(4, 6) / 8 - 1
sd = collections.OrderedDict()
sd["conv.weight"] = torch.randn(2, 3, 1, 2)
sd["conv.bias"] = torch.nn.Parameter(torch.tensor([0.5, -1.25]))
sd["bn.num_batches_tracked"] = torch.tensor(12345, dtype=torch.int64)
sd["bn.running_var"] = torch.tensor([0.1, 2.5, 1e-3], dtype=torch.float64)
# Largest normal, smallest normal and a subnormal of float16; bf16 values exact in bf16.
sd["half"] = torch.tensor([[1.0, -2.5, 65504.0], [6.103515625e-05, 5.960464477539063e-08, -0.333251953125]],
                          dtype=torch.float16)
sd["bf16"] = torch.tensor([1.0, -3.0, 0.15625, 1.0e30, 2.5], dtype=torch.float32).to(torch.bfloat16)
sd["long"] = torch.tensor([-3, 0, 2 ** 40], dtype=torch.int64)
sd["int32"] = torch.tensor([7, -8], dtype=torch.int32)
sd["bytes"] = torch.tensor([0, 255], dtype=torch.uint8)
sd["mask"] = torch.tensor([True, False, True])
sd["base"] = base
sd["transposed"] = base.t()          # strides (1, 6)
sd["rows"] = base[1:3]               # storage offset 6
sd["column"] = base[:, 2]            # stride 6, storage offset 2
sd["expanded"] = torch.tensor([[2.0], [-4.0]]).expand(2, 3)  # stride 0
sd["empty"] = torch.zeros(0, 3)
sd["head"] = {"fc.weight": torch.tensor([[1.5, -0.5]]), "fc.bias": torch.tensor([0.25])}
sd._metadata = collections.OrderedDict([("", {"version": 1}), ("bn", {"version": 2})])
checkpoint = {"epoch": 3, "state_dict": sd, "note": "tiny"}

assert not sd["transposed"].is_contiguous() and sd["rows"].storage_offset() == 6

torch.save(checkpoint, os.path.join(here, "small_zip.pt"))
torch.save(checkpoint, os.path.join(here, "small_legacy.pt"), _use_new_zipfile_serialization=False)
torch.save(checkpoint, os.path.join(here, "small_legacy_p4.pt"), _use_new_zipfile_serialization=False, pickle_protocol=4)

dtype_names = {
    torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16",
    torch.int64: "I64", torch.int32: "I32", torch.uint8: "U8", torch.bool: "BOOL",
}


def flatten(prefix, d, out):
    for k, v in d.items():
        if isinstance(v, dict):
            flatten(prefix + k + ".", v, out)
        else:
            out[prefix + k] = v
    return out


expected = []
for name, t in sorted(flatten("", sd, {}).items()):
    t = t.detach()
    expected.append({
        "name": name,
        "shape": list(t.shape),
        "dtype": dtype_names[t.dtype],
        "values": [float(v) for v in t.contiguous().to(torch.float32).flatten().tolist()],
    })
with open(os.path.join(here, "expected.json"), "w") as f:
    f.write('{"tensors": [\n' + ",\n".join(json.dumps(e) for e in expected) + "\n]}\n")


def entries_of(path):
    with zipfile.ZipFile(path) as z:
        return [(i.filename, z.read(i)) for i in z.infolist()]


def write_zip64(path, entries):
    """Stored entries, every size and offset in the central directory given as
    0xFFFFFFFF with the real values in a zip64 extra field, then a zip64
    end-of-central-directory record and locator before the classic one."""
    out = bytearray()
    central = bytearray()
    for name, data in entries:
        n = name.encode()
        crc = zlib.crc32(data)
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 0, 0, 0, crc, len(data), len(data), len(n), 0) + n + data
        extra = struct.pack("<HHQQQ", 1, 24, len(data), len(data), offset)
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 0, 0, 0, crc,
                               0xFFFFFFFF, 0xFFFFFFFF, len(n), len(extra), 0, 0, 0, 0, 0xFFFFFFFF) + n + extra
    cd_offset = len(out)
    out += central
    zip64_offset = len(out)
    out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, len(entries), len(entries), len(central), cd_offset)
    out += struct.pack("<IIQI", 0x07064B50, 0, zip64_offset, 1)
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    with open(path, "wb") as f:
        f.write(out)


entries = entries_of(os.path.join(here, "small_zip.pt"))
write_zip64(os.path.join(here, "small_zip64.pt"), entries)
with zipfile.ZipFile(os.path.join(here, "deflated.pt"), "w", zipfile.ZIP_DEFLATED) as z:
    for name, data in entries:
        z.writestr(name, data)

# The repacked archive is still a checkpoint torch reads, with the same tensors.
again = torch.load(os.path.join(here, "small_zip64.pt"), weights_only=True)
assert torch.equal(again["state_dict"]["transposed"], sd["transposed"])

# A 4-byte storage viewed as 2**40 elements (stride 0): must be refused, not allocated.
torch.save({"bomb": torch.zeros(1).expand(2 ** 40)}, os.path.join(here, "bomb.pt"))

# Malicious pickles, by hand: os.system("echo pwned") when unpickled. Never loaded.
evil_pickle = (b"\x80\x02" + b"cos\nsystem\n" + b"q\x00" + b"X\x0a\x00\x00\x00echo pwned" + b"\x85" + b"R" + b".")
with zipfile.ZipFile(os.path.join(here, "evil.pt"), "w", zipfile.ZIP_STORED) as z:
    z.writestr("evil/data.pkl", evil_pickle)
    z.writestr("evil/version", b"3\n")
    z.writestr("evil/byteorder", b"little")
with open(os.path.join(here, "small_legacy.pt"), "rb") as f:
    legacy = f.read()
# The legacy stream's first three pickles (magic number, protocol version,
# sys_info), found with pickletools (which parses without executing), then a
# protocol-4 pickle naming the global with STACK_GLOBAL.
stream = io.BytesIO(legacy)
for _ in range(3):
    for _ in pickletools.genops(stream):
        pass
header_end = stream.tell()
evil4 = (b"\x80\x04" + b"\x8c\x02os" + b"\x8c\x06system" + b"\x93" + b"\x8c\x0aecho pwned" + b"\x85" + b"R" + b".")
with open(os.path.join(here, "evil_legacy.pt"), "wb") as f:
    f.write(legacy[:header_end] + evil4)

total = sum(os.path.getsize(os.path.join(here, n)) for n in os.listdir(here))
print(f"wrote {len(expected)} tensors; fixtures take {total} bytes")
