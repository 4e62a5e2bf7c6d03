#!/usr/bin/env bash
# Real model cards, many times over: `macaroni ingest hf-cards` (first pass into a new database, then
# the unchanged pass, which skips files by their fingerprints, then the same files parsed and
# diffed again with --reparse) next to huggingface_hub's ModelCard parse of the same files (which stores
# nothing). The corpus is every card of ../shared/data/hf-model-cards and hf-dataset-cards, copied
# COPIES times under distinct folders (so under distinct ids).
#
# usage: scripts/bench-cards.sh [SHARED_DATA] [COPIES]   (release binary at target/release/macaroni)
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-${MACARONI_SHARED_DATA:-../shared/data}}"
copies="${2:-60}"
work="${BENCH_DIR:-target/bench-cards}"
macaroni=target/release/macaroni
[ -x "$macaroni" ] || cargo build --release --quiet

rm -rf "$work/corpus" "$work/cards.db"*
mkdir -p "$work/corpus"
mapfile -t cards < <(cd "$data" && find hf-model-cards hf-dataset-cards -type f -name '*.md' ! -name PROVENANCE.md | sort)
for ((i = 0; i < copies; i++)); do
  for card in "${cards[@]}"; do
    dest="$work/corpus/copy$i/${card//\//_}"
    mkdir -p "$dest"
    cp "$data/$card" "$dest/README.md"
  done
done
count=$(find "$work/corpus" -name README.md | wc -l)
echo "corpus: $count cards (${#cards[@]} real cards x $copies), $(du -sh "$work/corpus" | cut -f1)"

# The peer, in a virtual environment of its own.
venv="$work/venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check huggingface_hub==2.4.0
fi
peer='import pathlib, sys, time
from huggingface_hub import ModelCard
files = sorted(pathlib.Path(sys.argv[1]).rglob("README.md"))
t = time.perf_counter()
failed = 0
for f in files:
    try:
        ModelCard(f.read_text(encoding="utf-8", errors="replace"), ignore_metadata_errors=True)
    except Exception:  # malformed YAML raises despite ignore_metadata_errors; count it as the peer failing that card
        failed += 1
print(f"{time.perf_counter() - t:.2f} s ({failed} cards refused)")'

for run in 1 2 3; do
  rm -f "$work/cards.db"*
  t0=$(date +%s.%N)
  "$macaroni" --db "$work/cards.db" ingest hf-cards "$work/corpus" --no-enrich > /dev/null 2>&1
  t1=$(date +%s.%N)
  "$macaroni" --db "$work/cards.db" ingest hf-cards "$work/corpus" --no-enrich > /dev/null 2>&1
  t2=$(date +%s.%N)
  "$macaroni" --db "$work/cards.db" ingest hf-cards "$work/corpus" --no-enrich --reparse > /dev/null 2>&1
  t3=$(date +%s.%N)
  python_s=$("$venv/bin/python" -c "$peer" "$work/corpus")
  size=$(stat -c %s "$work/cards.db")
  awk -v run="$run" -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" -v py="$python_s" -v size="$size" -v n="$count" 'BEGIN {
    printf "run %d: macaroni first %.2f s, unchanged %.2f s, reparse %.2f s; huggingface_hub ModelCard parse %s; database %.1f MB (%.1f kB per card)\n",
      run, b - a, c - b, d - c, py, size / 1e6, size / 1e3 / n }'
done
