#!/usr/bin/env bash
# Stops the cluster jobs/cluster-up.sh started: the JVMs whose pids it recorded under
# target/cluster/pids (Workers first; a Worker stopping stops its executors), and removes the
# daemons' copy of the spark.authenticate secret. Idempotent.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$root/${DPTRAIN_BUILD_DIR:-target}/cluster
shopt -s nullglob
pid_files=("$dir"/pids/worker-*.pid "$dir"/pids/master.pid)
for pid_file in "${pid_files[@]}"; do
  [ -f "$pid_file" ] || continue
  pid=$(cat "$pid_file")
  # a recorded pid that now belongs to another program (reused after a crash) is left alone
  if kill -0 "$pid" 2>/dev/null && grep -q org.apache.spark.deploy "/proc/$pid/cmdline" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 40); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.25
    done
    if kill -0 "$pid" 2>/dev/null; then
      kill -9 "$pid"
    fi
    echo "cluster-down: stopped $(basename "$pid_file" .pid) (pid $pid)" >&2
  fi
  rm -f "$pid_file"
done
rm -f "$dir/master-url" "$dir/webui-url" "$dir/auth.properties"
