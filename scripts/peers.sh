#!/usr/bin/env bash
# Provision the real test peers of dvx outside the repository:
#   bin/minio            S3-compatible server (built from source with `go install`)
#   bin/fake-gcs-server  GCS emulator (built from source with `go install`)
#   dvc-venv/            Python DVC (pip, pinned) with the s3 and gs extras
#
# Usage:
#   bash scripts/peers.sh [install]   idempotent; skips a peer whose stamp matches its pin
#   bash scripts/peers.sh paths       prints DVX_PEER_MINIO=..., DVX_PEER_FAKE_GCS=..., DVX_PEER_DVC=...
#
# Location: ${DVX_PEERS_HOME:-$HOME/.cache/dvx-peers}. Set DVX_PEERS_FORCE=1 to reinstall everything.
set -euo pipefail

# --- pins -------------------------------------------------------------------------------------
# MinIO publishes RELEASE.* tags, which are not semver, so the Go module proxy only knows
# pseudo-versions. This one is the last commit of minio/minio master (2026-02-12, module go 1.24)
# and builds with Go 1.26.
MINIO_MODULE="github.com/minio/minio"
MINIO_VERSION="v0.0.0-20260212201848-7aac2a2c5b7c"
FAKE_GCS_MODULE="github.com/fsouza/fake-gcs-server"
FAKE_GCS_VERSION="v1.56.1"
DVC_SPEC="dvc[s3,gs]==3.67.1"

PEERS_HOME="${DVX_PEERS_HOME:-$HOME/.cache/dvx-peers}"
BIN_DIR="$PEERS_HOME/bin"
STAMP_DIR="$PEERS_HOME/stamps"
LOG_DIR="$PEERS_HOME/logs"
VENV_DIR="$PEERS_HOME/dvc-venv"

MINIO_BIN="$BIN_DIR/minio"
FAKE_GCS_BIN="$BIN_DIR/fake-gcs-server"
DVC_BIN="$VENV_DIR/bin/dvc"

now() { date +%s; }

stamp_ok() { # name expected-content binary
  [[ "${DVX_PEERS_FORCE:-}" != "1" && -x "$3" && -f "$STAMP_DIR/$1" && "$(cat "$STAMP_DIR/$1")" == "$2" ]]
}

write_stamp() { printf '%s' "$2" >"$STAMP_DIR/$1"; }

go_peer() { # name module version binary-name
  local name="$1" module="$2" version="$3" binname="$4"
  local want="go:$module@$version" target="$BIN_DIR/$binname" log="$LOG_DIR/$name.log" t0
  t0=$(now)
  if stamp_ok "$name" "$want" "$target"; then
    echo "peers: $name $version already installed ($target)"
    return 0
  fi
  if ! command -v go >/dev/null 2>&1; then
    echo "peers: $name FAILED: no 'go' on PATH" >&2
    return 1
  fi
  local gobin
  gobin="$(mktemp -d "$PEERS_HOME/.gobin.XXXXXX")"
  # GOTOOLCHAIN=local: never try to download another toolchain; -trimpath/-s -w: smaller binary.
  if GOBIN="$gobin" GOTOOLCHAIN=local GOFLAGS="-buildvcs=false" \
    go install -trimpath -ldflags="-s -w" "$module@$version" >"$log" 2>&1; then
    mv -f "$gobin/$binname" "$target"
    rm -rf "$gobin"
    write_stamp "$name" "$want"
    echo "peers: $name $version installed in $(($(now) - t0))s ($target)"
  else
    rm -rf "$gobin"
    echo "peers: $name $version FAILED after $(($(now) - t0))s; last lines of $log:" >&2
    tail -n 30 "$log" >&2 || true
    return 1
  fi
}

dvc_peer() {
  local want="pip:$DVC_SPEC" log="$LOG_DIR/dvc.log" t0
  t0=$(now)
  if stamp_ok dvc "$want" "$DVC_BIN"; then
    echo "peers: dvc $DVC_SPEC already installed ($DVC_BIN)"
    return 0
  fi
  rm -rf "$VENV_DIR"
  if {
    python3 -m venv "$VENV_DIR" &&
      "$VENV_DIR/bin/python" -m pip install --disable-pip-version-check --no-input -q --upgrade pip &&
      "$VENV_DIR/bin/python" -m pip install --disable-pip-version-check --no-input -q "$DVC_SPEC" &&
      "$DVC_BIN" --version
  } >"$log" 2>&1; then
    write_stamp dvc "$want"
    echo "peers: dvc $DVC_SPEC installed in $(($(now) - t0))s ($DVC_BIN, $(tail -n 1 "$log"))"
  else
    echo "peers: dvc $DVC_SPEC FAILED after $(($(now) - t0))s; last lines of $log:" >&2
    tail -n 30 "$log" >&2 || true
    return 1
  fi
}

cmd_install() {
  mkdir -p "$BIN_DIR" "$STAMP_DIR" "$LOG_DIR"
  local t0 failed=0 dvc_pid
  t0=$(now)
  echo "peers: installing into $PEERS_HOME"
  # pip is mostly network and unpacking: run it beside the (CPU-bound) Go builds.
  dvc_peer &
  dvc_pid=$!
  go_peer fake-gcs-server "$FAKE_GCS_MODULE" "$FAKE_GCS_VERSION" fake-gcs-server || failed=1
  go_peer minio "$MINIO_MODULE" "$MINIO_VERSION" minio || failed=1
  wait "$dvc_pid" || failed=1
  if [[ "$failed" != 0 ]]; then
    echo "peers: install FAILED (total $(($(now) - t0))s)" >&2
    return 1
  fi
  echo "peers: all peers ready in $(($(now) - t0))s"
}

cmd_paths() {
  echo "DVX_PEER_MINIO=$MINIO_BIN"
  echo "DVX_PEER_FAKE_GCS=$FAKE_GCS_BIN"
  echo "DVX_PEER_DVC=$DVC_BIN"
}

case "${1:-install}" in
  install) cmd_install ;;
  paths) cmd_paths ;;
  *)
    echo "usage: $0 [install|paths]" >&2
    exit 2
    ;;
esac
