#!/usr/bin/env bash
# Does watching a push slow it down? Times `dvx push` of N small files (N+1 objects with the .dir)
# to a local-directory remote, R times per mode, modes interleaved, each run from an empty remote:
#   tui    live ink UI in a real terminal (tmux pane 120x30, CI unset)
#   quiet  -q in the same terminal (nothing drawn)
#   plain  stderr to a file (plain progress lines)
#   tui_alt  (with DVX_CLI_ALT=path/to/other/dist/cli/main.js) the tui mode of another build, for A/B
# Prints per-run wall time (process start to exit) and the push's own "in X s" figure, then
# medians. Not a test: run by hand, `bash test/e2e/measure-tui-overhead.sh 3000 7`.
set -euo pipefail
N=${1:-3000}
R=${2:-5}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CLI="${DVX_CLI:-$ROOT/dist/cli/main.js}"
WORK=$(mktemp -d /tmp/dvx-tui-overhead-XXXXXX)
SOCK="dvx-overhead-$$"
trap 'tmux -L "$SOCK" kill-server 2>/dev/null || true; rm -rf "$WORK"' EXIT

cd "$WORK"
mkdir repo remote
cd repo
git init -q
CI=true node "$CLI" init -q
CI=true node "$CLI" remote add -d storage "$WORK/remote"
mkdir data
python3 - "$N" <<'PY'
import os, sys
n = int(sys.argv[1])
for i in range(n):
    open(f"data/f{i:05d}.txt", "w").write(f"object {i} {os.urandom(8).hex()}\n")
PY
CI=true node "$CLI" add -q data

env -u CI TERM=xterm-256color tmux -L "$SOCK" -f /dev/null new-session -d -x 120 -y 30 -c "$WORK/repo" "bash --norc --noprofile"

# each run prints "wall_ms cpu_ms push_s": wall and CPU (user+sys, all threads) from GNU time,
# and the push's own "in X s" (empty with -q, which prints no summary)
TIME=/usr/bin/time
result() { # $1 = run prefix
  read -r e u sy < "$1.time"
  echo "$(awk -v e="$e" 'BEGIN{printf "%d", e*1000}') $(awk -v u="$u" -v s="$sy" 'BEGIN{printf "%d", (u+s)*1000}') $(grep -o 'in [0-9.]* s' "$1.stdout" | awk '{print $2}')"
}

run_in_tmux() { # $1 = extra args, $2 = cli
  local out="$WORK/out.$RANDOM"
  tmux -L "$SOCK" send-keys -t 0 -l "clear; $TIME -o $out.time -f '%e %U %S' node ${2:-$CLI} push $1 > $out.stdout; echo done > $out.done"
  tmux -L "$SOCK" send-keys -t 0 Enter
  while [ ! -s "$out.done" ]; do sleep 0.05; done
  result "$out"
}

run_plain() {
  local out="$WORK/plain.$RANDOM"
  env -u CI $TIME -o "$out.time" -f '%e %U %S' node "$CLI" push > "$out.stdout" 2> "$out.stderr"
  result "$out"
}

declare -a tui quiet plain tui_alt
MODES="tui quiet plain${DVX_CLI_ALT:+ tui_alt}"
for ((i = 0; i < R; i++)); do
  # rotate the order so no mode always runs first (or after the same neighbour)
  set -- $MODES
  for ((k = 0; k < i % $#; k++)); do set -- "${@:2}" "$1"; done
  for mode in "$@"; do
    rm -rf "$WORK/remote"/*
    case $mode in
      tui) r=$(run_in_tmux "") ;;
      quiet) r=$(run_in_tmux "-q") ;;
      plain) r=$(run_plain) ;;
      tui_alt) r=$(run_in_tmux "" "$DVX_CLI_ALT") ;;
    esac
    read -r w c p <<< "$r"
    echo "run $i $mode: wall $w ms, cpu $c ms, push ${p:--} s"
    eval "$mode+=(\"$r\")"
  done
done

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
echo
echo "median over $R runs, push of $N files ($((N + 1)) objects) to a local remote; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for mode in $MODES; do
  eval "vals=(\"\${$mode[@]}\")"
  wall=$(for v in "${vals[@]}"; do echo "$v" | awk '{print $1}'; done | median)
  cpu=$(for v in "${vals[@]}"; do echo "$v" | awk '{print $2}'; done | median)
  inner=$(for v in "${vals[@]}"; do echo "$v" | awk '{print $3}'; done | grep . | median || true)
  [ "$mode" = quiet ] && inner=""  # -q prints no summary line
  printf "%-8s wall %6s ms   cpu %6s ms   push's own figure %5s s\n" "$mode" "$wall" "$cpu" "${inner:--}"
done
