#!/bin/sh
# Builds native/sync-helper.c for amd64 and arm64 (as the warm server is built) into
# src/runtime/container/sync-helper-program.ts and its facts into sync-helper-build.ts (committed:
# installing berth needs no compiler). test/unit/runtime/container/sync-helper-program.test.ts
# checks that they come from the committed source.
set -eu
cd "$(dirname "$0")/.."
NATIVE_SOURCE=native/sync-helper.c \
  WARM_SERVER_OUT=${SYNC_HELPER_OUT:-src/runtime/container/sync-helper-program.ts} \
  WARM_SERVER_FACTS_OUT=${SYNC_HELPER_FACTS_OUT:-src/runtime/container/sync-helper-build.ts} \
  exec scripts/build-warm-server.sh
