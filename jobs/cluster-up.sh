#!/usr/bin/env bash
# Starts a Spark standalone cluster on this machine (127.0.0.1) for trying dptrain jobs:
#   jobs/cluster-up.sh [N_WORKERS=2] [CORES=1] [MEMORY=2g]      (cores and memory per Worker)
# The Master and the Workers are background JVMs from the project's Maven-resolved Spark jars
# (org.apache.spark.deploy.master.Master / worker.Worker); pids, logs and work folders go under
# target/cluster/ (DPTRAIN_BUILD_DIR picks another build folder). Ports: CLUSTER_MASTER_PORT
# (7077), CLUSTER_WEBUI_PORT (8080), Worker web UIs from CLUSTER_WORKER_WEBUI_PORT (8081) up;
# a port in use moves to the next free one, and the URLs printed are the ones Spark bound.
# Workers launch executors from SPARK_HOME=target/cluster/spark-home, whose jars/ is empty:
# jobs/submit.sh (without SPARK_HOME) gives them the Spark classpath as spark.executor.extraClassPath.
# DPTRAIN_SPARK_SECRET_FILE=FILE (a file holding one secret, e.g. from `openssl rand -hex 32`) runs the
# Master and Workers with spark.authenticate=true and that secret, from a properties file readable only
# by you (target/cluster/auth.properties, removed by cluster-down), not on their command lines; only
# drivers with the same secret are accepted (jobs/submit.sh reads the same variable).
# Stop it with jobs/cluster-down.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# read before cd: a relative path is the caller's
secret=
if [ -n "${DPTRAIN_SPARK_SECRET_FILE:-}" ]; then
  # shellcheck source=jobs/spark-secret.sh
  . "$root/jobs/spark-secret.sh"
  secret=$(read_spark_secret cluster-up "$DPTRAIN_SPARK_SECRET_FILE")
fi
cd "$root"
workers=${1:-2}
cores=${2:-1}
memory=${3:-2g}
build=${DPTRAIN_BUILD_DIR:-target}
dir=$root/$build/cluster
cp_file=$build/classpath.txt
properties_file=$build/build.properties
# shellcheck source=jobs/lib/build.sh
. jobs/lib/build.sh

for pid_file in "$dir"/pids/*.pid; do
  if [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
    echo "cluster-up: already running ($pid_file, pid $(cat "$pid_file")); run jobs/cluster-down.sh first" >&2
    exit 1
  fi
done
if [ ! -f "$cp_file" ] || [ ! -f "$properties_file" ] || [ pom.xml -nt "$properties_file" ]; then
  # generate-resources writes build.properties and compiles nothing
  echo "cluster-up: resolving the Spark classpath (mvn generate-resources dependency:build-classpath) ..." >&2
  mvn -B -q -DbuildDir="$build" generate-resources dependency:build-classpath -Dmdep.outputFile="$root/$cp_file" \
    -Dmdep.includeScope=runtime >&2
fi
rm -rf "$dir/pids" "$dir/logs" "$dir/auth.properties"
mkdir -p "$dir/pids" "$dir/logs" "$dir/work" "$dir/local" "$dir/spark-home/jars"
daemon_conf=()
if [ -n "$secret" ]; then
  (umask 077 && printf 'spark.authenticate true\nspark.authenticate.secret %s\n' "$secret" > "$dir/auth.properties")
  daemon_conf=(--properties-file "$dir/auth.properties")
fi
opens=$(build_property "$properties_file" spark.add.opens)
classpath=$(cat "$cp_file")
export SPARK_HOME=$dir/spark-home SPARK_SCALA_VERSION=2.12 SPARK_LOCAL_IP=127.0.0.1 SPARK_LOCAL_DIRS=$dir/local

# Starts a daemon JVM in the background; name, then the main class and its arguments.
start() {
  local name=$1
  shift
  nohup java -Xmx512m $opens -Djava.io.tmpdir="$dir/local" -cp "$classpath" "$@" > "$dir/logs/$name.log" 2>&1 &
  echo $! > "$dir/pids/$name.pid"
}

# Waits for a line matching a pattern in a log and prints the first match's capture group.
await() {
  local log=$1 pattern=$2 what=$3
  for _ in $(seq 1 120); do
    local found
    found=$(sed -n "s#.*$pattern.*#\1#p" "$log" | head -1)
    if [ -n "$found" ]; then
      echo "$found"
      return 0
    fi
    sleep 0.5
  done
  echo "cluster-up: no $what after 60 s, see $log" >&2
  return 1
}

start master org.apache.spark.deploy.master.Master "${daemon_conf[@]}" --host 127.0.0.1 \
  --port "${CLUSTER_MASTER_PORT:-7077}" --webui-port "${CLUSTER_WEBUI_PORT:-8080}"
master=$(await "$dir/logs/master.log" "Starting Spark master at \(spark://[^ ]*\)" "master URL") || { "$root/jobs/cluster-down.sh"; exit 1; }
webui=$(await "$dir/logs/master.log" "started at \(http://[^ ]*\)" "master web UI") || { "$root/jobs/cluster-down.sh"; exit 1; }
for i in $(seq 1 "$workers"); do
  start "worker-$i" org.apache.spark.deploy.worker.Worker "${daemon_conf[@]}" --host 127.0.0.1 --cores "$cores" --memory "$memory" \
    --webui-port $(( ${CLUSTER_WORKER_WEBUI_PORT:-8081} + i - 1 )) --work-dir "$dir/work/worker-$i" "$master"
done
for i in $(seq 1 "$workers"); do
  await "$dir/logs/worker-$i.log" "\(Successfully registered\) with master" "registration of worker $i" > /dev/null \
    || { "$root/jobs/cluster-down.sh"; exit 1; }
done
echo "$master" > "$dir/master-url"
echo "$webui" > "$dir/webui-url"
echo "cluster-up: $workers workers ($cores cores, $memory each), master $master, web UI $webui${daemon_conf:+, spark.authenticate=true}" >&2
echo "  MASTER=$master SPARK_LOCAL_IP=127.0.0.1 jobs/submit-fashion-mnist-lenet.sh" >&2
echo "$master"
