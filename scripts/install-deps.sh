#!/usr/bin/env bash
# Installs every Debian 12 package RetailSim needs. Idempotent: when all are present it prints
# one summary line and touches nothing.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  libcli11-dev libtomlplusplus-dev nlohmann-json3-dev libfmt-dev libspdlog-dev
  libcpp-httplib-dev libsqlite3-dev sqlite3 libtbb-dev zlib1g-dev libisal-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libtorch-dev libopenblas0-openmp
  python3 python3-numpy python3-pandas
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# Node.js (for the DuckDB comparison in `make bench` and the web front end) may come from
# elsewhere on a developer machine; take Debian's only when no node is on the PATH.
if ! command -v node >/dev/null 2>&1; then missing+=(nodejs npm); fi

if ((${#missing[@]})); then
  echo "install-deps: installing ${#missing[@]} package(s): ${missing[*]}"
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# LibTorch must run on the OpenMP build of OpenBLAS: the reference BLAS trains ~14x slower and
# the pthread build fights with OpenMP's threads. Keep the alternatives pointing at it.
arch_dir=/usr/lib/x86_64-linux-gnu
for lib in libblas.so.3 liblapack.so.3; do
  want="$arch_dir/openblas-openmp/$lib"
  name="$lib-x86_64-linux-gnu"
  if [[ -e $want ]]; then
    current=$(update-alternatives --query "$name" 2>/dev/null | awk '/^Value:/{print $2}')
    if [[ "$current" != "$want" ]]; then
      echo "install-deps: pointing $lib at the OpenMP OpenBLAS"
      ${SUDO:-} update-alternatives --quiet --set "$name" "$want"
    fi
  fi
done

echo "install-deps: all ${#PACKAGES[@]} packages present; BLAS = OpenBLAS (OpenMP)"
