# Debian 12 (bookworm) i386 and its offline apt repository. Sourced by images/build.sh, whose
# helpers (log, die, $cache, $here, $repo, SOURCE_DATE_EPOCH) it uses.
#
# mmdebstrap installs Debian's minbase set plus images/debian/include.list the way Debian does:
# apt resolves, dpkg unpacks, and every maintainer script runs in the new system. Those scripts
# are i386 programs; a host that cannot run i386 code natively runs them through
# qemu-user-static, registered with binfmt_misc for the build (register_i386_emulation).

debian_dir="$here/debian"

# The Debian archive moves on at each point release; the lock says what this recipe built from.
DEBIAN_SUITE=bookworm
DEBIAN_MIRROR=http://deb.debian.org/debian

register_i386_emulation() {
  command -v arch-test > /dev/null || die "missing arch-test: apt-get install -y arch-test qemu-user-static mmdebstrap"
  arch-test i386 > /dev/null 2>&1 && return 0
  [ -x /usr/bin/qemu-i386-static ] || die "this host cannot run i386 programs: apt-get install -y qemu-user-static"
  local binfmt=/proc/sys/fs/binfmt_misc
  [ -e "$binfmt/register" ] || mount -t binfmt_misc binfmt_misc "$binfmt" ||
    die "cannot mount binfmt_misc to run i386 programs through qemu (needs root)"
  if [ ! -e "$binfmt/qemu-i386" ]; then
    # Debian's qemu-user-static leaves i386 out on amd64, which usually runs it natively.
    log "registering qemu-i386-static with binfmt_misc"
    printf '%s' ':qemu-i386:M::\x7fELF\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x03\x00:\xff\xff\xff\xff\xff\xfe\xfe\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:/usr/bin/qemu-i386-static:F' \
      > "$binfmt/register" || die "cannot register qemu-i386-static with binfmt_misc"
  fi
  arch-test i386 > /dev/null 2>&1 || die "i386 programs still do not run after registering qemu-i386-static"
}

list_of() { grep -v -e '^#' -e '^$' "$1"; }

# The archive key: made once per build cache, its public half trusted by the image. Signing is
# deterministic (Ed25519, a fixed time), so the same cache signs the same repository alike.
archive_gnupg() {
  local home="$cache/archive-gnupg"
  if [ ! -s "$home/key-id" ]; then
    log "making the offline archive's signing key"
    rm -rf "$home" && mkdir -p "$home" && chmod 700 "$home"
    gpg --homedir "$home" --batch --passphrase '' --faked-system-time "$SOURCE_DATE_EPOCH!" \
      --quick-gen-key 'tabcloud offline archive <archive@tabcloud.invalid>' ed25519 sign never 2> /dev/null
    gpg --homedir "$home" --batch --list-keys --with-colons | awk -F: '/^fpr/{print $10; exit}' > "$home/key-id"
  fi
  printf '%s\n' "$home"
}

