#!/usr/bin/env bash
# make-legacy-fixture.sh — build fixtures/legacy-2x/ from scratch with REAL DVC 2.58.2
# (the last 2.x release), then record what REAL DVC 3.x does with that repository.
#
# WHAT IT PRODUCES (everything under fixtures/legacy-2x/ is regenerated; nothing else is touched)
#   repo/            the DVC 2.x workspace: data files, *.dvc, .gitignore, .dvcignore, dvc.yaml,
#                    dvc.lock, .dvc/config, .dvc/.gitignore and .dvc/cache/ (legacy layout
#                    .dvc/cache/ab/cdef..., plus the 2.x run cache under .dvc/cache/runs/).
#                    NOT .git/ (a nested git dir cannot be committed: tests `git init` a copy)
#                    and NOT .dvc/tmp/.
#   remote/          the local remote after `dvc push` (legacy layout, no files/md5/ prefix).
#                    .dvc/config points at it as `url = ../../remote` (DVC rewrites the
#                    `../remote` given on the command line relative to .dvc/), so copy repo/ and
#                    remote/ side by side.
#   expected.json    facts recorded from what 2.x wrote (metadata file bytes, outputs, every
#                    object with its cache/remote path and raw/dos2unix md5, .dir manifests,
#                    `dvc status` / `dvc status -c` output) + the DVC 3.x observations.
#   dvc3-expected/   byte-exact outputs of DVC 3.x run on a copy of the legacy repo (see below).
#   .gitattributes   `* -text`: git must never convert the CRLF bytes.
#   README.md        short description.
#
# DVC 2.58.2 ON PYTHON 3.11
#   `pip install dvc==2.58.2` alone resolves today's transitive deps and fails at run time
#   (pathspec 1.x dropped `_DIR_MARK`, newer dvc-objects/scmrepo/fsspec/ruamel are incompatible).
#   The pins below are the resolution pip made with `--uploaded-prior-to 2023-06-10T00:00:00Z`
#   (i.e. the ecosystem as of 2.58.2's release); with them `dvc --version` prints 2.58.2 and
#   add/repro/push/status work. nanotime has no wheel (sdist, builds with setuptools).
#   Create the venv by hand with:
#       python3 -m venv /tmp/dvc2-venv
#       /tmp/dvc2-venv/bin/pip install -r <(bash scripts/make-legacy-fixture.sh pins)
#   or let `bash scripts/make-legacy-fixture.sh venv` do exactly that.
#
# DVC 3.x
#   Uses $DVC3_BIN if set, else ~/.cache/dvx-peers/dvc-venv/bin/dvc (made by
#   `bash scripts/peers.sh install`), else creates /tmp/dvc3-venv with `pip install dvc==3.67.1`.
#   Set DVX_SKIP_DVC3=1 to skip the 3.x part (dvc3-expected/ is then left out).
#
# USAGE (from the repository root; needs python3 with venv + pip, git, coreutils)
#   bash scripts/make-legacy-fixture.sh            # = build (creates the 2.x venv if missing)
#   bash scripts/make-legacy-fixture.sh venv       # only create/verify the venv(s)
#   bash scripts/make-legacy-fixture.sh pins       # print the 2.x requirement pins
#   git add -f fixtures/legacy-2x                  # -f: the fixture's own .gitignore files
#                                                  # (/crlf.txt, /cache, ...) would hide them
#   Env: DVC2_VENV (default /tmp/dvc2-venv), DVC3_BIN, DVX_SKIP_DVC3, KEEP_WORK=1 (keep the
#   temp dir and print it).
#
# The build is deterministic: running it twice gives byte-identical fixtures (no timestamps,
# no absolute paths are recorded).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/fixtures/legacy-2x"
DVC2_VENV="${DVC2_VENV:-/tmp/dvc2-venv}"
DVC2_VERSION="2.58.2"
DVC3_SPEC="dvc==3.67.1"

