#!/usr/bin/env bash
# The text benchmark: the SpamAssassin LSTM (conf/spamassassin-lstm.conf) trained single-process and
# with dptrain's parameter averaging on 2 workers (local[2]), on the same prepared, stratified split,
# each in its own JVM; then `dptrain text-bench-report`: test accuracy, spam precision/recall/F1 and
# steady examples/s, ending with 'SUMMARY lstm_acc=A single_acc=A spam_f1=F dist_vs_single=R'.
#   jobs/bench-text.sh [--epochs N] [--mode parameter-averaging|gradient-averaging]
# Outputs and logs in runs/bench-text/. Run nothing else on the machine meanwhile.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

epochs=3
mode=parameter-averaging
while [ $# -gt 0 ]; do
  case "$1" in
    --epochs)
      [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || { echo "bench-text: --epochs '${2:-}' is not allowed; allowed: an integer >= 1" >&2; exit 2; }
      epochs=$2; shift 2 ;;
    --mode)
      [[ "${2:-}" =~ ^(parameter-averaging|gradient-averaging)$ ]] || { echo "bench-text: --mode '${2:-}' is not allowed; allowed: parameter-averaging, gradient-averaging" >&2; exit 2; }
      mode=$2; shift 2 ;;
    -h|--help) sed -n '2,7s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "bench-text: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

out=runs/bench-text
echo "bench-text: machine: $(nproc) cores, $(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'); $epochs epochs"
jobs/fetch-data.sh spam-assassin
if [ ! -e data/prepared/spam-assassin-train.parquet ] || [ ! -e data/prepared/spam-assassin-vocabulary.txt ]; then
  jobs/dptrain prepare spam-assassin --overwrite
fi
mkdir -p "$out"
common=(train --conf conf/spamassassin-lstm.conf --set "train.epochs=$epochs" --set 'spark.master=local[2]'
        --set train.progress-every=20)
echo "bench-text: training single-process (log: $out/single-process.log)"
jobs/dptrain "${common[@]}" --set engine.mode=single-process --set "output.dir=$out/single-process" 2>&1 \
  | tee "$out/single-process.log"
echo "bench-text: training $mode on 2 workers (log: $out/$mode.log)"
jobs/dptrain "${common[@]}" --set "engine.mode=$mode" --set engine.workers=2 --set "output.dir=$out/$mode" 2>&1 \
  | tee "$out/$mode.log"
jobs/dptrain text-bench-report --positive spam "$out/single-process" "$out/$mode" | tee "$out/report.md"
