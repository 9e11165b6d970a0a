"""Start-up time: `book-alliance --help` and create_app() against a bare Flask app, same run.

Each command runs in a fresh interpreter, several times, the commands taking turns; the
medians and their ratios are printed. Targets (issue 11): `book-alliance --help` at most 2x
`flask --help` of a bare app, create_app() at most 3x creating a bare Flask app.

    .venv/bin/python benchmarks/startup.py [--runs 7]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
BARE_APP = "from flask import Flask\napp = Flask(__name__)\n"


def timed(command: list[str], environ: dict) -> float:
    """Run a command and return how long it took, in seconds."""
    started = time.perf_counter()
    subprocess.run(command, env=environ, check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - started


def medians_of(runs: int, cases: dict[str, list[str]], environ: dict) -> dict[str, float]:
    """Time each case `runs` times, taking turns (so that the load of a shared machine falls
    on all cases alike), and return each case's median."""
    for command in cases.values():
        timed(command, environ)  # warm the file cache and the bytecode
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(runs):
        for name, command in cases.items():
            times[name].append(timed(command, environ))
    return {name: statistics.median(seconds) for name, seconds in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as folder:
        bare = Path(folder) / "bare_app.py"
        bare.write_text(BARE_APP)
        environ = {**os.environ, "ALLIANCE_INSTANCE_PATH": folder, "FLASK_APP": str(bare)}
        environ.pop("DATABASE_URL", None)
        # Measure the start of an installed app, whose bytecode is compiled once: with
        # PYTHONDONTWRITEBYTECODE set (as in some shells), the project's own modules (not the
        # libraries, compiled when installed) would be compiled from source on every run.
        environ.pop("PYTHONDONTWRITEBYTECODE", None)
        python = sys.executable
        cases = {
            "flask --help (bare app)": [str(BIN / "flask"), "--help"],
            "book-alliance --help": [str(BIN / "book-alliance"), "--help"],
            "Flask() (bare)": [python, "-c", "from flask import Flask; Flask('bare')"],
            "create_app()": [python, "-c", "from alliance import create_app; create_app()"],
        }
        times = medians_of(runs, cases, environ)
    for name, seconds in times.items():
        print(f"{name:28} {seconds * 1000:7.0f} ms (median of {runs})")
    help_ratio = times["book-alliance --help"] / times["flask --help (bare app)"]
    app_ratio = times["create_app()"] / times["Flask() (bare)"]
    print(f"book-alliance --help / flask --help: {help_ratio:.2f}x (target at most 2x)")
    print(f"create_app() / Flask():              {app_ratio:.2f}x (target at most 3x)")


if __name__ == "__main__":
    main()
