"""torch_lstm: the PyTorch reference for bench/lstm_bench.c - the same model, loss, optimizer, configs
and timing protocol, on one thread.

    /usr/bin/python3 bench/torch_lstm.py [CONFIG...] [--steps N]

Model: nn.LSTM(F, H, L, batch_first) -> last hidden state -> Linear(H, A) -> softmax over the A
assets -> negative Sharpe of the day returns p = w . r over the batch (population sd, variance floor
1e-8 as LOSS_VAR_EPS in include/evofolio/loss.h), AdamW(lr 1e-3, PyTorch's defaults otherwise).
Shapes: B batch (days), T steps, F input width, H hidden, L layers, A assets.
Output: comment lines start with '#'; one machine-readable line per config (bench/compare.sh reads it):
    torch NAME samples_per_s ms_per_step
"""
import argparse
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before torch loads its thread pools
import torch  # noqa: E402

CONFIGS = {  # name: (B, T, F, H, L, A), as in bench/lstm_bench.c
    "small": (32, 30, 20, 32, 1, 5),
    "seed": (64, 60, 150, 32, 2, 30),
    "large": (64, 120, 150, 128, 2, 30),
    "portfolio": (64, 60, 18, 64, 2, 6),
}
REPEATS = 3        # timed repeats; the median is reported
WARMUP_STEPS = 3   # untimed steps before timing (at least)
WARMUP_S = 0.2     # and for at least this long
REPEAT_S = 0.5     # each repeat runs at least this long (auto steps)
SEED = 20240611
LOSS_VAR_EPS = 1e-8


class AssetLSTM(torch.nn.Module):
    def __init__(self, F, H, L, A):
        super().__init__()
        self.lstm = torch.nn.LSTM(F, H, L, batch_first=True)
        self.head = torch.nn.Linear(H, A)

    def forward(self, x):  # x[B][T][F] -> w[B][A]
        out, _ = self.lstm(x)
        return torch.softmax(self.head(out[:, -1, :]), dim=-1)


def neg_sharpe(w, r):  # w, r [B][A]
    p = (w * r).sum(dim=-1)
    mean = p.mean()
    var = ((p - mean) ** 2).mean()  # population variance
    return -mean / torch.sqrt(var + LOSS_VAR_EPS)


def time_work(step, fixed_steps):
    """Seconds per step and the steps per repeat: warm up, then the median of REPEATS repeats."""
    t0 = time.perf_counter()
    warm, elapsed = 0, 0.0
    while warm < WARMUP_STEPS or elapsed < WARMUP_S:
        step()
        warm += 1
        elapsed = time.perf_counter() - t0
    steps = fixed_steps or max(1, int(-(-REPEAT_S // (elapsed / warm))))
    per = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        for _ in range(steps):
            step()
        per.append((time.perf_counter() - start) / steps)
    return sorted(per)[REPEATS // 2], steps


def bench_one(name, fixed_steps):
    B, T, F, H, L, A = CONFIGS[name]
    torch.manual_seed(SEED)
    x = torch.randn(B, T, F)
    r = 0.0005 + 0.01 * torch.randn(B, A)  # daily returns: mean 5 bp, sd 1%
    model = AssetLSTM(F, H, L, A)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = neg_sharpe(model(x), r)
        loss.backward()
        opt.step()
        if not torch.isfinite(loss):
            raise FloatingPointError(f"{name}: training diverged (loss {loss.item()})")

    t_step, steps = time_work(step, fixed_steps)
    print(f"# {name:<9} B {B} T {T} F {F} H {H} L {L} A {A}: {steps} steps x {REPEATS} repeats; "
          f"{B / t_step:.1f} samples/s, {t_step * 1e3:.3f} ms/step")
    print(f"torch {name} {B / t_step:.1f} {t_step * 1e3:.3f}", flush=True)


def run_configs(program, configs, bench_one):
    """The command line shared with torch_attention.py: CONFIG names (default: all) and --steps N; one
    thread; bench_one(name, steps) per config chosen."""
    ap = argparse.ArgumentParser(description=f"PyTorch reference for bench/{program.split('_')[1]}_bench.c")
    ap.add_argument("configs", nargs="*", metavar="CONFIG",
                    help="one of " + ", ".join(configs) + " (default: all)")
    ap.add_argument("--steps", type=int, default=0,
                    help=f"steps per timed repeat (default: enough for {REPEAT_S} s)")
    args = ap.parse_args()
    if args.steps < 0:
        ap.error("--steps wants a positive whole number")
    for name in args.configs:
        if name not in configs:
            ap.error(f"unknown config '{name}'; choose from " + ", ".join(configs))
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    print(f"# {program}: PyTorch {torch.__version__}, {torch.get_num_threads()} thread, "
          f"median of {REPEATS} repeats", flush=True)
    for name in configs:
        if not args.configs or name in args.configs:
            bench_one(name, args.steps)
    return 0


def main():
    return run_configs("torch_lstm", CONFIGS, bench_one)


if __name__ == "__main__":
    sys.exit(main())
