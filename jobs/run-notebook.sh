#!/usr/bin/env bash
# Runs one Zeppelin note from the command line as Zeppelin's Spark interpreter would (embedded Spark,
# local[*] unless --master says otherwise) and, with --out, writes the executed copy with every
# paragraph's output in Zeppelin's `results`. Paths are relative to the repository root, as in the notes.
#   jobs/run-notebook.sh notebooks/fashion-mnist-cnn.zpln [--out executed.zpln] [--param name=value ...] [--master local[2]]
# The same as `jobs/dptrain notebook ...` (see `jobs/dptrain notebook --help`).
set -euo pipefail
exec "$(dirname "$0")/dptrain" notebook "$@"
