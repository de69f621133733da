#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Peer benchmark (issues 7 and 17): time to a good model. Magenta's own MusicVAE (cat-mel_2bar_small) and
# Bandmate (mel_2bar small, from scratch) train on the same MIDI folder with the same files held out, one
# CPU thread each, side by side; each curve is the held-out guided (teacher-forced) accuracy against
# wall time counted from the first command (data preparation included). benchmarks/bench_peer.py turns the
# logs into the figures (time each needs to reach Magenta's best accuracy within MAGENTA_MINUTES) and the
# plot; this script prints its one JSON line at the end.
#
# Magenta lives in its own venv OUTSIDE the repo ($PEER_DIR/venv, default /tmp/peer); never a project
# dependency. `pip install magenta` (2.1.4) cannot install on this machine's Pythons (3.10, 3.11): it pins
# numba==0.49.1 / llvmlite 0.32 (no wheels past Python 3.8; source builds fail with "TypeError:
# Compiler.__init__() takes from 1 to 3 positional arguments but 4 were given" and "Popen.__init__() got an
# unexpected keyword argument 'dry_run'"), python-rtmidi 1.1.2 ("alsa/asoundlib.h: No such file") and
# tensorflow==2.9.1 (no cp311 wheel). So: magenta --no-deps plus the few packages MusicVAE training needs.
# With TF 2.15.1 training segfaults in tf.data's UnbatchDatasetOp (MaybeMoveSliceToElement, seen in gdb);
# TF 2.12.1 runs. TF 2.12 caps typing_extensions below 4.6, which IPython 8.19+ needs (note_seq imports
# IPython): IPython<8.19. A wrapper turns tf.data's parallel map off (AUTOTUNE=None) and logs every 10 steps.
#
# Magenta is evaluated afterwards on each checkpoint it saved (every 30 s, its own saver), with its own eval
# graph (model.eval: tf.metrics.accuracy over every step) fed Bandmate's held-out examples one-hot (both
# use Magenta's 90-class MelodyOneHotEncoding), the sampling schedule off so the decoder is teacher-forced
# (its eval job would otherwise feed the decoder its own samples), z drawn from q(z|x) as its graph does.
#
# Usage: scripts/peer_magenta.sh [MIDI_FOLDER]
#   env: PEER_DIR (/tmp/peer), MAGENTA_MINUTES (30), OURS_MINUTES (30), PEER_SETUP (1: build the venv),
#        PEER_SIDE_BY_SIDE (1; 0: one after the other), OURS_PY (Bandmate's Python when there is no .venv)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PEER_DIR="${PEER_DIR:-/tmp/peer}"
MIDI="$(cd "${1:-$ROOT/../shared/data/midi/multitrack/freedoom-freedoom}" && pwd)"
MAGENTA_MINUTES="${MAGENTA_MINUTES:-30}"
OURS_MINUTES="${OURS_MINUTES:-30}"
BATCH=32  # models/presets.py: mel_2bar small batch_size (Magenta's 512 would make 30 min ~70 steps)
VENV="$PEER_DIR/venv"
PY="$VENV/bin/python"
if [ -z "${OURS_PY:-}" ]; then
  if [ -x "$ROOT/.venv/bin/python" ]; then OURS_PY="$ROOT/.venv/bin/python"; else OURS_PY=python3; fi
fi
mkdir -p "$PEER_DIR"
log() { echo "[peer] $*" >&2; }
now() { date +%s.%N; }

