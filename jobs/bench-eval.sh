#!/usr/bin/env bash
# The evaluation benchmark: the per-epoch test evaluation of the 10,000 Fashion-MNIST test images with
# LeNet, the former driver-side path against the distributed Evaluator, alternating in one JVM on
# local[2]; ends with a line 'SUMMARY eval_speedup=R ...'. Both driver-side variants are measured:
# with 1 nd4j thread (what a local-mode training run left the driver with) and with 2 (its best case).
#   jobs/bench-eval.sh [--repeats N]     (7 repeats by default; about 5 minutes on 2 cores)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bench_name=bench-eval
# shellcheck source=jobs/lib/bench-common.sh
. jobs/lib/bench-common.sh
repeats=7
while [ $# -gt 0 ]; do
  case "$1" in
    --repeats) require_count "$@"; repeats=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) unknown_argument "$1" "--repeats N" ;;
  esac
done
echo "bench-eval: machine: $(machine), load average $(load_average)"
jobs/fetch-data.sh fashion-mnist
if [ ! -e data/prepared/fashion-mnist-test.parquet ]; then
  jobs/dptrain prepare fashion-mnist --overwrite
fi
for threads in 1 2; do
  echo "bench-eval: driver-side path with $threads nd4j thread(s)"
  jobs/dptrain bench-evaluate --conf conf/fashion-mnist-lenet.conf --set 'spark.master=local[2]' \
    --repeats "$repeats" --driver-threads "$threads"
done
