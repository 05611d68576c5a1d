"""What the book's CNN and RNN chapters share: Fashion-MNIST (the real files when present, a deterministic
synthetic stand-in with the same shapes otherwise, no network), a training loop with a per-epoch progress bar
(tqdm, when installed) and a loss/accuracy plot (matplotlib, when installed).

Written against PyTorch's API; the examples import it with `import smalltorch as torch`.
"""

import gzip
import os
import struct
import time

import numpy as np

import smalltorch as torch
from smalltorch.utils import data

FASHION_FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
                 "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


def _read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        magic = struct.unpack(">I", f.read(4))[0]
        dims = [struct.unpack(">I", f.read(4))[0] for _ in range(magic & 0xFF)]
        return np.frombuffer(f.read(), dtype=np.uint8).reshape(dims)


def _find(root, name):
    for candidate in (name, name + ".gz"):
        path = os.path.join(root, candidate)
        if os.path.exists(path):
            return path
    return None


def _synthetic(n, seed):
    """n 28x28 images of 10 classes: each class is a fixed coarse pattern (7x7 random cells blown up to 4x4
    pixels), plus noise and a random shift of up to 2 pixels, so a small CNN learns it within a few epochs."""
    rng = np.random.default_rng(1234)
    protos = np.kron((rng.random((10, 7, 7)) > 0.5).astype(np.float64), np.ones((4, 4)))
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 10, n)
    shifts = rng.integers(-2, 3, (n, 2))
    X = np.empty((n, 28, 28), np.float32)
    for i in range(n):
        X[i] = np.roll(protos[y[i]], tuple(shifts[i]), axis=(0, 1))
    X += rng.normal(0, 0.2, X.shape).astype(np.float32)
    return np.clip(X, 0, 1), y


def fashion_mnist(batch_size, root=None, limit=None):
    """(train_iter, test_iter, source): DataLoaders of (N, 1, 28, 28) float images in [0, 1] and int64 labels.
    The real Fashion-MNIST files are read from `root` when all four are there; otherwise a synthetic stand-in
    of the same shapes is made (60 000 / 10 000 rows, or `limit`)."""
    loaders, source = [], "synthetic stand-in"
    paths = {split: [_find(root, f) if root else None for f in files] for split, files in FASHION_FILES.items()}
    real = all(p for ps in paths.values() for p in ps)
    for split, (n, seed) in (("train", (60000, 0)), ("test", (10000, 1))):
        if real:
            X = _read_idx(paths[split][0]).astype(np.float32) / 255.0
            y = _read_idx(paths[split][1]).astype(np.int64)
            source = f"Fashion-MNIST from {root}"
        else:
            X, y = _synthetic(min(n, limit) if limit else n, seed)
        if limit:
            X, y = X[:limit], y[:limit]
        X = torch.tensor(X).unsqueeze(1)
        loaders.append(data.DataLoader(data.TensorDataset(X, torch.tensor(y)), batch_size, shuffle=split == "train"))
    return loaders[0], loaders[1], source


def classifier_args(parser, epochs, lr):
    """The command-line options the image-classification examples share."""
    parser.add_argument("--data", help="folder holding the Fashion-MNIST files (default: synthetic stand-in)")
    parser.add_argument("--epochs", type=int, default=epochs)
    parser.add_argument("--limit", type=int, help="use at most this many rows of each split")
    parser.add_argument("--lr", type=float, default=lr)
    parser.add_argument("--plot", help="save the loss/accuracy plot here (needs matplotlib)")
    return parser


def _progress(iterable, desc, total):
    try:
        from tqdm import tqdm
    except ImportError:
        return iterable
    return tqdm(iterable, desc=desc, total=total, leave=False)


def accuracy(net, data_iter):
    net.eval()
    right = total = 0
    with torch.no_grad():
        for X, y in data_iter:
            right += (net(X).argmax(dim=1) == y).sum().item()
            total += y.numel()
    return right / max(total, 1)


def train_classifier(net, train_iter, test_iter, num_epochs, lr, optimizer="sgd", plot=None):
    """The book's train_ch6 loop: cross-entropy, SGD (or Adam), per-epoch loss and accuracies printed; a plot
    of them saved to `plot` when matplotlib is installed. Returns the history rows."""
    loss_fn = torch.nn.CrossEntropyLoss()
    opt = (torch.optim.Adam(net.parameters(), lr=lr) if optimizer == "adam"
           else torch.optim.SGD(net.parameters(), lr=lr))
    history = []
    for epoch in range(num_epochs):
        net.train()
        t0, total_loss, right, seen = time.perf_counter(), 0.0, 0, 0
        for X, y in _progress(train_iter, f"epoch {epoch + 1}", len(train_iter)):
            opt.zero_grad()
            out = net(X)
            loss = loss_fn(out, y)
            loss.backward()
            opt.step()
            total_loss += loss.item() * y.numel()
            right += (out.argmax(dim=1) == y).sum().item()
            seen += y.numel()
        row = (epoch + 1, total_loss / seen, right / seen, accuracy(net, test_iter))
        history.append(row)
        print(f"epoch {row[0]}: loss {row[1]:.3f}, train acc {row[2]:.3f}, test acc {row[3]:.3f}, "
              f"{seen / (time.perf_counter() - t0):.0f} examples/sec", flush=True)
    save_plot(plot, history, ("loss", "train acc", "test acc"))
    return history


def save_plot(path, history, labels):
    if not path or not history:
        return
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"(matplotlib is not installed: no plot written to {path})")
        return
    epochs = [h[0] for h in history]
    for i, label in enumerate(labels, 1):
        plt.plot(epochs, [h[i] for h in history], label=label)
    plt.xlabel("epoch")
    plt.legend()
    plt.savefig(path)
    plt.close()
    print(f"plot written to {path}")
