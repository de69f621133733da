"""Widgets and drag-out: the XY pad, the latent slider, thumbnails, and .mid files in drag MIME data."""

from __future__ import annotations

from pathlib import Path

import mido
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from pytestqt.qtbot import QtBot

from engine.midi.files import read_clip
from engine.music.pattern import Pattern
from gui.arrangement import ArrangementStrip
from gui.dnd import MIDI_MIME, clip_mime
from gui.widgets.latent_slider import LatentSlider
from gui.widgets.thumbnails import ClipList, paint_thumbnail
from gui.widgets.xypad import XYPad
from tests.gui.conftest import make_beat, make_clip


def _note_ons(path: str | Path) -> int:
    return sum(1 for msg in mido.MidiFile(path) if msg.type == "note_on" and msg.velocity > 0)


def test_drag_mime_holds_a_readable_midi_file(tmp_path: Path, clip: Pattern) -> None:
    data = clip_mime([clip], tmp_path, "my clip")
    urls = data.urls()
    assert len(urls) == 1 and urls[0].isLocalFile()
    path = Path(urls[0].toLocalFile())
    assert path.suffix == ".mid" and path.parent == tmp_path
    assert _note_ons(path) == clip.note_count
    assert bytes(data.data(MIDI_MIME)) == path.read_bytes()
    back = read_clip(path)
    assert back.steps == clip.steps and back.note_count == clip.note_count


def test_clip_list_and_arrangement_drag_out_their_clips(qtbot: QtBot, tmp_path: Path) -> None:
    strip = ArrangementStrip(lambda: str(tmp_path))
    qtbot.addWidget(strip)
    clips = [make_clip(2, seed=s) for s in range(3)]
    for i, c in enumerate(clips):
        strip.add(c, f"kept {i}")
    assert "3 clip(s)" in strip.summary.text() and "6 bars" in strip.summary.text()
    joined = strip.joined()
    assert joined is not None and joined.steps == 96 and joined.note_count == sum(c.note_count for c in clips)
    drag = strip.drag.mime()
    assert drag is not None and _note_ons(drag.urls()[0].toLocalFile()) == joined.note_count


def test_xy_pad_reports_the_puck_and_dropped_corner_files(qtbot: QtBot, tmp_path: Path) -> None:
    pad = XYPad()
    qtbot.addWidget(pad)
    pad.resize(300, 300)
    pad.show()
    r = pad.pad_rect()
    with qtbot.waitSignal(pad.moved) as moved:
        qtbot.mousePress(
            pad, Qt.MouseButton.LeftButton, pos=QPoint(int(r.left() + r.width() * 0.25), int(r.top()))
        )
    x, y = moved.args
    assert abs(x - 0.25) < 0.02 and y < 0.02
    midi = tmp_path / "beat.mid"
    from engine.midi.files import write_midi

    write_midi(make_beat(1), midi)
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(midi))])
    corner = QPointF(r.right() - 5, r.bottom() - 5)
    event = QDropEvent(
        corner, Qt.DropAction.CopyAction, data, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier
    )
    with qtbot.waitSignal(pad.corner_dropped) as dropped:
        pad.dropEvent(event)
    assert dropped.args == [3, str(midi)]


def test_latent_slider_emits_positions(qtbot: QtBot) -> None:
    slider = LatentSlider()
    qtbot.addWidget(slider)
    with qtbot.waitSignal(slider.moved) as moved:
        slider.set_value(0.7)
    assert moved.args == [0.7] and slider.value_label.text() == "70%"


def test_thumbnail_paints_notes(clip: Pattern) -> None:
    image = paint_thumbnail(clip).toImage()
    coloured = sum(
        image.pixelColor(x, y).saturation() > 80
        for x in range(0, image.width(), 2)
        for y in range(image.height())
    )
    empty = paint_thumbnail(Pattern()).toImage()
    assert coloured > 50
    assert all(
        empty.pixelColor(x, y).saturation() < 80 for x in range(empty.width()) for y in range(empty.height())
    )
    assert ClipList().iconSize() == paint_thumbnail(clip).size()


def test_dropping_a_midi_file_on_the_window_opens_it(window, tmp_path: Path) -> None:  # noqa: ANN001
    from engine.midi.files import write_midi

    path = tmp_path / "dropped.mid"
    write_midi(make_clip(2), path)
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(
        QPointF(300, 300),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(event)
    assert window.session.doc.name == "dropped"
    assert window.session.doc.pattern.note_count == make_clip(2).note_count
