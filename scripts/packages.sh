# Sourced by the scripts: ensure_packages NAME... installs the Debian packages that are
# missing (quietly; apt-get's output only on failure) and does nothing when all are there.

ensure_packages() {
  local who="${0##*/}" missing=() package status
  for package in "$@"; do
    status="$(dpkg-query -W -f='${db:Status-Abbrev}' "$package" 2>/dev/null || true)"
    [[ "$status" == ii* ]] || missing+=("$package")
  done
  (( ${#missing[@]} > 0 )) || return 0
  if (( EUID != 0 )); then
    echo "$who: missing Debian packages: ${missing[*]}" >&2
    echo "$who: install them as root, then run this script again:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  echo "$who: installing ${missing[*]}"
  local apt_log
  apt_log="$(mktemp -t tessera-apt.XXXXXX)"
  if ! { apt-get update -qq &&
         DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
           "${missing[@]}"; } >"$apt_log" 2>&1; then
    echo "$who: apt-get failed:" >&2
    tail -n 40 "$apt_log" >&2
    rm -f "$apt_log"
    exit 1
  fi
  rm -f "$apt_log"
}