# The system: mmdebstrap into $cache/debian-root, the packages for the offline repository
# downloaded into $cache/debian-repo-debs, every .deb kept in $cache/debian-debs for next time.
build_debian_tree() {
  local root="$cache/debian-root" debs="$cache/debian-debs" repo_debs="$cache/debian-repo-debs"
  # mmdebstrap under qemu takes a quarter of an hour: its tree is reused while what it was made from is unchanged.
  local key
  key=$(cat "$debian_dir/include.list" "$debian_dir/repository.list" "$debian_dir/packages.lock" | sha256sum | cut -c1-16)
  if [ "$(cat "$cache/debian-tree.key" 2> /dev/null)" = "$key" ] && [ -d "$root/usr" ]; then
    log "debian: system tree cached ($root)"
    return
  fi
  register_i386_emulation
  command -v mmdebstrap > /dev/null || die "missing mmdebstrap: apt-get install -y mmdebstrap"
  mkdir -p "$debs"
  rm -rf "$root" "$repo_debs" && mkdir -p "$repo_debs"
  local includes wanted
  includes=$(list_of "$debian_dir/include.list" | paste -sd, -)
  wanted=$(list_of "$debian_dir/repository.list" | paste -sd' ' -)
  log "debian: mmdebstrap $DEBIAN_SUITE i386 minbase (maintainer scripts run under qemu: minutes)"
  # Documentation, manual pages, translations: left out as Debian's own minimal images do.
  mmdebstrap --mode=root --variant=minbase --architectures=i386 \
    --setup-hook=/usr/share/mmdebstrap/hooks/merged-usr/setup00.sh \
    --include="$includes" \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' --dpkgopt='path-exclude=/usr/share/lintian/*' \
    --setup-hook='mkdir -p "$1/var/cache/apt/archives"' \
    --setup-hook="sync-in $debs /var/cache/apt/archives" \
    --customize-hook="sync-out /var/cache/apt/archives $debs" \
    --customize-hook="chroot \"\$1\" apt-get install --download-only -y -qq --no-install-recommends -o Dir::Cache::archives=/var/cache/tabcloud-repo $wanted" \
    --customize-hook="sync-out /var/cache/tabcloud-repo $repo_debs" \
    --customize-hook='rm -rf "$1/var/cache/tabcloud-repo"' \
    --customize-hook="chroot \"\$1\" dpkg-query -W -f='\${Package}:\${Architecture}=\${Version}\n' > $cache/debian-installed.lock" \
    "$DEBIAN_SUITE" "$root" "deb $DEBIAN_MIRROR $DEBIAN_SUITE main" ||
    die "mmdebstrap failed"
  rm -f "$repo_debs/lock" && rm -rf "$repo_debs/partial"
  check_debian_lock
  # The lock may just have been written: the key is of the files as they now are.
  cat "$debian_dir/include.list" "$debian_dir/repository.list" "$debian_dir/packages.lock" | sha256sum | cut -c1-16 > "$cache/debian-tree.key"
}

# Debian 12: the system tree, the offline repository, tabcloud's files, then an ext4 root volume
# served as chunks, booting tabcloud Linux's kernel and firmware (staged in $1).
build_debian() {
  local boot_files=$1
  local out="$repo/public/images/debian-12" staging="$cache/out-debian-12"
  build_debian_tree
  build_debian_repository
  configure_debian_tree
  rm -rf "$staging" && mkdir -p "$staging"
  cp "$boot_files/bios.bin" "$boot_files/bzImage" "$staging/"
  log "debian: root volume, ext4, $(cat "$debian_dir/ROOT_SIZE_MIB") MiB"
  ext4_from_tree "$cache/debian-root" "$staging/rootfs.ext4" "$(cat "$debian_dir/ROOT_SIZE_MIB")" debian-root
  rm -rf "$out" && mkdir -p "$out"
  node --import tsx "$here/write-manifest.ts" "$debian_dir/image.json" "$staging" "$out"
  rm -rf "$staging"
}

# The lock pins the versions: the image's packages, then the repository's.
check_debian_lock() {
  local lock="$debian_dir/packages.lock" built="$cache/debian-packages.lock"
  {
    echo "# Debian bookworm i386 packages in the Debian 12 image, then in its offline repository."
    echo "# Written by images/build.sh; a build that resolves to other versions stops and shows the difference."
    echo "# [image]"
    LC_ALL=C sort "$cache/debian-installed.lock"
    echo "# [repository]"
    local deb
    for deb in "$cache/debian-repo-debs"/*.deb; do
      dpkg-deb --show --showformat='${Package}:${Architecture}=${Version}\n' "$deb"
    done | LC_ALL=C sort
  } > "$built"
  if [ ! -e "$lock" ] || [ "${TABCLOUD_UPDATE_LOCK:-}" = 1 ]; then
    cp "$built" "$lock"
    log "debian: wrote $(basename "$lock")"
  elif ! diff -u "$lock" "$built" >&2; then
    die "Debian's archive now gives other versions than images/debian/packages.lock (above). Review, then rebuild with TABCLOUD_UPDATE_LOCK=1."
  fi
}

# The offline repository at public/apt/debian, laid out as Debian's archive is: pool/ with the
# packages, dists/bookworm with the signed index. The guest asks deb.debian.org for these paths.
build_debian_repository() {
  local out="$repo/public/apt/debian" home key
  home=$(archive_gnupg)
  key=$(cat "$home/key-id")
  rm -rf "$out" && mkdir -p "$out/pool/main" "$out/dists/$DEBIAN_SUITE/main/binary-i386"
  # Named as in Debian's pool: without the epoch apt's download puts in (as "1%3a"), which a
  # server would read as "1:".
  local deb
  for deb in "$cache/debian-repo-debs"/*.deb; do
    cp "$deb" "$out/pool/main/$(basename "$deb" | sed 's/_[0-9]*%3a/_/')"
  done
  (
    cd "$out"
    apt-ftparchive packages pool/main > "dists/$DEBIAN_SUITE/main/binary-i386/Packages"
    # Packages only, uncompressed: a static server may send a .gz with Content-Encoding: gzip,
    # and the browser would hand over other bytes than the index's hash is of.
    apt-ftparchive \
      -o APT::FTPArchive::Release::Origin=Debian -o APT::FTPArchive::Release::Label=Debian \
      -o APT::FTPArchive::Release::Suite=stable -o APT::FTPArchive::Release::Codename="$DEBIAN_SUITE" \
      -o APT::FTPArchive::Release::Architectures=i386 -o APT::FTPArchive::Release::Components=main \
      -o APT::FTPArchive::Release::Description="tabcloud offline archive: a curated part of Debian $DEBIAN_SUITE" \
      release "dists/$DEBIAN_SUITE" > "$cache/Release"
    # apt-ftparchive dates the index now; the build's time keeps it the same on every build.
    sed "s/^Date: .*/Date: $(LC_ALL=C date -u -R -d "@$SOURCE_DATE_EPOCH")/" "$cache/Release" > "dists/$DEBIAN_SUITE/Release"
    rm "$cache/Release"
    gpg --homedir "$home" --batch --faked-system-time "$SOURCE_DATE_EPOCH!" --default-key "$key" \
      --clearsign -o "dists/$DEBIAN_SUITE/InRelease" "dists/$DEBIAN_SUITE/Release" 2> /dev/null
  ) || die "cannot build the offline repository"
  gpg --homedir "$home" --batch --export "$key" > "$cache/tabcloud-offline-archive.gpg"
  node --import tsx "$here/write-repository-manifest.ts" "$out" >&2
}

