/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The benchmark's "no-op process": main() returns 0.  Built static like
 * ojrun, so that spawning it costs what starting any static glibc program
 * costs on the machine -- on the reference VM ~0.65 ms, nearly all of it
 * glibc's CPU feature and cache detection before main() (CPUID traps to the
 * hypervisor; specs/performance.md).  The worker-path floors run it in
 * place of `create`, `start` and `delete`: the least any runtime with a
 * four-command CLI can cost.
 */
int main(void)
{
    return 0;
}
