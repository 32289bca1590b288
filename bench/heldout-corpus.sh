#!/usr/bin/env bash
# heldout-corpus.sh DEV_DIR HELDOUT_DIR UNION_DIR
#
# A held-out labelled set for bench/quality: the game soundtracks that ../shared/corpus/build.sh
# knows but leaves out of the dev corpus (Frets on Fire/Sectoid, Warzone 2100, OpenClonk and six
# more tracker-module games: 9 sources, ~66 tracks, ~6 h, ~250 MB of Debian packages), built by
# that same script with its package list swapped, then UNION_DIR = the dev corpus and the held-out
# set side by side (symlinks) with one labels.csv. Analyse UNION_DIR once and score it with
#   npx tsx bench/quality.ts --home H --labels UNION_DIR/labels.csv --query-sources "$(cat UNION_DIR/heldout-sources)"
# to see a default's figures on music it was not chosen on. Needs what build.sh needs (apt lists).
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: $0 DEV_DIR HELDOUT_DIR UNION_DIR" >&2; exit 2; }
DEV=$(realpath "$1")
HELD=$(realpath -m "$2")
UNION=$(realpath -m "$3")
here=$(dirname "$(realpath "$0")")
build="$here/../../shared/corpus/build.sh"
[ -f "$build" ] || { echo "not found: $build" >&2; exit 1; }
[ -f "$DEV/labels.csv" ] || { echo "no labels.csv in $DEV (build it with $build)" >&2; exit 1; }

script=$(mktemp --suffix=.sh)
trap 'rm -f "$script"' EXIT
# Swap the dev package list for the held-out one, teach the source filter their packages, and let
# the Nexuiz step pass without its package (it opens the archive unconditionally).
python3 - "$build" "$script" <<'PY'
import sys
src, dst = sys.argv[1], sys.argv[2]
s = open(src).read()
dev = """  wesnoth-1.16-music marsshooter-data fretsonfire-songs-muldjord nexuiz-music singularity-music
  tecnoballz-data heroes-sound-tracks pingus-data"""
held = """  fretsonfire-songs-sectoid warzone2100-music openclonk-data biniax2-data pachi-data
  bomberclone-data open-invaders-data tomatoes-data fb-music-high"""
pkg_end = "'heroes': 'heroes-sound-tracks', 'pingus': 'pingus-data'}"
more = """'heroes': 'heroes-sound-tracks', 'pingus': 'pingus-data',
          'fretsonfire-sectoid': 'fretsonfire-songs-sectoid', 'warzone2100': 'warzone2100-music',
          'openclonk': 'openclonk-data', 'biniax2': 'biniax2-data', 'pachi': 'pachi-data',
          'bomberclone': 'bomberclone-data', 'open-invaders': 'open-invaders-data',
          'tomatoes': 'tomatoes-data', 'frozen-bubble': 'fb-music-high'}"""
nexuiz = "with zipfile.ZipFile(z) as zf:\n    for m in sorted(n for n in zf.namelist() if re.match(r'sound/cdtracks"
guarded = ("with (zipfile.ZipFile(z) if os.path.exists(z) else __import__('contextlib').nullcontext("
           "type('NoArchive', (), {'namelist': lambda self: []})())) as zf:\n"
           "    for m in sorted(n for n in zf.namelist() if re.match(r'sound/cdtracks")
for old, new in ((dev, held), (pkg_end, more), (nexuiz, guarded)):
    if old not in s:
        sys.exit(f'build.sh changed: cannot find {old[:40]!r}; update bench/heldout-corpus.sh')
    s = s.replace(old, new)
open(dst, 'w').write(s)
PY
bash "$script" "$HELD"

mkdir -p "$UNION"
for d in "$DEV"/*/ "$HELD"/*/; do
  name=$(basename "$d")
  [ "$name" = ".cache" ] || ln -sfn "$d" "$UNION/$name"
done
{ cat "$DEV/labels.csv"; tail -n +2 "$HELD/labels.csv"; } > "$UNION/labels.csv"
tail -n +2 "$HELD/labels.csv" | cut -d, -f2 | sort -u | paste -sd, > "$UNION/heldout-sources"
echo "union: $(($(wc -l < "$UNION/labels.csv") - 1)) tracks in $UNION; held-out sources: $(cat "$UNION/heldout-sources")"