# The tabcloud parts of the system: the files it shares with tabcloud Linux, then its own.
configure_debian_tree() {
  local root="$cache/debian-root" shared="$here/tabcloud-linux/rootfs" path
  for path in etc/init.d/rcS etc/init.d/rcK etc/fstab sbin/tabcloud-agent sbin/poweroff sbin/reboot \
    usr/share/udhcpc/default.script usr/bin/ec2-metadata; do
    mkdir -p "$root/$(dirname "$path")"
    cp -P "$shared/$path" "$root/$path"
  done
  cp -a "$debian_dir/rootfs/." "$root/"
  ln -sf /bin/busybox "$root/sbin/init"
  # init's PATH has no /usr/local: udhcpc goes where Debian's own udhcpc package would put it.
  ln -sf /bin/busybox "$root/usr/sbin/udhcpc"
  mkdir -p "$root/usr/local/bin"
  ln -sf /bin/busybox "$root/usr/local/bin/nc"
  rm -f "$root/etc/apt/sources.list"
  cp "$cache/tabcloud-offline-archive.gpg" "$root/usr/share/keyrings/tabcloud-offline-archive.gpg"
  # apt's lists as after an `apt-get update` against the offline repository: a first
  # `apt-get install` works before any update, as the index is current when the image is made.
  local lists="$root/var/lib/apt/lists" dists="$repo/public/apt/debian/dists/$DEBIAN_SUITE"
  mkdir -p "$lists/partial"
  cp "$dists/InRelease" "$lists/deb.debian.org_debian_dists_${DEBIAN_SUITE}_InRelease"
  cp "$dists/main/binary-i386/Packages" "$lists/deb.debian.org_debian_dists_${DEBIAN_SUITE}_main_binary-i386_Packages"
  echo tabcloud > "$root/etc/hostname"
  # Debian's os-release, naming the variant: /etc/os-release becomes a file of its own.
  rm -f "$root/etc/os-release"
  {
    cat "$root/usr/lib/os-release"
    echo 'VARIANT="tabcloud"'
    echo 'VARIANT_ID=tabcloud'
  } > "$root/etc/os-release"
  rm -rf "$root/var/cache/apt/"*.bin "$root/var/log/"*.log "$root/var/log/apt/"*
  # Files that differ at every build: machine id, ssh-style keys, caches.
  rm -f "$root/etc/machine-id" "$root/var/lib/dbus/machine-id"
}

