"""torch_attention: the PyTorch reference for bench/attention_bench.c - the same model, loss, optimizer,
configs and timing protocol, on one thread.

    /usr/bin/python3 bench/torch_attention.py [CONFIG...] [--steps N]

Model (include/evofolio/attention.h): Linear(F, D) input projection + sinusoidal positions
P[t][2i] = sin(t / 10000^(2i/D)), P[t][2i+1] = cos(same angle) (a buffer) -> nn.TransformerEncoder of
L pre-norm layers (norm_first, ReLU, no dropout, full mask) with a final LayerNorm -> mean over time ->
Linear(D, A) plus a skip Linear(F, A, bias=False) on the last step's input -> softmax over the A
assets -> negative Sharpe of p = w . r over the batch (population sd, variance floor 1e-8 as
LOSS_VAR_EPS in include/evofolio/loss.h), AdamW(lr 1e-3, PyTorch's defaults otherwise).
Shapes: B batch (days), T steps, F input width, D d_model, NH heads, FF feed-forward width, L layers,
A assets.
Output: comment lines start with '#'; one machine-readable line per config (bench/compare_attention.sh
reads it):
    torch-attention NAME samples_per_s ms_per_step
"""
import math
import sys

# the timing protocol, the loss, the seed and the command line are torch_lstm.py's (it sets
# OMP_NUM_THREADS before torch loads)
from torch_lstm import REPEATS, SEED, neg_sharpe, run_configs, time_work, torch

CONFIGS = {  # name: (B, T, F, D, NH, FF, L, A), as in bench/attention_bench.c
    "small": (32, 30, 20, 32, 2, 64, 1, 5),
    "seed": (64, 60, 150, 64, 4, 128, 2, 30),
    "portfolio": (64, 60, 18, 32, 2, 64, 2, 6),
}


def positions(T, D):  # P[T][D] as attn_init computes it
    P = torch.zeros(T, D)
    for t in range(T):
        for i in range(D):
            angle = t / math.pow(10000.0, (i - i % 2) / D)
            P[t, i] = math.cos(angle) if i % 2 else math.sin(angle)
    return P


class AssetAttention(torch.nn.Module):
    def __init__(self, T, F, D, NH, FF, L, A):
        super().__init__()
        self.proj = torch.nn.Linear(F, D)
        self.register_buffer("pos", positions(T, D))
        layer = torch.nn.TransformerEncoderLayer(D, NH, FF, dropout=0.0, activation="relu",
                                                 batch_first=True, norm_first=True)
        self.encoder = torch.nn.TransformerEncoder(layer, L, norm=torch.nn.LayerNorm(D),
                                                   enable_nested_tensor=False)
        self.head = torch.nn.Linear(D, A)
        self.skip = torch.nn.Linear(F, A, bias=False)

    def forward(self, x):  # x[B][T][F] -> w[B][A]
        z = self.encoder(self.proj(x) + self.pos)
        y = self.head(z.mean(dim=1)) + self.skip(x[:, -1, :])
        return torch.softmax(y, dim=-1)


def bench_one(name, fixed_steps):
    B, T, F, D, NH, FF, L, A = CONFIGS[name]
    torch.manual_seed(SEED)
    x = torch.randn(B, T, F)
    r = 0.0005 + 0.01 * torch.randn(B, A)  # daily returns: mean 5 bp, sd 1%
    model = AssetAttention(T, F, D, NH, FF, L, A)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = neg_sharpe(model(x), r)
        loss.backward()
        opt.step()
        if not torch.isfinite(loss):
            raise FloatingPointError(f"{name}: training diverged (loss {loss.item()})")

    t_step, steps = time_work(step, fixed_steps)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"# {name:<9} B {B} T {T} F {F} D {D} heads {NH} ff {FF} L {L} A {A}: {n_params} parameters; "
          f"{steps} steps x {REPEATS} repeats; {B / t_step:.1f} samples/s, {t_step * 1e3:.3f} ms/step")
    print(f"torch-attention {name} {B / t_step:.1f} {t_step * 1e3:.3f}", flush=True)


def main():
    return run_configs("torch_attention", CONFIGS, bench_one)


if __name__ == "__main__":
    sys.exit(main())
