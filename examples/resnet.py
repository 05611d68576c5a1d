"""Dive into Deep Learning, 8.6 "Residual Networks (ResNet)", written for PyTorch and run with
`import smalltorch as torch`: a small ResNet (residual blocks with batch norm, global average pooling) on
Fashion-MNIST-shaped data. The channel counts are the book's divided by `--width-div` (default 4) so that an
epoch takes minutes, not hours, on a laptop CPU.

    python examples/resnet.py --epochs 2 --limit 5000
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import smalltorch as torch  # noqa: E402
from smalltorch import nn  # noqa: E402
from smalltorch.nn import functional as F  # noqa: E402
from d2l_common import classifier_args, fashion_mnist, train_classifier  # noqa: E402


class Residual(nn.Module):
    """The Residual block of ResNet: two 3x3 convolutions with batch norm; a 1x1 convolution on the shortcut
    when the shape changes."""

    def __init__(self, input_channels, num_channels, use_1x1conv=False, strides=1):
        super().__init__()
        self.conv1 = nn.Conv2d(input_channels, num_channels, kernel_size=3, padding=1, stride=strides)
        self.conv2 = nn.Conv2d(num_channels, num_channels, kernel_size=3, padding=1)
        self.conv3 = nn.Conv2d(input_channels, num_channels, kernel_size=1, stride=strides) if use_1x1conv else None
        self.bn1 = nn.BatchNorm2d(num_channels)
        self.bn2 = nn.BatchNorm2d(num_channels)

    def forward(self, X):
        Y = F.relu(self.bn1(self.conv1(X)))
        Y = self.bn2(self.conv2(Y))
        if self.conv3:
            X = self.conv3(X)
        Y += X
        return F.relu(Y)


def resnet_block(input_channels, num_channels, num_residuals, first_block=False):
    blk = []
    for i in range(num_residuals):
        if i == 0 and not first_block:
            blk.append(Residual(input_channels, num_channels, use_1x1conv=True, strides=2))
        else:
            blk.append(Residual(num_channels, num_channels))
    return blk


def make_net(div=4):
    c = [64 // div, 128 // div, 256 // div, 512 // div]
    b1 = nn.Sequential(nn.Conv2d(1, c[0], kernel_size=7, stride=2, padding=3), nn.BatchNorm2d(c[0]), nn.ReLU(),
                       nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    b2 = nn.Sequential(*resnet_block(c[0], c[0], 2, first_block=True))
    b3 = nn.Sequential(*resnet_block(c[0], c[1], 2))
    b4 = nn.Sequential(*resnet_block(c[1], c[2], 2))
    b5 = nn.Sequential(*resnet_block(c[2], c[3], 2))
    return nn.Sequential(b1, b2, b3, b4, b5, nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(c[3], 10))


def main(argv=None):
    ap = classifier_args(argparse.ArgumentParser(description=__doc__.splitlines()[0]), 5, 0.05)
    ap.add_argument("--width-div", type=int, default=4, help="divide the book's channel counts by this")
    args = ap.parse_args(argv)
    torch.manual_seed(0)
    net = make_net(args.width_div)
    X = torch.rand(size=(1, 1, 28, 28))
    net.eval()  # one example: batch norm uses its running statistics (training mode needs more than one value)
    for layer in net:
        X = layer(X)
        print(layer.__class__.__name__, "output shape:\t", X.shape)
    train_iter, test_iter, source = fashion_mnist(128, args.data, args.limit)
    print(f"data: {source}, {len(train_iter.dataset)} training rows")
    return train_classifier(net, train_iter, test_iter, args.epochs, args.lr, plot=args.plot)


if __name__ == "__main__":
    main()
