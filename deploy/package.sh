#!/usr/bin/env bash
# Builds the Debian packages handover-hub and handover-agent into target/debian/ from the
# binaries `hub` and `agent` of one Cargo profile, with Debian's own dpkg-deb.
#
#   cargo build --release --bin hub --bin agent && deploy/package.sh --profile release
#   deploy/package.sh --profile debug      # the test build (tests/it/packages.rs installs it)
#
# The package trees are deploy/debian/<package>/: DEBIAN/ (control, whose @...@ fields are
# filled in here, and the maintainer scripts), the systemd units and the agent's example
# settings. The hub's settings are the repository's config/*.toml, with the secrets directory
# moved to /var/lib/handover-hub. Every file under /etc is a conffile; no secret is shipped.
# The binaries are installed as /usr/bin/handover-hub and /usr/bin/handover-agent (Debian's
# package `hub` owns /usr/bin/hub). A release build is stripped of debug information and
# compressed with xz; a debug build is packed as it is, uncompressed, which takes a second.
# CARGO_TARGET_DIR is honoured. The last two lines printed are the paths of the packages.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

die() { printf 'package.sh: error: %s\n' "$*" >&2; exit 1; }
step() { printf '==> %s\n' "$*"; }

profile=
while [ $# -gt 0 ]; do
  case "$1" in
    --profile) [ $# -ge 2 ] || die "--profile needs debug or release"; profile="$2"; shift 2 ;;
    --profile=*) profile="${1#*=}"; shift ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done
case "$profile" in
  debug|dev) profile_dir=debug ;;
  release) profile_dir=release ;;
  "") die "say which build to package: --profile debug or --profile release" ;;
  *) die "--profile is debug or release, not $profile" ;;
esac

command -v dpkg-deb >/dev/null || die "dpkg-deb is missing (Debian's dpkg)"
target_dir="${CARGO_TARGET_DIR:-target}"
bin_dir="$target_dir/$profile_dir"
out_dir="$target_dir/debian"
for bin in hub agent; do
  [ -x "$bin_dir/$bin" ] || die "$bin_dir/$bin is not built: cargo build $([ "$profile_dir" = release ] && echo --release) --bin hub --bin agent"
done

# The version of a crate: its own `version`, or the workspace's when it inherits it.
cargo_version() {
  local manifest="$1" version
  version="$(awk '/^\[package\]/ {p=1; next} /^\[/ {p=0} p && /^version *=/ {gsub(/[" ]/, "", $0); sub(/^version=/, ""); print; exit}' "$manifest")"
  if [ -z "$version" ] && grep -q '^version\.workspace *= *true' "$manifest"; then
    version="$(awk '/^\[workspace\.package\]/ {p=1; next} /^\[/ {p=0} p && /^version *=/ {gsub(/[" ]/, "", $0); sub(/^version=/, ""); print; exit}' Cargo.toml)"
  fi
  [[ "$version" =~ ^[0-9][0-9A-Za-z.+~-]*$ ]] || die "no version found in $manifest"
  printf '%s' "$version"
}

# Depends: for the shared libraries a binary needs, with the glibc version its symbols ask for.
shlib_depends() {
  local bin="$1" lib deps=() glibc
  command -v objdump >/dev/null || die "objdump is missing (binutils, which the Rust linker needs too)"
  for lib in $(objdump -p "$bin" | awk '$1 == "NEEDED" {print $2}'); do
    case "$lib" in
      libc.so.*|libm.so.*|libpthread.so.*|libdl.so.*|librt.so.*|ld-linux*) ;;
      libgcc_s.so.1) deps+=("libgcc-s1") ;;
      *) die "$bin needs $lib: add its Debian package to shlib_depends in deploy/package.sh" ;;
    esac
  done
  glibc="$(objdump -T "$bin" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n 1)"
  [ -n "$glibc" ] || die "no glibc symbol versions in $bin"
  deps=("libc6 (>= $glibc)" "${deps[@]}")
  local IFS=,
  printf '%s' "${deps[*]}" | sed 's/,/, /g'
}

arch="$(dpkg --print-architecture)"
rm -rf "$out_dir"
mkdir -p "$out_dir/stage"
debs=()

