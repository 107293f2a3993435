#!/usr/bin/env bash
# The preparation benchmark: the driver's heap while `dptrain prepare fashion-mnist` prepares the real
# 60,000 training images (data/fashion-mnist, jobs/fetch-data.sh) and 600,000 made from them
# (`dptrain bench-generate-idx`: the real set ten times, every copy after the first with noise in the low
# 3 bits of each pixel; gzip like the real files; written once into target/bench-prepare/).
# Each prepare runs with the driver JVM capped at -Xmx512m, on local-cluster[2,1,1024]: two executor JVMs
# of their own (1 core, 1 GB each), so the driver's heap holds only what the driver holds (on local[N] the
# tasks would share it).
# The figure: the driver's GC log (-Xlog:gc), the largest heap in use just after a collection (young or
# full), while a full collection runs whenever none ran for a second (-XX:G1PeriodicGCInterval=1000, not
# concurrent), so the samples bound the live heap at least once a second; the largest heap in use before
# a collection (garbage included, which depends on the heap's size more than on the data) is printed beside it.
#   jobs/bench-prepare.sh          both sizes (about 3 minutes on 2 cores, the first time 1 more to generate)
#   jobs/bench-prepare.sh --help
# Logs and GC logs: runs/bench-prepare/; tables: target/bench-prepare/prepared-{60k,600k}/. Last line:
#   SUMMARY driver_heap_mb_60k=M driver_heap_mb_600k=M
# Run nothing else on the machine meanwhile.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bench_name=bench-prepare
# shellcheck source=jobs/lib/bench-common.sh
. jobs/lib/bench-common.sh

while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    *) unknown_argument "$1" "--help" ;;
  esac
done

real=data/fashion-mnist
work=$root/target/bench-prepare
out=runs/bench-prepare
large=$work/fashion-mnist-600k
[ -f "$real/train-images-idx3-ubyte.gz" ] || { echo "$bench_name: $real is missing; run jobs/fetch-data.sh fashion-mnist" >&2; exit 1; }
mkdir -p "$out" "$work/spark-home/jars" "$work/local"

echo "machine: $(machine)"
echo "load average at start: $(load_average)"
jobs/dptrain --version >/dev/null # builds when needed, before anything is timed
if [ ! -f "$large/done" ]; then
  rm -rf "$large"
  jobs/dptrain bench-generate-idx --source "$real" --images 600000 --gzip --out "$large"
  touch "$large/done"
fi

# Workers launch the executors from SPARK_HOME/jars (empty) plus spark.executor.extraClassPath.
export SPARK_HOME=$work/spark-home SPARK_SCALA_VERSION=2.12 SPARK_LOCAL_DIRS=$work/local
executor_classpath="$root/target/classes:$(cat target/classpath.txt)"

# The largest heap in use after (field 1) and before (field 2) a collection in a -Xlog:gc file, in MB, and
# how many collections (field 3): the pauses that collect (Young, Mixed, Full), not a concurrent cycle's
# Remark and Cleanup, whose figures still hold the young garbage.
heap_peaks() {
  awk 'function mb(v,    unit, x) { unit = substr(v, length(v)); x = substr(v, 1, length(v) - 1) + 0
                                     return unit == "K" ? x / 1024 : unit == "G" ? x * 1024 : x }
       /Pause (Young|Full)/ && match($0, /[0-9]+[KMG]->[0-9]+[KMG]\(/) {
         split(substr($0, RSTART, RLENGTH - 1), h, "->")
         if (mb(h[2]) > after) after = mb(h[2]); if (mb(h[1]) > before) before = mb(h[1]); n++ }
       END { if (n == 0) exit 1; printf "%d %d %d\n", after + 0.5, before + 0.5, n }' "$1"
}

declare -A heap
for size in 60k 600k; do
  source_dir=$real
  [ "$size" = 600k ] && source_dir=$large
  gc_log=$out/driver-gc-$size.log
  start=$(date +%s)
  java_opts="-Xmx512m -Xlog:gc:file=$gc_log -XX:G1PeriodicGCInterval=1000 -XX:-G1PeriodicGCInvokesConcurrent"
  java_opts+=" -Dspark.executor.extraClassPath=$executor_classpath -Dspark.ui.enabled=false"
  DPTRAIN_JAVA_OPTS=$java_opts jobs/dptrain prepare fashion-mnist --source "$source_dir" --out "$work/prepared-$size" --overwrite \
    --master 'local-cluster[2,1,1024]' > "$out/prepare-$size.log" 2>&1 \
    || { echo "$bench_name: prepare $size failed; see $out/prepare-$size.log:" >&2; tail -20 "$out/prepare-$size.log" >&2; exit 1; }
  seconds=$(( $(date +%s) - start ))
  read -r after before collections < <(heap_peaks "$gc_log")
  heap[$size]=$after
  grep '^prepared' "$out/prepare-$size.log"
  echo "$size: driver heap after a collection at most ${after} MB, before at most ${before} MB ($collections collections, ${seconds} s)"
done
echo "load average at end: $(load_average)"
echo "SUMMARY driver_heap_mb_60k=${heap[60k]} driver_heap_mb_600k=${heap[600k]}"
