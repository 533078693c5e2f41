#!/usr/bin/env bash
# Opt-in self-test tier: the suite against real third-party servers, judged by their profiles
# (targets/<name>.toml, audited non-conformances as [expect."<test id>"] entries).
#
# Usage: tests/realservers/run.sh [NAME ...]     NAME: litellm-mock stubllm llama-cpp (default:
#        litellm-mock stubllm; llama-cpp compiles llama.cpp: ~30 min on 2 cores).
# Installs each pinned package once into $OAIC_REAL_SERVERS_CACHE/<name> (default
# ~/.cache/oaic-realservers) from the package registry, then runs tests/realservers with
# OAIC_REAL_SERVERS=1. Not on the default CI path (the tests skip without that variable).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
CACHE="${OAIC_REAL_SERVERS_CACHE:-$HOME/.cache/oaic-realservers}"
NAMES=("$@")
[ ${#NAMES[@]} -gt 0 ] || NAMES=(litellm-mock stubllm)
declare -A PINS=(
  [litellm-mock]='litellm[proxy]==1.106.2'
  [stubllm]='stubllm==0.1.5'
  [llama-cpp]='llama-cpp-python[server]==0.3.36 gguf==0.19.0'
)
for name in "${NAMES[@]}"; do
  pin="${PINS[$name]:?unknown server $name (known: ${!PINS[*]})}"
  venv="$CACHE/$name"
  if [ ! -f "$venv/.installed" ] || [ "$(cat "$venv/.installed")" != "$pin" ]; then
    echo "installing $pin into $venv" >&2
    python3 -m venv "$venv"
    # shellcheck disable=SC2086  # the pin list is split on purpose
    CMAKE_ARGS="-DGGML_NATIVE=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF" \
      timeout 3600 "$venv/bin/pip" install -q $pin
    echo "$pin" > "$venv/.installed"
  fi
done
export OAIC_REAL_SERVERS=1 OAIC_REAL_SERVERS_CACHE="$CACHE"
export OAIC_REAL_SERVERS_ONLY="${NAMES[*]}"
exec timeout 7200 "$ROOT/.venv/bin/python" -m pytest "$ROOT/tests/realservers" -q -p no:randomly