if ! "$PY" -c "import magenta.models.music_vae, tensorflow" >/dev/null 2>&1; then
  if [ "${PEER_SETUP:-1}" = "0" ]; then
    err="$("$PY" -c "import magenta.models.music_vae, tensorflow" 2>&1 | tail -n 1 || true)"
    log "Magenta cannot run: no working venv at $VENV (${err:-missing}); run scripts/peer_magenta.sh once"
    exit 3
  fi
  log "setting up $VENV (a few minutes)"
  python3.11 -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
  "$VENV/bin/pip" install -q --no-deps magenta==2.1.4 note-seq==0.0.5
  "$VENV/bin/pip" install -q "tensorflow-cpu==2.12.1" "tensorflow-probability==0.20.1" "tf-slim==1.1.0" \
    "numpy==1.23.5" "scipy<1.12" "pandas<2.1" "numba<0.59" "scikit-learn<1.4" "contourpy<1.3" librosa \
    intervaltree pydub bokeh "IPython<8.19" pretty_midi mido absl-py dm-tree "tensorflow-datasets==4.9.4" \
    "tensorflow-metadata<1.16" "googleapis-common-protos<1.66" "protobuf<5"
fi

cat >"$PEER_DIR/mvae_train.py" <<'PYEOF'
"""Magenta's music_vae_train, unchanged model, with run-time tweaks for this machine and the benchmark:
a sequential tf.data map, a log line every 10 steps, a checkpoint every 30 s instead of 60 (a finer curve),
and each save's wall and CPU time appended to $PEER_SAVES as a JSON line."""
import json
import os
import sys
import time

import tensorflow.compat.v1 as tf
import tf_slim

tf.data.experimental.AUTOTUNE = None  # sequential tf.data map: the parallel py_function path crashed here
_Hook = tf.train.LoggingTensorHook


class EveryTen(_Hook):
    def __init__(self, tensors, every_n_iter=None, **kw):
        super().__init__(tensors, every_n_iter=10, **kw)


tf.train.LoggingTensorHook = EveryTen  # "global_step = N, loss = X (S sec)" every 10 steps
_train, _save = tf_slim.training.train, tf.train.Saver.save


def train_every_30_s(*a, **kw):
    return _train(*a, **dict(kw, save_checkpoint_secs=30))


def save_logged(self, sess, save_path, *a, **kw):
    prefix = _save(self, sess, save_path, *a, **kw)
    with open(os.environ["PEER_SAVES"], "a") as f:
        f.write(json.dumps({"prefix": os.path.basename(prefix), "wall": time.time(),
                            "cpu": time.process_time()}) + "\n")
    return prefix


tf_slim.training.train, tf.train.Saver.save = train_every_30_s, save_logged
from magenta.models.music_vae import music_vae_train  # noqa: E402

sys.argv[0] = "music_vae_train"
music_vae_train.console_entry_point()
PYEOF

cat >"$PEER_DIR/mvae_eval.py" <<'PYEOF'
"""Held-out guided accuracy of every checkpoint of a cat-mel_2bar_small run, with Magenta's own eval graph.

argv: train_dir heldout.npz t0 out.json. Bandmate's held-out melody tokens (N, 32) go in one-hot, as
Magenta's OneHotMelodyConverter would make them; the sampling schedule is off (teacher forcing); z is drawn
from q(z|x) (graph seed 0, a fresh session per checkpoint, so each figure is repeatable).
Each row: the checkpoint's step, its file time less t0 ("seconds"), accuracy and r_loss (nats per example).
"""
import glob
import json
import os
import re
import sys

import numpy as np
import tensorflow.compat.v1 as tf
import tf_slim

from magenta.models.music_vae import configs

tf.disable_v2_behavior()
train_dir, npz, t0, out = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
mel = np.load(npz)["melody"].astype(np.int64)  # (N, 32), Magenta's melody classes 0..89
n, steps = mel.shape
config = configs.CONFIG_MAP["cat-mel_2bar_small"]
hp = config.hparams
hp.batch_size = n  # all held-out examples in one batch (no padding to a batch of 32)
hp.sampling_schedule, hp.sampling_rate = "constant", 0  # get_sampling_probability -> 0: teacher forcing
depth = config.data_converter.output_depth
onehot = np.eye(depth, dtype=np.float32)[mel]
values = {}
_aggregate = tf_slim.metrics.aggregate_metric_map


