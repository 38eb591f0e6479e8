/* A compile-time attack: the preprocessor reads /dev/random (in the compile
 * container, the runtime's own device node) as a source file, which never
 * ends.  The compile limits (memory 512 MiB, 10 s) stop it: CE. */
#include "/dev/random"

int main(void)
{
    return 0;
}
