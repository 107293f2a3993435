# Sourced by jobs/dptrain, jobs/submit.sh and jobs/cluster-up.sh: the build facts that Maven writes
# into BUILD_DIR/build.properties (the antrun execution "build-properties" in pom.xml), so that no
# script reads pom.xml itself.

# Prints the value of KEY in a build.properties FILE (lines key=value, no escapes); fails naming
# both when the key is absent.
build_property() {
  local file=$1 wanted=$2 key value
  while IFS='=' read -r key value || [ -n "$key" ]; do # the last line may lack its newline
    if [ "$key" = "$wanted" ]; then
      printf '%s\n' "$value"
      return 0
    fi
  done < "$file"
  echo "build_property: no '$wanted' in $file; rebuild (mvn -B package)" >&2
  return 1
}
