"""PyTorch reference for bench/seq2seq.ts: the original lab's training step (model(src, trg) with teacher forcing 0.5,
CrossEntropyLoss(ignore_index=pad), backward, clip_grad_norm_(1), Adam.step) on this CPU.

usage: seq2seq_torch.py BATCHES.safetensors STEPS [THREADS]
       seq2seq_torch.py BATCHES.safetensors serve [THREADS]
The batch file holds src_<i> / trg_<i> int32 tensors [len, batch] and __metadata__ {input_dim, output_dim, pad}.
Prints one JSON line: {"threads", "step_s": [...], "loss": [...]}.
In "serve" mode it prints {"ready": true, "threads": n, "detail": OpenBLAS's configuration}, then for each stdin line "<i>" runs one step on
batch i and prints {"s": seconds, "loss": value, "faults": minor page faults in the step}, so the caller
can interleave PyTorch's steps with its own.
"""
import ctypes
import json
import os
import re
import resource
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "torch"))

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.optim as optim  # noqa: E402

import safetensors_io  # noqa: E402
from seed_model import Decoder, Encoder, Seq2Seq, init_weights  # noqa: E402


def openblas_config():
    """The configuration line of the OpenBLAS this process loaded (its kernels' name included)."""
    with open("/proc/self/maps") as f:
        paths = sorted(set(re.findall(r"/\S*libopenblas\S*\.so\S*", f.read())))
    if not paths:
        return "no OpenBLAS"
    lib = ctypes.CDLL(paths[0])
    lib.openblas_get_config.restype = ctypes.c_char_p
    return lib.openblas_get_config().decode()


def main():
    path, steps = sys.argv[1], sys.argv[2]
    if len(sys.argv) > 3:
        torch.set_num_threads(int(sys.argv[3]))
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        meta = json.loads(f.read(n))["__metadata__"]
    tensors = safetensors_io.load(path)
    nb = len([k for k in tensors if k.startswith("src_")])
    torch.manual_seed(1234)
    enc = Encoder(int(meta["input_dim"]), 256, 512, 2, 0.5)
    dec = Decoder(int(meta["output_dim"]), 256, 512, 2, 0.5)
    model = Seq2Seq(enc, dec, "cpu")
    model.apply(init_weights)
    optimizer = optim.Adam(model.parameters())
    criterion = nn.CrossEntropyLoss(ignore_index=int(meta["pad"]))
    model.train()

    def step(i):
        src = tensors[f"src_{i % nb}"].long()
        trg = tensors[f"trg_{i % nb}"].long()
        f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        t0 = time.perf_counter()
        optimizer.zero_grad()
        output = model(src, trg)
        output_dim = output.shape[-1]
        loss = criterion(output[1:].view(-1, output_dim), trg[1:].view(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1)
        optimizer.step()
        s = time.perf_counter() - t0
        return s, loss.item(), resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0

    if steps == "serve":
        ready = {"ready": True, "threads": torch.get_num_threads(), "detail": openblas_config()}
        print(json.dumps(ready), flush=True)
        for line in sys.stdin:
            if not line.strip():
                continue
            s, loss, faults = step(int(line))
            print(json.dumps({"s": s, "loss": loss, "faults": faults}), flush=True)
        return
    times, losses = [], []
    for i in range(int(steps)):
        s, loss, _ = step(i)
        times.append(s)
        losses.append(loss)
    print(json.dumps({"threads": torch.get_num_threads(), "step_s": times, "loss": losses}))


if __name__ == "__main__":
    main()
