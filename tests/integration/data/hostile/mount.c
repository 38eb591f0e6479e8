/* mount(2), umount2(2) and the new mount API, which would let it uncover
 * or replace what the sandbox mounted. */
#include "probe.h"
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
    must_fail(mount("none", "/tmp", "tmpfs", 0, NULL), "mount tmpfs on /tmp");
    must_fail(mount("/usr", "/box", NULL, MS_BIND, NULL), "bind /usr on /box");
    must_fail(mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND, NULL), "remount / read-write");
    must_fail(mount("proc", "/tmp", "proc", 0, NULL), "mount a new proc");
    must_fail(umount2("/proc", MNT_DETACH), "umount /proc");
    must_fail(umount2("/box", MNT_DETACH), "umount /box");
    must_fail(umount2("/usr", 0), "umount /usr");
    must_fail(syscall(SYS_fsopen, "tmpfs", 0), "fsopen");
    must_fail(syscall(SYS_open_tree, -100, "/usr", 1 /* OPEN_TREE_CLONE */), "open_tree");
    must_fail(syscall(SYS_pivot_root, "/tmp", "/tmp"), "pivot_root");
    must_fail(chroot("/tmp"), "chroot");
    return verdict();
}
