#!/usr/bin/env bash
# The cluster benchmark: the same LeNet job on Fashion-MNIST (conf/fashion-mnist-lenet.conf, parameter
# averaging, k=5, 2 workers, batch 64, Adam 1e-3, all 60000 rows) trained twice in one run:
#   1. on local[2] (jobs/dptrain train: driver and both replicas in one JVM),
#   2. submitted with jobs/submit.sh (client mode) to a standalone cluster that jobs/cluster-up.sh
#      starts: 2 Workers of 1 core each, one 1-core executor per Worker (spark.task.cpus=1), so the
#      same 2 cores as local[2]. jobs/cluster-down.sh stops it at the end, also after a failure.
# While the cluster job runs, the VmRSS of both executor JVMs (the CoarseGrainedExecutorBackend
# children of the Workers) is read from /proc/PID/status whenever the driver logs a progress line
# (every 10 rounds). Then `dptrain cluster-bench-report`: steady examples/s of each run and their
# ratio, the per-round breakdown, RSS at rounds 20 and 200 per executor, and a last line
#   SUMMARY cluster_vs_local=R rss_growth=F
# (rss_growth = max over executors of (RSS@200 - RSS@20) / RSS@20).
#   jobs/bench-cluster.sh           3 epochs (282 rounds), RSS at rounds 20 and 200, into runs/bench-cluster/ (~10 min)
#   jobs/bench-cluster.sh --quick   1 epoch (94 rounds), RSS at rounds 20 and 90, into runs/bench-cluster-quick/
#   jobs/bench-cluster.sh --help
# Logs: local.log, cluster.log; samples: rss.tsv (EXECUTOR PID ROUND RSS_KB); report: report.md.
# Cluster ports: CLUSTER_MASTER_PORT (7077), CLUSTER_WEBUI_PORT (8080), CLUSTER_WORKER_WEBUI_PORT
# (8081, 8082); a port already in use is an error. Run nothing else on the machine meanwhile.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bench_name=bench-cluster
# shellcheck source=jobs/lib/bench-common.sh
. jobs/lib/bench-common.sh

quick=false
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=true; shift ;;
    -h|--help) usage; exit 0 ;;
    *) unknown_argument "$1" "--quick, --help" ;;
  esac
done

if $quick; then
  out=runs/bench-cluster-quick
  epochs=1
  rss_rounds=(20 90)
else
  out=runs/bench-cluster
  epochs=3
  rss_rounds=(20 200)
fi
workers=2
executor_memory=2g
cluster_dir=$root/${DPTRAIN_BUILD_DIR:-target}/cluster

fail() {
  echo "bench-cluster: $*" >&2
  exit 1
}

