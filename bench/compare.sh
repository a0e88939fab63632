#!/usr/bin/env bash
# Runs the five peer workloads in PyTorch and in ActorGrad, one after the other in one go, and
# prints a table: workload, PyTorch us, ActorGrad us, ratio ActorGrad/PyTorch (lower is better).
# Usage: bench/compare.sh [--isa avx2] [workload ...]      (default: all five, each side at its widest ISA)
#   --isa avx2   both sides at AVX2 on an AVX-512 machine: .NET with DOTNET_EnableAVX512=0 (.NET 10's switch;
#                DOTNET_EnableAVX512F is ignored since .NET 10), OpenBLAS with OPENBLAS_CORETYPE=Haswell and
#                PyTorch's own kernels with ATEN_CPU_CAPABILITY=avx2.
# Before the table it prints what the figures were measured on: the CPU, the ISA of each side's kernels, the FMA peak.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" == "--isa" ]]; then
  case "${2:-}" in
    avx2) export DOTNET_EnableAVX512=0 OPENBLAS_CORETYPE=Haswell ATEN_CPU_CAPABILITY=avx2 ;;
    *) echo "compare.sh: --isa takes avx2 (the default is each side's widest ISA), not '${2:-}'" >&2; exit 2 ;;
  esac
  shift 2
fi

py=/usr/bin/python3
if ! "$py" -c 'import torch' 2>/dev/null; then
  cat >&2 <<'MSG'
PyTorch is not installed for /usr/bin/python3. Install Debian's build with OpenBLAS:
    apt-get install -y python3-torch libopenblas0-pthread
and run this script again (it uses /usr/bin/python3; the first python3 on PATH may lack torch).
MSG
  exit 2
fi

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

dotnet build bench/ActorGrad.Bench -c Release -v quiet -nologo >"$out/build.log" 2>&1 ||
  { cat "$out/build.log" >&2; echo "build failed" >&2; exit 1; }

dotnet run -c Release --no-build --project bench/ActorGrad.Bench -- machine | tee "$out/machine.txt" >&2
# OpenBLAS names the kernel set it picked (Haswell = AVX2, SkylakeX/Cooperlake = AVX-512).
"$py" - >"$out/torch_isa.txt" <<'PY'
import ctypes, os, torch
try:
    blas = ctypes.CDLL("libopenblas.so.0"); blas.openblas_get_corename.restype = ctypes.c_char_p
    core = blas.openblas_get_corename().decode()
except (OSError, AttributeError):
    core = "unknown (libopenblas.so.0 not loadable)"
print(f"# pytorch {torch.__version__}: OpenBLAS kernels {core}; ATen kernels {os.environ.get('ATEN_CPU_CAPABILITY', 'widest the build has')}; 2 threads (set by torch_workloads.py)")
PY
cat "$out/torch_isa.txt" >&2
echo "PyTorch $("$py" -c 'import torch; print(torch.__version__)') ..." >&2
"$py" bench/peer/torch_workloads.py "$@" | tee "$out/torch.tsv" >&2
echo "ActorGrad ..." >&2
dotnet run -c Release --no-build --project bench/ActorGrad.Bench -- peer "$@" | tee "$out/actorgrad.tsv" >&2

printf '\n'
cat "$out/machine.txt" "$out/torch_isa.txt"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
echo "# load average before and after: $load_before / $load_after"
# Both sides run two threads (the load average counts them too, about 2): with other work on the machine the
# ratios say how each side copes with the load (OpenBLAS's spinning threads badly), not how fast it is.
if awk -v a="${load_before%% *}" -v b="${load_after%% *}" -v n="$(nproc)" 'BEGIN { exit !(a > n + 1 || b > n + 1) }'; then
  echo "# WARNING: load average above $(( $(nproc) + 1 )) (the cores plus one): other work ran meanwhile; these ratios are not comparable"
fi
printf '\n| workload | PyTorch us | ActorGrad us | ratio |\n|---|---:|---:|---:|\n'
# In PyTorch's order; a workload missing on either side is listed with a dash.
awk -F'\t' 'NR == FNR { ag[$1] = $2; next }
  ($1 in ag) { printf "| %s | %.1f | %.1f | %.3f |\n", $1, $2, ag[$1], ag[$1] / $2; next }
  { printf "| %s | %.1f | - | - |\n", $1, $2 }' "$out/actorgrad.tsv" "$out/torch.tsv"
