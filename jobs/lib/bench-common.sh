# Sourced by the benchmark scripts (jobs/bench.sh, bench-text.sh, bench-cluster.sh, bench-eval.sh, bench-scale.sh, ...)
# after they set bench_name (the prefix of their messages): the usage text, argument checks and the
# machine and load lines that every benchmark prints.

# The script's header comment (from line 2 to the first line that is not a comment), without '# '.
usage() {
  sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"
}

# Bad usage: the message on stderr, then the usage, exit code 2.
usage_error() {
  echo "$bench_name: $*" >&2
  usage >&2
  exit 2
}

# Checks that an option has a value that is an integer >= 1; call it with the arguments left,
# option first: require_count "$@".
require_count() {
  local option=$1 value=${2-}
  [ $# -ge 2 ] || usage_error "$option needs a value"
  [[ "$value" =~ ^[1-9][0-9]*$ ]] || usage_error "$option '$value' is not allowed; allowed: an integer >= 1"
}

# The unknown-argument error for ARGUMENT, with what is allowed when given: unknown_argument ARGUMENT [ALLOWED].
unknown_argument() {
  usage_error "unknown argument '$1'${2:+; allowed: $2}"
}

# 'N cores, CPU model' of this machine.
machine() {
  local model
  model=$(grep -m1 '^model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || true)
  echo "$(nproc) cores, ${model:-unknown CPU model}"
}

# The 1, 5 and 15 minute load averages: whether the machine was quiet while it was measured.
load_average() {
  cut -d' ' -f1-3 /proc/loadavg
}

# conf_of PRESET: the configuration file the benchmarks train a preset with (lenet, vgg-mini, lstm).
conf_of() {
  case "$1" in
    lenet) echo conf/fashion-mnist-lenet.conf ;;
    vgg-mini) echo conf/fashion-mnist-vgg.conf ;;
    lstm) echo conf/spamassassin-lstm.conf ;;
    *) echo "$bench_name: no configuration for preset '$1' (allowed: lenet, vgg-mini, lstm)" >&2; return 1 ;;
  esac
}

# prepare_spam_assassin_for CONF: the corpus fetched and its tables prepared with CONF's max-length and
# vocabulary-size (see prepare_spam_assassin).
prepare_spam_assassin_for() {
  local max_length vocabulary_size
  jobs/fetch-data.sh spam-assassin
  { read -r max_length; read -r vocabulary_size; } \
    <<< "$(jobs/dptrain config get --conf "$1" data.max-length data.vocabulary-size)"
  prepare_spam_assassin "$max_length" "$vocabulary_size"
}

# prepare_spam_assassin MAX_LENGTH VOCABULARY_SIZE: the SpamAssassin tables in data/prepared/, made again
# unless they were prepared with these options (prepare records its options in
# spam-assassin-preparation.txt; tables made with other options, or without that record, are not reused).
prepare_spam_assassin() {
  local prepare_args wanted recorded
  prepare_args=(--headers From,Content-Type,X-Mailer,User-Agent --max-length "$1"
                --vocabulary-size "$2" --min-count 2 --test-fraction 0.2 --seed 42)
  wanted="dptrain prepare spam-assassin ${prepare_args[*]}"
  recorded=$(cat data/prepared/spam-assassin-preparation.txt 2>/dev/null || true)
  if [ ! -e data/prepared/spam-assassin-train.parquet ] || [ ! -e data/prepared/spam-assassin-test.parquet ] \
     || [ ! -e data/prepared/spam-assassin-vocabulary.txt ] || [ "$recorded" != "$wanted" ]; then
    echo "$bench_name: preparing the tables ($wanted; found: ${recorded:-no record})"
    jobs/dptrain prepare spam-assassin "${prepare_args[@]}" --overwrite
  fi
}

# prepare_fashion_mnist: the real Fashion-MNIST under data/ (fetched and checked by jobs/fetch-data.sh) and its
# prepared tables in data/prepared/, made when either is missing.
prepare_fashion_mnist() {
  jobs/fetch-data.sh fashion-mnist
  if [ ! -e data/prepared/fashion-mnist-train.parquet ] || [ ! -e data/prepared/fashion-mnist-test.parquet ]; then
    jobs/dptrain prepare fashion-mnist --overwrite
  fi
}
