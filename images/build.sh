#!/usr/bin/env bash
# Builds the guest images from Debian bookworm packages into public/images/.
# Downloads and builds are cached in $TABCLOUD_IMAGE_CACHE (default ~/.cache/tabcloud-images).
# Needs: apt-get (Debian), gcc, make, flex, bison, bc, libelf-dev, e2fsprogs, gzip, lz4, node;
# for Debian 12: mmdebstrap, apt-utils, gpg, arch-test and (on a host that cannot run i386) qemu-user-static.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=images/debian.sh
source "$here/debian.sh"
repo=$(dirname "$here")
cd "$repo"
cache=${TABCLOUD_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tabcloud-images}
# Everything that goes into an image carries this time, so rebuilds match.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1767225600} # 2026-01-01T00:00:00Z
jobs=$(nproc)

log() { printf '\033[1m== %s\033[0m\n' "$*" >&2; }
die() { printf 'images/build.sh: %s\n' "$*" >&2; exit 1; }

need_tools() {
  local missing=()
  for tool in apt-get dpkg-deb gcc make patch objcopy od flex bison bc mke2fs debugfs e2fsck gzip lz4 sha256sum node; do
    command -v "$tool" > /dev/null || missing+=("$tool")
  done
  [ -e /usr/include/libelf.h ] || missing+=(libelf-dev)
  [ ${#missing[@]} -eq 0 ] ||
    die "missing tools: ${missing[*]}. On Debian: apt-get install -y build-essential flex bison bc libelf-dev e2fsprogs lz4"
}

# fetch_deb NAME[:ARCH]=VERSION -> path of the cached .deb
fetch_deb() {
  local spec=$1 name=${1%%=*} version=${1#*=}
  local base=${name%%:*}
  local dir="$cache/debs"
  mkdir -p "$dir"
  local found
  found=$(find "$dir" -maxdepth 1 -name "${base}_$(printf '%s' "$version" | sed 's/:/%3a/')_*.deb" | head -n 1)
  if [ -z "$found" ]; then
    log "apt-get download $spec"
    (cd "$dir" && apt-get download "$spec" > /dev/null) ||
      die "cannot download $spec: run 'apt-get update' (and 'dpkg --add-architecture i386' for :i386 packages), or update images/*/packages.lock"
    found=$(find "$dir" -maxdepth 1 -name "${base}_$(printf '%s' "$version" | sed 's/:/%3a/')_*.deb" | head -n 1)
  fi
  printf '%s\n' "$found"
}

build_kernel() {
  local image_dir=$1 deb=$2
  local config="$image_dir/kernel.config"
  local patches=("$image_dir"/kernel-patches/*.patch)
  local key
  key=$(cat "$deb" "$config" "${patches[@]}" | sha256sum | cut -c1-16)
  local out="$cache/kernel-$key"
  if [ -f "$out/bzImage" ]; then
    log "kernel: cached ($out)"
    printf '%s\n' "$out/bzImage"
    return
  fi
  local src="$cache/linux-src"
  # The unpacked source is reused while it is this package's with these patches applied.
  local source_key
  source_key="$(basename "$deb") $(cat "${patches[@]}" | sha256sum | cut -c1-16)"
  if [ ! -d "$src/linux" ] || [ "$(cat "$src/.deb" 2>/dev/null)" != "$source_key" ]; then
    log "unpacking $(basename "$deb")"
    rm -rf "$src" && mkdir -p "$src"
    dpkg-deb -x "$deb" "$src/pkg"
    tar -xaf "$src"/pkg/usr/src/linux-source-*.tar.* -C "$src"
    mv "$src"/linux-source-* "$src/linux"
    rm -rf "$src/pkg"
    local patch
    for patch in "${patches[@]}"; do
      log "kernel: patch $(basename "$patch")"
      patch -d "$src/linux" -p1 --quiet < "$patch" || die "$(basename "$patch") does not apply"
    done
    printf '%s\n' "$source_key" > "$src/.deb"
  fi
  local build="$cache/kernel-build"
  rm -rf "$build" && mkdir -p "$build"
  export KBUILD_BUILD_TIMESTAMP="@$SOURCE_DATE_EPOCH" KBUILD_BUILD_USER=tabcloud KBUILD_BUILD_HOST=tabcloud KBUILD_BUILD_VERSION=1
  local kmake=(make -C "$src/linux" O="$build" ARCH=i386 -j"$jobs")
  log "kernel: tinyconfig + $(basename "$config")"
  "${kmake[@]}" tinyconfig > /dev/null
  "$src/linux/scripts/kconfig/merge_config.sh" -m -O "$build" "$build/.config" "$config" > /dev/null
  "${kmake[@]}" olddefconfig > /dev/null
  local bad=0 line
  while IFS= read -r line; do
    case "$line" in
      CONFIG_*) grep -qx "$line" "$build/.config" || { echo "kernel option did not stick: $line" >&2; bad=1; } ;;
      "# CONFIG_"*" is not set") ! grep -q "^${line:2:-11}=" "$build/.config" || { echo "kernel option did not stick: $line" >&2; bad=1; } ;;
    esac
  done < "$config"
  [ $bad -eq 0 ] || die "kernel configuration incomplete"
  log "kernel: make bzImage (a few minutes)"
  "${kmake[@]}" bzImage > "$build/build.log" 2>&1 || { tail -n 30 "$build/build.log" >&2; die "kernel build failed"; }
  mkdir -p "$out"
  uncompressed_bzimage "$build" "$out/bzImage"
  cp "$build/.config" "$out/"
  printf '%s\n' "$out/bzImage"
}

# uncompressed_bzimage BUILD_DIR OUT: the bzImage's real-mode setup followed by the kernel itself,
# uncompressed, instead of the decompressor and the compressed kernel. The setup code jumps to
# the protected-mode part at 1 MiB (its code32_start), where the boot loader put it: there the
# decompressor would unpack the kernel to its link address and jump to its startup_32 with the
# same boot parameters; this kernel is linked at 1 MiB (CONFIG_PHYSICAL_START), so the setup
# jumps to startup_32 itself. An emulated guest unpacked its kernel at every boot in about 0.3 s.
uncompressed_bzimage() {
  local build=$1 out=$2
  local setup_sectors payload
  setup_sectors=$(od -An -tu1 -j $((0x1f1)) -N1 "$build/arch/x86/boot/bzImage" | tr -d ' ')
  payload="$build/vmlinux.bin"
  objcopy -O binary -R .note -R .comment -S "$build/vmlinux" "$payload"
  [ -s "$payload" ] || die "empty kernel payload"
  head -c $(((setup_sectors + 1) * 512)) "$build/arch/x86/boot/bzImage" > "$out"
  cat "$payload" >> "$out"
  # syssize: the protected-mode part's size in 16-byte units, little-endian at 0x1f4.
  local paragraphs=$((($(stat -c %s "$payload") + 15) / 16))
  printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $((paragraphs & 255)) $((paragraphs >> 8 & 255)) $((paragraphs >> 16 & 255)) $((paragraphs >> 24 & 255)))" |
    dd of="$out" bs=1 seek=$((0x1f4)) conv=notrunc status=none
}

# build_rootfs IMAGE_DIR BUSYBOX_DEB SIZE_MIB DEST [EXTRA_DIR]: EXTRA_DIR's rootfs/ goes over the
# image's own (an image with an application on top of tabcloud Linux).
build_rootfs() {
  local image_dir=$1 busybox_deb=$2 size_mib=$3 dest=$4 extra=${5:-}
  local root="$cache/rootfs"
  rm -rf "$root" && mkdir -p "$root"
  dpkg-deb -x "$busybox_deb" "$cache/busybox-pkg"
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,dev,proc,sys,tmp,run,root,home,mnt,var/log,usr/share/doc/busybox}
  cp "$cache/busybox-pkg/bin/busybox" "$root/bin/busybox"
  cp "$cache/busybox-pkg/usr/share/doc/busybox-static/copyright" "$root/usr/share/doc/busybox/copyright"
  rm -rf "$cache/busybox-pkg"
  # The image's own files first: an applet link never replaces one of them (and copying onto
  # a link would write through it into busybox itself).
  cp -a "$image_dir/rootfs/." "$root/"
  [ -z "$extra" ] || cp -a "$extra/rootfs/." "$root/"
  local applet listed applets="$image_dir/busybox.applets"
  if listed=$("$root/bin/busybox" --list-full 2> /dev/null); then
    # It prints paths without the leading slash, busybox itself among them.
    diff <(printf '%s\n' "$listed" | grep -vx bin/busybox | sed 's|^|/|' | LC_ALL=C sort) <(grep -v '^#' "$applets" | LC_ALL=C sort) > /dev/null ||
      die "$(basename "$applets") does not match busybox --list-full: update it with the busybox in packages.lock"
  else
    log "busybox: this host cannot run i386 programs; linking the applets in $(basename "$applets")"
  fi
  while IFS= read -r applet; do
    case "$applet" in '#'* | '') continue ;; esac
    [ -e "$root/$applet" ] || [ -L "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
  done < "$applets"
  [ -L "$root/sbin/init" ] || die "the root volume has no /sbin/init"
  chmod 1777 "$root/tmp"
  chmod 0700 "$root/root"
  chmod 0600 "$root/etc/shadow"
  # os-release is generated so it carries the image's version.
  cat > "$root/etc/os-release" <<OSR
PRETTY_NAME="tabcloud Linux $IMAGE_VERSION (BusyBox on Linux 6.1)"
NAME="tabcloud Linux"
VERSION_ID="$IMAGE_VERSION"
VERSION="$IMAGE_VERSION"
ID=tabcloud
ID_LIKE=debian
HOME_URL="https://github.com/tabcloud/tabcloud"
OSR
  ext4_from_tree "$root" "$dest" "$size_mib" tabcloud-root
}

# ext4_from_tree TREE DEST SIZE_MIB LABEL: an ext4 file system holding TREE, the same bytes on
# every build of the same tree.
ext4_from_tree() {
  local root=$1 dest=$2 size_mib=$3 label=$4
  find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
  rm -f "$dest"
  # Fixed UUID, hash seed and time make the file system the same on every build.
  E2FSPROGS_FAKE_TIME=$SOURCE_DATE_EPOCH mke2fs -q -F -t ext4 -L "$label" \
    -U 7ab0c10d-0000-4000-8000-000000000001 \
    -E root_owner=0:0,hash_seed=7ab0c10d-0000-4000-8000-000000000002,lazy_itable_init=0,lazy_journal_init=0,nodiscard \
    -d "$root" "$dest" "${size_mib}M"
  # mke2fs copies each file's ctime, which no tool can set on the build tree: set it here.
  (cd "$root" && find . -mindepth 1 | LC_ALL=C sort | sed "s|^\.\(.*\)|set_inode_field \"\1\" ctime @$SOURCE_DATE_EPOCH|"
    echo "set_inode_field / ctime @$SOURCE_DATE_EPOCH") > "$cache/ctime.debugfs"
  E2FSPROGS_FAKE_TIME=$SOURCE_DATE_EPOCH debugfs -w -f "$cache/ctime.debugfs" "$dest" > /dev/null 2>&1 ||
    die "cannot set file times in $dest"
  e2fsck -fn "$dest" > /dev/null || die "the root volume fails e2fsck"
}

build_tabcloud_linux() {
  local image_dir="$here/tabcloud-linux"
  local out="$repo/public/images/tabcloud-linux"
  local staging="$cache/out-tabcloud-linux"
  IMAGE_VERSION=$(cat "$image_dir/VERSION")
  export IMAGE_VERSION
  local seabios_deb kernel_deb busybox_deb spec
  while IFS= read -r spec; do
    case "$spec" in
      ''|'#'*) ;;
      seabios=*) seabios_deb=$(fetch_deb "$spec") ;;
      linux-source-6.1=*) kernel_deb=$(fetch_deb "$spec") ;;
      busybox-static:i386=*) busybox_deb=$(fetch_deb "$spec") ;;
      *) die "unknown package in packages.lock: $spec" ;;
    esac
  done < "$image_dir/packages.lock"

  rm -rf "$staging" && mkdir -p "$staging"
  dpkg-deb -x "$seabios_deb" "$staging/seabios"
  cp "$staging/seabios/usr/share/seabios/bios.bin" "$staging/seabios/usr/share/seabios/vgabios-stdvga.bin" "$staging/"
  rm -rf "$staging/seabios"

  local bzimage
  bzimage=$(build_kernel "$image_dir" "$kernel_deb")
  cp "$bzimage" "$staging/bzImage"
  # The other images boot the same firmware and kernel.
  rm -rf "$cache/boot-files" && mkdir -p "$cache/boot-files"
  cp "$staging/bios.bin" "$staging/bzImage" "$cache/boot-files/"

  log "root volume: ext4, $(cat "$image_dir/ROOT_SIZE_MIB") MiB"
  build_rootfs "$image_dir" "$busybox_deb" "$(cat "$image_dir/ROOT_SIZE_MIB")" "$staging/rootfs.ext4"

  log "manifest"
  rm -rf "$out" && mkdir -p "$out"
  node --import tsx "$here/write-manifest.ts" "$image_dir/image.json" "$staging" "$out"
  # The same system on an instance-store root: another manifest over the same files.
  node --import tsx "$here/write-manifest.ts" "$image_dir/image.instance-store.json" "$staging" "$out" manifest.instance-store.json
  ls -l "$out" >&2

  # tabcloud Linux with a web server: the same system, BusyBox httpd serving a sample site from boot.
  local web_dir="$here/tabcloud-linux-web" web_out="$repo/public/images/tabcloud-linux-web"
  log "tabcloud Linux with a web server: root volume"
  build_rootfs "$image_dir" "$busybox_deb" "$(cat "$image_dir/ROOT_SIZE_MIB")" "$staging/rootfs.ext4" "$web_dir"
  rm -rf "$web_out" && mkdir -p "$web_out"
  node --import tsx "$here/write-manifest.ts" "$web_dir/image.json" "$staging" "$web_out"
  rm -rf "$staging"
}

need_tools
# TABCLOUD_IMAGES=debian builds only the Debian images (tabcloud Linux's boot files must be built once).
if [ "${TABCLOUD_IMAGES:-all}" != debian ]; then build_tabcloud_linux; fi
[ -s "$cache/boot-files/bzImage" ] || die "tabcloud Linux's kernel is not built yet: run without TABCLOUD_IMAGES"
# Chunks are shared by the images that use them, so they are written again all together.
rm -rf "$repo/public/images/chunks"
build_debian "$cache/boot-files"
build_debian_web "$cache/boot-files"
log "formatted volumes"
node --import tsx "$here/write-volume-templates.ts" "$repo/public/images/volumes" "$cache/volumes"
node --import tsx "$here/write-catalog.ts" "$repo/public/images"
log "the chunks each Debian image's boot reads"
for image in debian-12 debian-12-web; do
  node --import tsx "$here/write-boot-chunks.ts" "$repo/public/images" "$image"
done
log "done: $(du -sh "$repo/public/images" | cut -f1) in public/images"
