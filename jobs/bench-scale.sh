#!/usr/bin/env bash
# The scaling benchmark: what a round costs besides compute, as a cost model fitted to measurements,
# checked against real training, and its predictions for N = 1..256 executors.
#   1. Communication-only rounds (engine.communication-only = true: replicas skip forward and backward and
#      send what they would send) on local-cluster[N,1,1024], i.e. N executor JVMs on this machine, and on
#      local[N] (in-process replicas), for N = 1, 2, 4, 8 (and N = 8 at aggregation depth 1); presets lenet (conf/fashion-mnist-lenet.conf), vgg-mini (conf/fashion-mnist-vgg.conf)
#      and lstm (conf/spamassassin-lstm.conf); parameter averaging (k = 5) and gradient averaging; float32
#      and float16 exchange. At least 200 rounds each (--rounds; for several epochs when the training table has
#      fewer rows than that many rounds take, as the LSTM's has): in 20-round runs the rounds were still getting faster at
#      the end (JIT warm-up; a local-cluster[2] gradient-averaging round: median 249 ms over 20 rounds, 94.5 over
#      200, 80 over the last 100).
#   2. Real training rounds at N = 2 on local[2] for each preset and mode (float32): one replica's compute
#      and its spread, and the check of the model's prediction; and the same lenet gradient-averaging run
#      on a standalone cluster (jobs/cluster-up.sh: 2 Workers x 1 core, stopped at the end).
#   3. `dptrain scaling-report`: the fit, the checks, predicted efficiency C/T at N = 1..256 (weak and
#      strong scaling, loopback and 10 Gb/s links), a table and a chart (efficiency-vs-n.png).
# Last line: SUMMARY fit_err_n2=F fit_err_comm_n8=F eff64_vgg_pa=E eff64_lenet_ga=E prepare_driver_mb=M spill_ratio=R
# (prepare_driver_mb and spill_ratio come from jobs/bench-prepare.sh and jobs/bench-spill.sh when they exist, else na.)
#   jobs/bench-scale.sh          all of it; report into docs/bench/scale/ (at 200 rounds a preset took 37 min on a 2-core VM)
#   jobs/bench-scale.sh --quick  lenet only, both modes, float32; no standalone run; into runs/bench-scale/quick/
#   --rounds N                   at least N rounds per communication-only run (default 200; the real runs 1.5 N)
#   --preset P                   only preset P (lenet, vgg-mini or lstm; repeatable), into
#                                runs/bench-scale/{full,quick}-P[-P...]/ with its report there, not in docs/
#   --mode M                     only engine mode M (parameter-averaging or gradient-averaging), a part like
#                                --preset: into .../{full,quick}-[P-...]M/; the standalone run is gradient averaging's
#   jobs/bench-scale.sh --help
# Runs and logs go to runs/bench-scale/{full,quick}/. Run nothing else on the machine meanwhile: it measures time.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bench_name=bench-scale
# shellcheck source=jobs/lib/bench-common.sh
. jobs/lib/bench-common.sh

quick=false
only=()
only_mode=
rounds=200
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=true; shift ;;
    --rounds) require_count "$@"; rounds=$2; shift 2 ;;
    --preset)
      [ $# -ge 2 ] || usage_error "--preset needs a value"
      conf_of "$2" > /dev/null
      only+=("$2"); shift 2 ;;
    --mode)
      [ $# -ge 2 ] || usage_error "--mode needs a value"
      case "$2" in
        parameter-averaging|gradient-averaging) only_mode=$2 ;;
        *) usage_error "--mode $2: not an engine mode of this benchmark (parameter-averaging, gradient-averaging)" ;;
      esac
      shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) unknown_argument "$1" "--quick, --preset P, --mode M, --rounds N, --help" ;;
  esac
done

if $quick; then
  presets=(lenet)
  exchanges=(float32)
  out=runs/bench-scale/quick
  report=$out/report
else
  presets=(lenet vgg-mini lstm)
  exchanges=(float32 float16)
  out=runs/bench-scale/full
  report=docs/bench/scale
fi
modes=(parameter-averaging gradient-averaging)
if [ -n "$only_mode" ]; then
  modes=("$only_mode")
