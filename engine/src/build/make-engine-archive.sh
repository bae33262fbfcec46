#!/bin/sh
# Makes the class-data archive that bin/omg serve and --auto-start run the engine jar with: a dynamic CDS archive
# (omg-engine-<N>.jsa) on Java 17 to 24, the AOT cache (omg-engine-<N>.aot) on Java 25 and later, where N is the
# JVM's feature version. The training run is a real engine on a fresh socket, started with the JVM options bin/omg
# gives it (an archive only maps into a JVM configured alike), asked ping, status, commands and echo by the thin
# CLI, then stopped: the archive holds what a start and the first answers load (Logback, the config, Pekko's
# actor system and streams, junixsocket, Kryo). The JVM writes it when the engine exits. No network; about
# 5-10 s. The Maven build runs it for the JDK that builds; run it by hand for another one:
#
#   engine/src/build/make-engine-archive.sh /usr/lib/jvm/temurin-25-jdk-amd64
#
# Usage: make-engine-archive.sh [JAVA_HOME [ENGINE_JAR [CLI_JAR [OUT_DIR [MORE_JAVA_HOMES]]]]]
# MORE_JAVA_HOMES (the build's -Domg.cli.archive.jdks): space-separated further JDKs to make archives for.
set -eu

here=$(cd "$(dirname "$0")/../.." && pwd -P)
java_home=${1:-${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}}
engine_jar=${2:-$here/target/omg-engine.jar}
cli_jar=${3:-$here/cli/target/omg-cli.jar}
out=${4:-$here/target}
more=${5:-}
for other in $more; do
  sh "$0" "$other" "$engine_jar" "$cli_jar" "$out"
done
java=$java_home/bin/java
# The archive records the jar's path: it must be the absolute one bin/omg and auto-start pass.
engine_jar=$(cd "$(dirname "$engine_jar")" && pwd -P)/$(basename "$engine_jar")

feature=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$java_home/release" 2>/dev/null || true)
if [ -z "$feature" ]; then
  feature=$("$java" -version 2>&1 | sed -n '1s/.*version "\([0-9]*\).*/\1/p')
fi
# Keep in step with bin/omg and dev.omg.client.internal.EngineJvmOptions: the default engine options, and from Java 23 on
# the two that quiet the JVM.
opts='-Xmx256m -XX:+UseG1GC -XX:G1PeriodicGCInterval=30000 -XX:-G1PeriodicGCInvokesConcurrent'
if [ "$feature" -ge 23 ]; then
  opts="--enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow $opts"
fi
if [ "$feature" -ge 25 ]; then
  archive=$out/omg-engine-$feature.aot
  record="-XX:AOTCacheOutput=$archive -Xlog:aot=off -Xlog:cds=off"
else
  archive=$out/omg-engine-$feature.jsa
  record="-XX:ArchiveClassesAtExit=$archive -Xlog:cds=off -Xlog:cds+dynamic=off"
fi
rm -f "$archive"

# A short private directory: the socket path must fit in sun_path wherever the checkout is.
work=$(mktemp -d "${TMPDIR:-/tmp}/omg-cds.XXXXXX")
socket=$work/engine.sock
engine_pid=
cleanup() {
  if [ -n "$engine_pid" ] && kill -0 "$engine_pid" 2>/dev/null; then
    kill "$engine_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

show_logs() {
  cat "$archive.log" "$work/engine.log" >&2 2>/dev/null || true
}

cli() {
  "$java" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -jar "$cli_jar" "$@" --socket "$socket" --timeout 60
}

# shellcheck disable=SC2086
# With --log-file, as auto-start runs it, so the rolling file appender's classes are archived too.
"$java" $opts $record -jar "$engine_jar" serve --socket "$socket" --log-file "$work/engine.log" >"$archive.log" 2>&1 &
engine_pid=$!
tries=0
until [ -S "$socket" ] && cli ping >/dev/null 2>&1; do
  tries=$((tries + 1))
  if [ "$tries" -gt 600 ] || ! kill -0 "$engine_pid" 2>/dev/null; then
    show_logs
    echo "make-engine-archive: the training engine did not answer" >&2
    exit 1
  fi
  sleep 0.1
done
for command in "ping" "status" "commands" "call echo training run" "status --json"; do
  # shellcheck disable=SC2086
  cli $command >>"$archive.log" 2>&1 || {
    show_logs
    echo "make-engine-archive: $command failed" >&2
    exit 1
  }
done
cli stop >>"$archive.log" 2>&1
wait "$engine_pid" || { show_logs; echo "make-engine-archive: the engine exited with $?" >&2; exit 1; }
engine_pid=
[ -f "$archive" ] || { show_logs; echo "make-engine-archive: no archive at $archive" >&2; exit 1; }
echo "make-engine-archive: $archive (Java $feature)"
