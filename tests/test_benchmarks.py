"""The throughput benchmark runs from its one command and prints a sane row per model (no timing asserted)."""
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_throughput_benchmark_prints_a_row_per_model():
    env = {**os.environ, "VAE_TF_FAST": ""}
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "throughput.py"), "--images", "640", "--epochs", "1",
                          "--models", "ae", "vae", "--batch", "64", "--no-sweep"],
                         capture_output=True, text=True, env=env, timeout=600, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    matmul = float(re.search(r"float32 matmul 2048×2048: ([\d.]+) GFLOP/s", out.stdout).group(1))
    assert matmul > 0
    rows = re.findall(r"^(ae|vae)\s+(\d+)\s+(off|on|off\*)\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+(\d+)", out.stdout, re.M)
    assert [r[0] for r in rows] == ["ae", "ae", "vae", "vae"], out.stdout  # XLA off, then on (or off* if declined)
    for _, batch, _, per_call, _, epoch, images_per_s in rows:
        assert int(batch) == 64                      # --batch overrides the notebooks' sizes
        assert int(per_call) == 10                   # 640 images / 64 = 10 steps: all in one call
        # images per second is the epoch's images over its seconds (printed to 0.01 s)
        assert 640 / (float(epoch) + 0.005) - 1 <= int(images_per_s) <= 640 / max(float(epoch) - 0.005, 1e-9) + 1
    assert "through fit, no XLA: batch size" not in out.stdout     # --no-sweep skips the batch-size sweep
    assert re.search(r"peak resident memory of this process: \d+ MB", out.stdout)


def test_breakdown_benchmark_prints_four_rows_per_model_that_add_up():
    env = {**os.environ, "VAE_TF_FAST": ""}
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "breakdown.py"), "--images", "1024", "--m2-images", "450",
                          "--epochs", "1"], capture_output=True, text=True, env=env, timeout=600, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    assert re.search(r"^CPU: .+; \d+ cores$", out.stdout, re.M), out.stdout
    for model in ("VAE 784-512-20", "M2 (SemiSupervisedVAE() defaults)"):
        block = out.stdout[out.stdout.index(model):].split("goal:")[0]
        rows = re.findall(r"^  (floor|\+|fit).*?\s([\d.]+)\s+([\d.]+)\s+(\d+)%\s+(-?[\d.]+)$", block, re.M)
        assert len(rows) == 4, block
        seconds, ratio, parts = [float(r[1]) for r in rows], [float(r[2]) for r in rows], [float(r[4]) for r in rows]
        assert ratio[0] == 1.0
        # each row's "this part" is its time minus the row before's, and the parts add up to the fit row
        assert abs(sum(parts) - seconds[-1]) <= 0.02 * len(parts)
