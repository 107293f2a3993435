#!/usr/bin/env bash
# The step benchmark: one replica's training step (fit on one minibatch, 1 nd4j thread, as a task runs it)
# for the lenet, vgg-mini and lstm presets, with today's settings and with the chosen ones, each in its own
# JVM (the native build is chosen once per JVM):
#   today    nd4j's plain native build, DL4J's built-in layers (dptrain.model.onednn-helpers = false)
#   chosen   the shipped settings: the native build dptrain picks for the preset (model.NativeBuild: -onednn
#            for lenet and vgg-mini, plain for lstm) with DL4J's oneDNN layer helpers engaged
# Then the trials (issue 14: what else DL4J offers, each against the chosen settings, one JVM each):
#   ws-none      training workspaces off (dptrain bench-step --workspace-mode NONE)
#   cache-device DL4J's CacheMode.DEVICE (convolutions keep im2col between forward and backward; LSTMs their
#                forward pass), on the chosen build and, for lenet, on today's built-in layers too
#   cache-host   CacheMode.HOST
#   nhwc         channels-last activations and minibatches (lenet, vgg-mini)
#   samediff     the network written as a SameDiff graph (bench.SameDiffNets), SameDiff.fit per step (lenet,
#                lstm: libnd4j's fused lstm_layer op)
# Each run: 15 warm-up steps, then the median of 60 timed steps, Java heap per step, GC share, the helper
# of each layer; with --profile, as many steps again under a JFR recording, summarized per phase, layer and
# operation (recordings in runs/bench-step/). The report goes to docs/bench/step/report.md. Last line:
#   SUMMARY lenet_step_speedup=R vggmini_step_speedup=R lstm_step_speedup=R lenet_replica_ex_s=X
#   jobs/bench-step.sh [--profile] [--steps N]     (about 15 minutes on 2 cores; run nothing else meanwhile)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bench_name=bench-step
# shellcheck source=jobs/lib/bench-common.sh
. jobs/lib/bench-common.sh
command_line="jobs/bench-step.sh $*" # before the options are shifted away
profile=false
steps=60
while [ $# -gt 0 ]; do
  case "$1" in
    --profile) profile=true; shift ;;
    --steps) require_count "$@"; steps=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) unknown_argument "$1" "--profile, --steps N, --help" ;;
  esac
done
out=runs/bench-step
mkdir -p "$out"
echo "bench-step: machine: $(machine), load average $(load_average)"
prepare_fashion_mnist
prepare_spam_assassin_for "$(conf_of lstm)"

# step PRESET CONF LABEL [--set ...]: one JVM; its output (STEP line, profile) is appended to $out/report.txt.
step() {
  local preset=$1 conf=$2 label=$3
  shift 3
  local opts=()
  $profile && opts=(--profile "$out/$preset-$label.jfr")
  echo "bench-step: $preset, $label (load average $(load_average))"
  jobs/dptrain bench-step --conf "$conf" --label "$label" --steps "$steps" "${opts[@]}" "$@" 2>"$out/$preset-$label.log" \
    | tee -a "$out/report.txt"
}
: > "$out/report.txt"
for preset in lenet vgg-mini lstm; do
  conf=$(conf_of "$preset")
  # A later -D wins over jobs/dptrain's own: an empty extension loads nd4j's plain build.
  DPTRAIN_JAVA_OPTS="-Xmx4g -Dorg.bytedeco.javacpp.platform.extension=" \
    step "$preset" "$conf" today --set model.onednn-helpers=false
  DPTRAIN_JAVA_OPTS="-Xmx4g" step "$preset" "$conf" chosen
done

