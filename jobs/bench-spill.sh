#!/usr/bin/env bash
# The spilling benchmark: what keeping shards out of memory costs (dptrain.engine.shard-storage).
# The same LeNet job (conf/fashion-mnist-lenet.conf, parameter averaging, k=5, 2 workers, batch 64,
# Adam 1e-3, local[2]) is trained twice, each in its own JVM: with shard-storage = memory (each
# replica decodes its shard once and keeps the float minibatches) and with a spilling storage (each
# round reads its minibatches' blocks from Spark's block manager and decodes them). Then
# `dptrain spill-bench-report`: steady examples/s of both runs and a last line
#   SUMMARY spill_ratio=R
# (R = spilled examples/s over in-memory examples/s; both runs train the same parameters).
#   jobs/bench-spill.sh                      12000 rows, 1 epoch, storage disk, into runs/bench-spill/ (~2 min)
#   jobs/bench-spill.sh --rows N             N training rows (data.train-limit; 0 = all 60000)
#   jobs/bench-spill.sh --epochs N           N epochs
#   jobs/bench-spill.sh --storage S          disk (default: every block read from local disk, DISK_ONLY) or
#                                            memory-and-disk (serialized blocks; with the driver's heap they
#                                            all fit in memory, so this measures reading and decoding alone)
#   jobs/bench-spill.sh --help
# Logs: runs/bench-spill/memory.log and STORAGE.log. Run nothing else on the machine meanwhile.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bench_name=bench-spill
# shellcheck source=jobs/lib/bench-common.sh
. jobs/lib/bench-common.sh

rows=12000
epochs=1
storage=disk
while [ $# -gt 0 ]; do
  case "$1" in
    --rows)
      [ $# -ge 2 ] || usage_error "--rows needs a value"
      [[ "$2" =~ ^[0-9]+$ ]] || usage_error "--rows '$2' is not allowed; allowed: an integer >= 0"
      rows=$2; shift 2 ;;
    --epochs) require_count "$@"; epochs=$2; shift 2 ;;
    --storage)
      [ $# -ge 2 ] || usage_error "--storage needs a value"
      [[ "$2" == disk || "$2" == memory-and-disk ]] \
        || usage_error "--storage '$2' is not allowed; allowed: disk, memory-and-disk"
      storage=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) unknown_argument "$1" "--rows, --epochs, --storage, --help" ;;
  esac
done

out=runs/bench-spill
echo "bench-spill: machine: $(machine); load average $(load_average); $rows rows, $epochs epoch(s), memory vs $storage, into $out/"

prepare_fashion_mnist
mkdir -p "$out"

for shards in memory "$storage"; do
  echo "bench-spill: training with shard-storage = $shards (log: $out/$shards.log)"
  jobs/dptrain train --conf conf/fashion-mnist-lenet.conf --set "engine.shard-storage=$shards" \
    --set engine.mode=parameter-averaging --set engine.workers=2 --set engine.local-steps=5 \
    --set engine.outer.optimizer=none --set train.learning-rate-decay=1.0 \
    --set train.batch-size=64 --set train.updater=adam --set "train.epochs=$epochs" \
    --set "data.train-limit=$rows" --set train.progress-every=50 --set 'spark.master=local[2]' \
    --set "output.dir=$out/$shards" 2>&1 | tee "$out/$shards.log"
done

echo "bench-spill: load average after the runs $(load_average)"
exec jobs/dptrain spill-bench-report --memory "$out/memory" --spilled "$out/$storage"
