#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Peer benchmark (issue 7): Magenta's own MusicVAE (cat-mel_2bar_small) vs Bandmate (mel_2bar) on the same
# MIDI folder, same batch size, 1 CPU thread each. Prints one JSON line at the end.
#
# Magenta lives in its own venv OUTSIDE the repo ($PEER_DIR/venv, default /tmp/peer); never a project
# dependency. `pip install magenta` (2.1.4) cannot install on this machine's Pythons (3.10, 3.11): it pins
# numba==0.49.1 / llvmlite 0.32 (no wheels past Python 3.8; source builds fail with "TypeError:
# Compiler.__init__() takes from 1 to 3 positional arguments but 4 were given" and "Popen.__init__() got an
# unexpected keyword argument 'dry_run'"), python-rtmidi 1.1.2 ("alsa/asoundlib.h: No such file") and
# tensorflow==2.9.1 (no cp311 wheel). So: magenta --no-deps plus the few packages MusicVAE training needs.
# With TF 2.15.1 training segfaults in tf.data's UnbatchDatasetOp (MaybeMoveSliceToElement, seen in gdb);
# TF 2.12.1 runs. A wrapper turns tf.data's parallel map off (AUTOTUNE=None) and logs every 10 steps.
#
# Usage: scripts/peer_magenta.sh [MIDI_FOLDER]   env: PEER_DIR, MAGENTA_STEPS (50), OURS_STEPS (100)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PEER_DIR="${PEER_DIR:-/tmp/peer}"
MIDI="${1:-$ROOT/../shared/data/midi/multitrack/freedoom-freedoom}"
MAGENTA_STEPS="${MAGENTA_STEPS:-50}"
OURS_STEPS="${OURS_STEPS:-100}"
BATCH=32  # models/presets.py: mel_2bar small batch_size
VENV="$PEER_DIR/venv"
PY="$VENV/bin/python"
mkdir -p "$PEER_DIR"
log() { echo "[peer] $*" >&2; }

if ! "$PY" -c "import magenta.models.music_vae, tensorflow" >/dev/null 2>&1; then
  if [ "${PEER_SETUP:-1}" = "0" ]; then
    err="$("$PY" -c "import magenta.models.music_vae, tensorflow" 2>&1 | tail -n 1 || true)"
    log "Magenta cannot run: no working venv at $VENV (${err:-missing}); run scripts/peer_magenta.sh once"
    exit 3
  fi
  log "setting up $VENV (a few minutes)"
  python3.11 -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
  if ! "$VENV/bin/pip" install -q magenta >"$PEER_DIR/pip_magenta.log" 2>&1; then
    log "plain 'pip install magenta' failed (see $PEER_DIR/pip_magenta.log); installing with --no-deps"
  fi
  "$VENV/bin/pip" install -q --no-deps magenta==2.1.4 note-seq==0.0.5
  "$VENV/bin/pip" install -q "tensorflow-cpu==2.12.1" "tensorflow-probability==0.20.1" "tf-slim==1.1.0" \
    "numpy==1.23.5" "scipy<1.12" "pandas<2.1" "numba<0.59" "scikit-learn<1.4" "contourpy<1.3" librosa \
    intervaltree pydub bokeh IPython pretty_midi mido absl-py dm-tree "tensorflow-datasets==4.9.4" \
    "tensorflow-metadata<1.16" "googleapis-common-protos<1.66" "protobuf<5"
fi

cat >"$PEER_DIR/mvae_train.py" <<'PYEOF'
"""Magenta's music_vae_train, unchanged model, with two run-time tweaks for this machine."""
import sys

import tensorflow.compat.v1 as tf

tf.data.experimental.AUTOTUNE = None  # sequential tf.data map: the parallel py_function path crashed here
_Hook = tf.train.LoggingTensorHook


class EveryTen(_Hook):
    def __init__(self, tensors, every_n_iter=None, **kw):
        super().__init__(tensors, every_n_iter=10, **kw)


tf.train.LoggingTensorHook = EveryTen  # "global_step = N, loss = X (S sec)" every 10 steps
from magenta.models.music_vae import music_vae_train  # noqa: E402

sys.argv[0] = "music_vae_train"
music_vae_train.console_entry_point()
PYEOF

export TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1 OMP_NUM_THREADS=1 TF_CPP_MIN_LOG_LEVEL=1
export CUDA_VISIBLE_DEVICES=
REC="$PEER_DIR/notes/$(basename "$MIDI").tfrecord"
if [ ! -s "$REC" ]; then
  log "converting $MIDI to NoteSequences"
  mkdir -p "$PEER_DIR/notes"
  "$PY" -m magenta.scripts.convert_dir_to_note_sequences --input_dir="$MIDI" --output_file="$REC" \
    --recursive >"$PEER_DIR/convert.log" 2>&1
fi

log "Magenta cat-mel_2bar_small: $MAGENTA_STEPS steps, batch $BATCH, 1 thread"
rm -rf "$PEER_DIR/run"
"$PY" "$PEER_DIR/mvae_train.py" --config=cat-mel_2bar_small --run_dir="$PEER_DIR/run" --mode=train \
  --examples_path="$REC" --hparams=batch_size=$BATCH --num_steps="$MAGENTA_STEPS" \
  >"$PEER_DIR/magenta_train.log" 2>&1 || { log "Magenta training failed: $(tail -n 3 "$PEER_DIR/magenta_train.log")"; exit 4; }
"$PY" -c "import tensorflow as tf; print(tf.__version__)" 2>/dev/null >"$PEER_DIR/tf_version.txt"
"$PY" - "$PEER_DIR/run/train" >"$PEER_DIR/magenta_params.txt" <<'PYEOF'
import sys, numpy as np, tensorflow as tf
ckpt = tf.train.latest_checkpoint(sys.argv[1])
names = [(n, s) for n, s in tf.train.list_variables(ckpt) if "Adam" not in n and "global_step" not in n
         and "beta1_power" not in n and "beta2_power" not in n]
print(int(sum(np.prod(s) for _, s in names)))
PYEOF

ours() {  # $1: out folder, $2: python preset overrides (dict literal)
  (cd "$ROOT" && .venv/bin/python - "$MIDI" "$1" "$OURS_STEPS" "$2" <<'PYEOF'
import ast, runpy, sys

import engine.device
import models.presets as p

midi, out, steps, over = sys.argv[1:5]
engine.device.idle_threads = lambda world=1: 1  # same single thread as Magenta's run
p.PRESETS[("mel_2bar", "small")].update(ast.literal_eval(over))
sys.argv = ["main.py", "train", midi, "--config", "mel_2bar", "--steps", steps, "--device", "cpu", "--out", out]
runpy.run_path("main.py", run_name="__main__")
PYEOF
  )
}
log "Bandmate mel_2bar small: $OURS_STEPS steps, batch $BATCH, 1 thread"
rm -rf "$PEER_DIR/ours" "$PEER_DIR/ours_msize"
ours "$PEER_DIR/ours" "{}" >"$PEER_DIR/ours_train.log" 2>&1
log "Bandmate mel_2bar with Magenta's sizes (enc 512, dec 2x256, z 256)"
ours "$PEER_DIR/ours_msize" "{'enc_size': 512, 'dec_layers': 2, 'z_size': 256}" \
  >"$PEER_DIR/ours_msize_train.log" 2>&1

cd "$ROOT" && .venv/bin/python -m benchmarks.bench_peer --parse "$PEER_DIR" "$BATCH"