fi
if [ ${#only[@]} -gt 0 ]; then
  presets=("${only[@]}")
fi
# A part (--preset, --mode): its own folder and report, named after what it measures.
part=("${only[@]}" ${only_mode:+"$only_mode"})
if [ ${#part[@]} -gt 0 ]; then
  out=runs/bench-scale/$($quick && echo quick || echo full)-$(IFS=-; echo "${part[*]}")
  report=$out/report
fi
workers_list=(1 2 4 8)
real_rounds=$((rounds * 3 / 2)) # the real runs at N = 2: half again as long

echo "bench-scale: machine: $(machine); presets ${presets[*]}, N = ${workers_list[*]}, into $out/"
prepare_fashion_mnist
if [[ " ${presets[*]} " == *" lstm "* ]]; then
  prepare_spam_assassin_for "$(conf_of lstm)"
fi
rm -rf "${out:?}"
mkdir -p "$out"

# Each preset's minibatch size and training table's rows, read once (every `config get` and `describe` starts a JVM).
declare -A batch_size table_rows
for preset in "${presets[@]}"; do
  { read -r batch; read -r train_table; } <<< "$(jobs/dptrain config get --conf "$(conf_of "$preset")" \
      train.batch-size data.train)"
  batch_size[$preset]=$batch
  table_rows[$preset]=$(jobs/dptrain describe "$train_table" 2>/dev/null | sed -n 's/^rows=//p')
  [ -n "${table_rows[$preset]}" ] || { echo "bench-scale: cannot read the rows of $train_table" >&2; exit 1; }
done

# sized PRESET MODE N ROUNDS: the settings for at least ROUNDS rounds of N replicas (k = 5 for parameter
# averaging): that many training rows in one epoch or, when the table has fewer (the LSTM's mails), as many epochs
# of all its rows as it takes; words without spaces, expanded unquoted into the train command. A run of a few
# rounds measures the JVMs' warm-up (the first lstm part ran 1 epoch: 4 to 19 rounds a run at N = 8).
sized() {
  local k=1 wanted
  [ "$2" = parameter-averaging ] && k=5
  wanted=$(($3 * ${batch_size[$1]} * k * $4))
  if [ "$wanted" -le "${table_rows[$1]}" ]; then
    echo "--set data.train-limit=$wanted --set train.epochs=1"
  else
    echo "--set data.train-limit=0 --set train.epochs=$(( (wanted + ${table_rows[$1]} - 1) / ${table_rows[$1]} ))"
  fi
}

runs=()
# train NAME PRESET MASTER [--set key=value ...]: one run in its own JVM, its console in $out/NAME.log.
train() {
  local name=$1 preset=$2 master=$3
  shift 3
  echo "bench-scale: $name (log: $out/$name.log; load average $(load_average))"
  jobs/dptrain train --conf "$(conf_of "$preset")" --set "output.dir=$out/$name" --set "spark.master=$master" \
    --set train.progress-every=0 --set output.report=false "$@" > "$out/$name.log" 2>&1 \
    || { echo "bench-scale: $name failed; see $out/$name.log" >&2; exit 1; }
  runs+=("$out/$name")
}

for preset in "${presets[@]}"; do
  for mode in "${modes[@]}"; do
    for exchange in "${exchanges[@]}"; do
      for n in "${workers_list[@]}"; do
        comm=(--set engine.communication-only=true --set "engine.mode=$mode" --set "engine.workers=$n"
              --set engine.local-steps=5 --set "engine.exchange=$exchange" $(sized "$preset" "$mode" "$n" "$rounds"))
        # Executor JVMs (the fit clusters are predicted with) and in-process replicas (the local[2] check).
        train "comm-$preset-$mode-$exchange-n$n" "$preset" "local-cluster[$n,1,1024]" "${comm[@]}"
        train "comm-$preset-$mode-$exchange-n$n-inprocess" "$preset" "local[$n]" "${comm[@]}"
        if [ "$n" = 8 ]; then
          # With depth 2, N = 8 is where both the tree's extra stage and the oversubscription of 2 cores start;
          # a depth-1 run (no extra stage) tells them apart.
          train "comm-$preset-$mode-$exchange-n$n-depth1" "$preset" "local-cluster[$n,1,1024]" "${comm[@]}" \
            --set engine.aggregation-depth=1
        fi
      done
    done
    train "real-$preset-$mode-local2" "$preset" 'local[2]' --set "engine.mode=$mode" --set engine.workers=2 \
      --set engine.local-steps=5 $(sized "$preset" "$mode" 2 "$real_rounds")
  done
done

if ! $quick && [[ " ${presets[*]} " == *" lenet "* ]] && [[ " ${modes[*]} " == *" gradient-averaging "* ]]; then
  # The same real run on a standalone cluster: executors in their own JVMs, as in production.
  cleanup() {
    jobs/cluster-down.sh
  }
  trap cleanup EXIT
  master=$(jobs/cluster-up.sh 2 1 2g)
  name=real-lenet-gradient-averaging-standalone
  echo "bench-scale: $name on $master (log: $out/$name.log; load average $(load_average))"
  SPARK_LOCAL_IP=127.0.0.1 jobs/submit.sh --master "$master" --name "dptrain bench-scale" --executor-cores 1 \
    --executor-memory 2g --conf spark.cores.max=2 --conf spark.task.cpus=1 -- \
    train --conf conf/fashion-mnist-lenet.conf --set "data.train=$root/data/prepared/fashion-mnist-train.parquet" \
    --set "data.test=$root/data/prepared/fashion-mnist-test.parquet" --set engine.mode=gradient-averaging \
    --set engine.workers=2 $(sized lenet gradient-averaging 2 "$real_rounds") \
    --set train.progress-every=0 --set output.report=false --set "spark.master=$master" \
    --set "output.dir=$root/$out/$name" > "$out/$name.log" 2>&1 \
    || { echo "bench-scale: $name failed; see $out/$name.log" >&2; exit 1; }
  runs+=("$out/$name")
  jobs/cluster-down.sh
  trap - EXIT
fi
echo "bench-scale: measured (load average $(load_average))"

# The figures other benchmarks measure, when they are there.
figure() {
  local script=$1 key=$2 value=na
  if [ -x "$script" ]; then
    value=$("$script" | sed -n "s/.*\b$key=\([^ ]*\).*/\1/p" | tail -1)
  fi
  echo "${value:-na}"
}
# The driver's heap during the 600k-image prepare (the 60k figure is in jobs/bench-prepare.sh's line too).
prepare_mb=na
spill=na
if [ ${#part[@]} -eq 0 ]; then # parts leave those benchmarks alone
  prepare_mb=$(figure jobs/bench-prepare.sh driver_heap_mb_600k)
  spill=$(figure jobs/bench-spill.sh spill_ratio)
fi

jobs/dptrain scaling-report --out "$report" "${runs[@]}" | tee "$out/report.md"
scaling=$(tail -1 "$out/report.md")
echo "SUMMARY ${scaling#SCALING } prepare_driver_mb=$prepare_mb spill_ratio=$spill"
