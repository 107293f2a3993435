#!/usr/bin/env bash
# Tunes parameter averaging's outer step (engine.outer.*) on a validation split carved from the
# training table, never on the test table: data.validation-rows holds out the first rows of the
# table's seeded order, every epoch is evaluated on them, and the table printed here shows only
# validation accuracy. LeNet on Fashion-MNIST (conf/fashion-mnist-lenet.conf), 2 workers of batch 64 on
# local[2], Adam at a constant 1e-3, each setting in its own JVM, for each k of --k (local steps):
#   none                 plain averaging (the reference for each k)
#   slowmo               nesterov, eta 1.0, mu 0.5 (SlowMo's setting for few workers)
#   diloco               nesterov, eta 0.7, mu 0.9 (DiLoCo's)
#   momentum             heavy-ball momentum, eta 1.0, mu 0.5
# Accuracy does not depend on the machine's load (the runs are seeded), so other work may run meanwhile.
#   jobs/tune-outer.sh                      10000 validation rows, train on 20000 others, 2 epochs, k = 5 and 20
#   jobs/tune-outer.sh --rows N --epochs E  train on N rows (after the 10000 held out), E epochs
#   jobs/tune-outer.sh --k "5 20 50"        the local steps to try (k = 50 needs --rows 50000 for rounds enough)
#   jobs/tune-outer.sh --help
# Runs and logs go to runs/tune-outer/; the table (markdown) to runs/tune-outer/report.md and stdout.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bench_name=tune-outer
# shellcheck source=jobs/lib/bench-common.sh
. jobs/lib/bench-common.sh

rows=20000
epochs=2
ks="5 20"
validation=10000
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) require_count "$@"; rows=$2; shift 2 ;;
    --epochs) require_count "$@"; epochs=$2; shift 2 ;;
    --k)
      [[ "${2:-}" =~ ^[1-9][0-9]*( [1-9][0-9]*)*$ ]] || usage_error "--k '${2:-}' is not allowed; allowed: integers >= 1 separated by spaces, e.g. \"5 20 50\""
      ks=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) unknown_argument "$1" "--rows N, --epochs E, --k LIST, --help" ;;
  esac
done

conf=conf/fashion-mnist-lenet.conf
out=runs/tune-outer
settings=(
  "none engine.outer.optimizer=none"
  "slowmo engine.outer.optimizer=nesterov engine.outer.learning-rate=1.0 engine.outer.momentum=0.5"
  "diloco engine.outer.optimizer=nesterov engine.outer.learning-rate=0.7 engine.outer.momentum=0.9"
  "momentum engine.outer.optimizer=momentum engine.outer.learning-rate=1.0 engine.outer.momentum=0.5"
)

echo "tune-outer: machine: $(machine); $conf, $validation validation rows, $rows training rows, $epochs epochs"
prepare_fashion_mnist
mkdir -p "$out"

table="| k | outer step | settings |"
rule="|---|---|---|"
for e in $(seq 1 "$epochs"); do
  table+=" validation acc, epoch $e |"
  rule+="---|"
done
table+=$'\n'"$rule"
for k in $ks; do
  for setting in "${settings[@]}"; do
    read -r name overrides <<< "$setting"
    run=k$k-$name
    sets=()
    for o in $overrides; do sets+=(--set "$o"); done
    echo "tune-outer: training $run (log: $out/$run.log; load average $(load_average))"
    jobs/dptrain train --conf "$conf" --set "output.dir=$out/$run" --set 'spark.master=local[2]' \
      --set engine.mode=parameter-averaging --set engine.workers=2 --set "engine.local-steps=$k" \
      --set "data.validation-rows=$validation" --set "data.train-limit=$rows" --set "train.epochs=$epochs" \
      --set train.learning-rate-decay=1.0 \
      --set train.progress-every=0 "${sets[@]}" > "$out/$run.log" 2>&1 \
      || { echo "tune-outer: $run failed; see $out/$run.log" >&2; exit 1; }
    # EpochEvaluation's lines: 'epoch N: validation accuracy 0.1234 (evaluated in ...)'.
    accuracies=$(sed -n 's/.*epoch [0-9]*: validation accuracy \([0-9.]*\).*/\1/p' "$out/$run.log" | tr '\n' ' ')
    row="| $k | $name | ${overrides//engine.outer./} |"
    for a in $accuracies; do row+=" $a |"; done
    table+=$'\n'"$row"
  done
done
{
  echo "Outer-step tuning on $validation validation rows held out of the training table (data.validation-rows;"
  echo "the test table is not looked at), LeNet, 2 workers x batch 64, $rows training rows, $epochs epochs."
  echo "Machine: $(machine). Command: jobs/tune-outer.sh --rows $rows --epochs $epochs --k \"$ks\""
  echo
  echo "$table"
} | tee "$out/report.md"
