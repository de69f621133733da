#!/usr/bin/env bash
# Installs the Debian packages Bandmate needs (FluidSynth, a GM soundfont, JACK, Xvfb, mma for the corpus
# scripts' tests, and every library Qt's xcb platform plugin needs, from scripts/qt-xcb-packages.txt) when
# it can (root + apt-get);
# otherwise prints the exact apt-get line. Exit status 0 either way, unless STRICT=1 (CI), where anything
# missing is an error. Needs no venv: the Qt list is derived and committed (scripts/qt_system_libs.py).
set -u
here="$(cd "$(dirname "$0")" && pwd)"
PKGS=(libfluidsynth3 fluid-soundfont-gm timgm6mb-soundfont jackd2 xvfb xauth mma)
# first word of each non-comment line: the package (the rest names the libraries it provides)
while read -r pkg _ || [ -n "${pkg:-}" ]; do
  [ -n "$pkg" ] && [ "${pkg:0:1}" != "#" ] && PKGS+=("$pkg")
done < "$here/qt-xcb-packages.txt"
if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "bandmate: not a Debian system; please install FluidSynth, a General MIDI soundfont, JACK and" \
       "the libraries in scripts/qt-xcb-packages.txt yourself." >&2
  exit 0
fi
# one dpkg-query for all (it prints nothing for a package it has never heard of)
installed=" $(dpkg-query -W -f='${Package} ${Status}\n' "${PKGS[@]}" 2>/dev/null \
              | awk '/install ok installed$/ {print $1}' | tr '\n' ' ') "
missing=()
for p in "${PKGS[@]}"; do
  [[ "$installed" == *" $p "* ]] || missing+=("$p")
done
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
