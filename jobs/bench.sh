#!/usr/bin/env bash
# The benchmark: LeNet on Fashion-MNIST trained by each engine in turn (single-process, dptrain's
# parameter-averaging and gradient-averaging, DL4J's own dl4j-spark), each in its own JVM on
# local[2], then `dptrain bench-report`: steady examples/s, ratios, per-round breakdown, accuracy
# per epoch, time to a target accuracy, a chart, and a last line 'SUMMARY key=value ...'.
#   jobs/bench.sh              3 epochs on all 60000 rows, target 0.88, into runs/bench/     (20+ min)
#   jobs/bench.sh --quick      2 epochs on 6000 rows, target 0.80, into runs/bench-quick/
#   jobs/bench.sh --epochs N   N epochs instead (either mode)
#   --only MODE[,MODE]         train only these engines (e.g. parameter-averaging,gradient-averaging
#                              to measure the round overhead); the report marks the others as not run
#   --dl4j-spark-one-thread    run dl4j-spark with OMP_NUM_THREADS=1 (dptrain's one-thread-per-task
#                              rule applied to the baseline; by default it runs as shipped)
# Each run's console output is in runs/bench*/MODE.log; the report in runs/bench*/report.md and
# runs/bench*/accuracy-vs-time.png. Run nothing else on the machine meanwhile: it measures time.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bench_name=bench
# shellcheck source=jobs/lib/bench-common.sh
. jobs/lib/bench-common.sh

quick=false
dl4j_one_thread=false
epochs=
modes=(single-process parameter-averaging gradient-averaging dl4j-spark)
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=true; shift ;;
    --dl4j-spark-one-thread) dl4j_one_thread=true; shift ;;
    --epochs) require_count "$@"; epochs=$2; shift 2 ;;
    --only)
      [ $# -ge 2 ] || usage_error "--only needs a value"
      IFS=, read -r -a only <<< "$2"
      for mode in "${only[@]}"; do
        [[ " ${modes[*]} " == *" $mode "* ]] || usage_error "--only '$mode' is not allowed; allowed: ${modes[*]}"
      done
      modes=("${only[@]}"); shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) unknown_argument "$1" ;;
  esac
done

if $quick; then
  # A smoke-sized benchmark: a tenth of the data and two epochs cannot reach 0.88, so its target is 0.80.
  out=runs/bench-quick
  target=0.80
  epochs=${epochs:-2}
  data_opts=(--set data.train-limit=6000)
else
  out=runs/bench
  target=0.88
  epochs=${epochs:-3}
  data_opts=()
fi

echo "bench: machine: $(machine); $epochs epochs, target accuracy $target, into $out/"

prepare_fashion_mnist
mkdir -p "$out"

for mode in "${modes[@]}"; do
  args=(train --conf conf/fashion-mnist-lenet.conf --set "engine.mode=$mode" --set "output.dir=$out/$mode"
        --set "train.epochs=$epochs" --set engine.local-steps=5 --set train.batch-size=64 --set train.updater=adam
        --set engine.outer.optimizer=none --set train.learning-rate-decay=1.0
        --set train.progress-every=200 --set 'spark.master=local[2]' "${data_opts[@]}")
  # single-process trains on the driver with all cores; the others run 2 replicas.
  [ "$mode" = single-process ] || args+=(--set engine.workers=2)
  echo "bench: training $mode (log: $out/$mode.log)"
  # dl4j-spark's executors build their own networks, so DL4J's oneDNN helpers never engage there (see
  # model.OneDnnHelpers) and the -onednn build train picks for lenet only slows it: it runs on nd4j's plain
  # build, as a dl4j-spark user has it (an empty extension; a later -D wins over jobs/dptrain's own).
  native=()
  [ "$mode" = dl4j-spark ] && native=(env "DPTRAIN_JAVA_OPTS=${DPTRAIN_JAVA_OPTS:--Xmx8g} -Dorg.bytedeco.javacpp.platform.extension=")
  if [ "$mode" = dl4j-spark ] && $dl4j_one_thread; then
    # Two dl4j-spark tasks on two cores each start an OpenMP thread per core; one thread per task
    # is faster (DESIGN.md: 451 vs 398 examples/s). Opt-in, so the headline baseline is dl4j-spark as shipped.
    echo "bench: dl4j-spark with OMP_NUM_THREADS=1" | tee "$out/$mode.log"
    OMP_NUM_THREADS=1 "${native[@]}" jobs/dptrain "${args[@]}" 2>&1 | tee -a "$out/$mode.log"
  else
    "${native[@]}" jobs/dptrain "${args[@]}" 2>&1 | tee "$out/$mode.log"
  fi
done

# Where the round engines' non-compute time went (Spark's task metrics, per epoch; RoundTimings).
for mode in "${modes[@]}"; do
  grep -h "round overhead" "$out/$mode.log" | sed "s/^/bench: $mode: /" || true
done
runs=()
for mode in "${modes[@]}"; do runs+=("$out/$mode"); done
# Prints the markdown and, as the last line, the SUMMARY; writes report.md and the chart into $out.
exec jobs/dptrain bench-report --target "$target" --out "$out" "${runs[@]}"
