"""Reader speed: seconds to read (read_tree, no validation) roadmap-2100.yaml and a generated
file of N plain routes, median of 5 runs each.

    python -m benchmarks.reader [N]      # N routes in the generated file (default 100000)

Run it once with PYTHONPATH pointing at another checkout for a baseline in the same session.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from netopt.load import read_tree

ROOT = Path(__file__).resolve().parent.parent


def generated(n: int, folder: Path) -> Path:
    lines = ["name: big", "horizon: {start_year: 2030, stages: [{name: s1, years: 5}]}",
             "commodities: [{name: x}, {name: y}]", "nodes:"]
    lines += [f"  - {{name: n{i}, kind: orbit}}" for i in range(n // 10 + 2)]
    lines.append("routes:")
    lines += [f"  - {{name: r{i}, from: n{i % (n // 10)}, to: n{(i * 7 + 1) % (n // 10)}, "
              f"cost_per_t: {1 + i % 97 / 10}, capacity: {100 + i % 13}.5, loss: 0.01, "
              f"commodities: [x, y]}}" for i in range(n)]
    path = folder / "big.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def median_seconds(path: Path, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        data, _, problems = read_tree(path)
        times.append(time.perf_counter() - t0)
        assert not problems, problems[:3]
    return statistics.median(times)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        big = generated(n, Path(tmp))
        print(f"roadmap-2100.yaml: {median_seconds(ROOT / 'instances' / 'roadmap-2100.yaml'):.4f} s")
        print(f"{n} routes ({big.stat().st_size / 1e6:.1f} MB): {median_seconds(big):.3f} s")


if __name__ == "__main__":
    main()
