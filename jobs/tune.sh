#!/usr/bin/env bash
# Compares settings of a job on a validation split carved from the training table, never on the test
# table: data.validation-rows holds out the first rows of the table's seeded order, every epoch is
# evaluated on them, and the table printed here shows only validation accuracy. Each variant runs the
# config file with its --set overrides in its own JVM on local[2] (the file's engine and workers).
# Accuracy does not depend on the machine's load (the runs are seeded), so other work may run meanwhile.
#   jobs/tune.sh --variant "NAME key=value ..." [--variant ...]   one row per variant ("NAME" alone: the file as is)
#   --conf FILE          the job (default conf/fashion-mnist-lenet.conf)
#   --validation N       rows held out for validation (default 10000)
#   --rows N             training rows after them (default 0: all the others)
#   --epochs E           (default: the file's)
#   --out DIR            runs, logs and report.md (default runs/tune/)
#   jobs/tune.sh --help
# jobs/tune-outer.sh is the same idea with the outer-step variants built in.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bench_name=tune
# shellcheck source=jobs/lib/bench-common.sh
. jobs/lib/bench-common.sh

conf=conf/fashion-mnist-lenet.conf
validation=10000
rows=0
epochs=
out=runs/tune
variants=()
command_line="jobs/tune.sh$(printf " %q" "$@")"
while [ $# -gt 0 ]; do
  case "$1" in
    --conf) [ $# -ge 2 ] && [ -f "$2" ] || usage_error "--conf needs an existing file, got '${2:-}'"; conf=$2; shift 2 ;;
    --validation) require_count "$@"; validation=$2; shift 2 ;;
    --rows) [[ "${2:-}" =~ ^[0-9]+$ ]] || usage_error "--rows '${2:-}' is not allowed; allowed: an integer >= 0"
      rows=$2; shift 2 ;;
    --epochs) require_count "$@"; epochs=$2; shift 2 ;;
    --out) [ $# -ge 2 ] || usage_error "--out needs a folder"; out=$2; shift 2 ;;
    --variant)
      [[ "${2:-}" =~ ^[A-Za-z0-9._-]+( [A-Za-z0-9._-]+=[^ ]+)*$ ]] \
        || usage_error "--variant '${2:-}' is not allowed; allowed: \"NAME key=value ...\" (NAME: letters, digits, . _ -)"
      variants+=("$2"); shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) unknown_argument "$1" "--variant V, --conf FILE, --validation N, --rows N, --epochs E, --out DIR, --help" ;;
  esac
done
[ ${#variants[@]} -gt 0 ] || usage_error "at least one --variant is needed"
[ -n "$epochs" ] || epochs=$(jobs/dptrain config get --conf "$conf" train.epochs)

echo "tune: machine: $(machine); $conf, $validation validation rows, training rows ${rows/#0/all others}, $epochs epochs"
prepare_fashion_mnist
mkdir -p "$out"

table="| variant | settings |"
rule="|---|---|"
for e in $(seq 1 "$epochs"); do
  table+=" epoch $e |"
  rule+="---|"
done
table+=$'\n'"$rule"
for variant in "${variants[@]}"; do
  read -r name overrides <<< "$variant"
  sets=()
  for o in $overrides; do sets+=(--set "$o"); done
  echo "tune: training $name (log: $out/$name.log; load average $(load_average))"
  jobs/dptrain train --conf "$conf" --set "output.dir=$out/$name" --set 'spark.master=local[2]' \
    --set "data.validation-rows=$validation" --set "data.train-limit=$rows" \
    --set "train.epochs=$epochs" --set train.progress-every=0 "${sets[@]}" > "$out/$name.log" 2>&1 \
    || { echo "tune: $name failed; see $out/$name.log" >&2; exit 1; }
  # EpochEvaluation's lines: 'epoch N: validation accuracy 0.1234 (evaluated in ...)'.
  accuracies=$(sed -n 's/.*epoch [0-9]*: validation accuracy \([0-9.]*\).*/\1/p' "$out/$name.log" | tr '\n' ' ')
  row="| $name | ${overrides:-(the file)} |"
  for a in $accuracies; do row+=" $a |"; done
  table+=$'\n'"$row"
done
{
  echo "Validation accuracy per epoch on $validation rows held out of the training table (data.validation-rows;"
  echo "the test table is not looked at); $conf, $epochs epochs."
  echo "Machine: $(machine). Command: $command_line"
  echo
  echo "$table"
} | tee "$out/report.md"
