#!/usr/bin/env bash
# VM, BPF backend: boots Debian's 6.1 cloud kernel and runs tests/vm/bench.sh inside.
top=$(cd "$(dirname "$0")/../.." && pwd)
VM_KERNELS=linux-image-cloud-amd64 "$top/tests/vm/run.sh" --bench