# Debian 12 with a web stack: the Debian tree with images/debian-web/packages.list installed from
# the offline archive (apt in the new system, its maintainer scripts run as in a guest), lighttpd
# started by init, and the notes app.
build_debian_web() {
  local boot_files=$1 web_dir="$here/debian-web"
  local root="$cache/debian-web-root" out="$repo/public/images/debian-12-web" staging="$cache/out-debian-12-web"
  log "debian web: installing $(list_of "$web_dir/packages.list" | paste -sd' ' -)"
  rm -rf "$root" && cp -a "$cache/debian-root" "$root"
  mkdir -p "$root/tmp/archive" && cp -a "$repo/public/apt/debian/." "$root/tmp/archive/"
  echo "deb [trusted=yes] file:/tmp/archive $DEBIAN_SUITE main" > "$root/tmp/archive.list"
  # No service starts while the image is made.
  printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d" && chmod +x "$root/usr/sbin/policy-rc.d"
  mount -t proc proc "$root/proc"
  local apt_local=(-o Dir::Etc::SourceList=/tmp/archive.list -o Dir::Etc::SourceParts=/nonexistent -o APT::Get::List-Cleanup=false)
  # shellcheck disable=SC2046
  if ! chroot "$root" apt-get "${apt_local[@]}" update -qq ||
    ! DEBIAN_FRONTEND=noninteractive chroot "$root" apt-get "${apt_local[@]}" install -y -qq --no-install-recommends $(list_of "$web_dir/packages.list"); then
    umount "$root/proc"
    die "debian web: apt-get install failed"
  fi
  umount "$root/proc"
  chroot "$root" lighty-enable-mod cgi > /dev/null || die "debian web: cannot enable lighttpd's CGI module"
  rm -rf "$root/tmp/archive" "$root/tmp/archive.list" "$root/usr/sbin/policy-rc.d" "$root/var/lib/apt/lists/"_tmp_archive_* \
    "$root/var/cache/apt/archives/"*.deb "$root/var/cache/apt/"*.bin "$root/var/log/"*.log "$root/var/log/apt/"*
  cp -a "$web_dir/rootfs/." "$root/"
  mkdir -p "$root/var/lib/notes" && chroot "$root" chown www-data:www-data /var/lib/notes
  rm -rf "$staging" && mkdir -p "$staging"
  cp "$boot_files/bios.bin" "$boot_files/bzImage" "$staging/"
  ext4_from_tree "$root" "$staging/rootfs.ext4" "$(cat "$debian_dir/ROOT_SIZE_MIB")" debian-root
  rm -rf "$out" && mkdir -p "$out"
  node --import tsx "$here/write-manifest.ts" "$web_dir/image.json" "$staging" "$out"
  rm -rf "$staging" "$root"
}