# A cluster of this worktree that is already up would be stopped by this script's clean-up, and
# Workers with other cores would change what is measured: refuse instead.
for pid_file in "$cluster_dir"/pids/*.pid; do
  if [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
    fail "a cluster from jobs/cluster-up.sh is already running ($pid_file, pid $(cat "$pid_file")); stop it with jobs/cluster-down.sh: the benchmark starts its own"
  fi
done
# cluster-up would move to the next free port; here a port in use means another cluster (perhaps
# someone else's) and is refused, so that nothing else shares what is measured.
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
worker_ui=${CLUSTER_WORKER_WEBUI_PORT:-8081}
for entry in "CLUSTER_MASTER_PORT ${CLUSTER_MASTER_PORT:-7077}" "CLUSTER_WEBUI_PORT ${CLUSTER_WEBUI_PORT:-8080}" \
             "CLUSTER_WORKER_WEBUI_PORT $worker_ui" "CLUSTER_WORKER_WEBUI_PORT+1 $((worker_ui + 1))"; do
  read -r name port <<< "$entry"
  if port_in_use "$port"; then
    fail "port $port ($name) on 127.0.0.1 is in use by another program (another Spark cluster?); stop it or set $name to a free port"
  fi
done

echo "bench-cluster: machine: $(machine); $epochs epoch(s), RSS at rounds ${rss_rounds[0]} and ${rss_rounds[1]}, into $out/"

train=$root/data/prepared/fashion-mnist-train.parquet
test=$root/data/prepared/fashion-mnist-test.parquet
if [ ! -e "$train" ] || [ ! -e "$test" ]; then
  jobs/fetch-data.sh fashion-mnist
  jobs/dptrain prepare fashion-mnist --overwrite
fi
# Builds the classes and the app jar (mvn package) when they are older than the sources; jobs/submit.sh
# checks the app jar again before submitting.
jobs/dptrain --version
# A previous run's files would pass for this run's if a step fails.
rm -rf "${out:?}/local" "$out/cluster" "$out/local.log" "$out/cluster.log" "$out/rss.tsv" "$out/report.md"
mkdir -p "$out"

# The same job for both runs; absolute data paths so the cluster's executors read the same files.
job=(train --conf conf/fashion-mnist-lenet.conf --set "data.train=$train" --set "data.test=$test"
     --set engine.mode=parameter-averaging --set engine.workers=$workers --set engine.local-steps=5
     --set engine.outer.optimizer=none --set train.learning-rate-decay=1.0
     --set train.batch-size=64 --set train.updater=adam --set train.learning-rate=0.001
     --set "train.epochs=$epochs" --set train.progress-every=10)

# The two runs are compared with each other, so other work on the machine during either skews the
# ratio: the load averages at each phase boundary show whether it was quiet.
load() {
  echo "bench-cluster: load average $(load_average) ($1)"
}
load "before local[2]"
echo "bench-cluster: 1/2 local[2] (log: $out/local.log)"
jobs/dptrain "${job[@]}" --set 'spark.master=local[2]' --set "output.dir=$out/local" 2>&1 | tee "$out/local.log"

submit_pid=
cleanup() {
  if [ -n "$submit_pid" ] && kill -0 "$submit_pid" 2>/dev/null; then
    kill "$submit_pid"
  fi
  jobs/cluster-down.sh
}
trap cleanup EXIT
trap 'exit 130' INT TERM

load "after local[2]"
echo "bench-cluster: 2/2 standalone cluster, $workers Workers x 1 core (log: $out/cluster.log)"
master=$(jobs/cluster-up.sh "$workers" 1 "$executor_memory")

# Prints 'EXECUTOR PID ROUND RSS_KB' for each executor JVM a Worker of this cluster started.
sample_executors() {
  local round=$1 pid_file worker child rss
  for pid_file in "$cluster_dir"/pids/worker-*.pid; do
    worker=$(basename "$pid_file" .pid)
    for child in $(pgrep -P "$(cat "$pid_file")" || true); do
      grep -qa CoarseGrainedExecutorBackend "/proc/$child/cmdline" 2>/dev/null || continue
      rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$child/status" 2>/dev/null || true)
      [ -z "$rss" ] || echo "$worker $child $round $rss"
    done
  done
}

echo "# EXECUTOR PID ROUND RSS_KB (VmRSS when the driver logged the round)" > "$out/rss.tsv"
# --set spark.master only records the real master in provenance.json; spark-submit's --master decides.
SPARK_LOCAL_IP=127.0.0.1 jobs/submit.sh --master "$master" --name "dptrain bench-cluster" --executor-cores 1 \
  --executor-memory "$executor_memory" --conf spark.cores.max=$workers --conf spark.task.cpus=1 -- \
  "${job[@]}" --set "spark.master=$master" --set "output.dir=$out/cluster" > "$out/cluster.log" 2>&1 &
submit_pid=$!
# Follows the driver's output until it exits; each progress line ('ConsoleProgress: round R/T')
# triggers a reading of the executors' memory, taken while they run round R+1.
# In the background so that this shell waits in `wait`, which a signal interrupts (the clean-up
# then runs at once instead of after the job).
tail -n +1 -f --pid="$submit_pid" "$out/cluster.log" | while IFS= read -r line; do
  printf '%s\n' "$line"
  if [[ $line =~ ConsoleProgress:\ round\ ([0-9]+)/ ]]; then
    sample_executors "${BASH_REMATCH[1]}" >> "$out/rss.tsv"
  fi
done &
follower=$!
status=0
wait "$submit_pid" || status=$?
submit_pid=
wait "$follower" || true
load "after the cluster run"
[ "$status" -eq 0 ] || fail "the cluster run failed (exit code $status); see $out/cluster.log and $cluster_dir/logs/"
jobs/cluster-down.sh

executors=$(awk -v r="${rss_rounds[0]}" '!/^#/ && $3 == r { print $1 }' "$out/rss.tsv" | sort -u | wc -l)
[ "$executors" -eq "$workers" ] \
  || fail "expected $workers executors (one per Worker) at round ${rss_rounds[0]}, found $executors in $out/rss.tsv; see $cluster_dir/logs/"

# Prints the markdown and, as the last line, the SUMMARY; writes report.md into $out.
jobs/dptrain cluster-bench-report --local "$out/local" --cluster "$out/cluster" --rss "$out/rss.tsv" \
  --rss-rounds "${rss_rounds[0]},${rss_rounds[1]}" --out "$out"