def aggregate(metric_map):  # keep the value tensors model.eval makes (it returns only the update ops)
    v, u = _aggregate(metric_map)
    values.update(v)
    return v, u


tf_slim.metrics.aggregate_metric_map = aggregate
rows = []
with tf.Graph().as_default():
    tf.set_random_seed(0)
    model = config.model
    model.build(hp, depth, is_training=False)
    seq = tf.placeholder(tf.float32, [n, steps, depth])
    length = tf.placeholder(tf.int32, [n])
    updates = model.eval(seq, seq, length)
    saver = tf.train.Saver(tf.global_variables())
    ckpts = sorted(glob.glob(os.path.join(train_dir, "model.ckpt-*.index")),
                   key=lambda p: int(re.search(r"ckpt-(\d+)", p)[1]))
    for index in ckpts:
        prefix = index[: -len(".index")]
        with tf.Session(config=tf.ConfigProto(intra_op_parallelism_threads=1,
                                              inter_op_parallelism_threads=1)) as sess:
            sess.run(tf.local_variables_initializer())
            saver.restore(sess, prefix)
            sess.run(updates, {seq: onehot, length: np.full(n, steps, np.int32)})
            acc, r_loss = sess.run([values["metrics/accuracy"], values["losses/r_loss"]])
        rows.append({"seconds": os.path.getmtime(index) - t0, "step": int(re.search(r"ckpt-(\d+)", prefix)[1]),
                     "accuracy": float(acc), "r_loss": float(r_loss)})
        print(json.dumps(rows[-1]), flush=True)
json.dump({"examples": int(n), "steps": int(n * steps), "curve": rows}, open(out, "w"))
PYEOF

export TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
export TF_CPP_MIN_LOG_LEVEL=1 CUDA_VISIBLE_DEVICES= BANDMATE_PREPARE_WORKERS=1
sample_load() { while :; do echo "$(now) $(cut -d' ' -f1-3 /proc/loadavg)"; sleep 10; done; }

# The split: Bandmate's own (by file, seed 0), found with a throw-away cache; Magenta trains on the rest.
log "finding Bandmate's held-out files in $MIDI"
(cd "$ROOT" && PYTHONPATH=. BANDMATE_CACHE_DIR="$PEER_DIR/split_cache" "$OURS_PY" -m benchmarks.bench_peer \
  --split "$MIDI" "$PEER_DIR" >"$PEER_DIR/split.log")
rm -rf "$PEER_DIR/split_cache"

