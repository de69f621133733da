"""Another Link app (as Ableton Live would be) for the Link tests: `python -m tests.synth.link_peer BPM`.

It joins at once and obeys lines on stdin: `tempo BPM`, `start`, `stop`, `state` (one JSON line:
tempo, playing, peers), `report` (the same plus its beat grid sampled every 2 ms as [micros, beat]
pairs and when each command took effect), `quit`. Times are Link's clock (CLOCK_MONOTONIC_RAW, microseconds).
"""

from __future__ import annotations

import json
import sys
import threading

import link

QUANTUM = 4.0


def main() -> None:
    peer = link.Link(float(sys.argv[1]))
    peer.startStopSyncEnabled = True
    peer.enabled = True
    clock = peer.clock()
    samples: list[tuple[int, float]] = []
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.002):
            now = clock.micros()
            samples.append((now, peer.captureAppSessionState().beatAtTime(now, QUANTUM)))

    threading.Thread(target=sample, daemon=True).start()
    events: list[tuple[str, int]] = []
    print("ready", flush=True)
    for line in sys.stdin:
        word, *rest = line.split()
        state, now = peer.captureAppSessionState(), clock.micros()
        if word == "tempo":
            state.setTempo(float(rest[0]), now)
        elif word == "start":
            state.setIsPlayingAndRequestBeatAtTime(True, now, 0.0, QUANTUM)
        elif word == "stop":
            state.setIsPlaying(False, now)
        elif word in ("state", "report"):  # the state alone is small: parsing it never stalls a player
            report = {"tempo": state.tempo(), "playing": state.isPlaying(), "peers": peer.numPeers()}
            if word == "report":
                report = {**report, "samples": samples[-20000:], "events": events}
            print(json.dumps(report), flush=True)
            continue
        elif word == "quit":
            break
        peer.commitAppSessionState(state)
        events.append((line.strip(), now))
        print("ok", flush=True)
    done.set()
    peer.enabled = False


if __name__ == "__main__":
    main()
