"""PyTorch reference for bench/word2vec.ts: the original lab's Word2Vec trained with real mini-batches, the
straightforward way (logits for every pair: model(context) -> [B, V], nn.CrossEntropyLoss, AdamW).

usage: word2vec_torch.py PAIRS.bin VOCAB BATCH LR STEPS [THREADS]
PAIRS.bin holds int32 little-endian (center, context) columns: first all centers, then all contexts,
enough for STEPS + 1 batches (the first is a warm-up and is not timed).
Prints one JSON line: {"threads", "torch", "batch_s": [...], "loss": [...]}.
"""
import json
import sys
import time

import numpy as np
import torch
import torch.nn as nn


class Word2Vec(nn.Module):  # the original lab's model
    def __init__(self, vocab_size, embedding_size):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embedding_size)
        self.expand = nn.Linear(embedding_size, vocab_size, bias=False)

    def forward(self, input_):
        return self.expand(self.embed(input_))


def main():
    path, vocab, batch, lr, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
    torch.set_num_threads(int(sys.argv[6]) if len(sys.argv) > 6 else 2)
    data = np.fromfile(path, dtype="<i4")
    n = data.size // 2
    center = torch.from_numpy(data[:n].astype(np.int64))
    context = torch.from_numpy(data[n:].astype(np.int64))
    torch.manual_seed(0)
    model = Word2Vec(vocab, 50)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    times, losses = [], []
    for s in range(steps + 1):
        c = center[s * batch:(s + 1) * batch]
        x = context[s * batch:(s + 1) * batch]
        t0 = time.perf_counter()
        optimizer.zero_grad()
        logits = model(input_=x)
        loss = loss_fn(logits, c)
        loss.backward()
        optimizer.step()
        dt = time.perf_counter() - t0
        if s > 0:
            times.append(dt)
            losses.append(loss.item())
    print(json.dumps({"threads": torch.get_num_threads(), "torch": torch.__version__, "batch_s": times, "loss": losses}))


if __name__ == "__main__":
    main()
