#!/bin/bash
# PID 1 of new pid/mount/uts/net/ipc namespaces, started by tests/systemd_world/__init__.py as
#   unshare --pid --fork --kill-child --mount --uts --net --ipc --propagation private ns-init.sh
# It builds a throw-away root and execs a real systemd on it.
#
# SAFETY: the root is an overlay of / with a tmpfs upper layer (nothing is written to the host's
# files), with /tmp, /run and /dev of its own (systemd-tmpfiles --boot, pulled in by
# user@.service, empties /tmp), /sys and /proc/sys read-only (systemd writes kernel settings
# such as kernel.core_pattern at start), and the paths in SW_BINDS bound read-only.
# `set -e`: any failed step ends the script before systemd is started.
#
# Environment (set by the Python side):
#   SW_WORK    a host folder: this process's host pid is written to $SW_WORK/pid
#   SW_CGROUP  an empty cgroup (cgroup2) made for this run: the root of the new cgroup namespace
#   SW_BINDS   host paths, one a line, bound read-only at the same path (the project, its python)
#   SW_HERE    this folder (masked-units, idle.target)
set -euo pipefail
umask 022   # not the caller's: the overlay's root takes the mode of its upper folder

if [ "${1:-}" != --in-cgroup-namespace ]; then
    # /proc is still the host's here: /proc/self/status names this shell's host pid. The
    # redirection is the shell's own, so /proc/self is this process (which stays PID 1).
    host_pid=
    while read -r key value _; do
        if [ "$key" = NSpid: ]; then host_pid=$value; break; fi
    done < /proc/self/status
    [ -n "$host_pid" ]
    echo "$host_pid" > "$SW_WORK/pid"
    # Into the cgroup made for us, then a cgroup namespace rooted there: systemd sees that
    # cgroup as the whole tree (the unshare process outside stays where it was).
    echo 0 > "$SW_CGROUP/cgroup.procs"
    exec unshare --cgroup "$0" --in-cgroup-namespace
fi

console=$(tty)
mount --make-rprivate /

mount -t tmpfs -o mode=755 systemd-world /mnt
mkdir -p /mnt/upper /mnt/work /mnt/root
mount -t overlay -o lowerdir=/,upperdir=/mnt/upper,workdir=/mnt/work systemd-world-root /mnt/root
R=/mnt/root

mount -t proc proc "$R/proc"
mount --bind "$R/proc/sys" "$R/proc/sys"
mount -o remount,bind,ro "$R/proc/sys"
mount --bind /sys "$R/sys"
mount -o remount,bind,ro "$R/sys"
mount -t cgroup2 cgroup2 "$R/sys/fs/cgroup"   # the namespace's root: $SW_CGROUP

mount -t tmpfs -o mode=755,nosuid systemd-world-dev "$R/dev"
for node in null zero full random urandom tty; do
    touch "$R/dev/$node"
    mount --bind "/dev/$node" "$R/dev/$node"
done
mkdir -p "$R/dev/pts" "$R/dev/shm" "$R/dev/mqueue"
mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts "$R/dev/pts"
ln -s pts/ptmx "$R/dev/ptmx"
mount -t tmpfs -o mode=1777,nosuid,nodev systemd-world-shm "$R/dev/shm"
touch "$R/dev/console"
mount --bind "$console" "$R/dev/console"   # the pty of `script`: systemd's console log
ln -s /proc/self/fd "$R/dev/fd"

mount -t tmpfs -o mode=755,nosuid,nodev systemd-world-run "$R/run"
mount -t tmpfs -o mode=1777,nosuid,nodev systemd-world-tmp "$R/tmp"

while IFS= read -r path; do
    if [ -z "$path" ]; then continue; fi
    mkdir -p "$R$path"
    mount --bind "$path" "$R$path"
    mount -o remount,bind,ro "$R$path"
done <<< "$SW_BINDS"

# Unit masks and the start target, first in the unit search path (SYSTEMD_UNIT_PATH below);
# every generator masked (fstab, getty, sysv, gpt-auto, ...: none is wanted here).
units=$R/etc/systemd-world
mkdir -p "$units" "$R/etc/systemd/system-generators"
cp "$SW_HERE/idle.target" "$units/"
while read -r unit _; do
    case "$unit" in ''|'#'*) continue ;; esac
    ln -sfn /dev/null "$units/$unit"
done < "$SW_HERE/masked-units"
for generator in /lib/systemd/system-generators/* /usr/lib/systemd/system-generators/*; do
    if [ -e "$generator" ]; then ln -sfn /dev/null "$R/etc/systemd/system-generators/${generator##*/}"; fi
done

cd "$R"
mkdir -p .oldroot
pivot_root . .oldroot
umount -l /.oldroot
rmdir /.oldroot
cd /
hostname systemd-world

exec env -i container=systemd-world SYSTEMD_UNIT_PATH=/etc/systemd-world: \
    /lib/systemd/systemd --system --unit=idle.target --log-target=console --show-status=yes
