"""A DCGAN-style generative adversarial network on Fashion-MNIST, written in the book's style:
a generator of transposed convolutions (Deconv2d) with batch normalisation turns noise into
28x28 images; a convolutional discriminator tells them from real ones; both learn with Adam on
the sigmoid cross entropy of the discriminator's logits.

    python examples/dcgan.py                         # 5 epochs on the 60,000 training images
    python examples/dcgan.py --epochs 1 --max-steps 5 --subset 256 --out /tmp/gan   # a smoke run

Fashion-MNIST is read from --root, the data directory or Debian's dataset-fashion-mnist, and
downloaded otherwise. Writes dcgan_samples.png (an 8 x 8 grid from fixed noise, redrawn after
every epoch) into --out (default runs/dcgan) when matplotlib is installed.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from _plotting import image_grid, pyplot_or_none, save_figure
from _training import add_fashion_mnist_options, load_fashion_mnist, training_parser

import zerograd.dezero as dezero
import zerograd.dezero.functions as F
import zerograd.dezero.layers as L
from zerograd.dezero import DataLoader, Model, init
from zerograd.dezero.optimizers import Adam
from zerograd.dezero.transforms import Compose, Normalize, ToFloat


def dcgan_init(layer) -> None:
    """The DCGAN paper's initialisation: every weight from N(0, 0.02^2), biases zero (the
    layers are given their input sizes so that their weights exist before the first call)."""
    if isinstance(layer, (L.Linear, L.Conv2d, L.Deconv2d)):
        init.normal(layer.W, 0.0, 0.02)


class Generator(Model):
    """z (N, latent) -> images (N, 1, 28, 28) in [-1, 1]."""

    def __init__(self, latent_size: int, channels: int = 64) -> None:
        super().__init__()
        self.channels = channels
        self.fc = L.Linear(2 * channels * 7 * 7, in_size=latent_size)
        self.bn0 = L.BatchNorm()
        self.deconv1 = L.Deconv2d(channels, 4, stride=2, pad=1, in_channels=2 * channels)  # 7->14
        self.bn1 = L.BatchNorm()
        self.deconv2 = L.Deconv2d(1, 4, stride=2, pad=1, in_channels=channels)  # 14 -> 28
        self.apply(dcgan_init)

    def forward(self, z):
        h = F.relu(self.bn0(self.fc(z)))
        h = F.reshape(h, (len(z), 2 * self.channels, 7, 7))
        h = F.relu(self.bn1(self.deconv1(h)))
        return F.tanh(self.deconv2(h))


class Discriminator(Model):
    """images (N, 1, 28, 28) -> one logit each (N, 1): real (high) or generated (low)."""

    def __init__(self, channels: int = 64) -> None:
        super().__init__()
        self.conv1 = L.Conv2d(channels, 4, stride=2, pad=1, in_channels=1)  # 28 -> 14
        self.conv2 = L.Conv2d(2 * channels, 4, stride=2, pad=1, in_channels=channels)  # 14 -> 7
        self.bn2 = L.BatchNorm()
        self.fc = L.Linear(1, in_size=2 * channels * 7 * 7)
        self.apply(dcgan_init)

    def forward(self, x):
        h = F.leaky_relu(self.conv1(x), 0.2)
        h = F.leaky_relu(self.bn2(self.conv2(h)), 0.2)
        return self.fc(F.flatten(h))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = training_parser(__doc__.split("\n\n")[0], epochs=5, batch_size=64, lr=0.0002,
                             out="runs/dcgan", picture="dcgan_samples.png")
    add_fashion_mnist_options(parser, "use only the first N training images")
    parser.add_argument("--latent-size", type=int, default=64)
    parser.add_argument("--channels", type=int, default=32)
    parser.add_argument("--log-interval", type=int, default=100, help="print every N updates")
    return parser.parse_args(argv)


# (1, 28, 28) float32 images scaled to [-1, 1], the range of the generator's tanh
TO_TANH_RANGE = Compose([ToFloat(), Normalize(127.5, 127.5)])


def train(args: argparse.Namespace) -> None:
    dataset = load_fashion_mnist(args, transform=TO_TANH_RANGE)
    loader = DataLoader(dataset, args.batch_size, gpu=args.gpu, drop_last=True)
    xp = dezero.cuda.cupy if args.gpu else np
    gen, dis = Generator(args.latent_size, args.channels), Discriminator(args.channels)
    if args.gpu:
        gen.to_gpu()
        dis.to_gpu()
    opt_gen = Adam(args.lr, beta1=0.5).setup(gen)
    opt_dis = Adam(args.lr, beta1=0.5).setup(dis)
    fixed_z = xp.random.randn(64, args.latent_size).astype(np.float32)
    ones = xp.ones((args.batch_size, 1), dtype=np.int32)
    zeros = xp.zeros((args.batch_size, 1), dtype=np.int32)

    steps = 0
    for epoch in range(args.epochs):
        start = time.perf_counter()
        sum_dis = sum_gen = count = 0.0
        for x, _ in loader:
            z = xp.random.randn(len(x), args.latent_size).astype(np.float32)
            fake = gen(z)

            # the discriminator learns to say 1 for real images and 0 for generated ones
            loss_dis = F.sigmoid_cross_entropy(dis(x), ones) + \
                F.sigmoid_cross_entropy(dis(fake.data), zeros)
            dis.cleargrads()
            loss_dis.backward()
            opt_dis.update()

            # the generator learns to make the discriminator say 1
            loss_gen = F.sigmoid_cross_entropy(dis(fake), ones)
            gen.cleargrads()
            loss_gen.backward()
            opt_gen.update()

            sum_dis += float(loss_dis.data)
            sum_gen += float(loss_gen.data)
            count += 1
            steps += 1
            if steps % args.log_interval == 0:
                print(f"  step {steps:6d}  loss D {float(loss_dis.data):.4f}  "
                      f"loss G {float(loss_gen.data):.4f}", flush=True)
            if args.max_steps is not None and steps >= args.max_steps:
                break
        print(f"epoch {epoch + 1:3d}  loss D {sum_dis / count:.4f}  loss G {sum_gen / count:.4f}  "
              f"({time.perf_counter() - start:.1f} s)", flush=True)
        if not args.no_plot:
            plot_samples(gen, fixed_z, os.path.join(args.out, "dcgan_samples.png"))
        if args.max_steps is not None and steps >= args.max_steps:
            break


def plot_samples(gen: Generator, z, path: str) -> None:
    plt = pyplot_or_none("the sample grid")
    if plt is None:
        return

    with dezero.test_mode(), dezero.no_grad():
        images = dezero.cuda.as_numpy(gen(z).data)[:, 0]
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.imshow(image_grid(images, 8), cmap="gray", vmin=-1, vmax=1)
    ax.axis("off")
    save_figure(fig, path)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    np.random.seed(args.seed)
    train(args)


if __name__ == "__main__":
    main()
