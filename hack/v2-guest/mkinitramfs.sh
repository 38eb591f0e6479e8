#!/usr/bin/env bash
# Build the initramfs of the cgroup v2 test guest from Debian packages only:
# busybox (busybox-static), the modules of kernel $2 (linux-image-amd64,
# /lib/modules/$2) that 9p over virtio and overlayfs need, in load order,
# and hack/v2-guest/init.
#
#   mkinitramfs.sh OUT KVER
#
# The result is about 2 MB.  run.sh calls it when a stamp of its inputs
# changed.
set -euo pipefail
out=$1 kver=$2
here=$(cd "$(dirname "$0")" && pwd)
mods=/lib/modules/$kver
# what the guest needs: 9p over virtio-pci, overlayfs, and ext4 on a
# virtio disk for /tmp (crc32c for its checksums); serial, tmpfs, devtmpfs
# and every cgroup controller are built into Debian's kernel
want=(virtio_pci 9pnet_virtio 9p overlay virtio_blk crc32c_generic ext4)

[ -f "$mods/modules.dep" ] || { echo "mkinitramfs: no $mods/modules.dep" >&2; exit 1; }
[ -x /bin/busybox ] || { echo "mkinitramfs: no /bin/busybox (busybox-static)" >&2; exit 1; }
file /bin/busybox 2>/dev/null | grep -q 'statically linked' || ldd /bin/busybox 2>&1 | grep -q 'not a dynamic' ||
    { echo "mkinitramfs: /bin/busybox is not static (install busybox-static)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"/{bin,dev,proc,sys,modules,newroot}
cp /bin/busybox "$tmp/bin/busybox"
cp "$here/init" "$tmp/init"
chmod 755 "$tmp/init"

# modules.dep: "kernel/a.ko: kernel/b.ko kernel/c.ko" -- a needs b and c,
# and b may need c: load dependencies depth first, each once.
declare -A loaded=()
order=()
path_of() { # module name -> its path in modules.dep
    awk -F: -v n="$1" '{ p = $1; sub(/.*\//, "", p); sub(/\.ko(\.[a-z]+)?$/, "", p);
        gsub(/-/, "_", p); if (p == n) { print $1; exit } }' "$mods/modules.dep"
}
add() { # path
    local p=$1 d
    [ -n "${loaded[$p]:-}" ] && return 0
    loaded[$p]=1
    for d in $(awk -F: -v p="$p" '$1 == p { print $2; exit }' "$mods/modules.dep"); do
        add "$d"
    done
    order+=("$p")
}
for m in "${want[@]}"; do
    p=$(path_of "$m")
    [ -n "$p" ] || { echo "mkinitramfs: module $m not in $mods/modules.dep" >&2; exit 1; }
    add "$p"
done
for p in "${order[@]}"; do
    case "$p" in
    *.ko) cp "$mods/$p" "$tmp/modules/" ;;
    *.ko.xz) xz -dc "$mods/$p" >"$tmp/modules/$(basename "$p" .xz)" ;;
    *.ko.zst) zstd -qdc "$mods/$p" >"$tmp/modules/$(basename "$p" .zst)" ;;
    *) echo "mkinitramfs: cannot load $p" >&2; exit 1 ;;
    esac
    basename "${p%.ko*}.ko" >>"$tmp/modules/order"
done

mkdir -p "$(dirname "$out")"
(cd "$tmp" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -9 >"$out.tmp"
mv "$out.tmp" "$out"
echo "mkinitramfs: $out ($(du -k "$out" | cut -f1) kB; modules: $(tr '\n' ' ' <"$tmp/modules/order"))"
