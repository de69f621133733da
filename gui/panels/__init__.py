"""Tool panels around the piano roll: generate, morph, blend, complete/humanize, train."""
