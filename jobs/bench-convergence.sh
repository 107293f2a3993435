#!/usr/bin/env bash
# The convergence benchmark: which engine settings reach a good test accuracy first. LeNet on
# Fashion-MNIST (conf/fashion-mnist-lenet.conf), each variant in its own JVM on local[2], one after another:
#   single-process     the reference: batch 128 (= 2 workers x 64, the same examples per step), 5 epochs
#   pa-k5              parameter averaging, k = 5 local steps (the default)
#   pa-k5-nesterov     the same with the outer Nesterov step on the averaged delta (SlowMo-like: eta 1, mu 0.5)
#   pa-k20-nesterov    k = 20 with the outer step (DiLoCo-like: eta 0.7, mu 0.9)
#   ga                 gradient averaging
#   ga-float16         gradient averaging sending float16 gradients (engine.exchange)
#   pa-k5-barrier      pa-k5 with a Spark job per epoch (engine.rounds-per-job = 1000, and jobs end at epoch
#                      ends: a barrier job whose tasks exchange contributions each round), not a job per round
#   ga-barrier         ga with a Spark job per epoch
#   pa-k20-nesterov-barrier  pa-k20-nesterov (the shipped setting) with a Spark job per epoch
#   ga-barrier-no-flush      ga-barrier keeping subnormal values (train.flush-subnormals-every = 0; every other
#                      variant, single-process too, flushes them every 50 steps): what the flush is worth
# All but single-process use 2 workers of batch 64. single-process runs first; its training time (the
# sum of its round times, evaluations excluded) is every other variant's train.time-budget-seconds, with
# epochs enough never to end before it. Then `dptrain convergence-report`: per variant test accuracy after
# each epoch and at the budget, time to 0.90, steady ex/s, bytes per round, overhead, a chart, and a last
# line 'SUMMARY tta90_vs_single=R budget_gain_pts=P acc_gap_pts=P k20_gap_pts=P fp16_bytes_ratio=R ...'.
#   jobs/bench-convergence.sh          all 60000 rows; report into docs/bench/convergence/   (single-process's 5
#                                      epochs, then 9 variants as long: ~10x that)
#   jobs/bench-convergence.sh --quick  6000 rows, single-process 2 epochs; into runs/bench-convergence/full-quick/
#   jobs/bench-convergence.sh --vgg    conf/fashion-mnist-vgg.conf (its epochs) single-process at batch 128,
#                                      then distributed on 2 workers as the file configures it (a Spark job
#                                      per epoch: engine.rounds-per-job = 1000), without a
#                                      budget; report into docs/bench/vgg/ (with --quick: 6000 rows, 2
#                                      epochs, into runs/bench-convergence/vgg-quick/)
#   --single-epochs N                  single-process trains N epochs instead (with --vgg: the distributed
#                                      run still trains the file's; for a net too slow to train twice in full)
#   jobs/bench-convergence.sh --help
# Runs and logs (VARIANT.log) go to runs/bench-convergence/{full,full-quick,vgg,vgg-quick}/; the report is
# report.md and accuracy-vs-time.png. Run nothing else on the machine meanwhile: it measures time.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bench_name=bench-convergence
# shellcheck source=jobs/lib/bench-common.sh
. jobs/lib/bench-common.sh

quick=false
vgg=false
single_epochs_option=
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=true; shift ;;
    --vgg) vgg=true; shift ;;
    --single-epochs) require_count "$@"; single_epochs_option=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) unknown_argument "$1" "--quick, --vgg, --single-epochs N, --help" ;;
  esac
done

if $vgg; then
  conf=conf/fashion-mnist-vgg.conf
  name=vgg
else
  conf=conf/fashion-mnist-lenet.conf
  name=full
fi
if $quick; then
  # A slice: 6000 rows and 2 reference epochs cannot reach 0.90; the report still compares the curves.
  name=$name-quick
  file_epochs=2
  data_opts=(--set data.train-limit=6000)
  out=runs/bench-convergence/$name
  report=$out
