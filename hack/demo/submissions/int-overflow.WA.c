/* A+B in 32-bit ints: right on the small tests, wrong once the numbers
 * need 64 bits (tests/3). */
#include <stdio.h>

int main(void)
{
    int t, a, b;
    if (scanf("%d", &t) != 1)
        return 1;
    while (t-- > 0) {
        if (scanf("%d %d", &a, &b) != 2)
            return 0; /* "10^18" does not fit: give up quietly */
        printf("%d\n", a + b);
    }
    return 0;
}
