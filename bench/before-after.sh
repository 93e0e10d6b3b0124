#!/usr/bin/env bash
# Every row of the before/after table in docs/performance.md, measured in one run on this machine: the library as it
# was at BEFORE (a commit; by default 08a2241, the last one before the performance work) and as it is in this working
# tree, one after the other. Needs ../shared beside the repository (the diff fixtures) and, for the native CLI row, a
# clang (any on PATH, or clang-NN).
#
#   bench/before-after.sh [BEFORE]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
before=${1:-08a2241}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

mkdir -p "$work/before-src"
git -C "$root" archive "$before" | tar -x -C "$work/before-src"
quiet() { "$@" > "$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }; }

harness="$root/bench/Vvp.Reconciliation.BeforeAfter/Vvp.Reconciliation.BeforeAfter.csproj"
# Commits before the CR model moved to Vvp.Reconciliation.Resources need the harness's BEFORE variant.
variant=()
grep -rqs "namespace Vvp.Reconciliation.Resources" "$work/before-src/src/Vvp.Reconciliation" || variant=(-p:Variant=before)
quiet dotnet build "$harness" -c Release "${variant[@]}" -p:VvpRoot="$work/before-src/" --artifacts-path "$work/harness-before"
quiet dotnet build "$harness" -c Release --artifacts-path "$work/harness-after"
# The JIT builds (the project publishes natively by default, which makes no vvp-reconcile.dll).
quiet dotnet publish "$work/before-src/src/Vvp.Reconciliation.Cli/Vvp.Reconciliation.Cli.csproj" -c Release -p:PublishAot=false -o "$work/cli-before"
quiet dotnet publish "$root/src/Vvp.Reconciliation.Cli/Vvp.Reconciliation.Cli.csproj" -c Release -p:PublishAot=false -o "$work/cli-after"
linker=""
for candidate in clang clang-20 clang-19 clang-18 clang-17 clang-16 clang-15 clang-14; do
  if command -v "$candidate" >/dev/null 2>&1; then linker="$candidate"; break; fi
done
if [ -n "$linker" ]; then
  quiet dotnet publish "$root/src/Vvp.Reconciliation.Cli/Vvp.Reconciliation.Cli.csproj" -c Release -r linux-x64 \
    -p:PublishAot=true -p:CppCompilerAndLinker="$linker" -o "$work/cli-aot"
fi

echo "# machine: $(nproc) cores, $(uname -sm), .NET $(dotnet --version), $(date -u +%Y-%m-%dT%H:%MZ); before = $(git -C "$root" rev-parse --short "$before"), after = $(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD -- src || echo ' + working tree')"
for variant in before after; do
  echo "## $variant"
  dotnet "$work/harness-$variant/bin/Vvp.Reconciliation.BeforeAfter/release/Vvp.Reconciliation.BeforeAfter.dll" "$root"
done

# The rows of the seed CR and the diff fixtures again, the two versions alternating for three rounds, and the median of
# each row over the rounds: a change of the machine's speed between the halves above weighs on both versions alike here.
echo "## fixed rows, alternating, median of 3 rounds"
for round in 1 2 3; do
  for variant in before after; do
    dotnet "$work/harness-$variant/bin/Vvp.Reconciliation.BeforeAfter/release/Vvp.Reconciliation.BeforeAfter.dll" "$root" fixed |
      sed "s/^/$variant\t/" >> "$work/fixed.tsv"
  done
done
python3 - "$work/fixed.tsv" <<'PY'
import collections, statistics, sys
rows = collections.OrderedDict()
for line in open(sys.argv[1], encoding="utf-8"):
    variant, name, value, unit, *rest = line.rstrip("\n").split("\t")
    rows.setdefault(name, {}).setdefault(variant, []).append((float(value), unit, rest))
for name, variants in rows.items():
    cells = []
    for variant in ("before", "after"):
        runs = variants.get(variant, [])
        median = statistics.median(v for v, _, _ in runs)
        extra = f", {runs[0][2][0]} {runs[0][2][1]}" if len(runs[0][2]) == 2 else ""
        cells.append(f"{median:.1f} {runs[0][1]}{extra} (rounds: {' / '.join(f'{v:.1f}' for v, _, _ in runs)})")
    print(f"{name}\t" + "\t".join(cells))
PY

# The CLI, whole process: `plan` on the seed CR, median of 30 runs and the median peak resident memory.
cli_row() {
  python3 - "$@" <<'PY'
import statistics, subprocess, sys, time
name, command = sys.argv[1], sys.argv[2:]
times, peaks = [], []
for i in range(33):
    start = time.perf_counter()
    run = subprocess.run(["/usr/bin/time", "-f", "%M", *command], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = (time.perf_counter() - start) * 1000
    if run.returncode != 0:
        sys.exit(f"{name}: exit code {run.returncode}: {run.stderr}")
    if i >= 3:
        times.append(elapsed)
        peaks.append(int(run.stderr.strip().splitlines()[-1]) / 1024)
print(f"{name}\t{statistics.median(times):.1f}\tms\t{statistics.median(peaks):.1f}\tMiB")
PY
}
cr="$root/samples/QuickStart/crs/test-cr.yaml"
echo "## cli"
cli_row "before: dotnet vvp-reconcile.dll plan" dotnet "$work/cli-before/vvp-reconcile.dll" plan --cr "$cr"
cli_row "after: dotnet vvp-reconcile.dll plan" dotnet "$work/cli-after/vvp-reconcile.dll" plan --cr "$cr"
if [ -n "$linker" ]; then
  cli_row "after: native vvp-reconcile plan" "$work/cli-aot/vvp-reconcile" plan --cr "$cr"
fi
