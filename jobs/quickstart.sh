#!/usr/bin/env bash
# The main job on its embedded default: fetch the real Fashion-MNIST (Debian package), build,
# prepare the Parquet tables, train LeNet with dptrain's parameter averaging in local-mode Spark
# (local[*]) and print the test accuracy. Extra arguments go to `dptrain train`, e.g.
#   jobs/quickstart.sh --set train.epochs=3
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs/fetch-data.sh fashion-mnist
if [ ! -d data/prepared/fashion-mnist-train.parquet ] || [ ! -d data/prepared/fashion-mnist-test.parquet ]; then
  jobs/dptrain prepare fashion-mnist --source data/fashion-mnist --out data/prepared --overwrite
fi
exec jobs/dptrain train --conf conf/fashion-mnist-lenet.conf --set train.epochs=2 --set output.dir=runs/quickstart "$@"
