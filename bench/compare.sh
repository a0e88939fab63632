#!/usr/bin/env bash
# Runs the five peer workloads in PyTorch and in ActorGrad, one after the other in one go, and
# prints a table: workload, PyTorch us, ActorGrad us, ratio ActorGrad/PyTorch (lower is better).
# Usage: bench/compare.sh [workload ...]      (default: all five)
set -euo pipefail
cd "$(dirname "$0")/.."

py=/usr/bin/python3
if ! "$py" -c 'import torch' 2>/dev/null; then
  cat >&2 <<'MSG'
PyTorch is not installed for /usr/bin/python3. Install Debian's build with OpenBLAS:
    apt-get install -y python3-torch libopenblas0-pthread
and run this script again (it uses /usr/bin/python3; the first python3 on PATH may lack torch).
MSG
  exit 2
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

dotnet build bench/ActorGrad.Bench -c Release -v quiet -nologo >"$out/build.log" 2>&1 ||
  { cat "$out/build.log" >&2; echo "build failed" >&2; exit 1; }

echo "PyTorch $("$py" -c 'import torch; print(torch.__version__)') ..." >&2
"$py" bench/peer/torch_workloads.py "$@" | tee "$out/torch.tsv" >&2
echo "ActorGrad ..." >&2
dotnet run -c Release --no-build --project bench/ActorGrad.Bench -- peer "$@" | tee "$out/actorgrad.tsv" >&2

printf '\n| workload | PyTorch us | ActorGrad us | ratio |\n|---|---:|---:|---:|\n'
# In PyTorch's order; a workload missing on either side is listed with a dash.
awk -F'\t' 'NR == FNR { ag[$1] = $2; next }
  ($1 in ag) { printf "| %s | %.1f | %.1f | %.3f |\n", $1, $2, ag[$1], ag[$1] / $2; next }
  { printf "| %s | %.1f | - | - |\n", $1, $2 }' "$out/actorgrad.tsv" "$out/torch.tsv"