else
  if $vgg; then
    file_epochs=$(jobs/dptrain config get --conf "$conf" train.epochs)
  else
    file_epochs=5
  fi
  data_opts=()
  out=runs/bench-convergence/$name
  report=docs/bench/$($vgg && echo vgg || echo convergence)
fi
# file_epochs: what the --vgg distributed run trains, and single-process's default.
single_epochs=${single_epochs_option:-$file_epochs}
# Far more epochs than fit in the budget: the budget, not the epoch count, ends those runs.
budget_epochs=100

# One barrier job per epoch (jobs end at epoch ends): the fewest Spark jobs; the model is the same.
job_per_epoch=engine.rounds-per-job=1000
# name, then the --set overrides of each variant after single-process (which always runs first).
if $vgg; then
  variants=("distributed engine.workers=2 $job_per_epoch")
else
  pa="engine.mode=parameter-averaging engine.workers=2"
  ga="engine.mode=gradient-averaging engine.workers=2"
  pa_k5="$pa engine.local-steps=5 engine.outer.optimizer=none"
  pa_k20_nesterov="$pa engine.local-steps=20 engine.outer.optimizer=nesterov engine.outer.learning-rate=0.7 engine.outer.momentum=0.9"
  variants=(
    "pa-k5 $pa_k5"
    "pa-k5-nesterov $pa engine.local-steps=5 engine.outer.optimizer=nesterov engine.outer.learning-rate=1.0 engine.outer.momentum=0.5"
    "pa-k20-nesterov $pa_k20_nesterov"
    "ga $ga"
    "ga-float16 $ga engine.exchange=float16"
    "pa-k5-barrier $pa_k5 $job_per_epoch"
    "ga-barrier $ga $job_per_epoch"
    "pa-k20-nesterov-barrier $pa_k20_nesterov $job_per_epoch"
    "ga-barrier-no-flush $ga $job_per_epoch train.flush-subnormals-every=0"
  )
fi

echo "bench-convergence: machine: $(machine); $conf, single-process $single_epochs epochs, into $out/"
prepare_fashion_mnist
mkdir -p "$out"

# train VARIANT [--set key=value ...]: one run in its own JVM, its console in $out/VARIANT.log.
train() {
  local variant=$1
  shift
  echo "bench-convergence: training $variant (log: $out/$variant.log; load average $(load_average))"
  jobs/dptrain train --conf "$conf" --set "output.dir=$out/$variant" --set 'spark.master=local[2]' \
    --set train.progress-every=200 "${data_opts[@]}" "$@" 2>&1 | tee "$out/$variant.log"
}

train single-process --set engine.mode=single-process --set train.batch-size=128 --set "train.epochs=$single_epochs"
runs=("$out/single-process")
if $vgg; then
  # Same epochs, no budget: the VGG question is accuracy per epoch and speed, not a race.
  run_opts=(--set "train.epochs=$file_epochs")
else
  budget=$(jobs/dptrain convergence-report --print-budget "$out/single-process")
  echo "bench-convergence: budget: $budget s of training (single-process, $single_epochs epochs)"
  run_opts=(--set "train.epochs=$budget_epochs" --set "train.time-budget-seconds=$budget")
fi
for variant in "${variants[@]}"; do
  read -r variant_name settings <<< "$variant"
  sets=()
  for setting in $settings; do sets+=(--set "$setting"); done
  train "$variant_name" "${sets[@]}" --set train.batch-size=64 "${run_opts[@]}"
  runs+=("$out/$variant_name")
done
echo "bench-convergence: done (load average $(load_average))"

# Prints the markdown and, as the last line, the SUMMARY; writes report.md and the chart into $report.
jobs/dptrain convergence-report --out "$report" "${runs[@]}" | tee "$out/report.md"
