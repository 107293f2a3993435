#!/usr/bin/env bash
# Submits a dptrain command to Spark as an application:
#   jobs/submit.sh [spark-submit options] -- <dptrain arguments>
#   jobs/submit.sh --master spark://127.0.0.1:7077 -- train --conf conf/fashion-mnist-lenet.conf
# With SPARK_HOME set it runs $SPARK_HOME/bin/spark-submit (your Spark installation, Spark 3.5 with
# Scala 2.12). Without it, the embedded default: org.apache.spark.deploy.SparkSubmit from the
# project's own Maven-resolved Spark (target/classpath.txt, as jobs/dptrain builds it); executors and
# cluster-mode drivers started by standalone Workers then get that classpath as
# spark.executor/driver.extraClassPath, which suits Workers on this machine (jobs/cluster-up.sh).
# The application is target/dptrain-<version>-app.jar (built when missing or older than the sources;
# DPTRAIN_BUILD_DIR picks another build folder). Spark properties come from conf/spark-defaults.conf
# (DPTRAIN_SPARK_PROPERTIES picks another file). Embedded mode runs the client-mode driver in this
# JVM: its options are --driver-memory, --driver-java-options and DPTRAIN_JAVA_OPTS.
# A cluster with spark.authenticate=true (jobs/cluster-up.sh with DPTRAIN_SPARK_SECRET_FILE): set
# DPTRAIN_SPARK_SECRET_FILE to the file holding its secret. The properties then go to spark-submit as a
# temporary copy, readable only by you, with spark.authenticate=true and the secret added (so the secret
# is on no command line); this script waits for spark-submit and removes the copy when it ends.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# read before cd: a relative path is the caller's
secret=
if [ -n "${DPTRAIN_SPARK_SECRET_FILE:-}" ]; then
  # shellcheck source=jobs/spark-secret.sh
  . "$root/jobs/spark-secret.sh"
  secret=$(read_spark_secret submit "$DPTRAIN_SPARK_SECRET_FILE")
fi
cd "$root"

spark_args=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  spark_args+=("$1")
  shift
done
if [ $# -eq 0 ]; then
  echo "usage: jobs/submit.sh [spark-submit options] -- <dptrain arguments>" >&2
  exit 2
fi
shift

build=${DPTRAIN_BUILD_DIR:-target}
# shellcheck source=jobs/lib/build.sh
. jobs/lib/build.sh
properties_file=$build/build.properties
cp_file=$build/classpath.txt
# The app jar is named after the version the last build wrote; a missing or older build is rebuilt first.
app_jar() {
  echo "$build/dptrain-$(build_property "$properties_file" version)-app.jar"
}
if [ ! -f "$properties_file" ] || [ ! -f "$(app_jar)" ] || [ ! -f "$cp_file" ] \
   || [ -n "$(find src/main pom.xml -newer "$(app_jar)" -print -quit)" ]; then
  echo "submit: building the app jar in $build/ (mvn package) ..." >&2
  mvn -B -q -Dmaven.test.skip=true -DbuildDir="$build" package dependency:build-classpath \
    -Dmdep.outputFile="$root/$cp_file" -Dmdep.includeScope=runtime >&2
fi
app_jar=$(app_jar)
properties=${DPTRAIN_SPARK_PROPERTIES:-conf/spark-defaults.conf}
run=(exec)
if [ -n "$secret" ]; then
  with_secret=$(mktemp "${TMPDIR:-/tmp}/dptrain-spark-XXXXXX.properties") # mode 600
  trap 'rm -f "$with_secret"' EXIT
  { cat "$properties"; printf '\nspark.authenticate true\nspark.authenticate.secret %s\n' "$secret"; } > "$with_secret"
  properties=$with_secret
  run=(run_then_remove_secret)
fi
submit=(--properties-file "$properties" --class io.dptrain.cli.Dptrain)

# Runs spark-submit as a child, so that the EXIT trap removes the secret's copy when it ends; TERM and
# INT sent to this script are passed on to it.
run_then_remove_secret() {
  "$@" &
  local child=$! status=0
  trap 'kill -TERM "$child" 2>/dev/null' TERM INT
  wait "$child" || status=$?
  while kill -0 "$child" 2>/dev/null; do # a trapped signal ends wait early
    status=0
    wait "$child" || status=$?
  done
  return "$status"
}

if [ -n "${SPARK_HOME:-}" ]; then
  "${run[@]}" "$SPARK_HOME/bin/spark-submit" "${submit[@]}" "${spark_args[@]}" "$app_jar" "$@"
  exit
fi

# Embedded: this JVM is the client-mode driver, so the driver options go on its command line.
opens=$(build_property "$properties_file" spark.add.opens)
# dptrain's log4j2.properties (Spark at WARN) as with jobs/dptrain; -Dlog4j2.configurationFile in
# DPTRAIN_JAVA_OPTS or --driver-java-options wins.
driver_opts=("-Dlog4j2.configurationFile=$root/src/main/resources/log4j2.properties" ${DPTRAIN_JAVA_OPTS:--Xmx4g})
for ((i = 0; i < ${#spark_args[@]}; i++)); do
  case "${spark_args[$i]}" in
    --driver-memory) driver_opts+=("-Xmx${spark_args[$((i + 1))]}") ;;
    --driver-memory=*) driver_opts+=("-Xmx${spark_args[$i]#*=}") ;;
    --driver-java-options) read -r -a extra <<< "${spark_args[$((i + 1))]}"; driver_opts+=("${extra[@]}") ;;
  esac
done
classpath=$(cat "$cp_file")
# Executors, and a driver that a Worker starts (--deploy-mode cluster), get the same Spark classpath.
"${run[@]}" java "${driver_opts[@]}" $opens -cp "$classpath" org.apache.spark.deploy.SparkSubmit "${submit[@]}" \
  --conf "spark.executor.extraClassPath=$classpath" --conf "spark.driver.extraClassPath=$classpath" \
  "${spark_args[@]}" "$app_jar" "$@"
