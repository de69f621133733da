"""The piano roll: `viewmodel` (zoom, scroll, selection), `view` (paint, mouse), `commands` (undo)."""
