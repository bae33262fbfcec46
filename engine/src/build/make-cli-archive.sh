#!/bin/sh
# Makes the class-data archive bin/omg runs the thin CLI jar with: a dynamic CDS archive (omg-cli-<N>.jsa) on
# Java 17 to 24, the AOT cache (omg-cli-<N>.aot) on Java 25 and later, where N is the JVM's feature version.
# The training run is `ping --auto-start` against a fresh socket, so the archive holds what a real command loads:
# the failed connect, the engine start, the hello, a Kryo round trip and the output. The engine it starts is
# stopped before the script ends. No network; about 3-5 s. The Maven build runs it for the JDK that builds;
# run it by hand for another one:
#
#   engine/src/build/make-cli-archive.sh /usr/lib/jvm/temurin-25-jdk-amd64
#
# Usage: make-cli-archive.sh [JAVA_HOME [CLI_JAR [ENGINE_JAR [OUT_DIR [MORE_JAVA_HOMES]]]]]
# MORE_JAVA_HOMES (the build's -Domg.cli.archive.jdks): space-separated further JDKs to make archives for, e.g.
# Java 25 beside a Java 17 build, since an archive made before the jar was last rebuilt no longer fits.
set -eu

here=$(cd "$(dirname "$0")/../.." && pwd -P)
java_home=${1:-${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}}
cli_jar=${2:-$here/cli/target/omg-cli.jar}
engine_jar=${3:-$here/target/omg-engine.jar}
out=${4:-$here/target}
more=${5:-}
for other in $more; do
  sh "$0" "$other" "$cli_jar" "$engine_jar" "$out"
done
java=$java_home/bin/java

feature=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$java_home/release" 2>/dev/null || true)
if [ -z "$feature" ]; then
  feature=$("$java" -version 2>&1 | sed -n '1s/.*version "\([0-9]*\).*/\1/p')
fi
if [ "$feature" -ge 25 ]; then
  archive=$out/omg-cli-$feature.aot
  record="-XX:AOTCacheOutput=$archive"
else
  archive=$out/omg-cli-$feature.jsa
  record="-XX:ArchiveClassesAtExit=$archive"
fi
rm -f "$archive"

# A short private directory: the socket path must fit in sun_path wherever the checkout is.
work=$(mktemp -d "${TMPDIR:-/tmp}/omg-cds.XXXXXX")
socket=$work/engine.sock
stop_engine() {
  "$java" -jar "$cli_jar" stop --socket "$socket" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap stop_engine EXIT

# The same options bin/omg runs client commands with: an archive only maps into a JVM configured alike.
# shellcheck disable=SC2086
"$java" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 $record -Xlog:cds=off -Xlog:cds+dynamic=off \
  -Domg.engine.jar="$engine_jar" -jar "$cli_jar" ping --auto-start --timeout 60 --socket "$socket" \
  >"$archive.log" 2>&1 || { cat "$archive.log" >&2; echo "make-cli-archive: the training run failed" >&2; exit 1; }
[ -f "$archive" ] || { cat "$archive.log" >&2; echo "make-cli-archive: no archive at $archive" >&2; exit 1; }
echo "make-cli-archive: $archive (Java $feature)"