# build PACKAGE BINARY MANIFEST: stages deploy/debian/PACKAGE with the binary, fills in the
# control file, and builds the .deb.
build() {
  local package="$1" binary="$2" manifest="$3"
  local stage="$out_dir/stage/$package" version deb
  version="$(cargo_version "$manifest")"
  step "$package $version ($arch) from $bin_dir/$binary"
  cp -a "deploy/debian/$package" "$stage"
  install -D -m 0755 "$bin_dir/$binary" "$stage/usr/bin/$package"
  if [ "$profile_dir" = release ]; then
    if command -v strip >/dev/null; then strip --strip-debug "$stage/usr/bin/$package"; fi
  fi
  if [ "$package" = handover-hub ]; then
    install -d "$stage/etc/handover-hub"
    install -m 0644 config/*.toml "$stage/etc/handover-hub/"
    # The only place the unit lets the hub write is its state directory.
    sed -i 's|^secrets_dir = ".local/secrets"$|secrets_dir = "/var/lib/handover-hub/secrets"|' \
      "$stage/etc/handover-hub/hub.toml"
    grep -q '^secrets_dir = "/var/lib/handover-hub/secrets"$' "$stage/etc/handover-hub/hub.toml" \
      || die "config/hub.toml no longer says secrets_dir = \".local/secrets\": update package.sh"
  fi
  # Modes do not depend on the checkout's umask; dpkg-deb makes everything root's.
  find "$stage" -type d -exec chmod 0755 {} +
  find "$stage" -type f ! -path "$stage/usr/bin/*" ! -path "$stage/DEBIAN/p*" -exec chmod 0644 {} +
  chmod 0755 "$stage"/DEBIAN/postinst "$stage"/DEBIAN/prerm "$stage"/DEBIAN/postrm
  # Every file under /etc is a conffile: an upgrade keeps the operator's edits.
  (cd "$stage" && find etc -type f | sort | sed 's|^|/|') >"$stage/DEBIAN/conffiles"
  (cd "$stage" && find . -type f ! -path './DEBIAN/*' ! -path './etc/*' -printf '%P\0' \
    | sort -z | xargs -0 md5sum) >"$stage/DEBIAN/md5sums"
  local size depends
  size="$(du -sk --apparent-size --exclude=DEBIAN "$stage" | cut -f1)"
  depends="$(shlib_depends "$stage/usr/bin/$package")"
  sed -i -e "s|@VERSION@|$version|" -e "s|@ARCH@|$arch|" -e "s|@INSTALLED_SIZE@|$size|" \
    -e "s|@SHLIBS@|$depends|" "$stage/DEBIAN/control"
  ! grep -q '@[A-Z_]*@' "$stage/DEBIAN/control" || die "$package: a field of DEBIAN/control is not filled in"
  # Nothing secret: no private key, no secrets file.
  if grep -rlE -- '-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----' "$stage" >&2; then
    die "$package would ship a private key (the files above)"
  fi
  if find "$stage" -name '*.env' -o -name '*.password' -o -name '*.key' | grep . >&2; then
    die "$package would ship a secrets file (above)"
  fi
  deb="$out_dir/${package}_${version}_${arch}.deb"
  local compress=(-Zxz)
  [ "$profile_dir" = release ] || compress=(-Znone)
  dpkg-deb --root-owner-group "${compress[@]}" --build "$stage" "$deb" >/dev/null
  debs+=("$deb")
}

build handover-hub hub hub/server/Cargo.toml
build handover-agent agent agents/Cargo.toml
rm -rf "$out_dir/stage"

# Sanity: each package says what it is, holds its binary, units and settings, and every
# file in it is root's.
for deb in "${debs[@]}"; do
  package="$(dpkg-deb --field "$deb" Package)"
  dpkg-deb --info "$deb" >/dev/null || die "$deb: dpkg-deb cannot read it"
  contents="$(dpkg-deb --contents "$deb")"
  case "$package" in
    handover-hub) expect=(./usr/bin/handover-hub ./usr/lib/systemd/system/handover-hub.service
                          ./etc/handover-hub/hub.toml ./etc/handover-hub/agencies.toml) ;;
    handover-agent) expect=(./usr/bin/handover-agent ./usr/lib/systemd/system/handover-agent.service
                            ./usr/lib/systemd/system/handover-agent@.service
                            ./etc/handover-agent/agent.toml) ;;
  esac
  for path in "${expect[@]}"; do
    grep -q " $path\$" <<<"$contents" || die "$deb lacks $path"
  done
  if awk '$2 != "root/root"' <<<"$contents" | grep . >&2; then
    die "$deb: files not owned by root (above)"
  fi
  printf '    %s %s: %s files, conffiles %s\n' "$package" "$(dpkg-deb --field "$deb" Version)" \
    "$(grep -vc '/$' <<<"$contents")" \
    "$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles | tr '\n' ' ')"
done
printf '%s\n' "${debs[@]}"
