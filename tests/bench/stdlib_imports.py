# Benchmark workload (tests/bench/workload_guest.sh, tests/vm/bench.sh): import the first
# 200 modules of sys.stdlib_module_names (C accelerators included) that import; exit 1 when
# fewer than 200 did.
import importlib
import sys

SKIP = {"antigravity", "this", "idlelib", "tkinter", "turtle", "turtledemo", "pydoc_data",
        "ensurepip", "venv", "lib2to3", "test", "__main__"}
imported = 0
for name in sorted(sys.stdlib_module_names):
    if name in SKIP:
        continue
    try:
        importlib.import_module(name)
    except Exception:
        continue
    imported += 1
    if imported == 200:
        break
sys.exit(0 if imported == 200 else 1)
