#!/usr/bin/env bash
# Compile cost per generated operation, before and after a change, on the same machine in one run.
#
#   scripts/scale-compile.sh BEFORE_COMMIT [AFTER_COMMIT] [N]
#
# For each commit: a worktree in a temporary folder with its own target directory, the
# dependencies built once, then `cargo check` and `cargo build --release` of dingtalk-oapi timed
# twice: as checked in (baseline) and with a synthetic group of N operations (default 300) shaped
# like `ListLabelGroups`, each with its own two object types. Only dingtalk-oapi is rebuilt in the
# timed runs, so (with - without) / N * 100 is the cost of 100 operations. Also prints the generated
# lines per operation. Writes nothing in this checkout; prints a Markdown table.
set -euo pipefail
# Every timed build starts from scratch for the crate: no incremental cache to flatter a baseline.
export CARGO_INCREMENTAL=0
before=${1:?usage: scale-compile.sh BEFORE_COMMIT [AFTER_COMMIT] [N]}
after=${2:-HEAD}
n=${3:-300}
repo=$(git rev-parse --show-toplevel)
work=$(mktemp -d)
trap 'for t in "$work"/*/; do git -C "$repo" worktree remove --force "$t" >/dev/null 2>&1 || true; done; rm -rf "$work"' EXIT

# Writes N synthetic operations into TREE/spec/scale/, named as that tree's layout wants.
synthesize() {
  local tree=$1
  python3 - "$tree" "$n" <<'PY'
import os, re, sys
tree, n = sys.argv[1], int(sys.argv[2])
spec = os.path.join(tree, "spec", "extcontact")
template_path = next(os.path.join(spec, f) for f in ("list_label_groups.yaml", "listlabelgroups.yaml")
                     if os.path.exists(os.path.join(spec, f)))
template = open(template_path).read()
out = os.path.join(tree, "spec", "scale")
os.makedirs(out, exist_ok=True)
for i in range(n):
    text = (template
            .replace("name: ListLabelGroups", f"name: ScaleOp{i}")
            .replace("/topapi/extcontact/listlabelgroups", f"/topapi/scale/op{i}")
            .replace("OpenLabelGroup", f"ScaleGroup{i}x")
            .replace("OpenLabel:", f"ScaleLabel{i}y:")
            .replace("list<OpenLabel>", f"list<ScaleLabel{i}y>")
            .replace("group: extcontact", "group: scale"))
    # The mock keeps one store per name; a synthetic group needs none.
    text = re.sub(r"\n  mock:\n(    .*\n)+", "\n", text)
    open(os.path.join(out, f"scale_op{i}.yaml"), "w").write(text)
PY
}

# Seconds of one command.
timed() {
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1
  end=$(date +%s.%N)
  python3 -c "print(f'{$end - $start:.2f}')"
}

generated_lines() {
  local tree=$1
  local files
  files=$(grep -rl '^// @generated' "$tree/crates/dingtalk-oapi/src/generated")
  cat $files | wc -l
}

measure() {
  local name=$1 commit=$2
  local tree="$work/$name"
  git -C "$repo" worktree add --detach "$tree" "$commit" >/dev/null 2>&1
  export CARGO_TARGET_DIR="$tree/target"
  (cd "$tree" && cargo check -q -p dingtalk-oapi && cargo build -q --release -p dingtalk-oapi && cargo build -q -p xtask)
  local ops_before lines_before
  ops_before=$(grep -rl '^operation:' "$tree/spec" --include='*.yaml' | wc -l)
  lines_before=$(generated_lines "$tree")
  touch "$tree/crates/dingtalk-oapi/src/lib.rs"
  local check0 release0 check1 release1
  check0=$(cd "$tree" && timed cargo check -p dingtalk-oapi)
  touch "$tree/crates/dingtalk-oapi/src/lib.rs"
  release0=$(cd "$tree" && timed cargo build --release -p dingtalk-oapi)
  synthesize "$tree"
  (cd "$tree" && cargo xtask codegen >/dev/null)
  local lines_after
  lines_after=$(generated_lines "$tree")
  check1=$(cd "$tree" && timed cargo check -p dingtalk-oapi)
  release1=$(cd "$tree" && timed cargo build --release -p dingtalk-oapi)
  python3 - "$name" "$commit" "$n" "$ops_before" "$lines_before" "$lines_after" "$check0" "$check1" "$release0" "$release1" <<'PY'
import sys
name, commit, n, ops, l0, l1, c0, c1, r0, r1 = sys.argv[1:]
n, ops, l0, l1 = int(n), int(ops), int(l0), int(l1)
c0, c1, r0, r1 = map(float, (c0, c1, r0, r1))
print(f"| {name} ({commit[:7]}) | {l0 / ops:.0f} | {(l1 - l0) / n:.0f} | {c0:.1f} → {c1:.1f} | **{(c1 - c0) / n * 100:.1f}** | {r0:.1f} → {r1:.1f} | **{(r1 - r0) / n * 100:.1f}** |")
PY
  unset CARGO_TARGET_DIR
}

echo "| tree | generated lines per operation (spec/) | lines per synthetic operation | cargo check s (as is → +$n ops) | check s per 100 ops | build --release s (as is → +$n ops) | release s per 100 ops |"
echo "|---|---|---|---|---|---|---|"
measure before "$(git -C "$repo" rev-parse "$before")"
measure after "$(git -C "$repo" rev-parse "$after")"
