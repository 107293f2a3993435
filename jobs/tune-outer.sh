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
# Runs and logs go to runs/tune-outer/; the table (markdown) to runs/tune-outer/report.md and stdout (jobs/tune.sh runs them).
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

# One tune.sh variant per (k, setting); tune.sh runs them on the held-out rows and prints the table.
variants=()
for k in $ks; do
  for setting in "${settings[@]}"; do
    read -r name overrides <<< "$setting"
    variants+=(--variant "k$k-$name engine.mode=parameter-averaging engine.workers=2 engine.local-steps=$k train.learning-rate-decay=1.0 $overrides")
  done
done
exec jobs/tune.sh --conf "$conf" --out "$out" --validation "$validation" --rows "$rows" --epochs "$epochs" "${variants[@]}"