pins() {
  cat <<'EOF'
dvc==2.58.2
aiohttp==3.8.4
aiohttp-retry==2.8.3
aiosignal==1.3.1
amqp==5.1.1
antlr4-python3-runtime==4.9.3
appdirs==1.4.4
async-timeout==4.0.2
asyncssh==2.13.1
atpublic==4.0
attrs==23.1.0
billiard==4.1.0
celery==5.3.0
certifi==2023.5.7
cffi==1.15.1
charset-normalizer==3.1.0
click==8.1.3
click-didyoumean==0.3.0
click-plugins==1.1.1
click-repl==0.2.0
colorama==0.4.6
configobj==5.0.8
cryptography==41.0.1
dictdiffer==0.9.0
diskcache==5.6.1
distro==1.8.0
dpath==2.1.6
dulwich==0.21.5
dvc-data==0.51.0
dvc-http==2.30.2
dvc-objects==0.22.0
dvc-render==0.5.3
dvc-studio-client==0.10.0
dvc-task==0.2.1
filelock==3.12.0
flatten-dict==0.4.2
flufl.lock==7.1.1
frozenlist==1.3.3
fsspec==2023.6.0
funcy==2.0
gitdb==4.0.10
GitPython==3.1.31
grandalf==0.8
hydra-core==1.3.2
idna==3.4
iterative-telemetry==0.0.8
kombu==5.3.0
markdown-it-py==2.2.0
mdurl==0.1.2
multidict==6.0.4
nanotime==0.5.2
networkx==3.1
omegaconf==2.3.0
orjson==3.9.1
packaging==23.1
pathspec==0.11.1
platformdirs==3.5.1
prompt-toolkit==3.0.38
psutil==5.9.5
pycparser==2.21
pydot==1.4.2
pygit2==1.12.1
Pygments==2.15.1
pygtrie==2.5.0
pyparsing==3.0.9
python-dateutil==2.8.2
PyYAML==6.0
requests==2.31.0
rich==13.4.1
ruamel.yaml==0.17.31
ruamel.yaml.clib==0.2.7
scmrepo==1.0.3
shortuuid==1.0.11
shtab==1.6.1
six==1.16.0
smmap==5.0.0
sqltrie==0.5.0
tabulate==0.9.0
tomlkit==0.11.8
tqdm==4.65.0
typing_extensions==4.6.3
tzdata==2023.3
urllib3==2.0.3
vine==5.0.0
voluptuous==0.13.1
wcwidth==0.2.6
yarl==1.9.2
zc.lockfile==3.0.post1
EOF
}

log() { printf 'legacy-fixture: %s\n' "$*" >&2; }

ensure_dvc2() {
  if [[ -x "$DVC2_VENV/bin/dvc" && "$("$DVC2_VENV/bin/dvc" --version 2>/dev/null)" == "$DVC2_VERSION" ]]; then
    return 0
  fi
  log "creating $DVC2_VENV with dvc $DVC2_VERSION and pinned deps"
  rm -rf "$DVC2_VENV"
  python3 -m venv "$DVC2_VENV"
  local req
  req="$(mktemp)"
  pins >"$req"
  "$DVC2_VENV/bin/pip" install -q --disable-pip-version-check -r "$req"
  rm -f "$req"
  [[ "$("$DVC2_VENV/bin/dvc" --version)" == "$DVC2_VERSION" ]] || {
    log "dvc --version is not $DVC2_VERSION"
    exit 1
  }
}

DVC3=""
ensure_dvc3() {
  local cand
  for cand in "${DVC3_BIN:-}" "$HOME/.cache/dvx-peers/dvc-venv/bin/dvc" /tmp/dvc3-venv/bin/dvc; do
    if [[ -n "$cand" && -x "$cand" ]] && [[ "$("$cand" --version 2>/dev/null)" == 3.* ]]; then
      DVC3="$cand"
      return 0
    fi
  done
  log "creating /tmp/dvc3-venv with $DVC3_SPEC"
  rm -rf /tmp/dvc3-venv
  python3 -m venv /tmp/dvc3-venv
  /tmp/dvc3-venv/bin/pip install -q --disable-pip-version-check "$DVC3_SPEC"
  DVC3=/tmp/dvc3-venv/bin/dvc
}

