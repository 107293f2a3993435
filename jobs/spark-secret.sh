# Sourced by jobs/cluster-up.sh and jobs/submit.sh: reading the spark.authenticate secret.

# Prints the secret held in a file (its first line; a trailing newline is fine) or exits 2 naming
# the problem. The script's name comes first, for the message.
read_spark_secret() {
  local script=$1 file=$2 secret
  if [ ! -f "$file" ] || [ ! -r "$file" ]; then
    echo "$script: DPTRAIN_SPARK_SECRET_FILE=$file is not a readable file" >&2
    exit 2
  fi
  IFS= read -r secret < "$file" || true
  # written into a Java properties file: no spaces, backslashes or other characters that file format reads specially
  if ! [[ "$secret" =~ ^[A-Za-z0-9+/=._~-]{16,}$ ]]; then
    echo "$script: the secret in $file must be one line of at least 16 characters from A-Z a-z 0-9 + / = . _ ~ -" \
      "(e.g. openssl rand -hex 32 > $file)" >&2
    exit 2
  fi
  printf '%s' "$secret"
}
