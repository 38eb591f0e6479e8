/* A+B with a loop that counts the wrong way: it never ends and prints the
 * first sum over and over, until the output limit (16 MiB) stops it. */
#include <stdio.h>

int main(void)
{
    int t;
    long long a, b;
    if (scanf("%d %lld %lld", &t, &a, &b) != 3)
        return 1;
    for (int i = 0; i < t; i--)
        printf("%lld\n", a + b);
    return 0;
}
