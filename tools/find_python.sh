#!/bin/sh
# Prints the path of a Python >= 3.12 interpreter, or explains that one is needed and exits 1.
# Order: python3.13, python3.12, python3 on PATH, then pyenv's installed versions (newest first).
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }
for cand in python3.13 python3.12 python3; do
    if command -v "$cand" >/dev/null 2>&1 && ok "$cand"; then command -v "$cand"; exit 0; fi
done
root="${PYENV_ROOT:-$HOME/.pyenv}"
if [ -d "$root/versions" ]; then
    for dir in $(ls -1 "$root/versions" | sort -t. -k1,1nr -k2,2nr -k3,3nr); do
        for exe in "$root/versions/$dir/bin/python3" "$root/versions/$dir/bin/python"; do
            if [ -x "$exe" ] && ok "$exe"; then echo "$exe"; exit 0; fi
        done
    done
fi
echo "Pivot needs Python >= 3.12 (Mesa 3.5 requires it); none was found on PATH or in pyenv ($root/versions)." >&2
echo "Install one (for example 'pyenv install 3.12') or put python3.12 on PATH, then run make again." >&2
exit 1
