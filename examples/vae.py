"""A variational autoencoder on Fashion-MNIST, written in the book's style: an MLP encoder gives
the mean and log-variance of q(z|x), z is drawn with the reparameterisation trick, an MLP
decoder gives the logits of p(x|z); the loss is the reconstruction cross entropy plus the KL
divergence to N(0, I), both summed over a sample and averaged over the batch.

    python examples/vae.py                           # 10 epochs on the 60,000 training images
    python examples/vae.py --epochs 1 --max-steps 5 --subset 256 --out /tmp/vae   # a smoke run

Fashion-MNIST is read from --root, the data directory or Debian's dataset-fashion-mnist, and
downloaded otherwise. Writes vae_samples.png (images decoded from random z, and test images
beside their reconstructions) into --out (default runs/vae) when matplotlib is installed.
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
from zerograd.dezero import DataLoader, Model
from zerograd.dezero.optimizers import Adam

IMAGE_SIZE = 28 * 28


class VAE(Model):
    def __init__(self, hidden_size: int, latent_size: int) -> None:
        super().__init__()
        self.latent_size = latent_size
        self.enc = L.Linear(hidden_size)
        self.enc_mu = L.Linear(latent_size)
        self.enc_logvar = L.Linear(latent_size)
        self.dec1 = L.Linear(hidden_size)
        self.dec2 = L.Linear(IMAGE_SIZE)

    def encode(self, x):
        h = F.relu(self.enc(x))
        return self.enc_mu(h), self.enc_logvar(h)

    def decode(self, z):
        """The logits of each pixel (apply F.sigmoid for the image)."""
        return self.dec2(F.relu(self.dec1(z)))

    def forward(self, x):
        mu, logvar = self.encode(x)
        xp = dezero.cuda.get_array_module(mu)
        eps = xp.random.randn(*mu.shape).astype(mu.dtype)
        z = mu + F.exp(0.5 * logvar) * eps
        return self.decode(z), mu, logvar


def vae_loss(logits, x, mu, logvar):
    """Reconstruction cross entropy + KL(q(z|x) || N(0, I)), per sample, averaged over the batch."""
    reconstruction = F.sigmoid_cross_entropy(logits, x)
    kl = -0.5 * F.sum(1 + logvar - mu ** 2 - F.exp(logvar)) / len(x)
    return reconstruction + kl


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = training_parser(__doc__.split("\n\n")[0], epochs=10, batch_size=128, lr=0.001,
                             out="runs/vae", picture="vae_samples.png")
    add_fashion_mnist_options(parser, "use only the first N training (and test) images")
    parser.add_argument("--hidden-size", type=int, default=400)
    parser.add_argument("--latent-size", type=int, default=16)
    return parser.parse_args(argv)


def train(args: argparse.Namespace) -> VAE:
    train_set, test_set = load_fashion_mnist(args), load_fashion_mnist(args, train=False)
    train_loader = DataLoader(train_set, args.batch_size, gpu=args.gpu)
    test_loader = DataLoader(test_set, args.batch_size, shuffle=False, gpu=args.gpu)

    model = VAE(args.hidden_size, args.latent_size)
    if args.gpu:
        model.to_gpu()
    optimizer = Adam(args.lr).setup(model)

    steps = 0
    for epoch in range(args.epochs):
        start = time.perf_counter()
        sum_loss = seen = 0.0
        for x, _ in train_loader:
            logits, mu, logvar = model(x)
            loss = vae_loss(logits, x, mu, logvar)
            model.cleargrads()
            loss.backward()
            optimizer.update()
            sum_loss += float(loss.data) * len(x)
            seen += len(x)
            steps += 1
            if args.max_steps is not None and steps >= args.max_steps:
                break
        test_loss = evaluate(model, test_loader)
        print(f"epoch {epoch + 1:3d}  train loss {sum_loss / seen:.2f}  test loss {test_loss:.2f}  "
              f"({time.perf_counter() - start:.1f} s)", flush=True)
        if args.max_steps is not None and steps >= args.max_steps:
            break
    return model


def evaluate(model: VAE, loader: DataLoader) -> float:
    sum_loss = 0.0
    with dezero.no_grad():
        for x, _ in loader:
            logits, mu, logvar = model(x)
            sum_loss += float(vae_loss(logits, x, mu, logvar).data) * len(x)
    return sum_loss / len(loader.dataset)


def plot(model: VAE, args: argparse.Namespace, path: str) -> None:
    plt = pyplot_or_none("the sample grid")
    if plt is None:
        return

    xp = dezero.cuda.cupy if args.gpu else np
    x = xp.asarray(load_fashion_mnist(args, train=False).get_batch(np.arange(8))[0])
    with dezero.no_grad():
        z = xp.random.randn(64, model.latent_size).astype(np.float32)
        samples = dezero.cuda.as_numpy(F.sigmoid(model.decode(z)).data)
        mu, _ = model.encode(x)
        reconstructed = dezero.cuda.as_numpy(F.sigmoid(model.decode(mu)).data)
    pairs = np.stack([dezero.cuda.as_numpy(x), reconstructed], axis=1)  # each image, then its copy

    fig, (ax_samples, ax_pairs) = plt.subplots(1, 2, figsize=(7.5, 6),
                                               gridspec_kw={"width_ratios": [4, 1]})
    ax_samples.imshow(image_grid(samples, 8), cmap="gray")
    ax_samples.set_title("decoded from z ~ N(0, I)")
    ax_pairs.imshow(image_grid(pairs.reshape(16, IMAGE_SIZE), 8), cmap="gray")
    ax_pairs.set_title("test | reconstructed")
    for ax in (ax_samples, ax_pairs):
        ax.axis("off")
    save_figure(fig, path)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    np.random.seed(args.seed)
    model = train(args)
    if not args.no_plot:
        plot(model, args, os.path.join(args.out, "vae_samples.png"))


if __name__ == "__main__":
    main()
