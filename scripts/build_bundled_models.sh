#!/usr/bin/env bash
# Rebuilds the bundled default models in resources/models/<config>/ from openly licensed MIDI.
#   bash scripts/build_bundled_models.sh [MINUTES_PER_MODEL] [DEVICE]      (BAND_MORE=77: band_4bar's second run)
# Data: Groove MIDI Dataset train split (CC BY 4.0) for drums; the corpora of scripts/corpus (`make corpora`)
# for the rest: `melody` (OpenEWLD, music21's public-domain folk, POP909 melodies) for mel_2bar, `trio`
# (Freedoom, POP909, OpenEWLD + mma) for the trio, `band` (Freedoom, POP909, Bach chorales, OpenEWLD + mma,
# Groove MIDI kits) for multitrack_1bar and band_4bar. Every corpus leaves out the 15 held-out band songs.
# DATA_DIR (default ../shared/data) must hold train/groove.
set -euo pipefail
cd "$(dirname "$0")/.."
MIN=${1:-10}
DEVICE=${2:-auto}
DATA=${DATA_DIR:-../shared/data}
PY=${PY:-.venv/bin/python}
WORK=${WORK_DIR:-build/bundled}
CORPORA=${CORPORA_DIR:-${BANDMATE_CACHE_DIR:-$HOME/.cache/bandmate}/corpora}  # `make corpora` builds them
mkdir -p "$WORK"
train() {  # config folder
  rm -rf "$WORK/$1"
  "$PY" main.py train "$2" --config "$1" --out "$WORK/$1" --minutes "$MIN" --device "$DEVICE" --keep 1 --scratch
}
train drums_2bar "$DATA/train/groove" &
train trio_16bar "$CORPORA/trio" &
train multitrack_1bar "$CORPORA/band" &
train mel_2bar "$CORPORA/melody" &
# the band model: one core, as a laptop trains it (taskset where it exists); then BAND_MORE minutes more
# from those weights (a `--from` run at the fine-tune rate, 1e-3): its drums need the longer run
PIN=$(command -v taskset >/dev/null && echo "taskset -c 1" || true)
rm -rf "$WORK/band_4bar" "$WORK/band_4bar-first"
$PIN "$PY" main.py train "$CORPORA/band" --config band_4bar --out "$WORK/band_4bar-first" \
  --minutes "$MIN" --device "$DEVICE" --keep 1 --scratch &
wait
$PIN "$PY" main.py train "$CORPORA/band" --config band_4bar --from "$WORK/band_4bar-first" \
  --out "$WORK/band_4bar" --minutes "${BAND_MORE:-77}" --device "$DEVICE" --keep 1
"$PY" -m scripts.install_bundled "$WORK" resources/models
