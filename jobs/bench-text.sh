#!/usr/bin/env bash
# The text benchmark: the SpamAssassin LSTM (conf/spamassassin-lstm.conf) trained single-process and
# with dptrain's gradient averaging (default) or parameter averaging on 2 workers (local[2]), on the
# same prepared, stratified split, each in its own JVM; then `dptrain text-bench-report`: test
# accuracy, spam precision/recall/F1 and steady examples/s, ending with 'SUMMARY lstm_acc=A single_acc=A spam_f1=F dist_vs_single=R'.
# The single-process reference steps on minibatches of 2 x train.batch-size: as many examples per step as the
# two workers' batches together (the same effective batch), with the same learning rate and schedule; gradient
# averaging with 2 workers is then the same computation step for step (up to float rounding).
#   jobs/bench-text.sh [--epochs N (default: the configuration's)] [--mode gradient-averaging|parameter-averaging]
# Outputs and logs in runs/bench-text/. Run nothing else on the machine meanwhile.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bench_name=bench-text
# shellcheck source=jobs/lib/bench-common.sh
. jobs/lib/bench-common.sh

conf=conf/spamassassin-lstm.conf
epochs=
mode=gradient-averaging
while [ $# -gt 0 ]; do
  case "$1" in
    --epochs) require_count "$@"; epochs=$2; shift 2 ;;
    --mode)
      [[ "${2:-}" =~ ^(parameter-averaging|gradient-averaging)$ ]] \
        || usage_error "--mode '${2:-}' is not allowed; allowed: parameter-averaging, gradient-averaging"
      mode=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) unknown_argument "$1" ;;
  esac
done

# The configuration's values as train resolves them (jobs/dptrain builds first when needed).
settings=$(jobs/dptrain config get --conf "$conf" train.epochs data.max-length data.vocabulary-size train.batch-size)
{ read -r conf_epochs; read -r max_length; read -r vocabulary_size; read -r batch_size; } <<< "$settings"
epochs=${epochs:-$conf_epochs}

out=runs/bench-text
echo "bench-text: machine: $(machine); $epochs epochs"
jobs/fetch-data.sh spam-assassin
prepare_spam_assassin "$max_length" "$vocabulary_size"
mkdir -p "$out"
common=(train --conf "$conf" --set "train.epochs=$epochs" --set 'spark.master=local[2]'
        --set train.progress-every=20)
echo "bench-text: training single-process (log: $out/single-process.log)"
jobs/dptrain "${common[@]}" --set engine.mode=single-process --set "train.batch-size=$((2 * batch_size))" \
  --set "output.dir=$out/single-process" 2>&1 \
  | tee "$out/single-process.log"
echo "bench-text: training $mode on 2 workers (log: $out/$mode.log)"
jobs/dptrain "${common[@]}" --set "engine.mode=$mode" --set engine.workers=2 --set "output.dir=$out/$mode" 2>&1 \
  | tee "$out/$mode.log"
jobs/dptrain text-bench-report --positive spam "$out/single-process" "$out/$mode" | tee "$out/report.md"
