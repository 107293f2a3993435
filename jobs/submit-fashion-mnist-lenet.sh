#!/usr/bin/env bash
# LeNet on Fashion-MNIST (conf/fashion-mnist-lenet.conf) as a Spark application, parameter averaging
# with one worker per executor core:
#   jobs/submit-fashion-mnist-lenet.sh [MASTER] [--set key=value ...]
#   MASTER=spark://127.0.0.1:7077 jobs/submit-fashion-mnist-lenet.sh --set train.epochs=1
# MASTER: the first argument, else $MASTER, else local[*]. WORKERS: engine.workers (default 2).
# The tables are read from data/prepared/ (jobs/fetch-data.sh fashion-mnist, then
# jobs/dptrain prepare fashion-mnist); on a real cluster point data.train/data.test at hdfs:// paths
# every node can read. SPARK_SUBMIT_OPTS: extra spark-submit options, e.g. "--executor-memory 4g".
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
master=${MASTER:-local[*]}
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then
  master=$1
  shift
fi
workers=${WORKERS:-2}
exec "$root/jobs/submit.sh" --master "$master" --name "dptrain fashion-mnist lenet" \
  --conf spark.cores.max="$workers" ${SPARK_SUBMIT_OPTS:-} -- \
  train --conf "$root/conf/fashion-mnist-lenet.conf" --set engine.mode=parameter-averaging \
  --set engine.workers="$workers" --set output.dir="$root/runs/submit-fashion-mnist-lenet" "$@"
