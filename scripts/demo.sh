#!/usr/bin/env bash
# The main job on an embedded default: version a generated dataset with dvx against a
# local-directory remote, then get the exact bytes back in a fresh clone. No cloud account needed.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
dvx() { node "$here/dist/cli/dvx.cjs" "$@"; }
work="$(mktemp -d "${TMPDIR:-/tmp}/dvx-demo-XXXXXX")"
echo "demo workspace: $work"
cd "$work"

git init -q -b main project && cd project
git config user.email demo@dvx.invalid && git config user.name "dvx demo"
dvx init -q

# a small dataset: 1,000 files in 10 folders plus a labels file
node -e '
const fs = require("fs"), crypto = require("crypto");
for (let d = 0; d < 10; d++) {
  fs.mkdirSync(`data/images/class${d}`, { recursive: true });
  for (let i = 0; i < 100; i++) fs.writeFileSync(`data/images/class${d}/img${i}.bin`, crypto.randomBytes(512 + i));
}
fs.writeFileSync("data/labels.csv", Array.from({ length: 1000 }, (_, i) => `img${i % 100}.bin,${i % 10}`).join("\n") + "\n");
'
dvx add data/images data/labels.csv
dvx remote add -d storage "$work/remote"
git add -A && git commit -qm "track dataset with dvx"
dvx push
dvx status -c

echo; echo "== fresh clone, empty cache =="
cd "$work" && git clone -q project clone && cd clone
dvx pull
dvx status
diff -r "$work/project/data" "$work/clone/data" && echo "byte-identical: yes"
echo; echo "pointer file written by dvx (DVC 3.x format):"; cat data/images.dvc
