"""The piano roll: `viewmodel` (zoom, scroll, selection), `painter`, `view` (widget, mouse), `pane`
(scroll bars), `commands` (undo)."""
