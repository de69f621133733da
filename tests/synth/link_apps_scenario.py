"""`main.py jam --link`, `main.py play --link` and the Jam tab with Link sync, each following another Link
app's start, tempo and stop, inside a private network namespace (run by tests/synth/test_link.py).
Needs a JACK server (JACK_DEFAULT_SERVER, from the test's `jack` fixture). Prints one JSON object."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from tests.conftest import MIDI_DIR, ROOT
from tests.synth.jack_helpers import Receiver, unmatched
from tests.synth.link_scenario import Peer
from tests.synth.netns import enter_loopback_only

JOIN = 1.8  # seconds: Bandmate's Link peer enables after 1 s and settles for 0.5 s
CLIP = MIDI_DIR / "multitrack/freedoom-freedoom/d_dm14.mid"


def ons(rx: Receiver) -> int:
    return len([m for _, m in rx.messages(("note_on",)) if m.velocity])


def follow(rx: Receiver, peer: Peer, stop_app) -> dict:  # noqa: ANN001
    """The session is stopped: nothing may play; it starts: notes come; it stops: they end."""
    base = ons(rx)  # what earlier apps played
    time.sleep(JOIN)
    before = ons(rx) - base
    peer.say("start")
    time.sleep(3.0)
    peer.say("tempo 140")
    time.sleep(1.5)
    playing = ons(rx) - base
    peer.say("stop")
    time.sleep(0.3)
    at_stop = ons(rx)
    time.sleep(1.2)
    after = ons(rx) - at_stop
    stop_app()
    rx.wait_quiet()
    notes = [m for _, m in rx.messages(("note_on", "note_off"))]
    return {"before_start": before, "while_playing": playing - before, "after_stop": after,
            "stuck": len(unmatched(notes))}  # fmt: skip


def cli(rx: Receiver, peer: Peer, *args: str) -> dict:
    env = {**os.environ, "BANDMATE_MIDI_API": "jack"}
    proc = subprocess.Popen([sys.executable, "main.py", *args], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    assert proc.stdout is not None
    while "Ctrl-C" not in (line := proc.stdout.readline()):
        assert line, proc.communicate(timeout=10)
    result = follow(rx, peer, lambda: proc.send_signal(signal.SIGINT))
    out, err = proc.communicate(timeout=30)
    return {**result, "code": proc.returncode, "error": err[-500:] if "Traceback" in err else ""}


def lead(peer: Peer) -> dict:
    """`jam --link --lead --tempo 133`: the session takes Bandmate's tempo once it has joined."""
    env = {**os.environ, "BANDMATE_MIDI_API": "jack"}
    args = ["jam", "--link", "--lead", "--tempo", "133", "--port", "listener"]
    proc = subprocess.Popen([sys.executable, "main.py", *args], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    assert proc.stdout is not None
    while "Ctrl-C" not in (line := proc.stdout.readline()):
        assert line, proc.communicate(timeout=10)
    before = peer.say("state")["tempo"]
    time.sleep(JOIN + 0.5)
    after = peer.say("state")["tempo"]
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=30)
    return {"before": before, "after": after, "code": proc.returncode}


def gui(rx: Receiver, peer: Peer, folder: str) -> dict:
    from PySide6.QtWidgets import QApplication

    from gui.app import build_window
    from gui.settings import AppSettings, open_store, save_settings
    from gui.workers import SyncExecutor
    from synth.rtmidi_out import RtMidiOutput

    app = QApplication.instance() or QApplication([])
    store = open_store(f"{folder}/settings.ini")
    save_settings(store, AppSettings(output="none", output_folder=folder))
    window = build_window(store, SyncExecutor())
    port = RtMidiOutput.open("listener", api="jack")
    window.output.output = port  # the jam plays the window's raw output
    jam = window.jam
    jam.sync.setCurrentIndex(2)  # Ableton Link
    jam.start_button.click()
    app.processEvents()
    running = jam.running
    pump = {"stop": lambda: jam.start_button.click()}
    result = follow(rx, peer, lambda: pump["stop"]())
    recording = jam.drag.clips()
    window.close()
    return {**result, "started": running, "recorded_notes": recording[0].note_count if recording else 0,
            "recorded_tempo": recording[0].tempo if recording else 0.0}  # fmt: skip


def main() -> None:
    enter_loopback_only()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    folder = sys.argv[1]
    peer = Peer()
    rx = Receiver("listener")
    rx.open_virtual("in")
    try:
        results = {
            "jam": cli(rx, peer, "jam", "--link", "--port", "listener", "--record", f"{folder}/jam.mid"),
            "play": cli(rx, peer, "play", str(CLIP), "--link", "--loop", "--port", "listener"),
            "gui": gui(rx, peer, folder),
            "lead": lead(peer),
        }
    finally:
        rx.close()
        peer.close()
    from engine.midi.files import read_clip

    results["jam"]["recorded_tempo"] = read_clip(f"{folder}/jam.mid").tempo
    print(json.dumps(results))


if __name__ == "__main__":
    main()