cmd="${1:-build}"
case "$cmd" in
pins)
  pins
  exit 0
  ;;
venv)
  ensure_dvc2
  "$DVC2_VENV/bin/dvc" --version
  if [[ "${DVX_SKIP_DVC3:-}" != "1" ]]; then
    ensure_dvc3
    "$DVC3" --version
  fi
  exit 0
  ;;
build) ;;
*)
  echo "usage: $0 [build|venv|pins]" >&2
  exit 2
  ;;
esac

ensure_dvc2
DVC2="$DVC2_VENV/bin/dvc"
if [[ "${DVX_SKIP_DVC3:-}" != "1" ]]; then ensure_dvc3; fi

umask 022
export LC_ALL=C.UTF-8 TZ=UTC
export DVC_NO_ANALYTICS=1
export GIT_AUTHOR_NAME=fixture GIT_AUTHOR_EMAIL=fixture@example.invalid
export GIT_COMMITTER_NAME=fixture GIT_COMMITTER_EMAIL=fixture@example.invalid
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null

WORK="$(mktemp -d /tmp/dvx-legacy-fixture.XXXXXX)"
# DVC's state DB / index live in site_cache_dir; keep them out of /var/tmp/dvc.
export DVC_SITE_CACHE_DIR="$WORK/site-cache"
cleanup() {
  if [[ "${KEEP_WORK:-}" == "1" ]]; then
    log "work dir kept: $WORK"
  else
    chmod -R u+w "$WORK" 2>/dev/null || true
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT

R2="$WORK/v2/repo" # the 2.x repository; its remote is $WORK/v2/remote
LOGS="$WORK/logs"
mkdir -p "$R2" "$LOGS"

# ---------------------------------------------------------------------------------------------
# 1. The repository, written by DVC 2.x
# ---------------------------------------------------------------------------------------------
log "building the 2.x repository with $("$DVC2" --version)"
(
  cd "$R2"
  git init -q -b main .
  "$DVC2" init -q
  "$DVC2" config core.analytics false

  # CRLF text: legacy md5 (dos2unix) differs from the raw md5.
  printf 'line one\r\nline two\r\n' >crlf.txt
  # Binary (NUL bytes) with CRLF inside: hashed raw.
  printf 'DVX\000\001\002\r\n\377\376\r\nbinary\000end\r\n' >bin.dat
  # Directory with: LF text, CRLF text, a space in a name, a non-ASCII name whose content is
  # mostly UTF-8 (=> classified binary, hashed raw despite its CRLF), an empty file, and a
  # nested subdir with a text file mixing lone CR, CR CR LF and CRLF, and a PNG-like header.
  mkdir -p images/sub
  printf 'alpha\n' >images/a.txt
  printf 'dos line 1\r\ndos line 2\r\n' >images/dos.txt
  printf 'has a space\n' >'images/with space.txt'
  printf '\320\277\321\200\320\270\320\262\320\265\321\202 \320\274\320\270\321\200\r\n' >$'images/\303\251.txt'
  : >images/empty
  printf 'a\r\r\nb\rc\r\n' >images/sub/mixed.txt
  printf '\211PNG\r\n\032\n\000\000\000\rIHDR' >images/sub/tiny.png
  # Executable, tracked by its own .dvc (isexec: true).
  printf '#!/bin/sh\necho legacy\n' >run.sh
  chmod 755 run.sh

  "$DVC2" add -q crlf.txt
  "$DVC2" add -q bin.dat
  "$DVC2" add -q images
  "$DVC2" add -q run.sh

  # A one-stage pipeline: one file output (CRLF text) and one directory output.
  "$DVC2" stage add -q -n derive -d crlf.txt -o upper.txt -o parts \
    "tr a-z A-Z < crlf.txt > upper.txt && mkdir -p parts && head -n 1 crlf.txt > parts/first.txt && tail -n 1 crlf.txt > parts/last.txt"
  "$DVC2" repro -q

  "$DVC2" remote add -d legacy ../remote >/dev/null
  "$DVC2" push -q

  git add .gitignore .dvcignore .dvc/config .dvc/.gitignore ./*.dvc dvc.yaml dvc.lock
  git commit -q -m "legacy 2.x repository"
  [[ -z "$(git status --porcelain)" ]] || {
    git status --porcelain >&2
    exit 1
  }

  "$DVC2" status >"$LOGS/v2-status.out" 2>"$LOGS/v2-status.err"
  "$DVC2" status -c >"$LOGS/v2-status-cloud.out" 2>"$LOGS/v2-status-cloud.err"
  "$DVC2" --version >"$LOGS/v2-version"
)

# ---------------------------------------------------------------------------------------------
# 2. DVC 3.x on a copy of that repository (with its .git and its remote)
# ---------------------------------------------------------------------------------------------
D3="$WORK/dvc3-expected"
if [[ -n "$DVC3" ]]; then
  log "running $("$DVC3" --version) on a copy"
  mkdir -p "$D3" "$WORK/v3" "$WORK/prev"
  cp -a "$WORK/v2/repo" "$WORK/v2/remote" "$WORK/v3/"
  rm -rf "$WORK/v3/repo/.dvc/tmp"
  R3="$WORK/v3/repo"
  META=(crlf.txt.dvc bin.dat.dvc images.dvc run.sh.dvc dvc.yaml dvc.lock .gitignore)
  (cd "$R3" && cp -a "${META[@]}" "$WORK/prev/")
  listing() { # dir: sorted relative file list (one per line)
    (cd "$1" && find . -type f | sed 's|^\./||' | LC_ALL=C sort)
  }
  listing "$R3/.dvc/cache" >"$WORK/prev/cache.list"
  listing "$WORK/v3/remote" >"$WORK/prev/remote.list"
  : >"$D3/steps.txt"
  : >"$D3/new-objects.txt"
  # run3 STEP ARGS...: run dvc 3.x in the copy; keep stdout as STEP.out (stderr as STEP.err if
  # any), then record in steps.txt "STEP <exit code> <file>=<identical|CHANGED>... -- dvc ARGS"
  # (vs the 2.x originals), copy each metadata file this step modified to <file>.after-STEP, and append
  # the objects this step created to new-objects.txt as "STEP cache|remote <relpath>".
  run3() {
    local step="$1" rc=0 f line
    shift
    (cd "$R3" && "$DVC3" "$@") >"$D3/$step.out" 2>"$WORK/logs/v3-$step.err" || rc=$?
    if [[ -s "$WORK/logs/v3-$step.err" ]]; then cp "$WORK/logs/v3-$step.err" "$D3/$step.err"; fi
    line="$step $rc"
    for f in "${META[@]}"; do
      if cmp -s "$WORK/v2/repo/$f" "$R3/$f"; then line+=" $f=identical"; else line+=" $f=CHANGED"; fi
      if ! cmp -s "$WORK/prev/$f" "$R3/$f"; then
        cp "$R3/$f" "$D3/$f.after-$step"
        cp "$R3/$f" "$WORK/prev/$f"
      fi
    done
    echo "$line -- dvc $*" >>"$D3/steps.txt"
    listing "$R3/.dvc/cache" >"$WORK/cache.list"
    listing "$WORK/v3/remote" >"$WORK/remote.list"
    comm -13 "$WORK/prev/cache.list" "$WORK/cache.list" | sed "s|^|$step cache |" >>"$D3/new-objects.txt"
    comm -13 "$WORK/prev/remote.list" "$WORK/remote.list" | sed "s|^|$step remote |" >>"$D3/new-objects.txt"
    mv "$WORK/cache.list" "$WORK/prev/cache.list"
    mv "$WORK/remote.list" "$WORK/prev/remote.list"
  }
  "$DVC3" --version >"$D3/VERSION"

  # (a) status on the untouched legacy repo
  run3 a-status status
  run3 a-status-cloud status -c
  # (b) commit / add with nothing changed
  run3 b-commit commit -f
  run3 b-add-crlf add crlf.txt
  run3 b-add-images add images
  run3 b-status status
  # (c) edit crlf.txt (still CRLF text), add it, then status and repro the stage depending on it
  printf 'line one\r\nline two\r\nline three\r\n' >"$R3/crlf.txt"
  cp "$R3/crlf.txt" "$D3/crlf.txt.edited"
  run3 c-add-edited add crlf.txt
  run3 c-status status
  run3 c-repro repro
  run3 c-status-after-repro status
  # (d) push to the legacy remote
  run3 d-push push
  run3 d-status-cloud status -c
fi

# ---------------------------------------------------------------------------------------------
# 3. Copy into fixtures/legacy-2x/ and record expected.json
# ---------------------------------------------------------------------------------------------
log "writing $OUT"
if [[ -d "$OUT" ]]; then
  chmod -R u+w "$OUT"
  rm -rf "$OUT"
fi
mkdir -p "$OUT"
cp -a "$WORK/v2/repo" "$OUT/repo"
rm -rf "$OUT/repo/.git" "$OUT/repo/.dvc/tmp"
cp -a "$WORK/v2/remote" "$OUT/remote"
if [[ -d "$D3" ]]; then cp -a "$D3" "$OUT/dvc3-expected"; fi
printf '* -text\n' >"$OUT/.gitattributes"

"$DVC2_VENV/bin/python" - "$OUT" "$LOGS" <<'PY'
import hashlib, json, os, sys
import yaml

out, logs = sys.argv[1], sys.argv[2]
repo, remote = os.path.join(out, "repo"), os.path.join(out, "remote")

TEXT = set(b"\b\t\n\f\r") | set(range(0x20, 0x7F))
def istext(block):
    if not block:
        return True
    if 0 in block:
        return False
    return sum(1 for b in block if b not in TEXT) / len(block) <= 0.30

def md5(b):
    return hashlib.md5(b).hexdigest()

def read(p):
    with open(p, "rb") as f:
        return f.read()

def rd(name):
    with open(os.path.join(logs, name), encoding="utf-8") as f:
        return f.read()

def walk(top, skip=()):
    res = []
    for d, dirs, files in os.walk(top):
        rel = os.path.relpath(d, top)
        dirs[:] = sorted(x for x in dirs if os.path.normpath(os.path.join(rel, x)) not in skip)
        for f in files:
            res.append(os.path.normpath(os.path.join(rel, f)).replace(os.sep, "/"))
    return sorted(res)

all_files = walk(repo, skip={".dvc"})
meta_names = [f for f in all_files if f.endswith(".dvc") or f.split("/")[-1] in
              (".gitignore", ".dvcignore", "dvc.yaml", "dvc.lock")]
meta_names += [".dvc/config", ".dvc/.gitignore"]
metadata = {f: read(os.path.join(repo, f)).decode("utf-8") for f in sorted(meta_names)}

workspace = []
for f in all_files:
    if f in metadata:
        continue
    b = read(os.path.join(repo, f))
    text = istext(b[:512])
    workspace.append({
        "path": f, "size": len(b),
        "exec": bool(os.stat(os.path.join(repo, f)).st_mode & 0o111),
        "is_text": text, "md5": md5(b),
        "md5_dos2unix": md5(b.replace(b"\r\n", b"\n")) if text else md5(b),
    })

outputs = []
for f in sorted(metadata):
    if f.endswith(".dvc") and not f.startswith(".dvc/"):
        d = yaml.safe_load(metadata[f])
        for o in d["outs"]:
            outputs.append({"source": f, **o})
lock = yaml.safe_load(metadata["dvc.lock"])
for name, st in lock["stages"].items():
    for o in st.get("outs", []):
        outputs.append({"source": f"dvc.lock:{name}", **o})

cache = os.path.join(repo, ".dvc", "cache")
objects, manifests = [], {}
for rel in walk(cache, skip={"runs"}):
    two, rest = rel.split("/")
    oid = two + rest
    b = read(os.path.join(cache, rel))
    text = istext(b[:512])
    obj = {
        "oid": oid, "cache_path": f".dvc/cache/{rel}", "remote_path": rel, "size": len(b),
        "is_text": text, "raw_md5": md5(b),
        "dos2unix_md5": md5(b.replace(b"\r\n", b"\n")) if text else md5(b),
    }
    obj["name_is_raw_md5"] = obj["raw_md5"] == oid.removesuffix(".dir")
    objects.append(obj)
    if oid.endswith(".dir"):
        manifests[oid] = json.loads(b)
run_cache = [f".dvc/cache/runs/{p}" for p in walk(os.path.join(cache, "runs"))]

exp = {
    "generator": "scripts/make-legacy-fixture.sh",
    "dvc_version": rd("v2-version").strip(),
    "metadata_files": metadata,
    "workspace_files": workspace,
    "outputs": outputs,
    "objects": objects,
    "dir_manifests": manifests,
    "run_cache": run_cache,
    "remote_files": walk(remote),
    "status": {"dvc status": rd("v2-status.out"), "dvc status -c": rd("v2-status-cloud.out")},
}
d3 = os.path.join(out, "dvc3-expected")
if os.path.isdir(d3):
    def t(n):
        p = os.path.join(d3, n)
        return read(p).decode("utf-8") if os.path.exists(p) else None
    new_objects = [l.split(" ", 2) for l in t("new-objects.txt").splitlines()]
    steps = []
    for l in t("steps.txt").splitlines():
        head, argv = l.split(" -- ", 1)
        name, rc, *fl = head.split(" ")
        steps.append({
            "step": name,
            "command": argv,
            "exit_code": int(rc),
            "stdout": t(f"{name}.out"),
            "stderr": t(f"{name}.err") or "",
            "metadata_vs_2x": dict(x.split("=", 1) for x in fl),
            "metadata_changed_by_step": {
                f.removesuffix(f".after-{name}"): t(f)
                for f in sorted(os.listdir(d3)) if f.endswith(f".after-{name}")
            },
            "new_cache_objects": [p for s_, k, p in new_objects if s_ == name and k == "cache"],
            "new_remote_objects": [p for s_, k, p in new_objects if s_ == name and k == "remote"],
        })
    exp["dvc3"] = {
        "version": t("VERSION").strip(),
        "crlf_txt_edited": t("crlf.txt.edited"),
        "steps": steps,
    }
with open(os.path.join(out, "expected.json"), "w", encoding="utf-8") as f:
    json.dump(exp, f, indent=2, ensure_ascii=False, sort_keys=False)
    f.write("\n")
PY

cat >"$OUT/README.md" <<'EOF'
# legacy-2x fixture

Generated by `bash scripts/make-legacy-fixture.sh` (see its header for the DVC 2.58.2 pins).
Do not edit by hand: re-run the script, then `git add -f fixtures/legacy-2x`.

- `repo/`: a repository written by real DVC 2.58.2 (no `.git/`: `git init` a copy before
  using it; cache objects are checked out 0644, DVC itself leaves them 0444).
- `remote/`: its local remote after `dvc push` (`.dvc/config` says `url = ../../remote`).
- `expected.json`: what 2.x wrote and the DVC 3.x observations, for tests.
- `dvc3-expected/`: byte-exact outputs of real DVC 3.x run step by step on a copy of `repo/`
  (with its `remote/`): `steps.txt` lists each step (`a-*` status on the untouched repo,
  `b-*` commit/add with nothing changed, `c-*` after rewriting `crlf.txt` to
  `crlf.txt.edited` then add/status/repro, `d-*` push), its exit code, whether each
  metadata file is still identical to the 2.x one, and the command. `STEP.out` is its stdout
  (`STEP.err` its stderr, if any); `FILE.after-STEP` is a metadata file as that step rewrote
  it (only when its bytes changed); `new-objects.txt` lists the cache/remote files each step
  created. The same facts are in `expected.json` under `dvc3`.
- `.gitattributes`: `* -text`, so git never touches the CRLF bytes.
EOF

log "done: $(find "$OUT" -type f | wc -l) files, $(du -sh "$OUT" | cut -f1)"
