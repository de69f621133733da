#!/usr/bin/env bash
# Installs the Debian packages Bandmate needs (FluidSynth, a GM soundfont, JACK, Qt's X/EGL libraries)
# when it can (root + apt-get); otherwise prints the exact apt-get line. Exit status 0 either way,
# unless STRICT=1 (CI), where anything missing is an error.
set -u
PKGS=(libfluidsynth3 fluid-soundfont-gm timgm6mb-soundfont jackd2 xvfb xauth libegl1 libgl1
      libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0 libdbus-1-3 libfontconfig1)
missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
else
  echo "bandmate: not a Debian system; please install FluidSynth, a General MIDI soundfont and JACK yourself." >&2
  exit 0
fi
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "bandmate: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null && exit 0
  echo "bandmate: apt-get install failed" >&2
fi
echo "bandmate: missing system packages. Install them with:" >&2
echo "    sudo apt-get install ${missing[*]}" >&2
[ "${STRICT:-0}" = 1 ] && exit 1
exit 0
