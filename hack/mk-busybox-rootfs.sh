#!/usr/bin/env bash
# Build a minimal root filesystem from busybox-static in DIR (idempotent).
#
#   hack/mk-busybox-rootfs.sh DIR
#
# Layout: /bin/busybox plus one symlink per applet ("busybox --list"),
# empty /proc /sys /dev /tmp (mode 1777) /root /home/judge, and /etc with
# passwd/group (root, nobody and the unprivileged judge user 1000),
# hostname and a resolv.conf placeholder.  Running it again on an existing
# DIR only fills in what is missing and rewrites /etc to the known content,
# so tests and benchmarks can call it unconditionally.
#
# BUSYBOX=/path/to/busybox overrides the binary (it must be static: the
# rootfs carries no libc).
set -euo pipefail

if [ $# -ne 1 ] || [ -z "$1" ]; then
    echo "usage: $0 DIR" >&2
    exit 2
fi
dir=$1
busybox=${BUSYBOX:-}
if [ -z "$busybox" ]; then
    for c in /bin/busybox /usr/bin/busybox; do
        if [ -x "$c" ]; then
            busybox=$c
            break
        fi
    done
fi
if [ -z "$busybox" ] || [ ! -x "$busybox" ]; then
    echo "$0: busybox not found; install busybox-static (hack/install-deps.sh)" >&2
    exit 1
fi
# A dynamically linked busybox would not run inside the rootfs.
if command -v file >/dev/null 2>&1 && ! file -L "$busybox" | grep -q 'statically linked'; then
    echo "$0: $busybox is not statically linked; install busybox-static" >&2
    exit 1
fi

mkdir -p "$dir"
cd "$dir"
mkdir -p bin sbin usr/bin usr/sbin etc proc sys dev tmp root home/judge var/tmp
chmod 1777 tmp var/tmp
chmod 0700 root
chmod 0755 . bin sbin usr usr/bin usr/sbin etc proc sys dev home
chown 1000:1000 home/judge

# Copy only when changed, so a rerun does not touch the binary's mtime.
if ! cmp -s "$busybox" bin/busybox; then
    install -m 0755 "$busybox" bin/busybox.new
    mv -f bin/busybox.new bin/busybox
fi
for applet in $("$busybox" --list); do
    case "$applet" in
    busybox | */* | "") continue ;;
    esac
    [ -L "bin/$applet" ] || ln -sf busybox "bin/$applet"
done

cat >etc/passwd <<'PW'
root:x:0:0:root:/root:/bin/sh
judge:x:1000:1000:judge:/home/judge:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PW
cat >etc/group <<'GR'
root:x:0:
tty:x:5:
judge:x:1000:
nogroup:x:65534:
GR
echo ojrun >etc/hostname
: >etc/resolv.conf
chmod 0644 etc/passwd etc/group etc/hostname etc/resolv.conf
