#!/usr/bin/env bash
# Sets up a fresh Debian machine for the lab: Jupyter (Debian packages), PyTorch for the reference
# comparisons in the tests, the npm dependencies, the build, and the tslab kernel registration.
# Idempotent: safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=(
  jupyter-notebook jupyter-nbconvert python3-nbclient   # nbconvert --execute runs the notebooks
  python3-bleach python3-tinycss2                       # sanitised feedback HTML (grading/grade/render.py)
  python3-torch libopenblas0-pthread                    # reference numbers (tests, bench)
  libopenblas-dev pkg-config                            # native GEMM for training (npm run build:native)
  libopenblas-pthread-dev binutils                      # the kit's prebuild links libopenblas.a (--prebuild); readelf
  clang-14 lld-14 wabt                                  # WebAssembly loops (npm run build:wasm; wasm-objdump in tests)
  fonts-dejavu-core                                     # text in rendered charts
  chromium                                              # browser tests of what a person sees
  bubblewrap                                            # sandbox for `lab4 grade`
  python3-pyflakes python3-pycodestyle                  # Python checks (npm run lint)
  slurm-wlm munge                                       # a real one-node Slurm cluster (test of `lab4 grade --slurm`)
)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
fi

npm ci --no-audit --no-fund
npm run build
npm run build:native -- --required
npm run build:native -- --prebuild   # the linux-x64 binding the student kit ships
# Register the TypeScript kernel with Debian's Jupyter (plain `python3` may be another Python).
npx tslab install --python=/usr/bin/python3 --binary="$PWD/node_modules/.bin/tslab"
echo "setup: ok (kernel 'tslab' -> $PWD/node_modules/.bin/tslab)"
