#!/usr/bin/env bash
# Rebuilds the bundled default models in resources/models/<config>/ from openly licensed MIDI.
#   bash scripts/build_bundled_models.sh [MINUTES_PER_MODEL] [DEVICE]
# Data: Groove MIDI Dataset train split (CC BY 4.0) for drums; Freedoom songs (BSD-3-Clause) for
# multitrack and band; Freedoom + O'Neill's "Music of Ireland" (1903, public domain, from the music21 corpus) for
# melodies; the `trio` corpus of scripts/corpus (`make corpora`: Freedoom, POP909, OpenEWLD + mma) for the trio.
# DATA_DIR (default ../shared/data) must hold train/groove and midi/multitrack/freedoom-freedoom.
set -euo pipefail
cd "$(dirname "$0")/.."
MIN=${1:-10}
DEVICE=${2:-auto}
DATA=${DATA_DIR:-../shared/data}
PY=${PY:-.venv/bin/python}
WORK=${WORK_DIR:-build/bundled}
CORPORA=${CORPORA_DIR:-${BANDMATE_CACHE_DIR:-$HOME/.cache/bandmate}/corpora}  # `make corpora` builds them
mkdir -p "$WORK/melodies"
if [ ! -d "$WORK/oneills" ]; then
  python3 -m venv "$WORK/m21" && "$WORK/m21/bin/pip" install -q music21
  "$WORK/m21/bin/python" scripts/public_domain_melodies.py "$WORK/oneills"
fi
cp -r "$DATA/midi/multitrack/freedoom-freedoom" "$WORK/melodies/"
ln -sfn "$(realpath "$WORK/oneills")" "$WORK/melodies/oneills"
train() {  # config folder
  rm -rf "$WORK/$1"
  "$PY" main.py train "$2" --config "$1" --out "$WORK/$1" --minutes "$MIN" --device "$DEVICE" --keep 1 --scratch
}
train drums_2bar "$DATA/train/groove" &
train trio_16bar "$CORPORA/trio" &
train multitrack_1bar "$DATA/midi/multitrack/freedoom-freedoom" &
train mel_2bar "$WORK/melodies" &
# the band model: one core, as a laptop trains it (taskset where it exists)
PIN=$(command -v taskset >/dev/null && echo "taskset -c 1" || true)
rm -rf "$WORK/band_4bar"
$PIN "$PY" main.py train "$DATA/midi/multitrack/freedoom-freedoom" --config band_4bar --out "$WORK/band_4bar" \
  --minutes "$MIN" --device "$DEVICE" --keep 1 &
wait
"$PY" -m scripts.install_bundled "$WORK" resources/models
