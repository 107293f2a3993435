#!/usr/bin/env bash
# The evaluation benchmark: the per-epoch test evaluation of the 10,000 Fashion-MNIST test images with
# LeNet, the former driver-side path against the distributed Evaluator, alternating in one JVM on
# local[2]; ends with a line 'SUMMARY eval_speedup=R ...'. Both driver-side variants are measured:
# with 1 nd4j thread (what a local-mode training run left the driver with) and with 2 (its best case).
#   jobs/bench-eval.sh [--repeats N]     (7 repeats by default; about 5 minutes on 2 cores)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
repeats=7
while [ $# -gt 0 ]; do
  case "$1" in
    --repeats)
      [ $# -ge 2 ] && [[ "$2" =~ ^[1-9][0-9]*$ ]] || { echo "bench-eval: --repeats needs an integer >= 1" >&2; exit 2; }
      repeats=$2; shift 2 ;;
    -h|--help) sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "bench-eval: unknown argument '$1'; allowed: --repeats N" >&2; exit 2 ;;
  esac
done
model=$(grep -m1 '^model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || true)
echo "bench-eval: machine: $(nproc) cores, ${model:-unknown CPU model}, load average $(cut -d' ' -f1-3 /proc/loadavg)"
jobs/fetch-data.sh fashion-mnist
if [ ! -e data/prepared/fashion-mnist-test.parquet ]; then
  jobs/dptrain prepare fashion-mnist --overwrite
fi
for threads in 1 2; do
  echo "bench-eval: driver-side path with $threads nd4j thread(s)"
  jobs/dptrain bench-evaluate --conf conf/fashion-mnist-lenet.conf --set 'spark.master=local[2]' \
    --repeats "$repeats" --driver-threads "$threads"
done