# trial PRESET CONF LABEL [options]: a step run whose failure (e.g. a JVM crash in native code) is a result, not
# the benchmark's end: the table says so and its log is kept.
trial() {
  DPTRAIN_JAVA_OPTS="-Xmx4g" step "$@" || echo "FAILED preset=$1 label=$3 log=$out/$1-$3.log" | tee -a "$out/report.txt"
}
for preset in lenet vgg-mini lstm; do
  conf=$(conf_of "$preset")
  trial "$preset" "$conf" ws-none --workspace-mode NONE
  trial "$preset" "$conf" cache-device --cache-mode DEVICE
  trial "$preset" "$conf" cache-host --cache-mode HOST
  if [ "$preset" != lstm ]; then
    trial "$preset" "$conf" nhwc --image-layout NHWC
  fi
  if [ "$preset" != vgg-mini ]; then
    trial "$preset" "$conf" samediff --samediff
  fi
  # The chosen settings again, last: the trials' reference is the mean of the chosen runs before and after.
  DPTRAIN_JAVA_OPTS="-Xmx4g" step "$preset" "$conf" chosen-again
done
DPTRAIN_JAVA_OPTS="-Xmx4g -Dorg.bytedeco.javacpp.platform.extension=" \
  step lenet "$(conf_of lenet)" today-cache-device --set model.onednn-helpers=false --cache-mode DEVICE

# median_ms PRESET LABEL, from the STEP lines.
median_ms() {
  sed -n "s/^STEP preset=$1 label=$2 median_ms=\([^ ]*\).*/\1/p" "$out/report.txt"
}
speedup() {
  awk -v a="$(median_ms "$1" today)" -v b="$(median_ms "$1" chosen)" 'BEGIN { printf "%.3f", a / b }'
}
{
echo "# Benchmark: one replica's training step"
echo
echo "Machine: $(machine); $(date -u +%Y-%m-%d). Command: $command_line"
echo
echo "| preset | today ms/step | chosen ms/step | speedup |"
echo "|---|---:|---:|---:|"
for preset in lenet vgg-mini lstm; do
  echo "| $preset | $(median_ms "$preset" today) | $(median_ms "$preset" chosen) | $(speedup "$preset") |"
done
echo
echo "## Trials (each against the chosen settings: the mean of the chosen runs before and after)"
echo
echo "| preset | trial | ms/step | chosen ms/step | time vs chosen |"
echo "|---|---|---:|---:|---:|"
for preset in lenet vgg-mini lstm; do
  reference=$(awk -v a="$(median_ms "$preset" chosen)" -v b="$(median_ms "$preset" chosen-again)" \
    'BEGIN { printf "%.2f", (a + b) / 2 }')
  for trial in ws-none cache-device cache-host nhwc samediff; do
    ms=$(median_ms "$preset" "$trial")
    if grep -q "^FAILED preset=$preset label=$trial " "$out/report.txt"; then
      echo "| $preset | $trial | failed: see $out/$preset-$trial.log | $reference | - |"
    fi
    [ -n "$ms" ] || continue
    echo "| $preset | $trial | $ms | $reference | $(awk -v a="$ms" -v b="$reference" 'BEGIN { printf "%.3f", a / b }') |"
  done
done
echo "| lenet | today + cache-device | $(median_ms lenet today-cache-device) | today: $(median_ms lenet today) |" \
  "$(awk -v a="$(median_ms lenet today-cache-device)" -v b="$(median_ms lenet today)" 'BEGIN { printf "%.3f", a / b }') |"
lenet_ex_s=$(sed -n 's/^STEP preset=lenet label=chosen .*ex_s=\([^ ]*\).*/\1/p' "$out/report.txt")
echo
echo "## Each run"
echo
echo '```'
cat "$out/report.txt"
echo '```'
echo
echo "SUMMARY lenet_step_speedup=$(speedup lenet) vggmini_step_speedup=$(speedup vgg-mini)" \
  "lstm_step_speedup=$(speedup lstm) lenet_replica_ex_s=$lenet_ex_s"
} > "$out/report.md"
mkdir -p docs/bench/step
cp "$out/report.md" docs/bench/step/report.md
grep -v '^```' "$out/report.md" | sed -n '/^| preset/,/^$/p'
tail -1 "$out/report.md"
