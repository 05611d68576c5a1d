"""Dive into Deep Learning, 7.6 "Convolutional Neural Networks (LeNet)", written for PyTorch and run with
`import smalltorch as torch`: LeNet-5 (sigmoid activations, average pooling) trained on Fashion-MNIST.

    python examples/lenet.py                         # synthetic stand-in data, 10 epochs
    python examples/lenet.py --data ~/fashion-mnist  # the real files (train-images-idx3-ubyte[.gz], ...)
    python examples/lenet.py --epochs 1 --limit 2000 --plot lenet.png
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import smalltorch as torch  # noqa: E402
from smalltorch import nn  # noqa: E402
from d2l_common import classifier_args, fashion_mnist, train_classifier  # noqa: E402

net = nn.Sequential(
    nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),
    nn.AvgPool2d(kernel_size=2, stride=2),
    nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),
    nn.AvgPool2d(kernel_size=2, stride=2),
    nn.Flatten(),
    nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
    nn.Linear(120, 84), nn.Sigmoid(),
    nn.Linear(84, 10))


def init_weights(m):
    if type(m) in (nn.Linear, nn.Conv2d):
        nn.init.xavier_uniform_(m.weight)


def main(argv=None):
    args = classifier_args(argparse.ArgumentParser(description=__doc__.splitlines()[0]), 10, 0.9).parse_args(argv)
    torch.manual_seed(0)
    X = torch.rand(size=(1, 1, 28, 28), dtype=torch.float32)
    for layer in net:  # the book prints each layer's output shape
        X = layer(X)
        print(layer.__class__.__name__, "output shape: \t", X.shape)
    train_iter, test_iter, source = fashion_mnist(256, args.data, args.limit)
    print(f"data: {source}, {len(train_iter.dataset)} training rows")
    net.apply(init_weights)
    return train_classifier(net, train_iter, test_iter, args.epochs, args.lr, plot=args.plot)


if __name__ == "__main__":
    main()
