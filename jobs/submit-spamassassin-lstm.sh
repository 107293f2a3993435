#!/usr/bin/env bash
# The SpamAssassin LSTM (conf/spamassassin-lstm.conf) as a Spark application, in the engine mode the conf names:
#   jobs/submit-spamassassin-lstm.sh [MASTER] [--set key=value ...]
#   MASTER=spark://127.0.0.1:7077 jobs/submit-spamassassin-lstm.sh --set train.epochs=1
# MASTER: the first argument, else $MASTER, else local[*]. WORKERS: engine.workers (default 2).
# The tables and vocabulary are read from data/prepared/ (jobs/fetch-data.sh spam-assassin, then
# jobs/dptrain prepare spam-assassin); on a real cluster point them at hdfs:// paths.
# SPARK_SUBMIT_OPTS: extra spark-submit options, e.g. "--executor-memory 4g".
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
master=${MASTER:-local[*]}
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then
  master=$1
  shift
fi
workers=${WORKERS:-2}
exec "$root/jobs/submit.sh" --master "$master" --name "dptrain spamassassin lstm" \
  --conf spark.cores.max="$workers" ${SPARK_SUBMIT_OPTS:-} -- \
  train --conf "$root/conf/spamassassin-lstm.conf" \
  --set engine.workers="$workers" --set output.dir="$root/runs/submit-spamassassin-lstm" "$@"