# Both start together and run side by side (one thread each), so that both meet the same load from the
# rest of the machine at the same moments; PEER_SIDE_BY_SIDE=0 runs Magenta first, then Bandmate.
TIMEFORMAT='%R %U %S'
magenta() {  # convert the training files to NoteSequences, then train for what is left of MAGENTA_MINUTES
  local t0
  t0="$(now)" && echo "$t0" >"$PEER_DIR/magenta_t0.txt"
  log "Magenta cat-mel_2bar_small: $MAGENTA_MINUTES min from now, batch $BATCH, 1 thread"
  { time {
    { time "$PY" -m magenta.scripts.convert_dir_to_note_sequences --input_dir="$PEER_DIR/train_files" \
      --output_file="$PEER_DIR/notes/train.tfrecord" --recursive >"$PEER_DIR/convert.log" 2>&1 ; } \
      2>"$PEER_DIR/convert_time.txt"
    left="$(python3 -c "import time; print(max(1, int($MAGENTA_MINUTES * 60 - (time.time() - $t0))))")"
    PEER_SAVES="$PEER_DIR/magenta_saves.jsonl" timeout -s TERM "$left" "$PY" "$PEER_DIR/mvae_train.py" \
      --config=cat-mel_2bar_small --run_dir="$PEER_DIR/run" --mode=train \
      --examples_path="$PEER_DIR/notes/train.tfrecord" --hparams=batch_size=$BATCH --num_steps=1000000 \
      >"$PEER_DIR/magenta_train.log" 2>&1 || [ $? = 124 ]
  } ; } 2>"$PEER_DIR/magenta_time.txt"
}
ours() {  # a cold cache (prepare counted), from scratch, OURS_MINUTES, its held-out check every 5 s
  local t0
  t0="$(now)" && echo "$t0" >"$PEER_DIR/ours_t0.txt"
  log "Bandmate mel_2bar small: $OURS_MINUTES min from scratch, batch $BATCH, 1 thread"
  { time (cd "$ROOT" && PYTHONPATH=. BANDMATE_CACHE_DIR="$PEER_DIR/ours_cache" "$OURS_PY" -m benchmarks.peer_ours \
    "$MIDI" "$PEER_DIR/ours" "$OURS_MINUTES" "$t0" "$PEER_DIR/ours_curve.jsonl" >"$PEER_DIR/ours_train.log" 2>&1) ; } \
    2>"$PEER_DIR/ours_time.txt"
}
rm -rf "$PEER_DIR/run" "$PEER_DIR/notes" "$PEER_DIR/ours" "$PEER_DIR/ours_cache" && mkdir -p "$PEER_DIR/notes"
echo "$MAGENTA_MINUTES" >"$PEER_DIR/magenta_minutes.txt"
echo "${PEER_SIDE_BY_SIDE:-1}" >"$PEER_DIR/side_by_side.txt"
: >"$PEER_DIR/magenta_saves.jsonl"
sample_load >"$PEER_DIR/load.log" & LOADER=$!
if [ "${PEER_SIDE_BY_SIDE:-1}" = 1 ]; then
  magenta & M=$!
  ours & O=$!
  wait "$M" || { kill "$LOADER"; log "Magenta's run failed (see $PEER_DIR/magenta_train.log)"; exit 4; }
  wait "$O" || { kill "$LOADER"; log "Bandmate's run failed: $(tail -n 3 "$PEER_DIR/ours_train.log")"; exit 5; }
else
  magenta && ours
fi
kill "$LOADER"
ls "$PEER_DIR"/run/train/model.ckpt-*.index >/dev/null 2>&1 \
  || { log "Magenta saved no checkpoint: $(tail -n 3 "$PEER_DIR/magenta_train.log")"; exit 4; }
"$PY" -c "import tensorflow as tf; print(tf.__version__)" 2>/dev/null >"$PEER_DIR/tf_version.txt"
"$PY" - "$PEER_DIR/run/train" >"$PEER_DIR/magenta_params.txt" <<'PYEOF'
import sys, numpy as np, tensorflow as tf
ckpt = tf.train.latest_checkpoint(sys.argv[1])
names = [(n, s) for n, s in tf.train.list_variables(ckpt) if "Adam" not in n and "global_step" not in n
         and "beta1_power" not in n and "beta2_power" not in n]
print(int(sum(np.prod(s) for _, s in names)))
PYEOF

log "evaluating Magenta's checkpoints on the held-out examples"
"$PY" "$PEER_DIR/mvae_eval.py" "$PEER_DIR/run/train" "$PEER_DIR/heldout.npz" "$(cat "$PEER_DIR/magenta_t0.txt")" \
  "$PEER_DIR/magenta_curve.json" >"$PEER_DIR/magenta_eval.log" 2>&1

log "counting the training windows Magenta's converter makes"
"$PY" - "$PEER_DIR/notes/train.tfrecord" >"$PEER_DIR/magenta_windows.txt" 2>/dev/null <<'PYEOF'
import sys

import tensorflow.compat.v1 as tf
from magenta.models.music_vae import configs, data

tf.disable_v2_behavior()
config = configs.CONFIG_MAP["cat-mel_2bar_small"]  # eval mode: every window, deduplicated, no transposing
print(data.count_examples(sys.argv[1], None, config.data_converter, tf.python_io.tf_record_iterator))
PYEOF

cd "$ROOT" && PYTHONPATH=. "$OURS_PY" -m benchmarks.bench_peer --parse "$PEER_DIR" "$BATCH"
