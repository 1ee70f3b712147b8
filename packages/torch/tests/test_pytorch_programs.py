"""Ordinary PyTorch programs, run with only the imports changed (issue 23): an actor-critic whose
two losses share a trunk (two backward passes, the first with retain_graph=True) and a GAN loop
(the discriminator's step on fake.detach(), the generator's through the discriminator). Both
start from the same weights and data as real torch and must give its losses and weights."""

from __future__ import annotations

import numpy as np
import pytest

import zerograd.torch as ztorch

RNG_SEED = 0


def _load(torch, model, weights):
    with torch.no_grad():
        for p, w in zip(model.parameters(), weights):
            p.copy_(torch.tensor(w))


def _weights_for(build):
    rng = np.random.default_rng(RNG_SEED)
    return [rng.normal(0, 0.5, tuple(p.shape)).astype(np.float32) for p in build(ztorch).parameters()]


def _actor_critic_model(torch):
    nn, F = torch.nn, torch.nn.functional

    class ActorCritic(nn.Module):
        def __init__(self):
            super().__init__()
            self.trunk = nn.Linear(4, 16)
            self.actor = nn.Linear(16, 2)
            self.critic = nn.Linear(16, 1)

        def forward(self, x):
            h = F.relu(self.trunk(x))
            return F.log_softmax(self.actor(h), dim=-1), self.critic(h).squeeze(-1)

    return ActorCritic()


def actor_critic(torch, weights, states, actions, returns):
    model = _actor_critic_model(torch)
    _load(torch, model, weights)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    record = []
    for step in range(3):
        log_probs, values = model(torch.tensor(states[step]))
        advantage = torch.tensor(returns[step]) - values
        taken = log_probs[range(len(actions[step])), torch.tensor(actions[step])]
        actor_loss = -(taken * advantage.detach()).mean()
        critic_loss = advantage.pow(2).mean()
        optimizer.zero_grad()
        actor_loss.backward(retain_graph=True)
        critic_loss.backward()
        optimizer.step()
        record += [actor_loss.item(), critic_loss.item()]
    return [record] + [p for p in model.parameters()]


def _gan_models(torch):
    nn = torch.nn
    generator = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2))
    discriminator = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1), nn.Sigmoid())
    return generator, discriminator


def gan(torch, weights, real_batches, noise):
    generator, discriminator = _gan_models(torch)
    _load(torch, generator, weights[:4])
    _load(torch, discriminator, weights[4:])
    opt_g = torch.optim.Adam(generator.parameters(), lr=1e-2, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=1e-2, betas=(0.5, 0.999))
    bce = torch.nn.BCELoss()
    record = []
    for step in range(3):
        real, z = torch.tensor(real_batches[step]), torch.tensor(noise[step])
        ones, zeros = torch.ones(len(real), 1), torch.zeros(len(real), 1)
        fake = generator(z)
        opt_d.zero_grad()
        d_loss = bce(discriminator(real), ones) + bce(discriminator(fake.detach()), zeros)
        d_loss.backward()
        opt_d.step()
        opt_g.zero_grad()
        g_loss = bce(discriminator(fake), ones)
        g_loss.backward()
        opt_g.step()
        record += [d_loss.item(), g_loss.item()]
    return [record] + list(generator.parameters()) + list(discriminator.parameters())


def test_actor_critic_with_a_shared_trunk(same_as_torch):
    rng = np.random.default_rng(1)
    weights = _weights_for(_actor_critic_model)
    states = rng.normal(size=(3, 6, 4)).astype(np.float32)
    actions = rng.integers(0, 2, size=(3, 6))
    returns = rng.normal(size=(3, 6)).astype(np.float32)
    same_as_torch(lambda torch: actor_critic(torch, weights, states, actions, returns),
                  rtol=1e-4, atol=1e-5)


def test_gan_loop_with_detach(same_as_torch):
    rng = np.random.default_rng(2)
    weights = _weights_for(lambda torch: torch.nn.ModuleList(_gan_models(torch)))
    real = (rng.normal(size=(3, 8, 2)) + 2).astype(np.float32)
    noise = rng.normal(size=(3, 8, 2)).astype(np.float32)
    same_as_torch(lambda torch: gan(torch, weights, real, noise), rtol=1e-4, atol=1e-5)


def test_the_actor_critic_mistake_pytorch_reports_is_reported():
    """Forgetting retain_graph: the second loss reaches the freed trunk."""
    weights = _weights_for(_actor_critic_model)
    model = _actor_critic_model(ztorch)
    _load(ztorch, model, weights)
    log_probs, values = model(ztorch.ones(2, 4))
    log_probs.sum().backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        values.sum().backward()
